"""`## GET /users/{id}`: the method and path in a heading."""

from __future__ import annotations

from ..blocks import Block
from ..labels import match_request_line
from .context import Context

KINDS = {"heading"}


def read(ctx: Context, block: Block) -> bool:
    m = match_request_line(block.text)
    if not m:
        return False
    ctx.request_line(m.group(1), m.group(2), block.line)
    return True
