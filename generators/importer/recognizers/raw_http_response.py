"""A raw HTTP answer: `HTTP/1.1 404 Not Found`, header lines, a blank line, the body. One response
with its status, headers and body (not a text stream)."""

from __future__ import annotations

import re

from ..blocks import Block
from .context import Context
from .status_line import STATUS_LINE

KINDS = {"code"}

_HEADER = re.compile(r"^([A-Za-z][\w-]*)\s*:\s*(.*)$")


def read(ctx: Context, block: Block) -> bool:
    lines = block.text.split("\n")
    first = next((k for k, ln in enumerate(lines) if ln.strip()), None)
    if first is None or not lines[first].strip().upper().startswith("HTTP/"):
        return False
    m = STATUS_LINE.match(lines[first])
    if not m or len([ln for ln in lines if ln.strip()]) < 2:
        return False
    code, reason = m.group(1), m.group(2).strip()
    headers: dict[str, str] = {}
    k = first + 1
    while k < len(lines) and lines[k].strip():
        h = _HEADER.match(lines[k].strip())
        if not h:
            break
        headers[h.group(1)] = h.group(2).strip()
        k += 1
    while k < len(lines) and not lines[k].strip():
        k += 1
    ep = ctx.ep
    ep.document_status(code, reason, replace=True)
    body = "\n".join(lines[k:])
    if not body.strip():
        return True
    role = "response" if code.startswith("2") else "error"
    before = len(ep.samples)
    saved, ctx.status = ctx.status, code
    ctx.add_sample(body, block.content_line + k, "", role, f"HTTP {code} {reason}".strip())
    ctx.status = saved
    ctype = next((v for h, v in headers.items() if h.lower() == "content-type"), "")
    for s in ep.samples[before:]:
        s.headers = {h: v for h, v in headers.items() if h.lower() not in ("content-type", "content-length")}
        if ctype and "json" not in ctype:
            s.lang = ctype.split(";")[0].strip()
    return True
