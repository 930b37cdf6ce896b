"""The Connexion application of one API.

Connexion routes each request to its operation (``RoutingMiddleware``), checks its credentials
(``SecurityMiddleware``, with a bearer handler that asks the API's token store) and serves Swagger UI.
Two layers are ours, for speed and for one behaviour shared with the mock:

- :class:`RequestChecks` validates parameters and body with the mock's compiled validators
  (``mocks.validation``: jsonschema-rs, compiled once) instead of Connexion's per-request
  pure-Python ones; invalid input is answered exactly as the mock answers it.
- :class:`HandlerApp` calls our handler with a :class:`server.call.Call` and sends its reply,
  instead of Connexion's per-request signature inspection and parameter decoration.

Together they make the server several times faster than stock Connexion on the same spec
(`mdcontract bench serve`). With ``validate_responses`` (tests), Connexion's response validation
runs with our ``validator_map``: JSON bodies, and NDJSON/SSE streams line by line as they pass.
"""

from __future__ import annotations

import asyncio
import contextlib
import json
import logging
import re
from collections.abc import AsyncIterator, MutableMapping
from dataclasses import dataclass
from typing import Any
from urllib.parse import parse_qs

import connexion.spec
import jsonschema_rs
from connexion import AsyncApp
from connexion.apps.asynchronous import AsyncApi, AsyncASGIApp
from connexion.datastructures import MediaTypeDict
from connexion.exceptions import NonConformingResponseBody, ProblemException
from connexion.lifecycle import ConnexionRequest, ConnexionResponse
from connexion.middleware.abstract import RoutedAPI, RoutedMiddleware
from connexion.middleware.context import ContextMiddleware
from connexion.middleware.exceptions import ExceptionMiddleware
from connexion.middleware.lifespan import LifespanMiddleware
from connexion.middleware.request_validation import RequestValidationMiddleware
from connexion.middleware.response_validation import ResponseValidationMiddleware
from connexion.middleware.routing import RoutingMiddleware
from connexion.middleware.security import SecurityMiddleware
from connexion.middleware.server_error import ServerErrorMiddleware
from connexion.middleware.swagger_ui import SwaggerUIMiddleware
from connexion.options import SwaggerUIOptions
from connexion.resolver import Resolver
from connexion.security import ApiKeySecurityHandler, BearerSecurityHandler
from connexion.validators import AbstractResponseBodyValidator
from starlette.exceptions import HTTPException

from generators.jsonschema import convert
from mocks.examples import content_type_header, is_json
from mocks.streams import StreamKind, frame_item
from mocks.validation import Invalid, check_body, check_params
from server.api import OperationInfo, ServedAPI
from server.bodies import FormReader, Uploaded, declared_length, read_body, read_form
from server.call import Call, Principal, Reply
from server.envelope import ApiError, invalid, unauthorized
from server.storage import Busy

log = logging.getLogger("mdcontract.server")

Scope = MutableMapping[str, Any]
CHECKED = "mdcontract"


@dataclass(frozen=True)
class Checked:
    """What RequestChecks leaves in the scope for the handler."""

    params: dict[str, Any]
    body: Any
    files: dict[str, Uploaded]
    user: Principal | None
    headers: dict[str, str]
    base_url: str


# --- request checks --------------------------------------------------------------------------


class ChecksOperation:
    def __init__(self, next_app: Any, api: ServedAPI, info: OperationInfo | None) -> None:
        self.next_app = next_app
        self.api = api
        self.info = info

    async def __call__(self, scope: Scope, receive: Any, send: Any) -> None:
        info = self.info
        if info is None:
            return await self.next_app(scope, receive, send)
        compiled = info.compiled
        headers = {k.decode("latin-1").lower(): v.decode("latin-1") for k, v in scope["headers"]}
        user = _principal(scope)
        self._check_user(info, user)
        raw = b""
        form: FormReader | None = None
        if compiled.body:
            form, raw = await self._read(receive, headers, info)
        raw_query = scope.get("query_string", b"")
        query = parse_qs(raw_query.decode("utf-8", "replace"), keep_blank_values=True) if raw_query else {}
        path_params = {k: str(v) for k, v in (scope.get("path_params") or {}).items()}
        try:
            params = check_params(compiled.params, path_params, query, headers)
            fields = form.fields if form is not None else None
            body = await check_body(compiled.body, headers.get("content-type"), raw, fields)
        except Invalid as exc:
            raise invalid(str(exc)) from None
        params, body = unicode_text(params), unicode_text(body)
        files = form.files if form is not None else {}
        if user is not None and self.api.handlers.user_id_is_token_user:
            _same_user(user, params, body)
        base_url = (
            f"{scope.get('scheme', 'http')}://{headers.get('host', 'localhost')}{scope.get('root_path', '')}"
        )
        scope.setdefault("extensions", {})[CHECKED] = Checked(params, body, files, user, headers, base_url)
        await self.next_app(scope, receive, send)

    async def _read(
        self, receive: Any, headers: dict[str, str], info: OperationInfo
    ) -> tuple[FormReader | None, bytes]:
        """The body: a multipart one parsed and judged as it arrives (its form, no bytes), another
        kind read whole (no form, its bytes). Either way a body larger than the server takes is
        refused before it is read."""
        options = self.api.options
        content_type = headers.get("content-type", "")
        # Only where the operation takes one: elsewhere a multipart body is as small as any other, and
        # refused unread past that (then as the wrong Content-Type).
        media = info.compiled.body.find(content_type) if info.compiled.body and content_type else None
        multipart = media is not None and media.kind == "multipart"
        limit = (
            options.max_upload_bytes if multipart else min(options.max_body_bytes, options.max_upload_bytes)
        )
        declared_length(headers, limit)
        if not multipart:
            return None, await read_body(receive, limit)
        rules = self.api.handlers.uploads.get(info.operation_id, {})
        return await read_form(receive, content_type, rules, limit), b""

    def _check_user(self, info: OperationInfo, user: Principal | None) -> None:
        guests = self.api.handlers.guest_operations
        if (
            user is not None
            and user.kind == "guest"
            and guests is not None
            and info.operation_id not in guests
        ):
            raise unauthorized(
                f"session invalid: a guest token is valid for the guest operations only, not {info.label}",
                example="invalid",
            )


_SURROGATE = re.compile("[\ud800-\udfff]")


def unicode_text(value: Any) -> Any:
    """Strings as text every layer below can encode: JSON may escape a lone UTF-16 surrogate
    (`"\\udcd9"`), which no UTF-8 encoder takes (SQLite, the response body), so each becomes U+FFFD,
    the replacement character, as a UTF-8 decoder does with a broken sequence. Pairs stay characters."""
    if isinstance(value, str):
        if not _SURROGATE.search(value):
            return value
        return value.encode("utf-16", "surrogatepass").decode("utf-16", "replace")
    if isinstance(value, dict):
        return {unicode_text(key): unicode_text(item) for key, item in value.items()}
    if isinstance(value, list):
        return [unicode_text(item) for item in value]
    return value


def _same_user(user: Principal, params: dict[str, Any], body: Any) -> None:
    named = body.get("user_id") if isinstance(body, dict) and "user_id" in body else params.get("user_id")
    if named is None or named == "":
        return
    if _normal(named) != _normal(user.user_id):
        raise unauthorized(
            f"session invalid: user_id {json.dumps(named, ensure_ascii=False)} is not the token's user",
            example="invalid",
        )


def _normal(value: Any) -> str:
    if isinstance(value, float) and value.is_integer():
        value = int(value)
    return str(value).strip()


def _principal(scope: Scope) -> Principal | None:
    context = (scope.get("extensions") or {}).get("connexion_context") or {}
    info = context.get("token_info")
    if isinstance(info, dict) and isinstance(info.get("principal"), Principal):
        return info["principal"]
    return None


class ChecksAPI(RoutedAPI[ChecksOperation]):
    def __init__(self, *args: Any, served: ServedAPI, **kwargs: Any) -> None:
        self.served = served
        super().__init__(*args, **kwargs)
        self.add_paths()

    def make_operation(self, operation: Any) -> ChecksOperation:
        return ChecksOperation(self.next_app, self.served, self.served.operations.get(operation.operation_id))


class RequestChecks(RoutedMiddleware[ChecksAPI]):
    api_cls = ChecksAPI


# --- handlers --------------------------------------------------------------------------------


class HandlerOperation:
    def __init__(self, api: ServedAPI, info: OperationInfo, function: Any) -> None:
        self.api = api
        self.info = info
        self.function = function

    async def __call__(self, scope: Scope, receive: Any, send: Any) -> None:
        checked: Checked = scope["extensions"][CHECKED]
        call = Call(self.api, self.info, checked.params, checked.body, checked.user, checked.headers)
        call.files = checked.files
        call.base_url = checked.base_url
        result = await self.function(call)
        reply = result if isinstance(result, Reply) else call.ok(result)
        await send_reply(self.api, self.info, reply, scope, receive, send)


async def not_implemented(call: Call) -> Reply:
    raise ApiError(
        f"{call.op.label} ({call.op.operation_id}) is not implemented by the reference server yet; "
        "`mdcontract serve --check` lists what is missing, and `mdcontract mock` answers it with its "
        "documented sample",
        kind="server",
        status=501,
    )


class HandlerAPI(AsyncApi):
    def __init__(self, *args: Any, served: ServedAPI, **kwargs: Any) -> None:
        self.served = served
        super().__init__(*args, **kwargs)

    def make_operation(self, operation: Any) -> HandlerOperation:  # type: ignore[override]
        info = self.served.operations[operation.operation_id]
        return HandlerOperation(self.served, info, operation.function)


class HandlerApp(AsyncASGIApp):
    api_cls = HandlerAPI  # type: ignore[assignment]


# --- sending ---------------------------------------------------------------------------------


async def send_reply(
    api: ServedAPI, info: OperationInfo, reply: Reply, scope: Scope, receive: Any, send: Any
) -> None:
    media_type = reply.media_type or info.success_media_type or "application/json"
    headers = [(b"content-type", content_type_header(media_type))]
    headers += [(k.lower().encode("latin-1"), str(v).encode("latin-1")) for k, v in reply.headers.items()]
    head = scope.get("method") == "HEAD"
    if reply.stream is None:
        if reply.raw is not None:
            body = reply.raw
        elif reply.body is None:
            body = b""
        elif isinstance(reply.body, str) and not is_json(media_type):
            body = reply.body.encode()
        else:
            body = json.dumps(reply.body, ensure_ascii=False, separators=(",", ":")).encode()
        headers.append((b"content-length", str(len(body)).encode()))
        await send({"type": "http.response.start", "status": reply.status, "headers": headers})
        await send({"type": "http.response.body", "body": b"" if head else body})
        return
    kind = info.stream or "ndjson"
    headers += [(b"cache-control", b"no-cache"), (b"x-accel-buffering", b"no")]
    await send({"type": "http.response.start", "status": reply.status, "headers": headers})
    if head:
        await reply.stream.aclose() if hasattr(reply.stream, "aclose") else None
        await send({"type": "http.response.body", "body": b""})
        return
    await _pump(kind, reply.stream, receive, send)


async def _pump(kind: StreamKind, items: AsyncIterator[Any], receive: Any, send: Any) -> None:
    """Send each item as it comes; a client that leaves stops the stream (its generator's
    ``finally`` keeps what was produced) without an error anywhere."""

    async def produce() -> bool:
        async with contextlib.aclosing(items):  # type: ignore[type-var]
            async for item in items:
                chunk = frame_item(kind, item).encode()
                try:
                    await send({"type": "http.response.body", "body": chunk, "more_body": True})
                except OSError:
                    return False
        return True

    async def disconnected() -> None:
        while True:
            message = await receive()
            if message["type"] == "http.disconnect":
                return

    producer = asyncio.ensure_future(produce())
    watcher = asyncio.ensure_future(disconnected())
    try:
        done, _ = await asyncio.wait({producer, watcher}, return_when=asyncio.FIRST_COMPLETED)
    finally:
        for task in (producer, watcher):
            if not task.done():
                task.cancel()
        await asyncio.gather(producer, watcher, return_exceptions=True)
    if producer in done and producer.exception() is None and producer.result():
        with contextlib.suppress(OSError):
            await send({"type": "http.response.body", "body": b""})
    elif producer in done and producer.exception() is not None:
        # Mid-stream the status is gone already: log it, and end the stream so the client knows.
        log.error("stream failed", exc_info=producer.exception())
        with contextlib.suppress(OSError):
            await send({"type": "http.response.body", "body": b""})


# --- errors ----------------------------------------------------------------------------------


def error_handlers(api: ServedAPI) -> list[tuple[Any, Any]]:
    def answer(error: ApiError) -> ConnexionResponse:
        rendered = api.errors.render(error)
        return ConnexionResponse(
            status_code=rendered.status,
            mimetype=rendered.media_type,
            body=rendered.body,
            headers=rendered.headers,
        )

    def on_api_error(_request: ConnexionRequest, exc: Exception) -> ConnexionResponse:
        assert isinstance(exc, ApiError)
        return answer(exc)

    def on_problem(_request: ConnexionRequest, exc: Exception) -> ConnexionResponse:
        assert isinstance(exc, ProblemException)
        detail = str(exc.detail or exc.title or "")
        if exc.status == 401:
            if "no authorization" in detail.lower():
                return answer(
                    unauthorized("session missing: send `Authorization: Bearer <token>`", example="missing")
                )
            return answer(unauthorized(f"session invalid: {detail}", example="invalid"))
        if exc.status == 403:
            return answer(unauthorized(f"session invalid: {detail}", example="invalid"))
        if isinstance(exc, NonConformingResponseBody) or exc.status >= 500:
            log.error("%s: %s", exc.title, detail)
            return answer(ApiError(f"the server answered outside the contract: {detail}", kind="server"))
        return answer(invalid(detail or "invalid request", status=exc.status))

    def on_http(request: ConnexionRequest, exc: Exception) -> ConnexionResponse:
        assert isinstance(exc, HTTPException)
        headers = dict(exc.headers or {})
        path = request.scope.get("path", "")
        method = request.scope.get("method", "")
        if exc.status_code == 404:
            message = f"no operation at {method} {path}; the spec is at {_spec_link(request)}"
        elif exc.status_code == 405:
            # Connexion routes each method of a path separately, so its Allow names one route's
            # methods only; the spec knows them all.
            root = request.scope.get("root_path", "")
            allowed = api.allowed_methods(path[len(root) :] if path.startswith(root) else path)
            headers = {k: v for k, v in headers.items() if k.lower() != "allow"}
            headers["Allow"] = ", ".join(allowed) or "OPTIONS"
            message = f"{method} is not allowed on {path}; allowed: {headers['Allow']}"
        else:
            message = str(exc.detail)
        return answer(invalid(message, status=exc.status_code, headers=headers))

    def on_unicode(_request: ConnexionRequest, exc: Exception) -> ConnexionResponse:
        assert isinstance(exc, UnicodeDecodeError)
        return answer(invalid(f"the request is not UTF-8 (byte {exc.start})"))

    def on_busy(_request: ConnexionRequest, exc: Exception) -> ConnexionResponse:
        log.warning("database busy: %s", exc)
        return answer(ApiError("the database is busy; try again", kind="server", status=503))

    def on_crash(request: ConnexionRequest, exc: Exception) -> ConnexionResponse:
        log.error("%s %s failed", request.scope.get("method"), request.scope.get("path"), exc_info=exc)
        return answer(ApiError("internal server error", kind="server"))

    return [
        (ApiError, on_api_error),
        (ProblemException, on_problem),
        (HTTPException, on_http),
        (UnicodeDecodeError, on_unicode),
        (Busy, on_busy),
        (Exception, on_crash),
    ]


def _spec_link(request: ConnexionRequest) -> str:
    return f"{request.scope.get('root_path', '')}/openapi.yaml"


# --- response validation (tests) ------------------------------------------------------------

_COMPILED: dict[int, Any] = {}


def _validator(schema: dict[str, Any]) -> Any:
    key = id(schema)
    if key not in _COMPILED:
        _COMPILED[key] = (schema, jsonschema_rs.Draft4Validator(convert(schema), validate_formats=True))
    return _COMPILED[key][1]


def _conform(schema: dict[str, Any], value: Any, where: str) -> None:
    if not schema:
        return
    error = next(iter(_validator(schema).iter_errors(value)), None)
    if error is not None:
        path = "/" + "/".join(str(p) for p in error.instance_path)
        raise NonConformingResponseBody(detail=f"{where} at {path}: {error.message}"[:500])


class JsonResponseValidator(AbstractResponseBodyValidator):
    """A JSON body against its schema, with jsonschema-rs."""

    def _parse(self, stream: Any) -> Any:
        body = b"".join(stream)
        try:
            return json.loads(body) if body else None
        except ValueError as exc:
            raise NonConformingResponseBody(detail=f"the body is not JSON: {exc}") from None

    def _validate(self, body: Any) -> None:
        _conform(self._schema, body, "response body")


class LineResponseValidator(AbstractResponseBodyValidator):
    """Each NDJSON line (or SSE event) against the item schema, forwarded at once: validating
    the whole body would hold a stream back until it ends."""

    separator = b"\n"

    def wrap_send(self, send: Any) -> Any:
        pending = b""

        async def send_(message: MutableMapping[str, Any]) -> None:
            nonlocal pending
            if message["type"] == "http.response.body":
                pending += message.get("body", b"")
                while self.separator in pending:
                    item, pending = pending.split(self.separator, 1)
                    self._check(item)
                if not message.get("more_body", False) and pending.strip():
                    self._check(pending)
                    pending = b""
            await send(message)

        return send_

    def _check(self, item: bytes) -> None:
        if not item.strip():
            return
        try:
            value = json.loads(item)
        except ValueError as exc:
            raise NonConformingResponseBody(detail=f"a stream line is not JSON: {exc}") from None
        _conform(self._schema, value, "stream item")


class EventResponseValidator(LineResponseValidator):
    separator = b"\n\n"

    def _check(self, item: bytes) -> None:
        data = [line[5:].strip() for line in item.split(b"\n") if line.startswith(b"data:")]
        if data:
            super()._check(b"\n".join(data))


VALIDATOR_MAP = {
    "response": MediaTypeDict(
        {
            "*/*json": JsonResponseValidator,
            "application/x-ndjson": LineResponseValidator,
            "text/event-stream": EventResponseValidator,
            # text/plain is left out: a text stream has no structure to check, and Connexion's
            # text validator would buffer the whole stream.
        }
    )
}


# --- the app ---------------------------------------------------------------------------------


def _security_map(api: ServedAPI) -> dict[str, Any]:
    def check(token: str) -> dict[str, Any]:
        principal = api.tokens.check(token)
        return {"sub": principal.user_id, "principal": principal}

    class Bearer(BearerSecurityHandler):
        def _resolve_func(self, security_scheme: dict[str, Any]) -> Any:
            return check

    class ApiKey(ApiKeySecurityHandler):
        def _resolve_func(self, security_scheme: dict[str, Any]) -> Any:
            return check

    return {"bearer": Bearer, "apiKey": ApiKey, "oauth2": Bearer}


@contextlib.contextmanager
def _trusting_specs() -> Any:
    """Connexion validates a spec when it loads it. Ours are validated by `mdcontract import` and
    `check` already, and validating again at every start costs 1.3 s on character.yaml (pure-Python
    jsonschema), so it is skipped while our APIs are added, and only then."""
    original = connexion.spec.Specification.__dict__["_validate_spec"]
    connexion.spec.Specification._validate_spec = classmethod(lambda cls, spec: None)  # type: ignore[assignment]
    try:
        yield
    finally:
        connexion.spec.Specification._validate_spec = original  # type: ignore[method-assign]


def build_connexion_app(api: ServedAPI) -> AsyncApp:
    """The Connexion app serving one API at its root."""
    middlewares: list[Any] = [
        ServerErrorMiddleware,
        ExceptionMiddleware,
        SwaggerUIMiddleware,
        RoutingMiddleware,
        SecurityMiddleware,
        RequestChecks,
        *([ResponseValidationMiddleware] if api.options.validate_responses else []),
        LifespanMiddleware,
        ContextMiddleware,
    ]
    assert RequestValidationMiddleware not in middlewares  # ours replaces it (module docstring)
    app = AsyncApp(
        "server",
        middlewares=middlewares,
        swagger_ui_options=SwaggerUIOptions(swagger_ui_path="/ui", spec_path="/openapi.json"),
    )
    handler_app = HandlerApp()
    app._middleware_app = handler_app
    app.middleware.app = handler_app
    for exception, function in error_handlers(api):
        app.add_error_handler(exception, function)
    resolver = Resolver(lambda operation_id: api.handler(operation_id) or not_implemented)
    with _trusting_specs():
        app.add_api(
            api.doc,
            # At its own root: the spec's servers name where it is mounted (/character), which is
            # the dispatcher's business (server.app), not Connexion's.
            base_path="",
            resolver=resolver,
            security_map=_security_map(api),
            validate_responses=api.options.validate_responses,
            validator_map=VALIDATOR_MAP,
            served=api,
        )
    return app
