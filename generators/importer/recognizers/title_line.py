"""`**List**` alone on a line: the title of the operation whose request line comes next."""

from __future__ import annotations

import re

from ..labels import classify_label
from .context import Context, Line
from .label_value import kind_of

KINDS = {"line"}

_BOLD = re.compile(r"^(?:\*\*|__)([^*_]{1,60}?)(?:\*\*|__)$")


def read(ctx: Context, ln: Line) -> int:
    m = _BOLD.match(ln.text)
    if not m or ln.container == "list" or len([x for x in ln.lines if x.strip()]) != 1:
        return 0
    title = m.group(1).strip()
    if (
        not title
        or title.endswith(("：", ":"))
        or title[0].isdigit()
        or classify_label(title)
        or kind_of(title)
    ):
        return 0  # `**简要描述：**` is a label, not a title
    ctx.title_hint = (title, ln.line)
    return 1
