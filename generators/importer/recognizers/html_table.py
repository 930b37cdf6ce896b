"""A table written in HTML (`<table><tr><th>参数</th>...`): read as the table it is."""

from __future__ import annotations

import html
import re

from ..blocks import Block
from .context import Context

KINDS = {"html"}

_ROW = re.compile(r"<tr\b[^>]*>(.*?)</tr\s*>", re.I | re.S)
_CELL = re.compile(r"<t([hd])\b[^>]*>(.*?)(?=<t[hd]\b|</tr\s*>|$)", re.I | re.S)
_TAG = re.compile(r"<[^>]+>")


def read(ctx: Context, block: Block) -> Block | bool:
    if "<table" not in block.text.lower():
        return False
    table = Block("table", block.line, block.end)
    for m in _ROW.finditer(block.text):
        cells = [_text(c.group(2)) for c in _CELL.finditer(m.group(1))]
        if not cells:
            continue
        table.rows.append(cells)
        table.row_lines.append(block.line + block.text.count("\n", 0, m.start()))
        table.raw_cells.append(len(cells))
    if len(table.rows) < 2:
        return False
    return table


def _text(cell: str) -> str:
    cell = re.sub(r"</t[hd]\s*>\s*$", "", cell.strip(), flags=re.I)
    cell = re.sub(r"<br\s*/?>", " ", cell, flags=re.I)
    return html.unescape(_TAG.sub("", cell)).strip()
