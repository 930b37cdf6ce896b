"""`API-KEY: xxxx` lines under a request `Headers` label: the request headers the operation takes."""

from __future__ import annotations

import re

from ..blocks import Block
from ..ir import Field
from .context import Context

KINDS = {"code"}

_HEADER = re.compile(r"^\s*([A-Za-z][\w-]*)\s*[:：]\s*(.*?)\s*$")


def read(ctx: Context, block: Block) -> bool:
    if ctx.label != "request-headers":
        return False
    lines = [(k, ln) for k, ln in enumerate(block.text.split("\n")) if ln.strip()]
    found = [(k, _HEADER.match(ln)) for k, ln in lines]
    if not found or not all(m for _, m in found):
        return False
    fields = []
    for k, m in found:
        name, value = m.group(1), m.group(2)
        if name.lower() == "content-type":
            ctx.ep.request_media = value.split(";")[0].strip()
            continue
        fields.append(Field(name, block.content_line + k, location="header", example=value))
    ctx.add_params(fields)
    return True
