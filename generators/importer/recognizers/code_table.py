"""Table rows written inside a code block (an indented `|参数 |是否必选 |类型 |说明` block): a table."""

from __future__ import annotations

import re

from ..blocks import Block, split_row
from .context import Context

KINDS = {"code"}

_DELIMITER = re.compile(r"^\s*\|?\s*:?-{1,}:?\s*(\|\s*:?-{1,}:?\s*)*\|?\s*$")


def read(ctx: Context, block: Block) -> Block | bool:
    lines = block.text.split("\n")
    rows = [(k, ln) for k, ln in enumerate(lines) if ln.strip()]
    if len(rows) < 2 or not all(ln.strip().startswith("|") for _, ln in rows):
        return False
    table = Block("table", block.content_line, block.end)
    for k, ln in rows:
        if _DELIMITER.match(ln):
            continue
        cells = split_row(ln.replace("\u00a0", " "))
        table.rows.append(cells)
        table.row_lines.append(block.content_line + k)
        table.raw_cells.append(len(cells))
    if len(table.rows) < 2:
        return False
    width = len(table.rows[0])
    # a missing closing pipe is not a missing cell: pad rows that only lack their last empty cell
    table.raw_cells = [width if abs(n - width) <= 1 else n for n in table.raw_cells]
    table.rows = [
        [*r, *[""] * (width - len(r))][:width] if abs(len(r) - width) <= 1 else r for r in table.rows
    ]
    return table
