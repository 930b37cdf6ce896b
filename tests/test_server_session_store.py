"""session-store on the reference server: users and their chat sessions, as the back office uses them."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest

from mocks.testing import call
from server.api import ServeOptions
from server.app import build_app

SPEC = Path(__file__).resolve().parent.parent / "spec" / "session-store.yaml"


@pytest.fixture
def app() -> Any:
    return build_app(SPEC, ServeOptions(validate_responses=True, ttft_ms=0, tokens_per_s=0))


def post(app: Any, path: str, **body: Any) -> Any:
    return call(app, "POST", path, json_body={"request_id": "r1", **body})


def chat(app: Any, user: str, session: str, role: str, msg: str) -> Any:
    answer = post(app, "/add_chat", user_id=user, session_id=session, role=role, msg=msg)
    assert answer.status == 200, answer.text
    return answer


def test_a_user_added_is_the_user_queried(app):
    assert post(app, "/add_user", user_id="123", user_name="tester").json() == {
        "request_id": "r1",
        "ok": 0,
        "failed": "",
    }
    info = post(app, "/query_user_info", user_id="123").json()
    assert info == {"request_id": "r1", "user_id": "123", "user_name": "tester", "phone": "", "email": ""}
    post(app, "/add_user", user_id="123", user_name="renamed")
    assert post(app, "/query_user_info", user_id="123").json()["user_name"] == "renamed"


def test_an_unknown_user_is_404_in_the_envelope(app):
    answer = post(app, "/query_user_info", user_id="nobody")
    assert answer.status == 404
    assert answer.json()["ok"] == 1
    assert "nobody" in answer.json()["failed"]


def test_chats_come_back_in_order_and_the_first_user_message_titles_the_session(app):
    chat(app, "u1", "s1", "user", "帮我讲个笑话")
    chat(app, "u1", "s1", "ai", "有一天，小明去面试")
    chat(app, "u1", "s1", "user", "再来一个")
    info = post(app, "/query_session_info", user_id="u1", session_id="s1").json()
    assert info["chats"] == [
        {"role": "user", "msg": "帮我讲个笑话"},
        {"role": "ai", "msg": "有一天，小明去面试"},
        {"role": "user", "msg": "再来一个"},
    ]
    names = post(app, "/query_session_names", user_id="u1").json()["sessions"]
    assert names == [{"session_id": "s1", "session_title": "帮我讲个笑话"}]


def test_one_users_sessions_are_not_anothers(app):
    chat(app, "u1", "s1", "user", "mine")
    assert post(app, "/query_session_names", user_id="u2").json()["sessions"] == []
    assert post(app, "/query_session_info", user_id="u2", session_id="s1").status == 404
    assert post(app, "/delete_specific_session", user_id="u2", session_id="s1").status == 404
    assert post(app, "/query_session_info", user_id="u1", session_id="s1").status == 200


def test_a_deleted_session_is_gone_with_its_chats_and_stays_gone(app):
    chat(app, "u1", "s1", "user", "hello")
    chat(app, "u1", "s2", "user", "other")
    assert post(app, "/delete_specific_session", user_id="u1", session_id="s1").json()["ok"] == 0
    assert post(app, "/query_session_info", user_id="u1", session_id="s1").status == 404
    assert [s["session_id"] for s in post(app, "/query_session_names", user_id="u1").json()["sessions"]] == [
        "s2"
    ]
    late = post(app, "/add_chat", user_id="u1", session_id="s1", role="ai", msg="late reply")
    assert late.status == 404  # a stale client does not bring the session back
    api = app.server.root.api
    assert api.db.value("SELECT count(*) FROM chats WHERE session_id = 's1'") == 0


def test_delete_sessions_clears_every_session_of_the_user_only(app):
    chat(app, "u1", "a", "user", "1")
    chat(app, "u1", "b", "user", "2")
    chat(app, "u2", "c", "user", "3")
    post(app, "/delete_sessions", user_id="u1")
    assert post(app, "/query_session_names", user_id="u1").json()["sessions"] == []
    assert len(post(app, "/query_session_names", user_id="u2").json()["sessions"]) == 1


def test_a_chat_keeps_the_role_it_was_given(app):
    # The doc shows `user` and `ai`; the contract does not restrict the role, so neither does the server.
    chat(app, "u1", "s", "system", "be brief")
    assert post(app, "/query_session_info", user_id="u1", session_id="s").json()["chats"] == [
        {"role": "system", "msg": "be brief"}
    ]
