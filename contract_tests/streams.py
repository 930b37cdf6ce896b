"""Streams as a sequence of items, and the rules a documented stream keeps.

NDJSON: one JSON value per line, each matching the item schema. SSE: events whose `data:` is one item.
text/plain: raw text that must not be empty. For cumulative chunk streams (a `content` field that carries
everything generated so far, and a `done` flag): `content` never gets shorter, and exactly one item, the
last, says `done: true`.
"""

from __future__ import annotations

import json
import re
from dataclasses import dataclass
from typing import Any

from generators.specmodel import Envelope, SpecModel

NDJSON = "application/x-ndjson"
SSE = "text/event-stream"
TEXT = "text/plain"

_LINE_BREAK = re.compile(rb"\r\n|\r|\n")
_EVENT_END = re.compile(rb"(?:\r\n|\r|\n)(?:\r\n|\r|\n)")


@dataclass(frozen=True)
class Item:
    number: int  # 1-based, as a reader counts lines or events
    text: str


def ndjson_items(body: bytes) -> list[Item]:
    """Non-blank lines; a last line without its newline still counts (the reader reports it separately)."""
    lines = _LINE_BREAK.split(body)
    return [
        Item(number, line.decode("utf-8", errors="replace"))
        for number, line in enumerate(lines, start=1)
        if line.strip()
    ]


def sse_items(body: bytes) -> list[Item]:
    """The `data` of every complete event (multi-line data joined with newlines); comments are not events."""
    items = []
    blocks = _EVENT_END.split(body)
    # Without a blank line after it, the last block is an event still arriving (browsers drop it at EOF).
    complete = blocks if _ends_event(body) else blocks[:-1]
    for block in complete:
        data = [
            line[5:].removeprefix(b" ")
            for line in _LINE_BREAK.split(block)
            if line == b"data" or line.startswith(b"data:")
        ]
        if data:
            items.append(Item(len(items) + 1, b"\n".join(data).decode("utf-8", errors="replace")))
    return items


def _ends_event(body: bytes) -> bool:
    return bool(re.search(rb"(?:\r\n|\r|\n)(?:\r\n|\r|\n)$", body))


def count_ndjson(body: bytes) -> int:
    return body.count(b"\n")


def count_sse(body: bytes) -> int:
    return len(_EVENT_END.findall(body))


def split(media_type: str, body: bytes) -> list[Item]:
    if media_type == NDJSON:
        return ndjson_items(body)
    if media_type == SSE:
        return sse_items(body)
    return [Item(1, body.decode("utf-8", errors="replace"))] if body else []


def count_items(media_type: str, body: bytes) -> int:
    """Complete items in a stream read so far (a `Splitter`, see `contract_tests.http`); 0 for text."""
    if media_type == NDJSON:
        return count_ndjson(body)
    if media_type == SSE:
        return count_sse(body)
    return 0


def problems(
    media_type: str, body: bytes, item_schema: Any, model: SpecModel, *, max_reported: int = 5
) -> list[str]:
    """Everything wrong with a complete stream body, worst first; empty when it keeps the rules."""
    noun = "line" if media_type == NDJSON else "event"
    if media_type == TEXT:
        return [] if body.strip() else ["the text stream ended without any text"]
    items = split(media_type, body)
    if not items:
        return [f"the stream ended without a single {noun}"]
    found: list[str] = []
    values: list[tuple[Item, Any]] = []
    for item in items:
        try:
            values.append((item, json.loads(item.text)))
        except ValueError as exc:
            found.append(f"{noun} {item.number} is not JSON ({exc.msg}): {_short(item.text)}")
    if media_type == NDJSON and not body.endswith((b"\n", b"\r")):
        found.append(f"the last line is not terminated by a newline: {_short(items[-1].text)}")
    if media_type == SSE and body.strip() and not _ends_event(body):
        found.append("the last event is not terminated by a blank line, so clients drop it")
    if item_schema:
        validator = model.validator(item_schema)
        for item, value in values:
            error = next(iter(validator.iter_errors(value)), None)
            if error is not None:
                where = "/".join(str(part) for part in error.instance_path) or "(root)"
                found.append(
                    f"{noun} {item.number} does not match the item schema at {where}: {error.message}"
                )
    envelope = model.envelope
    if envelope is not None and envelope.code_field:
        for item, value in values:
            if isinstance(value, dict) and envelope.code_field in value and not envelope.is_success(value):
                found.append(
                    f"{noun} {item.number} carries {envelope.code_field}={envelope.code(value)!r} in a successful "
                    f"stream; success is {envelope.success_code!r}"
                )
    found += _cumulative_problems(values, envelope, noun, item_schema, model)
    return found[:max_reported]


def _payload(value: Any, envelope: Envelope | None) -> Any:
    if (
        envelope is not None
        and envelope.data_field
        and isinstance(value, dict)
        and envelope.data_field in value
    ):
        return value[envelope.data_field]
    return value


def _declares(field_name: str, item_schema: Any, envelope: Envelope | None, model: SpecModel) -> bool:
    flat = model.flatten(item_schema)
    properties = flat.get("properties", {})
    if field_name in properties:
        return True
    if envelope is not None and envelope.data_field in properties:
        return field_name in model.flatten(properties[envelope.data_field]).get("properties", {})
    return False


def _cumulative_problems(
    values: list[tuple[Item, Any]], envelope: Envelope | None, noun: str, item_schema: Any, model: SpecModel
) -> list[str]:
    found = []
    previous: tuple[Item, str] | None = None
    for item, value in values:
        content = _payload(value, envelope)
        content = content.get("content") if isinstance(content, dict) else None
        if not isinstance(content, str):
            continue
        if previous is not None and len(content) < len(previous[1]):
            found.append(
                f"content shrank from {len(previous[1])} to {len(content)} characters between {noun} "
                f"{previous[0].number} and {noun} {item.number}; each chunk carries everything generated so far"
            )
        previous = (item, content)
    if item_schema and _declares("done", item_schema, envelope, model):
        done = [item.number for item, value in values if _done(_payload(value, envelope))]
        last = values[-1][0].number if values else None
        if not done:
            found.append(f"no {noun} says done: true; the last {noun} of a finished stream does")
        elif len(done) > 1:
            numbers = ", ".join(str(number) for number in done)
            found.append(
                f"{len(done)} {noun}s say done: true ({noun}s {numbers}); exactly one, the last, does"
            )
        elif done[0] != last:
            found.append(
                f"{noun} {done[0]} says done: true but more {noun}s follow it (the last is {noun} {last})"
            )
    return found


def _done(payload: Any) -> bool:
    return isinstance(payload, dict) and payload.get("done") is True


def _short(text: str, limit: int = 80) -> str:
    return text if len(text) <= limit else text[: limit - 1] + "…"
