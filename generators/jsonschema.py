"""OpenAPI 3.0 schema objects -> JSON Schema (draft 7), so that jsonschema-rs can validate against them."""

from __future__ import annotations

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
    "deprecated",
}


def convert(node: Any) -> Any:
    if isinstance(node, list):
        return [convert(v) for v in node]
    if not isinstance(node, dict):
        return node
    out = {k: convert(v) for k, v in node.items() if k not in _OAS_ONLY and not k.startswith("x-")}
    if "properties" in node:  # property names are data, not keywords: keep them all
        out["properties"] = {k: convert(v) for k, v in node["properties"].items()}
    if node.get("nullable") is True:
        t = out.get("type")
        if isinstance(t, str):
            out["type"] = [t, "null"]
        if "enum" in out and None not in out["enum"]:
            out["enum"] = [*out["enum"], None]
        for key in ("allOf", "anyOf", "oneOf"):
            if key in out:
                out = {"anyOf": [{"type": "null"}, out]}
                break
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
