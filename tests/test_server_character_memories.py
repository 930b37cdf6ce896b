"""Chat memories on the reference server: lines of a chat saved under a title as they were, private
until released, then listed, viewed and liked by others; shown anonymously or without pictures when
their owner says so; removed; and turned back into a chat (/character/memory/migrate)."""

from __future__ import annotations

from typing import Any

import pytest
from character_helpers import client, make_app


@pytest.fixture
def app() -> Any:
    return make_app()


def chatted(user: Any, character: int = 1, *said: str) -> tuple[int, list[dict[str, Any]]]:
    """A new session with ``character`` where the user said ``said``; (session, its lines)."""
    session = user.ok("/character/createChat", character_id=character)["session_id"]
    for text in said or ("Hello!",):
        user.lines("/character/genChat", session_id=session, content=text)
    return session, user.ok("/character/continueChat", character_id=character, session_id=session)["context"]


def save(user: Any, session: int, uniq_ids: list[int], title: str = "Our evening", **extra: Any) -> int:
    return user.ok("/character/memory/save", title=title, session_id=session, uniq_ids=uniq_ids, **extra)[
        "memory_id"
    ]


def memory_ids(result: Any) -> list[int]:
    return [item["memory_id"] for item in result]


def test_a_memory_keeps_the_chosen_lines_as_they_were_when_saved(app):
    alice = client(app, "alice")
    session, lines = chatted(alice, 1, "What's good tonight?", "I'll take it.")
    chosen = [lines[1]["uniqId"], lines[2]["uniqId"]]
    memory = save(alice, session, chosen)
    view = alice.ok("/character/memory/view", memory_id=memory)
    assert view["title"] == "Our evening" and view["character"]["name"] == "Lily"
    assert [(m["name"], m["content"], m["uniqId"]) for m in view["memories"]] == [
        ("You", "What's good tonight?", chosen[0]),
        ("AI", lines[2]["content"], chosen[1]),
    ]
    assert view["user"]["name"] == "alice"

    alice.ok("/character/chat/commit", session_id=session, uniq_id=chosen[1], content="Rewritten later.")
    alice.ok("/character/delChat", character_id=1)
    assert [m["content"] for m in alice.ok("/character/memory/view", memory_id=memory)["memories"]] == [
        "What's good tonight?",
        lines[2]["content"],
    ]
    whole = save(alice, chatted(alice, 2)[0], [], title="Everything")
    assert len(alice.ok("/character/memory/view", memory_id=whole)["memories"]) == 3  # greeting, hello, reply


def test_saved_memories_are_the_owners_and_narrowed_by_character(app):
    alice, bob = client(app, "alice"), client(app, "bob")
    with_lily = save(alice, chatted(alice, 1)[0], [])
    with_rowan = save(alice, chatted(alice, 2)[0], [])
    assert memory_ids(alice.ok("/character/memory/getSaved")) == [with_rowan, with_lily]
    assert memory_ids(alice.ok("/character/memory/getSaved", character_id=2)) == [with_rowan]
    assert bob.ok("/character/memory/getSaved") == []
    for path in ("/character/memory/view", "/character/memory/doLike", "/character/memory/release"):
        assert bob.post(path, memory_id=with_lily).status == 404, path
    assert bob.post("/character/memory/set", memory_id=with_lily, is_anonymity=True).status == 404
    assert bob.post("/character/memory/remove", memory_ids=[with_lily]).status == 404
    session = chatted(bob, 1)[0]
    assert (
        bob.post(
            "/character/memory/save", title="x", session_id=session, uniq_ids=[], memory_id=with_lily
        ).status
        == 404
    )
    assert (
        alice.post("/character/memory/save", title="x", session_id=session, uniq_ids=[]).status == 404
    )  # bob's chat
    assert alice.ok("/character/memory/view", memory_id=with_lily)["title"] == "Our evening"


def test_a_released_memory_is_listed_viewed_and_liked_by_others(app):
    alice, bob = client(app, "alice"), client(app, "bob")
    memory = save(alice, chatted(alice, 1)[0], [], title="Rainy night")
    assert memory not in memory_ids(bob.ok("/character/memory/list", limit=10, page_no=1))
    assert alice.ok("/character/memory/release", memory_id=memory) == {"is_released": True}

    listed = {m["memory_id"]: m for m in bob.ok("/character/memory/list", limit=10, page_no=1)}
    assert set(listed) == {memory, 1201}  # with the demo studio's memory
    assert listed[1201]["title"] == "A holiday in a cup" and listed[1201]["user"]["name"] == "Studio"
    assert listed[memory]["view_count"] == 0
    alice.ok("/character/memory/view", memory_id=memory)  # the owner's own look is no view
    bob.ok("/character/memory/view", memory_id=memory)
    bob.ok("/character/memory/view", memory_id=memory)
    assert memory_ids(bob.ok("/character/memory/list", limit=10, page_no=1)) == [1201, memory]  # 5 views > 2
    assert {m["memory_id"]: m["view_count"] for m in bob.ok("/character/memory/list", limit=10, page_no=1)}[
        memory
    ] == 2

    assert bob.ok("/character/memory/doLike", memory_id=memory) == {"is_like": True}
    liked = bob.ok("/character/memory/getLikedMemories", limit=10, page_no=1)
    assert memory_ids(liked) == [memory] and liked[0]["is_like"] is True and liked[0]["like_count"] == 1
    assert alice.ok("/character/memory/getLikedMemories", limit=10, page_no=1) == []
    assert bob.ok("/character/memory/doLike", memory_id=memory) == {"is_like": False}
    assert bob.ok("/character/memory/getLikedMemories", limit=10, page_no=1) == []

    # Others may read it, not change it.
    assert bob.post("/character/memory/release", memory_id=memory).status == 403
    assert bob.post("/character/memory/set", memory_id=memory, is_anonymity=True).status == 403
    assert bob.post("/character/memory/remove", memory_ids=[memory]).status == 403
    assert alice.ok("/character/memory/release", memory_id=memory) == {"is_released": False}
    assert bob.post("/character/memory/view", memory_id=memory).status == 404


def test_a_released_memory_cannot_be_saved_over_until_it_is_unreleased(app):
    alice = client(app, "alice")
    session, lines = chatted(alice, 1)
    memory = save(alice, session, [])
    alice.ok("/character/memory/release", memory_id=memory)
    refused = alice.post(
        "/character/memory/save", title="New title", session_id=session, uniq_ids=[], memory_id=memory
    )
    assert refused.status == 403
    alice.ok("/character/memory/release", memory_id=memory)
    assert save(alice, session, [lines[0]["uniqId"]], title="New title", memory_id=memory) == memory
    view = alice.ok("/character/memory/view", memory_id=memory)
    assert view["title"] == "New title" and len(view["memories"]) == 1
    missing = alice.post("/character/memory/save", title="t", session_id=session, uniq_ids=[999999])
    assert missing.status == 404


def test_its_owner_may_hide_who_saved_it_and_its_pictures_from_others(app):
    alice, bob = client(app, "alice"), client(app, "bob")
    session = chatted(alice, 1)[0]
    task = alice.ok("/character/new/genImage", session_id=session, idx=3)["create_id"]
    alice.ok("/character/getImageOrGif", create_id=task)
    picture = alice.ok("/character/getImageOrGif", create_id=task)["url"]
    memory = save(alice, session, [])
    alice.ok("/character/memory/release", memory_id=memory)

    def seen_by(user: Any) -> dict[str, Any]:
        return {m["memory_id"]: m for m in user.ok("/character/memory/list", limit=10, page_no=1)}[memory]

    assert seen_by(bob)["images"] == [picture] and seen_by(bob)["user"]["name"] == "alice"
    settings = alice.ok(
        "/character/memory/set", memory_id=memory, is_anonymity=True, is_publicize_image=False
    )
    assert settings == {"memory_id": memory, "is_anonymity": True, "is_publicize_image": False}
    hidden = seen_by(bob)
    assert hidden["user"] == {"name": "Anonymous", "avatar": ""} and hidden["images"] == []
    assert all(m["image"] == "" for m in hidden["memories"])
    mine = seen_by(alice)
    assert mine["user"]["name"] == "alice" and mine["images"] == [picture]
    # A setting left out keeps its value.
    assert (
        alice.ok("/character/memory/set", memory_id=memory, is_anonymity=False)["is_publicize_image"] is False
    )


def test_removing_memories_is_all_or_nothing(app):
    alice, bob = client(app, "alice"), client(app, "bob")
    first = save(alice, chatted(alice, 1)[0], [])
    second = save(alice, chatted(alice, 2)[0], [])
    assert alice.post("/character/memory/remove", memory_ids=[first, 1201]).status == 403  # the studio's
    assert alice.post("/character/memory/remove", memory_ids=[first, 999999]).status == 404
    assert alice.post("/character/memory/remove", memory_ids=[]).status == 404
    assert len(alice.ok("/character/memory/getSaved")) == 2
    assert alice.ok("/character/memory/remove", memory_ids=[first, second]) == {"status": 0}
    assert alice.ok("/character/memory/getSaved") == []
    assert alice.post("/character/memory/view", memory_id=first).status == 404
    assert bob.ok("/character/memory/view", memory_id=1201)["title"] == "A holiday in a cup"


def test_a_memory_turns_back_into_a_chat_for_whoever_may_see_it(app):
    alice, bob = client(app, "alice"), client(app, "bob")
    session, lines = chatted(alice, 1, "Remember this.")
    memory = save(alice, session, [line["uniqId"] for line in lines[1:]])
    assert bob.post("/character/memory/migrate", memory_id=memory).status == 404
    alice.ok("/character/memory/release", memory_id=memory)
    migrated = bob.ok("/character/memory/migrate", memory_id=memory)["session_id"]
    context = bob.ok("/character/continueChat", character_id=1, session_id=migrated)["context"]
    assert [(m["name"], m["content"]) for m in context] == [
        ("You", "Remember this."),
        ("AI", lines[2]["content"]),
    ]
    assert bob.lines("/character/genChat", session_id=migrated, content="And then?")[-1]["done"] is True

    demo = bob.ok("/character/memory/migrate", memory_id=1201)["session_id"]
    assert len(bob.ok("/character/continueChat", character_id=1, session_id=demo)["context"]) == 3


def test_a_story_sessions_memory_is_with_the_storys_character(app):
    alice = client(app, "alice")
    session = alice.ok("/character/story/session/open", story_id=1302, limit=20, page_no=1)["session_id"]
    alice.lines("/character/story/generate", session_id=session, content="Where does the map lead?")
    memory = save(alice, session, [], type="story")
    view = alice.ok("/character/memory/view", memory_id=memory)
    assert view["character"]["name"] == "Captain Rowan Vale" and len(view["memories"]) == 3
    assert memory_ids(alice.ok("/character/memory/getSaved", character_id=2)) == [memory]
    migrated = alice.ok("/character/memory/migrate", memory_id=memory)["session_id"]
    chat = alice.ok("/character/continueChat", character_id=2, session_id=migrated)["context"]
    assert chat[1]["content"] == "Where does the map lead?"
