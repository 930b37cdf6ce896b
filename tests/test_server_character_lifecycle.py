"""What happens to chats and characters when an account changes: a guest who signs up keeps their
chats, a deleted user's private chats and characters go (what they released stays), and clearing
usage records empties the chat histories."""

from __future__ import annotations

import json
from typing import Any

import pytest
from character_server import ALICE, Client


@pytest.fixture
def app() -> Any:
    client = Client(demo=True)
    yield client
    client.close()


def _replies(app: Client, path: str, token: str, **body: Any) -> list[dict[str, Any]]:
    answer = app.post(path, token, **body)
    assert answer.status == 200, answer.text
    return [json.loads(line)["result"] for line in answer.text.splitlines() if line.strip()]


def test_a_guest_who_signs_up_keeps_their_chats(app):
    login = app.post("/guest/login", client_token="phone-42")
    guest_token, guest_id = login.headers["session-token"], login.json()["result"]["guest_id"]
    reply = _replies(
        app, "/guest/genChat", guest_token, guest_id=guest_id, character_id=1, content="Hi Lily!"
    )
    app.ok("POST", "/user/sendEmailCode", email="newcomer@example.com")
    signed_up = app.post(
        "/user/code_login",
        email="newcomer@example.com",
        email_valid_code=app.code_for("newcomer@example.com"),
        invitation_code="",
        guest_client_token="phone-42",
    )
    token, user_id = signed_up.headers["session-token"], signed_up.json()["result"]["user_id"]
    history = app.ok("POST", "/character/getChatHistory", token, user_id=user_id, character_id=1)
    assert [m["content"] for m in history[0]["context"]][1:] == ["Hi Lily!", reply[-1]["content"]]


def test_deleting_a_user_removes_their_chats_and_private_characters_but_not_what_they_released(app):
    token, user_id = app.register("leaving@example.com")

    def character(name: str) -> int:
        created = app.ok(
            "POST",
            "/character/new/createOrEdit",
            token,
            user_id=user_id,
            avatar="",
            appearance="",
            name=name,
            long_description="",
            short_description="",
            charge=0,
            sex="Female",
        )
        return created["character_id"]

    private, released = character("Draft"), character("Shared")
    app.ok("POST", "/character/release", token, user_id=user_id, character_id=released)
    session = app.ok("POST", "/character/createChat", token, user_id=user_id, character_id=1)["session_id"]
    app.ok("POST", "/user/doCollect", token, user_id=user_id, character_id=1)

    app.ok("POST", "/user/delete", token, user_id=user_id)
    assert app.api.db.value("SELECT COUNT(*) FROM sessions WHERE id = ?", [session]) == 0
    assert app.api.db.value("SELECT COUNT(*) FROM content_marks WHERE user_id = ?", [user_id]) == 0
    assert app.post("/character/getProfile", ALICE, user_id=1, character_id=private).status == 404
    shared = app.ok("POST", "/character/getProfile", ALICE, user_id=1, character_id=released)
    assert shared["name"] == "Shared" and shared["creater"] == "Deleted user"


def test_clearing_usage_records_empties_the_chat_histories_and_keeps_the_characters(app):
    session = app.ok("POST", "/character/createChat", ALICE, user_id=1, character_id=2)["session_id"]
    _replies(app, "/character/genChat", ALICE, user_id=1, session_id=session, content="Ahoy!")
    app.ok("POST", "/user/clearRecords", ALICE, user_id=1)
    assert app.ok("POST", "/character/getChatHistory", ALICE, user_id=1, character_id=2) == []
    assert app.ok("POST", "/character/getCharactersChatRecently", ALICE, user_id=1, limit=10, page_no=1) == []
    assert (
        app.ok("POST", "/character/getProfile", ALICE, user_id=1, character_id=2)["name"]
        == "Captain Rowan Vale"
    )
