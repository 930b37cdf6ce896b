"""IR -> OpenAPI 3.0.3: the one place where a document's endpoints become operations."""

from __future__ import annotations

import json
import re
from collections import Counter
from typing import Any

from .infer import INTEGER_NAME, Schema, example_for, infer, merge, schema_for_type, table_type
from .ir import DocSample, Document, Endpoint, Field

CODE_KEYS = ("code", "errcode", "err_code", "ret", "status_code", "ok", "errno")
MESSAGE_KEYS = ("msg", "message", "errmsg", "err_msg", "failed", "error")
DATA_KEYS = ("result", "data", "body", "payload")
SAMPLE_LINE = "x-mdcontract-line"  # an example's sample line, until the examples are checked
STREAM_NOTE = "Streamed: this schema describes ONE item of the stream (OpenAPI 3.2 `itemSchema`)."


class Envelope:
    def __init__(
        self, keys: list[str], schema: Schema, data_field: str, code_field: str, success: Any, msg_field: str
    ):
        self.keys = keys
        self.schema = schema
        self.data_field = data_field
        self.code_field = code_field
        self.success = success
        self.msg_field = msg_field


def to_openapi(doc: Document, api: str) -> dict[str, Any]:
    hints = _name_hints(doc)
    envelope = _find_envelope(doc)
    spec: dict[str, Any] = {
        "openapi": "3.0.3",
        "info": {"title": doc.title or api, "version": _version(doc), "description": _info_description(doc)},
    }
    if doc.servers:
        spec["servers"] = [_server(s) for s in doc.servers]
    tags: list[str] = []
    paths: dict[str, dict[str, Any]] = {}
    used_ids: set[str] = set()
    components: dict[str, Any] = {"schemas": {}}
    if envelope:
        components["schemas"]["Envelope"] = envelope.schema
    for ep in doc.endpoints:
        path, path_params, query_params = _split_path(ep.path)
        if path.count("%7B") + path.count("%7D") > ep.path.count("%7B") + ep.path.count("%7D"):
            doc.warn(
                ep.path_line or ep.line,
                "path-braces",
                f"path {ep.path!r} has a brace that opens or closes no parameter; written as {path!r}",
            )
        op = _operation(doc, ep, path, path_params, query_params, envelope, hints)
        op_id = _operation_id(ep.method, path)
        # Unique also once case and separators are dropped: client generators rename ids to their
        # language's style, so `post_a_generateAudio` and `post_a_generate_audio` would be one name
        # there and one of the two operations would be left out of the client.
        while _id_key(op_id) in used_ids:
            op_id += "_2"
        used_ids.add(_id_key(op_id))
        op["operationId"] = op_id
        if ep.tag and ep.tag not in tags:
            tags.append(ep.tag)
        paths.setdefault(path, {})[ep.method.lower()] = op
    if doc.error_codes and envelope:
        components["responses"] = {"Error": _error_response(doc, envelope)}
        for item in paths.values():
            for op in item.values():
                op["responses"].setdefault("default", {"$ref": "#/components/responses/Error"})
    if doc.bearer:
        scheme: dict[str, Any] = {"type": "http", "scheme": "bearer"}
        desc = doc.auth_description or (
            f"Send `Authorization: Bearer <token>`; the token comes in the `{doc.token_header}` response header of the login and register operations."
            if doc.token_header
            else "Send `Authorization: Bearer <token>`."
        )
        scheme["description"] = desc
        components["securitySchemes"] = {"bearerAuth": scheme}
        spec["security"] = [{"bearerAuth": []}]
    if tags:
        spec["tags"] = [{"name": t} for t in tags]
    spec["paths"] = paths
    if not components["schemas"]:
        del components["schemas"]
    if components:
        spec["components"] = components
    if envelope:
        spec["x-envelope"] = {
            "schema": "#/components/schemas/Envelope",
            "codeField": envelope.code_field,
            "successCode": envelope.success,
            "messageField": envelope.msg_field,
            **({"dataField": envelope.data_field} if envelope.data_field else {}),
        }
    return spec


def _server(url: str) -> dict[str, Any]:
    """`http://{portal_address}`: a placeholder in a server URL is an OpenAPI server variable."""
    names = re.findall(r"\{([^{}]+)\}", url)
    if not names:
        return {"url": url}
    return {
        "url": url,
        "variables": {n: {"default": n, "description": "written as a placeholder in the doc"} for n in names},
    }


def _version(doc: Document) -> str:
    return doc.version or "1.0.0"


def _info_description(doc: Document) -> str:
    return f"Imported by mdcontract from `{doc.file}`. Edit the markdown or `spec/overlays/`, then run `mdcontract import`."


# --- the envelope ---------------------------------------------------------------------------------


def _response_objects(doc: Document) -> list[tuple[Endpoint, DocSample, dict[str, Any]]]:
    out = []
    for ep in doc.endpoints:
        for s in ep.samples:
            if s.role == "response" and s.sample.ok:
                v = s.sample.items[0] if s.sample.items else s.sample.value
                out.append((ep, s, v))
    return out


def _find_envelope(doc: Document) -> Envelope | None:
    """The keys most response samples share, when they include a status code."""
    samples = _response_objects(doc)
    objects = [v for _, _, v in samples if isinstance(v, dict)]
    if not objects:
        return None
    counts = Counter(k for v in objects for k in v)
    keys = [k for k, c in counts.items() if c >= max(1, 0.6 * len(objects))]
    table = {f.name: f for f in doc.envelope_fields}
    if table:
        keys = [f.name for f in doc.envelope_fields]
    code_field = next((k for k in keys if k.lower() in CODE_KEYS), "")
    if not code_field:
        return None
    # what the doc says each envelope field is: field tables first, else the samples' comments
    described: dict[str, Counter[str]] = {}
    for ep in doc.endpoints:
        for f in ep.fields:
            if f.depth == 0 and f.name in keys and f.description:
                described.setdefault(f.name, Counter())[f.description] += 1
    in_field_tables = {f.name for ep in doc.endpoints for f in ep.fields}
    for _, s, _ in samples:
        for k in keys:
            comment = s.sample.comments.get((k,))
            if comment and k not in described:
                described.setdefault(k, Counter())
            if comment and k not in in_field_tables:
                described[k][comment] += 1
    msg_field = next((k for k in keys if k.lower() in MESSAGE_KEYS), "")
    data_field = next((k for k in keys if k.lower() in DATA_KEYS), "")
    codes = Counter(
        json.dumps(v.get(code_field))
        for v in objects
        if code_field in v and not isinstance(v.get(code_field), dict)
    )
    success = json.loads(codes.most_common(1)[0][0]) if codes else 0
    props: dict[str, Schema] = {}
    for k in keys:
        s: Schema = {}
        for v in objects:
            if k in v and k != data_field:
                s = infer(v[k]) if not s else merge(s, infer(v[k]))
        f = table.get(k)
        if f is not None:
            kind = table_type(f.type)
            if kind not in ("", "any") and k != data_field:
                s = schema_for_type(kind, k, s)
            if f.description:
                s["description"] = f.description
        elif described.get(k):
            # the envelope is described where each response's field table lists it (`code` | 状态码)
            s["description"] = described[k].most_common(1)[0][0]
        props[k] = s
    required = [k for k in keys if (table[k].required if k in table else k != data_field)]
    schema: Schema = {"type": "object", "properties": props}
    if required:
        schema["required"] = required
    desc = "The response envelope this API wraps every answer in"
    if code_field:
        desc += f"; `{code_field}` {json.dumps(success)} means success"
    schema["description"] = desc + "."
    return Envelope(keys, schema, data_field, code_field, success, msg_field)


def _error_response(doc: Document, env: Envelope) -> dict[str, Any]:
    examples = {}
    for e in doc.error_codes:
        if e.code == env.success:
            continue
        body: dict[str, Any] = {env.code_field: e.code}
        if env.msg_field:
            body[env.msg_field] = e.description
        examples[f"code_{e.code}"] = {
            "summary": e.description + (f" ({e.remark})" if e.remark else ""),
            "value": body,
        }
    codes = ", ".join(f"{e.code} {e.description}" for e in doc.error_codes if e.code != env.success)
    return {
        "description": f"An error, in the API's envelope with a non-zero `{env.code_field}`: {codes}.",
        "content": {
            "application/json": {"schema": {"$ref": "#/components/schemas/Envelope"}, "examples": examples}
        },
    }


# --- one operation --------------------------------------------------------------------------------


# `{x}`, `{ x }`, `{$x}`, `<x>`, `<SHORT-ID>`, `&lt;x>` (HTML-escaped, often half-closed), `:x`, `${x}`
_PATH_PARAM = re.compile(r"\{\s*\$?([\w-]+)\s*\}|&lt;([\w-]+)(?:&gt;|>)?|<([\w-]+)>|:(\w+)|\$\{(\w+)\}")


def _split_path(raw: str) -> tuple[str, list[str], list[tuple[str, str]]]:
    path, _, query = raw.partition("?")
    names: list[str] = []

    def sub(m: re.Match[str]) -> str:
        name = next(g for g in m.groups() if g)
        if name not in names:
            names.append(name)
        return "{" + name + "}"

    path = _PATH_PARAM.sub(sub, path)
    # a brace that is not a parameter cannot stand in an OpenAPI path: percent-encode it
    parts = re.split(r"(\{[\w-]+\})", path)
    path = "".join(
        p if re.fullmatch(r"\{[\w-]+\}", p) else p.replace("{", "%7B").replace("}", "%7D") for p in parts
    )
    params = []
    for part in query.split("&"):
        if part:
            k, _, v = part.partition("=")
            params.append((k, v))
    return path, names, params


def _id_key(operation_id: str) -> str:
    return re.sub(r"[^a-z0-9]", "", operation_id.lower())


def _operation_id(method: str, path: str) -> str:
    words = [w for w in re.split(r"[^A-Za-z0-9]+", path) if w]
    return "_".join([method.lower(), *words]) if words else method.lower() + "_root"


def _operation(
    doc: Document,
    ep: Endpoint,
    path: str,
    path_params: list[str],
    query: list[tuple[str, str]],
    env: Envelope | None,
    hints: dict[str, Schema],
) -> dict[str, Any]:
    endpoints = [ep, *ep.merged_from]
    op: dict[str, Any] = {}
    if ep.tag:
        op["tags"] = [ep.tag]
    op["summary"] = ep.title
    desc = _description(endpoints)
    if desc:
        op["description"] = desc
    if any(e.deprecated for e in endpoints):
        op["deprecated"] = True
    params: list[dict[str, Any]] = []
    fields, required_unknown = _request_fields(doc, ep, hints)
    for f, _ in [
        x for x in fields if x[0].location == "header" and x[0].name.lower() in ("content-type", "accept")
    ]:
        # OpenAPI ignores these as parameters: the request's media type says it instead
        fields = [x for x in fields if x[0] is not f]
        required_unknown = [u for u in required_unknown if u is not f]
        media = f.example.split(";")[0].strip().lower()
        if f.name.lower() == "content-type" and "/" in media and not ep.request_media:
            ep.request_media = media
    by_name = {f.name: (f, schema) for f, schema in fields}
    for name in path_params:
        f, schema = by_name.pop(name, (None, {"type": "string"}))
        p = {"name": name, "in": "path", "required": True, "schema": schema}
        if f is not None and f.description:
            p["description"] = schema.pop("description", f.description)
        p["example"] = example_for(schema, name, f.description if f else "", f.default if f else "") or "1"
        params.append(p)
    for name, written in query:
        f, schema = by_name.pop(
            name, (None, {"type": "integer"} if INTEGER_NAME.search(name) else {"type": "string"})
        )
        p = {"name": name, "in": "query", "required": bool(f and f.required), "schema": schema}
        p["description"] = (
            f.description if f and f.description else ""
        ) or f"written in the doc's path as `{name}={written}`"
        schema.pop("description", None)
        p["example"] = example_for(schema, name)
        params.append(p)
    fields = list(by_name.values())
    required_unknown = [f for f in required_unknown if f.name in by_name]
    takes_body = ep.method in ("POST", "PUT", "PATCH") or (
        ep.method == "DELETE"
        and (
            any(s.role == "request" for s in ep.samples)
            or any(f.location in ("body", "form") for f, _ in fields)
        )
    )
    body_fields = []
    for f, schema in fields:
        where = f.location
        if where == "header":
            p = {"name": f.name, "in": "header", "required": bool(f.required), "schema": schema}
        elif where == "query" or not takes_body or (where == "path" and f.name not in path_params):
            p = {"name": f.name, "in": "query", "required": bool(f.required), "schema": schema}
        else:
            body_fields.append((f, schema))
            continue
        if f.description:
            p["description"] = schema.pop("description", f.description)
        schema.pop("description", None)
        p["example"] = (
            _written_example(f, schema)
            if f.example
            else example_for(schema, f.name, f.description, f.default)
        )
        params.append(p)
    body = _request_body(ep, endpoints, body_fields, hints) if takes_body else None
    if body:
        op["requestBody"] = body
    _warn_required_unknown(doc, ep, required_unknown)
    if params:
        op["parameters"] = params
    op["responses"] = _responses(doc, ep, endpoints, env, hints)
    op["x-source"] = {"file": doc.file, "line": ep.line}
    return op


def _written_example(f: Field, schema: Schema) -> Any:
    """The value the doc shows for a parameter (`sessionId`, `?time=1462653861261`), typed like it."""
    raw = f.example.strip().strip("`")
    if schema.get("type") == "integer" and re.fullmatch(r"-?\d+", raw):
        return int(raw)
    if schema.get("type") == "number" and re.fullmatch(r"-?\d+(\.\d+)?", raw):
        return float(raw) if "." in raw else int(raw)
    if schema.get("type") in ("integer", "number", "boolean", "array", "object"):
        return example_for(schema, f.name, f.description, f.default)
    return raw


def _warn_required_unknown(doc: Document, ep: Endpoint, unknown: list[Field]) -> None:
    """A table row with an empty required cell is reported at its row; fields known only from a
    request sample (which cannot say) once, at the sample."""
    from_samples = [f for f in unknown if f.type == "(sample)"]
    for f in unknown:
        if f.type != "(sample)":
            doc.warn(
                f.line,
                "required-unknown",
                f"the doc does not say whether {f.name!r} is required; treated as optional",
            )
    if from_samples:
        names = ", ".join(f.name for f in from_samples)
        verb = "is" if len(from_samples) == 1 else "are"
        doc.warn(
            from_samples[0].line,
            "required-unknown",
            f"{ep.method} {ep.path}: the request sample does not say whether {names} {verb} required; treated as optional",
        )


def _description(endpoints: list[Endpoint]) -> str:
    parts = []
    for e in endpoints:
        if e.table_title and e.table_title != e.title:
            parts.append(f"The doc's table calls it: {e.table_title}.")
        parts.extend(n for n in e.notes if n)
    if len(endpoints) > 1:
        parts.append(
            "Documented in several sections: "
            + "; ".join(f"{e.title} (line {e.line})" for e in endpoints)
            + "."
        )
    return "\n\n".join(dict.fromkeys(parts))


def _request_fields(
    doc: Document, ep: Endpoint, hints: dict[str, Schema]
) -> tuple[list[tuple[Field, Schema]], list[Field]]:
    """The request fields: the params table, else what request samples show (with their comments)."""
    out: list[tuple[Field, Schema]] = []
    seen: set[str] = set()
    unknown: list[Field] = []
    request_samples = [s for e in [ep, *ep.merged_from] for s in e.samples if s.role == "request"]
    sample_line = request_samples[0].line if request_samples else ep.line
    sample_schema = _sample_schema(request_samples)
    sample_props = sample_schema.get("properties", {}) if sample_schema.get("type") == "object" else {}
    for f in [*ep.params, *(p for e in ep.merged_from for p in e.params)]:
        if f.depth or f.name in seen:
            continue
        seen.add(f.name)
        kind = table_type(f.type)
        hint = sample_props.get(f.name) or hints.get(f.name)
        schema = schema_for_type(kind, f.name, hint) if kind else dict(hint or {"type": "string"})
        if f.description:
            schema["description"] = f.description
        default = _default(f.default, schema)
        if default is not None:
            schema["default"] = default
        if f.required is None:
            unknown.append(f)
        out.append((f, schema))
    for name, schema in sample_props.items():
        if name in seen:
            continue
        seen.add(name)
        required = _required_mark(schema)
        f = Field(name, sample_line, "(sample)", required=required, description=schema.get("description", ""))
        if required is None:
            unknown.append(f)
        out.append((f, schema))
    return out, unknown


_REQUIRED_MARK = re.compile(
    r"\s*[(（【\[]\s*(必填|必选|选填|可选|required|optional)\s*[)）】\]]\s*$", re.IGNORECASE
)


def _required_mark(schema: Schema) -> bool | None:
    """`"session_id": "abc", // 会话id（必填）`: a request sample's comment may end by saying whether
    the field is required (the docs generator writes it so); the mark is not part of the description."""
    m = _REQUIRED_MARK.search(schema.get("description", ""))
    if not m:
        return None
    rest = schema["description"][: m.start()].strip()
    if rest:
        schema["description"] = rest
    else:
        del schema["description"]
    return m.group(1).lower() in ("必填", "必选", "required")


def _default(written: str, schema: Schema) -> Any:
    """A default written in a table ('zh', '0'), typed like its field; '-' and '无' mean none."""
    w = written.strip().strip("`'\"")
    if not w or w in ("-", "--", "无", "none", "None", "null"):
        return None
    t = schema.get("type")
    if t == "integer" and re.fullmatch(r"-?\d+", w):
        return int(w)
    if t == "number" and re.fullmatch(r"-?\d+(\.\d+)?", w):
        return float(w) if "." in w else int(w)
    if t == "boolean" and w.lower() in ("true", "false"):
        return w.lower() == "true"
    if t == "string":
        return w
    return None


def _sample_schema(samples: list[DocSample]) -> Schema:
    schema: Schema = {}
    for s in samples:
        if not s.sample.ok:
            continue
        values = s.sample.items or [s.sample.value]
        for v in values:
            inferred = infer(v)
            _apply_comments(inferred, s.sample.comments)
            schema = inferred if not schema else merge(schema, inferred)
    return schema


def _apply_comments(schema: Schema, comments: dict[tuple[str, ...], str]) -> None:
    for path, text in comments.items():
        node = schema
        for key in path:
            node = node.get("items", {}) if key == "[]" else node.get("properties", {}).get(key, {})
        if node is not schema and node is not None and "description" not in node:
            node["description"] = text


def _request_body(
    ep: Endpoint, endpoints: list[Endpoint], fields: list[tuple[Field, Schema]], hints: dict[str, Schema]
) -> dict[str, Any] | None:
    samples = [s for e in endpoints for s in e.samples if s.role == "request" and s.sample.ok]
    declared = next((e.request_media for e in endpoints if e.request_media), "")
    if not fields and not samples and not declared.startswith("text/"):
        return None
    binary = any(schema.get("format") == "binary" for _, schema in fields)
    form = declared in ("application/x-www-form-urlencoded", "multipart/form-data") or any(
        f.location == "form" for f, _ in fields
    )
    if binary:
        media = "multipart/form-data"
    elif form:
        media = declared if declared.startswith("multipart/") else "application/x-www-form-urlencoded"
    elif declared and not declared.endswith("json") and not fields and not samples:
        # a raw body (`Content-Type: text/markdown`): the text itself
        return {
            "required": True,
            "content": {declared: {"schema": {"type": "string", "description": "the body as it is sent"}}},
        }
    else:
        media = "application/json"
    whole = next((s for s in samples if not isinstance(s.sample.value, dict)), None)
    if whole is not None and not fields:
        # the body is one value, not an object of fields (`[1, 2, 3]`: the ids to delete)
        schema = _sample_schema([whole])
        type_nulls(schema, hints)
        return {
            "required": True,
            "content": {
                media: {
                    "schema": schema,
                    "examples": {"default": {"summary": ep.title, "value": whole.sample.value}},
                }
            },
        }
    props = {f.name: s for f, s in fields}
    schema: Schema = {"type": "object", "properties": props}
    type_nulls(schema, hints)
    required = [f.name for f, _ in fields if f.required]
    if required:
        schema["required"] = required
    examples: dict[str, Any] = {}
    for name, e in _example_names(endpoints):
        req = [
            s for s in e.samples if s.role == "request" and s.sample.ok and isinstance(s.sample.value, dict)
        ]
        line = req[0].line if req else e.line
        if req:
            value = dict(req[0].sample.value)
        else:
            value = {
                f.name: example_for(s, f.name, f.description, f.default)
                for f, s in fields
                if f.required or not e.samples
            }
            if not value:
                value = {f.name: example_for(s, f.name, f.description, f.default) for f, s in fields}
        examples[name] = {"summary": e.title, "value": value, SAMPLE_LINE: line}
    content: dict[str, Any] = {"schema": schema, "examples": examples}
    if binary:
        content["encoding"] = {
            f.name: {"contentType": "application/octet-stream"}
            for f, s in fields
            if s.get("format") == "binary"
        }
    return {"required": bool(required) or bool(props), "content": {media: content}}


def _example_names(endpoints: list[Endpoint]) -> list[tuple[str, Endpoint]]:
    """Names for the examples of each documenting section; merged sections get names from what differs."""
    if len(endpoints) == 1:
        return [("default", endpoints[0])]
    values = []
    for e in endpoints:
        req = next(
            (s.sample.value for s in e.samples if s.role == "request" and isinstance(s.sample.value, dict)),
            {},
        )
        values.append(req)
    names = []
    keys = sorted({k for v in values for k in v})
    differing = [
        k
        for k in keys
        if len({json.dumps(v.get(k), ensure_ascii=False) for v in values}) > 1 and _selector(values, k)
    ]
    for i, (e, v) in enumerate(zip(endpoints, values, strict=True)):
        parts = [f"{k}_{v[k]}" for k in differing if k in v]
        name = _slug("_".join(parts)) if parts and len(differing) <= 2 else f"section_{i + 1}"
        names.append((name, e))
    return names


_TOKEN = re.compile(r"[A-Za-z0-9_.\-]{1,24}")


def _selector(values: list[dict[str, Any]], key: str) -> bool:
    """A field that selects behaviour (role: user|ai), not free text: short tokens or numbers."""
    return all(
        isinstance(v.get(key), bool | int) or (isinstance(v.get(key), str) and _TOKEN.fullmatch(v[key]))
        for v in values
        if key in v
    )


def _slug(s: str) -> str:
    return re.sub(r"[^A-Za-z0-9_]+", "_", s).strip("_") or "example"


_REASONS = {
    "200": "OK",
    "201": "Created",
    "202": "Accepted",
    "204": "No Content",
    "301": "Moved Permanently",
    "302": "Found (a redirect)",
    "304": "Not Modified",
    "400": "Bad Request",
    "401": "Unauthorized",
    "403": "Forbidden",
    "404": "Not Found",
    "405": "Method Not Allowed",
    "409": "Conflict",
    "422": "Unprocessable Entity",
    "429": "Too Many Requests",
    "500": "Internal Server Error",
}
_KIND_MEDIA = {
    "text": "text/plain",
    "sse": "text/event-stream",
    "binary": "application/octet-stream",
    "json": "application/json",
}
Answer = tuple[str, DocSample, Endpoint, dict[str, Any]]


def _responses(
    doc: Document, ep: Endpoint, endpoints: list[Endpoint], env: Envelope | None, hints: dict[str, Schema]
) -> dict[str, Any]:
    """One response per documented status: the success samples under the success status, each error
    sample under its own status (or `default`), statuses documented without a body as such."""
    _report_sample_problems(doc, endpoints)
    named = _example_names(endpoints)
    kind = next((e.response_kind for e in endpoints if e.response_kind), "")
    redirect = any(e.redirect for e in endpoints) or kind == "redirect"
    success = next((e.success_status for e in endpoints if e.success_status), "") or (
        "302" if redirect else "200"
    )
    groups: dict[str, list[Answer]] = {}
    headers: dict[str, Any] = {}
    for base, e in named:
        counts: dict[str, int] = {}
        for s in e.samples:
            if s.role not in ("response", "error") or not s.sample.ok:
                continue
            status = s.status or (success if s.role == "response" else "default")
            if s.role == "error" and status.startswith("2"):
                status = "default"  # an error sample never joins (nor widens) the success answer
            counts[status] = counts.get(status, 0) + 1
            name, when = _condition(s.caption)
            alternative = re.search(r"\(\s*alternative (\d+) of \d+\s*\)", s.caption or "")
            if alternative and not name:
                name = f"alternative_{alternative.group(1)}"
            if not name:
                name = base if counts[status] == 1 else f"{base}_{counts[status]}"
            if len(endpoints) > 1:
                when = when or _when_from_request(named, e)
            groups.setdefault(status, []).append((name, s, e, when))
        for s in e.samples:
            if s.role == "headers" and s.sample.ok and isinstance(s.sample.value, dict):
                for hk, hv in s.sample.value.items():
                    hs = infer(hv)
                    comment = s.sample.comments.get((hk,))
                    # a header the doc shows in its success sample is part of the contract (login's token)
                    h = {"required": True, "schema": hs, "example": hv}
                    if comment:
                        h["description"] = comment
                    headers.setdefault(hk, h)
                    if "token" in hk.lower() and not doc.token_header:
                        doc.token_header = hk
    has_fields = any(e.fields for e in endpoints)
    out: dict[str, Any] = {}
    order = sorted(groups, key=lambda c: (c != success, c == "default", c))
    for status in order:
        own = headers if status == success else {}
        out[status] = _response(
            doc, ep, endpoints, env, hints, groups[status], status, status == success, kind, own
        )
    if success not in out and (has_fields or kind in _KIND_MEDIA):
        out[success] = _response(doc, ep, endpoints, env, hints, [], success, True, kind, headers)
    if redirect and success.startswith("3"):
        target = next(
            (s.sample.value for _, s, _, _ in groups.get(success, []) if isinstance(s.sample.value, str)),
            None,
        )
        out[success] = {
            "description": "Redirect: the browser is sent to the `Location`.",
            "headers": {
                "Location": {"schema": {"type": "string"}, **({"example": target} if target else {})}
            },
        }
    if headers and success not in out:
        out[success] = {"description": _response_description("application/json"), "headers": headers}
    for e in endpoints:
        for code, text in e.statuses.items():
            if code not in out:
                out[code] = {"description": text or _REASONS.get(code, "Documented status.")}
    documented = bool(out)
    for code, text in doc.statuses.items():
        if code in doc.status_methods and ep.method not in doc.status_methods[code]:
            continue
        if code not in out and not code.startswith("2"):
            out[code] = {"description": text or _REASONS.get(code, "Documented status.")}
    if not any(c.startswith(("2", "3")) for c in out):
        if not documented and not any(s.role in ("response", "error") for e in endpoints for s in e.samples):
            doc.warn(
                ep.line,
                "no-response",
                f"{ep.method} {ep.path} documents no response (no sample, field table or status): "
                f"the spec says only {success} with no body",
            )
        out[success] = {"description": _response_description("application/json")}
    return dict(sorted(out.items(), key=lambda kv: (kv[0] == "default", kv[0])))


def _report_sample_problems(doc: Document, endpoints: list[Endpoint]) -> None:
    for e in endpoints:
        for s in e.samples:
            _check_stream_order(doc, s)
            if not s.sample.ok:
                doc.warn(
                    s.line + next((r.line for r in s.sample.repairs if r.rule == "sample-unreadable"), 0),
                    "sample-unreadable",
                    f"{s.role or 'sample'} sample could not be read ({s.sample.error}); left out of the spec",
                    "error",
                )
            for r in s.sample.repairs:
                if r.rule != "sample-unreadable":
                    doc.warn(
                        s.line + r.line,
                        r.rule,
                        ("malformed sample: " if r.rule == "sample-repaired" else "") + r.text(s.line),
                    )


def _response(
    doc: Document,
    ep: Endpoint,
    endpoints: list[Endpoint],
    env: Envelope | None,
    hints: dict[str, Schema],
    responses: list[Answer],
    status: str,
    success: bool,
    kind: str,
    headers: dict[str, Any],
) -> dict[str, Any]:
    media = _response_media(ep, responses, kind if success else "")
    body_schema: Schema = {}
    for _, s, _, _ in responses:
        body_schema = merge(body_schema, _sample_schema([s])) if body_schema else _sample_schema([s])
    if media == "text/plain" or (
        responses and media.startswith(("text/", "image/svg")) and media != "text/event-stream"
    ):
        body_schema = {"type": "string"}
    elif media == "application/octet-stream":
        body_schema = {"type": "string", "format": "binary"}
    if success:
        body_schema = _apply_field_table(doc, ep, body_schema, env)
        wrapped = _wrap_envelope(doc, body_schema, env, responses, media)
    else:
        wrapped = body_schema
    if media in ("application/x-ndjson", "text/event-stream", "text/plain"):
        wrapped = (
            {**wrapped, "description": (wrapped.get("description", "") + " " + STREAM_NOTE).strip()}
            if "$ref" not in wrapped
            else wrapped
        )
    type_nulls(wrapped, hints)
    content: dict[str, Any] = {"schema": wrapped}
    examples: dict[str, Any] = {}
    for name, s, e, when in responses:
        condition = _COND.search(s.caption or "") or re.search(
            r"\(\s*alternative \d+ of \d+\s*\)", s.caption or ""
        )
        ex: dict[str, Any] = {
            "summary": e.title + (f" ({condition.group(0).strip('() ')})" if condition else "")
        }
        if not success and s.caption and not condition:
            ex["summary"] = f"{e.title} ({s.caption.strip(' :：*')})"
        if s.sample.items is not None or media in ("text/plain", "application/x-ndjson", "text/event-stream"):
            items = s.sample.items if s.sample.items is not None else [s.sample.value]
            ex["value"] = items[-1]
            ex["x-oai-serializedValue"] = _serialize_stream(items, media)
        else:
            ex["value"] = s.sample.value
        if when:
            ex["x-when"] = when
        ex[SAMPLE_LINE] = s.line
        examples[name] = ex
    if examples:
        content["examples"] = examples
    if success:
        description = _response_description(media)
    else:
        caption = next((s.caption for _, s, _, _ in responses if s.caption), "")
        described = next((e.statuses.get(status, "") for e in endpoints if e.statuses.get(status)), "")
        description = (
            described or caption.strip(" :：*") or _REASONS.get(status, "An error answer the doc shows.")
        )
    out: dict[str, Any] = {"description": description}
    raw_headers = {k: v for _, s, _, _ in responses for k, v in s.headers.items()}
    headers = {**headers, **{k: {"schema": {"type": "string"}, "example": v} for k, v in raw_headers.items()}}
    if headers:
        out["headers"] = headers
    if responses or body_schema or kind in _KIND_MEDIA:
        out["content"] = {media: content}
    return out


def _is_done(item: Any) -> bool:
    if not isinstance(item, dict):
        return False
    return item.get("done") is True or _is_done(
        next((v for v in item.values() if isinstance(v, dict) and "done" in v), None)
    )


def _check_stream_order(doc: Document, s: DocSample) -> None:
    """A streamed sample whose items go on after the one that says `done: true`."""
    items = s.sample.items or []
    for i, item in enumerate(items[:-1]):
        if _is_done(item):
            line = s.line + (s.sample.item_lines[i + 1] if len(s.sample.item_lines) > i + 1 else 0)
            doc.warn(
                line,
                "stream-order",
                f"streamed sample goes on after the item that says done: true (item {i + 1} of {len(items)})",
            )
            return


def _response_description(media: str) -> str:
    return {
        "application/x-ndjson": "Success: a stream of JSON lines (NDJSON), one item per line.",
        "text/event-stream": "Success: a stream of server-sent events, one JSON item per `data:` event.",
        "text/plain": "Success: a stream of plain text.",
    }.get(media, "Success.")


def _response_media(ep: Endpoint, responses: list[Answer], kind: str = "") -> str:
    if ep.text_stream:
        return "text/plain"
    streamed = any(s.sample.items is not None for _, s, _, _ in responses)
    if ep.path.rstrip("/").endswith("/sse") or any(s.sample.framing == "sse" for _, s, _, _ in responses):
        return "text/event-stream" if streamed or ep.path.rstrip("/").endswith("/sse") else "application/json"
    if streamed:
        return "application/x-ndjson"
    declared = next((s.lang for _, s, _, _ in responses if "/" in s.lang), "")
    if declared:
        return declared  # a raw HTTP answer's Content-Type
    if responses and all(isinstance(s.sample.value, str) and not s.sample.items for _, s, _, _ in responses):
        first = responses[0][1].sample.value.lstrip().lower()
        if first.startswith("<svg"):
            return "image/svg+xml"
        if first.startswith(("<!doctype html", "<html")):
            return "text/html"
        if first.startswith("<?xml"):
            return "application/xml"
        return "text/plain"
    if not responses and kind in _KIND_MEDIA:
        return _KIND_MEDIA[kind]
    return "application/json"


def _serialize_stream(items: list[Any], media: str) -> str:
    def dump(v: Any) -> str:
        return v if isinstance(v, str) else json.dumps(v, ensure_ascii=False, separators=(",", ":"))

    if media == "text/event-stream":
        return "".join(f"data: {dump(v)}\n\n" for v in items)
    if media == "text/plain":
        return "".join(dump(v) for v in items)
    return "".join(dump(v) + "\n" for v in items)


_COND = re.compile(r"\(\s*(\w+)\s*(==|=|!=|<=|>=|<|>)\s*['\"]?([\w.\-]+)['\"]?\s*\)")


def _condition(caption: str) -> tuple[str, dict[str, Any]]:
    """`Sample returned successfully( batch_size <= 1)` -> a name and an `x-when`."""
    m = _COND.search(caption or "")
    if not m:
        return "", {}
    field, op, raw = m.groups()
    value: Any = raw
    if re.fullmatch(r"-?\d+", raw):
        value = int(raw)
    elif re.fullmatch(r"-?\d+\.\d+", raw):
        value = float(raw)
    schema = {
        "==": {"enum": [value]},
        "=": {"enum": [value]},
        "!=": {"not": {"enum": [value]}},
        "<=": {"maximum": value},
        ">=": {"minimum": value},
        "<": {"exclusiveMaximum": value},
        ">": {"exclusiveMinimum": value},
    }[op]
    opname = {"==": "eq", "=": "eq", "!=": "ne", "<=": "le", ">=": "ge", "<": "lt", ">": "gt"}[op]
    return _slug(f"{field}_{opname}_{raw}"), {field: schema}


def _when_from_request(named: list[tuple[str, Endpoint]], e: Endpoint) -> dict[str, Any]:
    reqs = {}
    for _, x in named:
        reqs[id(x)] = next(
            (s.sample.value for s in x.samples if s.role == "request" and isinstance(s.sample.value, dict)),
            {},
        )
    mine = reqs[id(e)]
    when = {}
    for k, v in mine.items():
        others = [r.get(k) for key, r in reqs.items() if key != id(e)]
        if others and all(o != v for o in others) and _selector([r for r in reqs.values() if k in r], k):
            when[k] = {"enum": [v]}
    return when


def _apply_field_table(doc: Document, ep: Endpoint, schema: Schema, env: Envelope | None) -> Schema:
    """Merge a response-field table (with `-`/`--` nesting) into the schema inferred from samples."""
    fields = [f for e in [ep, *ep.merged_from] for f in e.fields]
    if not fields:
        return schema
    if not schema:
        schema = {"type": "object", "properties": {}}
    stack: list[Schema] = [schema]
    for f in fields:
        del stack[f.depth + 1 :]
        parent = stack[-1]  # the nearest shallower field (a skipped level nests under the last one)
        target = parent.get("items", parent) if parent.get("type") == "array" else parent
        if target.get("type") != "object" and "properties" not in target:
            target.setdefault("type", "object")
        props = target.setdefault("properties", {})
        kind = table_type(f.type)
        node = props.get(f.name)
        if node is None and f.depth == 0:
            # a flat table may describe fields that the sample nests (under `data`): find them there
            found = _find_nested(schema, f.name)
            if len(found) == 1:
                node = found[0]
        if node is None:
            node = schema_for_type(kind, f.name) if kind not in ("", "any") else {}
            props[f.name] = node
        elif kind and kind not in ("any",) and node.get("type") and not _type_agrees(kind, node):
            doc.warn(
                f.line,
                "field-type-mismatch",
                f"field table says {f.name!r} is {f.type!r} but the sample shows {node['type']}; the sample wins",
            )
        if f.description:
            node["description"] = f.description
        stack.append(node)
    return schema


def _find_nested(schema: Schema, name: str, depth: int = 0) -> list[Schema]:
    found: list[Schema] = []
    target = schema.get("items", schema) if schema.get("type") == "array" else schema
    for key, sub in (target.get("properties") or {}).items():
        if depth and key == name:
            found.append(sub)
        if isinstance(sub, dict):
            found += _find_nested(sub, name, depth + 1)
    return found


def _type_agrees(kind: str, node: Schema) -> bool:
    t = node.get("type")
    return kind == t or (kind == "number" and t == "integer") or (kind == "integer" and t == "integer")


def _wrap_envelope(
    doc: Document,
    schema: Schema,
    env: Envelope | None,
    responses: list[tuple[str, DocSample, Endpoint, dict[str, Any]]],
    media: str,
) -> Schema:
    if env is None or schema.get("type") != "object" or media == "text/plain" or not responses:
        return schema
    props = schema.get("properties", {})
    missing = [k for k in env.schema.get("required", []) if k not in props]
    if missing:
        for _, s, _, _ in responses:
            doc.warn(
                s.line,
                "envelope-mismatch",
                f"response sample lacks {', '.join(missing)} of the document's usual envelope ({', '.join(env.keys)}); "
                "its own shape is kept",
            )
        return schema
    rest = {k: v for k, v in props.items() if k not in env.keys or k == env.data_field}
    part: Schema = {"type": "object", "properties": rest}
    req = [k for k in schema.get("required", []) if k in rest]
    if req:
        part["required"] = req
    if not rest:
        return {"$ref": "#/components/schemas/Envelope"}
    return {"allOf": [{"$ref": "#/components/schemas/Envelope"}, part]}


def type_nulls(schema: Schema, hints: dict[str, Schema], name: str = "") -> Schema:
    """Give a type to fields that are null in every sample: from the same name elsewhere in the doc,
    else from names with the same suffix (`deleted_at` like `created_at`), else leave them untyped."""
    if not isinstance(schema, dict):
        return schema
    for key in ("properties",):
        for k, sub in (schema.get(key) or {}).items():
            type_nulls(sub, hints, k)
    if isinstance(schema.get("items"), dict):
        type_nulls(schema["items"], hints, name)
    for key in ("allOf", "anyOf", "oneOf"):
        for sub in schema.get(key, []):
            type_nulls(sub, hints, name)
    if (
        schema.get("nullable")
        and "type" not in schema
        and not any(k in schema for k in ("allOf", "anyOf", "oneOf", "$ref"))
    ):
        hint = hints.get(name) or _suffix_hint(hints, name)
        if hint and hint.get("type") in ("string", "integer", "number", "boolean"):
            schema["type"] = hint["type"]
        else:
            del schema["nullable"]  # an untyped schema already admits null
            schema.setdefault("description", "null in every documented sample; the type is not documented")
    return schema


def _suffix_hint(hints: dict[str, Schema], name: str) -> Schema | None:
    if "_" not in name:
        return None
    suffix = name[name.rindex("_") :]
    types = {h.get("type") for k, h in hints.items() if k.endswith(suffix) and h.get("type")}
    return {"type": types.pop()} if len(types) == 1 else None


def _name_hints(doc: Document) -> dict[str, Schema]:
    """What samples anywhere in the doc show for each field name: used to type params tables."""
    hints: dict[str, Schema] = {}

    def walk(v: Any) -> None:
        if isinstance(v, dict):
            for k, x in v.items():
                if not isinstance(x, dict | list) and x is not None:
                    s = infer(x)
                    hints[k] = merge(hints[k], s) if k in hints else s
                elif isinstance(x, list) and x and not isinstance(x[0], dict | list):
                    s = infer(x)
                    hints[k] = merge(hints[k], s) if k in hints and hints[k].get("type") == "array" else s
                walk(x)
        elif isinstance(v, list):
            for x in v:
                walk(x)

    for ep in doc.endpoints:
        for s in ep.samples:
            if s.sample.ok:
                for v in s.sample.items or [s.sample.value]:
                    walk(v)
    return hints
