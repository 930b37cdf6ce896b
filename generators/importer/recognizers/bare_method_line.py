"""`GET` on a line of its own (after `接口类型`, under a path heading): the method of the section."""

from __future__ import annotations

from ..labels import method_word
from .context import Context, Line

KINDS = {"line"}


def read(ctx: Context, ln: Line) -> int:
    text = ln.text.lstrip("-*+> ").strip()
    method = method_word(text) if len(text) <= 12 else ""
    if not method or ctx.ep.method:
        return 0
    ctx.request_line(method, "", ln.line)
    return 1
