"""A label announcing what comes next: `Response:`, `* Params:`, `返回示例`, `参数类型：query`,
`**正文参数（ application/x-www-form-urlencoded ）：**`; or a sentence doing the same right before a
sample ("Expects a JSON object ...:", "Returns a message if successful.")."""

from __future__ import annotations

import re

from ..labels import classify_label, classify_prose, norm_label, param_location, status_in
from .context import Context, Line
from .label_value import LABEL_LINE

KINDS = {"line"}


def read(ctx: Context, ln: Line) -> int:
    line = ln.text
    m = LABEL_LINE.match(line)
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
        if not line.endswith((":", "：")):
            ctx.ep.notes.append(line)  # "Returns the states that changed.": also a description
        return 1
    return 0


def _announce(ctx: Context, role: str, caption: str, location_text: str) -> None:
    answering = ctx.label in ("response", "error", "headers")
    if role == "request-headers" and answering:
        role = "headers"  # API Blueprint: `+ Response 201` then `+ Headers`: the answer's headers
    elif role == "request" and answering and norm_label(caption) in ("body", "payload", "content"):
        role = "response" if ctx.label == "headers" else ctx.label  # ... then `+ Body`: the answer's body
    ctx.label, ctx.caption = role, caption.strip().lstrip("*-+ ").strip()
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
        ctx.ep.statuses.setdefault(status, "")
        if status.startswith("2") and role == "response" and not ctx.ep.success_status:
            ctx.ep.success_status = status
