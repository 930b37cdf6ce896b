"""Recognizers: small rules that each read one kind of clue from a section's blocks.

A section is a heading and the blocks under it. Every recognizer looks at one block (with the
label that precedes it, such as "Params:" or "返回示例") and fills the section's ``Endpoint``:
method and path from a key/value table, a labelled line, a code block, a heading, a bullet or a
blockquote; parameters from a params table; samples from code blocks or raw JSON after a label.
Adding a doc style means adding a recognizer here, nothing else.
"""

from __future__ import annotations

import re
from collections.abc import Callable
from dataclasses import dataclass, field

from ..blocks import Block
from ..ir import DocSample, Endpoint, Field
from ..samples import Sample, read_sample

METHODS = ("GET", "POST", "PUT", "DELETE", "PATCH", "HEAD", "OPTIONS")
_METHOD_RE = "|".join(METHODS)
# `POST /path`, `POST:/path`, `POST path/x`, optionally `**POST** `...`
ENDPOINT_LINE = re.compile(
    rf"^\s*(?:[-*+>]\s*)*[`*]*\s*({_METHOD_RE})\s*[`*]*\s*[:：]?\s*[`*]*\s*"
    r"((?:https?://[^\s`*]+)|(?:/[^\s`*]*)|(?:[A-Za-z_{<:$][\w{}<>:$.\-]*/[^\s`*]*))[`*]*\s*$",
    re.IGNORECASE,
)

# label synonyms, English and Chinese (lowercase, no trailing colon)
URL_LABELS = {
    "url",
    "path",
    "endpoint",
    "请求url",
    "接口地址",
    "请求地址",
    "地址",
    "接口url",
    "接口路径",
    "请求路径",
    "uri",
}
METHOD_LABELS = {
    "method",
    "request method",
    "http method",
    "请求方式",
    "请求方法",
    "方法",
    "请求类型(method)",
}
CTYPE_LABELS = {"content-type", "content type", "请求类型", "请求格式", "数据格式", "message format", "格式"}
DESC_LABELS = {
    "interface description",
    "description",
    "接口描述",
    "接口说明",
    "描述",
    "说明",
    "接口名称",
    "name",
}

NAME_COLS = {
    "param",
    "params",
    "parameter",
    "parameters",
    "name",
    "field",
    "fields",
    "key",
    "参数名",
    "参数",
    "字段",
    "字段名",
    "参数名称",
    "名称",
    "属性",
}
TYPE_COLS = {"data type", "type", "datatype", "类型", "数据类型", "参数类型", "字段类型"}
REQUIRED_COLS = {
    "must",
    "required",
    "必选",
    "必填",
    "是否必填",
    "是否必须",
    "必须",
    "是否必选",
    "require",
    "mandatory",
}
DESC_COLS = {
    "explanation",
    "description",
    "desc",
    "说明",
    "描述",
    "含义",
    "备注说明",
    "comment",
    "参数说明",
    "字段说明",
}
REMARK_COLS = {"remark", "remarks", "备注", "note", "notes"}
DEFAULT_COLS = {"default", "默认值", "默认", "default value"}
NUMBER_COLS = {"#", "no", "no.", "序号", "编号"}
CODE_COLS = {"code", "错误码", "状态码", "error code", "返回码", "code值"}

YES = {"y", "yes", "true", "是", "必选", "必填", "required", "✓", "√", "1", "must"}
NO = {"n", "no", "false", "否", "可选", "选填", "optional", "0", "非必填", "不必填"}

DEPRECATED = re.compile(
    r"\(?\s*(?://\s*)?\bdeprecated\b\s*\)?|（?已?废弃）?|（?已?弃用）?|不再使用", re.IGNORECASE
)
SECTION_NUMBER = re.compile(r"^(\d+(?:\.\d+)*)\.?\s+(.*)$")


def norm_label(s: str) -> str:
    s = re.sub(r"[*`_]+", "", s).strip()
    s = s.rstrip(":：").strip().lower()
    return re.sub(r"\s+", " ", s)


def classify_label(s: str) -> str:
    """What a label announces: request / response / fields / headers / error / notes, or ''."""
    t = norm_label(s)
    if not t or len(t) > 80:
        return ""
    if re.search(r"in headers?|响应头|返回头|headers?$", t):
        return "headers"
    if re.search(r"返回参数说明|返回字段|响应参数说明|响应字段|response fields?|返回参数|出参|字段说明", t):
        return "fields"
    if re.search(r"^fail|error|错误|失败|异常", t):
        return "error"
    if re.search(
        r"sample returned|返回示例|返回值|返回结果|响应示例|响应|response|^return|成功返回|返回数据|^返回$|output"
        r"|repl(?:y|ies)|streamed|回复|流式",
        t,
    ):
        return "response"
    if re.search(r"request|请求体|请求参数|请求示例|^参数|^params?$|^parameters?|^body|^query|入参|input", t):
        return "request"
    if re.search(r"^备注|^remark|^note|^说明$", t):
        return "notes"
    return ""


@dataclass
class Context:
    """What the recognizers know while walking one section's blocks."""

    ep: Endpoint
    label: str = ""  # role announced by the last label
    caption: str = ""  # the last label as written
    pending_kv: str = ""  # a label line waiting for its value on the next line
    warn: Callable[[int, str, str], None] = lambda line, rule, msg: None
    param_tables: int = 0
    extra: dict[str, object] = field(default_factory=dict)


# --- endpoint clues -------------------------------------------------------------------------------


def set_endpoint(ctx: Context, method: str, path: str, line: int) -> None:
    ep = ctx.ep
    if method and not ep.method:
        ep.method, ep.method_line = method.upper(), line
    if path and not ep.path:
        server, path = split_url(path)
        ep.path, ep.path_line = path, line
        if server:
            ep.server = server


def split_url(raw: str) -> tuple[str, str]:
    raw = raw.strip().strip("`\"'")
    m = re.match(r"^(https?://[^/]+)(/.*)?$", raw)
    if m:
        return m.group(1), m.group(2) or "/"
    return "", raw


def recognize_heading(ctx: Context, block: Block) -> bool:
    """`## GET /users/{id}`: method and path in a heading."""
    m = ENDPOINT_LINE.match(block.text)
    if m:
        set_endpoint(ctx, m.group(1), m.group(2), block.line)
        return True
    return False


def recognize_kv_table(ctx: Context, block: Block) -> bool:
    """A two-column key/value table: URL / request method / message format / description rows."""
    if block.kind != "table" or not block.rows or len(block.rows[0]) != 2:
        return False
    hits = 0
    for row, line in zip(block.rows, block.row_lines, strict=False):
        if len(row) < 2 or set(row[0]) <= set("-: "):
            continue
        key, value = norm_label(row[0]), row[1].strip().strip("`")
        if key in URL_LABELS:
            hits += 1
            if value:
                set_endpoint(ctx, "", value, line)
        elif key in METHOD_LABELS:
            hits += 1
            if value.upper() in METHODS:
                set_endpoint(ctx, value, "", line)
        elif key in CTYPE_LABELS:
            hits += 1
            if key == "message format":
                ctx.ep.message_format = value
            else:
                ctx.ep.content_type = value
        elif key in DESC_LABELS:
            hits += 1
            ctx.ep.table_title, ctx.ep.table_title_line = value, line
    return hits > 0


_LABEL_LINE = re.compile(r"^\s*[*_`]*\s*([^:：*_`|]{1,80}?)\s*[*_`]*\s*[:：]\s*[*_`]*\s*(.*?)\s*[*_`]*\s*$")


def recognize_text(ctx: Context, block: Block) -> bool:
    """Lines of text: `请求URL:` / `**请求方式：** POST` / `- POST` / `> DELETE /x` / `POST /x`, labels."""
    found = False
    lines = block.text.split("\n")
    skip_to = 0
    for k, raw in enumerate(lines):
        line_no = block.line + k
        line = raw.strip()
        if not line:
            continue
        if skip_to > k:
            continue
        if line.startswith(("{", "[")) and not ctx.pending_kv:
            # showdoc style: JSON written as plain text after a label such as `返回示例`
            depth, j = 0, k
            while j < len(lines):
                depth += _depth_delta(lines[j].strip())
                j += 1
                if depth <= 0:
                    break
            _add_sample(ctx, "\n".join(lines[k:j]), line_no, "", ctx.label or "response")
            skip_to = j
            found = True
            continue
        m = ENDPOINT_LINE.match(line)
        if m and not ctx.pending_kv:
            set_endpoint(ctx, m.group(1), m.group(2), line_no)
            found = True
            continue
        if ctx.pending_kv:
            kind, ctx.pending_kv = ctx.pending_kv, ""
            value = line.lstrip("-*+ ").strip("`* ")
            if (
                kind == "url"
                and re.match(r"^(https?://|/|[\w{<:$][\w{}<>:$.\-]*/?)", value)
                and " " not in value
            ):
                set_endpoint(ctx, "", value, line_no)
                found = True
                continue
            if kind == "method" and value.upper() in METHODS:
                set_endpoint(ctx, value, "", line_no)
                found = True
                continue
            if kind == "ctype":
                ctx.ep.content_type = value
                continue
        m = _LABEL_LINE.match(line)
        if m:
            key, value = norm_label(m.group(1)), m.group(2).strip().strip("`").strip()
            if key in URL_LABELS:
                if value:
                    set_endpoint(ctx, "", value, line_no)
                else:
                    ctx.pending_kv = "url"
                found = True
                continue
            if key in METHOD_LABELS:
                if value.upper() in METHODS:
                    set_endpoint(ctx, value, "", line_no)
                else:
                    ctx.pending_kv = "method"
                found = True
                continue
            if key in CTYPE_LABELS:
                if value:
                    ctx.ep.content_type = value
                else:
                    ctx.pending_kv = "ctype"
                continue
            role = classify_label(m.group(1))
            if role:
                ctx.label, ctx.caption = role, line
                rest = value
                if role == "notes" and rest:
                    ctx.ep.notes.append(rest)
                if rest.startswith(("{", "[")):
                    _add_sample(ctx, rest, line_no, "", role)
                continue
        low = line.lower()
        if re.search(r"流式|stream", low) and "text/plain" in low:
            ctx.ep.text_stream = True
        short = len(line) <= 30 or line.endswith((":", "："))
        role = classify_label(line) if short and not line.startswith(("{", "[")) else ""
        if role:
            ctx.label, ctx.caption = role, line
            continue
        if ctx.label in ("notes", "") and not line.endswith((":", "：")) and not line.startswith("|"):
            ctx.ep.notes.append(line)
    return found


_CODE_KV = re.compile(r"^\s*[\"']?([A-Za-z][\w -]*?)[\"']?\s*[:：]\s*[\"']?(.*?)[\"']?\s*,?\s*$")


def recognize_code(ctx: Context, block: Block) -> bool:
    """A code block: `METHOD /path` or `url:`/`method:` lines first, then samples split by labels."""
    lines = block.text.split("\n")
    first = block.content_line
    body_start = 0
    for k, raw in enumerate(lines):
        line = raw.strip()
        if not line or line.startswith("//") or line.startswith("#"):
            if line.startswith("//") and "application/json" in line.lower():
                ctx.ep.content_type = "application/json"
            body_start = k + 1
            continue
        m = ENDPOINT_LINE.match(line)
        if m:
            set_endpoint(ctx, m.group(1), m.group(2), first + k)
            body_start = k + 1
            if m.group(1).upper() != "GET":
                # an HTTP message: what follows the request line (here or in the next block) is its body
                ctx.label, ctx.caption = "request", ""
            continue
        m = _CODE_KV.match(line)
        if m and not line.startswith(("{", "[", '"')):
            key = norm_label(m.group(1))
            if key in URL_LABELS:
                set_endpoint(ctx, "", m.group(2), first + k)
                body_start = k + 1
                continue
            if key in METHOD_LABELS and m.group(2).upper() in METHODS:
                set_endpoint(ctx, m.group(2), "", first + k)
                body_start = k + 1
                continue
            if key in CTYPE_LABELS:
                ctx.ep.content_type = m.group(2)
                body_start = k + 1
                continue
        break
    rest = lines[body_start:]
    if not any(ln.strip() for ln in rest):
        return body_start > 0
    # split what is left by label lines at brace depth 0 ("request parameters:", "response:")
    segments: list[tuple[str, int, list[str]]] = []
    role, caption, seg_start, seg = ctx.label, ctx.caption, first + body_start, []
    depth = 0
    for k, raw in enumerate(rest):
        line = raw.strip()
        if (
            depth == 0
            and line
            and not line.startswith(("{", "[", '"', "data:"))
            and line.endswith((":", "："))
        ):
            label_role = classify_label(line)
            if label_role:
                if any(s.strip() for s in seg):
                    segments.append((role, seg_start, seg))
                role, caption, seg, seg_start = label_role, line, [], first + body_start + k + 1
                ctx.label, ctx.caption = label_role, line
                continue
        seg.append(raw)
        depth += _depth_delta(line)
    if any(s.strip() for s in seg):
        segments.append((role, seg_start, seg))
    for role, start, seg in segments:
        # skip leading blank lines so the sample's line numbers stay right
        while seg and not seg[0].strip():
            seg, start = seg[1:], start + 1
        _add_sample(ctx, "\n".join(seg), start, block.info, role or "response", caption)
    return True


def _depth_delta(line: str) -> int:
    s = re.sub(r"\"(?:\\.|[^\"\\])*\"|'(?:\\.|[^'\\])*'", "", line)
    s = re.sub(r"//.*$", "", s)
    return s.count("{") + s.count("[") - s.count("}") - s.count("]")


def _add_sample(ctx: Context, text: str, line: int, lang: str, role: str, caption: str = "") -> None:
    stripped = text.strip()
    if not stripped:
        return
    if role in ("fields", "notes", "") or stripped.startswith("data:"):
        role = "response"  # server-sent events only ever come back from the server
    if stripped.startswith(("{", "[", "data:")):
        sample = read_sample(text, strict_json=lang == "json")
        if sample.groups:
            # JSON lines in blank-line-separated groups: alternative streams, one example each
            n = len(sample.groups)
            for k, group in enumerate(sample.groups, 1):
                items = [sample.items[i] for i in group]
                part = Sample(
                    value=items[-1],
                    items=items,
                    framing="ndjson",
                    repairs=sample.repairs if k == 1 else [],
                    comments=sample.comments,
                    item_lines=[sample.item_lines[i] for i in group],
                )
                label = f"{caption or ctx.caption} (alternative {k} of {n})"
                ctx.ep.samples.append(DocSample(role, line, part, label, lang))
            return
    else:
        sample = Sample(value=stripped, ok=True)
        lang = lang or "text"
    ctx.ep.samples.append(DocSample(role, line, sample, caption or ctx.caption, lang))


# --- tables of fields -----------------------------------------------------------------------------


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
        ):
            if h in names and role not in roles:
                roles[role] = i
                break
    return roles


def read_fields_table(
    block: Block, warn: Callable[[int, str, str], None], notes: list[str] | None = None
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
            return text.strip("`") if role in ("name", "type", "required", "number", "default") else text

        name = cell("name")
        if not name or set(name) <= set("-: "):
            continue
        depth = len(name) - len(name.lstrip("-─—"))
        name = name.lstrip("-─—").strip().strip("`*")
        req_raw = cell("required").lower()
        required = True if req_raw in YES else False if req_raw in NO else None
        desc = cell("description")
        remark = cell("remark")
        if remark:
            desc = f"{desc} ({remark})" if desc else remark
        default = cell("default")
        m = re.search(r"default\s*[:：]\s*(\S+)|默认\s*[:：]?\s*(\S+)", remark)
        if m and not default:
            default = m.group(1) or m.group(2)
        fields.append(Field(name, line, cell("type"), required, desc, default, depth))
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
