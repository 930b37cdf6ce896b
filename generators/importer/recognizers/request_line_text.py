"""`POST /x` written as text: a line of its own, a bullet (`- POST /x`), a blockquote (`> DELETE /x`),
bold (`**GET** /x`); or `重定向到 /x` (a browser redirect, no method)."""

from __future__ import annotations

from ..labels import match_request_line
from .code_request_line import REDIRECT_LINE
from .context import Context, Line

KINDS = {"line"}


def read(ctx: Context, ln: Line) -> int:
    if ctx.pending:
        return 0
    m = match_request_line(ln.text)
    if m:
        ctx.request_line(m.group(1), m.group(2), ln.line)
        return 1
    m = REDIRECT_LINE.match(ln.text)
    if m and m.group(1).startswith(("/", "http")):
        ep = ctx.request_line("", m.group(1), ln.line)
        ep.redirect = True
        return 1
    return 0
