"""The session-store fixture API (tests/fixtures/contract/session-store.yaml), correct unless a defect is planted.

No tokens: the user is the `user_id` each request names. User "123" has session "abc", as in the examples.
"""

from __future__ import annotations

import itertools
from typing import Any

from starlette.applications import Starlette

from .base import Call, Reject, SpecServer

DEFECTS = frozenset(
    {
        "server_error",  # add_user skips validation and crashes (500) when user_name is not a string
        "wrong_success_code",  # a successful add_chat answers ok: 1
        "keeps_deleted",  # delete_specific_session says ok but the session stays
    }
)


def ok(request_id: str, **fields: Any) -> dict[str, Any]:
    return {"request_id": request_id, "ok": 0, "failed": "", **fields}


def build_app(defects: frozenset[str] | set[str] = frozenset()) -> Starlette:
    unknown = set(defects) - DEFECTS
    assert not unknown, f"unknown defects: {unknown}"
    ids = itertools.count(1)
    users: dict[str, dict[str, Any]] = {
        "123": {"user_name": "tester", "phone": "1234567890", "email": "123@qq.com"}
    }
    sessions: dict[str, dict[str, dict[str, Any]]] = {
        "123": {"abc": {"session_title": "abc", "chats": [{"role": "user", "msg": "帮我讲个笑话"}]}}
    }

    def session(call: Call) -> dict[str, Any]:
        found = sessions.get(call.body["user_id"], {}).get(call.body["session_id"])
        if found is None:
            raise Reject(404, f"session {call.body['session_id']} does not exist")
        return found

    def add_user(call: Call) -> Any:
        name = call.body["user_name"].strip()  # unvalidated input crashes here (Starlette answers 500)
        users[call.body["user_id"]] = {"user_name": name}
        return ok(call.body["request_id"])

    def user_info(call: Call) -> Any:
        user = users.get(call.body["user_id"])
        if user is None:
            raise Reject(404, f"user {call.body['user_id']} does not exist")
        return ok(call.body["request_id"], user_id=call.body["user_id"], **user)

    def delete_session(call: Call) -> Any:
        session(call)
        if "keeps_deleted" not in defects:
            del sessions[call.body["user_id"]][call.body["session_id"]]
        return ok(call.body["request_id"])

    def delete_sessions(call: Call) -> Any:
        sessions.pop(call.body["user_id"], None)
        return ok(call.body["request_id"])

    def session_names(call: Call) -> Any:
        mine = sessions.get(call.body["user_id"], {})
        listed = [{"session_id": key, "session_title": value["session_title"]} for key, value in mine.items()]
        return ok(call.body["request_id"], sessions=listed)

    def session_info(call: Call) -> Any:
        found = session(call)
        return ok(
            call.body["request_id"],
            user_id=call.body["user_id"],
            session_id=call.body["session_id"],
            chats=found["chats"],
        )

    def add_chat(call: Call) -> Any:
        mine = sessions.setdefault(call.body["user_id"], {})
        if not mine:
            mine[f"s{next(ids)}"] = {"session_title": call.body["msg"][:20], "chats": []}
        list(mine.values())[-1]["chats"].append({"role": call.body["role"], "msg": call.body["msg"]})
        answer = ok(call.body["request_id"])
        if "wrong_success_code" in defects:
            answer["ok"] = 1
        return answer

    return SpecServer(
        spec_file="session-store.yaml",
        handlers={
            "post_add_user": add_user,
            "post_query_user_info": user_info,
            "post_delete_specific_session": delete_session,
            "post_delete_sessions": delete_sessions,
            "post_query_session_names": session_names,
            "post_query_session_info": session_info,
            "post_add_chat": add_chat,
        },
        error_shape=lambda status, message, code: {"request_id": "", "ok": code, "failed": message},
        principal_field=None,
        unvalidated=frozenset({"post_add_user"}) if "server_error" in defects else frozenset(),
    ).app()
