"""JSON written as plain text after a label (showdoc's `返回示例` then `{` on the next line)."""

from __future__ import annotations

import re

from .code_sample import depth_delta
from .context import Context, Line

KINDS = {"line"}


def read(ctx: Context, ln: Line) -> int:
    if ctx.pending or not ln.text.startswith(("{", "[")) or re.match(r"^\[[^\]]*\]\(", ln.text):
        return 0  # `[text](url)` is a link, not an array
    depth, j = 0, ln.index
    while j < len(ln.lines):
        depth += depth_delta(ln.lines[j].strip())
        j += 1
        if depth <= 0:
            break
    ctx.add_sample("\n".join(ln.lines[ln.index : j]), ln.line, "", ctx.label or "response")
    return j - ln.index
