"""`mdcontract docs --diff FILE.md`: where a hand-written doc and the spec disagree.

The doc is read back the way the round trip reads regenerated docs (``compare.read_back``: the
importer with no overlay, then the overlay's API-wide policy), and every difference with the
spec becomes a diagnostic at the doc line it is about: the operation's heading, refined to the
line that names the field or parameter when there is one.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from itertools import pairwise
from pathlib import Path
from typing import Any

from ..overlay import load_overlay
from .compare import HTTP_METHODS, Difference, differences, read_back
from .render import load_spec

RULE = "docs-drift"


@dataclass
class Drift:
    file: str
    line: int
    message: str

    def text(self) -> str:
        return f"{self.file}:{self.line}: warning: {self.message} [{RULE}]"


def drift(doc: Path, spec_dir: Path, api: str | None = None) -> list[Drift]:
    api = api or doc.stem
    spec = load_spec(spec_dir / f"{api}.yaml")
    overlay_path = spec_dir / "overlays" / f"{api}.yaml"
    overlay = load_overlay(overlay_path) if overlay_path.is_file() else None
    text = doc.read_text(encoding="utf-8")
    _, back = read_back(text, api, overlay)
    lines = text.split("\n")
    sections = _sections(back, len(lines))
    found = [Drift(str(doc), _line(d, sections, lines), d.message()) for d in differences(spec, back)]
    return sorted(found, key=lambda x: (x.line, x.message))


def _sections(spec: dict[str, Any], end: int) -> dict[tuple[str, str], tuple[int, int]]:
    """(METHOD, path) -> the doc lines the operation's section spans."""
    starts = []
    for path, item in (spec.get("paths") or {}).items():
        for method, op in item.items():
            if method in HTTP_METHODS:
                starts.append(((op.get("x-source") or {}).get("line", 1), (method.upper(), path)))
    starts.sort()
    spans = {}
    for k, (line, key) in enumerate(starts):
        stop = starts[k + 1][0] - 1 if k + 1 < len(starts) else end
        spans[key] = (line, max(line, stop))
    return spans


def _line(d: Difference, sections: dict[tuple[str, str], tuple[int, int]], lines: list[str]) -> int:
    op = d.operation
    if op is None and len(d.pointer) >= 2 and d.pointer[0] == "paths":
        methods = [m for m in HTTP_METHODS if (m.upper(), d.pointer[1]) in sections]
        op = (methods[0].upper(), d.pointer[1]) if methods else None
    start, stop = sections.get(op, (1, len(lines))) if op else (1, len(lines))
    for needle in _needles(d.pointer):
        pattern = re.compile(rf"(?<![\w-]){re.escape(needle)}(?![\w-])")
        for n in range(start, stop + 1):
            if pattern.search(lines[n - 1]):
                return n
    return start


def _needles(pointer: tuple[str, ...]) -> list[str]:
    """The names a difference is about, most specific first: a field, a parameter, a header."""
    names = []
    in_value = False
    for before, part in pairwise(pointer):
        if before in ("properties", "headers"):
            names.append(part)
        elif before == "parameters":
            names.append(part.split(" ", 1)[-1])
        elif before == "value":
            in_value = True
        if in_value and not part.isdigit():
            names.append(part)
    return names[::-1]
