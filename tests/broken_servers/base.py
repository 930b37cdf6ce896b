"""A tiny spec-driven server for the contract suite's own tests.

Routes come from a fixture spec; every request is validated against it (400 in the API's envelope), bearer
tokens map to users, and handlers (one per operationId) return JSON or a streaming response. Each server
module builds a correct implementation plus switches that plant one defect each, so a test can show that
the suite catches exactly that defect.
"""

from __future__ import annotations

import json
import socket
import threading
import time
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import uvicorn
import yaml
from starlette.applications import Starlette
from starlette.convertors import IntegerConvertor, register_url_convertor
from starlette.exceptions import HTTPException
from starlette.requests import Request
from starlette.responses import JSONResponse, Response
from starlette.routing import Route

from generators.specmodel import SpecModel

FIXTURES = Path(__file__).resolve().parent.parent / "fixtures" / "contract"


class SignedIntegerConvertor(IntegerConvertor):
    """`{id:signed}`: an integer path parameter, negative ones included (Starlette's `int` has no sign)."""

    regex = "-?[0-9]+"


register_url_convertor("signed", SignedIntegerConvertor())


class Reject(Exception):
    """Raised by a handler (or the validation) to answer with an error in the API's envelope."""

    def __init__(self, status: int, message: str, code: int = 1) -> None:
        super().__init__(message)
        self.status, self.message, self.code = status, message, code


@dataclass
class Call:
    """One request, validated: what a handler sees."""

    user: int | None
    body: Any
    query: dict[str, Any]
    path: dict[str, Any]
    request: Request


Handler = Callable[[Call], Any]
ErrorShape = Callable[[int, str, int], dict[str, Any]]
"""(HTTP status, message, envelope code) -> the error body in the API's own shape."""


@dataclass
class SpecServer:
    spec_file: str | Path  # a name in tests/fixtures/contract/, or a path
    handlers: dict[str, Handler]
    error_shape: ErrorShape
    tokens: dict[str, int] = field(default_factory=dict)
    # The identity field a request may name; it must be the token's user.
    principal_field: str | None = "user_id"
    # Operations whose body reaches the handler unchecked (to plant a crash on bad input).
    unvalidated: frozenset[str] = frozenset()
    # The status of an answer to invalid input (the spec's `x-invalid-input`).
    invalid_status: int = 400
    # Who sends a request, for specs whose credentials are not bearer tokens (the operation, the request
    # -> the user, or None to refuse it with 401); by default `tokens` by `Authorization: Bearer`.
    signed_in: Callable[[Any, Request], int | None] | None = None
    # Query parameters the spec does not list that are still no mistake (an API key sent in the query).
    extra_query: frozenset[str] = frozenset()

    def app(self) -> Starlette:
        spec = self.spec_file if isinstance(self.spec_file, Path) else FIXTURES / self.spec_file
        raw = yaml.safe_load(spec.read_text(encoding="utf-8"))
        model = SpecModel(raw)
        routes = []
        for path, item in raw["paths"].items():
            methods = {
                method.upper(): model.operation(method, path) for method in item if method != "parameters"
            }
            # an integer path parameter only matches digits, as in most routers: `DELETE /pet/findByStatus`
            # is then a method /pet/findByStatus does not allow (405), not a pet id that is not a number
            route = path
            for operation in methods.values():
                for parameter in operation.parameters:
                    if parameter["in"] == "path" and (parameter.get("schema") or {}).get("type") == "integer":
                        route = route.replace(
                            "{" + parameter["name"] + "}", "{" + parameter["name"] + ":signed}"
                        )
            routes.append(Route(route, self._endpoint(methods), methods=list(methods)))

        async def http_error(request: Request, exc: Exception) -> Response:
            assert isinstance(exc, HTTPException)
            return JSONResponse(
                self.error_shape(exc.status_code, exc.detail, 1), exc.status_code, headers=exc.headers
            )

        return Starlette(routes=routes, exception_handlers={HTTPException: http_error})

    def _endpoint(self, operations: dict[str, Any]) -> Callable[[Request], Any]:
        async def endpoint(request: Request) -> Response:
            operation = operations[request.method]
            try:
                call = await self._validate(operation, request)
                result = self.handlers[operation.operation_id](call)
            except Reject as exc:
                return JSONResponse(self.error_shape(exc.status, exc.message, exc.code), exc.status)
            return result if isinstance(result, Response) else JSONResponse(result)

        return endpoint

    async def _validate(self, operation: Any, request: Request) -> Call:
        user = None
        if operation.requires_auth and self.signed_in is not None:
            user = self.signed_in(operation, request)
            if user is None:
                raise Reject(401, "missing or wrong credentials", code=2)
        elif operation.requires_auth:
            token = request.headers.get("authorization", "").removeprefix("Bearer ").strip()
            if token not in self.tokens:
                raise Reject(401, "session missing: send Authorization: Bearer <session-token>", code=2)
            user = self.tokens[token]
        query: dict[str, Any] = {}
        for parameter in operation.parameters:
            name, location, schema = parameter["name"], parameter["in"], parameter.get("schema", {})
            source = request.query_params if location == "query" else request.path_params
            if name not in source:
                if parameter.get("required"):
                    raise Reject(self.invalid_status, f"{name}: required")
                continue
            if schema.get("type") == "array" and location == "query":
                items = schema.get("items") or {}
                value = [_coerce(text, items) for text in request.query_params.getlist(name)]
            else:
                value = _coerce(str(source[name]), schema)
            if not operation.spec.validator(schema).is_valid(value) or _out_of_range(
                schema, value, operation.spec
            ):
                raise Reject(self.invalid_status, f"{name}: invalid value {source[name]!r}")
            query[name] = value
        unknown = set(request.query_params) - {p["name"] for p in operation.parameters if p["in"] == "query"}
        unknown -= self.extra_query
        if unknown:
            raise Reject(self.invalid_status, f"unknown query parameter(s): {', '.join(sorted(unknown))}")
        body = None
        if operation.body_schema is not None:
            if request.headers.get("content-type", "").split(";")[0].strip() != "application/json":
                raise Reject(self.invalid_status, "send the body as application/json")
            try:
                body = json.loads(await request.body())
            except ValueError:
                raise Reject(self.invalid_status, "the body is not JSON") from None
            request_body = operation.spec.resolve(operation.raw["requestBody"])
            raw_schema = request_body["content"]["application/json"]["schema"]
            validator = operation.spec.validator(raw_schema)
            skip = operation.operation_id in self.unvalidated
            error = None if skip else next(iter(validator.iter_errors(body)), None)
            if error is not None:
                where = "/".join(str(part) for part in error.instance_path) or "body"
                raise Reject(self.invalid_status, f"{where}: {error.message}")
            if not skip and _out_of_range(raw_schema, body, operation.spec):
                raise Reject(self.invalid_status, "body: a number does not fit its format (int32, int64)")
        named = query.get(self.principal_field)
        if isinstance(body, dict) and self.principal_field in body:
            named = body[self.principal_field]
        if user is not None and named is not None and named != user:
            raise Reject(403, f"{self.principal_field} {named} is not the user of this token", code=2)
        path = {key: value for key, value in request.path_params.items()}
        return Call(user=user, body=body, query=query, path=path, request=request)


_RANGES = {"int32": 2**31, "int64": 2**63}


def _out_of_range(schema: Any, value: Any, model: SpecModel) -> bool:
    """Whether an integer does not fit the `format` its schema gives: JSON Schema leaves formats to
    the server, and a real one stores an int32 in 32 bits."""
    schema = model.resolve(schema)
    if not isinstance(schema, dict):
        return False
    if isinstance(value, int) and not isinstance(value, bool) and schema.get("format") in _RANGES:
        limit = _RANGES[schema["format"]]
        return not -limit <= value < limit
    if isinstance(value, dict):
        properties = schema.get("properties") or {}
        return any(_out_of_range(properties.get(k) or {}, v, model) for k, v in value.items())
    if isinstance(value, list):
        return any(_out_of_range(schema.get("items") or {}, v, model) for v in value)
    return False


def _coerce(text: str, schema: dict[str, Any]) -> Any:
    kind = schema.get("type")
    try:
        if kind == "integer":
            return int(text)
        if kind == "number":
            return float(text)
        if kind == "boolean":
            return {"true": True, "false": False}[text]
    except (ValueError, KeyError):
        return text
    return text


def ndjson(lines: list[Any], *, raw: list[str] | None = None) -> Response:
    """A stream of JSON lines (or of the given raw lines), sent one chunk per line."""
    from starlette.responses import StreamingResponse

    texts = raw if raw is not None else [json.dumps(line, ensure_ascii=False) for line in lines]

    async def chunks() -> Any:
        for text in texts:
            yield (text + "\n").encode()

    return StreamingResponse(chunks(), media_type="application/x-ndjson")


def sse(events: list[Any]) -> Response:
    from starlette.responses import StreamingResponse

    async def chunks() -> Any:
        for event in events:
            yield f"data: {json.dumps(event, ensure_ascii=False)}\n\n".encode()

    return StreamingResponse(chunks(), media_type="text/event-stream")


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


@contextmanager
def serve(app: Any) -> Iterator[str]:
    """Run an ASGI app on a free 127.0.0.1 port in a thread; yields its base URL."""
    port = free_port()
    server = uvicorn.Server(
        uvicorn.Config(app, host="127.0.0.1", port=port, log_level="error", lifespan="off")
    )
    thread = threading.Thread(target=server.run, name=f"fixture-server-{port}", daemon=True)
    thread.start()
    deadline = time.monotonic() + 10
    while not server.started:
        if time.monotonic() > deadline or not thread.is_alive():
            raise RuntimeError(f"the fixture server on port {port} did not start")
        time.sleep(0.02)
    try:
        yield f"http://127.0.0.1:{port}"
    finally:
        server.should_exit = True
        thread.join(timeout=10)
