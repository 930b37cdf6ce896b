"""`## GET /users/{id}`, or a title with its request line: `## List users - GET /users`,
`### 1. 获取用户列表 `GET /api/users``, `## Create a user (POST /users)`."""

from __future__ import annotations

import re

from ..blocks import Block
from ..labels import METHODS, match_request_line
from .context import Context

KINDS = {"heading"}

_IN_TITLE = re.compile(
    rf"^(?P<title>.*?)[\s(（\[`*\-–—:：|]*\b(?P<method>{'|'.join(METHODS)})\b[`*\s:]+(?P<path>/[^\s`*)）\]]*)[`*)）\]\s]*$"
)


def read(ctx: Context, block: Block) -> bool:
    m = match_request_line(block.text)
    if m:
        ctx.request_line(m.group(1), m.group(2), block.line)
        return True
    m = _IN_TITLE.match(block.text.strip())
    if not m or not m.group("title").strip(" -–—:：|(（[`*"):
        return False
    title = m.group("title").strip(" -–—:：|(（[`*")
    ctx.request_line(
        m.group("method"), m.group("path"), block.line, title=re.sub(r"^\d+(\.\d+)*[.、]?\s*", "", title)
    )
    return True
