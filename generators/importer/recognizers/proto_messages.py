"""Protocol Buffers messages (```ProtoBuf): the `*_request` message's fields are the parameters, the
`*_response` message's fields (nested messages expanded) describe the answer."""

from __future__ import annotations

import re

from ..blocks import Block
from ..ir import Field
from .context import Context

KINDS = {"code"}

_MESSAGE = re.compile(r"^\s*message\s+(\w+)(?:\s+extends\s+(\w+))?\s*\{", re.M)
_FIELD = re.compile(
    r"^\s*(required|optional|repeated)?\s*(map\s*<[^>]*>|[\w.]+)\s+(\w+)\s*=\s*\d+\s*(?:\[[^\]]*\])?\s*;?\s*(?://\s*(.*))?$"
)
_REQUEST = re.compile(r"(?:^|_)?req(?:uest)?$", re.I)
_RESPONSE = re.compile(r"(?:resp(?:onse)?|reply|result)$", re.I)
_SCALARS = {
    "double": "number",
    "float": "number",
    "int32": "int32",
    "int64": "int64",
    "uint32": "int32",
    "uint64": "int64",
    "sint32": "int32",
    "sint64": "int64",
    "fixed32": "int32",
    "fixed64": "int64",
    "bool": "boolean",
    "string": "string",
    "bytes": "file",
}
_MAX_DEPTH = 3

Message = list[tuple[str, str, str, str, int]]  # (label, type, name, comment, file line)


def read(ctx: Context, block: Block) -> bool:
    if block.info not in ("protobuf", "proto", "proto2", "proto3") and not _MESSAGE.search(block.text):
        return False
    messages = _messages(block)
    if not messages:
        return False
    known: dict[str, Message] = ctx.doc.proto_messages
    known.update(messages)
    # proto3 has no `required`: every field may be left out
    unlabelled = False if re.search(r"""syntax\s*=\s*["']proto3["']""", block.text) else None
    for name, fields in messages.items():
        if _REQUEST.search(name):
            ctx.add_params(
                [
                    Field(
                        field,
                        line,
                        type=_type(label, kind, known),
                        required=True if label == "required" else False if label else unlabelled,
                        description=comment,
                    )
                    for label, kind, field, comment, line in fields
                ]
            )
        elif _RESPONSE.search(name):
            ctx.ep.fields.extend(_expand(fields, known, 0, {name}))
    return True


def _messages(block: Block) -> dict[str, Message]:
    out: dict[str, Message] = {}
    lines = block.text.split("\n")
    current: str | None = None
    for k, raw in enumerate(lines):
        m = _MESSAGE.match(raw)
        if m:
            current = m.group(1)
            out[current] = list(out.get(m.group(2) or "", [])) if m.group(2) else []
            continue
        if current is None:
            continue
        if raw.strip().startswith("}"):
            current = None
            continue
        f = _FIELD.match(raw)
        if f:
            out[current].append(
                (f.group(1) or "", f.group(2), f.group(3), (f.group(4) or "").strip(), block.content_line + k)
            )
    return out


def _type(label: str, kind: str, known: dict[str, Message]) -> str:
    base = _SCALARS.get(kind.lower(), "object" if kind in known or kind.startswith("map") else kind)
    return f"{base}[]" if label == "repeated" else base


def _expand(fields: Message, known: dict[str, Message], depth: int, seen: set[str]) -> list[Field]:
    out: list[Field] = []
    for label, kind, name, comment, line in fields:
        required = True if label == "required" else False if label else None
        out.append(Field(name, line, _type(label, kind, known), required, comment, depth=depth))
        if kind in known and kind not in seen and depth < _MAX_DEPTH:
            out.extend(_expand(known[kind], known, depth + 1, seen | {kind}))
    return out
