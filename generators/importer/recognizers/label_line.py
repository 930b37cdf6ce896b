"""A label announcing what comes next: `Response:`, `* Params:`, `返回示例`, `参数类型：query`,
`**正文参数（ application/x-www-form-urlencoded ）：**`; or a sentence doing the same right before a
sample ("Expects a JSON object ...:", "Returns a message if successful.")."""

from __future__ import annotations

import re

from ..labels import classify_label, classify_prose, norm_label, param_location, status_in
from .context import Context, Line
from .label_value import LABEL_LINE

KINDS = {"line"}


_STATUS_CAPTION = re.compile(r"^(?:http\s*(?:/\d(?:\.\d)?)?\s*)?([1-5]\d\d)(?:\s+[a-z][a-z \'-]*)?\s*$")
_STATUS_KEYS = {"code", "status", "status code", "http status", "http code", "状态码", "http状态码"}
_CONTENT_KEYS = {"content", "body", "response", "example", "返回内容", "内容", "示例"}
_REQUIRED_KEYS = {
    "required": True,
    "必填": True,
    "必选": True,
    "optional": False,
    "可选": False,
    "选填": False,
}


def read(ctx: Context, ln: Line) -> int:
    line = re.sub(r"\s*<br\s*/?>\s*$", "", ln.text)
    m = LABEL_LINE.match(line)
    if m and _answer_part(ctx, m.group(1), m.group(2), ln.line):
        return 1
    if m:
        role = classify_label(m.group(1))
        if role:
            _announce(ctx, role, line, m.group(1) + " " + m.group(2))
            ctx.fresh_label = True
            rest = m.group(2).strip()
            if role == "notes" and rest:
                ctx.ep.notes.append(rest)
            if rest.startswith(("{", "[")):
                ctx.add_sample(rest, ln.line, "", role)
            return 1
    status = _STATUS_CAPTION.match(norm_label(line))
    if status and len(line) <= 40:
        # `**404 Not Found**` / `200 OK:` before a sample: which answer the sample is
        code = status.group(1)
        _announce(ctx, "response" if code[0] in "23" else "error", line, "")
        ctx.status = code
        ctx.fresh_label = True
        return 1
    # `Response 201 (application/json)`: the media type in brackets does not make a label long
    short = len(re.sub(r"\s*\([\w/+.-]+\)\s*$", "", line)) <= 30 or line.endswith((":", "："))
    sentence = line.endswith((".", "。"))  # "Returns the cart." is a description, not a label
    role = classify_label(line) if short and not sentence and not line.startswith(("{", "[")) else ""
    if role:
        _announce(ctx, role, line, line)
        ctx.fresh_label = True
        return 1
    role = classify_prose(line)
    if role:
        _announce(ctx, role, line, "")
        ctx.prose_label = True
        if not line.endswith((":", "：")):
            ctx.ep.notes.append(line)  # "Returns the states that changed.": also a description
        return 1
    return 0


def _answer_part(ctx: Context, key: str, value: str, line: int) -> bool:
    """`**Code:** 404 NOT FOUND`, then `**Content:** `{ error : "..." }``, under `Error Response:`; and
    `**Required:**` / `**Optional:**` above the parameters they qualify."""
    key = norm_label(key)
    value = value.strip()
    if key in _STATUS_KEYS and re.match(r"^[1-5]\d\d\b", value):
        code = value[:3]
        ctx.status = code
        ctx.ep.document_status(code, value[3:].strip(" -:"))
        if ctx.label not in ("response", "error"):
            ctx.label = "response" if code.startswith("2") else "error"
        return True
    sample = value.strip("`").strip()
    if (
        key in _CONTENT_KEYS
        and sample.startswith(("{", "["))
        and ctx.label in ("response", "error", "request")
    ):
        ctx.add_sample(sample, line, "", ctx.label)
        return True
    if key in _REQUIRED_KEYS and not value:
        ctx.required_hint = _REQUIRED_KEYS[key]
        return True
    return False


def _announce(ctx: Context, role: str, caption: str, location_text: str) -> None:
    answering = ctx.label in ("response", "error", "headers")
    if role == "request-headers" and answering:
        role = "headers"  # API Blueprint: `+ Response 201` then `+ Headers`: the answer's headers
    elif role == "request" and answering and norm_label(caption) in ("body", "payload", "content"):
        role = "response" if ctx.label == "headers" else ctx.label  # ... then `+ Body`: the answer's body
    ctx.label, ctx.caption = role, caption.strip().lstrip("*-+ ").strip()
    ctx.required_hint = None
    ctx.prose_label = False
    ctx.location = (
        param_location(location_text) if location_text and role in ("request", "request-headers") else ""
    )
    if role == "request-headers":
        ctx.location = "header"
    if ctx.location == "form" and not ctx.ep.request_media:
        ctx.ep.request_media = "application/x-www-form-urlencoded"
    status = status_in(caption) if role in ("response", "error") and len(caption) <= 40 else ""
    if status:
        # `+ Response 204`: the status is documented even when no body follows
        ctx.ep.document_status(status, sets_success=role == "response")
