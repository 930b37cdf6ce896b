"""`### 请求URL：` / `### Response` under an endpoint's heading: a label, read like a label line.

(The reader keeps such headings inside the section above them rather than opening a new section.)"""

from __future__ import annotations

from ..blocks import Block
from .context import Context

KINDS = {"heading"}


def read(ctx: Context, block: Block) -> bool:
    if block.line == ctx.section_line:
        return False  # the section's own title is not a label
    from . import read_line  # the line recognizers read it

    read_line(ctx, block.text, block.line, block)
    return True
