"""A code block holding one example call of the operation (`GET /users?page=2`,
`https://api.example.com/v1/items?limit=5`): the query parameters it carries."""

from __future__ import annotations

import re

from ..blocks import Block
from ..labels import METHODS
from .context import Context
from .curl_command import add_query_from

KINDS = {"code"}

_CALL = re.compile(
    rf"^\s*(?:(?:{'|'.join(METHODS)})\s+)?((?:https?://\S+|/\S*|[\w{{}}<>:.\-]+/\S*))\s*$", re.I
)


def read(ctx: Context, block: Block) -> bool:
    lines = [ln for ln in block.text.split("\n") if ln.strip()]
    if len(lines) != 1 or ctx.label in ("response", "error", "headers", "fields"):
        return False
    m = _CALL.match(lines[0])
    if not m or not ctx.ep.path:
        return False
    return add_query_from(ctx, m.group(1), block.content_line)
