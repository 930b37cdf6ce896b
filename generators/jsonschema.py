"""OpenAPI 3.0 schema objects -> JSON Schema (draft 7), so that jsonschema-rs can validate against them."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import jsonschema_rs

_OAS_ONLY = {
    "nullable",
    "discriminator",
    "readOnly",
    "writeOnly",
    "xml",
    "externalDocs",
    "example",
    "examples",
    "deprecated",
}


def convert(node: Any, on_ref: Callable[[str], Any] | None = None) -> Any:
    """The JSON Schema for an OpenAPI 3.0 schema object: `nullable` becomes a null type, the
    annotations only OpenAPI knows are dropped. ``on_ref`` (if given) replaces each `$ref`."""
    if isinstance(node, list):
        return [convert(v, on_ref) for v in node]
    if not isinstance(node, dict):
        return node
    if on_ref is not None and isinstance(node.get("$ref"), str):
        target = on_ref(node["$ref"])
        # OpenAPI 3.0 ignores siblings of $ref, but `nullable: true` next to one is a clear intent
        return {"anyOf": [{"type": "null"}, target]} if node.get("nullable") is True else target
    out = {k: convert(v, on_ref) for k, v in node.items() if k not in _OAS_ONLY and not k.startswith("x-")}
    for names in ("properties", "patternProperties"):  # property names are data, not keywords
        if isinstance(node.get(names), dict):
            out[names] = {k: convert(v, on_ref) for k, v in node[names].items()}
    if node.get("nullable") is True:
        t = out.get("type")
        if isinstance(t, str):
            out["type"] = [t, "null"]
        if "enum" in out and None not in out["enum"]:
            out["enum"] = [*out["enum"], None]
        if any(key in out for key in ("allOf", "anyOf", "oneOf")):
            out = {"anyOf": [{"type": "null"}, out]}
    if node.get("format") == "binary":
        out.pop("format", None)
    return out


def converted_components(spec: dict[str, Any]) -> dict[str, Any] | None:
    """The spec's component schemas as JSON Schema: convert once, reuse for every validator."""
    if "components" not in spec:
        return None
    return {"schemas": convert(spec["components"].get("schemas", {}))}


def validator(schema: dict[str, Any], spec: dict[str, Any], components: dict[str, Any] | None = None) -> Any:
    """A compiled validator for one schema of ``spec``; `#/components/...` references resolve in it."""
    document = convert(schema)
    components = components if components is not None else converted_components(spec)
    if components is not None:
        document = {**document, "components": components}
    return jsonschema_rs.Draft7Validator(document)


def errors(schema: dict[str, Any], spec: dict[str, Any], value: Any) -> list[str]:
    v = validator(schema, spec)
    return [f"{'/'.join(map(str, e.instance_path)) or '(root)'}: {e.message}" for e in v.iter_errors(value)]
