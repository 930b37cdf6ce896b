"""What the recognizers share while they walk one section: the endpoints it documents so far, the
label announced last, a label waiting for its value, and the few helpers every clue fills them with."""

from __future__ import annotations

import re
from collections.abc import Callable
from dataclasses import dataclass, field

from ..blocks import Block
from ..ir import DocSample, Document, Endpoint, Field
from ..labels import status_in
from ..samples import Sample, looks_like_kv_lines, read_sample

Warn = Callable[..., None]  # (line, rule, message[, severity])
JS_LANGS = {"javascript", "js", "jsx", "ts", "typescript", "json5"}


@dataclass
class Line:
    """One line of a text block, with its neighbours (a recognizer may consume several lines)."""

    text: str  # stripped
    line: int  # 1-based file line
    block: Block
    index: int
    lines: list[str]  # every line of the block, as written

    @property
    def container(self) -> str:
        return self.block.container


def paragraph(ln: Line) -> str:
    """The paragraph from this line on (a sentence may wrap onto the next lines)."""
    return " ".join(x.strip() for x in ln.lines[ln.index :] if x.strip())


def first_look(ctx: Context, ln: Line, reader: str) -> bool:
    """Whether `reader` sees this line's paragraph for the first time (it reads whole paragraphs)."""
    key = (reader, ln.block.line, ln.block.kind)
    if key in ctx.seen:
        return False
    ctx.seen.add(key)
    return True


@dataclass
class Context:
    doc: Document
    section_title: str
    section_line: int
    ep: Endpoint
    warn: Warn
    endpoints: list[Endpoint] = field(default_factory=list)
    label: str = ""  # role announced by the last label: request / response / fields / error / ...
    caption: str = ""  # the last label as written
    location: str = ""  # where the parameters announced by the last label go (query, body, header ...)
    pending: str = ""  # a label waiting for its value on the next line or block: url / method / server ...
    status: str = ""  # a documented status waiting for the sample it describes (`Status: 201 Created`)
    title_hint: tuple[str, int] | None = None  # a line naming the next endpoint (`**List**`)
    param_tables: int = 0
    under_endpoint: bool = False  # a sub-section of an operation's section (`### Example` under it)
    fresh_label: bool = False  # an explicit label was just written and nothing has answered it yet
    required_hint: bool | None = None  # `Required:` / `Optional:` above a group of parameters
    prose_label: bool = False  # the label came from a sentence ("Returns ..."), not a label line
    seen: set[tuple[str, int, str]] = field(default_factory=set)  # paragraphs the prose readers have read

    def __post_init__(self) -> None:
        if not self.endpoints:
            self.endpoints.append(self.ep)

    # --- where an endpoint starts ----------------------------------------------------------------
    def request_line(
        self,
        method: str,
        path: str,
        line: int,
        *,
        inherit_path: bool = False,
        title: str = "",
        shares: bool = True,
    ) -> Endpoint:
        """A clue naming a method and/or a path. Fills the endpoint being read, or starts the next one
        when it names another operation: a section may document several (`**List**` ... `**Create**`)."""
        method = method.upper()
        server, path = split_url(path) if path else ("", "")
        ep = self.ep
        if ep.tentative and path:
            # an example call named the operation; a request line says better
            ep.tentative, ep.weak = False, False
            ep.method, ep.path, ep.server = "", "", ""
        same = bool(path) and bool(ep.path) and same_path(ep.path, path)
        if not ep.path and not ep.method:
            starts_new = False
        elif ep.path and not ep.method:
            starts_new = bool(path) and not same  # a path heading, then its method; or another path
        elif ep.method and not ep.path:
            starts_new = False  # the method came first (`请求方式：POST`, then the URL)
        elif path and not same:
            starts_new = True
        else:  # both known: another method on the same path starts another operation
            starts_new = bool(method) and method != ep.method and (bool(path) or inherit_path)
        if not starts_new:
            self._fill(ep, method, path, server, line, title)
            if same and "?" in path and "?" not in ep.path:
                # `GET /x?page=1` once more, with its query: the parameters it names
                for name, _, value in (part.partition("=") for part in path.split("?", 1)[1].split("&")):
                    if name and name not in {f.name for f in ep.params}:
                        ep.params.append(Field(name, line, location="query", example=value))
            return ep
        new = Endpoint(title=self.section_title, line=line)
        new.tag = ep.tag
        hint = self.title_hint
        # request lines one after another share what follows them; a table row documents only itself
        new.group = ep.group if shares and not ep.has_content() and hint is None else ep.group + 1
        if hint is not None:
            new.title, new.line, new.own_title = hint[0], hint[1], True
            self.title_hint = None
        self.endpoints.append(new)
        self.ep = new
        self.label, self.caption, self.status, self.location = "", "", "", ""
        self.required_hint = None
        self._fill(new, method, path or (ep.path if inherit_path else ""), server, line, title)
        if not title and hint is None and new.group == ep.group and ep.own_title:
            new.title, new.own_title = ep.title, True  # `PUT /x` + `PATCH /x` under one `**Update**`
        return new

    def _fill(self, ep: Endpoint, method: str, path: str, server: str, line: int, title: str) -> None:
        if self.title_hint is not None and not ep.path and not ep.method:
            ep.title, ep.line, ep.own_title = self.title_hint[0], self.title_hint[1], True
            self.title_hint = None
        if method and not ep.method:
            ep.method, ep.method_line = method, line
        if path and not ep.path:
            ep.path, ep.path_line = path, line
        if server and not ep.server:
            ep.server = server
        if title and not ep.own_title:
            ep.title, ep.own_title, ep.line = title, True, line

    # --- what the endpoint takes and answers -----------------------------------------------------
    def add_params(self, fields: list[Field]) -> None:
        known = {f.name for f in self.ep.params}
        for f in fields:
            if f.name not in known or f.depth:
                self.ep.params.append(f)
                known.add(f.name)

    def add_sample(self, text: str, line: int, lang: str, role: str, caption: str = "") -> None:
        """A sample as written; JSON lines split by blank lines are alternative streams."""
        stripped = text.strip()
        if not stripped:
            return
        if role in ("fields", "notes", "") or stripped.startswith("data:"):
            role = "response" if role != "" or stripped.startswith("data:") else ""
        caption = caption or self.caption
        # a short caption may name the status (`Error 404`); a sentence mentioning one does not
        status = self.status or (status_of(caption) if len(caption) <= 40 else "")
        if role == "response" and self.status:
            self.status = ""
        if stripped.startswith(("{", "[", "data:")) or looks_like_kv_lines(stripped):
            sample = read_sample(text, strict_json=lang == "json")
            if lang in JS_LANGS:  # declared JavaScript: bare keys and single quotes are its dialect
                sample.repairs = [r for r in sample.repairs if r.rule != "mixed-quoting"]
            if sample.groups:
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
                    label = f"{caption} (alternative {k} of {n})"
                    self.ep.samples.append(DocSample(role, line, part, label, lang, status))
                return
        else:
            sample = Sample(value=stripped, ok=True)
            lang = lang or "text"
        self.ep.samples.append(DocSample(role, line, sample, caption, lang, status))


def split_url(raw: str) -> tuple[str, str]:
    raw = raw.strip().strip("`\"'")
    raw = re.sub(r"^\{\{\s*[\w.-]+\s*\}\}", "", raw)  # Postman's `{{baseUrl}}/users`: the base is a variable
    m = re.match(r"^(https?://[^/\s]+)(/.*)?$", raw)
    if m:
        return m.group(1), m.group(2) or "/"
    return "", raw


def same_path(a: str, b: str) -> bool:
    """Two ways of writing one path: parameter names and styles, a leading slash, a query string."""

    def shape(p: str) -> str:
        p = split_url(p)[1].split("?")[0].strip()
        p = re.sub(r"\{\s*\$?[\w-]+\s*\}|<[\w-]+>|&lt;[\w-]+>|:\w+|\$\{\w+\}", "{}", p)
        return "/" + p.strip("/")

    return shape(a) == shape(b)


def status_of(caption: str) -> str:
    return status_in(caption) if caption else ""
