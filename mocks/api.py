"""One API of the mock: a raw ASGI handler over the compiled operations of one spec.

Raw ASGI rather than Starlette's Request/Response objects: the answers are precomputed bytes,
and skipping the per-request object layer is most of what makes the mock several times faster
than Prism (DESIGN.md has the numbers).
"""

from __future__ import annotations

import asyncio
import html
import logging
import random
import re
from collections.abc import Awaitable, Callable, MutableMapping
from dataclasses import dataclass
from pathlib import Path
from typing import Any
from urllib.parse import parse_qs

from mocks.context import SpecContext
from mocks.errors import ErrorTemplate, compile_error, compile_invalid_input
from mocks.examples import Payload, ResponseExample, dynamic_payload
from mocks.operation import Operation, compile_operation, pick
from mocks.prefer import NONE, ControlError, Preferences, parse_preferences
from mocks.routing import Router
from mocks.spec import iter_operations
from mocks.streams import base_media_type
from mocks.validation import Invalid, accepted_tokens, body_limit, check_body, check_params, has_credentials

Scope = MutableMapping[str, Any]
Receive = Callable[[], Awaitable[MutableMapping[str, Any]]]
Send = Callable[[MutableMapping[str, Any]], Awaitable[None]]

log = logging.getLogger("mdcontract.mock")


@dataclass(frozen=True)
class MockOptions:
    seed: int = 0
    chunk_delay_ms: float = 0.0
    delay_ms: float = 0.0
    fail_rate: float = 0.0
    cors: bool = True
    # accept any credential (but one that says it is invalid), not only the tokens the spec documents
    any_token: bool = False


class MockAPI:
    """Answers the operations of one spec from its examples."""

    def __init__(
        self, ctx: SpecContext, options: MockOptions, files: dict[str, Payload] | None = None, mount: str = ""
    ) -> None:
        self.ctx = ctx
        self.name = ctx.name
        self.mount = mount
        self.options = options
        self.router: Router[Operation] = Router()
        self.operations: list[Operation] = []
        for path, method, item, raw in iter_operations(ctx.doc):
            operation = compile_operation(ctx, path, method, item, raw)
            self.operations.append(operation)
            self.router.add(path, method, operation)
        self.errors: ErrorTemplate = compile_invalid_input(ctx)
        self.unauthorized: ErrorTemplate | None = compile_error(ctx, "x-unauthorized")
        self.tokens: frozenset[str] | None = None if options.any_token else accepted_tokens(ctx.doc)
        self.files = files or {}
        self._fail = random.Random(f"{options.seed}:faults:{ctx.name}")
        exposed = sorted(
            {name.decode() for op in self.operations for r in op.responses for name, _ in r.headers}
        )
        self._expose = ((b"access-control-expose-headers", ", ".join(exposed).encode()),) if exposed else ()
        self._any_origin = ((b"access-control-allow-origin", b"*"), *self._expose)

    async def handle(self, scope: Scope, receive: Receive, send: Send, path: str) -> None:
        started = False

        async def tracked_send(message: MutableMapping[str, Any]) -> None:
            nonlocal started
            started = True
            await send(message)

        try:
            await self._handle(scope, receive, tracked_send, path)
        except Exception as exc:
            # Never a 500 with a traceback: log ours, answer in the API's envelope.
            log.exception("mock failed on %s %s", scope.get("method"), path)
            if not started:
                message = f"the mock could not answer this request ({type(exc).__name__}); see its log"
                await self._send(scope, send, self.errors.payload(message), {})

    async def _handle(self, scope: Scope, receive: Receive, send: Send, path: str) -> None:
        method: str = scope["method"]
        headers = {k.decode("latin-1"): v.decode("latin-1") for k, v in scope["headers"]}
        match = self.router.match(path)
        if match is None:
            file = self.files.get(path)
            if file is not None and method in ("GET", "HEAD"):
                return await self._send(scope, send, file, headers)
            known = f"{len(self.operations)} operations; the spec is at {self._spec_link()}"
            payload = self.errors.payload(f"no operation at {method} {path} ({known})", 404)
            return await self._send(scope, send, payload, headers)
        methods, path_params = match
        operation = methods.get(method) or (methods.get("GET") if method == "HEAD" else None)
        if operation is None:
            allow = ", ".join([*methods, *(["HEAD"] if "GET" in methods else []), "OPTIONS"])
            if method == "OPTIONS" and self.options.cors:
                return await self._preflight(scope, send, headers, allow)
            payload = self.errors.payload(f"{method} is not allowed on {path}; allowed: {allow}", 405)
            return await self._send(scope, send, payload, headers, ((b"allow", allow.encode()),))
        await self._answer(operation, scope, receive, send, headers, path_params)

    async def _answer(
        self,
        op: Operation,
        scope: Scope,
        receive: Receive,
        send: Send,
        headers: dict[str, str],
        path_params: dict[str, str],
    ) -> None:
        raw_query = scope.get("query_string", b"")
        # Percent-escapes are decoded as UTF-8 by parse_qs; raw bytes must be too (not latin-1).
        query = parse_qs(raw_query.decode("utf-8", "replace"), keep_blank_values=True) if raw_query else {}
        prefs = NONE
        try:
            if "prefer" in headers or any(k.startswith("__") for k in query):
                prefs = parse_preferences(headers.get("prefer"), query)
            payload = await self._payload(op, prefs, scope, receive, headers, query, path_params)
        except ControlError as exc:
            payload = self.errors.payload(str(exc), exc.status)
        delay = prefs.delay_ms if prefs.delay_ms is not None else self.options.delay_ms
        if delay:
            await asyncio.sleep(delay / 1000)
        chunk_delay = (
            prefs.chunk_delay_ms if prefs.chunk_delay_ms is not None else self.options.chunk_delay_ms
        )
        await self._send(scope, send, payload, headers, chunk_delay_ms=chunk_delay)

    async def _payload(
        self,
        op: Operation,
        prefs: Preferences,
        scope: Scope,
        receive: Receive,
        headers: dict[str, str],
        query: dict[str, list[str]],
        path_params: dict[str, str],
    ) -> Payload:
        if prefs.code is None and self.options.fail_rate and self._fail.random() < self.options.fail_rate:
            return self._fault(op, 500, "injected fault (--fail-rate)")
        raw = await _read_body(receive, headers) if op.body is not None else b""
        explicit = prefs.code is not None or prefs.example is not None or prefs.dynamic
        params: dict[str, Any] = {}
        body: Any = None
        # Credentials, then the request, are checked like a server would; an explicit Prefer
        # code wins over both, so that error screens can be built with any request (what could
        # be read of it still picks among content-based examples).
        if prefs.code is None and not has_credentials(op.security, headers, query, self.tokens):
            return self._unauthorized(op)
        try:
            params = check_params(op.params, path_params, query, headers)
            body = await check_body(op.body, headers.get("content-type"), raw)
        except Invalid as exc:
            if prefs.code is None:
                return self.errors.payload(str(exc))
        if not explicit:
            success = op.success
            if success is None:
                return self._fault(op, 501, f"{op.label} documents no response")
            candidates = _acceptable(success.examples, headers.get("accept"))
            return pick(op, candidates, params, body).payload
        return self._preferred(op, prefs, headers, params, body)

    def _preferred(
        self, op: Operation, prefs: Preferences, headers: dict[str, str], params: dict[str, Any], body: Any
    ) -> Payload:
        if prefs.example is not None and not prefs.dynamic:
            return op.find_example(prefs.example, prefs.code).payload
        if prefs.code is not None:
            found = op.response_for(prefs.code)
            if found is None:
                if prefs.code < 400:
                    raise ControlError(404, f"{op.label} documents no {prefs.code} response")
                return self._fault(op, prefs.code, f"injected fault (Prefer code={prefs.code})")
            response, examples = found
        else:
            if op.success is None:
                return self._fault(op, 501, f"{op.label} documents no response")
            response, examples = op.success, op.success.examples
        chosen = pick(op, _acceptable(examples, headers.get("accept")), params, body)
        if not prefs.dynamic:
            return chosen.payload
        seed = prefs.seed if prefs.seed is not None else self.options.seed
        rng = random.Random(f"{seed}:{op.label}:{response.key}")
        return dynamic_payload(
            self.ctx, response, chosen.media_type, rng, chosen.payload.status, params, body
        )

    def _fault(self, op: Operation, status: int, message: str) -> Payload:
        # A documented 5xx answers as documented; otherwise the envelope says what happened.
        found = op.response_for(status) if status >= 500 else None
        if found is not None and found[1] and found[1][0].documented:
            return found[1][0].payload
        return self.errors.payload(f"{message}: {op.label}", status)

    def _unauthorized(self, op: Operation) -> Payload:
        # The API's own words: root x-unauthorized (its documented message kept), else the
        # operation's documented 401 (or `default` error), else a plain explanation.
        if self.unauthorized is not None:
            return self.unauthorized.payload(None)
        found = op.response_for(401)
        if found is not None and found[1] and found[1][0].documented:
            return found[1][0].payload
        message = "credentials are required: send `Authorization: Bearer <token>`"
        if self.tokens is not None:
            message += " with one of the tokens this mock accepts: " + ", ".join(sorted(self.tokens))
        return self.errors.payload(message, 401, ((b"www-authenticate", b"Bearer"),))

    async def _preflight(self, scope: Scope, send: Send, headers: dict[str, str], allow: str) -> None:
        cors = [
            (b"allow", allow.encode()),
            (b"access-control-allow-methods", allow.encode()),
            (b"access-control-allow-headers", headers.get("access-control-request-headers", "*").encode()),
            (b"access-control-max-age", b"600"),
        ]
        await self._send(scope, send, Payload(204, tuple(cors)), headers)

    def _spec_link(self) -> str:
        return f"{self.mount}/openapi.yaml"

    async def _send(
        self,
        scope: Scope,
        send: Send,
        payload: Payload,
        headers: dict[str, str],
        extra: tuple[tuple[bytes, bytes], ...] = (),
        chunk_delay_ms: float = 0.0,
    ) -> None:
        all_headers = payload.headers + extra
        if self.options.cors:
            origin = headers.get("origin")
            # Reflected only when it can be a header value: a CR/LF in it (past a lenient proxy)
            # would write headers of the client's choosing.
            if origin and _HEADER_SAFE.fullmatch(origin):
                all_headers += (
                    (b"access-control-allow-origin", origin.encode("latin-1")),
                    (b"access-control-allow-credentials", b"true"),
                    (b"vary", b"Origin"),
                    *self._expose,
                )
            else:
                all_headers += self._any_origin
        await send({"type": "http.response.start", "status": payload.status, "headers": all_headers})
        if scope["method"] == "HEAD":
            await send({"type": "http.response.body", "body": b""})
        elif payload.chunks is None:
            await send({"type": "http.response.body", "body": payload.body})
        else:
            await _stream(send, payload.chunks, chunk_delay_ms)


_HEADER_SAFE = re.compile(r"[\x20-\x7e]+")


async def _stream(send: Send, chunks: tuple[bytes, ...], chunk_delay_ms: float) -> None:
    for index, chunk in enumerate(chunks):
        if index and chunk_delay_ms:
            await asyncio.sleep(chunk_delay_ms / 1000)
        await send({"type": "http.response.body", "body": chunk, "more_body": True})
    await send({"type": "http.response.body", "body": b""})


async def _read_body(receive: Receive, headers: dict[str, str]) -> bytes:
    """The body; a 413 (whatever Prefer asks: the request could not be read) as soon as it is known
    to be too large: from its Content-Length before reading, else when the bytes pass the limit."""
    limit = body_limit(headers.get("content-type"))
    declared = headers.get("content-length", "")
    if declared.isdigit() and int(declared) > limit:
        raise ControlError(413, f"request body is larger than {limit} bytes")
    parts = []
    size = 0
    while True:
        message = await receive()
        if message["type"] != "http.request":
            break  # http.disconnect: answer what was received; the client is gone anyway
        part = message.get("body", b"")
        size += len(part)
        if size > limit:
            raise ControlError(413, f"request body is larger than {limit} bytes")
        parts.append(part)
        if not message.get("more_body", False):
            break
    return b"".join(parts)


def _acceptable(examples: list[ResponseExample], accept: str | None) -> list[ResponseExample]:
    """Examples whose media type the client accepts; all of them when none is acceptable
    (a mock that answers 406 only gets in the way)."""
    if not accept or len({e.media_type for e in examples}) < 2:
        return examples
    wanted = {base_media_type(part) for part in accept.split(",")}
    if "*/*" in wanted:
        return examples
    chosen = [
        e
        for e in examples
        if e.media_type
        and (
            base_media_type(e.media_type) in wanted
            or base_media_type(e.media_type).split("/")[0] + "/*" in wanted
        )
    ]
    return chosen or examples


def spec_files(spec_path: Path, *, at_root: bool = False) -> dict[str, Payload]:
    """The spec itself and its HTML reference, served next to the operations: `/openapi.yaml` and
    `/docs`. Served at the root (one spec), `/<api>/docs` leads to `/docs` too, so the address the
    README gives works either way, and the page's try-it panel still finds the API next to it."""
    yaml_type = ((b"content-type", b"application/yaml; charset=utf-8"),)
    html_type = ((b"content-type", b"text/html; charset=utf-8"),)
    files = {
        "/openapi.yaml": Payload(200, yaml_type, spec_path.read_bytes()),
        "/docs": Payload(200, html_type, docs_page(spec_path)),
    }
    if at_root:
        moved = ((b"location", b"/docs"), (b"content-type", b"text/plain; charset=utf-8"))
        files[f"/{spec_path.stem}/docs"] = Payload(307, moved, b"the docs are at /docs\n")
    return files


def docs_for(spec_path: Path) -> Path | None:
    """docs/<api>.html or docs/<api>.md next to the spec/ folder, when generated."""
    folder = spec_path.resolve().parent.parent / "docs"
    for suffix in (".html", ".md"):
        candidate = folder / f"{spec_path.stem}{suffix}"
        if candidate.is_file():
            return candidate
    return None


def docs_page(spec_path: Path) -> bytes:
    """docs/<api>.html next to the spec/ folder, as `mdcontract docs` wrote it (and `mdcontract check`
    keeps it up to date); for a spec with no generated HTML, the same page rendered from the spec."""
    generated = docs_for(spec_path)
    if generated is not None and generated.suffix == ".html":
        return generated.read_bytes()
    from generators.docs.render import load_spec, render_html, style_for

    try:
        spec = load_spec(spec_path)
        return render_html(spec, spec_path.stem, style_for(spec_path.parent, spec_path.stem, spec)).encode()
    except Exception as exc:  # the operations must still be served; the page says what went wrong
        log.exception("could not render the docs of %s", spec_path)
        message = html.escape(f"{type(exc).__name__}: {exc}")
        return f"<!doctype html><title>docs</title><p>The docs of {html.escape(spec_path.name)} could not be rendered ({message}). Run <code>mdcontract docs</code> to see why.</p>\n".encode()
