"""`- 404 (Not Found)` / `- 201 Created: the id`: bullets listing statuses. In an operation's section
they are its responses; elsewhere they apply to every operation of the doc."""

from __future__ import annotations

import re

from .context import Context, Line

KINDS = {"line"}

_STATUS = re.compile(r"^[`*]*([1-5]\d\d)[`*]*(?:\s*[-–—:：]\s*|\s+|$)[(（]?\s*(.*?)\s*[)）]?\s*$")


def read(ctx: Context, ln: Line) -> int:
    if ln.container != "list":
        return 0
    m = _STATUS.match(ln.text)
    if not m or len(m.group(2)) > 120:
        return 0
    code, text = m.group(1), m.group(2).strip().rstrip(".")
    if ctx.ep.path:
        ctx.ep.statuses.setdefault(code, text)
    else:
        ctx.doc.statuses.setdefault(code, text)
    return 1
