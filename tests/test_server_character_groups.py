"""Group chats on the reference server: several characters in one session taking turns, the user's
lines, the narrator, suggestions for the user, regenerating, settings a session changes for itself,
chats that move into a group, and groups kept apart between users."""

from __future__ import annotations

import asyncio
import itertools
import json
import logging
from pathlib import Path
from typing import Any

import pytest
from character_helpers import client, make_app

from generators.fake import detect_language
from mocks.testing import call

DEMO_GROUP = 1002  # Lily (1), Captain Rowan Vale (2) and Professor Ada Quill (3)
NEW_GROUP = {
    "title": "Night Shift",
    "cover_prompt": "a neon arcade at 3 am",
    "cover": "https://example.com/arcade.png",
    "background": "https://example.com/arcade-bg.png",
    "scenario": "The arcade is closing, but the last machine will not stop playing by itself.",
    "character_ids": [4, 9],
    "relationship": [{"char1_id": 4, "char2_id": 9, "detail": "Kira is teaching Nova-7 rhythm games."}],
    "greetings": [
        {"character_id": 4, "greeting": "*kicks the machine* It's haunted. Definitely haunted."},
        {"character_id": 9, "greeting": "*a soft chime* It is not haunted. Probably."},
    ],
}


SECRET_CHARACTER = {
    "avatar": "",
    "appearance": "",
    "name": "Bob's secret",
    "greeting": "hi",
    "long_description": "",
    "short_description": "",
    "tags": [],
    "charge": 0,
    "sex": "Male",
}


@pytest.fixture
def app() -> Any:
    return make_app()


def create(user: Any, **changes: Any) -> int:
    return user.ok("/character/group/craft", **{**NEW_GROUP, **changes})["group_id"]


def opened(user: Any, group: int = DEMO_GROUP, **extra: Any) -> dict[str, Any]:
    return user.ok(
        "/character/group/session/open", group_id=group, system="web", limit=100, page_no=1, **extra
    )


def stream(user: Any, path: str, **query: Any) -> list[dict[str, Any]]:
    """The `result` of each server-sent event of a GET stream that must succeed."""
    query = {"user_id": user.user_id, **query}
    url = path + "?" + "&".join(f"{key}={value}" for key, value in query.items())
    answer = call(user.app, "GET", url, headers={"Authorization": f"Bearer {user.token}"})
    assert answer.status == 200, f"{url}: {answer.status} {answer.text}"
    assert answer.headers["content-type"].startswith("text/event-stream")
    items = [
        json.loads(event[5:])["result"] for event in answer.text.split("\n\n") if event.startswith("data:")
    ]
    assert [item["done"] for item in items] == [False] * (len(items) - 1) + [True]
    return items


def status(user: Any, path: str, **query: Any) -> int:
    url = path + "?" + "&".join(f"{key}={value}" for key, value in {"user_id": user.user_id, **query}.items())
    return call(user.app, "GET", url, headers={"Authorization": f"Bearer {user.token}"}).status


def said(user: Any, session: int, text: str) -> int:
    return user.ok("/character/group/user/commit", session_id=session, content=text)["user_uniq_id"]


def line(user: Any, session: int, **query: Any) -> dict[str, Any]:
    items = stream(user, "/character/group/generate/sse", session_id=session, **query)
    contents = [item["content"] for item in items]
    assert all(later.startswith(earlier) for earlier, later in itertools.pairwise(contents))
    return items[-1]


def context(user: Any, session: int, group: int = DEMO_GROUP) -> list[dict[str, Any]]:
    return opened(user, group, session_id=session)["context"]


# --- the group itself ------------------------------------------------------------------------------------


def test_a_group_is_crafted_from_characters_and_read_back_with_its_members(app):
    alice, bob = client(app, "alice"), client(app, "bob")
    group = create(alice)
    profile = alice.ok("/character/group/profile", group_id=group, lang="en")
    assert profile["title"] == "Night Shift" and profile["scenario"] == NEW_GROUP["scenario"]
    assert [(c["character_id"], c["name"]) for c in profile["characters"]] == [(4, "Kira"), (9, "Nova-7")]
    assert all(c["avatar"].endswith(".png") for c in profile["characters"])
    assert profile["greetings"] == NEW_GROUP["greetings"]
    assert profile["relationship"] == NEW_GROUP["relationship"]
    assert bob.post("/character/group/profile", group_id=group, lang="en").status == 404
    assert group not in [
        g["group_id"] for g in bob.ok("/character/group/list", limit=50, page_no=1, system="web", lang="en")
    ]

    # Members must be characters the user can see.
    assert alice.post("/character/group/craft", **{**NEW_GROUP, "character_ids": [4, 999999]}).status == 404
    secret = bob.ok("/character/new/createOrEdit", **SECRET_CHARACTER)["character_id"]
    assert alice.post("/character/group/craft", **{**NEW_GROUP, "character_ids": [4, secret]}).status == 404

    alice.ok("/character/group/craft", **{**NEW_GROUP, "title": "Night Shift II"}, group_id=group)
    alice.ok("/character/group/release", group_id=group)
    listed = next(
        g
        for g in bob.ok("/character/group/list", limit=50, page_no=1, system="web", lang="en")
        if g["group_id"] == group
    )
    assert (listed["title"], listed["creater"], [c["name"] for c in listed["characters"]]) == (
        "Night Shift II",
        "alice",
        ["Kira", "Nova-7"],
    )
    assert alice.post("/character/group/craft", **NEW_GROUP, group_id=group).status == 403
    assert bob.post("/character/group/craft", **NEW_GROUP, group_id=group).status == 403
    assert bob.post("/character/group/release", group_id=group).status == 403
    assert bob.post("/character/group/delete", group_id=group).status == 403
    assert bob.ok("/character/group/report", group_id=group) == {"status": 0}
    alice.ok("/character/group/release", group_id=group)
    assert bob.post("/character/group/profile", group_id=group, lang="en").status == 404


def test_the_users_groups_are_listed_as_created_and_as_chatted(app):
    alice = client(app, "alice")
    mine = create(alice)
    created = alice.ok("/character/group/user/list", type="create", system="web", limit=10, page_no=1)
    assert [(g["group_id"], g["is_released"], g["character_ids"]) for g in created] == [(mine, 0, [4, 9])]
    assert alice.ok("/character/group/user/list", type="chatted", system="web", limit=10, page_no=1) == []
    opened(alice)
    chatted = alice.ok("/character/group/user/list", type="chatted", system="web", limit=10, page_no=1)
    assert [g["group_id"] for g in chatted] == [DEMO_GROUP]
    assert alice.ok("/character/group/user/list", type="other", system="web", limit=10, page_no=1) == []


def test_a_deleted_group_is_gone_with_its_sessions(app):
    alice = client(app, "alice")
    group = create(alice)
    session = opened(alice, group)["session_id"]
    alice.ok("/character/group/delete", group_id=group)
    assert alice.post("/character/group/profile", group_id=group, lang="en").status == 404
    assert alice.post("/character/group/user/commit", session_id=session, content="hello?").status == 404
    assert status(alice, "/character/group/generate/sse", session_id=session) == 404
    assert alice.ok("/character/group/user/list", type="create", system="web", limit=10, page_no=1) == []


# --- sessions ------------------------------------------------------------------------------------------


def test_a_session_opens_with_each_members_greeting_and_the_settings_it_runs_on(app):
    alice = client(app, "alice")
    session = opened(alice)
    assert [(m["idx"], m["name"], m["character_id"], m["reply_id"]) for m in session["context"]] == [
        (1, "AI_1_Lily", "1", "0"),
        (2, "AI_2_Captain Rowan Vale", "2", "0"),
        (3, "AI_3_Professor Ada Quill", "3", "0"),
    ]
    settings = session["extion"]
    assert settings["group_id"] == DEMO_GROUP and settings["character_ids"] == [1, 2, 3]
    assert [c["name"] for c in settings["characters"]] == [
        "Lily",
        "Captain Rowan Vale",
        "Professor Ada Quill",
    ]
    assert settings["tokens_scenario"] > 10 and len({r["id"] for r in settings["relationship"]}) == 2
    assert session["custom_profile"]["username"] == "alice" and session["is_latest"] is True

    again = opened(alice)
    assert again["session_id"] == session["session_id"]
    fresh = opened(alice, to_create=1)
    assert fresh["session_id"] != session["session_id"] and fresh["is_latest"] is True
    assert opened(alice, session_id=session["session_id"])["is_latest"] is False
    latest_two = alice.ok(
        "/character/group/session/open",
        group_id=DEMO_GROUP,
        session_id=fresh["session_id"],
        system="web",
        limit=2,
        page_no=1,
    )
    assert [m["idx"] for m in latest_two["context"]] == [2, 3]


def test_members_take_turns_answering_whoever_the_user_names_first(app):
    alice = client(app, "alice")
    session = opened(alice)["session_id"]
    asked = said(alice, session, "Professor, what does the letter say?")
    replies = [line(alice, session, uniq_id=asked)] + [line(alice, session) for _ in range(5)]
    shown = context(alice, session)[4:]
    assert [m["content"] for m in shown] == [r["content"] for r in replies]
    assert [m["uniq_id"] for m in shown] == [r["uniq_id"] for r in replies]
    assert {m["reply_id"] for m in shown} == {str(asked)}
    speakers = [m["name"] for m in shown]
    # The one the user named answers first; then everyone gets a turn, nobody twice in a row.
    assert speakers[0] == "AI_3_Professor Ada Quill"
    assert len(set(speakers[:3])) == 3 and speakers[3:] == speakers[:3]
    assert all(a != b for a, b in itertools.pairwise(speakers))


def test_the_user_may_name_who_speaks_the_narrator_included(app):
    alice = client(app, "alice")
    session = opened(alice)["session_id"]
    said(alice, session, "Captain, your turn.")
    line(alice, session, speaker="AI_1")
    line(alice, session, speaker="AI_1_Lily")
    narrated = line(alice, session, speaker="NARRATOR")
    shown = context(alice, session)
    assert [m["name"] for m in shown[-3:]] == ["AI_1_Lily", "AI_1_Lily", "Narrator"]
    assert shown[-1]["content"] == narrated["content"]
    assert (
        status(alice, "/character/group/generate/sse", session_id=session, speaker="AI_8") == 404
    )  # not a member
    assert len(context(alice, session)) == len(shown)


def test_suggestions_for_the_user_come_as_a_list_and_are_not_stored(app):
    alice = client(app, "alice")
    session = opened(alice)["session_id"]
    items = stream(alice, "/character/group/generate/sse", session_id=session, speaker="USER", batch_size=3)
    offered = items[-1]["contents"]
    assert len(offered) == 3 and len({o["content"] for o in offered}) == 3
    one = stream(alice, "/character/group/generate/sse", session_id=session, speaker="USER")[-1]["contents"]
    assert len(one) == 1 and one[0]["content"]
    assert len(context(alice, session)) == 3


def test_regenerating_keeps_the_speaker_and_gives_another_line_the_same_for_the_same_request(app):
    def play(server: Any) -> tuple[dict[str, Any], dict[str, Any], list[dict[str, Any]]]:
        alice = client(server, "alice")
        session = opened(alice)["session_id"]
        said(alice, session, "Lily, more coffee please.")
        first = line(alice, session)
        again = stream(
            alice, "/character/group/regenerate/sse", session_id=session, reply_id=first["uniq_id"]
        )[-1]
        return first, again, context(alice, session)

    first, again, shown = play(app)
    assert again["idx"] == first["idx"] and again["content"] != first["content"]
    assert shown[-1]["name"] == "AI_1_Lily" and shown[-1]["content"] == again["content"]
    assert len(shown) == 5
    other_first, other_again, _ = play(make_app())
    assert (other_first["content"], other_again["content"]) == (first["content"], again["content"])

    alice = client(app, "alice")
    session = opened(alice)["session_id"]
    assert status(alice, "/character/group/regenerate/sse", session_id=session, reply_id=1) == 404
    last = stream(alice, "/character/group/latest/content/sse", session_id=session)[-1]
    assert (last["content"], last["uniq_id"]) == (again["content"], again["uniq_id"])


def test_lines_are_edited_and_deleted_from_an_idx_on(app):
    alice = client(app, "alice")
    session = opened(alice)["session_id"]
    said(alice, session, "Hello everyone")
    reply = line(alice, session)
    alice.ok("/character/group/chat/edit", session_id=session, uniq_id=reply["uniq_id"], content="*waves*")
    assert context(alice, session)[-1]["content"] == "*waves*"
    first = context(alice, session)[3]
    rewritten = alice.ok(
        "/character/group/user/commit", session_id=session, uniq_id=first["uniq_id"], content="Hi all"
    )
    assert rewritten == {"user_uniq_id": first["uniq_id"], "idx": 4}
    assert context(alice, session)[3]["content"] == "Hi all"
    alice.ok("/character/group/content/delete", session_id=session, idx=4)
    assert [m["idx"] for m in context(alice, session)] == [1, 2, 3]
    # Without content the user lets the others go on: nothing is stored.
    assert alice.ok("/character/group/user/commit", session_id=session) == {"user_uniq_id": 0, "idx": 4}


def test_a_session_may_change_its_members_and_scenario_for_itself(app):
    alice = client(app, "alice")
    session = opened(alice)["session_id"]
    alice.ok(
        "/character/group/session/update",
        session_id=session,
        personal_id=0,
        extion={"title": "Storm Night", "character_ids": [4, 9]},
    )
    settings = opened(alice, session_id=session)["extion"]
    assert settings["title"] == "Storm Night" and [c["name"] for c in settings["characters"]] == [
        "Kira",
        "Nova-7",
    ]
    said(alice, session, "Who is still awake?")
    assert line(alice, session)["content"]
    assert context(alice, session)[-1]["name"] in ("AI_4_Kira", "AI_9_Nova-7")
    # The group itself and other sessions are as they were.
    assert (
        alice.ok("/character/group/profile", group_id=DEMO_GROUP, lang="en")["title"] == "Harbor Café Night"
    )
    assert opened(alice, to_create=1)["extion"]["character_ids"] == [1, 2, 3]
    refused = alice.post(
        "/character/group/session/update",
        session_id=session,
        personal_id=0,
        extion={"character_ids": [999999]},
    )
    assert refused.status == 404


def test_a_chinese_line_gets_chinese_answers(app):
    alice = client(app, "alice")
    group = create(alice, character_ids=[5, 6, 7], greetings=[], relationship=[])
    session = opened(alice, group)["session_id"]
    assert opened(alice, group)["context"] == []
    said(alice, session, "小满，今天的猫咪们都好吗？")
    answer = line(alice, session)
    assert detect_language(answer["content"]) == "zh"
    assert context(alice, session, group)[-1]["name"] == "AI_7_小满"


def test_a_chat_with_a_character_moves_into_a_new_group(app):
    alice, bob = client(app, "alice"), client(app, "bob")
    chat = alice.ok("/character/createChat", character_id=1)["session_id"]
    alice.lines("/character/genChat", session_id=chat, content="Can my friends join us?")
    moved = alice.ok("/character/group/migrate", chat_session_id=chat, character_ids=[4])
    profile = alice.ok("/character/group/profile", group_id=moved["group_id"], lang="en")
    assert [c["name"] for c in profile["characters"]] == ["Lily", "Kira"]
    lines = context(alice, moved["session_id"], moved["group_id"])
    assert [(m["name"], m["content"]) for m in lines][1] == ("You", "Can my friends join us?")
    assert [m["name"] for m in lines] == ["AI_1_Lily", "You", "AI_1_Lily"]
    assert lines[2]["reply_id"] == str(lines[1]["uniq_id"])
    # The chat stays, and only its owner can move it.
    assert len(alice.ok("/character/getChatHistory", character_id=1)[0]["context"]) == 3
    assert bob.post("/character/group/migrate", chat_session_id=chat, character_ids=[4]).status == 404
    assert alice.post("/character/group/migrate", chat_session_id=chat, character_ids=[999999]).status == 404


def test_a_users_group_sessions_are_theirs_alone(app):
    alice, bob = client(app, "alice"), client(app, "bob")
    session = opened(alice)["session_id"]
    said(alice, session, "A secret for the captain")
    for path, extra in (
        ("/character/group/user/commit", {"content": "hi"}),
        ("/character/group/chat/edit", {"uniq_id": 1, "content": "x"}),
        ("/character/group/content/delete", {"idx": 1}),
        ("/character/group/session/update", {"personal_id": 0}),
        ("/character/group/session/delete", {}),
    ):
        assert bob.post(path, session_id=session, **extra).status == 404, path
    for path in (
        "/character/group/generate/sse",
        "/character/group/regenerate/sse",
        "/character/group/latest/content/sse",
    ):
        assert status(bob, path, session_id=session) == 404, path
    assert (
        bob.post(
            "/character/group/session/open",
            group_id=DEMO_GROUP,
            session_id=session,
            system="web",
            limit=9,
            page_no=1,
        ).status
        == 404
    )
    assert "A secret for the captain" in [m["content"] for m in context(alice, session)]

    alice.ok("/character/group/session/delete", session_id=session)
    assert (
        alice.post(
            "/character/group/session/open",
            group_id=DEMO_GROUP,
            session_id=session,
            system="web",
            limit=9,
            page_no=1,
        ).status
        == 404
    )
    kept = opened(alice)["session_id"]
    alice.ok("/character/group/session/delete", group_id=DEMO_GROUP)
    assert alice.post("/character/group/user/commit", session_id=kept, content="anyone?").status == 404


def test_a_client_that_leaves_a_group_stream_keeps_an_incomplete_line_and_no_error_is_logged(app, caplog):
    alice = client(app, "alice")
    session = opened(alice)["session_id"]
    said(alice, session, "Tell us a long story, Lily")
    sent: list[bytes] = []

    async def run() -> None:
        never = asyncio.Event()

        async def receive() -> dict[str, Any]:
            await never.wait()
            return {"type": "http.disconnect"}

        async def send(message: dict[str, Any]) -> None:
            if message["type"] == "http.response.body" and message.get("body"):
                if len(sent) == 3:
                    raise OSError("connection reset by peer")  # the client is gone
                sent.append(message["body"])

        query = f"user_id=1&session_id={session}".encode()
        scope = {
            "type": "http",
            "method": "GET",
            "path": "/character/group/generate/sse",
            "raw_path": b"/character/group/generate/sse",
            "query_string": query,
            "root_path": "",
            "scheme": "http",
            "headers": [(b"authorization", b"Bearer demo-character-alice")],
        }
        await app(scope, receive, send)

    with caplog.at_level(logging.WARNING):
        asyncio.run(run())
    received = json.loads(sent[-1].decode().removeprefix("data:").strip())["result"]["content"]
    kept = context(alice, session)[-1]
    assert kept["name"] == "AI_1_Lily" and kept["content"].startswith(received)
    whole = client(make_app(), "alice")
    other = opened(whole)["session_id"]
    said(whole, other, "Tell us a long story, Lily")
    assert len(kept["content"]) < len(line(whole, other)["content"])
    state = app.server.root.api.db.value("SELECT state FROM messages WHERE uniq_id = ?", [kept["uniq_id"]])
    assert state == "incomplete"
    assert not [r for r in caplog.records if r.levelno >= logging.ERROR] and "Traceback" not in caplog.text


def test_group_sessions_kept_before_the_extra_column_existed_still_open_and_go_on(tmp_path: Path):
    before = make_app(tmp_path)
    alice = client(before, "alice")
    session = opened(alice)["session_id"]
    before.server.root.api.db.write_now(lambda db: db.execute("ALTER TABLE messages DROP COLUMN extra"))
    after = make_app(tmp_path)
    alice = client(after, "alice")
    assert context(alice, session)[0]["content"].startswith("*sets three cups")
    said(alice, session, "Still here?")
    assert line(alice, session)["content"]
