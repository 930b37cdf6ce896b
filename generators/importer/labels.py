"""The words docs use for what they show: labels, table columns, methods, types; English and Chinese.

Every recognizer reads its clue through this vocabulary, so a synonym added here is understood by
all of them (a `请求地址` column, a `请求地址：` line and a `### 请求地址` heading alike).
"""

from __future__ import annotations

import functools
import re

METHODS = ("GET", "POST", "PUT", "DELETE", "PATCH", "HEAD", "OPTIONS")
# Abbreviations people write in method cells; read as the method, with a warning (it is not HTTP).
METHOD_ALIASES = {"DEL": "DELETE"}
_METHOD_RE = "|".join(METHODS)
# `POST /path`, `POST:/path`, `POST path/x`, optionally `**POST** `...`
ENDPOINT_LINE = re.compile(
    rf"^\s*(?:[-*+>]\s*)*[`*]*\s*({_METHOD_RE})\s*[`*]*\s*[:：]?\s*[`*]*\s*"
    r"((?:https?://[^\s`*]+)|(?:/[^\s`*]*)|(?:[A-Za-z_{<:$][\w{}<>:$.\-]*/[^\s`*]*))[`*]*\s*$",
    re.IGNORECASE,
)
_SPACED_PARAM = re.compile(r"\{\s+([\w$-]+)\s+\}")


_BRACKETED_METHOD = re.compile(
    rf"^(\s*(?:[-*+>]\s*)*)[\[【(（]\s*({_METHOD_RE})\s*[\]】)）]\s*", re.IGNORECASE
)
_METHOD_AFTER = re.compile(rf"^(\s*\S+?)\s*[(（\[【]\s*({_METHOD_RE})\s*[)）\]】]\s*$", re.IGNORECASE)


def match_request_line(text: str) -> re.Match[str] | None:
    """`METHOD /path` (see ENDPOINT_LINE); also `【POST】 /path`, `/path（POST）`, and `{ id }` with
    spaces inside the braces read as `{id}`."""
    text = _SPACED_PARAM.sub(r"{\1}", text)
    text = _BRACKETED_METHOD.sub(r"\1\2 ", text)
    after = _METHOD_AFTER.match(text)
    if after and after.group(1).lstrip("`*").startswith(("/", "http")):
        text = f"{after.group(2)} {after.group(1)}"
    return ENDPOINT_LINE.match(text)


# `url: /x` / `"method": "POST"` inside a code block
CODE_KV = re.compile(r"^\s*[\"']?([A-Za-z][\w -]*?)[\"']?\s*[:：]\s*[\"']?(.*?)[\"']?\s*,?\s*$")

URL_LABELS = {
    "url",
    "path",
    "endpoint",
    "http url",
    "request url",
    "请求url",
    "接口地址",
    "请求地址",
    "地址",
    "接口url",
    "接口路径",
    "请求路径",
    "调用地址",
    "uri",
}
SERVER_LABELS = {"base url", "baseurl", "base", "基础url", "请求地址(base)", "服务器地址", "服务地址", "host"}
METHOD_LABELS = {
    "method",
    "methods",
    "request method",
    "http method",
    "http-method",
    "http请求方式",
    "请求方式",
    "请求方法",
    "调用方法",
    "接口类型",
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
    "字段名称",
    "参数字段",
    "名称",
    "属性",
    "变量名",
    "键",
    "请求参数",
    "返回参数",
    "响应参数",
    "返回字段",
    "响应字段",
    "入参",
    "出参",
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
    "必要性",
    "必需",
    "是否必需",
    "必传",
    "是否必传",
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
    "内容",
    "备注说明",
    "comment",
    "参数说明",
    "参数描述",
    "参数含义",
    "字段说明",
    "字段描述",
    "meaning",
}
REMARK_COLS = {"remark", "remarks", "备注", "note", "notes"}
DEFAULT_COLS = {"default", "默认值", "默认", "default value"}
LOCATION_COLS = {"in", "location", "位置", "参数位置", "传参方式", "传递方式", "参数来源", "param type"}
EXAMPLE_COLS = {
    "参数值",
    "example",
    "examples",
    "sample",
    "示例",
    "示例值",
    "例子",
    "样例",
    "example value",
    "value",
    "值",
}
NUMBER_COLS = {"#", "no", "no.", "序号", "编号"}
CODE_COLS = {"code", "错误码", "状态码", "error code", "返回码", "code值"}

# (`ture`: a typo a widely copied Chinese doc template carries)
YES = {
    "y",
    "yes",
    "true",
    "ture",
    "是",
    "必选",
    "必填",
    "必要",
    "必须",
    "必需",
    "必传",
    "required",
    "✓",
    "√",
    "1",
    "must",
}
NO = {
    "n",
    "no",
    "false",
    "否",
    "可选",
    "选填",
    "非必要",
    "非必须",
    "optional",
    "0",
    "非必填",
    "不必填",
    "可空",
}

# Sub-headings that name a part of an operation's section (Slate's `### HTTP Request`, `#### 请求参数`)
LABEL_HEADINGS = {
    "http request", "request", "requests", "response", "responses", "parameters", "params",
    "query parameters", "query params", "url parameters", "path parameters", "body parameters",
    "form parameters", "request parameters", "response parameters", "request body", "response body",
    "request example", "response example", "example request", "example response", "example", "examples",
    "request headers", "response headers", "headers", "returns", "return value", "response fields",
    "请求", "返回", "响应", "参数", "请求参数", "返回参数", "响应参数", "请求示例", "返回示例", "响应示例",
    "返回值", "返回结果", "请求体", "请求头", "返回字段", "响应字段", "参数说明", "返回说明", "返回数据",
    "响应数据", "请求数据", "基本信息", "基础信息", "接口信息", "basic information", "basic info",
}  # fmt: skip

DEPRECATED = re.compile(
    r"\(?\s*(?://\s*)?\bdeprecated\b\s*\)?|（?已?废弃）?|（?已?弃用）?|不再使用", re.IGNORECASE
)
SECTION_NUMBER = re.compile(r"^(\d+(?:\.\d+)*)[.、]?\s*(.*)$")
STATUS_CODE = re.compile(r"(?<![\d.])([1-5]\d\d)(?![\d.])")


_MARKUP = re.compile(r"[*`_]+")
_SPACES = re.compile(r"\s+")


@functools.lru_cache(maxsize=4096)
def norm_label(s: str) -> str:
    # Cached: a doc repeats its few labels thousands of times (every table cell is asked).
    s = _MARKUP.sub("", s).replace("\u00a0", " ").strip()
    s = s.rstrip(":：").strip().lower()
    return _SPACES.sub(" ", s)


def method_word(s: str) -> str:
    """`POST`, `post`, `` `DEL` `` -> the HTTP method, or ''."""
    w = s.strip().strip("`*_ ").upper()
    return w if w in METHODS else METHOD_ALIASES.get(w, "")


def classify_label(s: str) -> str:
    """What a label announces: request / response / fields / headers (returned) / request-headers /
    error / notes, or ''."""
    t = norm_label(s)
    if not t or len(t) > 80:
        return ""
    if re.search(r"(返回|响应|response|return).*(头|headers?)|响应头|返回头|in headers?", t):
        return "headers"
    if re.search(r"^(request )?headers?$|^请求头|^header 参数|^headers? param", t):
        return "request-headers"
    if re.search(
        r"返回参数说明|返回字段|响应参数说明|响应字段|response fields?|返回参数|返回说明|出参|字段说明", t
    ):
        return "fields"
    if re.search(r"^fail|error|错误|失败|异常", t):
        return "error"
    if re.search(
        r"sample returned|返回示例|返回值|返回结果|响应示例|响应|response|^return|returns?:?$|成功返回|返回数据|^返回$|output"
        r"|repl(?:y|ies)|streamed|回复|流式|成功$|^成功",
        t,
    ):
        return "response"
    if re.search(
        r"request|请求体|请求参数|请求示例|正文参数|^参数|参数$|^params?$|^parameters?|parameters?$|params$|^body|^query"
        r"|^payload|payload$|入参|input",
        t,
    ):
        return "request"
    if re.search(r"^备注|^remark|^note|^说明$", t):
        return "notes"
    return ""


_PROSE_RESPONSE = re.compile(
    r"^(it |this )?(will |should )?(returns?|responds?|answers?)\b|^the (response|answer|result)\b|\bresponse body\b"
    r"|^(example|sample) (response|output)|^返回|^响应|^成功返回",
    re.IGNORECASE,
)
_PROSE_REQUEST = re.compile(
    r"^(it |this endpoint |the endpoint )?(expects|requires|accepts|takes)\b.*\b(json|body|object|payload|data)\b"
    r"|^(you can |you must |you should )?(send|pass|post|submit|provide)\b.*\b(json|body|object|payload|data)\b"
    r"|^(example|sample) (payload|request|body)|^request body\b|^请求示例|^请求体",
    re.IGNORECASE,
)


def classify_prose(sentence: str) -> str:
    """The role a sentence right before a sample gives it ("Expects a JSON object ...", "Returns ..."), or ''."""
    s = re.sub(r"[*`_]+", "", sentence).strip()
    if not s or len(s) > 300:
        return ""
    if _PROSE_REQUEST.search(s):
        return "request"
    if _PROSE_RESPONSE.search(s):
        return "response"
    return ""


def param_location(label: str) -> str:
    """Where the parameters a label announces go: query / path / header / body / form, or ''."""
    t = norm_label(label)
    if re.search(r"urlencoded|form-?data|form-encoded|表单", t):
        return "form"
    if re.search(r"\bquery\b|查询参数|url参数|query参数|get param", t):
        return "query"
    if re.search(r"\bpath\b|路径参数|\bparam$|路由参数", t):
        return "path"
    if re.search(r"\bheaders?\b|请求头", t) and "return" not in t and "返回" not in t:
        return "header"
    if re.search(r"\bbody\b|\bdata param|请求体|正文|payload|json", t):
        return "body"
    return ""


def status_in(caption: str) -> str:
    """The HTTP status a caption names (`Error 404`, `201 Created:`, `HTTP/1.1 400`), or ''."""
    t = norm_label(caption)
    m = STATUS_CODE.search(t)
    if not m:
        return ""
    if re.search(
        r"http|status|error|code|response|return|错误|失败|状态|返回|响应|ok|created|accepted|found", t
    ) or (re.fullmatch(r"[1-5]\d\d(\s+[a-z ]+)?", t)):
        return m.group(1)
    return ""
