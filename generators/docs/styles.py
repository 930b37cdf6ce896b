"""Which template set renders an API: the style its hand-written source is written in.

Four styles, named after the clue that gives each away (the same clues the importer's
recognizers read):

- ``table``: a key/value "Basic Information" table with URL and request-method rows, a numbered
  params table, ```javascript samples (character);
- ``codeblock``: `url:` / `method:` lines and labelled JS literals inside untagged code blocks
  (session-store);
- ``showdoc``: `请求URL:` / `请求方式:` lines, a params table, `返回示例`, `返回参数说明` (aichat);
- ``http``: a ```http block with `METHOD /path`, then `#### 请求体` / `#### 返回值` json blocks (yike).

The language (``en`` or ``zh``) is read from the source too. `info.x-doc-style` (and
`info.x-doc-lang`) in the spec, which an overlay can set, override both.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from typing import Any

from ..importer.blocks import parse_blocks
from ..importer.labels import CODE_KV as _CODE_KV
from ..importer.labels import ENDPOINT_LINE, METHOD_LABELS, URL_LABELS, norm_label

STYLES = ("table", "codeblock", "showdoc", "http")
DEFAULT = "table"


@dataclass(frozen=True)
class Style:
    name: str  # one of STYLES: the template directory
    lang: str  # "en" | "zh"


def detect_style(text: str) -> Style:
    """The style a markdown doc is written in: the kind of endpoint clue it uses most."""
    blocks, _ = parse_blocks(text)
    votes = dict.fromkeys(STYLES, 0)
    for b in blocks:
        if b.kind == "table" and b.rows and len(b.rows[0]) == 2:
            keys = {norm_label(row[0]) for row in b.rows if row}
            if keys & URL_LABELS and keys & METHOD_LABELS:
                votes["table"] += 1
        elif b.kind == "code":
            lines = [ln.strip() for ln in b.text.split("\n") if ln.strip()]
            if lines and ENDPOINT_LINE.match(lines[0]):
                votes["http"] += 1
            elif any((m := _CODE_KV.match(ln)) and norm_label(m.group(1)) in URL_LABELS for ln in lines[:4]):
                votes["codeblock"] += 1
        elif b.kind == "text":
            for ln in b.text.split("\n"):
                label = norm_label(ln.split(":")[0].split("：")[0])
                if label in URL_LABELS and label != "url" and re.search(r"[:：]\s*$", ln.strip()):
                    votes["showdoc"] += 1
    best = max(STYLES, key=lambda s: (votes[s], -STYLES.index(s)))
    return Style(best if votes[best] else DEFAULT, detect_lang(text))


def detect_lang(text: str) -> str:
    """`zh` when Chinese carries the prose (labels, headings), else `en`."""
    cjk = len(re.findall(r"[\u4e00-\u9fff]", text))
    latin_words = len(re.findall(r"(?<![\w/.])[A-Za-z]{3,}(?![\w/.])", _prose(text)))
    return "zh" if cjk > latin_words else "en"


def _prose(text: str) -> str:
    """The doc without its code blocks and samples (field names are not the doc's language)."""
    text = re.sub(r"```.*?```", "", text, flags=re.DOTALL)
    sample_line = re.compile(r"^\s*([{}\[\]\"']|[\w-]+\s*:\s*\S)")
    return "\n".join(ln for ln in text.split("\n") if not sample_line.match(ln))


def choose_style(spec: dict[str, Any], source_text: str | None) -> Style:
    info = spec.get("info") or {}
    detected = detect_style(source_text) if source_text else Style(DEFAULT, "en")
    name = info.get("x-doc-style") or detected.name
    if name not in STYLES:
        raise ValueError(f"info.x-doc-style {name!r} is not one of {', '.join(STYLES)}")
    return Style(name, info.get("x-doc-lang") or detected.lang)
