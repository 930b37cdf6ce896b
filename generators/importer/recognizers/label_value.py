"""A labelled value: `**请求URL：** /x`, `请求方式: POST`, `基础URL：http://host`, or the label alone
(`* URL`, `### 请求方式：`) with its value on the next line or in the next block."""

from __future__ import annotations

import re

from ..labels import (
    CTYPE_LABELS,
    METHOD_ALIASES,
    METHOD_LABELS,
    SERVER_LABELS,
    URL_LABELS,
    classify_label,
    match_request_line,
    method_word,
    norm_label,
)
from .context import Context, Line

KINDS = {"line"}

LABEL_LINE = re.compile(r"^\s*[*_`]*\s*([^:：*_`|]{1,80}?)\s*[*_`]*\s*[:：]\s*[*_`]*\s*(.*?)\s*[*_`]*\s*$")
# `**接口地址** `/api/x``: a bold label and its value, no colon between them
_BOLD_LABEL = re.compile(r"^\s*\*\*([^*:：]{1,40})\*\*\s+(\S.*?)\s*$")
_URL_VALUE = re.compile(r"^(https?://|/|[\w{<:$][\w{}<>:$.\-]*/?)")


def kind_of(label: str) -> str:
    key = norm_label(label)
    if key in SERVER_LABELS:
        return "server"
    if key in URL_LABELS:
        return "url"
    if key in METHOD_LABELS:
        return "method"
    if key in CTYPE_LABELS:
        return "ctype"
    return ""


def apply(ctx: Context, kind: str, raw: str, line: int) -> bool:
    """Give a label its value; False when the value is not one (`请求方式：见下表`)."""
    value = raw.strip().lstrip("-*+> ").strip().strip("`*").strip()
    value = re.sub(r"^\[([^\]]+)\]\([^)]*\)$", r"\1", value)  # a markdown link: its text
    if not value:
        return False
    if kind == "url":
        request = match_request_line(value)  # `URL：/api/x（POST）`
        if request:
            ctx.request_line(request.group(1), request.group(2), line)
            return True
        if not _URL_VALUE.match(value) or " " in value:
            return False
        if re.match(r"^https?://[^/]+/?$", value) and not ctx.ep.method:
            ctx.doc.servers.append(value.rstrip("/"))  # `URL: https://api.example.com`: a host, no operation
            return True
        ctx.request_line("", value, line)
        return True
    if kind == "method":
        methods = [method_word(w) for w in re.split(r"\s*[/|,，、或]\s*|\s+or\s+", value)]
        method = methods[0] if methods and all(methods) else method_word(value)
        if not method:
            return False
        if len(methods) > 1 and all(methods):
            ctx.ep.notes.append(f"The doc gives the methods {value}; read as {method}.")
        if value.upper() in METHOD_ALIASES:
            ctx.warn(line, "method-alias", f"method written {value!r}: read as {method}")
        ctx.request_line(method, "", line)
        return True
    if kind == "ctype":
        if method_word(value):  # `请求类型：POST` means the method in some docs
            ctx.request_line(method_word(value), "", line)
        return True
    if kind == "server":
        url = re.match(r"https?://[^\s`'\"()（）<>]+", value)
        if not url:
            return False
        ctx.doc.servers.append(url.group(0).rstrip("/"))
        return True
    return False


def read(ctx: Context, ln: Line) -> int:
    if ctx.pending:
        kind, ctx.pending = ctx.pending, ""
        if apply(ctx, kind, ln.text, ln.line):
            return 1
    m = LABEL_LINE.match(ln.text) or _BOLD_LABEL.match(ln.text)
    request = match_request_line(m.group(2).strip("`* ")) if m and m.group(2) else None
    if request:
        # `Endpoint: GET /x`, `Request: `POST /api/login``, `请求地址：POST /x`
        ctx.request_line(request.group(1), request.group(2), ln.line)
        role = classify_label(m.group(1))
        if role and not kind_of(m.group(1)):
            ctx.label, ctx.caption = role, m.group(1)
        return 1
    kind = kind_of(m.group(1)) if m else kind_of(ln.text)
    if not kind:
        return 0
    value = m.group(2) if m else ""
    if not value:
        ctx.pending = kind
    else:
        apply(ctx, kind, value, ln.line)
    return 1
