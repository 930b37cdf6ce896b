"""Incoming requests checked against an operation: parameters, body, credentials.

Everything a client can send ends here as either the request's values (for content-based
example selection) or one human-readable message; nothing raises.
"""

from __future__ import annotations

import base64
import contextlib
import json
import re
from dataclasses import dataclass
from typing import Any
from urllib.parse import parse_qsl

from starlette.datastructures import Headers as StarletteHeaders
from starlette.datastructures import UploadFile
from starlette.formparsers import MultiPartException, MultiPartParser

from mocks.context import SpecContext
from mocks.schemas import Validator, describe
from mocks.streams import base_media_type

# The largest request bodies read: multipart (uploads), and any other kind. A parsed JSON document
# can take many times its size in memory (16 MB of `[{},{},...]` is 450 MB of dicts), so the others
# are kept small; a larger body is refused with 413 before it is read.
MAX_BODY = 16 * 1024 * 1024
MAX_DOCUMENT_BODY = 1024 * 1024


def body_limit(content_type: str | None) -> int:
    """The most bytes a body of this Content-Type may have."""
    return MAX_BODY if (content_type or "").lower().lstrip().startswith("multipart/") else MAX_DOCUMENT_BODY


class Invalid(Exception):
    """The request does not match the spec; ``str(exc)`` is the message for the client."""


@dataclass(frozen=True)
class Param:
    name: str
    location: str  # query, path, header, cookie
    required: bool
    schema: dict[str, Any]
    validator: Validator | None
    explode: bool
    default: Any = None
    has_default: bool = False

    @property
    def key(self) -> str:
        # Header names are case-insensitive; ASGI servers hand them over lower-cased.
        return self.name.lower() if self.location == "header" else self.name


@dataclass(frozen=True)
class BodyMedia:
    media_type: str
    kind: str  # json, form, multipart, text, other
    schema: dict[str, Any]
    validator: Validator | None


@dataclass(frozen=True)
class Body:
    required: bool
    media: dict[str, BodyMedia]  # by lower-cased base media type

    def find(self, content_type: str | None) -> BodyMedia | None:
        if not content_type:
            # Lenient for curl users who forget -H: read the body as the first documented type.
            return next(iter(self.media.values()), None)
        base = base_media_type(content_type)
        if base in self.media:
            return self.media[base]
        major = base.split("/", 1)[0]
        for pattern in (f"{major}/*", "*/*"):
            if pattern in self.media:
                return self.media[pattern]
        if base.endswith("+json"):
            return self.media.get("application/json")
        return None


def body_kind(media_type: str) -> str:
    base = base_media_type(media_type)
    if base == "application/json" or base.endswith("+json") or base == "*/*":
        return "json"
    if base == "application/x-www-form-urlencoded":
        return "form"
    if base.startswith("multipart/"):
        return "multipart"
    if base.startswith("text/"):
        return "text"
    return "other"


def compile_params(ctx: SpecContext, raw_params: list[Any], label: str) -> tuple[Param, ...]:
    params: dict[tuple[str, str], Param] = {}
    for raw in raw_params:
        param = ctx.resolve(raw, f"{label}: parameter")
        if not isinstance(param, dict) or "name" not in param or "in" not in param:
            continue
        name, location = str(param["name"]), str(param["in"])
        where = f"{label}: {location} parameter {name!r}"
        schema = ctx.resolve(param.get("schema"), where)
        schema = schema if isinstance(schema, dict) else {}
        validator = ctx.validator(param.get("schema"), where) if schema else None
        for ex_name, value in _param_examples(ctx, param, where):
            ctx.check(validator, value, f"{where} example {ex_name!r}")
        style_default = location in ("query", "cookie")
        params[(location, name)] = Param(
            name=name,
            location=location,
            required=bool(param.get("required")) or location == "path",
            schema=schema,
            validator=validator,
            explode=bool(param.get("explode", style_default)),
            default=schema.get("default"),
            has_default="default" in schema,
        )
    return tuple(params.values())


def _param_examples(ctx: SpecContext, param: dict[str, Any], where: str) -> list[tuple[str, Any]]:
    if "example" in param:
        return [("example", param["example"])]
    out = []
    if isinstance(param.get("examples"), dict):
        for name, raw in param["examples"].items():
            example = ctx.resolve(raw, f"{where} example {name!r}")
            if isinstance(example, dict) and "value" in example:
                out.append((str(name), example["value"]))
    return out


def compile_body(ctx: SpecContext, raw: Any, label: str) -> Body | None:
    body = ctx.resolve(raw, f"{label}: request body")
    if not isinstance(body, dict) or not isinstance(body.get("content"), dict):
        return None
    media: dict[str, BodyMedia] = {}
    for media_type, item in body["content"].items():
        where = f"{label}: request body {media_type}"
        item = ctx.resolve(item, where) or {}
        schema = ctx.resolve(item.get("schema"), where)
        validator = ctx.validator(item.get("schema"), where) if isinstance(schema, dict) else None
        for name, value in request_examples_of(ctx, item, where).items():
            ctx.check(validator, value, f"{where} example {name!r}")
        media[base_media_type(str(media_type))] = BodyMedia(
            str(media_type), body_kind(str(media_type)), schema if isinstance(schema, dict) else {}, validator
        )
    return Body(bool(body.get("required")), media) if media else None


def request_examples_of(ctx: SpecContext, media: dict[str, Any], where: str) -> dict[str, Any]:
    out: dict[str, Any] = {}
    if isinstance(media.get("examples"), dict):
        for name, raw in media["examples"].items():
            example = ctx.resolve(raw, f"{where} example {name!r}")
            if isinstance(example, dict) and "value" in example:
                out[str(name)] = example["value"]
    elif "example" in media:
        out["example"] = media["example"]
    return out


# --- parameters ------------------------------------------------------------------------------


def coerce(raw: list[str], schema: dict[str, Any], explode: bool) -> Any:
    """A parameter's text as the JSON value its schema describes; left as text when it is not one."""
    kind = schema.get("type")
    if kind == "array":
        parts = raw if explode or len(raw) > 1 else raw[0].split(",") if raw and raw[0] else []
        items = schema.get("items") if isinstance(schema.get("items"), dict) else {}
        return [coerce_scalar(part, items) for part in parts]
    return coerce_scalar(raw[-1], schema)


def coerce_scalar(text: str, schema: dict[str, Any]) -> Any:
    kind = schema.get("type")
    try:
        if kind == "integer":
            return int(text) if len(text) < 1000 else text
        if kind == "number":
            number = float(text)
            return (
                int(number) if number.is_integer() and "." not in text and "e" not in text.lower() else number
            )
    except ValueError:
        return text
    if kind == "boolean":
        lowered = text.lower()
        return True if lowered == "true" else False if lowered == "false" else text
    if kind == "object":
        try:
            return json.loads(text)
        except ValueError:
            return text
    return text


def check_params(
    params: tuple[Param, ...],
    path_params: dict[str, str],
    query: dict[str, list[str]],
    headers: dict[str, str],
) -> dict[str, Any]:
    """The parameters' values (defaults filled in); raises Invalid with the first problem."""
    values: dict[str, Any] = {}
    cookies: dict[str, str] | None = None
    for param in params:
        if param.location == "path":
            raw = [path_params[param.name]] if param.name in path_params else None
        elif param.location == "query":
            raw = query.get(param.name)
        elif param.location == "header":
            raw = [headers[param.key]] if param.key in headers else None
        else:
            if cookies is None:
                cookies = _cookies(headers.get("cookie", ""))
            raw = [cookies[param.name]] if param.name in cookies else None
        if raw is None:
            if param.required:
                raise Invalid(f"{param.location} parameter {param.name!r} is required")
            if param.has_default:
                values[param.name] = param.default
            continue
        value = coerce(raw, param.schema, param.explode)
        error = param.validator.first_error(value) if param.validator else None
        if error:
            raise Invalid(describe(f"{param.location} parameter {param.name!r}", error))
        values[param.name] = value
    return values


def _cookies(header: str) -> dict[str, str]:
    out = {}
    for part in header.split(";"):
        name, _, value = part.strip().partition("=")
        if name:
            out[name] = value
    return out


# --- body ------------------------------------------------------------------------------------


async def check_body(
    body: Body | None, content_type: str | None, raw: bytes, form: list[tuple[str, str]] | None = None
) -> Any:
    """The decoded body (None when there is none); raises Invalid with the first problem.

    ``form``: the fields of a multipart body its reader already parsed (files as their names), in
    place of ``raw`` (the reference server parses uploads as they arrive, ``server.bodies``)."""
    if body is None:
        return None
    if not raw and not form:
        if body.required:
            raise Invalid("request body is required")
        return None
    media = body.find(content_type)
    if media is None:
        accepted = ", ".join(m.media_type for m in body.media.values())
        raise Invalid(f"Content-Type {content_type!r} is not accepted here; send {accepted}")
    if form is not None and media.kind == "multipart":
        value: Any = _fields(form, media.schema)
    else:
        value = await _decode(media, content_type or media.media_type, raw)
    error = media.validator.first_error(value) if media.validator else None
    if error:
        raise Invalid(describe("request body", error))
    return value


async def _decode(media: BodyMedia, content_type: str, raw: bytes) -> Any:
    if media.kind == "multipart":
        return await _multipart(media, content_type, raw)
    if media.kind == "other":
        return raw.decode("latin-1")
    try:
        text = raw.decode("utf-8")
    except UnicodeDecodeError as exc:
        raise Invalid(f"request body is not UTF-8 (byte {exc.start})") from None
    if media.kind == "json":
        return _json(text)
    if media.kind == "form":
        return _fields(parse_qsl(text, keep_blank_values=True), media.schema)
    return text


def _refuse_constant(constant: str) -> Any:
    raise ValueError(f"{constant} is not JSON")  # Python reads NaN/Infinity; JSON has neither


# One decoder for all requests: json.loads(..., parse_constant=) would build one per call.
_DECODER = json.JSONDecoder(parse_constant=_refuse_constant)


# Deeper than any of our APIs' bodies by far. Python's parser takes ~1,000 levels, but what runs after
# it (checks, handlers, answers) walks documents recursively too, with its own frames on the stack: a
# body nested 900 deep would get through the parser and fail later, as a 500.
MAX_NESTING = 64


def _json(text: str) -> Any:
    try:
        value = _DECODER.decode(text)
    except RecursionError:
        raise Invalid("request body is nested too deeply") from None
    except ValueError as exc:
        raise Invalid(f"request body is not valid JSON: {str(exc)[:200]}") from None
    if isinstance(value, dict | list) and _deeper_than(value, MAX_NESTING):
        raise Invalid(f"request body is nested more than {MAX_NESTING} levels deep")
    return value


def _deeper_than(value: Any, limit: int) -> bool:
    """Whether arrays and objects nest more than ``limit`` deep (iterative: no recursion to exhaust)."""
    pending = [(value, 1)]
    while pending:
        node, depth = pending.pop()
        if depth > limit:
            return True
        children = node.values() if isinstance(node, dict) else node
        pending.extend((child, depth + 1) for child in children if isinstance(child, dict | list))
    return False


def _fields(pairs: list[tuple[str, str]], schema: dict[str, Any]) -> dict[str, Any]:
    grouped: dict[str, list[str]] = {}
    for name, value in pairs:
        grouped.setdefault(name, []).append(value)
    properties = schema.get("properties") if isinstance(schema.get("properties"), dict) else {}
    out = {}
    for name, raw in grouped.items():
        prop = properties.get(name)
        out[name] = coerce(raw, prop, True) if isinstance(prop, dict) else raw[-1]
    return out


async def _multipart(media: BodyMedia, content_type: str, raw: bytes) -> dict[str, Any]:
    async def stream() -> Any:
        yield raw

    headers = StarletteHeaders({"content-type": content_type})
    try:
        form = await MultiPartParser(headers, stream()).parse()
    except (MultiPartException, ValueError, KeyError) as exc:
        raise Invalid(f"request body is not valid multipart/form-data: {exc}") from None
    pairs: list[tuple[str, str]] = []
    try:
        for name, value in form.multi_items():
            # A file validates as the `format: binary` string it is in the schema; its name is
            # what x-when and example matching can look at.
            pairs.append((name, (value.filename or "") if isinstance(value, UploadFile) else value))
    finally:
        await form.close()
    return _fields(pairs, media.schema)


# --- credentials -----------------------------------------------------------------------------


def compile_security(ctx: SpecContext, operation: dict[str, Any]) -> tuple[tuple[tuple[str, str], ...], ...]:
    """Each alternative as (location, name) pairs that must all be present; () = open."""
    requirements = operation.get("security", ctx.doc.get("security"))
    if not isinstance(requirements, list):
        return ()
    schemes = (ctx.doc.get("components") or {}).get("securitySchemes") or {}
    alternatives = []
    for requirement in requirements:
        if not isinstance(requirement, dict) or not requirement:
            return ()  # `{}` among the alternatives: anonymous access is allowed
        needs = []
        for name in requirement:
            scheme = ctx.resolve(schemes.get(name), f"security scheme {name!r}")
            if not isinstance(scheme, dict):
                continue
            if scheme.get("type") == "apiKey":
                needs.append((str(scheme.get("in", "header")), str(scheme.get("name", "")).lower()))
            elif scheme.get("type") == "http" and str(scheme.get("scheme", "")).lower() == "basic":
                needs.append(("authorization", "basic"))
            else:
                needs.append(("authorization", "bearer"))
        alternatives.append(tuple(needs))
    return tuple(alternatives)


# The token every mock accepts, whatever its spec documents: what a frontend uses for an API whose
# tokens come from somewhere the mock cannot play (a web page, an admin tool).
MOCK_TOKEN = "mock-token"

# Response fields and headers that hand a credential out: `token`, `access_token`, `session-token`,
# `accessToken`, `api_key`, `apiKey`, `jwt`.
_ISSUED_NAME = re.compile(
    r"(^|[-_])(token|jwt|api[-_]?key)$|[a-z](Token|Jwt|ApiKey)$|^apikey$", re.IGNORECASE
)
_WALK_LIMIT = 20


def accepted_tokens(doc: dict[str, Any]) -> frozenset[str]:
    """The credentials a mock of `doc` accepts: `mock-token`, and every token the spec shows the API
    handing out or expecting: response headers and response fields named like a token (the
    `session-token` a login answers), and the examples of header, query or cookie parameters that
    carry one. A stateless mock cannot check a token; it can still refuse one nobody was given."""
    found = {MOCK_TOKEN}
    for item in (doc.get("paths") or {}).values():
        if not isinstance(item, dict):
            continue
        for operation in item.values():
            if not isinstance(operation, dict):
                continue
            for param in [*(item.get("parameters") or []), *(operation.get("parameters") or [])]:
                param = _local(doc, param)
                if isinstance(param, dict) and _issued_name(str(param.get("name", ""))):
                    _add_token(found, param.get("example"))
            for response in (operation.get("responses") or {}).values():
                _tokens_of_response(doc, _local(doc, response), found)
    return frozenset(found)


def _tokens_of_response(doc: dict[str, Any], response: Any, found: set[str]) -> None:
    if not isinstance(response, dict):
        return
    for name, header in (response.get("headers") or {}).items():
        header = _local(doc, header)
        if _issued_name(str(name)) and isinstance(header, dict):
            _add_token(found, header.get("example"))
    for media in (response.get("content") or {}).values():
        if not isinstance(media, dict):
            continue
        values = [media.get("example")]
        for example in (media.get("examples") or {}).values():
            example = _local(doc, example)
            if isinstance(example, dict):
                values.append(example.get("value"))
        for value in values:
            _tokens_in(value, found, 0)


def _local(doc: dict[str, Any], node: Any) -> Any:
    """A `#/...` reference followed (one level: all these objects need)."""
    if isinstance(node, dict) and isinstance(node.get("$ref"), str) and node["$ref"].startswith("#/"):
        target: Any = doc
        for part in node["$ref"][2:].split("/"):
            key = part.replace("~1", "/").replace("~0", "~")
            target = target.get(key) if isinstance(target, dict) else None
        return target
    return node


def _issued_name(name: str) -> bool:
    return bool(_ISSUED_NAME.search(name)) or name.lower() == "authorization"


def _tokens_in(value: Any, found: set[str], depth: int) -> None:
    if depth > _WALK_LIMIT:
        return
    if isinstance(value, dict):
        for key, item in value.items():
            if _issued_name(str(key)):
                _add_token(found, item)
            _tokens_in(item, found, depth + 1)
    elif isinstance(value, list):
        for item in value:
            _tokens_in(item, found, depth + 1)


def _add_token(found: set[str], value: Any) -> None:
    if isinstance(value, str) and value.strip():
        scheme, _, rest = value.strip().partition(" ")
        # `Authorization: Bearer abc` documents the token `abc`
        found.add(rest.strip() if scheme.lower() in ("bearer", "basic") and rest.strip() else value.strip())


def has_credentials(
    alternatives: tuple[tuple[tuple[str, str], ...], ...],
    headers: dict[str, str],
    query: dict[str, list[str]],
    accepted: frozenset[str] | None = None,
) -> bool:
    """Whether the request carries the credentials one alternative needs.

    `accepted` are the credentials a mock takes (`accepted_tokens`); for HTTP basic, the password
    (or the whole `user:password`) must be one of them. None accepts any credential, as
    `mdcontract mock --any-token` does, except one that says it is invalid (``Bearer invalid``,
    ``Bearer SCHEMATHESIS-INVALID-VALUE``): that is how a frontend reaches its logged-out path and
    how contract tests probe ignored auth, so it is refused either way.
    """
    if not alternatives:
        return True
    return any(
        all(_credential_ok(_credential(need, headers, query), need, accepted) for need in needs)
        for needs in alternatives
    )


def _credential(need: tuple[str, str], headers: dict[str, str], query: dict[str, list[str]]) -> str:
    location, name = need
    if location == "authorization":
        scheme, _, token = headers.get("authorization", "").partition(" ")
        if scheme.lower() != name:
            return ""
        if name == "basic":
            with contextlib.suppress(ValueError):
                return base64.b64decode(token.strip(), validate=True).decode("utf-8", "replace")
        return token.strip()
    if location == "header":
        return headers.get(name, "")
    if location == "query":
        return next((values[-1] for key, values in query.items() if key.lower() == name and values), "")
    cookies = {k.lower(): v for k, v in _cookies(headers.get("cookie", "")).items()}
    return cookies.get(name, "")


def _credential_ok(value: str, need: tuple[str, str], accepted: frozenset[str] | None) -> bool:
    if not value or "invalid" in value.lower():
        return False
    if accepted is None:
        return True
    if need == ("authorization", "basic"):
        return value in accepted or value.partition(":")[2] in accepted
    return value in accepted
