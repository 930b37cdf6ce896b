"""Chatting with characters on the reference server: sessions, streamed replies and their
alternatives, the history, stars, deletes, summaries, guests, and media that a task makes."""

from __future__ import annotations

import asyncio
import base64
import io
import itertools
import json
import logging
import struct
import wave
import zlib
from typing import Any

import pytest
from character_helpers import client, guest, leave_mid_stream, make_app, post_streaming

from generators.fake import detect_language


@pytest.fixture
def app() -> Any:
    return make_app()


def started(user: Any, character: int = 1) -> int:
    return user.ok("/character/createChat", character_id=character)["session_id"]


def history_of(user: Any, character: int, session: int) -> list[dict[str, Any]]:
    sessions = user.ok("/character/getChatHistory", character_id=character)
    return next(s for s in sessions if s["session_id"] == session)["context"]


def test_a_new_session_opens_with_the_characters_greeting(app):
    alice = client(app, "alice")
    opened = alice.ok("/character/createChat", character_id=1)
    assert opened["latest_chat"] is True
    assert [(m["idx"], m["name"], m["is_human"]) for m in opened["context"]] == [(1, "AI", False)]
    assert opened["context"][0]["content"].startswith("*looks up from the espresso machine")
    assert opened["custom_profile"]["username"] == "alice"


def test_gen_chat_streams_cumulative_chunks_ending_in_one_done_line_with_the_message_id(app):
    alice = client(app, "alice")
    session = started(alice)
    lines = alice.lines("/character/genChat", session_id=session, content="Hello Lily, busy night?")
    assert len(lines) > 3
    assert all(set(line) >= {"session_id", "idx", "is_alternative", "done", "content"} for line in lines)
    assert [line["done"] for line in lines] == [False] * (len(lines) - 1) + [True]
    assert all(line["session_id"] == session and line["idx"] == 3 for line in lines)
    assert all(not line["is_alternative"] for line in lines)
    contents = [line["content"] for line in lines]
    assert all(later.startswith(earlier) for earlier, later in itertools.pairwise(contents))
    assert ["uniqId" in line for line in lines] == [False] * (len(lines) - 1) + [True]

    context = history_of(alice, 1, session)
    assert [(m["name"], m["content"]) for m in context[1:]] == [
        ("You", "Hello Lily, busy night?"),
        ("AI", contents[-1]),
    ]
    continued = alice.ok("/character/continueChat", character_id=1, session_id=session)
    assert continued["context"][-1]["uniqId"] == lines[-1]["uniqId"]
    assert continued["is_generate"] is False


def test_the_same_conversation_gets_the_same_bytes(app):
    def conversation(server: Any) -> list[bytes]:
        alice = client(server, "alice")
        session = started(alice)
        first = alice.post("/character/genChat", session_id=session, content="Tell me about the harbor").body
        again = alice.post("/character/reGenChat", session_id=session).body
        return [first, again]

    assert conversation(app) == conversation(make_app())
    # In another session (another user even) the same words to the same character get the same reply.
    bob = client(app, "bob")
    reply_to_bob = bob.lines(
        "/character/genChat", session_id=started(bob), content="Tell me about the harbor"
    )
    alice = client(app, "alice")
    reply_to_alice = alice.lines(
        "/character/genChat", session_id=started(alice), content="Tell me about the harbor"
    )
    assert reply_to_bob[-1]["content"] == reply_to_alice[-1]["content"]


def test_regenerating_gives_another_alternative_in_the_same_place_deterministically(app):
    alice = client(app, "alice")
    session = started(alice)
    original = alice.lines("/character/genChat", session_id=session, content="What should I order?")[-1]
    first = alice.lines("/character/reGenChat", session_id=session)
    second = alice.lines("/character/reGenChat", session_id=session)
    assert all(line["is_alternative"] for line in first + second)
    assert first[-1]["idx"] == second[-1]["idx"] == original["idx"]
    texts = {original["content"], first[-1]["content"], second[-1]["content"]}
    assert len(texts) == 3
    context = history_of(alice, 1, session)
    assert [m["content"] for m in context] == [
        context[0]["content"],
        "What should I order?",
        second[-1]["content"],
    ]

    again = client(make_app(), "alice")
    session = started(again)
    again.lines("/character/genChat", session_id=session, content="What should I order?")
    assert again.lines("/character/reGenChat", session_id=session)[-1]["content"] == first[-1]["content"]


def test_a_chinese_message_gets_a_chinese_reply_in_character(app):
    alice = client(app, "alice")
    session = started(alice, character=5)  # 林若雪, the guqin player
    reply = alice.lines("/character/genChat", session_id=session, content="若雪，今晚可以为我弹一曲吗？")[-1][
        "content"
    ]
    assert detect_language(reply) == "zh"
    assert "若雪" in reply or "林若雪" in reply
    english = alice.lines("/character/genChat", session_id=session, content="Can you play in English?")[-1][
        "content"
    ]
    assert detect_language(english) == "en"


def test_narrator_lines_are_generated_and_regenerated_between_the_replies(app):
    alice = client(app, "alice")
    session = started(alice, character=2)
    alice.lines("/character/genChat", session_id=session, content="Where are we flying?")
    narrated = alice.lines("/character/genNarratorChat", session_id=session)
    again = alice.lines("/character/reGenNarratorChat", session_id=session)
    assert narrated[-1]["idx"] == again[-1]["idx"] == 4
    assert narrated[-1]["content"] != again[-1]["content"] and again[-1]["is_alternative"] is True
    edited = alice.ok(
        "/character/editNarratorDialog", session_id=session, uniqId=again[-1]["uniqId"], content="Wind."
    )
    assert (edited["name"], edited["message"], edited["idx"]) == ("Narrator", "Wind.", 4)
    assert history_of(alice, 2, session)[-1] == {
        **history_of(alice, 2, session)[-1],
        "name": "Narrator",
        "content": "Wind.",
    }


def test_stars_edits_deletes_and_the_last_dialog(app):
    alice = client(app, "alice")
    session = started(alice)
    first = alice.lines("/character/genChat", session_id=session, content="One")[-1]
    alice.lines("/character/genChat", session_id=session, content="Two")
    alice.ok("/character/setStar", session_id=session, star=5, content="", uniq_id=first["uniqId"])
    alice.ok("/character/chat/commit", session_id=session, uniq_id=first["uniqId"], content="Edited reply.")
    context = history_of(alice, 1, session)
    assert [(m["content"], m["star"]) for m in context][1:3] == [("One", 0), ("Edited reply.", 5)]

    last = alice.lines("/character/getLastDialog", session_id=session)
    assert last[-1]["done"] is True and last[-1]["idx"] == 5 and last[-1]["is_generate"] is False
    newest = alice.ok("/character/continueChat", character_id=1, session_id=session)["context"][-1]
    assert (last[-1]["content"], last[-1]["uniqId"]) == (newest["content"], newest["uniqId"])

    alice.ok("/character/delChatsFromIdx", session_id=session, idx=4)
    assert [m["content"] for m in history_of(alice, 1, session)][1:] == ["One", "Edited reply."]
    assert alice.lines("/character/getLastDialog", session_id=session)[-1]["content"] == "Edited reply."
    assert (
        alice.post("/character/setStar", session_id=session, star=1, content="", uniq_id=999999).status == 404
    )


def test_a_users_sessions_are_theirs_alone(app):
    alice, bob = client(app, "alice"), client(app, "bob")
    session = started(alice)
    alice.lines("/character/genChat", session_id=session, content="A secret for Lily")
    for path, extra in (
        ("/character/genChat", {"content": "hi"}),
        ("/character/reGenChat", {}),
        ("/character/getLastDialog", {}),
        ("/character/delChatsFromIdx", {"idx": 1}),
        ("/character/summary/generate", {}),
    ):
        assert bob.post(path, session_id=session, **extra).status == 404, path
    assert bob.post("/character/continueChat", character_id=1, session_id=session).status == 404
    assert bob.ok("/character/getChatHistory", character_id=1) == []
    recent = bob.ok("/character/getCharactersChatRecently", limit=10, page_no=1)
    assert recent == []
    assert [
        r["session_id"] for r in alice.ok("/character/getCharactersChatRecently", limit=10, page_no=1)
    ] == [session]
    bob.ok("/character/delChat", character_id=1)  # deletes bob's chats with Lily: none
    assert "A secret for Lily" in [m["content"] for m in history_of(alice, 1, session)]


def test_deleting_the_chats_with_a_character_empties_the_history(app):
    alice = client(app, "alice")
    started(alice)
    started(alice)
    assert len(alice.ok("/character/getChatHistory", character_id=1)) == 2
    alice.ok("/character/delChat", character_id=1)
    assert alice.ok("/character/getChatHistory", character_id=1) == []


def test_a_client_that_leaves_mid_stream_keeps_an_incomplete_message_and_no_error_is_logged(app, caplog):
    alice = client(app, "alice")
    session = started(alice)
    body = {"user_id": 1, "session_id": session, "content": "Tell me a long story"}
    with caplog.at_level(logging.WARNING):
        sent = leave_mid_stream(app, "/character/genChat", "demo-character-alice", body)
    assert len(sent) == 3
    received = json.loads(sent[-1])["result"]["content"]
    last = alice.ok("/character/continueChat", character_id=1, session_id=session)["context"][-1]
    # What was generated is kept (the piece the client missed included), short of the whole reply.
    whole = client(make_app(), "alice")
    complete = whole.lines("/character/genChat", session_id=started(whole), content="Tell me a long story")[
        -1
    ]
    assert last["content"].startswith(received) and complete["content"].startswith(last["content"])
    assert len(last["content"]) < len(complete["content"])
    state = app.server.root.api.db.value("SELECT state FROM messages WHERE uniq_id = ?", [last["uniqId"]])
    assert state == "incomplete"
    assert not [r for r in caplog.records if r.levelno >= logging.ERROR] and "Traceback" not in caplog.text
    # The next reply builds on it; the cut message stays as it was left.
    assert alice.lines("/character/genChat", session_id=session, content="Go on")[-1]["done"] is True
    assert last["content"] in [m["content"] for m in history_of(alice, 1, session)]


def test_suggestions_for_the_user_are_streamed_and_not_stored(app):
    alice = client(app, "alice")
    session = started(alice)
    one = alice.lines("/character/genUserChat", session_id=session, batch_size=1)
    assert one[-1]["done"] is True and one[-1]["content"]
    three = alice.lines("/character/genUserChat", session_id=session, batch_size=3)
    assert len(three[-1]["contents"]) == 3 and three[-1]["done"] is True
    assert len({c["content"] for c in three[-1]["contents"]}) == 3
    assert len(history_of(alice, 1, session)) == 1


def test_summaries_are_offered_after_enough_messages_generated_kept_and_edited(app):
    alice = client(app, "alice")
    session = started(alice)
    assert alice.ok("/character/summary/status/get", session_id=session) == {"to_summary": 0}
    for text in ("Hi", "How is the café?", "Any regulars tonight?"):
        alice.lines("/character/genChat", session_id=session, content=text)
    assert alice.ok("/character/summary/status/get", session_id=session) == {"to_summary": 1}
    lines = alice.lines("/character/summary/generate", session_id=session)
    summary = lines[-1]["summarys"][0]
    assert lines[-1]["done"] is True and summary["content"] and "uniq_id" in summary
    assert alice.ok("/character/summary/status/get", session_id=session) == {"to_summary": 2}
    assert len(history_of(alice, 1, session)) == 7  # summaries are kept beside the conversation
    alice.ok(
        "/character/summary/edit", session_id=session, uniq_id=summary["uniq_id"], content="They talked."
    )
    alice.ok("/character/summary/edit", session_id=session, uniq_id=summary["uniq_id"])
    assert alice.post("/character/summary/edit", session_id=session, uniq_id=summary["uniq_id"]).status == 404
    assert alice.ok("/character/summary/status/get", session_id=session) == {"to_summary": 1}


def test_a_share_link_shows_the_lines_it_names_with_names(app):
    alice, bob = client(app, "alice"), client(app, "bob")
    session = started(alice)
    alice.lines("/character/genChat", session_id=session, content="Share this")
    key = base64.b64encode(f"session_id={session}&idxs=2,3".encode()).decode()
    shared = bob.get(f"/character/getSharedDialogs?k={key}").json()["result"]
    assert shared["characterInfo"]["name"] == "Lily" and shared["userInfo"]["name"] == "alice"
    assert [(d["idx"], d["name"]) for d in shared["dialogs"]] == [(2, "alice"), (3, "Lily")]
    assert shared["dialogs"][0]["message"] == "Share this"
    assert bob.get("/character/getSharedDialogs?k=bm90aGluZw").status == 404


def test_a_guest_chats_with_a_guest_token_and_keeps_its_own_conversation(app):
    visitor = guest(app)
    opened = visitor.ok("/guest/chat", guest_id=501, character_id=7)
    assert [m["idx"] for m in opened["context"]] == [1] and opened["is_generate"] is False
    lines = visitor.lines("/guest/genChat", guest_id=501, character_id=7, content="你好小满！")
    assert (
        lines[-1]["done"] is True and "uniqId" in lines[-1] and detect_language(lines[-1]["content"]) == "zh"
    )
    again = visitor.lines("/guest/reGenChat", guest_id=501, character_id=7)
    assert again[-1]["is_alternative"] is True and again[-1]["content"] != lines[-1]["content"]
    assert (
        visitor.lines("/guest/getLastDialog", guest_id=501, character_id=7)[-1]["content"]
        == again[-1]["content"]
    )
    assert visitor.lines("/guest/genNarratorChat", guest_id=501, character_id=7)[-1]["done"] is True
    assert visitor.lines("/guest/genUserChat", guest_id=501, character_id=7, batch_size=2)[-1]["done"] is True
    context = visitor.ok("/guest/chat", guest_id=501, character_id=7)["context"]
    assert [m["content"] for m in context][1:3] == ["你好小满！", again[-1]["content"]]
    assert visitor.ok("/guest/randomImage", guest_id=501, character_id=7)["url"].endswith(".png")
    assert visitor.ok("/guest/click", guest_id=501, type="signup_banner") == {"status": 0}

    alice = client(app, "alice")
    assert alice.ok("/character/getChatHistory", character_id=7) == []
    assert visitor.post("/guest/genChat", guest_id=502, character_id=7, content="hi").status == 401
    assert visitor.post("/character/createChat", character_id=7).status == 401  # not a guest operation


def _png_size(data: bytes) -> tuple[int, int]:
    assert data.startswith(b"\x89PNG\r\n\x1a\n") and data[12:16] == b"IHDR"
    width, height = struct.unpack(">II", data[16:24])
    idat = data.index(b"IDAT")
    length = struct.unpack(">I", data[idat - 4 : idat])[0]
    pixels = zlib.decompress(data[idat + 4 : idat + 4 + length])
    assert len(pixels) == height * (1 + 3 * width)
    return width, height


def test_a_picture_task_is_pending_then_done_and_its_png_downloads(app):
    alice = client(app, "alice")
    session = started(alice)
    task = alice.ok("/character/new/genImage", session_id=session, idx=1)["create_id"]
    assert alice.ok("/character/getImageOrGif", create_id=task) == {"state": "Pending", "url": ""}
    done = alice.ok("/character/getImageOrGif", create_id=task)
    assert done["state"] == "Done"
    image = alice.get(done["url"].removeprefix("http://localhost"))
    assert image.status == 200 and image.headers["content-type"] == "image/png"
    assert _png_size(image.body) == (32, 32)
    assert (
        alice.ok("/character/continueChat", character_id=1, session_id=session)["context"][0]["image"]
        == done["url"]
    )
    assert client(app, "bob").post("/character/getImageOrGif", create_id=task).status == 404


def test_gif_video_and_voice_media_are_real_files(app):
    alice = client(app, "alice")
    session = started(alice)
    reply = alice.lines("/character/genChat", session_id=session, content="Sing for me")[-1]

    gif = alice.ok("/character/generate/image", session_id=session, is_gif=1)["create_id"]
    assert alice.ok("/character/query", create_id=gif, task_type="image", system="web")["state"] == "Pending"
    url = alice.ok("/character/query", create_id=gif, task_type="image", system="web")["url"]
    assert alice.get(url.removeprefix("http://localhost")).body.startswith(b"GIF89a")

    video = alice.ok("/character/generateVideo", character_id=1)["create_id"]
    assert alice.ok("/character/queryVideo", create_id=video)["state"] == "Prepare"
    url = alice.ok("/character/queryVideo", create_id=video)["url"]
    assert alice.get(url.removeprefix("http://localhost")).body[4:8] == b"ftyp"

    voice = alice.ok("/character/generate/audio", session_id=session, uniq_id=reply["uniqId"])["url"]
    sound = alice.get(voice.removeprefix("http://localhost"))
    with wave.open(io.BytesIO(sound.body)) as audio:
        assert audio.getnchannels() == 1 and audio.getnframes() > 1000
    by_idx = alice.ok("/character/generateAudio", session_id=session, idx=reply["idx"])["url"]
    assert by_idx == voice
    assert history_of(alice, 1, session)[-1]["content"] == reply["content"]
    avatar = alice.ok("/character/new/createAvatar", data="a robot poet", sex="Male")["create_id"]
    assert alice.ok("/character/getImageOrGif", create_id=avatar)["state"] == "Pending"


def test_avatars_gifs_and_voices_take_the_users_free_uses_until_none_is_left(app):
    alice, bob = client(app, "alice"), client(app, "bob")
    session = started(alice)
    reply = alice.lines("/character/genChat", session_id=session, content="Hello")[-1]

    def free() -> dict[str, int]:
        left = alice.ok("/user/getFreeTimes")
        return {name: left[name] for name in ("freeAvatarTimes", "freeGifTimes", "freeAudioTimes")}

    tokens = alice.ok("/user/getUserBaseInfo")["token_balance"]
    assert free() == {"freeAvatarTimes": 3, "freeGifTimes": 1, "freeAudioTimes": 3}
    for n in range(4):  # the fourth avatar is still made: past the free uses there is no price
        assert alice.ok("/character/new/createAvatar", data=f"a robot poet {n}", sex="Male")["create_id"]
    alice.ok("/character/new/genGif", session_id=session, idx=reply["idx"])
    alice.ok("/character/generateAudio", session_id=session, idx=reply["idx"])
    alice.ok("/character/generate/audio", session_id=session, uniq_id=reply["uniqId"])
    assert free() == {"freeAvatarTimes": 0, "freeGifTimes": 0, "freeAudioTimes": 1}
    assert alice.ok("/user/getUserBaseInfo")["token_balance"] == tokens  # nothing charged
    assert bob.ok("/user/getFreeTimes")["freeAvatarTimes"] == 3  # another user's are his own
    # a request that is refused takes nothing
    assert alice.post("/character/generateAudio", session_id=session, idx=999).status == 404
    assert free()["freeAudioTimes"] == 1


async def _stream(app: Any, path: str, body: dict[str, Any], lines: list[dict[str, Any]]) -> None:
    """POST to a stream of the in-process app as alice, appending each NDJSON line's `result` as it comes."""
    status: list[int] = []

    async def send(message: dict[str, Any]) -> None:
        if message["type"] == "http.response.start":
            status.append(message["status"])
        elif message.get("body"):
            lines.extend(json.loads(line)["result"] for line in message["body"].decode().splitlines() if line)

    await post_streaming(app, path, "demo-character-alice", body, send)
    assert status == [200]


def test_the_last_dialog_asked_while_a_reply_streams_follows_it_to_its_end():
    """A second tab (or a reloaded page) asks for the last dialog while the reply is still being
    written: it gets what was written so far at once, then the rest as it comes, `is_generate`."""
    app = make_app(tokens_per_s=40)  # a piece every 25 ms: the reply takes a while
    alice = client(app, "alice")
    session = started(alice)
    replying: list[dict[str, Any]] = []
    following: list[dict[str, Any]] = []
    seen_when_asked: list[int] = []

    async def run() -> None:
        body = {"user_id": 1, "session_id": session, "content": "Tell me a long story about the harbor"}
        reply = asyncio.create_task(_stream(app, "/character/genChat", body, replying))
        while len(replying) < 5:
            await asyncio.sleep(0.002)
        seen_when_asked.append(len(replying[-1]["content"]))
        await _stream(app, "/character/getLastDialog", {"user_id": 1, "session_id": session}, following)
        await reply

    asyncio.run(run())
    final = replying[-1]
    assert final["done"] is True and len(replying) > 10
    assert following[-1]["done"] is True and following[-1]["uniqId"] == final["uniqId"]
    assert following[-1]["content"] == final["content"]
    assert all(line["is_generate"] is True for line in following)
    # it starts where the reply was, not from an empty stored row, and grows as the reply does
    assert len(following[0]["content"]) >= seen_when_asked[0] > 0
    contents = [line["content"] for line in following]
    assert all(later.startswith(earlier) for earlier, later in itertools.pairwise(contents))
    assert len(following) > 2  # followed piece by piece, not one snapshot
    # once the reply is done, the last dialog is a plain replay of the stored message
    again = alice.lines("/character/getLastDialog", session_id=session)
    assert again[-1]["content"] == final["content"] and again[-1]["is_generate"] is False
