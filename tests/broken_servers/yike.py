"""The yike fixture API (tests/fixtures/contract/yike.yaml), correct unless a defect is planted.

Token `token-a` is user 1 and owns conversation 34286151409860608; `token-b` is user 2.
"""

from __future__ import annotations

import itertools
from typing import Any

from starlette.applications import Starlette
from starlette.responses import JSONResponse, PlainTextResponse, StreamingResponse

from .base import Call, Reject, SpecServer

DEFECTS = frozenset(
    {
        "plain_text_errors",  # errors come as text/plain instead of {"message": ...}
        "empty_completion",  # the completion stream ends without any text
        "slow_first_chunk",  # the completion's first chunk takes a second
    }
)
CONVERSATION = "34286151409860608"


def build_app(defects: frozenset[str] | set[str] = frozenset()) -> Starlette:
    unknown = set(defects) - DEFECTS
    assert not unknown, f"unknown defects: {unknown}"
    ids = itertools.count(40000000000000000)
    conversations: dict[str, dict[str, Any]] = {
        CONVERSATION: {"owner": 1, "title": "新的对话", "prompt_id": "0"},
    }

    def mine(call: Call) -> dict[str, Any]:
        found = conversations.get(call.path["id"])
        if found is None or found["owner"] != call.user:
            raise Reject(404, "No query results for model [Conversation].")
        return found

    def public(key: str, value: dict[str, Any]) -> dict[str, Any]:
        return {"id": key, "title": value["title"], "prompt_id": value["prompt_id"]}

    def user(call: Call) -> Any:
        return {"id": str(call.user), "name": f"user {call.user}", "email": None}

    def listing(call: Call) -> Any:
        data = [public(key, value) for key, value in conversations.items() if value["owner"] == call.user]
        return {"current_page": call.query.get("page", 1), "data": data, "total": len(data)}

    def create(call: Call) -> Any:
        key = str(next(ids))
        conversations[key] = {
            "owner": call.user,
            "title": call.body["title"],
            "prompt_id": call.body.get("prompt_id", "0"),
        }
        return JSONResponse(public(key, conversations[key]), status_code=201)

    def show(call: Call) -> Any:
        return public(call.path["id"], mine(call))

    def completions(call: Call) -> Any:
        mine(call)
        parts = [] if "empty_completion" in defects else ["嗨，", "欢迎来到一刻，", "你想聊点什么？"]

        async def chunks() -> Any:
            if "slow_first_chunk" in defects:
                import asyncio

                await asyncio.sleep(1.0)
            for part in parts:
                yield part.encode()

        return StreamingResponse(chunks(), media_type="text/plain; charset=utf-8")

    def error_shape(status: int, message: str, code: int) -> dict[str, Any]:
        return {"message": message}

    server = SpecServer(
        spec_file="yike.yaml",
        handlers={
            "get_api_user": user,
            "get_api_conversations": listing,
            "post_api_chat_conversations": create,
            "get_api_chat_conversations_id": show,
            "post_chat_conversations_id_completions": completions,
        },
        error_shape=error_shape,
        tokens={"token-a": 1, "token-b": 2},
        principal_field=None,
        invalid_status=422,
    )
    app = server.app()
    if "plain_text_errors" in defects:
        return _text_errors(app)
    return app


def _text_errors(app: Starlette) -> Any:
    """Wrap the app so every JSON error body turns into plain text."""

    async def wrapped(scope: Any, receive: Any, send: Any) -> None:
        if scope["type"] != "http":
            await app(scope, receive, send)
            return
        start: dict[str, Any] = {}

        async def capture(message: dict[str, Any]) -> None:
            if message["type"] == "http.response.start":
                start.update(message)
                if message["status"] < 400:
                    await send(message)
                return
            if start.get("status", 200) < 400:
                await send(message)
                return
            response = PlainTextResponse("Whoops, something went wrong.", status_code=start["status"])
            await response(scope, receive, send)

        await app(scope, receive, capture)

    return wrapped
