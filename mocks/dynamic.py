"""Data generated from a schema (``Prefer: dynamic=true``), reproducible from a seed.

Hand-written rather than a library: the candidates (hypothesis-jsonschema, json-schema-faker)
either draw through hypothesis' engine, which is far too slow per request, or live in node.
The values only have to be plausible and valid for the usual keywords.
"""

from __future__ import annotations

import random
import string
import uuid
from typing import Any

from mocks.spec import SpecError, resolve

MAX_DEPTH = 6

_WORDS = ("alpha", "bravo", "charlie", "delta", "echo", "foxtrot", "golf", "hotel", "india", "juliet")
_FORMATS = {
    "date-time": lambda r: (
        f"2024-{r.randint(1, 12):02d}-{r.randint(1, 28):02d}T{r.randint(0, 23):02d}:{r.randint(0, 59):02d}:00Z"
    ),
    "date": lambda r: f"2024-{r.randint(1, 12):02d}-{r.randint(1, 28):02d}",
    "email": lambda r: f"{r.choice(_WORDS)}{r.randint(1, 99)}@example.com",
    "uri": lambda r: f"https://example.com/{r.choice(_WORDS)}/{r.randint(1, 999)}",
    "url": lambda r: f"https://example.com/{r.choice(_WORDS)}/{r.randint(1, 999)}",
    "uuid": lambda r: str(uuid.UUID(int=r.getrandbits(128), version=4)),
    "binary": lambda r: "".join(r.choices(string.ascii_letters, k=8)),
}


def generate(doc: dict[str, Any], schema: Any, rng: random.Random, depth: int = 0) -> Any:
    """A value for ``schema`` (OpenAPI 3.0 dialect, local $refs followed)."""
    try:
        schema = resolve(doc, schema)
    except SpecError:
        return None
    if not isinstance(schema, dict):
        return None
    if "enum" in schema and isinstance(schema["enum"], list) and schema["enum"]:
        return rng.choice(schema["enum"])
    if "allOf" in schema and isinstance(schema["allOf"], list):
        return _merge_all_of(doc, schema, rng, depth)
    for key in ("oneOf", "anyOf"):
        if isinstance(schema.get(key), list) and schema[key]:
            return generate(doc, rng.choice(schema[key]), rng, depth + 1)
    kind = schema.get("type")
    if kind is None:
        kind = "object" if "properties" in schema else "array" if "items" in schema else "string"
    if kind == "object":
        return _object(doc, schema, rng, depth)
    if kind == "array":
        return _array(doc, schema, rng, depth)
    if kind == "integer":
        return _integer(schema, rng)
    if kind == "number":
        low, high = _bounds(schema, 0, 1000)
        return round(rng.uniform(low, high), 2)
    if kind == "boolean":
        return rng.random() < 0.5
    return _string(schema, rng)


def settle_envelope(doc: dict[str, Any], value: Any, success: bool) -> Any:
    """A generated answer's envelope code made to tell the truth: the API's success code on a
    success (a random ``code: 393`` would read as an error to any client), another one otherwise."""
    envelope = doc.get("x-envelope")
    if not isinstance(envelope, dict) or not isinstance(value, dict):
        return value
    field, code = envelope.get("codeField"), envelope.get("successCode")
    if field in value:
        if success:
            value[field] = code
        elif value[field] == code:
            value[field] = code + 1 if isinstance(code, int) else f"not {code}"
    return value


def _merge_all_of(doc: dict[str, Any], schema: dict[str, Any], rng: random.Random, depth: int) -> Any:
    rest = {k: v for k, v in schema.items() if k != "allOf"}
    parts = [*schema["allOf"], *([rest] if "properties" in rest or "type" in rest else [])]
    merged: Any = None
    for part in parts:
        value = generate(doc, part, rng, depth + 1)
        if isinstance(merged, dict) and isinstance(value, dict):
            merged.update(value)  # later parts refine earlier ones (envelope, then its `result`)
        elif merged is None:
            merged = value
    return merged


def _object(doc: dict[str, Any], schema: dict[str, Any], rng: random.Random, depth: int) -> dict[str, Any]:
    properties = schema.get("properties") if isinstance(schema.get("properties"), dict) else {}
    required = set(schema.get("required") or [])
    out: dict[str, Any] = {}
    for name, sub in properties.items():
        # Deep in a recursive schema, stop at what is required so the value stays finite.
        if depth >= MAX_DEPTH and name not in required:
            continue
        out[name] = generate(doc, sub, rng, depth + 1)
    return out


def _array(doc: dict[str, Any], schema: dict[str, Any], rng: random.Random, depth: int) -> list[Any]:
    low = int(schema.get("minItems", 0) or 0)
    high = int(schema.get("maxItems", max(low, 2)))
    count = low if depth >= MAX_DEPTH else rng.randint(max(low, min(1, high)), max(low, min(high, 3)))
    return [generate(doc, schema.get("items", {}), rng, depth + 1) for _ in range(count)]


def _bounds(schema: dict[str, Any], low: float, high: float) -> tuple[float, float]:
    low = schema.get("minimum", low)
    high = schema.get("maximum", max(high, low))
    return low, max(low, high)


def _integer(schema: dict[str, Any], rng: random.Random) -> int:
    low, high = _bounds(schema, 0, 1000)
    low_i, high_i = int(low), int(high)
    if schema.get("exclusiveMinimum") is True:
        low_i += 1
    if schema.get("exclusiveMaximum") is True:
        high_i -= 1
    return rng.randint(low_i, max(low_i, high_i))


def _string(schema: dict[str, Any], rng: random.Random) -> str:
    if isinstance(schema.get("example"), str):
        return schema["example"]
    if isinstance(schema.get("default"), str):
        return schema["default"]
    fmt = schema.get("format")
    if fmt in _FORMATS:
        return _FORMATS[fmt](rng)
    low = int(schema.get("minLength", 0) or 0)
    text = " ".join(rng.choice(_WORDS) for _ in range(rng.randint(1, 3)))
    if len(text) < low:
        text += "x" * (low - len(text))
    if "maxLength" in schema:
        text = text[: max(int(schema["maxLength"]), low, 0)]
    return text
