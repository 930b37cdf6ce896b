"""`Status: 201 Created` (or `HTTP/1.1 204 No Content`) alone in a code block: the status of the
answer documented next, or the whole answer when no body follows."""

from __future__ import annotations

import re

from ..blocks import Block
from .context import Context

KINDS = {"code"}

STATUS_LINE = re.compile(
    r"^\s*(?:status(?:\s*code)?\s*[:：]?|HTTP/\d(?:\.\d)?)\s*([1-5]\d\d)\b\s*(.*)$", re.I
)


def read(ctx: Context, block: Block) -> bool:
    lines = [ln for ln in block.text.split("\n") if ln.strip()]
    m = STATUS_LINE.match(lines[0]) if len(lines) == 1 else None
    if not m:
        return False
    code, reason = m.group(1), m.group(2).strip()
    ctx.ep.document_status(code, reason, replace=True)
    ctx.status = code
    return True
