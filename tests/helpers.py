"""Small readers for the specs the importer writes, so tests say what they check, not how to dig.

The importer may factor a recurring envelope into `components/schemas` and answer with
`allOf: [{$ref: envelope}, {...}]`; these helpers follow `$ref`s and merge `allOf`s so that a test
can ask "what fields does this response have" whatever shape the spec took.
"""

from __future__ import annotations

import functools
import json
from pathlib import Path
from typing import Any

HTTP_METHODS = ("get", "put", "post", "delete", "options", "head", "patch", "trace")


def operation(spec: dict[str, Any], method: str, path: str) -> dict[str, Any]:
    """The operation at `method path`, with a failure message that lists what the spec has instead."""
    paths = spec.get("paths") or {}
    item = paths.get(path)
    assert item is not None, f"no path {path!r} in the spec; it has {sorted(paths)}"
    op = item.get(method.lower())
    assert op is not None, (
        f"no {method.upper()} on {path!r}; it has {sorted(k for k in item if k in HTTP_METHODS)}"
    )
    return op


def operations(spec: dict[str, Any]) -> list[tuple[str, str, dict[str, Any]]]:
    """Every (METHOD, path, operation) of the spec, in spec order."""
    found = []
    for path, item in (spec.get("paths") or {}).items():
        for method, op in item.items():
            if method in HTTP_METHODS:
                found.append((method.upper(), path, op))
    return found


def lookup(spec: dict[str, Any], ref: str) -> Any:
    """The object a local `$ref` (`#/components/...`) points at."""
    assert ref.startswith("#/"), f"only local $refs are expected in an imported spec, got {ref!r}"
    node: Any = spec
    for part in ref[2:].split("/"):
        part = part.replace("~1", "/").replace("~0", "~")
        assert isinstance(node, dict) and part in node, f"dangling $ref {ref!r}"
        node = node[part]
    return node


def _deref(spec: dict[str, Any], obj: Any) -> Any:
    """Follow `$ref`s of non-schema objects (parameters, request bodies, responses, examples)."""
    seen = 0
    while isinstance(obj, dict) and "$ref" in obj:
        obj = lookup(spec, obj["$ref"])
        seen += 1
        assert seen < 32, "a $ref cycle"
    return obj


def _merge(a: dict[str, Any], b: dict[str, Any]) -> dict[str, Any]:
    """Merge two resolved schemas as `allOf` would: properties merged field by field, required united."""
    out = dict(a)
    for key, value in b.items():
        if key == "properties" and isinstance(out.get("properties"), dict):
            props = dict(out["properties"])
            for name, sub in value.items():
                props[name] = _merge(props[name], sub) if name in props else sub
            out["properties"] = props
        elif key == "required" and isinstance(out.get("required"), list):
            out["required"] = out["required"] + [r for r in value if r not in out["required"]]
        else:
            out[key] = value
    return out


def resolve(spec: dict[str, Any], schema: Any, _depth: int = 0) -> Any:
    """`schema` with every `$ref` followed and every `allOf` merged, all the way down."""
    if not isinstance(schema, dict):
        return schema
    assert _depth < 64, "schema nesting too deep (a $ref cycle?)"
    if "$ref" in schema:
        target = resolve(spec, lookup(spec, schema["$ref"]), _depth + 1)
        rest = {k: v for k, v in schema.items() if k != "$ref"}
        return _merge(target, resolve(spec, rest, _depth + 1)) if rest else target
    out: dict[str, Any] = {}
    for key, value in schema.items():
        if key == "allOf":
            continue
        if key == "properties" and isinstance(value, dict):
            out[key] = {name: resolve(spec, sub, _depth + 1) for name, sub in value.items()}
        elif key in ("items", "additionalProperties", "not") and isinstance(value, dict):
            out[key] = resolve(spec, value, _depth + 1)
        elif key in ("oneOf", "anyOf") and isinstance(value, list):
            out[key] = [resolve(spec, sub, _depth + 1) for sub in value]
        else:
            out[key] = value
    for part in schema.get("allOf") or []:
        out = _merge(out, resolve(spec, part, _depth + 1))
    return out


def _pick_media_type(content: dict[str, Any], media_type: str | None, what: str) -> str:
    if media_type is not None:
        assert media_type in content, f"{what} has no {media_type!r} content; it has {sorted(content)}"
        return media_type
    assert len(content) == 1, f"{what} has several media types {sorted(content)}; say which one"
    return next(iter(content))


def request_content(spec: dict[str, Any], op: dict[str, Any]) -> dict[str, Any]:
    """The request body's `content` map (media type -> media type object)."""
    body = _deref(spec, op.get("requestBody"))
    assert body, f"operation {op.get('operationId')!r} has no requestBody"
    return body.get("content") or {}


def response_content(spec: dict[str, Any], op: dict[str, Any], status: str = "200") -> dict[str, Any]:
    """The `content` map of one response."""
    responses = op.get("responses") or {}
    assert status in responses, (
        f"operation {op.get('operationId')!r} has no {status} response: {sorted(responses)}"
    )
    return (_deref(spec, responses[status]) or {}).get("content") or {}


def request_schema(spec: dict[str, Any], op: dict[str, Any], media_type: str | None = None) -> dict[str, Any]:
    """The resolved request body schema (the only media type unless `media_type` says which)."""
    content = request_content(spec, op)
    mt = _pick_media_type(content, media_type, "requestBody")
    return resolve(spec, content[mt].get("schema") or {})


def response_schema(
    spec: dict[str, Any], op: dict[str, Any], status: str = "200", media_type: str | None = None
) -> dict[str, Any]:
    """The resolved schema of one response (for a stream: the schema of ONE item)."""
    content = response_content(spec, op, status)
    mt = _pick_media_type(content, media_type, f"response {status}")
    return resolve(spec, content[mt].get("schema") or {})


def parameters(spec: dict[str, Any], method: str, path: str) -> dict[str, dict[str, Any]]:
    """name -> parameter (path-item level and operation level), schemas resolved."""
    item = (spec.get("paths") or {}).get(path) or {}
    op = operation(spec, method, path)
    found: dict[str, dict[str, Any]] = {}
    for raw in [*(item.get("parameters") or []), *(op.get("parameters") or [])]:
        param = dict(_deref(spec, raw))
        param["schema"] = resolve(spec, param.get("schema") or {})
        other = found.get(param["name"])
        assert other is None or other["in"] == param["in"], (
            f"{method.upper()} {path}: {param['name']!r} is both a {other['in']} and a {param['in']} parameter"
        )
        found[param["name"]] = param
    return found


def media_examples(spec: dict[str, Any], media: dict[str, Any]) -> list[dict[str, Any]]:
    """The example objects of one media type: named `examples` (dereferenced), then `example` as `{value}`."""
    found = [_deref(spec, ex) for ex in (media.get("examples") or {}).values()]
    if "example" in media:
        found.append({"value": media["example"]})
    return found


def example_values(spec: dict[str, Any], media: dict[str, Any]) -> list[Any]:
    """Every example value of one media type."""
    return [ex.get("value") for ex in media_examples(spec, media)]


def sse_items(serialized: str) -> list[Any]:
    """The JSON items of a `text/event-stream` body, in order (one item per event's `data:` lines)."""
    items = []
    for event in serialized.replace("\r\n", "\n").split("\n\n"):
        data = [line[5:].removeprefix(" ") for line in event.split("\n") if line.startswith("data:")]
        if data:
            items.append(json.loads("\n".join(data)))
    return items


def diagnostics(result: Any, rule: str) -> list[Any]:
    """The diagnostics of one rule."""
    return [d for d in result.diagnostics if d.rule == rule]


def line_of(text: str, needle: str) -> int:
    """1-based number of the one line of `text` that contains `needle` (fails unless exactly one does)."""
    hits = [n for n, line in enumerate(text.split("\n"), start=1) if needle in line]
    assert len(hits) == 1, f"{needle!r} is on lines {hits} of the fixture; make the needle unique"
    return hits[0]


@functools.cache
def rendered_docs() -> dict[str, str]:
    """Every file `mdcontract docs` writes for spec/ now, by name: rendered once for all test modules
    (the four APIs take seconds)."""
    from generators.docs.render import render_all

    return render_all(Path(__file__).resolve().parent.parent / "spec")
