"""`### POST method` under `## /api/post`: a heading naming only a method, for the path above it."""

from __future__ import annotations

import re

from ..blocks import Block
from ..labels import method_word
from .context import Context

KINDS = {"heading"}

_METHOD_HEADING = re.compile(
    r"^[`*]*([A-Za-z]{3,7})[`*]*(?:\s+(?:method|request|requests|方法|请求))?\s*$", re.I
)


def read(ctx: Context, block: Block) -> bool:
    m = _METHOD_HEADING.match(block.text)
    method = method_word(m.group(1)) if m else ""
    if not method:
        return False
    ctx.request_line(method, "", block.line, inherit_path=True)
    return True
