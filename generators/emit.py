"""Deterministic, diff-friendly YAML for specs, and the OpenAPI 3.2 rendition."""

from __future__ import annotations

import copy
from typing import Any

import yaml

try:  # libyaml is an order of magnitude faster; the pure-Python dumper writes the same bytes
    from yaml import CSafeDumper as _Dumper
except ImportError:  # pragma: no cover - depends on how PyYAML was built
    from yaml import SafeDumper as _Dumper  # type: ignore[assignment]

STREAM_MEDIA = ("application/x-ndjson", "text/event-stream", "text/plain")
OPERATION_KEYS = (
    "tags",
    "summary",
    "description",
    "operationId",
    "deprecated",
    "security",
    "parameters",
    "requestBody",
    "responses",
    "callbacks",
    "servers",
)
ROOT_KEYS = ("openapi", "info", "servers", "security", "tags", "paths", "components")
METHOD_ORDER = ("get", "put", "post", "delete", "options", "head", "patch", "trace")


def _ordered(d: dict[str, Any], keys: tuple[str, ...]) -> dict[str, Any]:
    out = {k: d[k] for k in keys if k in d}
    out.update({k: d[k] for k in sorted(k for k in d if k not in out)})
    return out


def canonical(spec: dict[str, Any]) -> dict[str, Any]:
    """Fix the order of keys that tools and overlays may add in any order; operations keep doc order."""
    spec = _ordered(spec, ROOT_KEYS)
    for path, item in spec.get("paths", {}).items():
        for method in list(item):
            if method in METHOD_ORDER:
                item[method] = _ordered(item[method], OPERATION_KEYS)
        responses = {}
        for method, op in item.items():
            if isinstance(op, dict) and "responses" in op:
                codes = op["responses"]
                responses[method] = dict(sorted(codes.items(), key=lambda kv: (kv[0] == "default", kv[0])))
                op["responses"] = responses[method]
        spec["paths"][path] = item
    if "components" in spec:
        spec["components"] = {k: spec["components"][k] for k in sorted(spec["components"])}
    return spec


def dump_yaml(data: Any) -> str:
    return yaml.dump(
        data, Dumper=_Dumper, sort_keys=False, allow_unicode=True, width=100, default_flow_style=False
    )


def to_openapi_32(spec: dict[str, Any]) -> dict[str, Any]:
    """The OpenAPI 3.2 rendition: streams' item schema under `itemSchema`, JSON Schema 2020-12 types."""
    out = copy.deepcopy(spec)
    out["openapi"] = "3.2.0"
    _walk_32(out)
    return out


def _walk_32(node: Any) -> None:
    if isinstance(node, dict):
        content = node.get("content")
        if isinstance(content, dict):
            for media, mt in content.items():
                if media in STREAM_MEDIA and isinstance(mt, dict) and "schema" in mt:
                    item = mt.pop("schema")
                    if media == "text/event-stream":
                        # in 3.2 an SSE item is the event; our item schema describes its JSON `data`
                        item = {
                            "type": "object",
                            "required": ["data"],
                            "properties": {
                                "event": {"type": "string"},
                                "id": {"type": "string"},
                                "retry": {"type": "integer"},
                                "data": {
                                    "type": "string",
                                    "contentMediaType": "application/json",
                                    "contentSchema": item,
                                },
                            },
                        }
                    mt["itemSchema"] = item
                    for ex in (mt.get("examples") or {}).values():
                        if "x-oai-serializedValue" in ex:
                            ex.pop("value", None)
                            ex["serializedValue"] = ex.pop("x-oai-serializedValue")
        if node.get("nullable") is True:
            node.pop("nullable")
            t = node.get("type")
            if isinstance(t, str):
                node["type"] = [t, "null"]
        for k, v in list(node.items()):
            if k in ("example", "examples", "x-when") and not isinstance(v, dict | list):
                continue
            if k in ("value", "dataValue", "example"):
                continue
            _walk_32(v)
    elif isinstance(node, list):
        for v in node:
            _walk_32(v)
