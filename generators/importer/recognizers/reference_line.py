""" "Parameters and response are the same as for the regular list endpoint." / "参数同上": what an
operation takes or answers is documented at another one (resolved once every section is read)."""

from __future__ import annotations

import re

from .context import Context, Line

KINDS = {"line"}
CLAIMS = False  # reads a sentence and leaves it to the description

_EN = re.compile(
    r"\b(parameters?|params|query parameters|request body|body|responses?|answer)"
    r"(?:\s+and\s+(parameters?|params|responses?|body))?\s+(?:are|is)\s+(?:exactly\s+)?the\s+same\s+as\s+"
    r"(?:for\s+|in\s+|of\s+)?(?:the\s+)?(.*?)\s*(?:endpoint|operation|call|api|section)?\s*[.。]?$",
    re.I,
)
_ZH = re.compile(
    r"(参数|请求参数|返回|返回值|响应)(?:和|与|及|、)?(参数|返回|返回值|响应)?\s*(?:同|与|参考|参见)\s*(.*?)\s*(?:相同|一致|接口)?\s*[。.]?$"
)


def read(ctx: Context, ln: Line) -> int:
    if not ctx.ep.path:
        return 0
    m = _EN.search(ln.text) or _ZH.search(ln.text)
    if not m:
        return 0
    what = " ".join(w for w in (m.group(1), m.group(2)) if w).lower()
    parts = {
        "params" if re.search(r"param|参数|body", what) else "",
        "response" if re.search(r"respon|answer|返回|响应", what) else "",
    }
    target = m.group(3).strip() or "上"
    ctx.ep.references.append((ln.line, ",".join(sorted(p for p in parts if p)), target))
    return 0
