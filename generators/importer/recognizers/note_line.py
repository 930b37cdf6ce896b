"""Any other line in an operation's section: part of its description."""

from __future__ import annotations

from .context import Context, Line

KINDS = {"line"}


def read(ctx: Context, ln: Line) -> int:
    if ctx.label in ("notes", "") and not ln.text.endswith((":", "：")) and not ln.text.startswith("|"):
        ctx.ep.notes.append(ln.text)
    return 1
