"""`> https://api.example.com/x/v3/fav/folder/add`: a URL alone in a blockquote (or alone in its
paragraph) names the path of a section that has none yet."""

from __future__ import annotations

import re

from .context import Context, Line

KINDS = {"line"}

_URL = re.compile(r"^[`<]*(https?://[^\s/`>]+/[^\s`>]*[A-Za-z][^\s`>]*)[`>]*$")


def read(ctx: Context, ln: Line) -> int:
    if ctx.ep.path or ctx.pending or ctx.under_endpoint:
        return 0
    m = _URL.match(ln.text)
    if not m:
        return 0
    alone = ln.container == "quote" or len([x for x in ln.lines if x.strip()]) == 1
    if not alone:
        return 0
    ep = ctx.request_line("", m.group(1), ln.line)
    ep.only_a_link = True  # until the section gives a method or a parameter, it may be a mere link
    return 1
