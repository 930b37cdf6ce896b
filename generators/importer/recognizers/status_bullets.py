"""`- 404 (Not Found)` / `- 201 Created: the id`: bullets listing statuses. In an operation's section
they are its responses; elsewhere they apply to every operation of the doc."""

from __future__ import annotations

import re

from ..labels import method_word
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
        return 1
    ctx.doc.statuses.setdefault(code, text)
    # `404 NOT FOUND - [*]`, `201 CREATED - [POST/PUT/PATCH]`: the methods the status is for
    hint = re.search(r"\[\s*([*A-Z/|, ]+?)\s*\]", text)
    if hint and hint.group(1).strip() != "*":
        ctx.doc.status_methods[code] = {
            method_word(w) for w in re.split(r"[/|, ]+", hint.group(1)) if method_word(w)
        }
    return 1
