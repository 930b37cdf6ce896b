"""Recognizers: small rules, one clue each, run in this order over a section's blocks.

Every module below reads one kind of clue (its docstring shows it) from a heading, a table, a code
block or a line of text, and fills the section's endpoints through the `Context`. A block goes to
the recognizers that read its kind, in list order, until one claims it; one may also hand on what
it did not read (the body after a request line) or turn the block into another kind (table rows
written in a code block). Lines of text go through the line recognizers the same way.

Adding a doc style = a new module here, one entry in RECOGNIZERS, and a fixture doc in
tests/fixtures/variants/ with a test of what it imports.
"""

from __future__ import annotations

from dataclasses import dataclass
from types import ModuleType
from typing import Any

from ..blocks import Block
from . import (
    bare_method_line,
    bare_url_line,
    code_label_value,
    code_request_line,
    code_sample,
    code_table,
    curl_command,
    endpoint_table,
    example_url,
    gitbook_api_blocks,
    header_lines,
    heading_bracket,
    heading_label,
    heading_method,
    heading_path,
    heading_request_line,
    html_table,
    kv_table,
    label_line,
    label_value,
    location_bullets,
    note_line,
    param_bullets,
    params_table,
    prose_params,
    prose_response,
    proto_messages,
    raw_http_response,
    raw_json_text,
    reference_line,
    request_line_text,
    status_bullets,
    status_line,
    status_table,
    title_line,
)
from .context import Context, Line


@dataclass(frozen=True)
class Recognizer:
    name: str
    kinds: frozenset[str]
    read: Any  # (Context, Block) -> bool | Block, or (Context, Line) -> lines consumed

    @classmethod
    def of(cls, module: ModuleType) -> Recognizer:
        return cls(module.__name__.rsplit(".", 1)[-1], frozenset(module.KINDS), module.read)


RECOGNIZERS: list[Recognizer] = [
    Recognizer.of(m)
    for m in (
        # headings
        heading_request_line,  # ## GET /users/{id}   ## List users - GET /users
        heading_bracket,  # ## Notes [/notes]   ### Create a note [POST]
        heading_path,  # ## /api/user   ## /douyin/feed/ - 视频流接口
        heading_method,  # ### POST method (under a path heading)
        heading_label,  # ### 请求URL： / ### Response (a label inside the section)
        # tables
        html_table,  # <table><tr><th>参数</th>... (a table written in HTML)
        endpoint_table,  # | 请求地址 | 请求方式 |   | Endpoint | HTTP-Method | Description |
        kv_table,  # | URL | /x |, | request method | POST |, | `X-Session-Id` Header | ... |
        status_table,  # | 状态码 | 说明 | with 200 / 400 / 404 rows, in an operation's section
        params_table,  # | Param | Data type | Must | Explanation |
        # code blocks
        curl_command,  # $ curl -X POST ... https://host/x?q=1
        status_line,  # Status: 201 Created
        raw_http_response,  # HTTP/1.1 404 Not Found, headers, body
        proto_messages,  # message foo_request { ... }
        code_table,  # |参数 |是否必选 |类型 (table rows in an indented block)
        code_label_value,  # the value a label waits for (`### 请求URL：` then an indented URL)
        code_request_line,  # GET /x, GET:v1/x, url: / method: lines, 重定向到 /x
        example_url,  # https://api.example.com/v1/items?limit=5 (one example call)
        header_lines,  # API-KEY: xxx under a request `Headers` label
        code_sample,  # JSON, JS literals, key: value lines, JSON lines, SSE, text
        # lines of text
        gitbook_api_blocks,  # {% api-method method="get" path="/x" %}, {% swagger-parameter in="path" %}
        label_value,  # **请求URL：** /x, 请求方式: POST, `* URL` + the value on the next line
        request_line_text,  # POST /x, - POST /x, > DELETE /x, 重定向 /x
        bare_url_line,  # > https://api.example.com/x/y
        bare_method_line,  # GET (alone on its line)
        title_line,  # **List** (names the next operation)
        location_bullets,  # - Body: `a` string and `b` array
        param_bullets,  # - `q` - Filters results ... (under a Parameters label)
        status_bullets,  # - 404 (Not Found)
        raw_json_text,  # { ... } as text after a label
        prose_params,  # the `disable_scraping` query parameter; a field `history`
        prose_response,  # as plain text / a JSON object / a redirect / a 200 response code
        reference_line,  # Parameters and response are the same as for the list endpoint.
        label_line,  # Response: / 返回示例 / "Expects a JSON object ...:"
        note_line,  # anything else: the description
    )
]


def read_block(ctx: Context, block: Block) -> None:
    """Run the recognizers on one block (a text block line by line)."""
    if block.kind == "text":
        lines = block.text.split("\n")
        k = 0
        while k < len(lines):
            text = lines[k].strip()
            if not text:
                k += 1
                continue
            k += max(1, _read_line(ctx, Line(text, block.line + k, block, k, lines)))
        return
    fresh = ctx.fresh_label  # a label written right before: what this block is
    ctx.fresh_label = False
    if block.kind == "code":
        ctx.fresh_label = fresh
    position = 0
    while position < len(RECOGNIZERS):
        rec = RECOGNIZERS[position]
        position += 1
        if block.kind not in rec.kinds:
            continue
        result = rec.read(ctx, block)
        if isinstance(result, Block):
            if result.kind != block.kind:
                position = 0  # a block of another kind: its own recognizers, from the top
            block = result
            continue
        if result:
            break
    if block.kind == "code":
        ctx.fresh_label = False


def read_line(ctx: Context, text: str, line: int, block: Block) -> None:
    """One line met outside a text block (a label heading, a line glued under a table)."""
    lines = [text.strip()]
    _read_line(ctx, Line(lines[0], line, block, 0, lines))


def _read_line(ctx: Context, ln: Line) -> int:
    ctx.fresh_label = False  # only a label line leaves a label waiting for what it announces
    for rec in RECOGNIZERS:
        if "line" in rec.kinds:
            used = rec.read(ctx, ln)
            if used:
                return int(used)
    return 1


__all__ = ["RECOGNIZERS", "Context", "Line", "Recognizer", "read_block", "read_line"]
