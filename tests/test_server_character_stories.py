"""Stories on the reference server: a scene and a greeting for one of the characters, told by that
character in sessions like chats (replies, alternatives, suggestions, summaries, pictures, voices),
private to their creator; and the scene examples that help write one."""

from __future__ import annotations

import io
import itertools
import json
import logging
import wave
from typing import Any

import pytest
from character_helpers import client, leave_mid_stream, make_app

from generators.fake import detect_language

NEW_STORY = {
    "character_id": 2,
    "title": "Stowaway",
    "cover": "https://example.com/stowaway.png",
    "background": "https://example.com/deck.png",
    "scene": "A storm shakes the airship; someone is hiding in the cargo hold.",
    "greeting": "*lifts the lantern* Well, well. Who do we have here?",
}


@pytest.fixture
def app() -> Any:
    return make_app()


def create(user: Any, **changes: Any) -> int:
    return user.ok("/character/story/create", **{**NEW_STORY, **changes})["story_id"]


def open_story(user: Any, story: int, **extra: Any) -> dict[str, Any]:
    return user.ok("/character/story/session/open", story_id=story, limit=20, page_no=1, **extra)


def test_a_story_is_told_by_its_character_from_its_greeting(app):
    alice = client(app, "alice")
    story = create(alice)
    session = open_story(alice, story)
    assert [(m["idx"], m["name"], m["content"]) for m in session["context"]] == [
        (1, "AI", NEW_STORY["greeting"])
    ]
    assert session["custom_profile"]["username"] == "alice" and session["is_latest"] is True

    lines = alice.lines(
        "/character/story/generate",
        session_id=session["session_id"],
        content="Please don't throw me overboard!",
    )
    contents = [line["content"] for line in lines]
    assert all(later.startswith(earlier) for earlier, later in itertools.pairwise(contents))
    assert [line["done"] for line in lines] == [False] * (len(lines) - 1) + [True]
    assert ["uniqId" in line for line in lines] == [False] * (len(lines) - 1) + [True]
    assert "Rowan" in contents[-1]  # Captain Rowan Vale tells it

    again = open_story(alice, story, session_id=session["session_id"])["context"]
    assert [m["content"] for m in again] == [
        NEW_STORY["greeting"],
        "Please don't throw me overboard!",
        contents[-1],
    ]
    assert again[-1]["uniq_id"] == lines[-1]["uniqId"]


def test_a_chinese_story_is_told_in_chinese_by_its_character(app):
    alice = client(app, "alice")
    session = open_story(alice, 1303)["session_id"]  # 林若雪's rainy night
    reply = alice.lines("/character/story/generate", session_id=session, content="请为我弹一曲吧")[-1][
        "content"
    ]
    assert detect_language(reply) == "zh" and "林若雪" in reply


def test_which_session_opens_the_named_a_new_one_or_the_latest(app):
    alice = client(app, "alice")
    first = open_story(alice, 1301)["session_id"]
    assert open_story(alice, 1301)["session_id"] == first
    second = open_story(alice, 1301, create=1)["session_id"]
    assert second != first
    assert open_story(alice, 1301)["session_id"] == second
    assert open_story(alice, 1301, session_id=first)["session_id"] == first
    assert (
        alice.post(
            "/character/story/session/open", story_id=1302, session_id=first, limit=20, page_no=1
        ).status
        == 404
    )


def test_a_story_needs_a_character_its_creator_can_see_and_stays_its_creators(app):
    alice, bob = client(app, "alice"), client(app, "bob")
    hidden = alice.ok(
        "/character/new/createOrEdit",
        avatar="",
        appearance="",
        name="Secret",
        long_description="",
        short_description="",
        charge=0,
        sex="Female",
    )["character_id"]
    assert bob.post("/character/story/create", **{**NEW_STORY, "character_id": hidden}).status == 404
    assert bob.post("/character/story/create", **{**NEW_STORY, "character_id": 999999}).status == 404
    story = create(alice, character_id=hidden)
    assert bob.post("/character/story/session/open", story_id=story, limit=20, page_no=1).status == 404
    assert bob.post("/character/story/delete", story_id=story).status == 404
    session = open_story(alice, story)["session_id"]
    assert bob.post("/character/story/generate", session_id=session, content="hi").status == 404
    assert bob.post("/character/story/latest/content", session_id=session).status == 404

    assert alice.ok("/character/story/delete", story_id=story) == {"status": 0}
    assert alice.post("/character/story/session/open", story_id=story, limit=20, page_no=1).status == 404
    assert alice.post("/character/story/generate", session_id=session, content="hi").status == 404
    assert bob.post("/character/story/delete", story_id=1301).status == 403  # the studio's released story


def test_regenerating_suggestions_and_the_latest_content(app):
    alice = client(app, "alice")
    session = open_story(alice, 1301)["session_id"]
    first = alice.lines("/character/story/generate", session_id=session, content="Can I stay a while?")[-1]
    again = alice.lines("/character/story/regenerate", session_id=session)
    assert all(line["is_alternative"] for line in again) and again[-1]["idx"] == first["idx"] == 3
    assert again[-1]["content"] != first["content"]
    latest = alice.lines("/character/story/latest/content", session_id=session)[-1]
    assert (latest["content"], latest["uniqId"], latest["is_alternative"]) == (
        again[-1]["content"],
        again[-1]["uniqId"],
        True,
    )

    other = client(make_app(), "alice")
    replay = open_story(other, 1301)["session_id"]
    other.lines("/character/story/generate", session_id=replay, content="Can I stay a while?")
    assert (
        other.lines("/character/story/regenerate", session_id=replay)[-1]["content"] == again[-1]["content"]
    )

    one = alice.lines("/character/story/generate/user", session_id=session, batch_size=1)
    assert one[-1]["done"] is True and one[-1]["content"]
    three = alice.lines("/character/story/generate/user", session_id=session, batch_size=3)[-1]
    assert len({c["content"] for c in three["contents"]}) == 3
    assert len(open_story(alice, 1301)["context"]) == 3  # suggestions are not stored


def test_deleting_from_an_idx_and_summaries(app):
    alice = client(app, "alice")
    session = open_story(alice, 1302)["session_id"]
    assert alice.ok("/character/story/summary/status/get", session_id=session) == {"to_summary": 0}
    for text in ("Where are we going?", "What is on the map?", "Who drew it?"):
        alice.lines("/character/story/generate", session_id=session, content=text)
    assert alice.ok("/character/story/summary/status/get", session_id=session) == {"to_summary": 1}
    summary = alice.lines("/character/story/summary/generate", session_id=session)[-1]["summarys"][0]
    assert summary["content"] and alice.ok("/character/story/summary/status/get", session_id=session) == {
        "to_summary": 2
    }
    alice.ok(
        "/character/story/summary/edit", session_id=session, uniq_id=summary["uniq_id"], content="A map."
    )
    alice.ok("/character/story/summary/edit", session_id=session, uniq_id=summary["uniq_id"])
    assert (
        alice.post("/character/story/summary/edit", session_id=session, uniq_id=summary["uniq_id"]).status
        == 404
    )

    alice.ok("/character/story/content/delete", session_id=session, idx=3)
    assert [m["content"] for m in open_story(alice, 1302)["context"]][1:] == ["Where are we going?"]


def test_pictures_and_voices_of_a_story(app):
    alice = client(app, "alice")
    session = open_story(alice, 1301)["session_id"]
    reply = alice.lines("/character/story/generate", session_id=session, content="Sing something.")[-1]
    task = alice.ok("/character/story/draw", session_id=session, is_gif=1)["create_id"]
    assert alice.ok("/character/getImageOrGif", create_id=task)["state"] == "Pending"
    url = alice.ok("/character/getImageOrGif", create_id=task)["url"]
    assert alice.get(url.removeprefix("http://localhost")).body.startswith(b"GIF89a")
    assert open_story(alice, 1301)["context"][-1]["uniq_id"] == reply["uniqId"]

    voice = alice.ok("/character/story/audio/generate", session_id=session, uniq_id=reply["uniqId"])
    with wave.open(io.BytesIO(alice.get(voice["url"].removeprefix("http://localhost")).body)) as audio:
        assert audio.getnframes() > 1000
    bob = client(app, "bob")
    assert bob.post("/character/story/draw", session_id=session, is_gif=0).status == 404
    assert (
        bob.post("/character/story/audio/generate", session_id=session, uniq_id=reply["uniqId"]).status == 404
    )


def test_a_session_is_played_as_one_of_the_users_custom_profiles(app):
    alice = client(app, "alice")
    session = open_story(alice, 1301)["session_id"]
    chosen = alice.ok(
        "/user/custom/profile/set",
        username="Captain Nemo",
        age=40,
        sex="Male",
        appearance="",
        infomation="",
        avatar="",
    )["id"]
    alice.ok("/character/story/session/update", session_id=session, id=chosen)
    assert open_story(alice, 1301)["custom_profile"]["username"] == "Captain Nemo"
    assert alice.post("/character/story/session/update", session_id=session, id=999999).status == 404
    assert client(app, "bob").post("/character/story/session/update", session_id=session, id=0).status == 404


def test_scene_examples_come_from_the_released_stories(app):
    alice = client(app, "alice")
    page = alice.get("/character/story/example/scene?user_id=1&limit=2&page_no=1").json()["result"]
    assert page["total_count"] == 3 and [s["id"] for s in page["scenes"]] == [1301, 1302]
    rest = alice.get("/character/story/example/scene?user_id=1&limit=2&page_no=2").json()["result"]
    assert [s["id"] for s in rest["scenes"]] == [1303]
    lily = page["scenes"][0]
    assert lily["scene"].startswith("The harbor café") and len(set(lily["greetings"])) == 3
    assert lily["greetings"][0].startswith("*sets a candle between you*")
    greetings = alice.get("/character/story/example/greeting?user_id=1&id=1303").json()["result"]
    assert greetings[0].startswith("*停下指尖") and all(detect_language(g) == "zh" for g in greetings)
    assert alice.get("/character/story/example/greeting?user_id=1&id=999999").status == 404


def test_a_listener_who_leaves_mid_story_keeps_what_was_told_and_no_error_is_logged(app, caplog):
    alice = client(app, "alice")
    session = open_story(alice, 1301)["session_id"]
    body = {"user_id": 1, "session_id": session, "content": "Tell me about the storm"}
    with caplog.at_level(logging.WARNING):
        sent = leave_mid_stream(app, "/character/story/generate", "demo-character-alice", body)
    received = json.loads(sent[-1])["result"]["content"]
    kept = open_story(alice, 1301)["context"][-1]
    assert kept["content"].startswith(received)
    state = app.server.root.api.db.value("SELECT state FROM messages WHERE uniq_id = ?", [kept["uniq_id"]])
    assert state == "incomplete"
    assert not [r for r in caplog.records if r.levelno >= logging.ERROR] and "Traceback" not in caplog.text
