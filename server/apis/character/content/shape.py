"""Answers in the shape each operation documents, from the model's records.

The character API's operations answer the same few things (a character, a session, a message, a
media task) under a dozen different shapes: `tags` is a list here and "a,b" there, a time is
"20230506 11:00:00" in one answer and "2024-09-05T10:15:26.000Z" in the next, a message id is
`uniqId`, `uniq_id` or `id`. So behaviours return records (dicts holding every name the model
knows a value under) and :func:`shape` fits a record to the operation's documented schema:

- a documented field takes the record's value under that name, converted to the documented type;
- a required field the model holds no value for takes the documented example's value when it is a
  number or a flag, else the type's empty value: a made-up "https://xxx.jpg" is never served;
- a time (:class:`Moment`) is written the way the documented example writes that field.
"""

from __future__ import annotations

import json
import re
from dataclasses import dataclass
from datetime import UTC, datetime
from functools import lru_cache
from typing import Any

from generators.refs import follow_refs
from server.call import Call


@dataclass(frozen=True)
class Moment:
    """A time in epoch milliseconds, written as the answer's example writes times."""

    ms: int


# The example's way of writing a time -> strftime, first match wins.
_TIME_STYLES = (
    (re.compile(r"^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d(\.\d+)?Z$"), "iso"),
    (re.compile(r"^\d{4}-\d\d-\d\d \d\d:\d\d:\d\d$"), "%Y-%m-%d %H:%M:%S"),
    (re.compile(r"^\d{8} \d\d:\d\d:\d\d$"), "%Y%m%d %H:%M:%S"),
)
DEFAULT_TIME_STYLE = "%Y%m%d %H:%M:%S"  # the doc's most common one


def format_time(ms: int, example: Any = None) -> str:
    moment = datetime.fromtimestamp(ms / 1000, UTC)
    style = DEFAULT_TIME_STYLE
    if isinstance(example, str):
        style = next((s for pattern, s in _TIME_STYLES if pattern.match(example)), DEFAULT_TIME_STYLE)
    if style == "iso":
        return moment.strftime("%Y-%m-%dT%H:%M:%S.") + f"{moment.microsecond // 1000:03d}Z"
    return moment.strftime(style)


class Entries(dict[str, Any]):
    """A map whose every key is answered, not only the documented ones: a tag -> label object whose
    sample happened to show one tag (`{"Female": "女性"}`) is documented with that key alone."""


class Cast(list[dict[str, Any]]):
    """The characters of a world or a group chat, answered as each operation shows them: objects
    where the doc shows objects (`/character/world/detail`), their pictures where it shows a list of
    strings (`/character/world/chatted/list`), JSON text where it shows one string (`/character/world/list`)."""


@dataclass(frozen=True)
class Documented:
    """The documented success answer of one operation: its data's schema and example."""

    schema: dict[str, Any]
    example: Any
    doc: dict[str, Any]


def documented(call: Call) -> Documented:
    return _documented(id(call.api.doc), call.op.operation_id, call.api)


@lru_cache(maxsize=1024)
def _documented(_doc_id: int, operation_id: str, api: Any) -> Documented:
    doc = api.doc
    success = api.operations[operation_id].compiled.success
    schema: dict[str, Any] = {}
    example: Any = None
    if success is not None and success.schemas:
        schema = flatten(doc, next(iter(success.schemas.values())))
    if success is not None and success.examples:
        example = success.examples[0].value
    data_field = api.envelope.data_field
    if data_field:
        schema = flatten(doc, schema.get("properties", {}).get(data_field, {}))
        example = example.get(data_field) if isinstance(example, dict) else None
    return Documented(schema, example, doc)


def answer(call: Call, record: Any) -> Any:
    """``record`` fitted to the operation's documented data (what goes into the envelope)."""
    spec = documented(call)
    return shape(spec.doc, spec.schema, record, spec.example)


def flatten(doc: dict[str, Any], schema: Any) -> dict[str, Any]:
    """A schema with its `$ref`s followed and its `allOf` parts merged."""
    schema = follow_refs(doc, schema)
    if not isinstance(schema, dict):
        return {}
    if "allOf" not in schema:
        return schema
    merged: dict[str, Any] = {k: v for k, v in schema.items() if k != "allOf"}
    properties: dict[str, Any] = dict(merged.get("properties") or {})
    required: list[str] = list(merged.get("required") or [])
    for part in schema["allOf"]:
        flat = flatten(doc, part)
        for key, value in flat.items():
            if key == "properties":
                properties.update(value)
            elif key == "required":
                required += [name for name in value if name not in required]
            else:
                merged.setdefault(key, value)
    if properties:
        merged["properties"] = properties
    if required:
        merged["required"] = required
    return merged


def _type_of(schema: dict[str, Any]) -> str | None:
    if "type" in schema:
        return str(schema["type"])
    if "properties" in schema:
        return "object"
    if "items" in schema:
        return "array"
    return None


def shape(doc: dict[str, Any], schema: Any, value: Any, example: Any = None) -> Any:
    schema = flatten(doc, schema)
    kind = _type_of(schema)
    if value is None:
        return None if schema.get("nullable") else empty(doc, schema, example)
    if kind == "object":
        return _object(doc, schema, value, example)
    if kind == "array":
        return _array(doc, schema, value, example)
    if kind is None:
        return value.ms if isinstance(value, Moment) else value  # anything goes: as the model has it
    return _scalar(kind, value, example, schema)


def _object(doc: dict[str, Any], schema: dict[str, Any], value: Any, example: Any) -> Any:
    properties = schema.get("properties") or {}
    if not properties:
        # A map (`additionalProperties`) or a free object: the record's own keys.
        if isinstance(value, dict):
            extra = schema.get("additionalProperties")
            if isinstance(extra, dict):
                return {str(k): shape(doc, extra, v) for k, v in value.items()}
            return value
        return {}
    source = value if isinstance(value, dict) else {}
    sample = example if isinstance(example, dict) else {}
    required = set(schema.get("required") or ())
    out: dict[str, Any] = {}
    for name, sub in properties.items():
        found = _lookup(doc, source, name, sub)
        if found is not _ABSENT:
            out[name] = shape(doc, sub, found, sample.get(name))
        elif name in required:
            out[name] = empty(doc, sub, sample.get(name))
    if isinstance(value, Entries) and schema.get("additionalProperties", True) is not False:
        out.update((key, entry) for key, entry in value.items() if key not in out)
    return out


_ABSENT = object()


def _lookup(doc: dict[str, Any], source: dict[str, Any], name: str, schema: Any) -> Any:
    """The record's value for a documented field. `creater` documented as a number means the
    creator's id (`creater_id`), as a string the creator's name."""
    if name not in source:
        return _ABSENT
    value = source[name]
    wanted = _type_of(flatten(doc, schema))
    if wanted in ("integer", "number") and isinstance(value, str) and not _numeric(value):
        return source.get(f"{name}_id", _ABSENT)
    return value


def _numeric(text: str) -> bool:
    return bool(re.fullmatch(r"-?\d+(\.\d+)?", text.strip()))


def _array(doc: dict[str, Any], schema: dict[str, Any], value: Any, example: Any) -> list[Any]:
    items = schema.get("items") or {}
    sample = example[0] if isinstance(example, list) and example else None
    if isinstance(value, Cast) and _type_of(flatten(doc, items)) == "string":
        value = [str(member.get("avatar") or "") for member in value]
    elif isinstance(value, str):
        value = [part for part in value.split(",") if part] if value else []
    elif not isinstance(value, (list, tuple)):
        value = [value]  # one item (a dict or a scalar) where a list is documented
    return [shape(doc, items, item, sample) for item in value]


def _scalar(kind: str, value: Any, example: Any, schema: dict[str, Any]) -> Any:
    if isinstance(value, Moment):
        if kind in ("integer", "number"):
            return value.ms
        return format_time(value.ms, example)
    if kind == "string":
        if isinstance(value, Cast):
            return json.dumps(list(value), ensure_ascii=False, separators=(",", ":"))
        if isinstance(value, (list, tuple)):
            return ",".join(str(v) for v in value)
        if isinstance(value, dict):
            return json.dumps(value, ensure_ascii=False, separators=(",", ":"))
        if isinstance(value, bool):
            return "1" if value else "0"
        return str(value)
    if kind == "boolean":
        return bool(value)
    if kind == "integer":
        try:
            return int(value)
        except (TypeError, ValueError):
            return empty({}, schema, example)
    if kind == "number":
        try:
            return float(value) if not isinstance(value, int) else value
        except (TypeError, ValueError):
            return empty({}, schema, example)
    return value


def empty(doc: dict[str, Any], schema: Any, example: Any = None) -> Any:
    """What a required field the model has no value for is answered with (module docstring)."""
    schema = flatten(doc, schema) if doc else schema
    kind = _type_of(schema)
    if kind == "object":
        return _object(doc, schema, {}, example)
    if kind == "array":
        return []
    if kind == "string":
        enum = schema.get("enum")
        return str(enum[0]) if enum else ""
    if kind in ("integer", "number", "boolean"):
        valid = isinstance(example, bool) if kind == "boolean" else _is_number(example, kind)
        if valid:
            return example
        return False if kind == "boolean" else 0
    return example if example is not None and not isinstance(example, str) else None


def _is_number(value: Any, kind: str) -> bool:
    if isinstance(value, bool):
        return False
    return isinstance(value, int) or (kind == "number" and isinstance(value, float))
