"""Media made for content and sessions: pictures and GIFs of a message, avatars from a prompt, a
character's video (tasks that go Pending -> Done and then point at a file the server serves), and
voices of messages (answered at once).

What a user makes of a kind with free uses (avatars, GIFs, voices: `/user/getFreeTimes`) takes one
of them while any is left; past them nothing is charged, as the doc gives no price.

A task is `Pending` when it is first asked about and `Done` from the next question on, once its
time has come (ten times the configured time to first token: instant in tests, a few seconds for
a person). The file itself is made when the task is, so a Done task never points nowhere.
"""

from __future__ import annotations

import secrets
from typing import Any

import sqlite_utils

from server.apis.character.content import chat, store
from server.apis.character.content.catalog import STATUS_OK
from server.apis.character.content.media_files import make
from server.apis.character.content.model import Kind
from server.apis.character.content.shape import answer
from server.apis.character.wallet import take_free_time
from server.call import Call
from server.storage import now_ms

READY_AFTER_TTFTS = 10
MEDIA_COLUMN = {"image": "image", "gif": "image", "audio": "audio"}


def _message_at(call: Call, session_id: int, idx: Any) -> dict[str, Any]:
    row = call.db.one(
        "SELECT * FROM messages WHERE session_id = ? AND idx = ? AND active = 1 AND role != ? ORDER BY uniq_id DESC",
        [session_id, store.sql_number(idx), store.SUMMARY],
    )
    if row is None:
        raise call.not_found(f"message of session {session_id} at idx", idx)
    return row


def _last_reply(call: Call, session_id: int) -> dict[str, Any] | None:
    return call.db.one(
        "SELECT * FROM messages WHERE session_id = ? AND active = 1 AND role NOT IN (?, ?) ORDER BY idx DESC LIMIT 1",
        [session_id, store.USER, store.SUMMARY],
    )


def _use_free(call: Call, db: sqlite_utils.Database, free: str | None) -> None:
    """Inside the write that makes it: one of the user's free uses of this kind, while any is left."""
    user_id = store.user_id_of(call)
    if free is not None and user_id is not None:
        take_free_time(db, user_id, free)


async def task(call: Call, kind: Kind, target: str, media: str | None = None, free: str | None = None) -> Any:
    """A media task for the message at `idx` (`target` "idx"), the session's last reply ("last"),
    a prompt in `data` ("prompt") or the content itself ("content"); `media` None: `is_gif` decides.
    ``free``: the kind of free use it takes (`avatar`, `gif`)."""
    owner = store.owner_of(call)
    media = media or ("gif" if call.get("is_gif") else "image")
    uniq_id: int | None = None
    if target in ("idx", "last"):
        # `type` chat or group chat: sessions of every kind are in one table, owned the same way.
        session = store.find_session(call, call.require("session_id"))
        row = (
            _message_at(call, session["id"], call.require("idx"))
            if target == "idx"
            else _last_reply(call, session["id"])
        )
        uniq_id = row["uniq_id"] if row is not None else None
        seed = f"{media}:session:{session['id']}:{row['content'] if row is not None else ''}"
    elif target == "content":
        content = store.find(call, kind, call.require(kind.id_field))
        seed = f"{media}:{kind.name}:{content['id']}:{call.get('audio_prompt') or ''}"
    else:
        seed = f"{media}:prompt:{call.get('data') or ''}:{call.get('sex') or ''}:{call.get('style') or ''}"
    data, media_type = make(media, seed)
    name = call.api.files.put(data, media_type)
    create_id = secrets.token_hex(12)
    delay = int(max(call.options.ttft_ms, 0) * READY_AFTER_TTFTS)

    def write(db: sqlite_utils.Database) -> None:
        now = now_ms()
        db.execute(
            "INSERT INTO media_tasks (create_id, owner, media, uniq_id, file, created_at, ready_at)"
            " VALUES (?, ?, ?, ?, ?, ?, ?)",
            [create_id, owner, media, uniq_id, name, now, now + delay],
        )
        if uniq_id is not None:
            db.execute("UPDATE messages SET create_id = ? WHERE uniq_id = ?", [create_id, uniq_id])
        _use_free(call, db, free)

    await call.db.write(write)
    return answer(call, {"create_id": create_id})


async def query(call: Call, kind: Kind, pending: str = "Pending") -> Any:
    """The state of one of the caller's tasks, and its file's URL once Done."""
    create_id = str(call.require("create_id"))
    row = call.db.one(
        "SELECT * FROM media_tasks WHERE create_id = ? AND owner = ?", [create_id, store.owner_of(call)]
    )
    if row is None:
        raise call.not_found("media task", create_id)
    if row["polls"] == 0 or now_ms() < row["ready_at"]:
        await call.db.write(
            lambda db: db.execute("UPDATE media_tasks SET polls = polls + 1 WHERE id = ?", [row["id"]])
        )
        return answer(call, {"state": pending, "url": ""})
    url = call.file_url(row["file"])
    column = MEDIA_COLUMN.get(row["media"])
    if row["uniq_id"] is not None and column is not None:
        # The message shows its picture from now on (continueChat's `image`).
        await call.db.write(
            lambda db: db.execute(
                f"UPDATE messages SET {column} = ? WHERE uniq_id = ?", [url, row["uniq_id"]]
            )
        )
    return answer(call, {"state": "Done", "url": url})


async def voice(call: Call, kind: Kind, by: str, free: str | None = None) -> Any:
    """A message read aloud (by `idx` or `uniq_id`), answered with the file at once."""
    session = store.find_session(call, call.require("session_id"))
    if by == "idx":
        row = _message_at(call, session["id"], call.require("idx"))
    else:
        row = store.find_message(call, session["id"], chat.uniq_id_of(call))
    data, media_type = make("audio", f"voice:{session['kind']}:{session['content_id']}:{row['content']}")
    url = call.file_url(call.api.files.put(data, media_type))

    def write(db: sqlite_utils.Database) -> None:
        db.execute("UPDATE messages SET audio = ? WHERE uniq_id = ?", [url, row["uniq_id"]])
        _use_free(call, db, free)

    await call.db.write(write)
    return answer(call, {"url": url})


async def click(call: Call, kind: Kind) -> Any:
    """Counts what a guest clicks (`type`), for the product's funnel."""
    owner = store.owner_of(call)
    kind_of_click = str(call.require("type"))[:64]
    await call.db.write(
        lambda db: db.execute(
            "INSERT INTO content_counters (owner, type, count) VALUES (?, ?, 1) ON CONFLICT (owner, type) DO UPDATE SET count = count + 1",
            [owner, f"click:{kind_of_click}"],
        )
    )
    return answer(call, STATUS_OK)
