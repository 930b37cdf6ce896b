"""Authors: the users whose released content others read and chat with (:func:`.store.is_author`),
as readers meet them: followed and unfollowed, their page (counts of what they released, their
followers, their popularity), reported. Their characters and groups are the shared listing's
(`by="author"`, in :mod:`.operations`).

Follows feed the accounts area's base info (`follow_count`, `followers_count`, `popularity`,
through :data:`server.apis.character.profile.COUNTS`).
"""

from __future__ import annotations

from typing import Any

import sqlite_utils

from server.apis.character import profile, users
from server.apis.character.content import store
from server.apis.character.content.model import KINDS, Kind
from server.apis.character.content.shape import Entries, answer
from server.call import Call
from server.storage import now_ms

FOLLOW, REPORT = "follow", "report"


def create_tables(db: sqlite_utils.Database) -> None:
    db.execute(
        """CREATE TABLE IF NOT EXISTS author_marks (
            user_id INTEGER NOT NULL,
            author_id INTEGER NOT NULL,
            mark TEXT NOT NULL,
            created_at INTEGER NOT NULL,
            PRIMARY KEY (user_id, author_id, mark)
        )"""
    )
    db.execute("CREATE INDEX IF NOT EXISTS author_marks_by_author ON author_marks(author_id, mark)")


def forget_user(db: sqlite_utils.Database, user_id: int) -> None:
    """A deleted user follows nobody, and nobody follows a deleted user (there is no one to follow)."""
    db.execute("DELETE FROM author_marks WHERE user_id = ? OR author_id = ?", [int(user_id), int(user_id)])


# --- counts (the base info's, and the author page's) --------------------------------------------------


def follow_count(db: Any, user_id: int) -> int:
    """How many authors the user follows."""
    query = "SELECT COUNT(*) FROM author_marks WHERE user_id = ? AND mark = ?"
    return int(db.execute(query, [user_id, FOLLOW]).fetchone()[0])


def followers_count(db: Any, user_id: int) -> int:
    query = "SELECT COUNT(*) FROM author_marks WHERE author_id = ? AND mark = ?"
    return int(db.execute(query, [user_id, FOLLOW]).fetchone()[0])


def popularity(db: Any, user_id: int) -> int:
    """How much others use what the author released: messages generated with it, views of it."""
    query = "SELECT COALESCE(SUM(uses), 0) FROM content WHERE owner_id = ? AND visibility = ?"
    return int(db.execute(query, [user_id, store.PUBLIC]).fetchone()[0])


profile.COUNTS.update(
    {"follow_count": follow_count, "followers_count": followers_count, "popularity": popularity}
)


# --- behaviours ----------------------------------------------------------------------------------------


def _author(call: Call) -> int:
    named = call.require("author_id")
    if not store.is_author(call, named):
        raise call.not_found("author", named)
    return store.sql_id(named)


def _following(call: Call, user_id: int | None, author_id: int) -> bool:
    query = "SELECT 1 FROM author_marks WHERE user_id = ? AND author_id = ? AND mark = ?"
    return user_id is not None and call.db.value(query, [user_id, author_id, FOLLOW]) is not None


async def follow(call: Call, kind: Kind | None) -> Any:
    """Follow an author when not yet, unfollow when already (also one who has since unreleased all:
    a follow never gets stuck). Following oneself is a conflict."""
    user_id = store.signed_in(call)
    author_id = store.sql_id(call.require("author_id"))
    if author_id == user_id:
        raise call.fail("you cannot follow yourself", status=409)
    following = _following(call, user_id, author_id)
    if not following and not store.is_author(call, author_id):
        raise call.not_found("author", call.get("author_id"))

    def write(db: sqlite_utils.Database) -> None:
        key = [user_id, author_id, FOLLOW]
        if following:
            db.execute("DELETE FROM author_marks WHERE user_id = ? AND author_id = ? AND mark = ?", key)
        else:
            db.execute(
                "INSERT INTO author_marks (user_id, author_id, mark, created_at) VALUES (?, ?, ?, ?)",
                [*key, now_ms()],
            )

    await call.db.write(write)
    return answer(call, {"is_follow": not following})


async def info(call: Call, kind: Kind | None) -> Any:
    """An author's page: name, level, avatar, follows both ways, popularity, and how much of each kind
    of content they released."""
    author_id = _author(call)
    row = users.find(call.db.conn, author_id) or {"name": "", "avatar": "", "level": 0}
    released = dict.fromkeys(KINDS, 0)
    for counted in call.db.query(
        "SELECT kind, COUNT(*) AS n FROM content WHERE owner_id = ? AND visibility = ? GROUP BY kind",
        [author_id, store.PUBLIC],
    ):
        released[counted["kind"]] = counted["n"]
    db = call.db.conn
    record = {
        "author_id": author_id,
        "author_name": row["name"],
        "level": row.get("level") or 0,
        "avatar": users.avatar_url(call, row.get("avatar")),
        "follow_count": follow_count(db, author_id),
        "followers_count": followers_count(db, author_id),
        "popularity": popularity(db, author_id),
        "released_count": Entries(released),
        "is_follow": _following(call, store.user_id_of(call), author_id),
    }
    return answer(call, record)


async def followed(call: Call, kind: Kind | None) -> Any:
    """The authors the caller follows, the latest followed first."""
    user_id = store.signed_in(call)
    limit, offset = store.page(call)
    rows = call.db.query(
        "SELECT author_id FROM author_marks WHERE user_id = ? AND mark = ?"
        " ORDER BY created_at DESC, rowid DESC LIMIT ? OFFSET ?",
        [user_id, FOLLOW, limit, offset],
    )
    records = []
    for row in rows:
        author = users.find(call.db.conn, row["author_id"]) or {"name": "", "avatar": ""}
        records.append(
            {
                "author_id": row["author_id"],
                "username": author["name"],
                "avatar": users.avatar_url(call, author.get("avatar")),
                "is_follow": True,
            }
        )
    return answer(call, records)


async def report(call: Call, kind: Kind | None) -> Any:
    """Report an author (once: reporting again changes nothing); not oneself."""
    user_id = store.signed_in(call)
    author_id = _author(call)
    if author_id == user_id:
        raise call.fail("you cannot report yourself", status=409)
    await call.db.write(
        lambda db: db.execute(
            "INSERT OR IGNORE INTO author_marks (user_id, author_id, mark, created_at) VALUES (?, ?, ?, ?)",
            [user_id, author_id, REPORT, now_ms()],
        )
    )
    return answer(call, {"status": 0})
