"""The character fixture API (tests/fixtures/contract/character.yaml), correct unless a defect is planted.

Users: token `token-a` is user 1, `token-b` is user 2. User 1 owns private character 1 and its chat
session 1, as in the documented examples.
"""

from __future__ import annotations

import asyncio
import itertools
import json
from typing import Any

from starlette.applications import Starlette
from starlette.responses import JSONResponse, StreamingResponse

from .base import Call, Reject, SpecServer, ndjson, sse

TOKEN_A, TOKEN_B = "token-a", "token-b"

DEFECTS = frozenset(
    {
        "leak",  # ownership is never checked: any user reads and changes any session or character
        "broken_ndjson_line",  # genChat sends a line that is not JSON
        "shrinking_content",  # genChat's cumulative content gets shorter between chunks
        "missing_session_token",  # registByEmail forgets the `session-token` response header
        "wrong_success_code",  # getProfile answers 200 with code 1
        "endless_stream",  # genChat never says done and never ends
    }
)


def ok(result: Any) -> dict[str, Any]:
    return {"code": 0, "msg": "success", "result": result}


def build_app(defects: frozenset[str] | set[str] = frozenset()) -> Starlette:
    unknown = set(defects) - DEFECTS
    assert not unknown, f"unknown defects: {unknown}"
    ids = itertools.count(100)
    tokens = {TOKEN_A: 1, TOKEN_B: 2}
    characters: dict[int, dict[str, Any]] = {
        1: {"owner": 1, "name": "Lily", "greeting": "Hi~", "visibility": "private"}
    }
    sessions: dict[int, dict[str, Any]] = {1: {"owner": 1, "character_id": 1, "context": [_dialog(1, "Hi~")]}}

    def mine(
        table: dict[int, dict[str, Any]], key: int, call: Call, *, readable: bool = False
    ) -> dict[str, Any]:
        item = table.get(key)
        if item is None:
            raise Reject(404, f"{key} does not exist")
        shared = readable and item.get("visibility") == "public"
        if item["owner"] != call.user and not shared and "leak" not in defects:
            raise Reject(404, f"{key} does not exist")
        return item

    def register(call: Call) -> Any:
        user_id = next(ids)
        token = f"token-{user_id}"
        tokens[token] = user_id
        headers = {"expireTs": "1680747764247"}
        if "missing_session_token" not in defects:
            headers["session-token"] = token
        return JSONResponse(ok({"user_id": user_id, "email": call.body["email"]}), headers=headers)

    def tags(call: Call) -> Any:
        return ok({"display": [{"Newest": "最新"}], "choose": [{"Female": "女性"}]})

    def create_or_edit(call: Call) -> Any:
        body = call.body
        if "character_id" in body:
            character = mine(characters, body["character_id"], call)
            character.update({key: body[key] for key in ("name", "greeting", "visibility") if key in body})
            return ok({"character_id": body["character_id"]})
        character_id = next(ids)
        characters[character_id] = {
            "owner": call.user,
            "name": body["name"],
            "greeting": body.get("greeting", ""),
            "visibility": body.get("visibility", "private"),
        }
        return ok({"character_id": character_id})

    def profile(call: Call) -> Any:
        character = mine(characters, call.body["character_id"], call, readable=True)
        answer = ok({key: character[key] for key in ("name", "greeting", "visibility")})
        if "wrong_success_code" in defects:
            answer["code"] = 1
        return answer

    def release(call: Call) -> Any:
        mine(characters, call.body["character_id"], call)["visibility"] = "public"
        return ok({"status": 0})

    def delete(call: Call) -> Any:
        mine(characters, call.body["character_id"], call)
        del characters[call.body["character_id"]]
        return ok({"status": 0})

    def create_chat(call: Call) -> Any:
        character = mine(characters, call.body["character_id"], call, readable=True)
        session_id = next(ids)
        sessions[session_id] = {
            "owner": call.user,
            "character_id": call.body["character_id"],
            "context": [_dialog(1, character["greeting"])],
        }
        return ok({"session_id": session_id, "context": sessions[session_id]["context"]})

    def history(call: Call) -> Any:
        session = mine(sessions, call.body["session_id"], call)
        return ok({"session_id": call.body["session_id"], "context": session["context"]})

    def delete_chat(call: Call) -> Any:
        mine(sessions, call.body["session_id"], call)
        del sessions[call.body["session_id"]]
        return ok({"status": 0})

    def gen_chat(call: Call) -> Any:
        session_id = call.body["session_id"]
        mine(sessions, session_id, call)
        if "endless_stream" in defects:
            return _endless(session_id)
        parts = ["\n\n", "\n\n*waves", "\n\n*waves*"]
        if "shrinking_content" in defects:
            parts = ["\n\n", "\n\n*waves*", "\n\n*"]
        lines = [
            ok({"session_id": session_id, "idx": 2, "done": index == len(parts) - 1, "content": part})
            for index, part in enumerate(parts)
        ]
        if "broken_ndjson_line" in defects:
            texts = [json.dumps(line) for line in lines]
            texts[1] = texts[1][:-2]  # the closing braces went missing
            return ndjson([], raw=texts)
        return ndjson(lines)

    def group_generate(call: Call) -> Any:
        session_id = call.query["session_id"]
        mine(sessions, session_id, call)
        parts = ["xxx", "xxx done"]
        return sse(
            [
                ok({"session_id": session_id, "idx": 2, "done": index == len(parts) - 1, "content": part})
                for index, part in enumerate(parts)
            ]
        )

    server = SpecServer(
        spec_file="character.yaml",
        handlers={
            "post_user_registByEmail": register,
            "get_tags_complete_list": tags,
            "post_character_new_createOrEdit": create_or_edit,
            "post_character_getProfile": profile,
            "post_character_release": release,
            "post_character_delete": delete,
            "post_character_createChat": create_chat,
            "post_character_getChatHistory": history,
            "post_character_session_delete": delete_chat,
            "post_character_genChat": gen_chat,
            "get_character_group_generate_sse": group_generate,
        },
        error_shape=lambda status, message, code: {"code": code, "msg": message},
        tokens=tokens,
    )
    if "leak" in defects:
        server.principal_field = None  # and the user_id in the body is taken at its word
    return server.app()


def _endless(session_id: int) -> Any:
    async def chunks() -> Any:
        content = ""
        while True:
            content += "la "
            yield (
                json.dumps(ok({"session_id": session_id, "idx": 2, "done": False, "content": content})) + "\n"
            ).encode()
            await asyncio.sleep(0.005)

    return StreamingResponse(chunks(), media_type="application/x-ndjson")


def _dialog(idx: int, content: str) -> dict[str, Any]:
    return {"idx": idx, "name": "AI", "content": content}
