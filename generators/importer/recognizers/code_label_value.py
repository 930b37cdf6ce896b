"""A code block holding the value a label waits for: `### 请求URL：` then an indented
`http://host/x`, `### 请求方式：` then `GET`, `## 请求地址(base)：` then the base URL."""

from __future__ import annotations

from ..blocks import Block
from . import label_value
from .context import Context

KINDS = {"code"}


def read(ctx: Context, block: Block) -> bool:
    if not ctx.pending:
        return False
    kind, ctx.pending = ctx.pending, ""
    lines = [(k, ln) for k, ln in enumerate(block.text.split("\n")) if ln.strip()]
    if not lines or len(lines) > 3:
        return False
    k, first = lines[0]
    return label_value.apply(ctx, kind, first, block.content_line + k)
