"""`- Body: `title` string and `content` array`, `- Header: `Authorization` with JSON web token`,
`- Query: `id` string (post ID) or `page` number`: a bullet naming where parameters go, then them."""

from __future__ import annotations

import re

from ..ir import Field
from ..labels import param_location
from .context import Context, Line

KINDS = {"line"}

_BULLET = re.compile(
    r"^(headers?|query|body|path|form|params?|parameters?|请求头|查询参数|请求体|路径参数|表单)\s*(?:params?|parameters?|参数)?\s*[:：]\s*(.+)$",
    re.I,
)
# a name in backticks, and the type or `optional` written right after it
_NAME = re.compile(
    r"`([A-Za-z_][\w.\-]*)`\s*(?:\(?\s*(optional|required|可选|必填)\s*\)?\s*,?\s*)?([A-Za-z]+)?"
)
_TYPE_WORDS = {
    "string",
    "number",
    "numbers",
    "integer",
    "int",
    "array",
    "object",
    "boolean",
    "bool",
    "file",
    "strings",
}


def read(ctx: Context, ln: Line) -> int:
    if ln.container != "list":
        return 0
    m = _BULLET.match(ln.text)
    if not m:
        return 0
    where = m.group(1).lower()
    location = param_location(where) or ("header" if where.startswith("header") else "")
    fields = []
    for name in _NAME.finditer(m.group(2)):
        before = m.group(2)[: name.start()].rstrip().lower()
        if before.endswith(("value", "values", "example", "e.g.", "like", "=")):
            continue  # `X-Login` with value `"true"`: a value, not a name
        flag = (name.group(2) or "").lower()
        kind = (name.group(3) or "").lower()
        fields.append(
            Field(
                name.group(1),
                ln.line,
                type=kind if kind in _TYPE_WORDS else "",
                required=True
                if flag in ("required", "必填")
                else False
                if flag in ("optional", "可选")
                else None,
                description=m.group(2).strip(),
                location=location,
            )
        )
    if not fields:
        return 0
    ctx.add_params(fields)
    return 1
