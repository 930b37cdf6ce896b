"""Markdown -> a flat list of blocks with their source lines.

markdown-it-py does the parsing; this module flattens its token stream into the few kinds of
block the recognizers look at (heading, text, table, code, html), each with 1-based line
numbers, and repairs what CommonMark reads differently from the writer's intent (a fence
opened inside an unclosed fence, rows whose cell count is off).
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field

from markdown_it import MarkdownIt
from markdown_it.token import Token

# Only block structure is read (inline text is taken as written), so inline parsing, nearly half of
# markdown-it's time on a large doc, is not run.
_md = MarkdownIt("commonmark").enable("table").disable("inline")
_FENCE_LINE = re.compile(r"^\s*(```+|~~~+)\s*([\w+-]*)\s*$")


@dataclass
class Block:
    kind: str  # "heading" | "text" | "table" | "code" | "html"
    line: int  # 1-based first line
    end: int  # 1-based last line
    text: str = ""  # heading/inline text, code content, raw html
    level: int = 0  # heading level
    info: str = ""  # code fence info string
    container: str = ""  # "list" | "quote" | "" (where a text block sits)
    rows: list[list[str]] = field(default_factory=list)  # table: header row first
    row_lines: list[int] = field(default_factory=list)
    raw_cells: list[int] = field(default_factory=list)  # table: cells per row as written
    content_line: int = 0  # code: 1-based line of the first content line
    closed: bool = True
    headerless: bool = False  # table rows written without a header and delimiter row


@dataclass
class Problem:
    line: int
    rule: str
    message: str
    severity: str = "warning"


def parse_blocks(text: str) -> tuple[list[Block], list[Problem]]:
    lines = text.split("\n")
    tokens = _md.parse(text)
    blocks: list[Block] = []
    problems: list[Problem] = []
    containers: list[str] = []
    i = 0
    while i < len(tokens):
        tok = tokens[i]
        t = tok.type
        if t in ("bullet_list_open", "ordered_list_open"):
            containers.append("list")
        elif t == "blockquote_open":
            containers.append("quote")
        elif t in ("bullet_list_close", "ordered_list_close", "blockquote_close"):
            containers.pop()
        elif t == "heading_open":
            inline = tokens[i + 1]
            blocks.append(
                Block("heading", tok.map[0] + 1, tok.map[1], inline.content.strip(), level=int(tok.tag[1:]))
            )
        elif t == "paragraph_open":
            inline = tokens[i + 1]
            start, end = tok.map
            container = containers[-1] if containers else ""
            for piece in _split_tables(Block("text", start + 1, end, inline.content, container=container)):
                blocks.extend(_loose_headings(piece) if not container else [piece])
        elif t in ("fence", "code_block"):
            blocks.extend(_code_blocks(tok, lines, problems))
        elif t == "html_block":
            blocks.append(Block("html", tok.map[0] + 1, tok.map[1], tok.content))
        elif t == "table_open":
            j, block = _table(tokens, i, lines)
            blocks.append(block)
            i = j
        i += 1
    return blocks, problems


def _code_blocks(tok: Token, lines: list[str], problems: list[Problem]) -> list[Block]:
    start, end = tok.map  # 0-based, end exclusive; for a fence the fence lines are included
    info = tok.info.strip().split(" ")[0] if tok.type == "fence" else ""
    content_start = start + 2 if tok.type == "fence" else start + 1
    body = tok.content.rstrip("\n").split("\n") if tok.content else []
    closed = True
    if tok.type == "fence":
        last = lines[end - 1] if end - 1 < len(lines) else ""
        closed = (
            end - start >= 2 and _FENCE_LINE.match(last) is not None and not _FENCE_LINE.match(last).group(2)
        )
        if not closed:
            problems.append(
                Problem(
                    start + 1,
                    "unclosed-fence",
                    "code fence is never closed: it runs to the end of its container",
                )
            )
    out: list[Block] = []
    current: list[str] = []
    cur_info, cur_line = info, content_start
    for k, ln in enumerate(body):
        m = _FENCE_LINE.match(ln)
        if m and m.group(2):  # an opening fence inside a fence: the outer one was never closed
            problems.append(
                Problem(
                    cur_line - 1,
                    "unclosed-fence",
                    f"code fence is not closed before the fence at line {content_start + k}; closed there",
                )
            )
            out.append(_code(cur_info, cur_line, current))
            current, cur_info, cur_line = [], m.group(2), content_start + k + 1
            continue
        current.append(ln)
    out.append(_code(cur_info, cur_line, current, closed))
    return out


def _code(info: str, first_line: int, body: list[str], closed: bool = True) -> Block:
    while body and not body[-1].strip():
        body = body[:-1]
    return Block(
        "code",
        max(first_line - 1, 1),
        first_line + len(body),
        "\n".join(body),
        info=info.lower(),
        content_line=first_line,
        closed=closed,
    )


_LOOSE_HEADING = re.compile(r"^(#{2,6})([^\s#].*?)\s*#*\s*$")


def _loose_headings(block: Block) -> list[Block]:
    """`###商品列表`: no space after the hashes, so CommonMark reads text; the writer meant a heading."""
    if block.kind != "text" or "#" not in block.text:
        return [block]
    out: list[Block] = []
    text: list[str] = []
    start = block.line
    for k, ln in enumerate(block.text.split("\n")):
        m = _LOOSE_HEADING.match(ln.strip())
        if not m:
            if not text:
                start = block.line + k
            text.append(ln)
            continue
        if text:
            out.append(Block("text", start, block.line + k - 1, "\n".join(text), container=block.container))
            text = []
        out.append(
            Block("heading", block.line + k, block.line + k, m.group(2).strip(), level=len(m.group(1)))
        )
    if text:
        out.append(Block("text", start, block.end, "\n".join(text), container=block.container))
    return out


_DELIMITER_ROW = re.compile(r"^\s*\|?\s*:?-{2,}:?\s*(\|\s*:?-{2,}:?\s*)*\|?\s*$")


def _split_tables(block: Block) -> list[Block]:
    """Tables that CommonMark read as paragraph text (lazy continuation after `- POST`)."""
    lines = block.text.split("\n")
    out: list[Block] = []
    text: list[str] = []
    text_start = 0
    i = 0
    while i < len(lines):
        has_header = i + 1 < len(lines) and _DELIMITER_ROW.match(lines[i + 1])
        is_row = (
            lines[i].strip().startswith("|") and lines[i].strip().endswith("|") and lines[i].count("|") >= 3
        )
        if is_row:
            if text:
                out.append(
                    Block(
                        "text",
                        block.line + text_start,
                        block.line + i - 1,
                        "\n".join(text),
                        container=block.container,
                    )
                )
            table = Block("table", block.line + i, block.line + i, headerless=not has_header)
            j = i
            while j < len(lines) and lines[j].lstrip().startswith("|"):
                if j != i + 1 or not has_header:
                    table.rows.append(split_row(lines[j]))
                    table.row_lines.append(block.line + j)
                    table.raw_cells.append(len(table.rows[-1]))
                j += 1
            table.end = block.line + j - 1
            out.append(table)
            text, text_start, i = [], j, j
            continue
        text.append(lines[i])
        i += 1
    if not out:
        return [block]
    if text:
        out.append(
            Block("text", block.line + text_start, block.end, "\n".join(text), container=block.container)
        )
    return out


def split_row(raw: str) -> list[str]:
    s = raw.strip()
    if s.startswith("|"):
        s = s[1:]
    if s.endswith("|") and not s.endswith("\\|"):
        s = s[:-1]
    return [c.strip() for c in re.split(r"(?<!\\)\|", s)]


def _table(tokens: list[Token], i: int, lines: list[str]) -> tuple[int, Block]:
    start, end = tokens[i].map
    block = Block("table", start + 1, end)
    j = i
    while tokens[j].type != "table_close":
        if tokens[j].type == "tr_open":
            row_line = tokens[j].map[0]
            block.row_lines.append(row_line + 1)
            block.rows.append(split_row(lines[row_line]))
            block.raw_cells.append(len(block.rows[-1]))
        j += 1
    return j, block
