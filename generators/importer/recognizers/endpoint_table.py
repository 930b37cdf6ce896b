"""`| 请求地址 | 请求方式 |` / `| Endpoint | HTTP-Method | Description |`: a table whose columns are a
path and a method, one operation per row. A cell may hold alternatives (`/a` or `/b`, `GET/POST`)."""

from __future__ import annotations

import re

from ..blocks import Block
from ..labels import (
    DESC_COLS,
    DESC_LABELS,
    METHOD_LABELS,
    METHODS,
    REMARK_COLS,
    URL_LABELS,
    method_word,
    norm_label,
)
from . import prose_params, prose_response
from .context import Context

KINDS = {"table"}

_ALTERNATIVES = re.compile(r"`?\s+(?:or|或者?|and)\s+`?|`?\s*[,，、]\s*`?")
_METHOD_WORD = re.compile(r"[A-Za-z]+")


def read(ctx: Context, block: Block) -> bool:
    if len(block.rows) < 2:
        return False
    header = [norm_label(c) for c in block.rows[0]]
    url_col = next((i for i, h in enumerate(header) if h in URL_LABELS), None)
    method_col = next((i for i, h in enumerate(header) if h in METHOD_LABELS), None)
    if url_col is None or method_col is None:
        return False
    desc_col = next((i for i, h in enumerate(header) if h in DESC_COLS | DESC_LABELS | REMARK_COLS), None)
    rows = [
        (row, line) for row, line in zip(block.rows[1:], block.row_lines[1:], strict=False) if len(row) > 1
    ]
    if not rows or not all(_methods(_cell(row, method_col)) for row, _ in rows):
        return False
    several = len(rows) > 1
    for row, line in rows:
        desc = _cell(row, desc_col) if desc_col is not None else ""
        title, rest = _title(desc) if several else ("", desc)
        for path in _paths(_cell(row, url_col)):
            for method in _methods(_cell(row, method_col)):
                ep = ctx.request_line(method, path, line, title=title, shares=False)
                ep.weak = several  # an overview table: a section documenting the operation wins
                if rest:
                    ep.notes.append(rest)
                for sentence in (title, rest):
                    if sentence:
                        prose_params.read_sentence(ctx, ep, sentence, line)
                        prose_response.read_sentence(ctx, ep, sentence, line)
    return True


def _cell(row: list[str], i: int | None) -> str:
    return row[i].strip() if i is not None and i < len(row) else ""


def _methods(cell: str) -> list[str]:
    found = [method_word(w) for w in _METHOD_WORD.findall(cell)]
    return [m for m in dict.fromkeys(found) if m in METHODS]


def _paths(cell: str) -> list[str]:
    parts = [p.strip().strip("`").strip() for p in _ALTERNATIVES.split(cell.strip())]
    return [p for p in parts if p.startswith(("/", "http")) or re.match(r"^[\w{<:][\w{}<>:.\-]*/", p)]


def _title(desc: str) -> tuple[str, str]:
    """`**Creates a new note.**<br>A random id ...` -> the bold lead as the title, the rest as text."""
    text = re.sub(r"<br\s*/?>", "\n", desc)
    m = re.match(r"^\s*\*\*(.+?)\*\*\s*(.*)$", text, re.S)
    if m:
        return m.group(1).strip().rstrip("."), m.group(2).strip()
    first, _, rest = text.partition("\n")
    return (first.strip().rstrip("."), rest.strip()) if len(first) <= 80 else ("", text.strip())
