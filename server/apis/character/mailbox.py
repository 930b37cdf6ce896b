"""Letters from the platform to its users, and the users' bug feedback with the support team's replies.

Letters are public (``type`` 0: one letter every user sees, read and deleted per user) or private
(``type`` 1: one user's, e.g. the welcome letter). Feedback is a thread: the user's message, then
replies in order, each a row of the same table with ``reply_id`` naming the thread (the doc's
``reply_id`` and its ``replys`` ids share one id space). The support desk of the reference server
answers each message at once, so a new reply is there to be seen (``has_new_reply``) until the
thread is opened.

Nobody but its user sees a private letter or a feedback thread: another user's id is not found.
"""

from __future__ import annotations

import json
import re
from typing import Any

import sqlite_utils

from server.apis.character.users import ON_DELETE, me, page, sqlite_int, stamp
from server.call import Call
from server.registry import Handlers
from server.storage import now_ms

handlers = Handlers()

PUBLIC, PRIVATE = 0, 1


@handlers.schema
def create_tables(db: sqlite_utils.Database) -> None:
    db.execute(
        """CREATE TABLE IF NOT EXISTS letters (
            id INTEGER PRIMARY KEY,
            user_id INTEGER,
            message TEXT NOT NULL,
            created_at INTEGER NOT NULL
        )"""
    )
    db.execute("CREATE INDEX IF NOT EXISTS letters_by_user ON letters(user_id, id)")
    # Per user and letter: read, or deleted from the user's view (public letters stay for others).
    db.execute(
        """CREATE TABLE IF NOT EXISTS letter_marks (
            user_id INTEGER NOT NULL,
            letter_id INTEGER NOT NULL,
            is_read INTEGER NOT NULL DEFAULT 0,
            deleted INTEGER NOT NULL DEFAULT 0,
            PRIMARY KEY (user_id, letter_id)
        )"""
    )
    db.execute(
        """CREATE TABLE IF NOT EXISTS feedback (
            id INTEGER PRIMARY KEY,
            user_id INTEGER NOT NULL,
            reply_id INTEGER NOT NULL DEFAULT 0,
            author TEXT NOT NULL DEFAULT 'user',
            message TEXT NOT NULL,
            urls TEXT NOT NULL DEFAULT '[]',
            seen INTEGER NOT NULL DEFAULT 0,
            created_at INTEGER NOT NULL
        )"""
    )
    db.execute("CREATE INDEX IF NOT EXISTS feedback_by_user ON feedback(user_id, reply_id, id)")
    db.execute("CREATE INDEX IF NOT EXISTS feedback_by_thread ON feedback(reply_id, id)")


def send_letter(db: sqlite_utils.Database, user_id: int | None, message: str) -> int:
    """A letter to one user, or to every user (``user_id`` None); its id. Inside a write."""
    cursor = db.execute(
        "INSERT INTO letters (user_id, message, created_at) VALUES (?, ?, ?)", [user_id, message, now_ms()]
    )
    return int(cursor.lastrowid)


def _forget(db: sqlite_utils.Database, user_id: int) -> None:
    db.execute("DELETE FROM letters WHERE user_id = ?", [user_id])
    db.execute("DELETE FROM letter_marks WHERE user_id = ?", [user_id])
    db.execute("DELETE FROM feedback WHERE user_id = ?", [user_id])


ON_DELETE.append(_forget)


# --- letters --------------------------------------------------------------------------------


@handlers("post_user_getLetters")
async def get_letters(call: Call) -> Any:
    user = me(call)
    limit, offset = page(call)
    kind = call.require("type")
    if kind == PUBLIC:
        where = "letters.user_id IS NULL"
    elif kind == PRIVATE:
        where = "letters.user_id = :user"
    else:
        return []  # no letters of another type
    rows = call.db.query(
        "SELECT letters.id, letters.message, letters.created_at, COALESCE(marks.is_read, 0) AS is_read"
        " FROM letters LEFT JOIN letter_marks AS marks"
        "   ON marks.letter_id = letters.id AND marks.user_id = :user"
        f" WHERE {where} AND COALESCE(marks.deleted, 0) = 0"
        " ORDER BY letters.id DESC LIMIT :limit OFFSET :offset",
        {"user": user["id"], "limit": limit, "offset": offset},
    )
    return [
        {"id": r["id"], "message": r["message"], "timestamp": stamp(r["created_at"]), "is_read": r["is_read"]}
        for r in rows
    ]


def _letters(call: Call, user_id: int) -> list[dict[str, Any]]:
    """The letters `ids` names ("1,2,3"), each one the user can see; 404 for the first that is not."""
    found = []
    for part in re.split(r"[,\s]+", str(call.require("ids")).strip()):
        if not part:
            continue
        row = None
        letter_id = sqlite_int(part) if part.isdigit() else None
        if letter_id is not None:
            row = call.db.one(
                "SELECT letters.id, letters.user_id FROM letters"
                " LEFT JOIN letter_marks AS marks ON marks.letter_id = letters.id AND marks.user_id = ?"
                " WHERE letters.id = ? AND (letters.user_id IS NULL OR letters.user_id = ?)"
                " AND COALESCE(marks.deleted, 0) = 0",
                [user_id, letter_id, user_id],
            )
        if row is None:
            raise call.not_found("letter", int(part) if part.isdigit() else part)
        found.append(row)
    return found


@handlers("post_user_readLetters")
async def read_letters(call: Call) -> Any:
    user_id = me(call)["id"]
    letters = _letters(call, user_id)

    def mark(db: sqlite_utils.Database) -> None:
        for letter in letters:
            db.execute(
                "INSERT INTO letter_marks (user_id, letter_id, is_read) VALUES (?, ?, 1)"
                " ON CONFLICT(user_id, letter_id) DO UPDATE SET is_read = 1",
                [user_id, letter["id"]],
            )

    await call.db.write(mark)
    return {"status": 0}


@handlers("post_user_delLetters")
async def delete_letters(call: Call) -> Any:
    user_id = me(call)["id"]
    letters = _letters(call, user_id)

    def delete(db: sqlite_utils.Database) -> None:
        for letter in letters:
            if letter["user_id"] is None:  # a public letter: gone from this user's view only
                db.execute(
                    "INSERT INTO letter_marks (user_id, letter_id, deleted) VALUES (?, ?, 1)"
                    " ON CONFLICT(user_id, letter_id) DO UPDATE SET deleted = 1",
                    [user_id, letter["id"]],
                )
            else:
                db.execute("DELETE FROM letters WHERE id = ?", [letter["id"]])
                db.execute("DELETE FROM letter_marks WHERE letter_id = ?", [letter["id"]])

    await call.db.write(delete)
    return {"status": 0}


# --- feedback -------------------------------------------------------------------------------


def support_reply(thread_id: int, follow_up: bool) -> str:
    """The support desk's answer: the same words for the same thread, so tests can expect them."""
    if follow_up:
        return f"Thanks, your message was added to feedback #{thread_id}. We will get back to you here."
    return (
        f"Thank you for your feedback (#{thread_id}). Our team is looking into it and will reply in this "
        "thread; attach screenshots with the urls field if you have any."
    )


def _thread(call: Call, user_id: int, feedback_id: Any) -> dict[str, Any]:
    row = call.db.one(
        "SELECT * FROM feedback WHERE id = ? AND user_id = ? AND reply_id = 0 AND author = 'user'",
        [sqlite_int(feedback_id), user_id],
    )
    if row is None:
        raise call.not_found("feedback", feedback_id)
    return row


@handlers("post_user_feedback_send")
async def send_feedback(call: Call) -> Any:
    user_id = me(call)["id"]
    message = str(call.require("message"))
    urls = json.dumps(call.get("urls") or [], ensure_ascii=False)
    reply_to = call.get("reply_id") or 0
    thread = _thread(call, user_id, reply_to) if reply_to else None

    def write(db: sqlite_utils.Database) -> None:
        now = now_ms()
        if thread is None:
            thread_id = db.execute(
                "INSERT INTO feedback (user_id, message, urls, created_at) VALUES (?, ?, ?, ?)",
                [user_id, message, urls, now],
            ).lastrowid
        else:
            thread_id = thread["id"]
            db.execute(
                "INSERT INTO feedback (user_id, reply_id, message, urls, seen, created_at)"
                " VALUES (?, ?, ?, ?, 1, ?)",
                [user_id, thread_id, message, urls, now],
            )
        db.execute(
            "INSERT INTO feedback (user_id, reply_id, author, message, created_at)"
            " VALUES (?, ?, 'official', ?, ?)",
            [user_id, thread_id, support_reply(int(thread_id), thread is not None), now],
        )

    await call.db.write(write)
    return {"status": 0}


@handlers("post_user_feedback_get")
async def list_feedback(call: Call) -> Any:
    user_id = me(call)["id"]
    limit, offset = page(call)
    rows = call.db.query(
        "SELECT f.id, f.message, f.created_at, EXISTS (SELECT 1 FROM feedback AS r WHERE r.reply_id = f.id"
        "   AND r.author = 'official' AND r.seen = 0) AS has_new_reply"
        " FROM feedback AS f WHERE f.user_id = ? AND f.reply_id = 0 AND f.author = 'user'"
        " ORDER BY f.id DESC LIMIT ? OFFSET ?",
        [user_id, limit, offset],
    )
    return [
        {
            "id": r["id"],
            "message": r["message"],
            "timestamp": stamp(r["created_at"]),
            "has_new_reply": bool(r["has_new_reply"]),
        }
        for r in rows
    ]


@handlers("post_user_feedback_detail")
async def feedback_detail(call: Call) -> Any:
    user_id = me(call)["id"]
    thread = _thread(call, user_id, call.require("id"))
    replies = call.db.query(
        "SELECT id, message, created_at FROM feedback WHERE reply_id = ? ORDER BY id", [thread["id"]]
    )
    unseen = call.db.value(
        "SELECT 1 FROM feedback WHERE reply_id = ? AND author = 'official' AND seen = 0", [thread["id"]]
    )
    if unseen:  # opening the thread is what makes its replies seen
        await call.db.write(
            lambda db: db.execute(
                "UPDATE feedback SET seen = 1 WHERE reply_id = ? AND author = 'official'", [thread["id"]]
            )
        )
    return {
        "id": thread["id"],
        "message": thread["message"],
        "urls": json.loads(thread["urls"]),
        "replys": [
            {"id": r["id"], "message": r["message"], "timestamp": stamp(r["created_at"])} for r in replies
        ],
    }


@handlers("post_user_feedback_delete")
async def delete_feedback(call: Call) -> Any:
    user_id = me(call)["id"]
    thread = _thread(call, user_id, call.require("id"))

    def delete(db: sqlite_utils.Database) -> None:
        db.execute("DELETE FROM feedback WHERE id = ? OR reply_id = ?", [thread["id"], thread["id"]])

    await call.db.write(delete)
    return {"status": 0}


# --- demo -----------------------------------------------------------------------------------


@handlers.seeder
def demo(seed: Any) -> None:
    """Two announcements for everyone, a private letter each for alice and bob, and one feedback
    thread of alice's with the support desk's reply."""
    day = 24 * 3600 * 1000

    def write(db: sqlite_utils.Database) -> None:
        if db.execute("SELECT 1 FROM letters WHERE id = 1").fetchone():
            return
        letters = [
            (1, None, "Welcome to Character! New characters arrive every week: see the Newest tab."),
            (2, None, "Version 2.0: group chats, worlds and stories are here. Try them from the home page."),
            (3, 1, "Hi alice, your character Lily reached 100 chats. Thank you for creating!"),
            (4, 2, "Hi bob, you have 500 free tokens to start. Have fun!"),
        ]
        for letter_id, user_id, message in letters:
            db.execute(
                "INSERT INTO letters (id, user_id, message, created_at) VALUES (?, ?, ?, ?)",
                [letter_id, user_id, message, seed.epoch_ms - (5 - letter_id) * day],
            )
        db.execute(
            "INSERT INTO feedback (id, user_id, message, urls, created_at) VALUES (1, 1, ?, '[]', ?)",
            ["The voice preview does not play on my phone.", seed.epoch_ms - day],
        )
        db.execute(
            "INSERT INTO feedback (id, user_id, reply_id, author, message, created_at)"
            " VALUES (2, 1, 1, 'official', ?, ?)",
            ["Thanks alice, this is fixed in version 2.0.1.", seed.epoch_ms],
        )

    seed.db.write_now(write)
