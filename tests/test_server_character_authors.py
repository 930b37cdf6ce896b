"""Authors on the reference server: the users whose released content others use, with a page of
their own, their released characters and groups, followers (counted in the base info) and reports."""

from __future__ import annotations

from typing import Any

import pytest
from character_helpers import client, make_app

from server.apis.character.content import store
from server.apis.character.content.model import GROUP
from server.storage import now_ms


@pytest.fixture
def app() -> Any:
    return make_app()


def author(user: Any, author_id: int) -> Any:
    return user.get(f"/user/author/info?author_id={author_id}")


def listed(user: Any, what: str, author_id: int, limit: int = 20, page_no: int = 1) -> Any:
    return user.get(f"/user/author/{what}/list?author_id={author_id}&limit={limit}&page_no={page_no}")


def released_character(user: Any, name: str) -> int:
    character = user.ok(
        "/character/new/createOrEdit",
        avatar="",
        appearance="",
        name=name,
        long_description="",
        short_description=f"{name}, briefly.",
        charge=0,
        sex="Female",
    )["character_id"]
    user.ok("/character/release", character_id=character)
    return character


def test_an_authors_page_counts_what_they_released(app):
    bob = client(app, "bob")
    page = author(bob, 3).json()["result"]
    assert (page["author_id"], page["author_name"], page["is_follow"]) == (3, "Studio", False)
    counts = page["released_count"]
    assert set(counts) == {"character", "novel", "world", "story", "group", "memory"}
    assert (counts["character"], counts["novel"], counts["story"], counts["memory"]) == (9, 4, 3, 1)
    assert page["avatar"].startswith("http") and page["followers_count"] == 0
    before = page["popularity"]
    session = bob.ok("/character/createChat", character_id=1)["session_id"]
    bob.lines("/character/genChat", session_id=session, content="Hi Lily")
    assert author(bob, 3).json()["result"]["popularity"] == before + 1


def test_a_user_becomes_an_author_by_releasing_something(app):
    alice, bob = client(app, "alice"), client(app, "bob")
    for answer in (
        author(bob, 1),
        listed(bob, "characters", 1),
        bob.post("/user/author/follow", author_id=1),
        bob.post("/user/author/report", author_id=1),
    ):
        assert answer.status == 404
    assert author(bob, 999999).status == 404
    private = alice.ok(
        "/character/new/createOrEdit",
        avatar="",
        appearance="",
        name="Draft",
        long_description="",
        short_description="",
        charge=0,
        sex="Female",
    )["character_id"]
    shared = released_character(alice, "Mira")
    page = author(bob, 1).json()["result"]
    assert page["author_name"] == "alice" and page["released_count"]["character"] == 1
    characters = listed(bob, "characters", 1).json()["result"]
    assert [c["character_id"] for c in characters] == [shared] and private != shared
    assert characters[0]["short_description"] == "Mira, briefly." and characters[0]["is_star"] is False
    bob.ok("/character/setRoleStar", character_id=shared, star_count=5)
    assert listed(bob, "characters", 1).json()["result"][0]["is_star"] is True


def test_following_and_unfollowing_an_author_shows_in_both_users_counts(app):
    alice, bob = client(app, "alice"), client(app, "bob")
    released_character(alice, "Mira")
    assert bob.ok("/user/author/follow", author_id=3) == {"is_follow": True}
    assert bob.ok("/user/author/follow", author_id=1) == {"is_follow": True}
    followed = bob.get("/user/author/followed/list?limit=10&page_no=1").json()["result"]
    assert [(a["author_id"], a["username"], a["is_follow"]) for a in followed] == [
        (1, "alice", True),
        (3, "Studio", True),
    ]
    assert author(alice, 3).json()["result"]["followers_count"] == 1
    assert (
        author(bob, 3).json()["result"]["is_follow"] is True
        and author(alice, 3).json()["result"]["is_follow"] is False
    )
    assert bob.ok("/user/getUserBaseInfo")["follow_count"] == 2
    assert alice.ok("/user/getUserBaseInfo")["followers_count"] == 1

    assert bob.ok("/user/author/follow", author_id=3) == {"is_follow": False}
    assert [
        a["author_id"] for a in bob.get("/user/author/followed/list?limit=10&page_no=1").json()["result"]
    ] == [1]
    assert bob.ok("/user/getUserBaseInfo")["follow_count"] == 1
    assert alice.get("/user/author/followed/list?limit=10&page_no=1").json()["result"] == []

    # Unfollowing still works once the author has unreleased everything.
    alice.ok(
        "/character/unrelease", character_id=listed(bob, "characters", 1).json()["result"][0]["character_id"]
    )
    assert author(bob, 1).status == 404
    assert bob.ok("/user/author/follow", author_id=1) == {"is_follow": False}
    assert bob.post("/user/author/follow", author_id=1).status == 404


def test_nobody_follows_or_reports_themselves(app):
    alice = client(app, "alice")
    released_character(alice, "Mira")
    assert alice.post("/user/author/follow", author_id=1).status == 409
    assert alice.post("/user/author/report", author_id=1).status == 409
    assert alice.ok("/user/author/report", author_id=3) == {"status": 0}
    assert alice.ok("/user/author/report", author_id=3) == {"status": 0}


def test_an_authors_characters_and_groups_are_paged_lists_of_what_they_released(app):
    bob = client(app, "bob")
    first = listed(bob, "characters", 3, limit=4, page_no=1).json()["result"]
    rest = listed(bob, "characters", 3, limit=4, page_no=3).json()["result"]
    assert [c["character_id"] for c in first] == [9, 8, 7, 6] and [c["character_id"] for c in rest] == [1]
    groups_before = author(bob, 3).json()["result"]["released_count"]["group"]

    def group(db: Any, visibility: str) -> int:
        fields = {"title": "Harbor night", "cover": "", "character_ids": [1, 4]}
        return store.insert_content(db, GROUP, 3, fields, visibility=visibility, created_at=now_ms())

    api = app.server.root.api
    released = api.db.write_now(lambda db: group(db, store.PUBLIC))
    private = api.db.write_now(lambda db: group(db, store.PRIVATE))
    groups = listed(bob, "groups", 3).json()["result"]
    assert (groups[0]["group_id"], groups[0]["title"], groups[0]["creater"], groups[0]["creater_id"]) == (
        released,
        "Harbor night",
        "Studio",
        3,
    )
    assert groups[0]["character_ids"] == [1, 4] and private not in [g["group_id"] for g in groups]
    assert author(bob, 3).json()["result"]["released_count"]["group"] == groups_before + 1


def test_a_deleted_author_is_no_longer_followed_nor_found(app):
    alice, bob = client(app, "alice"), client(app, "bob")
    released_character(alice, "Mira")
    bob.ok("/user/author/follow", author_id=1)
    alice.ok("/user/delete")
    assert author(bob, 1).status == 404
    assert bob.get("/user/author/followed/list?limit=10&page_no=1").json()["result"] == []
    assert bob.ok("/user/getUserBaseInfo")["follow_count"] == 0


def test_authors_followed_in_the_same_millisecond_list_the_latest_first(app, monkeypatch):
    from server.apis.character.content import authors

    monkeypatch.setattr(authors, "now_ms", lambda: 1_700_000_000_000)  # a fast client: one clock tick
    bob = client(app, "bob")
    released_character(client(app, "alice"), "Mira")
    for author_id in (3, 1):
        assert bob.ok("/user/author/follow", author_id=author_id) == {"is_follow": True}
    followed = bob.get("/user/author/followed/list?limit=10&page_no=1").json()["result"]
    assert [a["author_id"] for a in followed] == [1, 3]
