"""The first lines of a code block naming the operation: `GET /x`, `GET:v1/x`, `PUT /x` and
`PATCH /x` on two lines (two operations), `url: /x` + `method: POST`, `重定向到 /x` (a redirect).
What follows them (here or in the next block) is the request body of a non-GET call."""

from __future__ import annotations

import dataclasses
import re

from ..blocks import Block
from ..labels import (
    CODE_KV,
    CTYPE_LABELS,
    METHOD_LABELS,
    URL_LABELS,
    classify_label,
    match_request_line,
    method_word,
    norm_label,
)
from .context import Context

KINDS = {"code"}

REDIRECT_LINE = re.compile(
    r"^\s*(?:重定向(?:到|至)?|跳转(?:到|至)?|redirects?(?:\s+to)?)\s*[:：]?\s*(\S+)\s*$", re.I
)
_HTTP_VERSION = re.compile(r"\s+HTTP/\d(?:\.\d)?\s*$", re.I)
_HEADER = re.compile(r"^[A-Za-z][\w-]*\s*:\s*\S")


def read(ctx: Context, block: Block) -> Block | bool:
    lines = block.text.split("\n")
    first = block.content_line
    body_start = 0
    found = False
    in_headers = False
    # `Method: GET` / `Type: RAW` / `URL: {{baseUrl}}/x` (Postman's exported docs): other keys may sit
    # between the URL and method lines of such a block
    heads = [CODE_KV.match(ln.strip()) for ln in lines[:6] if ln.strip()]
    described = any(m and norm_label(m.group(1)) in URL_LABELS | METHOD_LABELS for m in heads)
    for k, raw in enumerate(lines):
        line = raw.strip()
        if in_headers:
            if not line:
                in_headers = False
                body_start = k + 1
                continue
            if _HEADER.match(line):
                name, _, value = line.partition(":")
                if name.strip().lower() == "content-type":
                    ctx.ep.request_media = value.strip().split(";")[0]
                body_start = k + 1
                continue
            in_headers = False
        if not line or line.startswith("//") or line.startswith("#"):
            body_start = k + 1
            continue
        m = match_request_line(_HTTP_VERSION.sub("", line))
        if m:
            ctx.request_line(m.group(1), m.group(2), first + k)
            found = True
            body_start = k + 1
            in_headers = bool(_HTTP_VERSION.search(line))
            if m.group(1).upper() != "GET":
                # an HTTP message: what follows the request line (here or in the next block) is its body
                ctx.label, ctx.caption = "request", ""
            continue
        m = REDIRECT_LINE.match(line)
        if m and not found:
            ep = ctx.request_line("", m.group(1), first + k)
            ep.redirect = True
            found = True
            body_start = k + 1
            continue
        m = CODE_KV.match(line)
        if m and not line.startswith(("{", "[", '"')):
            key = norm_label(m.group(1))
            if key in URL_LABELS:
                ctx.request_line("", m.group(2), first + k)
                found, body_start = True, k + 1
                continue
            if key in METHOD_LABELS and method_word(m.group(2)):
                ctx.request_line(method_word(m.group(2)), "", first + k)
                found, body_start = True, k + 1
                continue
            if key in CTYPE_LABELS and found:
                body_start = k + 1
                continue
            if described and k < 6 and not classify_label(m.group(1)):
                body_start = k + 1  # `Type: RAW` between them; a label (`request parameters:`) ends them
                continue
        break
    if not found:
        return False
    rest = lines[body_start:]
    if not any(ln.strip() for ln in rest):
        return True
    return dataclasses.replace(block, text="\n".join(rest), content_line=first + body_start)
