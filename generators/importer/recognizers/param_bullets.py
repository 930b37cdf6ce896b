"""Under a `Parameters:` label, bullets that name one parameter each: `` - `q` - Filters results ``,
`` - `filter_entity_id=<entity_id>` to filter ``, `- **limit** (integer, optional): at most`,
API Blueprint's `+ id: 1 (number, required) - The note's id`."""

from __future__ import annotations

import re

from ..ir import Field
from ..labels import classify_label
from ..tables import required_in_words
from .context import Context, Line
from .label_value import kind_of

KINDS = {"line"}

_NAME = r"[A-Za-z_][\w.\-\[\]]*"
_PARAM = re.compile(
    rf"^(?:`(?P<code>{_NAME})(?:=(?:\[(?P<typed>[^\]`]*)\]|[^`]*))?`|\*\*(?P<bold>{_NAME})\*\*|(?P<plain>{_NAME}))"
    r"(?:\s*[:：]\s*(?P<example>[^\s(（][^(（]*?)(?=\s*[(（]))?"
    r"\s*(?:[(（](?P<flags>[^)）]*)[)）])?"
    r"\s*(?:(?P<sep>[-–—:：])\s*|\s+)?(?P<desc>.*)$"
)
_FLAG_REQUIRED = {"required", "必填", "必选", "必须", "必需"}
_FLAG_OPTIONAL = {"optional", "可选", "选填", "非必填"}
_NOT_NAMES = {"note", "notes", "example", "examples", "default", "e.g", "returns", "response", "see", "tip"}


def read(ctx: Context, ln: Line) -> int:
    if ln.container != "list" or ctx.label != "request":
        return 0
    m = _PARAM.match(ln.text)
    if not m:
        return 0
    name = m.group("code") or m.group("bold") or m.group("plain")
    if m.group("plain") and (
        not (m.group("sep") or m.group("flags"))
        or name.lower() in _NOT_NAMES
        or classify_label(name)
        or kind_of(name)
        or (m.group("sep") in (":", "：") and not m.group("desc").strip())
    ):
        return 0  # a bare word starts many sentences (and labels): only `name (type) - text` is a name
    flags = [w.strip().lower() for w in re.split(r"[,，;；\s]+", m.group("flags") or "") if w.strip()]
    required = True if _FLAG_REQUIRED & set(flags) else False if _FLAG_OPTIONAL & set(flags) else None
    kind = next((w for w in flags if w not in _FLAG_REQUIRED | _FLAG_OPTIONAL), "") or (
        m.group("typed") or ""
    )
    desc = m.group("desc").strip()
    if required is None:
        required = required_in_words(desc)
    if required is None and re.search(r"\boptional\b", ctx.caption, re.I):
        required = False
    if required is None:
        required = ctx.required_hint  # under `**Required:**` / `**Optional:**`
    example = (m.group("example") or "").strip().strip("`")
    ctx.add_params(
        [
            Field(
                name,
                ln.line,
                type=kind,
                required=required,
                description=desc,
                location=ctx.location,
                example=example,
            )
        ]
    )
    return 1
