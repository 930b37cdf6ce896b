"""Novels on the reference server, as the app's readers and writers meet them: written, edited while
private, released, found, collected, rated, cloned; told in sessions whose narration follows the
novel's first character; and kept apart between users."""

from __future__ import annotations

import itertools
import json
import logging
from typing import Any

import pytest
from character_helpers import client, leave_mid_stream, make_app

from generators.fake import detect_language

NEW_NOVEL = {
    "cover": "https://example.com/cover.png",
    "title": "The Clockmaker's Daughter",
    "world_view": "A city of canals where every clock is wound by hand.",
    "scene": "The night the great clock stopped.",
    "foreword": "Nobody in Vell had heard the great clock fall silent before.",
    "characters": json.dumps([{"name": "Ilse Marten", "desc": "the clockmaker's daughter"}]),
    "tags": ["Mystery"],
    "lang": "en",
}


@pytest.fixture
def app() -> Any:
    return make_app()


def create(user: Any, **changes: Any) -> int:
    return user.ok("/novel/createOrEdit", **{**NEW_NOVEL, **changes})["novel_id"]


def edit(user: Any, novel: int, **changes: Any) -> Any:
    return user.post("/novel/createOrEdit", **{**NEW_NOVEL, **changes, "novel_id": novel})


def ids(result: Any) -> list[int]:
    return [item["novel_id"] for item in result]


def opened(user: Any, novel: int = 201) -> int:
    return user.ok("/novel/createSession", novel_id=novel)["session_id"]


def test_a_novel_is_written_private_edited_released_and_then_no_longer_editable(app):
    alice = client(app, "alice")
    novel = create(alice)
    profile = alice.ok("/novel/getProfile", novel_id=novel)
    assert (profile["title"], profile["tags"], profile["creater"]) == (
        "The Clockmaker's Daughter",
        ["Mystery"],
        1,
    )
    assert json.loads(profile["characters"])[0]["name"] == "Ilse Marten"
    assert novel in ids(alice.ok("/user/getCreatedNovels", limit=10, page_no=1))

    assert edit(alice, novel, title="The Clockmaker's Son").status == 200
    alice.ok("/novel/release", novel_id=novel)
    refused = edit(alice, novel, title="Third title")
    assert refused.status == 403 and "unrelease novel" in refused.json()["msg"]
    assert alice.ok("/novel/getProfile", novel_id=novel)["title"] == "The Clockmaker's Son"
    alice.ok("/novel/unrelease", novel_id=novel)
    assert edit(alice, novel, title="Third title").status == 200

    assert alice.ok("/novel/delete", novel_id=novel) == {"statue": 0}
    assert alice.post("/novel/getProfile", novel_id=novel).status == 404
    assert alice.post("/novel/createSession", novel_id=novel).status == 404


def test_user_b_can_neither_see_nor_change_user_as_private_novel_and_only_read_a_released_one(app):
    alice, bob = client(app, "alice"), client(app, "bob")
    novel = create(alice, title="Quiet Canals", tags=["Canals"])
    for path in (
        "/novel/getProfile",
        "/novel/delete",
        "/novel/release",
        "/novel/createSession",
        "/novel/clone",
    ):
        assert bob.post(path, novel_id=novel).status == 404, path
    assert edit(bob, novel).status == 404
    assert novel not in ids(bob.ok("/novel/search", index_name="quiet canals"))
    assert novel in ids(alice.ok("/novel/search", index_name="quiet canals"))

    alice.ok("/novel/release", novel_id=novel)
    assert ids(bob.ok("/novel/getNovelsByTag", tag="Canals", limit=10, page_no=1)) == [novel]
    assert ids(bob.ok("/novel/search", index_name="QUIET")) == [novel]
    assert bob.ok("/novel/getProfile", novel_id=novel)["title"] == "Quiet Canals"
    for path in ("/novel/delete", "/novel/unrelease"):
        assert bob.post(path, novel_id=novel).status == 403, path
    assert edit(bob, novel).status == 403
    assert alice.ok("/novel/getProfile", novel_id=novel)["title"] == "Quiet Canals"


def test_the_demo_novels_are_listed_by_tag_newest_and_popular(app):
    bob = client(app, "bob")
    mystery = bob.ok("/novel/getNovelsByTag", tag="Mystery", limit=10, page_no=1)
    assert ids(mystery) == [201, 203]  # the most written-in first
    assert all("Mystery" in item["tags"].split(",") and item["creater"] == "Studio" for item in mystery)
    assert ids(bob.ok("/novel/getNovelsByTag", tag="Newest", limit=10, page_no=1)) == [204, 203, 202, 201]
    first = bob.ok("/novel/getNovelsByTag", tag="Popular", limit=2, page_no=1)
    second = bob.ok("/novel/getNovelsByTag", tag="Popular", limit=2, page_no=2)
    assert ids(first) + ids(second) == [201, 203, 202, 204]
    assert ids(bob.ok("/novel/search", index_name="长安")) == [203]


def test_collecting_reporting_and_rating_a_novel(app):
    alice, bob = client(app, "alice"), client(app, "bob")
    assert bob.ok("/novell/doCollect", novel_id=202) == {"is_collect": True}
    assert ids(bob.ok("/novel/getCollectedNovels")) == [202]
    assert bob.ok("/novel/getCollectedNovels")[0]["is_collect"] is True
    assert alice.ok("/novel/getCollectedNovels") == []
    assert bob.ok("/novell/doCollect", novel_id=202) == {"is_collect": False}
    assert bob.ok("/novel/getCollectedNovels") == []

    bob.ok("/novel/report", novel_id=204)
    bob.ok("/novel/report", novel_id=204)
    assert bob.ok("/novel/getReportededNovels") == [204]
    assert alice.ok("/novel/getReportededNovels") == []

    bob.ok("/novel/setRoleStar", novel_id=201, star_count=4, comment="Lovely letters.")
    alice.ok("/novel/setRoleStar", novel_id=201, star_count=2, comment="Too slow.")
    bob.ok("/novel/setRoleStar", novel_id=201, star_count=5, comment="Even better the second time.")
    detail = alice.get("/novel/getRoleStarDetail?novel_id=201").json()["result"]["roleStarDetail"]
    assert detail == {"1": 0, "2": 1, "3": 0, "4": 0, "5": 1}
    assert alice.ok("/novel/getProfile", novel_id=201)["role_star"] == 4  # (2 + 5) / 2, rounded
    comments = alice.get("/novel/getRoleStarComments?novel_id=201&limit=10&page_no=1").json()["result"]
    # One rating per user: bob's second replaced his first.
    assert sorted((c["username"], c["comment"]) for c in comments) == [
        ("alice", "Too slow."),
        ("bob", "Even better the second time."),
    ]
    bobs = next(c["id"] for c in comments if c["username"] == "bob")
    alice.ok("/novel/reportRoleStarComment", id=bobs)
    reported = alice.get("/novel/getRoleStarComments?novel_id=201&limit=10&page_no=1").json()["result"]
    assert [c["username"] for c in reported] == ["alice"]
    assert (
        alice.post("/character/reportRoleStarComment", id=bobs).status == 404
    )  # a novel's, not a character's


def test_a_clone_is_a_private_copy_the_cloner_may_edit(app):
    alice, bob = client(app, "alice"), client(app, "bob")
    novel = create(alice)
    alice.ok("/novel/release", novel_id=novel)
    bob.ok("/novel/setRoleStar", novel_id=novel, star_count=5)
    copy = bob.ok("/novel/clone", novel_id=novel)
    assert copy["novel_id"] != novel and copy["creater"] == 2 and copy["role_star"] == 0
    assert (copy["title"], copy["tags"]) == (NEW_NOVEL["title"], ["Mystery"])
    assert edit(bob, copy["novel_id"], title="Bob's version").status == 200
    assert alice.post("/novel/getProfile", novel_id=copy["novel_id"]).status == 404  # private to bob
    assert alice.ok("/novel/getProfile", novel_id=novel)["title"] == NEW_NOVEL["title"]


def test_a_session_opens_with_the_foreword_and_narration_follows_the_first_character(app):
    alice = client(app, "alice")
    session = alice.ok("/novel/createSession", novel_id=201)
    assert [m["idx"] for m in session["context"]] == [1]
    assert session["context"][0]["content"].startswith("Every morning for forty years, Margaret")
    lines = alice.lines("/novel/generate", session_id=session["session_id"], content="The storm arrives.")
    assert [line["done"] for line in lines] == [False] * (len(lines) - 1) + [True]
    contents = [line["content"] for line in lines]
    assert all(later.startswith(earlier) for earlier, later in itertools.pairwise(contents))
    assert ["uniq_id" in line for line in lines] == [False] * (len(lines) - 1) + [True]
    assert all(line["idx"] == 3 and line["is_alternative"] is False for line in lines)
    assert "Margaret Hale" in contents[-1]

    continued = alice.ok(
        "/novel/continue", novel_id=201, session_id=session["session_id"], limit=10, page_no=1
    )
    assert [m["content"] for m in continued["context"]][1:] == ["The storm arrives.", contents[-1]]
    assert continued["context"][-1]["uniq_id"] == lines[-1]["uniq_id"]
    assert continued["is_creater"] is False and continued["is_generate"] is False


def test_regenerating_gives_another_telling_in_the_same_place_deterministically(app):
    def telling(server: Any) -> list[str]:
        alice = client(server, "alice")
        session = opened(alice)
        first = alice.lines("/novel/generate", session_id=session)[-1]
        again = alice.lines("/novel/reGenerate", session_id=session)
        assert all(line["is_alternative"] for line in again) and again[-1]["idx"] == first["idx"] == 2
        last = alice.lines("/novel/getLastContent", session_id=session)[-1]
        assert (last["content"], last["uniq_id"]) == (again[-1]["content"], again[-1]["uniq_id"])
        return [first["content"], again[-1]["content"]]

    original, regenerated = telling(app)
    assert original != regenerated
    assert telling(make_app()) == [original, regenerated]


def test_a_chinese_novel_is_continued_in_chinese(app):
    alice = client(app, "alice")
    session = opened(alice, 203)
    text = alice.lines("/novel/generate", session_id=session)[-1]["content"]
    assert detect_language(text) == "zh" and "沈砚" in text


def test_a_sessions_own_scene_and_characters_change_that_telling_only(app):
    alice = client(app, "alice")
    first, second = opened(alice), opened(alice)
    tom = json.dumps([{"name": "Tom Reyes", "desc": "the postman"}])
    changed = alice.ok("/novel/updateSessionProfile", session_id=second, scene="Deep winter.", characters=tom)
    assert (changed["session_id"], changed["scene"], changed["novel_id"]) == (second, "Deep winter.", 201)
    assert changed["foreword"].startswith("Every morning")  # left out: kept

    # The same words continue each telling with its own protagonist.
    assert (
        "Tom Reyes"
        in alice.lines("/novel/generate", session_id=second, content="The storm arrives.")[-1]["content"]
    )
    assert (
        "Margaret Hale"
        in alice.lines("/novel/generate", session_id=first, content="The storm arrives.")[-1]["content"]
    )
    again = alice.ok("/novel/continue", novel_id=201, session_id=second, limit=10, page_no=1)
    assert again["scene"] == "Deep winter."
    assert alice.ok("/novel/continue", novel_id=201, session_id=first, limit=10, page_no=1)[
        "scene"
    ].startswith("Autumn.")
    assert alice.ok("/novel/getProfile", novel_id=201)["scene"].startswith("Autumn.")


def test_edits_deletes_history_and_the_recent_list(app):
    alice = client(app, "alice")
    session = opened(alice)
    reply = alice.lines("/novel/generate", session_id=session, content="She opens the letter.")[-1]
    alice.lines("/novel/generate", session_id=session)
    assert alice.ok(
        "/novel/commitContent", session_id=session, uniq_id=reply["uniq_id"], content="It was blank."
    )
    history = alice.ok("/novel/getHistoryByNovel", novel_id=201)
    assert [m["content"] for m in history[0]["context"]][1:3] == ["She opens the letter.", "It was blank."]

    alice.ok("/novel/delContentFromIdx", session_id=session, idx=4)
    assert alice.lines("/novel/getLastContent", session_id=session)[-1]["content"] == "It was blank."
    later = opened(alice, 203)
    recent = alice.ok("/novel/getRecentlyNovelSessions", limit=10, page_no=1)
    assert [(r["novel_id"], r["session_id"]) for r in recent] == [(203, later), (201, session)]
    assert recent[1]["creater"] == "Studio"

    alice.ok("/novel/delNovelSessions", novel_id=201)
    assert alice.ok("/novel/getHistoryByNovel", novel_id=201) == []
    assert alice.post("/novel/generate", session_id=session).status == 404
    assert (
        alice.post("/novel/commitContent", session_id=later, uniq_id=reply["uniq_id"], content="x").status
        == 404
    )


def test_a_users_novel_sessions_are_theirs_alone(app):
    alice, bob = client(app, "alice"), client(app, "bob")
    session = opened(alice)
    alice.lines("/novel/generate", session_id=session, content="A secret chapter")
    for path, extra in (
        ("/novel/generate", {"content": "hi"}),
        ("/novel/reGenerate", {}),
        ("/novel/getLastContent", {}),
        ("/novel/delContentFromIdx", {"idx": 1}),
        ("/novel/updateSessionProfile", {"scene": "Mine now."}),
        ("/novel/commitContent", {"uniq_id": 1, "content": "Mine now."}),
    ):
        assert bob.post(path, session_id=session, **extra).status == 404, path
    assert bob.post("/novel/continue", novel_id=201, session_id=session, limit=10, page_no=1).status == 404
    assert bob.ok("/novel/getHistoryByNovel", novel_id=201) == []
    assert bob.ok("/novel/getRecentlyNovelSessions", limit=10, page_no=1) == []
    bob.ok("/novel/delNovelSessions", novel_id=201)
    assert "A secret chapter" in [
        m["content"] for m in alice.ok("/novel/getHistoryByNovel", novel_id=201)[0]["context"]
    ]


def test_a_scene_image_is_a_task_that_becomes_a_png(app):
    alice = client(app, "alice")
    task = alice.ok("/novel/genSceneImage", data="A lighthouse in the fog", from_app=1)["create_id"]
    assert alice.ok("/character/query", create_id=task, task_type="image", system="web")["state"] == "Pending"
    done = alice.ok("/character/query", create_id=task, task_type="image", system="web")
    assert done["state"] == "Done"
    assert alice.get(done["url"].removeprefix("http://localhost")).body.startswith(b"\x89PNG")
    assert (
        client(app, "bob").post("/character/query", create_id=task, task_type="image", system="web").status
        == 404
    )


def test_a_reader_who_leaves_mid_chapter_keeps_what_was_written_and_no_error_is_logged(app, caplog):
    alice = client(app, "alice")
    session = opened(alice)
    with caplog.at_level(logging.WARNING):
        sent = leave_mid_stream(
            app, "/novel/generate", "demo-character-alice", {"user_id": 1, "session_id": session}
        )
    received = json.loads(sent[-1])["result"]["content"]
    kept = alice.lines("/novel/getLastContent", session_id=session)[-1]
    whole = client(make_app(), "alice")
    complete = whole.lines("/novel/generate", session_id=opened(whole))[-1]["content"]
    assert kept["content"].startswith(received) and complete.startswith(kept["content"])
    assert len(kept["content"]) < len(complete)
    state = app.server.root.api.db.value("SELECT state FROM messages WHERE uniq_id = ?", [kept["uniq_id"]])
    assert state == "incomplete"
    assert not [r for r in caplog.records if r.levelno >= logging.ERROR] and "Traceback" not in caplog.text
