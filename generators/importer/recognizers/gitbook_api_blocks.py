"""GitBook's API blocks: `{% api-method method="get" host="..." path="/v1/cakes/:id" %}` or
`{% swagger method="get" path="..." baseUrl="..." summary="..." %}`, with parameter tags
(`{% api-method-parameter name="id" type="string" required=true %}` in a path/query/headers/body
group, `{% swagger-parameter in="path" name="id" %}`), and answers per status
(`{% api-method-response-example httpCode=200 %}`, `{% swagger-response status="200" %}`)."""

from __future__ import annotations

import re

from ..ir import Field
from ..labels import method_word
from .context import Context, Line

KINDS = {"line"}

_TAG = re.compile(r"^\{%-?\s*(end)?([\w-]+)(.*?)-?%\}$")
_ATTR = re.compile(r"""([\w-]+)\s*=\s*(?:"([^"]*)"|'([^']*)'|(\S+))""")
_GROUPS = {
    "path-parameters": "path",
    "query-parameters": "query",
    "headers": "header",
    "body-parameters": "body",
    "form-data-parameters": "form",
}


def read(ctx: Context, ln: Line) -> int:
    m = _TAG.match(ln.text)
    if not m:
        if ctx.pending in ("gitbook-summary", "gitbook-description"):
            _text(ctx, ln.text, ln.line)
            return 1
        return 0
    end, name = bool(m.group(1)), m.group(2)
    attrs = {
        a.group(1).lower(): next(g for g in a.groups()[1:] if g is not None)
        for a in _ATTR.finditer(m.group(3))
    }
    if not (name.startswith("api-method") or name.startswith("swagger")):
        return 0
    if end:
        ctx.pending = ""
        return 1
    if name in ("api-method", "swagger"):
        path = attrs.get("path", "")
        if path:
            host = attrs.get("host") or attrs.get("baseurl") or ""
            ctx.request_line(
                method_word(attrs.get("method", "")),
                host.rstrip("/") + path,
                ln.line,
                title=attrs.get("summary", ""),
            )
            if attrs.get("description"):
                ctx.ep.notes.append(attrs["description"])
    elif name == "api-method-summary":
        ctx.pending = "gitbook-summary"
    elif name in ("api-method-description", "api-method-response-example-description"):
        ctx.pending = "gitbook-description"
    elif name.startswith("api-method-") and name[len("api-method-") :] in _GROUPS:
        ctx.location = _GROUPS[name[len("api-method-") :]]
        ctx.label = "request"
    elif name in ("api-method-parameter", "swagger-parameter"):
        required = str(attrs.get("required", "")).lower()
        ctx.add_params(
            [
                Field(
                    attrs.get("name", ""),
                    ln.line,
                    type=attrs.get("type", ""),
                    required=True if required == "true" else False if required == "false" else None,
                    description=attrs.get("description", ""),
                    location=_GROUPS.get(attrs.get("in", ""), attrs.get("in", "")) or ctx.location,
                )
            ]
        )
        ctx.pending = "gitbook-description"
    elif name in ("api-method-response-example", "swagger-response"):
        found = re.match(r"[1-5]\d\d\b", attrs.get("httpcode") or attrs.get("status") or "")  # `201: Created`
        code = found.group(0) if found else ""
        if code:
            ctx.status = code
            ctx.label = "response" if code[0] in "23" else "error"
            ctx.ep.document_status(code, attrs.get("description", ""))
    return 1


def _text(ctx: Context, text: str, line: int) -> None:
    """The words between a summary, description or parameter tag and its end tag."""
    if ctx.pending == "gitbook-summary" and not ctx.ep.own_title:
        ctx.ep.title, ctx.ep.own_title = text, True
    elif (
        ctx.ep.params
        and ctx.ep.params[-1].line < line
        and not ctx.ep.params[-1].description
        and ctx.label == "request"
    ):
        ctx.ep.params[-1].description = text
    else:
        ctx.ep.notes.append(text)
