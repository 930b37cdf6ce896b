"""Who sent a request, which owned resources it names, and which ones an answer reveals.

A resource is named by an input such as `session_id`, `character_id` or the `{id}` of
`/api/chat/conversations/{id}` (see `generators.specmodel.resource_kind`). The principal is the
Authorization header plus the `user_id` the request names, so APIs without tokens (session-store) still
keep one user's resources apart from another's.
"""

from __future__ import annotations

import json
from collections.abc import Iterator, Mapping
from typing import Any
from urllib.parse import parse_qs, urlencode, urlsplit, urlunsplit

from contract_tests.credentials import Credential
from contract_tests.http import Request
from contract_tests.state import Memory, Principal, Resource, Settings, memory_for, settings_for
from generators.specmodel import (
    JSON_MEDIA_TYPE,
    OWNED_KINDS,
    Operation,
    SpecModel,
    model_for,
    resource_kind,
    singular,
    words,
)


def settings_of(case: Any) -> Settings | None:
    """Our run's settings for this case's schema; None when another test suite loaded it."""
    return settings_for(case.operation.schema.raw_schema)


def memory_of(case: Any) -> Memory:
    return memory_for(case.operation.schema.raw_schema)


def model_of(case: Any) -> SpecModel:
    return model_for(case.operation.schema.raw_schema)


def operation_of(case: Any) -> Operation | None:
    """The spec operation of a case, unless schemathesis sent it with another method on purpose."""
    if case.method.upper() != case.operation.method.upper():
        return None
    return model_of(case).operation(case.operation.method, case.operation.path)


def header(headers: Mapping[str, Any], name: str) -> str:
    for key, value in headers.items():
        if key.lower() == name.lower():
            return value[0] if isinstance(value, list) else str(value)
    return ""


def content_type(headers: Mapping[str, Any]) -> str:
    return header(headers, "content-type").split(";")[0].strip().lower()


def json_body(content: bytes, media_type: str) -> Any:
    """The parsed body when the media type is JSON, else None (streams and text are read elsewhere)."""
    if not JSON_MEDIA_TYPE.match(media_type):
        return None
    try:
        return json.loads(content)
    except ValueError:
        return None


def first_item(content: bytes, media_type: str) -> Any:
    """The first JSON item of an NDJSON or SSE body (it carries the envelope code of the whole stream)."""
    for line in content.splitlines():
        line = line.strip()
        if media_type == "text/event-stream":
            if not line.startswith(b"data:"):
                continue
            line = line[5:].strip()
        if line:
            try:
                return json.loads(line)
            except ValueError:
                return None
    return None


def succeeded(model: SpecModel, status: int, content: bytes, media_type: str) -> bool:
    """A 2xx whose envelope (or first stream item's envelope) says success."""
    if not 200 <= status < 300:
        return False
    envelope = model.envelope
    if envelope is None or envelope.code_field is None:
        return True
    body = json_body(content, media_type)
    if body is None and media_type in ("application/x-ndjson", "text/event-stream"):
        body = first_item(content, media_type)
    if body is None:
        return media_type == "text/plain"
    return envelope.is_success(body)


def principal(model: SpecModel, request: Any, body: Any) -> Principal:
    """Who sent `request` (a sent request: `.headers`, `.url`): its credentials, wherever the spec
    puts them (Authorization, an API key in a header, the query or a cookie), and its `user_id`."""
    user = body.get("user_id") if isinstance(body, dict) else None
    query = parse_qs(urlsplit(str(getattr(request, "url", "") or "")).query)
    cookies = _cookies(header(request.headers, "cookie"))
    carried = []
    for location, name in model.credential_names:
        if location == "header":
            value = header(request.headers, name)
        elif location == "query":
            value = next((v[-1] for k, v in query.items() if k.lower() == name), "")
        else:
            value = cookies.get(name, "")
        if value:
            carried.append(f"{name}={value}")
    return ("; ".join(carried), "" if user is None else str(user))


def _cookies(text: str) -> dict[str, str]:
    found = {}
    for part in text.split(";"):
        name, _, value = part.strip().partition("=")
        if name:
            found[name.lower()] = value
    return found


def named_resources(case: Any, operation: Operation) -> list[tuple[str, str, str]]:
    """(input name, kind, value) for every owned resource the request names."""
    containers: dict[str, Any] = {
        "path": case.path_parameters,
        "query": case.query,
        "header": case.headers,
        "body": case.body if isinstance(case.body, dict) else None,
    }
    found = []
    for name, kind in operation.owned_inputs.items():
        container = containers.get(operation.inputs.get(name, ""))
        if isinstance(container, Mapping) and name in container:
            value = container[name]
            if isinstance(value, (str, int)) and not isinstance(value, bool):
                found.append((name, kind, str(value)))
    return found


PRINCIPAL_FIELDS = ("user_id", "userId")


def is_positive(case: Any) -> bool:
    meta = case.meta
    return meta is None or meta.generation.mode.is_positive


def pin_user(case: Any, operation: Operation, user_id: str) -> None:
    """Make a request name `user_id` as its user, in whatever input carries the user (valid requests only)."""
    containers: dict[str, Any] = {
        "path": case.path_parameters,
        "query": case.query,
        "header": case.headers,
        "body": case.body if isinstance(case.body, dict) else None,
    }
    for name in PRINCIPAL_FIELDS:
        container = containers.get(operation.inputs.get(name, ""))
        if container is None:
            continue
        kind = operation.input_schema(name).get("type")
        container[name] = int(user_id) if kind == "integer" and user_id.lstrip("-").isdigit() else user_id


def revealed_resources(operation: Operation, body: Any, depth: int = 0) -> Iterator[tuple[str, str]]:
    """(kind, id) of owned resources in an answer: `session_id` fields, and `id` of the path's collection."""
    if depth > 5:
        return
    if isinstance(body, list):
        for item in body[:100]:
            yield from revealed_resources(operation, item, depth + 1)
        return
    if not isinstance(body, dict):
        return
    collection = _collection_kind(operation)
    for key, value in body.items():
        if isinstance(value, (dict, list)):
            yield from revealed_resources(operation, value, depth + 1)
            continue
        if isinstance(value, bool) or not isinstance(value, (str, int)):
            continue
        kind = resource_kind(key) if key != "id" else collection
        if kind in OWNED_KINDS:
            yield kind, str(value)


def _collection_kind(operation: Operation) -> str | None:
    static = [segment for segment in operation.path.split("/") if segment and not segment.startswith("{")]
    if not static:
        return None
    last = words(static[-1])
    kind = singular(last[-1]) if last else None
    return kind if kind in OWNED_KINDS else None


def observe(case: Any, response: Any, operation: Operation, model: SpecModel) -> None:
    """Remember which resources the sender owns, from a successful answer and the request that got it."""
    media_type = content_type(response.headers)
    if not succeeded(model, response.status_code, response.content, media_type):
        return
    who = principal(model, response.request, case.body)
    state = memory_of(case)
    body = json_body(response.content, media_type)
    found: set[Resource] = {(who, kind, value) for _, kind, value in named_resources(case, operation)}
    found |= {(who, kind, value) for kind, value in revealed_resources(operation, body)}
    with state.lock:
        state.owned |= found
        if operation.action == "create":
            # A new resource may reuse the id of a deleted one (SQLite reuses the largest rowid).
            for kind, value in revealed_resources(operation, body):
                state.deleted.pop((who, kind, value), None)


def request_for(
    case: Any,
    credential: Credential | None,
    *,
    base_url: str | None = None,
    headers: Mapping[str, Any] | None = None,
) -> Request:
    """The request schemathesis would send for `case`, with `headers` (the run's `--header`s) and then a
    user's credential added (none: the case as it is, with whatever credentials it already carries)."""
    if not base_url:
        base_url = case.operation.base_url or ""
        if case.operation.app is not None:
            # In-process: the app sees only the path, under the base path the spec's servers give.
            base_url = urlunsplit(("http", "testserver", urlsplit(base_url).path.rstrip("/"), "", ""))
    extra = {str(k): str(v) for k, v in (headers or {}).items()}
    query: dict[str, str] = {}
    if credential:
        extra = {k: v for k, v in extra.items() if k.lower() not in {h.lower() for h in credential.headers}}
        extra.update(credential.headers)
        query = dict(credential.query)
        if credential.cookies:
            cookie = "; ".join(f"{name}={value}" for name, value in credential.cookies.items())
            extra["Cookie"] = cookie
    prepared = case.as_transport_kwargs(base_url=base_url, headers=extra or None)
    url = prepared["url"]
    params = prepared.get("params")
    if params and not isinstance(params, str):
        params = {**params, **query} if isinstance(params, dict) else params
    elif query:
        params = query if not params else params + "&" + urlencode(query)
    if params:
        url += ("&" if "?" in url else "?") + (
            params if isinstance(params, str) else urlencode(params, doseq=True)
        )
    sent = {key: str(value) for key, value in (prepared.get("headers") or {}).items()}
    body: bytes | None = None
    if "json" in prepared:
        body = json.dumps(prepared["json"]).encode()
        sent.setdefault("Content-Type", "application/json")
    elif prepared.get("data") is not None:
        data = prepared["data"]
        body = (
            data.encode()
            if isinstance(data, str)
            else data
            if isinstance(data, bytes)
            else urlencode(data).encode()
        )
    return Request(case.method, url, sent, body)
