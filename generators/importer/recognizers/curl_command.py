"""`$ curl -X POST -H ... -d '{...}' https://host/path?x=1`: a request written as a curl command.

Never a sample of the answer. It tells the query parameters the URL carries (when the URL is the
operation's path), and the body it sends when the doc shows no other request sample."""

from __future__ import annotations

import re
import shlex
from urllib.parse import parse_qsl, urlsplit

from ..blocks import Block
from ..ir import Field
from .context import Context, split_url

KINDS = {"code"}

_CURL = re.compile(r"^\s*(?:\$\s*)?curl\b")
_DATA = {"-d", "--data", "--data-raw", "--data-binary", "--data-ascii"}
_FORM = {"--data-urlencode", "-F", "--form"}
_WITH_ARGUMENT = {
    "-X",
    "--request",
    "-H",
    "--header",
    "-b",
    "--cookie",
    "-u",
    "--user",
    "-o",
    "--output",
    "-A",
    "--user-agent",
    "-e",
    "--referer",
    "-m",
    "--max-time",
    "--connect-timeout",
}


def read(ctx: Context, block: Block) -> bool:
    lines = [ln for ln in block.text.split("\n") if ln.strip()]
    if not lines or not _CURL.match(lines[0]):
        return False
    if ctx.fresh_label and ctx.label in ("response", "error") and ctx.ep.path:
        # under `Response:` a call is no answer: the doc put a request where the answer belongs
        ctx.warn(
            block.content_line,
            "curl-as-response",
            "a curl command where the answer is documented: it is a request, not an answer; left out",
            "error",
        )
    command = re.sub(r"\\\s*\n", " ", block.text)
    for one in re.split(r"\n(?=\s*(?:\$\s*)?curl\b)", command):
        _read_command(ctx, one.strip().lstrip("$").strip(), block.content_line)
    return True


def _read_command(ctx: Context, command: str, line: int) -> None:
    try:
        words = shlex.split(command.split("\n")[0])
    except ValueError:
        words = command.split()
    url, body, form, method = "", None, [], ""
    i = 1
    while i < len(words):
        w = words[i]
        nxt = words[i + 1] if i + 1 < len(words) else ""
        if w in _DATA:
            body, i = nxt, i + 2
        elif w in _FORM:
            form.append(nxt)
            i += 2
        elif w in ("-X", "--request"):
            method, i = nxt.upper(), i + 2
        elif w == "--url":
            url, i = url or nxt, i + 2
        elif w in _WITH_ARGUMENT:
            i += 2
        elif w.startswith("-"):
            i += 1
        else:
            if re.match(r"^(https?://|/)", w) and not url:
                url = w
            i += 1
    ep = ctx.ep
    if url and not ep.path and not ep.method and _names_an_operation(ctx):
        # the only place the section gives its path: read it from the call, until a request line says better
        ep = ctx.request_line(method or ("POST" if body or form else "GET"), url, line)
        ep.tentative = ep.weak = True
    if not url or not ep.path or not _same_operation(ep.path, url):
        return
    known = _add_query(ctx, url, line)
    fields = []
    for part in form:
        name, _, value = part.partition("=")
        if name and name not in known:
            fields.append(Field(name.strip(), line, location="form", example=value))
    ctx.add_params(fields)
    if body and body.lstrip().startswith(("{", "[")):
        # the body it sends: the request sample when the doc shows no other (decided once it is read)
        before = len(ep.samples)
        ctx.add_sample(body, line, "json", "request", "curl -d")
        ep.fallback_requests += ep.samples[before:]
        del ep.samples[before:]


def add_query_from(ctx: Context, url: str, line: int) -> bool:
    """The query parameters of an example call of the current operation; False when it calls another."""
    ep = ctx.ep
    if not ep.path or not _same_operation(ep.path, url):
        return False
    _add_query(ctx, url, line)
    return True


def _add_query(ctx: Context, url: str, line: int) -> set[str]:
    """Add the query parameters `url` (a call of the current operation) carries; return every
    parameter name the operation now knows: its own, its path's and the query's."""
    ep = ctx.ep
    known = {f.name for f in ep.params} | set(re.findall(r"[{<:](\w+)", ep.path))
    query = [
        Field(name, line, location="query", example=value)
        for name, value in parse_qsl(urlsplit(url).query, keep_blank_values=True)
        if name not in known and "?" not in ep.path
    ]
    ctx.add_params(query)
    return known | {f.name for f in query}


def _names_an_operation(ctx: Context) -> bool:
    """A section of its own (not the doc's preamble) that is not about authentication."""
    return (
        ctx.section_line > 0
        and not ctx.under_endpoint
        and not re.search(r"auth|认证|鉴权|授权|token|概述|overview|intro", ctx.section_title, re.I)
    )


def _same_operation(template: str, url: str) -> bool:
    """Whether `url` is a call of the path template (`/api/states/<entity_id>` ~ `/api/states/sun.sun`)."""
    path = urlsplit(url).path if "://" in url else url.split("?")[0]
    parts = re.split(r"(\{[^}]*\}|<[\w-]+>|&lt;[\w-]+>?|:\w+)", split_url(template)[1].split("?")[0])
    pattern = "".join("[^/]+" if k % 2 else re.escape(part) for k, part in enumerate(parts))
    return re.search(pattern.rstrip("/") + "/?$", path) is not None
