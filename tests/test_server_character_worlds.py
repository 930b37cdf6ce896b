"""Worlds on the reference server, as their players and creators meet them: drafted, defined while
private, released, liked and found; played in scenarios whose options the user chooses from, in both
of the doc's modes (options with the scenario, or streamed on request); and kept apart between users."""

from __future__ import annotations

import itertools
import json
from typing import Any

import pytest
from character_helpers import client, make_app

from generators.fake import detect_language
from mocks.testing import call

DEMO_WORLD = 1001
NEW_WORLD = {
    "world_name": "Glass Harbor",
    "world_summary": "A port city built on frozen light, where ships sail on memories.",
    "world_opening": "The lighthouse goes dark for the first time in a hundred years.",
    "world_cover": "a harbor of glass towers under a violet sky",
    "cover": "https://example.com/glass.png",
    "characters": [
        {
            "name": "Mirel",
            "details": "The lighthouse keeper's daughter.",
            "avatar": "https://example.com/m.png",
        },
        {
            "name": "Oskar Vey",
            "details": "A smuggler of bottled memories.",
            "avatar": "https://example.com/o.png",
        },
        {"name": "The Tide", "details": "The sea itself, which listens.", "avatar": ""},
    ],
}


@pytest.fixture
def app() -> Any:
    return make_app()


def create(user: Any, **changes: Any) -> int:
    return user.ok("/character/world/definition/put", **{**NEW_WORLD, **changes})["world_id"]


def events(user: Any, path: str, **body: Any) -> list[dict[str, Any]]:
    """The `result` of each server-sent event of a POST stream that must succeed."""
    body.setdefault("user_id", user.user_id)
    answer = call(user.app, "POST", path, headers={"Authorization": f"Bearer {user.token}"}, json_body=body)
    assert answer.status == 200, f"{path}: {answer.status} {answer.text}"
    assert answer.headers["content-type"].startswith("text/event-stream")
    return [
        json.loads(event[5:])["result"] for event in answer.text.split("\n\n") if event.startswith("data:")
    ]


def assert_streamed(items: list[dict[str, Any]]) -> None:
    """Cumulative `content`, and one final item, the last."""
    assert [item["done"] for item in items] == [False] * (len(items) - 1) + [True]
    contents = [item["content"] for item in items]
    assert all(later.startswith(earlier) for earlier, later in itertools.pairwise(contents))


def scenarios(user: Any, session: int) -> list[dict[str, Any]]:
    return user.ok("/character/world/session/open", session_id=session)["scenarios"]


# --- the world itself -----------------------------------------------------------------------------------


def test_a_world_is_defined_private_read_back_released_for_everyone_and_then_not_editable(app):
    alice, bob = client(app, "alice"), client(app, "bob")
    assert alice.ok("/character/world/create/permission") == {"status": 0}
    world = create(alice)
    profile = alice.ok("/character/world/profile", world_id=world)
    assert profile["world_name"] == "Glass Harbor"
    assert [c["name"] for c in profile["characters"]] == ["Mirel", "Oskar Vey", "The Tide"]
    assert bob.post("/character/world/profile", world_id=world).status == 404
    assert bob.post("/character/world/session/create", world_id=world).status == 404
    assert world not in [
        w["world_id"] for w in bob.ok("/character/world/list", limit=50, page_no=1, system="web")
    ]

    assert alice.ok(
        "/character/world/definition/put", **{**NEW_WORLD, "world_name": "Glass Bay"}, world_id=world
    )
    alice.ok("/character/world/release", world_id=world)
    detail = bob.ok("/character/world/detail", world_id=world)
    assert (detail["world_name"], detail["creater"], detail["creater_id"]) == ("Glass Bay", "alice", 1)
    assert detail["characters"][1] == {
        "name": "Oskar Vey",
        "avatar": "https://example.com/o.png",
        "details": "A smuggler of bottled memories.",
    }
    listed = next(
        w
        for w in bob.ok("/character/world/list", limit=50, page_no=1, system="web")
        if w["world_id"] == world
    )
    assert [c["name"] for c in json.loads(listed["characters"])] == ["Mirel", "Oskar Vey", "The Tide"]

    refused = alice.post(
        "/character/world/definition/put", **{**NEW_WORLD, "world_name": "Again"}, world_id=world
    )
    assert refused.status == 403
    assert bob.post("/character/world/definition/put", **NEW_WORLD, world_id=world).status == 403
    assert bob.post("/character/world/release", world_id=world).status == 403
    assert bob.post("/character/world/delete", world_id=world).status == 403
    assert alice.ok("/character/world/profile", world_id=world)["world_name"] == "Glass Bay"

    alice.ok("/character/world/release", world_id=world)  # the same operation makes it private again
    assert bob.post("/character/world/detail", world_id=world).status == 404


def test_a_deleted_world_is_gone_with_its_sessions(app):
    alice = client(app, "alice")
    world = create(alice)
    session = alice.ok("/character/world/session/create", world_id=world)["session_id"]
    alice.ok("/character/world/delete", world_id=world)
    assert alice.post("/character/world/profile", world_id=world).status == 404
    assert alice.post("/character/world/session/open", session_id=session).status == 404
    assert alice.post("/character/world/delete", world_id=world).status == 404
    assert alice.post("/character/world/delete").status == 404  # a delete that names no world deletes nothing
    assert alice.ok("/character/world/chatted/list", limit=10, page_no=1, system="web") == []


def test_likes_and_dislikes_replace_each_other_and_are_counted(app):
    alice, bob = client(app, "alice"), client(app, "bob")

    def seen_by(user: Any) -> tuple[str, int, int]:
        detail = user.ok("/character/world/detail", world_id=DEMO_WORLD)
        return detail["like_state"], detail["like_count"], detail["dislike_count"]

    assert alice.ok("/character/world/like", world_id=DEMO_WORLD, state=1) == {"status": 0, "success": True}
    bob.ok("/character/world/like", world_id=DEMO_WORLD, state=-1)
    assert seen_by(alice) == ("1", 1, 1) and seen_by(bob) == ("-1", 1, 1)
    bob.ok("/character/world/like", world_id=DEMO_WORLD, state=1)
    assert seen_by(bob) == ("1", 2, 0)
    alice.ok("/character/world/like", world_id=DEMO_WORLD, state=0)
    assert seen_by(alice) == ("0", 1, 0)
    assert alice.post("/character/world/like", world_id=999999, state=1).status == 404


def test_the_demo_world_is_released_by_the_studio_and_reported_by_its_readers(app):
    alice = client(app, "alice")
    demo = next(
        w
        for w in alice.ok("/character/world/list", limit=10, page_no=1, system="web")
        if w["world_id"] == DEMO_WORLD
    )
    assert (demo["world_name"], demo["creater"]) == ("Arcana", "Studio")
    assert alice.ok("/character/world/report", world_id=DEMO_WORLD) == {"status": 0}
    assert alice.ok("/user/report/list", type="world") == [DEMO_WORLD]


# --- drafts ----------------------------------------------------------------------------------------------


def test_a_world_draft_streams_its_parts_as_they_complete_and_keeps_what_was_given(app):
    alice = client(app, "alice")
    lines = alice.lines(
        "/character/world/generate", world_name="Saltmarch", plot="a rebellion of lighthouse keepers"
    )
    assert_streamed(lines)
    assert lines[-1]["content"].endswith("\n\ngen_done_") and lines[-1]["req_state"] == "finish"
    assert {line["req_state"] for line in lines[:-1]} == {"svr_send_to_dispatcher"}
    info = lines[-1]["world_info"]
    assert info["world_name"] == "Saltmarch" and all(info.values())
    # The structured part fills in as the text passes each part.
    filled = [sum(1 for value in line["world_info"].values() if value) for line in lines]
    assert filled == sorted(filled) and filled[0] <= 1 and filled[-1] == 4

    # The same request drafts the same world, item for item; only the clock (`timestamp`, the time
    # the draft started) may tick between the two.
    def drafted() -> list[dict[str, Any]]:
        items = alice.lines(
            "/character/world/generate", world_name="Saltmarch", plot="a rebellion of lighthouse keepers"
        )
        return [{key: value for key, value in item.items() if key != "timestamp"} for item in items]

    assert drafted() == drafted()

    chinese = alice.lines(
        "/character/world/generate", world_summary="一座漂浮在云海之上的古城，城中的钟声能让时间倒流。"
    )
    assert detect_language(chinese[-1]["world_info"]["world_opening"]) == "zh"


def test_characters_for_a_world_are_drafted_as_many_as_asked(app):
    alice = client(app, "alice")
    lines = alice.lines(
        "/character/world/chars/generate",
        character_count=4,
        world_summary=NEW_WORLD["world_summary"],
        world_opening=NEW_WORLD["world_opening"],
    )
    assert_streamed(lines)
    cast = lines[-1]["characters"]
    assert len(cast) == 4 and len({c["name"] for c in cast}) == 4
    assert all(c["gender"] in ("Female", "Male") and c["details"] and c["greeting"] for c in cast)
    assert [len(line["characters"]) for line in lines] == sorted(len(line["characters"]) for line in lines)
    three = alice.lines("/character/world/chars/generate", world_summary="x", world_opening="y")
    assert len(three[-1]["characters"]) == 3


# --- playing ---------------------------------------------------------------------------------------------


def test_a_session_opens_with_the_worlds_opening_and_the_user_plays_its_first_character(app):
    alice = client(app, "alice")
    world = create(alice)
    created = alice.ok("/character/world/session/create", world_id=world)
    assert created["personal"] == {"name": "Mirel", "avatar": "https://example.com/m.png"}
    opened = alice.ok("/character/world/session/open", world_id=world)
    assert opened["session_id"] == created["session_id"] and opened["personal"]["name"] == "Mirel"
    (opening,) = opened["scenarios"]
    assert (opening["idx"], opening["name"]) == (1, "AI")
    assert opening["scenario"]["generate_content"] == NEW_WORLD["world_opening"]
    # Another session, then the first again by its id.
    second = alice.ok("/character/world/session/create", world_id=world)["session_id"]
    assert alice.ok("/character/world/session/open", world_id=world)["session_id"] == second
    assert (
        alice.ok("/character/world/session/open", session_id=created["session_id"])["session_id"]
        == created["session_id"]
    )
    assert alice.post("/character/world/session/open").status == 404


def test_choosing_an_option_plays_it_and_the_next_scenario_comes_with_options_of_its_own(app):
    alice = client(app, "alice")
    session = alice.ok("/character/world/session/create", world_id=DEMO_WORLD)["session_id"]
    lines = alice.lines("/character/world/session/generate", session_id=session, select_option="B")
    assert_streamed(lines)
    final = lines[-1]
    info = final["scenario_info"]
    assert info["generate_content"] == final["content"] and all(info[f"option{x}"] for x in "ABC")

    opening, choice, scene = scenarios(alice, session)
    # The option chosen from the opening is the user's line, and the opening shows the options it had.
    assert choice["name"] == "You" and choice["message"] == opening["scenario"]["optionB"]
    assert all(opening["scenario"][f"option{x}"] for x in "ABC")
    assert (scene["id"], scene["idx"], scene["scenario"]) == (final["uniq_id"], final["idx"], info)

    # Choosing from the newest scenario: its option C.
    alice.lines("/character/world/session/generate", session_id=session, select_option="C")
    assert scenarios(alice, session)[3]["message"] == info["optionC"]
    # Or from an earlier one, named.
    alice.lines(
        "/character/world/session/generate",
        session_id=session,
        select_option="A",
        last_scenario_id=opening["id"],
    )
    assert scenarios(alice, session)[5]["message"] == opening["scenario"]["optionA"]


def test_the_user_may_write_their_own_choice_and_nothing_else_is_an_option(app):
    alice = client(app, "alice")
    session = alice.ok("/character/world/session/create", world_id=DEMO_WORLD)["session_id"]
    events(
        alice,
        "/character/world/scenario/generate/sse",
        session_id=session,
        select_option="D",
        custom_content="I climb the tower.",
    )
    assert scenarios(alice, session)[1]["message"] == "I climb the tower."
    refused = alice.post("/character/world/session/generate", session_id=session, select_option="D")
    assert refused.status == 400 and "custom_content" in refused.json()["msg"]
    assert (
        alice.post("/character/world/session/generate", session_id=session, select_option="Z").status == 404
    )
    assert len(scenarios(alice, session)) == 3


def test_in_the_sse_mode_the_scenario_comes_first_and_its_options_when_asked_for(app):
    alice = client(app, "alice")
    session = alice.ok("/character/world/session/create", world_id=DEMO_WORLD)["session_id"]
    scene = events(alice, "/character/world/scenario/generate/sse", session_id=session)
    assert_streamed(scene)
    assert all(item["scenario"] == item["content"] for item in scene)
    assert scenarios(alice, session)[-1]["scenario"]["optionA"] == ""  # none yet

    offered = events(alice, "/character/world/scenario/options/generate/sse", session_id=session)
    assert_streamed(offered)
    final = offered[-1]
    assert (final["uniq_id"], final["idx"]) == (scene[-1]["uniq_id"], scene[-1]["idx"])
    assert final["content"] == "\n".join(f"##option{x}:{final['options'][f'option{x}']}" for x in "ABC")
    filled = [sum(1 for value in item["options"].values() if value) for item in offered]
    assert filled == sorted(filled) and filled[0] == 0 and filled[-1] == 3
    # Kept with the scenario, and the same when asked again.
    assert scenarios(alice, session)[-1]["scenario"]["optionB"] == final["options"]["optionB"]
    assert events(alice, "/character/world/scenario/options/generate/sse", session_id=session)[-1] == final

    last = alice.lines("/character/world/scenario/last", session_id=session)
    assert_streamed(last)
    assert last[-1]["scenario"] == scene[-1]["content"] and last[-1]["options"] == final["options"]
    assert last[-1]["uniq_id"] == scene[-1]["uniq_id"]

    events(alice, "/character/world/scenario/generate/sse", session_id=session, select_option="A")
    assert scenarios(alice, session)[2]["message"] == final["options"]["optionA"]


def test_regenerating_a_scenario_replaces_it_with_another_the_same_for_the_same_request(app):
    def play(server: Any) -> tuple[str, str, list[dict[str, Any]]]:
        alice = client(server, "alice")
        session = alice.ok("/character/world/session/create", world_id=DEMO_WORLD)["session_id"]
        first = alice.lines("/character/world/session/generate", session_id=session, select_option="A")[-1]
        again = alice.lines("/character/world/session/regenerate", session_id=session)
        assert_streamed(again)
        return first["content"], again[-1]["content"], scenarios(alice, session)

    first, again, shown = play(app)
    assert first != again and (first, again) == play(make_app())[:2]
    assert [s["idx"] for s in shown] == [1, 2, 3] and shown[-1]["scenario"]["generate_content"] == again
    alice = client(app, "alice")
    session = alice.ok("/character/world/session/open", world_id=DEMO_WORLD)["session_id"]
    sse_again = events(alice, "/character/world/scenario/regenerate/sse", session_id=session)
    assert sse_again[-1]["content"] not in (first, again)
    assert (
        alice.lines("/character/world/session/last", session_id=session)[-1]["content"]
        == sse_again[-1]["content"]
    )


def test_a_scenario_can_be_rewritten_and_sessions_are_deleted_one_or_all(app):
    alice = client(app, "alice")
    session = alice.ok("/character/world/session/create", world_id=DEMO_WORLD)["session_id"]
    scene = alice.lines("/character/world/session/generate", session_id=session)[-1]
    alice.ok(
        "/character/world/session/edit",
        session_id=session,
        uniq_id=scene["uniq_id"],
        content="The isles fall silent.",
        lang="zh",
        system="web",
    )
    assert scenarios(alice, session)[-1]["scenario"]["generate_content"] == "The isles fall silent."
    assert (
        alice.post(
            "/character/world/session/edit",
            session_id=session,
            uniq_id=999999,
            content="x",
            lang="",
            system="web",
        ).status
        == 404
    )

    other = alice.ok("/character/world/session/create", world_id=DEMO_WORLD)["session_id"]
    alice.ok("/character/world/session/delete", session_id=session)
    assert alice.post("/character/world/session/open", session_id=session).status == 404
    assert alice.ok("/character/world/session/open", session_id=other)["session_id"] == other
    alice.ok("/character/world/session/delete", world_id=DEMO_WORLD)
    assert alice.post("/character/world/session/open", session_id=other).status == 404
    assert alice.post("/character/world/session/delete").status == 404


def test_a_users_world_sessions_are_theirs_alone_and_listed_as_chatted(app):
    alice, bob = client(app, "alice"), client(app, "bob")
    session = alice.ok("/character/world/session/create", world_id=DEMO_WORLD)["session_id"]
    alice.lines("/character/world/session/generate", session_id=session, select_option="A")
    for path, extra in (
        ("/character/world/session/open", {}),
        ("/character/world/session/generate", {"select_option": "A"}),
        ("/character/world/session/regenerate", {}),
        ("/character/world/session/last", {}),
        ("/character/world/scenario/generate/sse", {}),
        ("/character/world/scenario/options/generate/sse", {}),
        ("/character/world/scenario/last", {}),
        ("/character/world/session/delete", {}),
    ):
        assert bob.post(path, session_id=session, **extra).status == 404, path
    assert bob.ok("/character/world/chatted/list", limit=10, page_no=1, system="web") == []
    (chatted,) = alice.ok("/character/world/chatted/list", limit=10, page_no=1, system="web")
    assert (chatted["session_id"], chatted["world_id"], chatted["user_id"]) == (session, DEMO_WORLD, 1)
    assert json.loads(chatted["personal"])["name"] == "Lyra"
    assert len(chatted["characters"]) == 3 and all(url.endswith(".png") for url in chatted["characters"])
    assert len(scenarios(alice, session)) == 3


def test_world_scenarios_are_paged_from_the_latest(app):
    alice = client(app, "alice")
    session = alice.ok("/character/world/session/create", world_id=DEMO_WORLD)["session_id"]
    for option in "ABC":
        alice.lines("/character/world/session/generate", session_id=session, select_option=option)
    everything = [s["idx"] for s in scenarios(alice, session)]
    assert everything == list(range(1, 8))

    def page(number: int) -> list[int]:
        opened = alice.ok("/character/world/session/open", session_id=session, limit=3, page_no=number)
        return [s["idx"] for s in opened["scenarios"]]

    assert (page(1), page(2), page(3), page(4)) == ([5, 6, 7], [2, 3, 4], [1], [])
