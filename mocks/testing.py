"""Calling an ASGI app in-process and seeing every message it sends.

httpx's ASGI transport (and Starlette's TestClient on top of it) joins a response's body parts,
which hides exactly what stream tests look at: one chunk per NDJSON line or SSE event.
"""

from __future__ import annotations

import asyncio
import json
import time
from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any
from urllib.parse import urlsplit


@dataclass
class MockResponse:
    status: int
    headers: dict[str, str]
    chunks: list[bytes] = field(default_factory=list)
    # Seconds from the request to each chunk: the pacing a client sees.
    arrivals: list[float] = field(default_factory=list)

    @property
    def body(self) -> bytes:
        return b"".join(self.chunks)

    @property
    def text(self) -> str:
        return self.body.decode()

    def json(self) -> Any:
        return json.loads(self.body)


def call(
    app: Any,
    method: str,
    url: str,
    *,
    headers: Mapping[str, str] | None = None,
    body: bytes = b"",
    json_body: Any = None,
) -> MockResponse:
    """One request through ``app``; ``chunks`` are the non-empty body messages, in order."""
    return asyncio.run(acall(app, method, url, headers=headers, body=body, json_body=json_body))


async def acall(
    app: Any,
    method: str,
    url: str,
    *,
    headers: Mapping[str, str] | None = None,
    body: bytes = b"",
    json_body: Any = None,
) -> MockResponse:
    all_headers = {k.lower(): v for k, v in (headers or {}).items()}
    if json_body is not None:
        body = json.dumps(json_body).encode()
        all_headers.setdefault("content-type", "application/json")
    parts = urlsplit(url)
    scope = {
        "type": "http",
        "asgi": {"version": "3.0"},
        "http_version": "1.1",
        "method": method.upper(),
        "scheme": "http",
        "path": parts.path or "/",
        "raw_path": (parts.path or "/").encode(),
        "query_string": parts.query.encode(),
        "root_path": "",
        "headers": [(k.encode("latin-1"), v.encode("latin-1")) for k, v in all_headers.items()],
        "client": ("127.0.0.1", 50000),
        "server": ("127.0.0.1", 8000),
    }
    sent_body = False

    async def receive() -> dict[str, Any]:
        nonlocal sent_body
        if sent_body:
            await asyncio.sleep(3600)  # like a server: no disconnect while the app answers
        sent_body = True
        return {"type": "http.request", "body": body, "more_body": False}

    response = MockResponse(0, {})

    async def send(message: dict[str, Any]) -> None:
        if message["type"] == "http.response.start":
            response.status = message["status"]
            for key, value in message.get("headers", []):
                name = key.decode("latin-1").lower()
                text = value.decode("latin-1")
                response.headers[name] = (
                    f"{response.headers[name]}, {text}" if name in response.headers else text
                )
        elif message["type"] == "http.response.body" and message.get("body"):
            response.chunks.append(message["body"])
            response.arrivals.append(time.perf_counter() - started)

    started = time.perf_counter()
    await app(scope, receive, send)
    return response
