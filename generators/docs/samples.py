"""Samples as the docs write them: valid JSON, one member per line, with `// comments`.

The comments carry the descriptions of the fields (and whether a request field is required)
exactly where the hand-written docs put them, and where the importer's sample reader picks them
up again: after the member's line, or after the opening brace of a member whose value is an
object or an array. Strip the comments and what is left is plain JSON.
"""

from __future__ import annotations

import json
from typing import Any

KeyPath = tuple[str, ...]  # a field's keys from the sample root; "[]" steps into an array


def dump_sample(value: Any, comments: dict[KeyPath, str] | None = None, indent: int = 4) -> str:
    """`value` as pretty JSON with each commented member followed by `// comment`."""
    lines: list[str] = []
    _dump(value, (), 0, "", "", comments or {}, indent, lines)
    return "\n".join(lines)


def _scalar(value: Any) -> str:
    # YAML reads an unquoted `2024-01-01` as a date: written as the ISO text it was
    return json.dumps(value, ensure_ascii=False, default=str)


def _dump(
    value: Any,
    path: KeyPath,
    depth: int,
    prefix: str,
    comma: str,
    comments: dict[KeyPath, str],
    indent: int,
    out: list[str],
) -> None:
    pad = " " * (indent * depth)
    note = comments.get(path) if path else None
    tail = f" // {_one_line(note)}" if note else ""
    if isinstance(value, dict) and value:
        out.append(f"{pad}{prefix}{{{tail}")
        keys = list(value)
        for i, k in enumerate(keys):
            sep = "," if i < len(keys) - 1 else ""
            _dump(value[k], (*path, str(k)), depth + 1, f"{_scalar(str(k))}: ", sep, comments, indent, out)
        out.append(f"{pad}}}{comma}")
    elif isinstance(value, list) and value and all(not isinstance(v, dict | list) for v in value):
        # a short list of plain values stays on one line, as the hand-written samples write it
        out.append(f"{pad}{prefix}[{', '.join(_scalar(v) for v in value)}]{comma}{tail}")
    elif isinstance(value, list) and value:
        out.append(f"{pad}{prefix}[{tail}")
        for i, item in enumerate(value):
            sep = "," if i < len(value) - 1 else ""
            _dump(item, (*path, "[]"), depth + 1, "", sep, comments, indent, out)
        out.append(f"{pad}]{comma}")
    else:
        text = "{}" if isinstance(value, dict) else "[]" if isinstance(value, list) else _scalar(value)
        out.append(f"{pad}{prefix}{text}{comma}{tail}")


def _one_line(text: str) -> str:
    return " ".join(text.split("\n")).strip()


def strip_comments(text: str) -> str:
    """The JSON left when the `//` comments are taken out (strings are left alone)."""
    out: list[str] = []
    for line in text.split("\n"):
        in_string = escaped = False
        for i, ch in enumerate(line):
            if in_string:
                if escaped:
                    escaped = False
                elif ch == "\\":
                    escaped = True
                elif ch == '"':
                    in_string = False
            elif ch == '"':
                in_string = True
            elif line.startswith("//", i):
                line = line[:i].rstrip()
                break
        out.append(line)
    return "\n".join(out)
