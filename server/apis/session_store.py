"""session-store: users, and their chat sessions with the chats in order.

A back-office service (the doc: the frontend never calls add_user), so it has no tokens: each
request names its user. A session is created by its first chat (add_chat) and titled by its first
user message; deletes really delete, chats included, and a deleted session id stays deleted: a
late add_chat from a stale client does not bring it back.
"""

from __future__ import annotations

from typing import Any

import sqlite_utils

from server.call import Call
from server.registry import Handlers
from server.storage import now_ms

handlers = Handlers()
TITLE_LENGTH = 20


@handlers.schema
def create_tables(db: sqlite_utils.Database) -> None:
    db.execute(
        """CREATE TABLE IF NOT EXISTS users (
            user_id TEXT PRIMARY KEY,
            user_name TEXT NOT NULL DEFAULT '',
            phone TEXT NOT NULL DEFAULT '',
            email TEXT NOT NULL DEFAULT '',
            created_at INTEGER NOT NULL
        )"""
    )
    db.execute(
        """CREATE TABLE IF NOT EXISTS sessions (
            user_id TEXT NOT NULL,
            session_id TEXT NOT NULL,
            session_title TEXT NOT NULL DEFAULT '',
            created_at INTEGER NOT NULL,
            PRIMARY KEY (user_id, session_id)
        )"""
    )
    db.execute(
        """CREATE TABLE IF NOT EXISTS chats (
            id INTEGER PRIMARY KEY,
            user_id TEXT NOT NULL,
            session_id TEXT NOT NULL,
            role TEXT NOT NULL,
            msg TEXT NOT NULL,
            created_at INTEGER NOT NULL,
            FOREIGN KEY (user_id, session_id) REFERENCES sessions (user_id, session_id) ON DELETE CASCADE
        )"""
    )
    db.execute("CREATE INDEX IF NOT EXISTS chats_by_session ON chats(user_id, session_id, id)")
    db.execute(
        """CREATE TABLE IF NOT EXISTS deleted_sessions (
            user_id TEXT NOT NULL,
            session_id TEXT NOT NULL,
            PRIMARY KEY (user_id, session_id)
        )"""
    )


def _envelope(call: Call, **data: Any) -> Any:
    return call.ok({"request_id": str(call.get("request_id") or ""), **data}, message="")


def _user(call: Call) -> str:
    return str(call.require("user_id"))


def _session(call: Call, user_id: str) -> dict[str, Any]:
    session_id = str(call.require("session_id"))
    row = call.db.one("SELECT * FROM sessions WHERE user_id = ? AND session_id = ?", [user_id, session_id])
    if row is None:
        raise call.not_found(f"user {user_id}'s session", session_id)
    return row


@handlers("post_add_user")
async def add_user(call: Call) -> Any:
    user_id = _user(call)
    fields = {name: str(call.get(name) or "") for name in ("user_name", "phone", "email")}

    def upsert(db: sqlite_utils.Database) -> None:
        db.execute(
            "INSERT INTO users (user_id, user_name, phone, email, created_at) VALUES (?, ?, ?, ?, ?)"
            " ON CONFLICT(user_id) DO UPDATE SET user_name = excluded.user_name,"
            " phone = CASE WHEN excluded.phone != '' THEN excluded.phone ELSE users.phone END,"
            " email = CASE WHEN excluded.email != '' THEN excluded.email ELSE users.email END",
            [user_id, fields["user_name"], fields["phone"], fields["email"], now_ms()],
        )

    await call.db.write(upsert)
    return _envelope(call)


@handlers("post_query_user_info")
async def query_user_info(call: Call) -> Any:
    user_id = _user(call)
    row = call.db.one("SELECT user_id, user_name, phone, email FROM users WHERE user_id = ?", [user_id])
    if row is None:
        raise call.not_found("user", user_id)
    # This answer is documented without the ok/failed envelope: the user's fields only.
    return call.json({"request_id": str(call.get("request_id") or ""), **row})


@handlers("post_delete_specific_session")
async def delete_specific_session(call: Call) -> Any:
    user_id = _user(call)
    session = _session(call, user_id)

    def delete(db: sqlite_utils.Database) -> None:
        key = [user_id, session["session_id"]]
        db.execute("DELETE FROM sessions WHERE user_id = ? AND session_id = ?", key)
        db.execute("INSERT OR IGNORE INTO deleted_sessions (user_id, session_id) VALUES (?, ?)", key)

    await call.db.write(delete)
    return _envelope(call)


@handlers("post_delete_sessions")
async def delete_sessions(call: Call) -> Any:
    user_id = _user(call)

    def delete(db: sqlite_utils.Database) -> None:
        db.execute(
            "INSERT OR IGNORE INTO deleted_sessions (user_id, session_id)"
            " SELECT user_id, session_id FROM sessions WHERE user_id = ?",
            [user_id],
        )
        db.execute("DELETE FROM sessions WHERE user_id = ?", [user_id])

    await call.db.write(delete)
    return _envelope(call)


@handlers("post_query_session_names")
async def query_session_names(call: Call) -> Any:
    user_id = _user(call)
    sessions = call.db.query(
        "SELECT session_id, session_title FROM sessions WHERE user_id = ? ORDER BY created_at, rowid",
        [user_id],
    )
    return _envelope(call, sessions=sessions)


@handlers("post_query_session_info")
async def query_session_info(call: Call) -> Any:
    user_id = _user(call)
    session = _session(call, user_id)
    chats = call.db.query(
        "SELECT role, msg FROM chats WHERE user_id = ? AND session_id = ? ORDER BY id",
        [user_id, session["session_id"]],
    )
    return _envelope(call, user_id=user_id, session_id=session["session_id"], chats=chats)


@handlers("post_add_chat")
async def add_chat(call: Call) -> Any:
    user_id = _user(call)
    session_id = str(call.require("session_id"))
    role = str(call.require("role"))
    msg = str(call.get("msg") or "")
    if call.db.one(
        "SELECT 1 FROM deleted_sessions WHERE user_id = ? AND session_id = ?", [user_id, session_id]
    ):
        raise call.not_found(f"user {user_id}'s session (deleted)", session_id)

    def insert(db: sqlite_utils.Database) -> None:
        now = now_ms()
        title = msg[:TITLE_LENGTH] if role == "user" else ""
        db.execute(
            "INSERT INTO sessions (user_id, session_id, session_title, created_at) VALUES (?, ?, ?, ?)"
            " ON CONFLICT(user_id, session_id) DO UPDATE SET session_title = CASE"
            " WHEN sessions.session_title = '' THEN excluded.session_title ELSE sessions.session_title END",
            [user_id, session_id, title, now],
        )
        db.execute(
            "INSERT INTO chats (user_id, session_id, role, msg, created_at) VALUES (?, ?, ?, ?, ?)",
            [user_id, session_id, role, msg, now],
        )

    await call.db.write(insert)
    return _envelope(call)


@handlers.seeder
def demo(seed: Any) -> None:
    """A user with one session of two chats."""

    def write(db: sqlite_utils.Database) -> None:
        db.execute(
            "INSERT OR IGNORE INTO users (user_id, user_name, phone, email, created_at) VALUES (?, ?, ?, ?, ?)",
            ["demo", "Demo User", "13800000000", "demo@example.com", seed.epoch_ms],
        )
        db.execute(
            "INSERT OR IGNORE INTO sessions (user_id, session_id, session_title, created_at) VALUES (?, ?, ?, ?)",
            ["demo", "welcome", "帮我讲个笑话", seed.epoch_ms],
        )
        if not db.execute("SELECT 1 FROM chats WHERE user_id = 'demo'").fetchone():
            for role, msg in (
                ("user", "帮我讲个笑话"),
                ("ai", "有一天，小明去面试，面试官问他：你有什么特长？"),
            ):
                db.execute(
                    "INSERT INTO chats (user_id, session_id, role, msg, created_at) VALUES (?, ?, ?, ?, ?)",
                    ["demo", "welcome", role, msg, seed.epoch_ms],
                )

    seed.db.write_now(write)
    seed.say("session-store: demo user `demo` (no tokens: requests name their user_id)")
