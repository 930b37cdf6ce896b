"""Parameters named only in a sentence: "adding the `disable_scraping` query parameter", "a single
part named `file`", "contain a field `history`", "The `Content-Type: text/markdown` header should
be set" (the request's media type). Read, not consumed: the sentence is still the description."""

from __future__ import annotations

import re

from ..ir import Endpoint, Field
from .context import Context, Line, first_look, paragraph

KINDS = {"line"}
CLAIMS = False  # reads a sentence and leaves it to the description

_NAME = r"`([A-Za-z_][\w.\-]*)`"
_LOCATED = re.compile(
    _NAME + r"\s+(query|path|header|body|form)\s+(?:parameter|param|field|argument|header)s?", re.I
)
_NAMED = re.compile(
    r"\b(field|part|parameter|param|header|argument)s?\s+(?:(?:named|called)\s+)?" + _NAME, re.I
)
_CONTENT_TYPE = re.compile(r"`?Content-Type:\s*([\w.+-]+/[\w.+-]+)`?", re.I)


def read(ctx: Context, ln: Line) -> int:
    if first_look(ctx, ln, "prose_params") and ctx.ep.path:
        read_sentence(ctx, ctx.ep, paragraph(ln), ln.line)
    return 0


def read_sentence(ctx: Context, ep: Endpoint, text: str, line: int) -> None:
    media = _media(text)
    if media and not ep.request_media and ep.method not in ("GET", "HEAD"):
        ep.request_media = media
    known = {f.name for f in ep.params}
    fields: list[Field] = []
    for m in _LOCATED.finditer(text):
        fields.append(
            Field(m.group(1), line, location=m.group(2).lower(), description=_sentence(text, m.start()))
        )
    form_encoded = re.search(r"form-?encoded|urlencoded", text, re.I) is not None
    for m in _NAMED.finditer(text):
        word, name = m.group(1).lower(), m.group(2)
        if word == "header":
            location = "header"
        elif word == "part" or (form_encoded and ep.method not in ("GET", "HEAD")):
            location = "form"
        elif ep.method in ("GET", "HEAD", "DELETE"):
            location = "query"
        else:
            location = "body"
        kind = "file" if word == "part" and re.search(r"\bfile\b", text, re.I) else ""
        fields.append(Field(name, line, type=kind, location=location, description=_sentence(text, m.start())))
    ctx_fields = [f for f in fields if f.name not in known and f.name.lower() != "content-type"]
    if ctx_fields:
        before = ctx.ep
        ctx.ep = ep
        ctx.add_params(ctx_fields)
        ctx.ep = before


def _media(text: str) -> str:
    m = _CONTENT_TYPE.search(text)
    if m:
        return m.group(1).lower()
    if re.search(r"multipart/form-data", text, re.I):
        return "multipart/form-data"
    if re.search(r"form-?encoded|x-www-form-urlencoded", text, re.I):
        return "application/x-www-form-urlencoded"
    return ""


def _sentence(text: str, at: int) -> str:
    start = max(text.rfind(". ", 0, at) + 2, 0) if text.rfind(". ", 0, at) >= 0 else 0
    end = text.find(". ", at)
    return text[start : end + 1 if end >= 0 else len(text)].strip()
