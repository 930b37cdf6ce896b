"""Send one request and read the answer chunk by chunk, with limits on items, bytes and time.

Schemathesis buffers whole bodies, which says nothing about when the first chunk arrived and never ends on
an endless stream. The checks that need incremental reading (streams) or an extra request (another user's
token) use this instead: aiohttp against a URL, or the ASGI protocol directly against an in-process app
(httpx's and Starlette's test transports both buffer the whole body before returning).
"""

from __future__ import annotations

import asyncio
import contextlib
import threading
import time
from collections.abc import AsyncIterator, Callable, Coroutine
from dataclasses import dataclass, field
from typing import Any
from urllib.parse import unquote, urlsplit

import aiohttp

# Headers the client computes itself; copying them from the original request would make it lie.
_HOP_HEADERS = frozenset({"host", "content-length", "transfer-encoding", "connection", "accept-encoding"})


@dataclass(frozen=True)
class Request:
    method: str
    url: str
    headers: dict[str, str]
    body: bytes | None = None

    def with_header(self, name: str, value: str | None) -> Request:
        headers = {key: item for key, item in self.headers.items() if key.lower() != name.lower()}
        if value is not None:
            headers[name] = value
        return Request(self.method, self.url, headers, self.body)

    @classmethod
    def from_prepared(cls, prepared: Any) -> Request:
        """From the `requests.PreparedRequest` schemathesis keeps on every response."""
        body = prepared.body
        if isinstance(body, str):
            body = body.encode()
        return cls(str(prepared.method), str(prepared.url), dict(prepared.headers), body)


@dataclass(frozen=True)
class Limits:
    max_items: int = 2000
    max_seconds: float = 30.0
    max_bytes: int = 8 * 1024 * 1024


@dataclass
class Reading:
    """What came back: status, headers, the body's chunks with their arrival times, and why reading stopped."""

    status: int = 0
    headers: dict[str, str] = field(default_factory=dict)
    chunks: list[bytes] = field(default_factory=list)
    first_chunk_seconds: float | None = None
    total_seconds: float = 0.0
    # Set when a limit stopped the reading before the server ended the body.
    cut_short: str | None = None
    error: str | None = None

    @property
    def body(self) -> bytes:
        return b"".join(self.chunks)

    @property
    def content_type(self) -> str:
        return self.headers.get("content-type", "").split(";")[0].strip().lower()


Splitter = Callable[[str, bytes], int]
"""Given the media type and everything read so far, how many complete items it holds (for the item limit)."""


def fetch(
    request: Request, *, app: Any = None, limits: Limits = Limits(), count_items: Splitter | None = None
) -> Reading:
    """Send `request` to `app` (in-process ASGI) or over the network and read the body incrementally."""
    return _run(_fetch(request, app, limits, count_items))


async def _fetch(request: Request, app: Any, limits: Limits, count_items: Splitter | None) -> Reading:
    reading = Reading()
    started = time.monotonic()
    deadline = started + limits.max_seconds
    size = 0
    source = _asgi(app, request, reading) if app is not None else _network(request, reading, limits)
    try:
        while True:
            remaining = deadline - time.monotonic()
            if remaining <= 0:
                reading.cut_short = f"no end of stream within {limits.max_seconds:g} s"
                break
            try:
                chunk = await asyncio.wait_for(anext(source), timeout=remaining)
            except StopAsyncIteration:
                break
            except TimeoutError:
                reading.cut_short = f"no end of stream within {limits.max_seconds:g} s"
                break
            if not chunk:
                continue
            if reading.first_chunk_seconds is None:
                reading.first_chunk_seconds = time.monotonic() - started
            reading.chunks.append(chunk)
            size += len(chunk)
            if size > limits.max_bytes:
                reading.cut_short = f"more than {limits.max_bytes} bytes"
                break
            if count_items is not None and count_items(reading.content_type, reading.body) > limits.max_items:
                reading.cut_short = f"more than {limits.max_items} items"
                break
    except (aiohttp.ClientError, OSError) as exc:
        reading.error = f"{type(exc).__name__}: {exc}"
    except Exception as exc:  # an in-process app that raised is a server error, not a crash of the suite
        reading.error = f"{type(exc).__name__}: {exc}"
        reading.status = reading.status or 500
    finally:
        await source.aclose()
    reading.total_seconds = time.monotonic() - started
    return reading


async def _network(request: Request, reading: Reading, limits: Limits) -> AsyncIterator[bytes]:
    headers = {key: value for key, value in request.headers.items() if key.lower() not in _HOP_HEADERS}
    timeout = aiohttp.ClientTimeout(total=None, sock_connect=limits.max_seconds)
    async with (
        aiohttp.ClientSession(timeout=timeout, auto_decompress=True) as session,
        session.request(
            request.method, request.url, headers=headers, data=request.body, allow_redirects=False
        ) as response,
    ):
        reading.status = response.status
        reading.headers = {key.lower(): value for key, value in response.headers.items()}
        async for chunk in response.content.iter_any():
            yield chunk


async def _asgi(app: Any, request: Request, reading: Reading) -> AsyncIterator[bytes]:
    parts = urlsplit(request.url)
    scope = {
        "type": "http",
        "asgi": {"version": "3.0"},
        "http_version": "1.1",
        "method": request.method.upper(),
        "scheme": parts.scheme or "http",
        "path": unquote(parts.path or "/"),
        "raw_path": (parts.path or "/").encode(),
        "query_string": parts.query.encode(),
        "root_path": "",
        "headers": [
            (key.lower().encode(), str(value).encode())
            for key, value in request.headers.items()
            if key.lower() not in ("host", "content-length")
        ]
        + [
            (b"host", (parts.netloc or "testserver").encode()),
            (b"content-length", str(len(request.body or b"")).encode()),
        ],
        "client": ("127.0.0.1", 50000),
        "server": (parts.hostname or "testserver", parts.port or 80),
        "state": {},
    }
    messages: asyncio.Queue[dict[str, Any] | None] = asyncio.Queue()
    disconnected = asyncio.Event()
    body_sent = False

    async def receive() -> dict[str, Any]:
        nonlocal body_sent
        if not body_sent:
            body_sent = True
            return {"type": "http.request", "body": request.body or b"", "more_body": False}
        await disconnected.wait()
        return {"type": "http.disconnect"}

    async def send(message: dict[str, Any]) -> None:
        await messages.put(message)

    async def run() -> None:
        try:
            await app(scope, receive, send)
        finally:
            await messages.put(None)

    task = asyncio.ensure_future(run())
    try:
        while True:
            message = await messages.get()
            if message is None:
                await task  # re-raises what the app raised
                return
            if message["type"] == "http.response.start":
                reading.status = message["status"]
                reading.headers = {
                    key.decode().lower(): value.decode() for key, value in message.get("headers", [])
                }
            elif message["type"] == "http.response.body":
                yield message.get("body", b"")
                if not message.get("more_body", False):
                    return
    finally:
        disconnected.set()
        if not task.done():
            task.cancel()
            with contextlib.suppress(asyncio.CancelledError, Exception):
                await task


def _run(coroutine: Coroutine[Any, Any, Reading]) -> Reading:
    """Run a coroutine to completion from sync code, also when this thread already runs an event loop."""
    try:
        asyncio.get_running_loop()
    except RuntimeError:
        return asyncio.run(coroutine)
    result: list[Reading] = []
    errors: list[BaseException] = []

    def target() -> None:
        try:
            result.append(asyncio.run(coroutine))
        except BaseException as exc:
            errors.append(exc)

    thread = threading.Thread(target=target, name="mdcontract-fetch")
    thread.start()
    thread.join()
    if errors:
        raise errors[0]
    return result[0]
