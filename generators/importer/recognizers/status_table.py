"""In an operation's section, a table of HTTP statuses (`| 状态码 | 说明 |` with 200, 400, 404 ...):
the answers it documents."""

from __future__ import annotations

import re

from ..blocks import Block
from ..tables import column_roles
from .context import Context

KINDS = {"table"}


def read(ctx: Context, block: Block) -> bool:
    if not (ctx.ep.path or ctx.ep.method) or len(block.rows) < 2:
        return False
    roles = column_roles(block.rows[0])
    code_col = roles.get("code")
    if code_col is None:
        return False
    rows = [r for r in block.rows[1:] if code_col < len(r) and r[code_col].strip()]
    codes = [r[code_col].strip().strip("`*") for r in rows]
    if not codes or not all(re.fullmatch(r"[1-5]\d\d", c) for c in codes):
        return False
    desc_col = roles.get("description", code_col + 1)
    for row, code in zip(rows, codes, strict=True):
        text = row[desc_col].strip() if desc_col < len(row) else ""
        ctx.ep.document_status(code, re.sub(r"<br\s*/?>", " ", text))
    return True
