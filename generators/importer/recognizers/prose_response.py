"""What a sentence says about the answer: "as a plaintext response", "returned as a JSON object",
"a redirect is issued", "Streams ... using EventSource", "Returns a `200` response code", "zip-archive".
Read, not consumed: the sentence is still the description."""

from __future__ import annotations

import re

from ..ir import Endpoint
from .context import Context, Line, first_look, paragraph

KINDS = {"line"}
CLAIMS = False  # reads a sentence and leaves it to the description

_KINDS = (
    ("sse", re.compile(r"\bEventSource\b|server-sent events|text/event-stream|\bSSE\b", re.I)),
    ("text", re.compile(r"plain\s*text|plaintext|text/plain|\braw markdown\b|纯文本", re.I)),
    ("redirect", re.compile(r"\bredirect(s|ed|ion)?\b|重定向|跳转", re.I)),
    (
        "binary",
        re.compile(r"\bzip[- ]archive\b|\b(returns|download)s? the (data \()?image\b|\(image\)|图片", re.I),
    ),
    ("json", re.compile(r"\b(as|returns?|is|in) (a |an )?JSON\b|\bJSON (object|array|encoded)\b", re.I)),
)
_STATUS_ONLY = re.compile(
    r"\breturns? (?:a |an |the )?[`\s]*([1-5]\d\d)[`\s]*(?:status|response)?\s*code\b|\bresponds? with (?:a )?[`\s]*([1-5]\d\d)\b",
    re.I,
)
_ABOUT_REQUEST = re.compile(
    r"\b(send|sent|set on (the|this) request|request body|upload(s|ed)?|the body (is|must)|post(ed)?)\b|请求头|请求体",
    re.I,
)
_STREAM_TEXT = re.compile(r"(流式|stream)", re.I)


def read(ctx: Context, ln: Line) -> int:
    if first_look(ctx, ln, "prose_response") and (ctx.ep.path or ctx.ep.method):
        read_sentence(ctx, ctx.ep, paragraph(ln), ln.line)
    return 0


def read_sentence(ctx: Context, ep: Endpoint, text: str, line: int) -> None:
    low = text.lower()
    if _STREAM_TEXT.search(low) and "text/plain" in low:
        ep.text_stream = True
    m = _STATUS_ONLY.search(text)
    if m:
        code = m.group(1) or m.group(2)
        ep.document_status(code, _clip(text))
        if not ep.response_kind:
            ep.response_kind = "none"
    if _ABOUT_REQUEST.search(text):
        return  # "send `Content-Type: text/plain`" is about the request, not the answer
    for kind, pattern in _KINDS:
        if pattern.search(text):
            if not ep.response_kind or ep.response_kind == "none":
                ep.response_kind = kind
            return


def _clip(text: str) -> str:
    return text if len(text) <= 120 else text[:117] + "..."
