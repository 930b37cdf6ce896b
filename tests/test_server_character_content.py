"""Characters on the reference server, as the app's users meet them: created, edited while private,
released, found, collected, rated, reported and bought; and kept apart between users."""

from __future__ import annotations

from typing import Any

import pytest
from character_helpers import client, make_app

from server.apis.character import ledger

NEW_CHARACTER = {
    "avatar": "https://example.com/zed.png",
    "appearance": "chrome plating, one blue eye",
    "name": "Zed",
    "greeting": "*whirrs* Greetings, human.",
    "long_description": "A maintenance robot who wants to become a poet.",
    "short_description": "A robot poet.",
    "tags": ["Game", "Helper"],
    "charge": 0,
    "sex": "Non-Binary",
}


@pytest.fixture
def app() -> Any:
    return make_app()


def create(user: Any, **changes: Any) -> int:
    return user.ok("/character/new/createOrEdit", **{**NEW_CHARACTER, **changes})["character_id"]


def edit(user: Any, character: int, **changes: Any) -> Any:
    return user.post("/character/new/createOrEdit", **{**NEW_CHARACTER, **changes, "character_id": character})


def ids(result: Any) -> list[int]:
    return [item["character_id"] for item in result]


def test_a_character_is_created_private_edited_released_and_then_no_longer_editable(app):
    alice = client(app, "alice")
    character = create(alice)
    profile = alice.ok("/character/getProfile", character_id=character)
    assert profile["name"] == "Zed" and profile["visibility"] == "private"
    assert profile["tags"] == ["Game", "Helper"] and profile["creater"] == "alice"

    assert edit(alice, character, name="Zed II").status == 200
    assert alice.ok("/character/getProfile", character_id=character)["name"] == "Zed II"

    alice.ok("/character/release", character_id=character)
    assert alice.ok("/character/getProfile", character_id=character)["visibility"] == "public"
    refused = edit(alice, character, name="Zed III")
    assert refused.status == 403
    assert "only a private character can be edited" in refused.json()["msg"]
    assert alice.ok("/character/getProfile", character_id=character)["name"] == "Zed II"

    alice.ok("/character/unrelease", character_id=character)
    assert edit(alice, character, name="Zed III").status == 200
    assert alice.ok("/character/getProfile", character_id=character)["name"] == "Zed III"


def test_released_characters_are_found_by_tag_and_by_text_private_ones_only_by_their_owner(app):
    alice, bob = client(app, "alice"), client(app, "bob")
    character = create(alice, name="Quillon the Robot", tags=["Robots"])
    assert character not in ids(bob.ok("/character/getCharactersByTag", tag="Robots", limit=10, page_no=1))
    assert character not in ids(bob.ok("/character/search", index_name="quillon"))
    assert character in ids(alice.ok("/character/search", index_name="quillon"))

    alice.ok("/character/release", character_id=character)
    assert ids(bob.ok("/character/getCharactersByTag", tag="Robots", limit=10, page_no=1)) == [character]
    assert ids(bob.ok("/character/search", index_name="QUILLON")) == [character]
    found = bob.ok("/character/new/search", index_name="quillon", lang="zh")
    assert ids(found["characters"]) == [character]
    assert "Robots" in found["allTags"] and "Female" in found["allTags"]
    assert found["all_tags_trans"][0]["Robots"] and found["all_tags_trans"][0]["Female"] == "女性"
    assert ids(bob.ok("/character/searchWithTag", index_name="", select_tags="Robots")) == [character]
    assert ids(bob.ok("/character/searchWithTag", index_name="quillon", select_tags="Fantasy")) == []


def test_tag_lists_are_paged_and_carry_the_demo_studios_characters(app):
    bob = client(app, "bob")
    first = bob.ok("/character/getCharactersByTag", tag="Female", limit=2, page_no=1)
    second = bob.ok("/character/getCharactersByTag", tag="Female", limit=2, page_no=2)
    assert len(first) == 2 and len(second) == 2 and not set(ids(first)) & set(ids(second))
    assert all("Female" in item["tags"].split(",") and item["creater"] == "Studio" for item in first + second)
    labels = bob.ok("/character/new/search", index_name="lily", lang="zh")["all_tags_trans"]
    assert labels[0]["Female"] == "女性" and labels[0]["Sci-Fi"] == "科幻"
    assert (
        bob.ok("/character/new/search", index_name="lily", lang="en")["all_tags_trans"][0]["Female"]
        == "Female"
    )


def test_user_b_can_neither_see_nor_change_user_as_private_character(app):
    alice, bob = client(app, "alice"), client(app, "bob")
    character = create(alice)
    for path in ("/character/getProfile", "/character/delete", "/character/release", "/character/createChat"):
        answer = bob.post(path, character_id=character)
        assert answer.status == 404, (path, answer.text)
    assert edit(bob, character).status == 404
    assert alice.ok("/character/getProfile", character_id=character)["name"] == "Zed"


def test_user_b_may_read_and_chat_with_a_released_character_but_not_change_it(app):
    alice, bob = client(app, "alice"), client(app, "bob")
    character = create(alice)
    alice.ok("/character/release", character_id=character)
    assert bob.ok("/character/getProfile", character_id=character)["name"] == "Zed"
    assert (
        bob.ok("/character/createChat", character_id=character)["context"][0]["content"]
        == NEW_CHARACTER["greeting"]
    )
    for path in ("/character/delete", "/character/unrelease"):
        assert bob.post(path, character_id=character).status == 403, path
    assert edit(bob, character).status == 403
    assert alice.ok("/character/getProfile", character_id=character)["visibility"] == "public"


def test_a_deleted_character_stays_deleted_with_its_sessions_and_its_id_is_never_reused(app):
    alice = client(app, "alice")
    character = create(alice)
    session = alice.ok("/character/createChat", character_id=character)["session_id"]
    assert alice.ok("/character/delete", character_id=character) == {"statue": 0}
    assert alice.post("/character/getProfile", character_id=character).status == 404
    assert alice.post("/character/getChatHistory", character_id=character).status == 404
    assert alice.post("/character/continueChat", character_id=character, session_id=session).status == 404
    assert alice.post("/character/getLastDialog", session_id=session).status == 404
    assert alice.post("/character/delete", character_id=character).status == 404
    assert create(alice) > character


def test_collecting_toggles_and_lists_follow(app):
    alice = client(app, "alice")
    assert alice.ok("/user/doCollect", character_id=2) == {"is_collect": True}
    assert alice.ok("/user/doCollect", character_id=5) == {"is_collect": True}
    collected = alice.ok("/user/getCollectedCharacters")
    assert ids(collected) == [5, 2] and all(item["is_collect"] for item in collected)
    assert alice.ok("/character/getProfile", character_id=2)["is_collect"] is True
    assert alice.ok("/user/doCollect", character_id=2) == {"is_collect": False}
    assert ids(alice.ok("/user/getCollectedCharacters")) == [5]
    assert client(app, "bob").ok("/user/getCollectedCharacters") == []


def test_created_reported_and_per_kind_lists(app):
    alice, bob = client(app, "alice"), client(app, "bob")
    mine = create(alice)
    assert ids(alice.ok("/user/getCreatedCharacters")) == [mine]
    assert bob.ok("/user/getCreatedCharacters") == []
    bob.ok("/character/report", character_id=3)
    bob.ok("/character/report", character_id=3)
    bob.ok("/character/report", character_id=6)
    assert bob.ok("/user/getReportededCharacters") == [3, 6]
    assert bob.ok("/user/report/list", type="character") == [3, 6]
    assert bob.ok("/user/report/list", type="world") == []
    assert alice.ok("/user/getReportededCharacters") == []
    # Novels and worlds are kinds of the same model; none exist yet, and the lists say so.
    for path in ("/user/getCreatedNovels", "/user/getCreatedWorlds", "/user/getCollectedWorlds"):
        assert alice.ok(path) == []


def test_ratings_count_per_star_list_comments_with_names_and_hide_a_reported_one(app):
    alice, bob = client(app, "alice"), client(app, "bob")
    alice.ok("/character/setRoleStar", character_id=1, star_count=5, comment="Best coffee in town")
    bob.ok("/character/setRoleStar", character_id=1, star_count=2, comment="Too cheerful")
    bob.ok("/character/setRoleStar", character_id=1, star_count=3, comment="Grew on me")  # a user rates once
    detail = alice.get("/character/getRoleStarDetail?character_id=1").json()["result"]["roleStarDetail"]
    assert detail == {"1": 0, "2": 0, "3": 1, "4": 0, "5": 1}
    assert alice.ok("/character/getProfile", character_id=1)["role_star"] == 4
    comments = alice.get("/character/getRoleStarComments?character_id=1&limit=10&page_no=1").json()["result"]
    assert [(c["username"], c["star"], c["comment"]) for c in comments] == [
        ("bob", 3, "Grew on me"),
        ("alice", 5, "Best coffee in town"),
    ]
    alice.ok("/character/reportRoleStarComment", id=comments[0]["id"])
    assert alice.ok("/user/report/list", type="comment") == [comments[0]["id"]]
    hidden = alice.get("/character/getRoleStarComments?character_id=1&limit=10&page_no=1").json()["result"]
    assert [c["username"] for c in hidden] == ["alice"]
    assert (
        len(bob.get("/character/getRoleStarComments?character_id=1&limit=10&page_no=1").json()["result"]) == 2
    )
    assert alice.post("/character/reportRoleStarComment", id=999).status == 404


def _fund(app: Any, user_id: int, amount: int) -> None:
    api = app.server.root.api
    api.db.write_now(lambda db: ledger.book(db, user_id, amount, kind="test grant"))


def _balance(app: Any, user_id: int, account: str = "tokens") -> int:
    return ledger.balance(app.server.root.api.db.conn, user_id, account)


def test_buying_a_character_spends_its_price_once_and_the_creator_earns_it_once(app):
    alice = client(app, "alice")
    _fund(app, 1, 50)
    tokens, earnings = _balance(app, 1), _balance(app, 3, "earnings")
    assert alice.ok("/character/purchase", character_id=8, charge=20) == {"status": 0}
    assert alice.ok("/character/purchase", character_id=8, charge=20) == {"status": 0}
    assert _balance(app, 1) == tokens - 20
    assert _balance(app, 3, "earnings") == earnings + 20
    purchased = alice.ok("/user/getPurchasedCharacters")
    assert ids(purchased) == [8] and purchased[0]["is_purchase"] is True


def test_a_purchase_at_a_stale_price_or_without_enough_tokens_books_nothing(app):
    alice, bob = client(app, "alice"), client(app, "bob")
    price = _balance(app, 2) + 1
    dear = create(alice, charge=price)
    alice.ok("/character/release", character_id=dear)
    tokens, earnings = _balance(app, 2), _balance(app, 1, "earnings")
    assert bob.ok("/character/purchase", character_id=dear, charge=price - 1) == {"status": 2}
    assert bob.ok("/character/purchase", character_id=dear, charge=price) == {"status": 1}
    assert _balance(app, 2) == tokens and _balance(app, 1, "earnings") == earnings
    assert bob.ok("/user/getPurchasedCharacters") == []


def test_an_app_store_payment_unlocks_the_character_and_pays_the_creator_once(app):
    alice = client(app, "alice")
    record = {"character_id": 8, "platform": "apple", "is_subscription": 0, "product_id": "thorne.unlock"}
    earnings = _balance(app, 3, "earnings")
    alice.ok("/character/paid/record", **record)
    alice.ok("/character/paid/record", **record)
    assert ids(alice.ok("/user/getPurchasedCharacters")) == [8]
    assert _balance(app, 3, "earnings") == earnings + 20
    assert alice.post("/character/paid/record", **record, world_id=12345).status == 404


def test_photo_wall_and_random_pictures_are_real_files_and_a_teaser_unlocks_its_picture(app):
    bob = client(app, "bob")
    wall = bob.ok("/character/getPhotoWall", character_id=5, limit=4, page_no=1)
    assert wall["total_count"] == 6 and len(wall["photos"]) == 4
    teaser = bob.ok("/character/randomImage", character_id=5)["url"]
    assert teaser != bob.ok("/character/randomImage", character_id=5)["url"]  # the next one each time
    picture = bob.ok("/character/randomImage", character_id=5, blur_url=teaser)["url"]
    assert picture in bob.ok("/character/getPhotoWall", character_id=5)["photos"]
    image = bob.get(picture.removeprefix("http://localhost"))
    assert image.status == 200 and image.body.startswith(b"\x89PNG\r\n\x1a\n")
    assert (
        bob.post("/character/randomImage", character_id=5, blur_url="https://elsewhere/x.png").status == 404
    )


def test_creation_helpers_give_the_same_example_for_the_same_request(app):
    alice = client(app, "alice")
    sample = alice.ok("/character/sample", sex="Female")
    assert sample["name"] and sample["greeting"] and sample["long_description"]
    assert sample == alice.ok("/character/sample", sex="Female")
    assert sample["name"] != alice.ok("/character/sample", sex="Male")["name"]
    lines = alice.lines(
        "/character/generatMsgs",
        count=3,
        name="Lily",
        greeting="Hi~",
        long_description="A barista",
        tags=[],
        context=[],
        params={},
    )
    assert [len(line["messages"]) for line in lines] == [1, 2, 3]
    assert [line["done"] for line in lines] == [False, False, True]
    assert len(set(lines[-1]["messages"])) == 3


def test_hints_topics_and_message_checks(app):
    alice = client(app, "alice")
    hints = alice.get("/character/getExamples?num=2&lang=zh").json()["result"]
    assert len(hints) == 2 and all(len(h["replys"]) == 3 for h in hints)
    assert any("\u4e00" <= ch <= "\u9fff" for ch in "".join(hints[0]["replys"]))
    topics = alice.get("/character/listTopic").json()["result"]["topics"]
    assert topics[0]["title"] == "Female" and topics[0]["replys"]
    assert alice.ok("/character/message/valid", message="Hello there") == {
        "message": "Hello there",
        "is_valid": True,
    }
    blocked = alice.ok("/character/message/valid", message="go and kill yourself")
    assert blocked == {"message": "go and *************", "is_valid": False}
    assert alice.ok("/character/message/valid", message="   ")["is_valid"] is False


def test_content_survives_a_restart_on_the_same_data_folder(tmp_path):
    first = make_app(tmp_path)
    character = create(client(first, "alice"), name="Persistent Pat")
    first.server.root.api.close()
    second = make_app(tmp_path)
    assert (
        client(second, "alice").ok("/character/getProfile", character_id=character)["name"]
        == "Persistent Pat"
    )
    second.server.root.api.close()
