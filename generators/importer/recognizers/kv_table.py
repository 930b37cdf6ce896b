"""A two-column key/value table: `| URL | /x |`, `| request method | POST |`, `| message format | json |`,
`| description | ... |`, and `` | `X-Session-Id` Header | `sessionId` | `` (a request header)."""

from __future__ import annotations

import re

from ..blocks import Block
from ..ir import Field
from ..labels import (
    CTYPE_LABELS,
    DESC_LABELS,
    METHOD_ALIASES,
    METHOD_LABELS,
    URL_LABELS,
    match_request_line,
    method_word,
    norm_label,
)
from .context import Context

KINDS = {"table"}

_HEADER_ROW = re.compile(r"^(.+?)\s+(?:header|请求头)$")


def read(ctx: Context, block: Block) -> bool:
    if not block.rows or len(block.rows[0]) != 2:
        return False
    hits = 0
    glued: list[tuple[str, int]] = []
    for row, line, raw in zip(block.rows, block.row_lines, block.raw_cells, strict=False):
        if raw == 1 and hits:
            glued.append((row[0], line))
            continue
        if len(row) < 2 or set(row[0]) <= set("-: "):
            continue
        key, value = norm_label(row[0]), row[1].strip().strip("`").strip()
        header = _HEADER_ROW.match(key)
        if key in URL_LABELS:
            hits += 1
            request = match_request_line(value)
            if request:  # `| 接口地址 | POST /api/logout |`
                ctx.request_line(request.group(1), request.group(2), line)
            elif value:
                ctx.request_line("", value, line)
        elif key in METHOD_LABELS:
            hits += 1
            method = method_word(value)
            if method:
                if value.upper() in METHOD_ALIASES:
                    ctx.warn(line, "method-alias", f"method written {value!r}: read as {method}")
                ctx.request_line(method, "", line)
        elif key in CTYPE_LABELS:
            hits += 1
            if key == "message format":
                ctx.ep.message_format = value
        elif key in DESC_LABELS:
            hits += 1
            ctx.ep.table_title, ctx.ep.table_title_line = value, line
        elif header and hits:
            name = re.sub(r"\s*(header|请求头)\s*$", "", row[0].strip(), flags=re.I).strip("`* ")
            ctx.add_params([Field(name, line, location="header", example=value)])
    if hits and glued:
        from . import read_line

        for text, line in glued:
            ctx.warn(
                line, "params-columns", f"the line {text!r} right under the table is read as a table row"
            )
            read_line(ctx, text, line, block)
    return hits > 0
