"""Stream media types: how a documented stream is cut into the items that go over the wire.

A stream example carries the whole wire text in ``x-oai-serializedValue``; the mock replays it
one item at a time (an NDJSON line, an SSE event, a few words of text) so a client sees the same
framing and order a real backend produces.
"""

from __future__ import annotations

import json
import re
from typing import Any, Literal

StreamKind = Literal["ndjson", "sse", "text"]

_KINDS: dict[str, StreamKind] = {
    "application/x-ndjson": "ndjson",
    "application/ndjson": "ndjson",
    "application/jsonl": "ndjson",
    "application/x-jsonlines": "ndjson",
    "text/event-stream": "sse",
    "text/plain": "text",
}

# One chunk of a text stream: a CJK character (models emit those one or two at a time), or a
# run of other non-space characters with the spaces before it.
_TEXT_TOKEN = re.compile(
    r"\s*[\u2e80-\u9fff\uac00-\ud7af\uf900-\ufaff\uff00-\uffef]|\s*[^\s\u2e80-\u9fff\uac00-\ud7af\uf900-\ufaff\uff00-\uffef]+|\s+"
)
_LINE = re.compile(r"[^\n]*\n|[^\n]+$")


def base_media_type(media_type: str) -> str:
    return media_type.split(";", 1)[0].strip().lower()


def stream_kind(media_type: str) -> StreamKind | None:
    return _KINDS.get(base_media_type(media_type))


def split_frames(kind: StreamKind, wire: str) -> list[str]:
    """Cut the documented wire text into the chunks sent one by one, keeping every byte."""
    if kind == "ndjson":
        # Only "\n" ends a line: str.splitlines would also cut at U+2028 inside a JSON string.
        return [line for line in _LINE.findall(wire) if line.strip()]
    if kind == "sse":
        wire = wire.replace("\r\n", "\n")
        return [event for event in re.split(r"(?<=\n\n)", wire) if event.strip()]
    return _TEXT_TOKEN.findall(wire) or ([wire] if wire else [])


def frame_item(kind: StreamKind, item: Any) -> str:
    """The wire form of one item, for streams that have no documented wire text."""
    if kind == "text":
        return item if isinstance(item, str) else json.dumps(item, ensure_ascii=False)
    text = json.dumps(item, ensure_ascii=False, separators=(",", ":"))
    return f"data: {text}\n\n" if kind == "sse" else text + "\n"


def parse_items(kind: StreamKind, frames: list[str]) -> list[Any]:
    """The items a client decodes from the frames; ValueError when a frame is malformed."""
    if kind == "text":
        return ["".join(frames)]
    items = []
    for frame in frames:
        if kind == "ndjson":
            items.append(json.loads(frame))
            continue
        data = [line[5:].removeprefix(" ") for line in frame.splitlines() if line.startswith("data:")]
        if not data:
            # An event with only `event:`/`id:`/comment lines carries no item.
            continue
        text = "\n".join(data)
        try:
            items.append(json.loads(text))
        except ValueError:
            items.append(text)
    return items
