"""The HTML reference in the API's own language.

Two sources of English in a spec whose doc is Chinese, and what this module does about each:

- sentences the importer writes itself ("Success.", "null in every documented sample; ..."): it
  knows them, so they are translated here, by pattern;
- sentences a human wrote in an overlay ("Missing or invalid token."): the overlay gives the
  translation next to the text, in an `x-i18n` extension keyed by language, then by field:

      Unauthorized:
        description: Missing or invalid token.
        x-i18n: {zh: {description: 缺少 token 或 token 无效。}}

`localize` returns a copy of the spec with both applied; the HTML is rendered from that copy. The
markdown docs are not: they are read back into the spec, so they keep the spec's own words.
"""

from __future__ import annotations

import re
from collections.abc import Callable
from typing import Any

I18N = "x-i18n"
TEXT_FIELDS = ("description", "summary")
# Values a client sends or receives: never translated, whatever their keys are called.
VERBATIM = frozenset({"example", "value", "default", "enum", "x-oai-serializedValue", "x-when"})
# Maps whose keys are names someone chose (an example called `default`, a field called `value`):
# each entry is an object to localize, whatever its name.
NAMED = frozenset(
    {
        "paths",
        "properties",
        "responses",
        "examples",
        "headers",
        "content",
        "schemas",
        "parameters",
        "requestBodies",
        "securitySchemes",
        "links",
        "callbacks",
        "encoding",
    }
)

Rule = tuple[re.Pattern[str], Callable[[re.Match[str]], str]]

# What `generators/normalize.py` writes, in the order it could be written. A sentence that matches
# none (the importer changed its words) stays in English, and the language test says so.
_RULES: dict[str, list[Rule]] = {
    "zh": [
        (re.compile(r"^Success\.$"), lambda m: "成功。"),
        (
            re.compile(r"^Success: a stream of JSON lines \(NDJSON\), one item per line\.$"),
            lambda m: "成功：JSON 行流（NDJSON），每行一项。",
        ),
        (
            re.compile(r"^Success: a stream of server-sent events, one JSON item per `data:` event\.$"),
            lambda m: "成功：服务器推送事件流（SSE），每个 `data:` 事件一项 JSON。",
        ),
        (re.compile(r"^Success: a stream of plain text\.$"), lambda m: "成功：纯文本流。"),
        (
            re.compile(r"^null in every documented sample; the type is not documented$"),
            lambda m: "文档的所有示例中均为 null，类型未说明",
        ),
        (
            re.compile(r"^written in the doc's path as `([^`]*)`$"),
            lambda m: f"文档写在路径中：`{m.group(1)}`",
        ),
        (
            re.compile(r"^An error, in the API's envelope with a non-zero `([^`]+)`: (.*)\.$", re.DOTALL),
            lambda m: f"错误，使用本 API 的统一返回格式，`{m.group(1)}` 不为 0：{m.group(2)}。",
        ),
        (
            re.compile(
                r"^(.*?)\s*Streamed: this schema describes ONE item of the stream \(OpenAPI 3\.2 `itemSchema`\)\.$"
            ),
            lambda m: (
                (m.group(1) + " " if m.group(1) else "")
                + "流式返回：此结构描述流中的一项（OpenAPI 3.2 `itemSchema`）。"
            ),
        ),
        (
            re.compile(
                r"^The response envelope this API wraps every answer in(?:; `([^`]+)` (.+) means success)?\.$"
            ),
            lambda m: (
                "本 API 所有返回的统一格式"
                + (f"；`{m.group(1)}` 为 {m.group(2)} 表示成功" if m.group(1) else "")
                + "。"
            ),
        ),
    ],
}


def translate(text: str, lang: str) -> str:
    """An importer-written sentence in `lang`; any other text as it is."""
    for pattern, write in _RULES.get(lang, []):
        m = pattern.match(text)
        if m:
            return write(m)
    return text


def localize(node: Any, lang: str) -> Any:
    """A copy of a spec (or any part of it) with its descriptions and summaries in `lang`."""
    if isinstance(node, list):
        return [localize(item, lang) for item in node]
    if not isinstance(node, dict):
        return node
    own = (node.get(I18N) or {}).get(lang) or {}
    out: dict[str, Any] = {}
    for key, value in node.items():
        if key == I18N:
            continue
        if key in TEXT_FIELDS and isinstance(value, str):
            given = own.get(key)
            out[key] = given if isinstance(given, str) else translate(value, lang)
        elif key in NAMED and isinstance(value, dict):
            out[key] = {name: localize(item, lang) for name, item in value.items()}
        elif key in VERBATIM:
            out[key] = value
        else:
            out[key] = localize(value, lang)
    return out
