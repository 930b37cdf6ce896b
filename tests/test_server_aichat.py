"""aichat on the reference server: the login the overlay adds (codes 610/620) and /chatList, a user's
dialogues paged by creation time, as a frontend with the demo users sees them."""

from __future__ import annotations

import re
import subprocess
import sys
from pathlib import Path
from typing import Any

import pytest

from mocks.testing import call
from server.api import ServeOptions
from server.app import build_app
from server.seed import seed_demo

ROOT = Path(__file__).resolve().parent.parent
SPEC = ROOT / "spec" / "aichat.yaml"
TOKEN_CREATE = [sys.executable, "-m", "generators.cli", "token", "create", "--api", "aichat"]
HAN = re.compile(r"[\u4e00-\u9fff]")
ALICE = ("alice@example.com", "alice-password")
BOB = ("bob@example.com", "bob-password")


def serve(data_dir: Path | None = None) -> Any:
    """The server as `mdcontract serve --seed demo` runs it (under /aichat), answers checked against the spec."""
    options = ServeOptions(data_dir=data_dir, validate_responses=True, ttft_ms=0, tokens_per_s=0)
    app = build_app([SPEC], options)
    for api in app.server.served:
        seed_demo(api, lambda line: None)
    return app


@pytest.fixture
def app() -> Any:
    return serve()


def login(app: Any, email: str, password: str) -> Any:
    return call(app, "POST", "/aichat/login", json_body={"email": email, "password": password})


def token_of(app: Any, who: tuple[str, str]) -> str:
    answer = login(app, *who)
    assert answer.status == 200, answer.text
    return answer.json()["data"]["token"]


def chat_list(app: Any, token: str, **body: Any) -> list[dict[str, Any]]:
    answer = call(
        app,
        "POST",
        "/aichat/chatList",
        headers={"authorization": f"Bearer {token}", "host": "h:1"},
        json_body=body,
    )
    assert answer.status == 200, answer.text
    assert (answer.json()["code"], answer.json()["msg"]) == (200, "SUCCESS")
    return answer.json()["data"]


# --- login ------------------------------------------------------------------------------------------


def test_login_gives_a_token_in_the_envelope_that_lists_the_users_dialogues(app):
    answer = login(app, *ALICE)
    assert answer.status == 200
    body = answer.json()
    assert (body["code"], body["msg"], body["data"]["userId"]) == (200, "SUCCESS", 1)
    assert body["data"]["expireAt"] > 1_700_000_000  # epoch seconds, like the doc's createdAt
    rows = chat_list(app, body["data"]["token"])
    assert rows and {row["userId"] for row in rows} == {1}


def test_an_unregistered_email_is_610_and_a_wrong_password_620(app):
    unknown = login(app, "nobody@example.com", "alice-password")
    assert (unknown.status, unknown.json()["code"]) == (404, 610)
    assert "邮箱未注册" in unknown.json()["msg"]
    wrong = login(app, ALICE[0], "not-her-password")
    assert (wrong.status, wrong.json()["code"]) == (401, 620)
    assert "data" not in wrong.json() or not wrong.json()["data"]
    # An empty password is a password like any other, and wrong.
    assert login(app, ALICE[0], "").json()["code"] == 620


def test_chat_list_needs_a_token(app):
    for headers in ({}, {"authorization": "Bearer made-up"}):
        answer = call(app, "POST", "/aichat/chatList", headers=headers, json_body={})
        assert answer.status == 401
        assert answer.json()["code"] == 401 and answer.json()["msg"]
    # The demo tokens printed at start work as they are.
    assert chat_list(app, "demo-aichat-alice") == chat_list(app, token_of(app, ALICE))


# --- /chatList --------------------------------------------------------------------------------------


def test_pages_follow_the_creation_time_of_the_oldest_row(app):
    token = token_of(app, ALICE)
    everything = chat_list(app, token)
    created = [row["createdAt"] for row in everything]
    assert len(everything) == 4
    assert created == sorted(created, reverse=True)  # newest first
    first = chat_list(app, token, pageSize=3)
    assert first == everything[:3]
    # `page` is the createdAt of the oldest row the client has: the next page is what came before it.
    second = chat_list(app, token, pageSize=3, page=first[-1]["createdAt"])
    assert second == everything[3:]
    assert chat_list(app, token, pageSize=3, page=second[-1]["createdAt"]) == []
    # No cursor, or 0, is the newest page; so is a cursor in the future.
    assert chat_list(app, token, pageSize=3, page=0) == first
    assert chat_list(app, token, pageSize=3, page=4_000_000_000) == first


def test_each_row_carries_its_role_and_the_dialogues_latest_message(app):
    api = app.server.apis["aichat"].api
    for row in chat_list(app, token_of(app, ALICE)):
        latest = api.db.one(
            "SELECT id, content, created_at FROM chats WHERE dialogue_id = ? ORDER BY created_at DESC, id DESC",
            [row["id"]],
        )
        role = api.db.one("SELECT name FROM roles WHERE id = ?", [row["roleId"]])
        assert (row["chatInfo"]["id"], row["chatInfo"]["content"]) == (latest["id"], latest["content"])
        assert row["chatInfo"]["dialogueId"] == row["id"]
        assert (row["roleInfo"]["id"], row["roleInfo"]["name"]) == (row["roleId"], role["name"])
        assert row["lastActiveAt"] >= row["chatInfo"]["createdAt"] >= row["createdAt"]


def test_role_images_are_files_this_server_serves(app):
    row = chat_list(app, token_of(app, ALICE))[0]
    avatar = row["roleInfo"]["avatar"]
    assert avatar.startswith("http://h:1/aichat/files/")
    image = call(app, "GET", avatar.removeprefix("http://h:1"))
    assert image.status == 200
    assert image.headers["content-type"] == "image/png"
    assert image.body.startswith(b"\x89PNG\r\n\x1a\n")


def test_one_users_dialogues_are_not_anothers(app):
    alice = chat_list(app, token_of(app, ALICE))
    bob = chat_list(app, token_of(app, BOB))
    assert len(bob) == 2 and {row["userId"] for row in bob} == {2}
    assert not {row["id"] for row in alice} & {row["id"] for row in bob}


def test_the_demo_dialogues_answer_in_the_language_they_were_spoken_in(app):
    by_role = {
        row["roleInfo"]["name"]: row["chatInfo"]["content"] for row in chat_list(app, token_of(app, ALICE))
    }
    assert HAN.search(by_role["林小雨"])
    assert not HAN.search(by_role["Jenna"])


# --- tokens out of band, restarts -------------------------------------------------------------------


def test_token_create_prints_one_token_that_works_against_a_server_on_the_same_data(tmp_path):
    def create(name: str) -> str:
        result = subprocess.run(
            [*TOKEN_CREATE, "--name", name, "--data", str(tmp_path)],
            capture_output=True,
            text=True,
            cwd=ROOT,
            timeout=120,
        )
        assert result.returncode == 0, result.stderr
        (token,) = result.stdout.splitlines()
        return token

    # Before the first start: a new user, and the demo user alice made ahead of the demo data.
    carol, alice = create("carol"), create("alice")
    app = serve(tmp_path)
    assert chat_list(app, carol) == []  # a new user has no dialogues
    # No password was set for carol, so none logs in; alice got hers from the demo data.
    assert login(app, "carol@example.com", "").json()["code"] == 620
    assert len(chat_list(app, alice)) == 4
    assert chat_list(app, token_of(app, ALICE)) == chat_list(app, alice)


def test_a_restart_on_the_same_data_keeps_the_users_and_does_not_seed_twice(tmp_path):
    first = serve(tmp_path)
    token = token_of(first, BOB)
    rows = chat_list(first, token)
    first.server.close()
    second = serve(tmp_path)
    assert chat_list(second, token) == rows
