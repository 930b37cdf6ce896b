"""The spec read once into what every template needs.

Templates only lay things out; everything they show is worked out here, the same way for every
style: chapters (tags) of operations, each operation's parameters, request body, samples,
responses, headers and error answers, and the document-wide parts (envelope, error codes, auth).
An operation documented in several sections of the source (the importer merged them into named
examples) is written as several sections again, one per request example.
"""

from __future__ import annotations

import json
import re
from dataclasses import dataclass, field
from typing import Any

from generators.refs import follow_refs

from ..emit import STREAM_MEDIA
from ..importer.infer import example_for
from .samples import KeyPath

HTTP_METHODS = ("get", "put", "post", "delete", "options", "head", "patch", "trace")
WRITTEN_IN_PATH = re.compile(r"^written in the doc's path as `([^`=]+)=([^`]*)`$")
# what the importer itself writes on a field that is null in every sample: it writes it again
NULL_NOTE = "null in every documented sample; the type is not documented"
SEVERAL_SECTIONS = re.compile(r"^Documented in several sections: .*\.$", re.DOTALL)
_CONDITION_OPS = {
    "enum": ("==", "eq"),
    "maximum": ("<=", "le"),
    "minimum": (">=", "ge"),
    "exclusiveMaximum": ("<", "lt"),
    "exclusiveMinimum": (">", "gt"),
}


@dataclass
class Row:
    """One row of a fields table (params, request body, response fields, envelope)."""

    name: str
    type: str  # integer | number | string | boolean | array | object | file | "" (untyped)
    required: bool
    description: str = ""
    default: Any = None
    depth: int = 0
    location: str = "body"  # path | query | body | response
    example: Any = None  # a parameter's example
    schema: dict[str, Any] = field(default_factory=dict, repr=False)

    @property
    def explanation(self) -> str:
        """The description without a trailing `(remark)`: what the Explanation column holds."""
        return split_remark(self.description)[0]

    @property
    def remark(self) -> str:
        return split_remark(self.description)[1]


@dataclass
class Sample:
    name: str
    summary: str
    media: str = "application/json"
    value: Any = None
    items: list[Any] | None = None  # a JSON stream (NDJSON or SSE), item by item
    text: str | None = None  # a raw text stream, as sent
    condition: str = ""  # `batch_size <= 1`: the caption condition the example was named after
    note: str = ""  # a summary the section title does not give (an overlay's), shown in the caption
    when: dict[str, Any] = field(default_factory=dict)
    comments: dict[KeyPath, str] = field(default_factory=dict)

    @property
    def is_stream(self) -> bool:
        return self.items is not None or self.text is not None

    @property
    def lines(self) -> list[str]:
        """The stream as it goes over the wire, one item per line."""
        if self.text is not None:
            return self.text.split("\n")
        return [dump_item(v) for v in self.items or []]


@dataclass
class Header:
    name: str
    example: Any
    description: str = ""


@dataclass
class Section:
    """One documented section of an operation: its title, its request sample and the answers to it."""

    title: str
    request: Sample | None
    responses: list[Sample]
    first: bool = True


@dataclass
class ErrorAnswer:
    status: str
    name: str  # the #/components/responses/<name> it refers to
    description: str = ""


@dataclass
class Operation:
    method: str
    path: str
    summary: str
    operation_id: str
    tag: str = ""
    description: list[str] = field(default_factory=list)  # paragraphs
    deprecated: bool = False
    public: bool = False  # `security: []` where the API otherwise requires a token
    secured: bool = False  # a request needs credentials (the operation's or the API's security)
    path_params: list[Row] = field(default_factory=list)
    path_query: list[tuple[str, str]] = field(default_factory=list)  # `?page=N` written in the path
    query_params: list[Row] = field(default_factory=list)
    # every parameter (path, query, header, cookie, and those written in the doc's path), in the
    # spec's order: what the HTML reference lists; the markdown styles use the lists above
    parameters: list[Row] = field(default_factory=list)
    body_media: str = ""
    body_rows: list[Row] = field(default_factory=list)
    request_samples: list[Sample] = field(default_factory=list)
    response_status: str = "200"
    response_description: str = ""
    response_media: str = ""
    response_rows: list[Row] = field(default_factory=list)  # the described response fields, nested
    response_fields: list[Row] = field(default_factory=list)  # every response field, nested
    responses: list[Sample] = field(default_factory=list)
    headers: list[Header] = field(default_factory=list)
    errors: list[ErrorAnswer] = field(default_factory=list)
    sections: list[Section] = field(default_factory=list)
    # request examples a params table alone would not give back (the importer derives an example
    # from the table: see ``derived_example``), so a table style writes them as samples too
    own_request_examples: bool = False

    @property
    def anchor(self) -> str:
        return self.operation_id

    @property
    def query_sample(self) -> Sample | None:
        """The query fields as a request sample, for the styles that document fields in samples."""
        if not self.query_params:
            return None
        return Sample("default", self.summary, "", {r.name: r.example for r in self.query_params})

    @property
    def params(self) -> list[Row]:
        """What a params table lists: query fields for GET, body fields otherwise."""
        return self.query_params + self.body_rows


@dataclass
class Chapter:
    title: str
    operations: list[Operation]


@dataclass
class ErrorCode:
    code: Any
    description: str
    remark: str = ""


@dataclass
class ApiDoc:
    api: str
    title: str
    version: str
    servers: list[dict[str, Any]]
    chapters: list[Chapter]
    secured: bool = False
    auth_description: str = ""
    # where a credential goes: {"type": "bearer" | "basic" | "apiKey", "in": ..., "name": ...}
    auth: dict[str, str] = field(default_factory=dict)
    envelope_rows: list[Row] = field(default_factory=list)
    envelope_table: bool = False  # the envelope came from a "unified return format" table
    envelope: dict[str, Any] = field(default_factory=dict)  # x-envelope
    error_codes: list[ErrorCode] = field(default_factory=list)
    error_sample: Any = None
    decisions: list[dict[str, Any]] = field(
        default_factory=list
    )  # x-invalid-input, x-not-found, x-unauthorized
    components: dict[str, Any] = field(default_factory=dict)

    @property
    def operations(self) -> list[Operation]:
        return [op for c in self.chapters for op in c.operations]

    @property
    def host(self) -> str:
        """The server the source wrote in front of every path (`url: "http://localhost:8000/x"`):
        one the importer read (it writes no description) and that has no path of its own."""
        for server in self.servers[:1]:
            url = str(server.get("url", ""))
            if not server.get("description") and re.fullmatch(r"https?://[^/]+", url):
                return url
        return ""

    @property
    def top(self) -> str:
        """The heading level of the sections after the interfaces: `#` when interfaces without a
        chapter sit at `#` under the title (one level lower they would become their sub-sections)."""
        untagged = any(not c.title for c in self.chapters)
        return "#" if untagged and not self.title_is_api else "##"

    @property
    def title_is_api(self) -> bool:
        return self.title == self.api

    @property
    def default_version(self) -> bool:
        return self.version == "1.0.0"


# --- reading the spec ---------------------------------------------------------------------------


def build(spec: dict[str, Any], api: str) -> ApiDoc:
    info = spec.get("info") or {}
    secured = bool(spec.get("security"))
    ops = [_operation(spec, method, path, op, secured) for method, path, op in _operations(spec)]
    chapters: list[Chapter] = []
    untagged = [op for op in ops if not op.tag]
    if untagged:
        chapters.append(Chapter("", untagged))
    for tag in [t["name"] for t in spec.get("tags") or []] + sorted(
        {op.tag for op in ops if op.tag} - _tag_names(spec)
    ):
        members = [op for op in ops if op.tag == tag]
        if members:
            chapters.append(Chapter(tag, members))
    doc = ApiDoc(
        api=api,
        title=str(info.get("title") or api),
        version=str(info.get("version") or "1.0.0"),
        servers=list(spec.get("servers") or []),
        chapters=chapters,
        secured=secured,
        components=spec.get("components") or {},
    )
    scheme = _first_scheme(spec)
    doc.auth_description = scheme.get("description", "")
    doc.auth = _placement(scheme)
    _envelope(spec, doc)
    for key, label in (
        ("x-invalid-input", "invalid_input"),
        ("x-not-found", "not_found"),
        ("x-unauthorized", "unauthorized"),
    ):
        if key in spec:
            decision = dict(spec[key])
            decision["kind"] = key
            decision["label"] = label
            decision["name"] = str(decision.get("response", "")).rsplit("/", 1)[-1]
            decision["examples"] = _component_examples(spec, decision["name"])
            doc.decisions.append(decision)
    return doc


def _first_scheme(spec: dict[str, Any]) -> dict[str, Any]:
    """The security scheme the API's (or else its first secured operation's) first requirement names."""
    schemes = (spec.get("components") or {}).get("securitySchemes") or {}
    requirements = list(spec.get("security") or [])
    for _, _, op in _operations(spec):
        requirements += op.get("security") or []
    for requirement in requirements:
        for name in requirement or {}:
            scheme = deref(spec, schemes.get(name))
            if isinstance(scheme, dict):
                return scheme
    return {}


def _placement(scheme: dict[str, Any]) -> dict[str, str]:
    kind = scheme.get("type")
    if kind == "apiKey":
        return {"type": "apiKey", "in": str(scheme.get("in", "header")), "name": str(scheme.get("name", ""))}
    if kind == "http" and str(scheme.get("scheme", "")).lower() == "basic":
        return {"type": "basic", "in": "header", "name": "Authorization"}
    if kind in ("http", "oauth2", "openIdConnect"):
        return {"type": "bearer", "in": "header", "name": "Authorization"}
    return {}


def _tag_names(spec: dict[str, Any]) -> set[str]:
    return {t["name"] for t in spec.get("tags") or []}


def _operations(spec: dict[str, Any]) -> list[tuple[str, str, dict[str, Any]]]:
    """Every operation, in the order the source documents them."""
    found = []
    for path, item in (spec.get("paths") or {}).items():
        for method, op in item.items():
            if method in HTTP_METHODS:
                found.append((method.upper(), path, op))
    order = {id(op): k for k, (_, _, op) in enumerate(found)}
    return sorted(found, key=lambda t: ((t[2].get("x-source") or {}).get("line", 10**9), order[id(t[2])]))


def _operation(spec: dict[str, Any], method: str, path: str, raw: dict[str, Any], secured: bool) -> Operation:
    op = Operation(
        method=method,
        path=path,
        summary=raw.get("summary") or f"{method} {path}",
        operation_id=raw.get("operationId") or f"{method.lower()}_{path}",
        tag=(raw.get("tags") or [""])[0],
        deprecated=bool(raw.get("deprecated")),
        public=secured and raw.get("security") == [],
    )
    requirements = raw.get("security", spec.get("security")) or []
    op.secured = bool(requirements) and all(requirement for requirement in requirements)
    op.description = [
        p for p in (raw.get("description") or "").split("\n\n") if p.strip() and not SEVERAL_SECTIONS.match(p)
    ]
    for p in raw.get("parameters") or []:
        p = deref(spec, p)
        row = _param_row(spec, p)
        op.parameters.append(row)
        written = WRITTEN_IN_PATH.match(p.get("description") or "")
        if p.get("in") == "query" and written and not p.get("required"):
            op.path_query.append((written.group(1), written.group(2)))
        elif p.get("in") == "path":
            op.path_params.append(row)
        elif p.get("in") == "query":
            op.query_params.append(row)
    body = deref(spec, raw.get("requestBody")) or {}
    for media, mt in (body.get("content") or {}).items():
        op.body_media = media
        schema = resolve(spec, mt.get("schema") or {})
        required = set(schema.get("required") or [])
        for name, prop in (schema.get("properties") or {}).items():
            op.body_rows.append(_row(name, prop, name in required, "body"))
        for name, ex in (mt.get("examples") or {}).items():
            ex = deref(spec, ex)
            op.request_samples.append(Sample(name, ex.get("summary", ""), media, ex.get("value")))
        break
    _responses(spec, raw, op)
    op.sections = _sections(op)
    if op.request_samples:
        derived = derived_example(spec, body, op)
        op.own_request_examples = len(op.request_samples) > 1 or any(
            s.value != derived for s in op.request_samples
        )
    return op


def derived_example(spec: dict[str, Any], body: dict[str, Any], op: Operation) -> Any:
    """The request example the importer makes from a params table when the doc shows none: the
    required fields (all of them when none is, or when the section has no sample at all), each
    valued by ``infer.example_for``. Mirrors ``normalize._request_body``."""
    media = next(iter((body.get("content") or {}).values()), {})
    schema = resolve(spec, media.get("schema") or {})
    props = schema.get("properties") or {}
    required = set(schema.get("required") or [])
    no_samples = not op.responses and not op.headers

    def value(name: str) -> Any:
        prop = props[name]
        default = prop.get("default")
        written = "" if default is None else default if isinstance(default, str) else json.dumps(default)
        row = next((r for r in op.body_rows if r.name == name), None)
        return example_for(prop, name, row.description if row else "", written)

    picked = {n: value(n) for n in props if n in required or no_samples}
    return picked or {n: value(n) for n in props}


def _param_row(spec: dict[str, Any], p: dict[str, Any]) -> Row:
    schema = resolve(spec, p.get("schema") or {})
    row = _row(p["name"], schema, bool(p.get("required")), p.get("in", "query"))
    row.description = p.get("description") or schema.get("description", "")
    row.example = p.get("example")
    return row


def _row(name: str, schema: dict[str, Any], required: bool, location: str, depth: int = 0) -> Row:
    return Row(
        name=name,
        type=schema_type(schema),
        required=required,
        description=schema.get("description", ""),
        default=schema.get("default"),
        depth=depth,
        location=location,
        schema=schema,
    )


def schema_type(schema: dict[str, Any]) -> str:
    if schema.get("format") == "binary":
        return "file"
    t = schema.get("type")
    return t if isinstance(t, str) else ""


def _responses(spec: dict[str, Any], raw: dict[str, Any], op: Operation) -> None:
    responses = raw.get("responses") or {}
    ok = next((s for s in responses if s.startswith("2")), None)
    for status, resp in responses.items():
        if status == ok:
            continue
        if "$ref" in resp:
            name = resp["$ref"].rsplit("/", 1)[-1]
            op.errors.append(ErrorAnswer(status, name, deref(spec, resp).get("description", "")))
        else:
            op.errors.append(ErrorAnswer(status, "", resp.get("description", "")))
    if ok is None:
        return
    resp = deref(spec, responses[ok])
    op.response_status = ok
    op.response_description = resp.get("description", "")
    for name, h in (resp.get("headers") or {}).items():
        op.headers.append(Header(name, h.get("example"), h.get("description", "")))
    for media, mt in (resp.get("content") or {}).items():
        op.response_media = media
        own = mt.get("schema") or {}
        comments = descriptions(own)
        op.response_rows = field_rows(spec, own)
        op.response_fields = all_rows(resolve(spec, own))
        for name, ex in (mt.get("examples") or {}).items():
            ex = deref(spec, ex)
            sample = Sample(name, ex.get("summary", ""), media, ex.get("value"), when=ex.get("x-when") or {})
            sample.condition = condition_of(name, sample.when) or alternative_of(name, sample.summary)
            serialized = ex.get("x-oai-serializedValue")
            if media in STREAM_MEDIA and serialized is not None:
                if media == "text/plain":
                    sample.text = serialized
                else:
                    sample.items = stream_items(serialized, media)
            else:
                sample.comments = comments
            op.responses.append(sample)
        break


def _sections(op: Operation) -> list[Section]:
    if len(op.request_samples) <= 1:
        request = op.request_samples[0] if op.request_samples else None
        sections = [Section(op.summary, request, list(op.responses))]
    else:
        sections = []
        for k, req in enumerate(op.request_samples):
            answers = [r for r in op.responses if r.name == req.name]
            title = op.summary if k == 0 else req.summary or op.summary
            sections.append(Section(title, req, answers, first=k == 0))
        claimed = {r.name for r in op.request_samples}
        sections[0].responses += [r for r in op.responses if r.name not in claimed]
    for section in sections:
        for r in section.responses:
            derived = section.title + (f" ({r.condition})" if r.condition else "")
            if r.summary and r.summary != derived and not r.condition:
                r.note = r.summary
    return sections


def alternative_of(name: str, summary: str) -> str:
    """`alternative 2 of 3` for one of several alternative streams documented in one sample."""
    m = re.search(r"\(\s*(alternative (\d+) of \d+)\s*\)", summary or "")
    return m.group(1) if m and name == f"alternative_{m.group(2)}" else ""


def condition_of(name: str, when: dict[str, Any]) -> str:
    """`batch_size <= 1` when the example's name and `x-when` came from such a caption."""
    if len(when) != 1:
        return ""
    ((param, schema),) = when.items()
    if not isinstance(schema, dict) or len(schema) != 1:
        return ""
    ((keyword, value),) = schema.items()
    negate = keyword == "not"
    if negate:
        if not (isinstance(value, dict) and list(value) == ["enum"]):
            return ""
        keyword, value = "enum", value["enum"]
    if keyword not in _CONDITION_OPS:
        return ""
    if keyword == "enum":
        if not (isinstance(value, list) and len(value) == 1):
            return ""
        value = value[0]
    op, word = ("!=", "ne") if negate else _CONDITION_OPS[keyword]
    raw = str(value)
    if re.sub(r"[^A-Za-z0-9_]+", "_", f"{param}_{word}_{raw}").strip("_") != name:
        return ""
    shown = f"'{value}'" if isinstance(value, str) else raw
    return f"{param} {op} {shown}"


def stream_items(serialized: str, media: str) -> list[Any]:
    def load(s: str) -> Any:
        try:
            return json.loads(s)
        except ValueError:
            return s

    if media == "text/event-stream":
        items = []
        for event in serialized.split("\n\n"):
            data = [ln[5:].removeprefix(" ") for ln in event.split("\n") if ln.startswith("data:")]
            if data:
                items.append(load("\n".join(data)))
        return items
    return [load(line) for line in serialized.split("\n") if line.strip()]


def dump_item(value: Any) -> str:
    if isinstance(value, str):
        return value
    return json.dumps(value, ensure_ascii=False, separators=(",", ":"))


# --- schemas ------------------------------------------------------------------------------------


def descriptions(schema: Any, path: KeyPath = ()) -> dict[KeyPath, str]:
    """The field descriptions of an operation's own schema (not of the `$ref`'d envelope), by path."""
    found: dict[KeyPath, str] = {}
    if not isinstance(schema, dict):
        return found
    for part in schema.get("allOf") or []:
        if "$ref" not in part:
            found.update(descriptions(part, path))
    for name, prop in (schema.get("properties") or {}).items():
        if isinstance(prop, dict):
            if prop.get("description") and prop["description"] != NULL_NOTE and "$ref" not in prop:
                found.setdefault((*path, name), prop["description"])
            found.update(descriptions(prop, (*path, name)))
    if isinstance(schema.get("items"), dict):
        found.update(descriptions(schema["items"], (*path, "[]")))
    return found


def field_rows(spec: dict[str, Any], own: dict[str, Any]) -> list[Row]:
    """The response fields a `返回参数说明` table lists: every top-level field, and below it the
    described fields with the fields that lead to them (`-` per level, through arrays)."""
    schema = resolve(spec, own)
    described = set(descriptions(own))
    rows: list[Row] = []

    def walk(node: dict[str, Any], path: KeyPath, depth: int) -> None:
        node = node.get("items", node) if node.get("type") == "array" else node
        required = set(node.get("required") or [])
        for name, prop in (node.get("properties") or {}).items():
            here = (*path, name)
            keep = depth == 0 or any(d[: len(here)] == here for d in _without_items(described))
            if not keep:
                continue
            rows.append(_row(name, prop, name in required, "response", depth))
            walk(prop, here, depth + 1)

    walk(schema, (), 0)
    return rows if described else []


def all_rows(schema: dict[str, Any], depth: int = 0, limit: int = 6) -> list[Row]:
    """Every field of a resolved schema, nested by depth (through arrays), for the HTML reference."""
    node = schema.get("items", schema) if schema.get("type") == "array" else schema
    if not isinstance(node, dict) or depth >= limit:
        return []
    required = set(node.get("required") or [])
    rows: list[Row] = []
    for name, prop in (node.get("properties") or {}).items():
        rows.append(_row(name, prop, name in required, "response", depth))
        rows += all_rows(prop, depth + 1, limit)
    return rows


def _without_items(paths: set[KeyPath]) -> list[KeyPath]:
    return [tuple(p for p in path if p != "[]") for path in paths]


def deref(spec: dict[str, Any], obj: Any) -> Any:
    return follow_refs(spec, obj)


def resolve(spec: dict[str, Any], schema: Any, within: frozenset[str] = frozenset()) -> Any:
    """`schema` with `$ref`s followed and `allOf`s merged (properties united, required united).

    A schema that contains itself (a tree node's `children`, a category's `parent`) is followed
    once: inside its own expansion the `$ref` stays as it is, where a table shows it untyped."""
    if not isinstance(schema, dict):
        return schema
    if "$ref" in schema:
        ref = str(schema["$ref"])
        if ref in within:
            return dict(schema)
        return resolve(spec, deref(spec, schema), within | {ref})
    out: dict[str, Any] = {}
    for part in schema.get("allOf") or []:
        out = _merge(out, resolve(spec, part, within))
    rest = {k: v for k, v in schema.items() if k != "allOf"}
    if "properties" in rest:
        rest["properties"] = {k: resolve(spec, v, within) for k, v in rest["properties"].items()}
    if isinstance(rest.get("items"), dict):
        rest["items"] = resolve(spec, rest["items"], within)
    return _merge(out, rest)


def _merge(a: dict[str, Any], b: dict[str, Any]) -> dict[str, Any]:
    out = dict(a)
    for k, v in b.items():
        if k == "properties" and "properties" in out:
            out["properties"] = {**out["properties"], **v}
        elif k == "required" and "required" in out:
            out["required"] = out["required"] + [r for r in v if r not in out["required"]]
        elif k == "description" and "description" in out:
            continue
        else:
            out[k] = v
    return out


def split_remark(description: str) -> tuple[str, str]:
    """`chat/group chat (default: chat)` -> (`chat/group chat`, `default: chat`): the importer joins
    a params table's Explanation and Remark cells that way, so the table splits them again."""
    m = re.match(r"^(.*\S)\s+\(([^()]*)\)$", description)
    if m:
        return m.group(1), m.group(2)
    return description, ""


# --- document-wide parts ----------------------------------------------------------------------


def _envelope(spec: dict[str, Any], doc: ApiDoc) -> None:
    env = spec.get("x-envelope") or {}
    doc.envelope = env
    schema = deref(spec, {"$ref": env["schema"]}) if env.get("schema") else {}
    required = set(schema.get("required") or [])
    doc.envelope_rows = [
        _row(name, prop, name in required, "response")
        for name, prop in (schema.get("properties") or {}).items()
    ]
    # a described envelope field can only come from a "unified return format" table in the source
    doc.envelope_table = any(r.description for r in doc.envelope_rows)
    error = ((spec.get("components") or {}).get("responses") or {}).get("Error")
    if not error or not env:
        return
    message = env.get("messageField", "")
    for ex in _component_examples(spec, "Error"):
        value = ex.get("value") or {}
        desc = str(value.get(message, ""))
        summary = ex.get("summary", "")
        remark = (
            summary[len(desc) + 2 : -1] if summary.startswith(f"{desc} (") and summary.endswith(")") else ""
        )
        doc.error_codes.append(ErrorCode(value.get(env.get("codeField", "code")), desc, remark))
        if doc.error_sample is None:
            doc.error_sample = value


def _component_examples(spec: dict[str, Any], name: str) -> list[dict[str, Any]]:
    resp = ((spec.get("components") or {}).get("responses") or {}).get(name) or {}
    found = []
    for mt in (resp.get("content") or {}).values():
        for ex in (mt.get("examples") or {}).values():
            found.append(deref(spec, ex))
    return found
