"""A server that answers `{"nonsense": true}` to every request: the suite must go red against it."""

from __future__ import annotations

from typing import Any

from starlette.responses import JSONResponse


async def app(scope: dict[str, Any], receive: Any, send: Any) -> None:
    if scope["type"] == "http":
        await JSONResponse({"nonsense": True})(scope, receive, send)
