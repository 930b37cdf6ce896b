"""Tables of fields (parameters, response fields, error codes): columns matched by their synonyms."""

from __future__ import annotations

import re
from collections.abc import Callable

from .blocks import Block
from .ir import Field
from .labels import (
    CODE_COLS,
    DEFAULT_COLS,
    DESC_COLS,
    EXAMPLE_COLS,
    LOCATION_COLS,
    NAME_COLS,
    NO,
    NUMBER_COLS,
    REMARK_COLS,
    REQUIRED_COLS,
    TYPE_COLS,
    YES,
    norm_label,
    param_location,
)

# Nesting written before a field name: `-id`, `--id`, `└ id`, em spaces (`&#8195;`), full-width spaces.
_NESTING = re.compile(r"^((?:&#8195;|&emsp;|&nbsp;|\u2003|\u3000|[-─—└├│]\s*)+)")


_SAYS_REQUIRED = re.compile(
    r"^\W*required\b|[（(【\[]\s*(必填|必选|必须|required)\s*[】)）\]]|^必填|^必选", re.I
)
_SAYS_OPTIONAL = re.compile(
    r"^\W*optional\b|[（(【\[]\s*(选填|可选|optional)\s*[】)）\]]|可空|可为\s*null|ignore this field|^选填|^可选",
    re.I,
)


def required_in_words(text: str) -> bool | None:
    """`**Required** Keyword of username`, `可空`, `Ignore this field to leave it unchanged`."""
    if _SAYS_REQUIRED.search(text):
        return True
    if _SAYS_OPTIONAL.search(text):
        return False
    return None


def column_roles(header: list[str]) -> dict[str, int]:
    roles: dict[str, int] = {}
    for i, cell in enumerate(header):
        h = norm_label(cell)
        for role, names in (
            ("number", NUMBER_COLS),
            ("name", NAME_COLS),
            ("type", TYPE_COLS),
            ("required", REQUIRED_COLS),
            ("description", DESC_COLS),
            ("remark", REMARK_COLS),
            ("default", DEFAULT_COLS),
            ("code", CODE_COLS),
            ("location", LOCATION_COLS),
            ("example", EXAMPLE_COLS),
        ):
            if h in names and role not in roles:
                roles[role] = i
                break
    return roles


def read_fields_table(
    block: Block,
    warn: Callable[[int, str, str], None],
    notes: list[str] | None = None,
    glued: list[tuple[str, int]] | None = None,
) -> list[Field] | None:
    """A params / fields table, or None when the table is not one."""
    if block.kind != "table" or len(block.rows) < 2:
        return None
    roles = column_roles(block.rows[0])
    if "name" not in roles or not ({"type", "description", "required"} & roles.keys()):
        return None
    width = len(block.rows[0])
    fields: list[Field] = []
    numbers: list[tuple[str, int]] = []
    for row, line, raw_count in zip(block.rows[1:], block.row_lines[1:], block.raw_cells[1:], strict=False):
        if raw_count == 1 and width > 1:
            # a line written right under the table: markdown renders it as a row; it is the line it is
            if glued is not None:
                glued.append((row[0], line))
                warn(
                    line,
                    "params-columns",
                    f"the line {row[0]!r} right under the table is read as a table row by markdown; "
                    "read here as the line it is",
                )
                continue
            warn(
                line,
                "params-columns",
                "a line of text right under the table is read as a table row; taken as a note",
            )
            if notes is not None:
                notes.append(row[0].strip("* "))
            continue
        if raw_count != width:
            warn(
                line,
                "params-columns",
                f"table row has {raw_count} cells but the header has {width}; cells read by position",
            )
        cells = [*row, *[""] * width][:width]

        def cell(role: str, cells: list[str] = cells) -> str:
            if role not in roles:
                return ""
            text = cells[roles[role]].strip()
            # backticks around a whole name or type are markup; inside a description they are content
            return (
                text.strip("`")
                if role in ("name", "type", "required", "number", "default", "location", "example")
                else text
            )

        name = cell("name").replace("\u00a0", " ").strip()
        if not name or set(name) <= set("-: "):
            continue
        nesting = _NESTING.match(name)
        depth = 0
        if nesting:
            marks = nesting.group(1)
            dashes = len(re.findall(r"[-─—]", marks))
            tree = len(re.findall(r"[└├│]", marks))
            spaces = len(re.findall(r"&#8195;|&emsp;|&nbsp;|[\u2003\u3000]", marks))
            depth = dashes or tree or max(1, spaces // 2)
            name = name[nesting.end() :]
        name = name.strip().strip("`*").strip()
        if not name:
            continue
        req_raw = cell("required").replace("\u00a0", " ").strip().lower()
        required = True if req_raw in YES else False if req_raw in NO else None
        desc = cell("description")
        if required is None:
            required = required_in_words(desc)
        remark = cell("remark")
        if remark:
            desc = f"{desc} ({remark})" if desc else remark
        default = cell("default")
        m = re.search(r"default\s*[:：]\s*(\S+)|默认\s*[:：]?\s*(\S+)", remark)
        if m and not default:
            default = m.group(1) or m.group(2)
        where = cell("location")
        location = param_location(where) or ("query" if where.lower() == "url" else "")
        fields.append(
            Field(name, line, cell("type"), required, desc, default, depth, location, cell("example"))
        )
        if "number" in roles:
            numbers.append((cell("number"), line))
    _check_numbering(numbers, warn)
    return fields


def _check_numbering(numbers: list[tuple[str, int]], warn: Callable[[int, str, str], None]) -> None:
    if not numbers or all(not n for n, _ in numbers):
        return
    for k, (n, line) in enumerate(numbers, 1):
        if n != str(k):
            written = ", ".join(x or "?" for x, _ in numbers)
            warn(
                line,
                "params-numbering",
                f"params table numbering is off: row {k} is numbered {n or 'nothing'} ({written})",
            )
            return
