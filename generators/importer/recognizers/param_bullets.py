"""Under a `Parameters:` label, bullets that name one parameter each: `` - `q` - Filters results ``,
`` - `filter_entity_id=<entity_id>` to filter on a single entity ``."""

from __future__ import annotations

import re

from ..ir import Field
from ..tables import required_in_words
from .context import Context, Line

KINDS = {"line"}

_PARAM = re.compile(r"^`([A-Za-z_][\w.\-\[\]]*)(?:=[^`]*)?`\s*(?:\(([^)]*)\))?\s*(?:[-–—:：]\s*)?(.*)$")


def read(ctx: Context, ln: Line) -> int:
    if ln.container != "list" or ctx.label != "request":
        return 0
    m = _PARAM.match(ln.text)
    if not m:
        return 0
    desc = m.group(3).strip()
    kind = (m.group(2) or "").strip()
    optional = re.search(r"\boptional\b", ctx.caption, re.I)
    required = required_in_words(f"{kind} {desc}".strip())
    if required is None and optional:
        required = False
    ctx.add_params(
        [Field(m.group(1), ln.line, type=kind, required=required, description=desc, location=ctx.location)]
    )
    return 1
