"""yike on the reference server: scenes, a user's conversations and messages, and the streamed reply,
as a frontend holding a token sees them."""

from __future__ import annotations

import asyncio
import logging
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
SPEC = ROOT / "spec" / "yike.yaml"
ALICE = {"authorization": "Bearer demo-yike-alice", "host": "h:1"}
BOB = {"authorization": "Bearer demo-yike-bob", "host": "h:1"}
TOKEN_CREATE = [sys.executable, "-m", "generators.cli", "token", "create", "--api", "yike"]
HAN = re.compile(r"[\u4e00-\u9fff]")
LARAVEL_PAGE = {
    "current_page",
    "data",
    "first_page_url",
    "from",
    "last_page",
    "last_page_url",
    "next_page_url",
    "path",
    "per_page",
    "prev_page_url",
    "to",
    "total",
}


def serve(data_dir: Path | None = None, **options: Any) -> Any:
    """The server as `mdcontract serve --seed demo` runs it (under /yike), answers checked against the spec."""
    settings = {"ttft_ms": 0, "tokens_per_s": 0, **options}
    app = build_app([SPEC], ServeOptions(data_dir=data_dir, validate_responses=True, **settings))
    for api in app.server.served:
        seed_demo(api, lambda line: None)
    return app


@pytest.fixture
def app() -> Any:
    return serve()


def get(app: Any, path: str, who: dict[str, str] = ALICE) -> Any:
    answer = call(app, "GET", "/yike" + path, headers=who)
    assert answer.status == 200, answer.text
    return answer.json()


def post(app: Any, path: str, body: Any = None, who: dict[str, str] = ALICE) -> Any:
    return call(app, "POST", "/yike" + path, headers=who, json_body=body if body is not None else {})


def new_conversation(app: Any, who: dict[str, str] = ALICE, **body: Any) -> dict[str, Any]:
    answer = post(app, "/api/chat/conversations", body, who)
    assert answer.status == 200, answer.text
    return answer.json()


def say(app: Any, conversation: dict[str, Any], content: str, who: dict[str, str] = ALICE) -> dict[str, Any]:
    answer = post(app, f"/api/chat/conversations/{conversation['id']}/messages", {"content": content}, who)
    assert answer.status == 200, answer.text
    return answer.json()


def complete(app: Any, conversation: dict[str, Any], who: dict[str, str] = ALICE) -> Any:
    answer = call(app, "POST", f"/yike/chat/conversations/{conversation['id']}/completions", headers=who)
    assert answer.status == 200, answer.text
    return answer


def all_messages(app: Any, conversation: dict[str, Any]) -> list[dict[str, Any]]:
    return get(app, f"/api/chat/conversations/{conversation['id']}/messages")["data"]


def scene(app: Any, name: str) -> dict[str, Any]:
    return next(p for p in get(app, "/api/prompts")["data"] if p["name"] == name)


# --- tokens and the user ---------------------------------------------------------------------------


def test_each_token_is_its_users(app):
    alice, bob = get(app, "/api/user"), get(app, "/api/user", BOB)
    assert (alice["name"], bob["name"]) == ("alice", "bob")
    assert alice["id"] != bob["id"]
    assert alice["referral_url"].startswith("http://h:1/yike/")
    assert alice["referral_url"].endswith(alice["referral_code"])


@pytest.mark.parametrize("headers", [{}, {"authorization": "Bearer made-up"}])
def test_without_a_valid_token_every_operation_is_401(app, headers):
    for method, path in [
        ("GET", "/api/user"),
        ("GET", "/api/conversations"),
        ("POST", "/api/chat/conversations"),
    ]:
        answer = call(
            app, method, "/yike" + path, headers=headers, json_body={} if method == "POST" else None
        )
        assert answer.status == 401
        assert answer.json()["message"]


# --- scenes and pagination --------------------------------------------------------------------------


def test_scenes_come_in_laravels_paginator_with_urls_of_this_server(app):
    page = get(app, "/api/prompts")
    assert set(page) == LARAVEL_PAGE
    assert page["total"] == len(page["data"]) == 5
    assert (page["current_page"], page["from"], page["to"], page["per_page"], page["last_page"]) == (
        1,
        1,
        5,
        100,
        1,
    )
    assert page["path"] == "http://h:1/yike/api/prompts"
    assert page["first_page_url"] == page["last_page_url"] == "http://h:1/yike/api/prompts?page=1"
    assert page["next_page_url"] is None and page["prev_page_url"] is None
    assert "历史学家" in [p["name"] for p in page["data"]]
    beyond = get(app, "/api/prompts?page=2")
    assert beyond["data"] == [] and beyond["total"] == 5
    assert beyond["prev_page_url"] == "http://h:1/yike/api/prompts?page=1"


def test_conversations_are_listed_newest_first_fifteen_a_page(app):
    seeded = get(app, "/api/conversations")["total"]
    made = [new_conversation(app, title=f"c{n}")["id"] for n in range(16)]
    first = get(app, "/api/conversations")
    assert first["total"] == seeded + 16
    assert first["last_page"] == 2 and first["per_page"] == 15
    assert [c["id"] for c in first["data"]] == made[::-1][:15]
    assert first["next_page_url"] == "http://h:1/yike/api/conversations?page=2"
    second = get(app, "/api/conversations?page=2")
    assert (second["from"], second["to"]) == (16, seeded + 16)
    assert second["data"][0]["id"] == made[0]
    assert second["next_page_url"] is None
    assert second["prev_page_url"] == "http://h:1/yike/api/conversations?page=1"
    # A page below 1 is the first, as in Laravel.
    assert get(app, "/api/conversations?page=0")["data"] == first["data"]


# --- conversations ----------------------------------------------------------------------------------


def test_a_conversation_created_in_a_scene_is_read_back_and_listed(app):
    historian = scene(app, "历史学家")
    made = new_conversation(app, title="宋朝", prompt_id=historian["id"])
    assert (made["title"], made["prompt_id"]) == ("宋朝", historian["id"])
    assert get(app, f"/api/chat/conversations/{made['id']}") == made
    listed = get(app, "/api/conversations")["data"][0]
    assert (listed["id"], listed["title"], listed["messages_count"]) == (made["id"], "宋朝", 0)
    assert listed["prompt"]["name"] == "历史学家"
    assert scene(app, "历史学家")["conversations_count"] == historian["conversations_count"] + 1


def test_without_a_scene_the_default_one_is_used_and_an_unknown_scene_is_404(app):
    made = new_conversation(app)
    assert (made["title"], made["prompt_id"]) == ("新的对话", "0")
    answer = post(app, "/api/chat/conversations", {"title": "x", "prompt_id": "123"})
    assert answer.status == 404
    assert "Prompt" in answer.json()["message"]


def test_an_unknown_conversation_is_404(app):
    for path in ("/api/chat/conversations/999", "/api/chat/conversations/not-an-id/messages"):
        answer = call(app, "GET", "/yike" + path, headers=ALICE)
        assert answer.status == 404
        assert "Conversation" in answer.json()["message"]


def test_user_b_cannot_see_or_use_user_as_conversation(app):
    mine = new_conversation(app, title="private")
    say(app, mine, "my secret")
    base = f"/yike/api/chat/conversations/{mine['id']}"
    assert call(app, "GET", base, headers=BOB).status == 404
    assert call(app, "GET", base + "/messages", headers=BOB).status == 404
    assert call(app, "POST", base + "/messages", headers=BOB, json_body={"content": "hi"}).status == 404
    assert call(app, "POST", f"/yike/chat/conversations/{mine['id']}/completions", headers=BOB).status == 404
    assert mine["id"] not in [c["id"] for c in get(app, "/api/conversations", BOB)["data"]]
    # Nothing B tried reached A's conversation.
    assert [m["content"] for m in all_messages(app, mine)] == ["my secret"]


# --- messages and the completion --------------------------------------------------------------------


def test_messages_are_listed_in_the_order_they_were_said_fifteen_a_page(app):
    made = new_conversation(app)
    said = [say(app, made, f"message {n}") for n in range(17)]
    assert said[0]["role"] == "user" and said[0]["conversation_id"] == made["id"]
    first = get(app, f"/api/chat/conversations/{made['id']}/messages")
    assert set(first) == LARAVEL_PAGE
    assert [m["content"] for m in first["data"]] == [f"message {n}" for n in range(15)]
    assert (first["total"], first["last_page"]) == (17, 2)
    second = get(app, f"/api/chat/conversations/{made['id']}/messages?page=2")
    assert [m["id"] for m in second["data"]] == [m["id"] for m in said[15:]]
    assert get(app, "/api/conversations")["data"][0]["messages_count"] == 17


def test_the_completion_streams_in_pieces_and_is_then_the_assistants_message(app):
    made = new_conversation(app, prompt_id=scene(app, "旅行向导")["id"])
    say(app, made, "I am in Kyoto for two days, what should I see?")
    answer = complete(app, made)
    assert answer.headers["content-type"].startswith("text/plain")
    assert len(answer.chunks) > 3
    text = answer.text
    assert text.strip()
    messages = all_messages(app, made)
    assert [m["role"] for m in messages] == ["user", "assistant"]
    assert messages[1]["content"] == text
    assert messages[1]["tokens_count"] == len(answer.chunks)


def test_the_same_request_gives_the_same_bytes_and_one_answer_is_kept(app):
    made = new_conversation(app)
    say(app, made, "What is a good name for a cat?")
    once, again = complete(app, made).body, complete(app, made).body
    assert once == again
    assert [m["role"] for m in all_messages(app, made)] == ["user", "assistant"]
    # A new question gets a new answer.
    say(app, made, "And for a dog?")
    assert complete(app, made).body != once
    assert [m["role"] for m in all_messages(app, made)] == ["user", "assistant", "user", "assistant"]


def test_chinese_in_chinese_out_english_in_english_out(app):
    chinese, english = new_conversation(app), new_conversation(app)
    say(app, chinese, "你好，请帮我想一个周末的出游计划。")
    say(app, english, "Hello, please help me plan a weekend trip.")
    zh, en = complete(app, chinese).text, complete(app, english).text
    assert len(HAN.findall(zh)) > len(zh) / 3
    assert not HAN.search(en)


def test_a_conversation_nobody_has_spoken_in_is_answered_with_its_scenes_greeting(app):
    poet = scene(app, "诗人")
    made = new_conversation(app, prompt_id=poet["id"])
    assert complete(app, made).text == poet["greeting"]
    assert [(m["role"], m["content"]) for m in all_messages(app, made)] == [("assistant", poet["greeting"])]


def test_the_completion_arrives_at_the_servers_pace():
    app = serve(tokens_per_s=200)
    made = new_conversation(app)
    say(app, made, "Tell me about the history of tea in a few sentences.")
    answer = complete(app, made)
    pieces = len(answer.chunks)
    assert pieces > 3
    # paced() keeps to the clock: n pieces at 200/s cannot all arrive in less than (n-1)/200 s.
    assert answer.arrivals[-1] - answer.arrivals[0] >= 0.5 * (pieces - 1) / 200


def test_a_client_that_leaves_mid_stream_leaves_the_part_sent_marked_incomplete(caplog):
    app = serve(tokens_per_s=100)  # slow enough for the client to leave before the end
    made = new_conversation(app)
    say(app, made, "Please explain how a rainbow forms, step by step.")
    received: list[bytes] = []

    async def leave_after_two_pieces() -> None:
        asked = False

        async def receive() -> dict[str, Any]:
            nonlocal asked
            if not asked:
                asked = True
                return {"type": "http.request", "body": b"", "more_body": False}
            while len(received) < 2:
                await asyncio.sleep(0.005)
            return {"type": "http.disconnect"}

        async def send(message: dict[str, Any]) -> None:
            if message["type"] == "http.response.body" and message.get("body"):
                received.append(message["body"])

        path = f"/yike/chat/conversations/{made['id']}/completions"
        scope = {
            "type": "http",
            "method": "POST",
            "path": path,
            "raw_path": path.encode(),
            "query_string": b"",
            "root_path": "",
            "scheme": "http",
            "headers": [(b"authorization", ALICE["authorization"].encode())],
        }
        await app(scope, receive, send)

    with caplog.at_level(logging.WARNING):
        asyncio.run(leave_after_two_pieces())
    api = app.server.apis["yike"].api
    answers = "SELECT id, content, complete FROM messages WHERE conversation_id = ? AND role = 'assistant'"
    kept = api.db.one(answers, [int(made["id"])])
    assert kept["complete"] == 0
    assert kept["content"] == b"".join(received).decode()
    assert [m["content"] for m in all_messages(app, made)][-1] == kept["content"]
    assert "Traceback" not in caplog.text and not [r for r in caplog.records if r.levelno >= logging.ERROR]
    # Asking again sends the whole answer, which replaces the part.
    full = complete(app, made).text
    assert full.startswith(kept["content"]) and full != kept["content"]
    assert api.db.query(answers, [int(made["id"])]) == [{"id": kept["id"], "content": full, "complete": 1}]


# --- the command line and restarts ------------------------------------------------------------------


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
        lines = result.stdout.splitlines()
        assert len(lines) == 1 and lines[0].strip() == lines[0] != ""
        return lines[0]

    carol, carol_again, dave, alice = create("carol"), create("carol"), create("dave"), create("alice")
    assert len({carol, carol_again, dave}) == 3
    app = serve(tmp_path)
    # alice, made before the demo data, is the demo's alice: her token and the demo one are hers.
    assert get(app, "/api/user", {**ALICE, "authorization": f"Bearer {alice}"}) == get(app, "/api/user")
    assert get(app, "/api/conversations", {"authorization": f"Bearer {alice}"})["total"] == 2
    as_carol = get(app, "/api/user", {"authorization": f"Bearer {carol}"})
    assert as_carol["name"] == "carol"
    assert get(app, "/api/user", {"authorization": f"Bearer {carol_again}"})["id"] == as_carol["id"]
    assert get(app, "/api/user", {"authorization": f"Bearer {dave}"})["name"] == "dave"
    # A new user starts with nothing of alice's.
    assert get(app, "/api/conversations", {"authorization": f"Bearer {dave}"})["total"] == 0


def test_a_restart_on_the_same_data_keeps_the_conversations_and_does_not_seed_twice(tmp_path):
    first = serve(tmp_path)
    made = new_conversation(first, title="kept")
    say(first, made, "still here?")
    total = get(first, "/api/conversations")["total"]
    first.server.close()
    second = serve(tmp_path)
    assert get(second, "/api/conversations")["total"] == total
    assert [m["content"] for m in all_messages(second, made)] == ["still here?"]
    assert len(get(second, "/api/prompts")["data"]) == 5
