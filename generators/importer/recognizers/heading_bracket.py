"""API Blueprint headings: `## Notes [/notes/{id}]` (a path), `### Update a note [PATCH]` (a method for
the path above), `### Retrieve a note [GET /notes/{id}]` (both)."""

from __future__ import annotations

import re

from ..blocks import Block
from ..labels import method_word
from .context import Context

KINDS = {"heading"}

_BRACKET = re.compile(
    r"^(?P<title>[^\[\]]*?)\s*\[\s*(?:(?P<method>[A-Za-z]{3,7})\s*)?(?P<path>/[^\]\s]*)?\s*\]\s*$"
)


def read(ctx: Context, block: Block) -> bool:
    m = _BRACKET.match(block.text.strip())
    if not m or not (m.group("method") or m.group("path")):
        return False
    method = method_word(m.group("method") or "")
    if m.group("method") and not method:
        return False
    title = m.group("title").strip()
    if m.group("path") and not method:
        ctx.request_line("", m.group("path"), block.line)  # a resource: its title names a group
    else:
        ctx.request_line(
            method, m.group("path") or "", block.line, inherit_path=not m.group("path"), title=title
        )
    return True
