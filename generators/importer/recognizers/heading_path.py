"""`## /api/user` or `## /douyin/feed/ - 视频流接口`: a heading that is a path (and maybe a title).

The method comes later: on a line of its own, or in the headings below (`### POST method`)."""

from __future__ import annotations

import re

from ..blocks import Block
from .context import Context

KINDS = {"heading"}

_PATH_HEADING = re.compile(r"^[`*]*(/[^\s`*]*[A-Za-z][^\s`*]*)[`*]*(?:\s*[-–—:：|]+\s*(.*?)|\s+(.*?))?\s*$")


def read(ctx: Context, block: Block) -> bool:
    m = _PATH_HEADING.match(block.text)
    if not m:
        return False
    title = (m.group(2) or m.group(3) or "").strip()
    has_words = re.search(r"[A-Za-z\u4e00-\u9fff]", title)
    ctx.request_line("", m.group(1), block.line, title=title if has_words else "")
    return True
