"""spec/<api>.yaml -> docs/<api>.md (in the source's style), docs/<api>.html and docs/index.md.

One jinja2 template set per style (``templates/<style>/api.md.j2``), one HTML template for all.
Output depends only on the spec (and the style read from the source), never on the clock or
the machine: the same input gives the same bytes, which `mdcontract check` relies on.
"""

from __future__ import annotations

import json
import re
from pathlib import Path
from typing import Any
from urllib.parse import quote, urlencode

import yaml
from jinja2 import Environment, FileSystemLoader, StrictUndefined
from markdown_it import MarkdownIt
from markupsafe import Markup, escape

from ..importer.infer import infer
from .i18n import localize
from .labels import TYPE_WORDS, labels
from .model import ApiDoc, Operation, Row, Sample, build
from .samples import dump_sample
from .styles import Style, choose_style

try:  # libyaml reads the 23,000-line character spec ten times faster than pure Python
    from yaml import CSafeLoader as _Loader
except ImportError:  # pragma: no cover - depends on how PyYAML was built
    from yaml import SafeLoader as _Loader  # type: ignore[assignment]

TEMPLATES = Path(__file__).parent / "templates"
ERROR_CODE_NOTE = re.compile(r"错误码|error codes?", re.IGNORECASE)


def _env() -> Environment:
    env = Environment(
        loader=FileSystemLoader(TEMPLATES),
        # escape everything in the HTML template (`<token>` in a description is text); markdown
        # templates write text as is
        autoescape=lambda name: bool(name) and name.endswith(".html.j2"),
        undefined=StrictUndefined,
        keep_trailing_newline=True,
        trim_blocks=True,
        lstrip_blocks=True,
    )
    # YAML reads `2024-01-01` as a date: written back as the ISO text it was
    env.policies["json.dumps_kwargs"] = {"sort_keys": False, "default": str}  # samples keep their order
    env.filters["cell"] = cell
    env.filters["sample"] = dump_sample
    env.filters["inline"] = lambda s: " ".join(str(s).split())
    env.filters["code_spans"] = code_spans
    env.filters["md"] = markdown_block
    env.filters["md_inline"] = markdown_inline
    env.filters["default_text"] = lambda v: "" if v is None else v if isinstance(v, str) else json.dumps(v)
    env.filters["brief"] = lambda paragraphs: split_notes(paragraphs)[0]
    env.filters["remarks"] = lambda paragraphs: split_notes(paragraphs)[1]
    return env


def code_spans(text: Any) -> Markup:
    """Escaped text with its markdown `code spans` as <code> (descriptions are written in markdown)."""
    parts = re.split(r"`([^`]+)`", str(text if text is not None else ""))
    return Markup("").join(
        escape(p) if k % 2 == 0 else Markup("<code>") + escape(p) + Markup("</code>")
        for k, p in enumerate(parts)
    )


# Descriptions are markdown. Raw HTML in them is shown as text (`html: False`), and markdown-it's
# link check refuses `javascript:` and the like, so a description cannot inject a script.
_MARKDOWN = MarkdownIt("commonmark", {"html": False})


def markdown_block(text: Any) -> Markup:
    """A description's markdown as HTML blocks (paragraphs, lists, code)."""
    return Markup(_MARKDOWN.render(str(text if text is not None else "")).strip())


def markdown_inline(text: Any) -> Markup:
    """A description's markdown as inline HTML, for a table cell or a line of text."""
    return Markup(_MARKDOWN.renderInline(str(text if text is not None else "")).strip())


def cell(value: Any) -> str:
    """Text that fits in one markdown table cell."""
    text = str(value if value is not None else "")
    return " ".join(text.split("\n")).strip().replace("|", "\\|")


_ENV = _env()


# --- one API --------------------------------------------------------------------------------


def load_spec(path: Path) -> dict[str, Any]:
    return yaml.load(path.read_text(encoding="utf-8"), Loader=_Loader)


def render_markdown(spec: dict[str, Any], api: str, style: Style) -> str:
    doc = build(spec, api)
    t = labels(style.lang)
    words = TYPE_WORDS[style.name]
    template = _ENV.get_template(f"{style.name}/api.md.j2")
    text = template.render(
        doc=doc,
        t=t,
        style=style,
        type_word=lambda row: words.get(row.type, words[""]),
        yes_no=lambda flag: t["yes"] if flag else t["no"],
        request_comments=lambda op, sample: request_comments(op, sample, t),
        display_path=lambda op: display_path(op, style),
        table_rows=table_rows,
        header_sample=header_sample,
        codes_in_notes=codes_in_notes,
        needs_table=needs_table,
    )
    return tidy(text)


def render_html(spec: dict[str, Any], api: str, style: Style) -> str:
    doc = build(localize(spec, style.lang), api)
    template = _ENV.get_template("html/api.html.j2")
    t = labels(style.lang)
    return template.render(
        doc=doc,
        style=style,
        lang=style.lang,
        t=t,
        search_text=search_text,
        request_data=request_data,
        example_target=example_target,
        answer_label=lambda name: answer_label(doc, name, t),
        pretty=lambda v: dump_sample(v, indent=2),
        page_data=json.dumps(
            {"servers": [str(s.get("url", "")) for s in doc.servers], "auth": doc.auth, "t": html_words(t)},
            ensure_ascii=False,
            sort_keys=True,
        ),
    )


def html_words(t: dict[str, str]) -> dict[str, str]:
    """The labels the page's script writes (buttons, try-it answers), in the page's language."""
    found = {k[len("js_") :]: v for k, v in t.items() if k.startswith("js_")}
    found.update({k: v for k, v in t.items() if k.startswith("in_")})
    found.update(send=t["html_send"], body=t["html_body"])
    return found


def answer_label(doc: ApiDoc, name: str, t: dict[str, str]) -> str:
    """What an error answer's link says: the decision it is (`参数错误`), not a component's name."""
    for d in doc.decisions:
        if d["name"] == name:
            return t["invalid_input"] if d["kind"] == "x-invalid-input" else t["unauthorized"]
    return t["html_error_codes"] if name == "Error" and doc.error_codes else name


def request_data(op: Operation) -> dict[str, Any]:
    """What the page's script needs to write an operation's example requests as curl commands and to
    fill its try-it form: every parameter with the value an example request sends, and the bodies."""
    params = []
    for row in op.parameters:
        params.append(
            {
                "name": row.name,
                "in": row.location,
                "required": row.required or row.location == "path",
                "value": example_value(row),
            }
        )
    bodies = [{"name": s.name, "value": s.value} for s in op.request_samples]
    if not bodies and op.body_rows:
        bodies = [{"name": "", "value": {r.name: r.default for r in op.body_rows if r.default is not None}}]
    return {
        "method": op.method,
        "path": op.path,
        "params": params,
        "media": op.body_media,
        "bodies": bodies,
        "secured": op.secured,
    }


def example_target(op: Operation) -> str:
    """The path and query of an operation's example request: `/api/prompts?page=1`."""
    path, query = op.path, []
    for row in op.parameters:
        value = example_value(row)
        if value is None:
            continue
        if row.location == "path":
            path = path.replace("{" + row.name + "}", quote(value, safe=""))
        elif row.location == "query":
            query.append((row.name, value))
    return path + ("?" + urlencode(query) if query else "")


def example_value(row: Row) -> str | None:
    """The text an example request sends for a parameter: its example, default or first enum value;
    for a path (or required) parameter without one, a value of its type, so the URL is complete."""
    enum = row.schema.get("enum") or [None]
    for value in (row.example, row.schema.get("example"), row.default, enum[0]):
        if value is not None:
            return _param_text(value)
    if row.location == "path" or row.required:
        return {"integer": "1", "number": "1", "boolean": "true"}.get(row.type, "1")
    return None


def _param_text(value: Any) -> str:
    if isinstance(value, str):
        return value
    if isinstance(value, list):
        return ",".join(_param_text(v) for v in value)
    return json.dumps(value, ensure_ascii=False)


def render_index(entries: list[tuple[str, dict[str, Any], Style]]) -> str:
    rows = []
    for api, spec, style in entries:
        doc = build(spec, api)
        rows.append({"api": api, "doc": doc, "style": style, "count": len(doc.operations)})
    return tidy(_ENV.get_template("index.md.j2").render(rows=rows))


def request_comments(op: Operation, sample: Sample, t: dict[str, str]) -> dict[tuple[str, ...], str]:
    """A request sample's comments: each field's description and whether it is required, which is
    how the code-block and http styles document request fields (there is no params table)."""
    rows = {r.name: r for r in op.body_rows + op.query_params}
    comments = {}
    for name in sample.value if isinstance(sample.value, dict) else {}:
        row = rows.get(name)
        if row is not None:
            mark = t["required"] if row.required else t["optional"]
            comments[(name,)] = f"{row.description}{mark}"
    return comments


def display_path(op: Operation, style: Style) -> str:
    """The path as the style writes it: `:id` parameters in the http style, `?page=N` kept."""
    path = op.path
    if style.name == "http":
        path = re.sub(r"\{(\w+)\}", r":\1", path)
    if op.path_query:
        path += "?" + "&".join(f"{k}={v}" for k, v in op.path_query)
    return path


def table_rows(op: Operation) -> list[Row]:
    """What a params table lists: described path parameters, then query or body fields."""
    return [r for r in op.path_params if r.description or r.type not in ("string", "")] + op.params


def header_sample(op: Operation, indent: int = 4) -> str:
    """The response headers as a sample object, each commented with its description."""
    value = {h.name: h.example for h in op.headers}
    return dump_sample(value, {(h.name,): h.description for h in op.headers if h.description}, indent)


def needs_table(op: Operation) -> bool:
    """Whether a request sample cannot document an operation's fields alone: an upload, or fields
    the example leaves out (the importer only knows the fields a sample shows)."""
    if op.body_media and op.body_media != "application/json":
        return True
    values: dict[str, Any] = {}
    for s in op.request_samples:
        if isinstance(s.value, dict):
            values.update(s.value)
    return any(r.name not in values or not shows_type(r, values[r.name]) for r in op.body_rows)


def shows_type(row: Row, value: Any) -> bool:
    """Whether a sample value tells the importer the field's schema (an integer value cannot say
    `number`, an empty object cannot say which fields it has)."""
    inferred = infer(value)
    if inferred.get("type") != row.type:
        return False
    if row.type in ("object", "array"):
        bare = {k: v for k, v in row.schema.items() if k not in ("description", "default")}
        return bare == inferred
    return True


def split_notes(paragraphs: list[str]) -> tuple[list[str], list[str]]:
    """A description's paragraphs before the first one listing error codes (the showdoc
    `简要描述`), and from there on (its `备注`): the importer reads both back in order."""
    for k, p in enumerate(paragraphs):
        if ERROR_CODE_NOTE.search(p):
            return paragraphs[:k], paragraphs[k:]
    return paragraphs, []


def codes_in_notes(doc: ApiDoc) -> bool:
    """Whether an operation's remarks list the error codes (the importer reads them from there)."""
    return any(ERROR_CODE_NOTE.search(p) for op in doc.operations for p in op.description)


def search_text(op: Operation) -> str:
    """What the HTML search box matches: method, path, summary, id, chapter, description, and the
    names and descriptions of the parameters, request fields and response fields."""
    rows = op.parameters + op.body_rows + op.response_fields
    parts = [op.method, op.path, op.summary, op.operation_id, op.tag, *op.description]
    parts += [op.response_description, *(r.name for r in rows), *(r.description for r in rows)]
    return " ".join(" ".join(str(p).split()) for p in parts if p).lower()


def tidy(text: str) -> str:
    """No trailing spaces, a blank line around headings, at most one blank line in a row, one
    newline at the end; code blocks are left as they are."""
    out: list[str] = []
    fence = ""
    for raw in text.split("\n"):
        line = raw.rstrip()
        marker = re.match(r"^\s*(```+|~~~+)", line)
        if fence:
            out.append(line)
            if marker and marker.group(1).startswith(fence) and not line.strip().strip("`~"):
                fence = ""
            continue
        if marker:
            fence = marker.group(1)
        heading = line.startswith("#") and re.match(r"^#{1,6}\s", line)
        if heading and out and out[-1]:
            out.append("")
        if not line and out and not out[-1]:
            continue
        out.append(line)
        if heading:
            out.append("")
    return "\n".join(out).strip("\n") + "\n"


# --- all APIs ----------------------------------------------------------------------------------


def style_for(spec_dir: Path, api: str, spec: dict[str, Any]) -> Style:
    source = spec_dir / "sources" / f"{api}.md"
    text = source.read_text(encoding="utf-8") if source.is_file() else None
    return choose_style(spec, text)


def render_all(spec_dir: Path) -> dict[str, str]:
    """Every docs file, by name: <api>.md and <api>.html for each spec/<api>.yaml, and index.md."""
    files: dict[str, str] = {}
    entries = []
    for path in sorted(spec_dir.glob("*.yaml")):
        api = path.stem
        spec = load_spec(path)
        style = style_for(spec_dir, api, spec)
        entries.append((api, spec, style))
        files[f"{api}.md"] = render_markdown(spec, api, style)
        files[f"{api}.html"] = render_html(spec, api, style)
    files["index.md"] = render_index(entries)
    return files


def write_docs(spec_dir: Path, out_dir: Path) -> list[Path]:
    out_dir.mkdir(parents=True, exist_ok=True)
    written = []
    for name, text in render_all(spec_dir).items():
        target = out_dir / name
        if not target.exists() or target.read_text(encoding="utf-8") != text:
            target.write_text(text, encoding="utf-8")
        written.append(target)
    return written


def stale_docs(spec_dir: Path, docs_dir: Path) -> list[str]:
    """A message for each docs file that is missing or not what `mdcontract docs` writes now."""
    stale = []
    files = render_all(spec_dir)
    for name, text in files.items():
        target = docs_dir / name
        if not target.is_file():
            stale.append(f"{target} is missing")
        elif target.read_text(encoding="utf-8") != text:
            stale.append(f"{target} is not what `mdcontract docs` writes now")
    for leftover in sorted([*docs_dir.glob("*.md"), *docs_dir.glob("*.html")]):
        if leftover.name not in files:
            stale.append(f"{leftover} documents no spec in {spec_dir}/ (remove it)")
    return stale
