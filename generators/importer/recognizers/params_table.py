"""A params or response-fields table: `| Param | Type | Required | Description |` (columns matched by
synonyms); which one it is comes from the label above it (`Params:` / `返回参数说明`)."""

from __future__ import annotations

from dataclasses import replace

from ..blocks import Block
from ..labels import classify_label
from ..tables import column_roles, read_fields_table
from .context import Context
from .label_value import kind_of

KINDS = {"table"}


def read(ctx: Context, block: Block) -> bool:
    doc = ctx.doc
    if block.headerless:
        if not doc.params_header or len(doc.params_header) != len(block.rows[0]):
            return False
        ctx.warn(
            block.line,
            "params-columns",
            "table rows without a header row: read with the doc's usual columns ("
            + " | ".join(doc.params_header)
            + ")",
        )
        block = replace(
            block,
            rows=[doc.params_header, *block.rows],
            row_lines=[block.line, *block.row_lines],
            raw_cells=[len(doc.params_header), *block.raw_cells],
            headerless=False,
        )
    glued: list[tuple[str, int]] = []
    fields = read_fields_table(block, ctx.warn, ctx.ep.notes, glued)
    if fields is None:
        return False
    doc.params_header = block.rows[0]
    # under `Response` / `返回` a table describes the answer's fields; after a sentence such as "Returns
    # one customer." it does only when the operation's parameters are already known
    answers = ctx.label == "response" and (not ctx.prose_label or ctx.param_tables or ctx.ep.params)
    if ctx.label in ("fields", "error") or answers:
        if ctx.label != "error":
            ctx.ep.fields.extend(fields)
    elif "code" not in column_roles(block.rows[0]):
        for f in fields:
            f.location = f.location or ctx.location
        ctx.add_params(fields)
        ctx.param_tables += 1
    if glued:
        from . import read_line

        for text, line in glued:
            if classify_label(text) or kind_of(text):
                read_line(ctx, text, line, block)  # `**Query**` right under the table: the next one's label
            else:
                ctx.ep.notes.append(text.strip("* "))  # a remark on the table
    return True
