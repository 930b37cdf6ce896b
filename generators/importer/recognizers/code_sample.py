"""A sample in a code block: JSON, a JS literal, `key: value` lines, JSON lines (a stream), SSE
`data:` events or plain text. Label lines inside the block (`response:`, `* 登陆失败`) split it."""

from __future__ import annotations

import re

from ..blocks import Block
from ..labels import classify_label
from .context import Context

KINDS = {"code"}

# what a block says when there is nothing: `无`, `none`, `N/A`
_NOTHING = re.compile(r"^\s*(无|没有|空|none|n/a|null|-+|略\.*)\s*$", re.I)


# a program calling the API (`$.ajax({...})`, `requests.get(...)`) shows how to call, not a payload
_PROGRAM_LANGS = {
    "javascript", "js", "jsx", "ts", "typescript", "python", "py", "ruby", "rb", "php", "go", "golang",
    "java", "kotlin", "swift", "csharp", "cs", "c#", "dart", "rust", "objectivec", "objc", "shell", "bash",
    "sh", "zsh", "powershell", "console",
}  # fmt: skip
_PROGRAM = re.compile(
    r"^\s*(\$\s|\$\.|import\s|from\s\S+\simport|require\(|const\s|let\s|var\s|function\b|def\s|fetch\(|axios|"
    r"curl\s|wget\s|npm\s|pip\s|http\.|requests\.|<\?php|package\s|public\s|func\s)",
    re.M,
)


def read(ctx: Context, block: Block) -> bool:
    if _NOTHING.match(block.text) or not block.text.strip():
        return True
    if (
        block.info in _PROGRAM_LANGS
        and not block.text.lstrip().startswith(("{", "["))
        and _PROGRAM.search(block.text)
    ):
        return True
    lines = block.text.split("\n")
    first = block.content_line
    while lines and (not lines[0].strip() or lines[0].strip().startswith(("//", "#"))):
        lines, first = lines[1:], first + 1
    segments: list[tuple[str, str, int, list[str]]] = []
    role, caption, seg_start, seg = ctx.label, ctx.caption, first, []
    depth = 0
    for k, raw in enumerate(lines):
        line = raw.strip()
        label_role = _label(line) if depth == 0 else ""
        if label_role:
            if any(s.strip() for s in seg):
                segments.append((role, caption, seg_start, seg))
            role, caption, seg, seg_start = label_role, line.lstrip("*-+ "), [], first + k + 1
            ctx.label, ctx.caption = label_role, caption
            continue
        seg.append(raw)
        depth = max(0, depth + depth_delta(line))
    if any(s.strip() for s in seg):
        segments.append((role, caption, seg_start, seg))
    for role, caption, start, seg in segments:
        # skip leading blank lines so the sample's line numbers stay right
        while seg and not seg[0].strip():
            seg, start = seg[1:], start + 1
        ctx.add_sample("\n".join(seg), start, block.info, role, caption)
    return True


def _label(line: str) -> str:
    """A label line inside a block: `response:` / `* 登陆成功` / `失败` (not JSON, short)."""
    if not line or line.startswith(("{", "[", '"', "'", "data:", "//", "}", "]")):
        return ""
    bullet = line[:1] in "*-+" and not line.startswith("--")
    if not (line.endswith((":", "：")) or bullet or len(line) <= 8):
        return ""
    text = line.lstrip("*-+ ").strip()
    if re.search(r"[{}\"=;]", text):
        return ""
    return classify_label(text)


def depth_delta(line: str) -> int:
    s = re.sub(r"\"(?:\\.|[^\"\\])*\"|'(?:\\.|[^'\\])*'", "", line)
    s = re.sub(r"//.*$", "", s)
    return s.count("{") + s.count("[") - s.count("}") - s.count("]")
