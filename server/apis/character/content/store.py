"""The content model's tables and the reads every behaviour shares.

One table holds the content of every kind (`content`: a kind, an owner, a visibility and the
kind's fields as JSON under the names its API uses), with its tags, the marks users put on it
(collect, report, purchase, like), its ratings, and the sessions users have with it (`sessions`,
`messages`). Ids come from AUTOINCREMENT, so a deleted id is never handed out again.

Who sees what: content is visible to everyone once released (`public`) and to its owner always;
a session belongs to one principal (a user or a guest, see :func:`owner_of`) and nobody else sees it.
"""

from __future__ import annotations

import json
import sys
from typing import Any

import sqlite_utils

from server.apis.character.content.model import Kind
from server.apis.character.content.shape import Moment
from server.call import Call

DAY_MS = 24 * 3600 * 1000
PUBLIC, PRIVATE = "public", "private"
# A field value naming a file of the server's own store (demo data): answered as the file's URL
# as this request reaches the server, whatever host, port or mount it came through.
FILE_PREFIX = "file:"
MARKS = ("collect", "report", "purchase", "like", "dislike")
# Message roles: what the user wrote, what the character (or the kind's speaker) answered, a
# narrator's line, and summaries (kept with the session, not shown in its context).
USER, AI, NARRATOR, SUMMARY = "user", "ai", "narrator", "summary"
# A message's state: complete, being generated now, or cut short (the client left, the server stopped).
DONE, GENERATING, INCOMPLETE = "done", "generating", "incomplete"


def create_tables(db: sqlite_utils.Database) -> None:
    db.execute(
        """CREATE TABLE IF NOT EXISTS content (
            id INTEGER PRIMARY KEY AUTOINCREMENT,
            kind TEXT NOT NULL,
            owner_id INTEGER,
            visibility TEXT NOT NULL DEFAULT 'private',
            title TEXT NOT NULL DEFAULT '',
            fields TEXT NOT NULL DEFAULT '{}',
            charge INTEGER NOT NULL DEFAULT 0,
            uses INTEGER NOT NULL DEFAULT 0,
            created_at INTEGER NOT NULL,
            updated_at INTEGER NOT NULL
        )"""
    )
    db.execute("CREATE INDEX IF NOT EXISTS content_by_kind ON content(kind, visibility, id)")
    db.execute("CREATE INDEX IF NOT EXISTS content_by_owner ON content(owner_id, kind, id)")
    db.execute(
        """CREATE TABLE IF NOT EXISTS content_tags (
            content_id INTEGER NOT NULL REFERENCES content(id) ON DELETE CASCADE,
            tag TEXT NOT NULL,
            position INTEGER NOT NULL DEFAULT 0,
            PRIMARY KEY (content_id, tag)
        )"""
    )
    db.execute("CREATE INDEX IF NOT EXISTS content_tags_by_tag ON content_tags(tag, content_id)")
    db.execute(
        """CREATE TABLE IF NOT EXISTS content_marks (
            content_id INTEGER NOT NULL REFERENCES content(id) ON DELETE CASCADE,
            user_id INTEGER NOT NULL,
            mark TEXT NOT NULL,
            created_at INTEGER NOT NULL,
            PRIMARY KEY (content_id, user_id, mark)
        )"""
    )
    db.execute("CREATE INDEX IF NOT EXISTS content_marks_by_user ON content_marks(user_id, mark, created_at)")
    db.execute(
        """CREATE TABLE IF NOT EXISTS ratings (
            id INTEGER PRIMARY KEY AUTOINCREMENT,
            content_id INTEGER NOT NULL REFERENCES content(id) ON DELETE CASCADE,
            user_id INTEGER NOT NULL,
            star INTEGER NOT NULL,
            comment TEXT NOT NULL DEFAULT '',
            created_at INTEGER NOT NULL,
            UNIQUE (content_id, user_id)
        )"""
    )
    db.execute(
        """CREATE TABLE IF NOT EXISTS rating_reports (
            rating_id INTEGER NOT NULL REFERENCES ratings(id) ON DELETE CASCADE,
            user_id INTEGER NOT NULL,
            created_at INTEGER NOT NULL,
            PRIMARY KEY (rating_id, user_id)
        )"""
    )
    db.execute(
        """CREATE TABLE IF NOT EXISTS sessions (
            id INTEGER PRIMARY KEY AUTOINCREMENT,
            kind TEXT NOT NULL,
            content_id INTEGER NOT NULL REFERENCES content(id) ON DELETE CASCADE,
            owner TEXT NOT NULL,
            profile TEXT NOT NULL DEFAULT '{}',
            created_at INTEGER NOT NULL,
            updated_at INTEGER NOT NULL
        )"""
    )
    db.execute(
        "CREATE INDEX IF NOT EXISTS sessions_by_owner ON sessions(owner, kind, content_id, updated_at)"
    )
    db.execute("CREATE INDEX IF NOT EXISTS sessions_by_content ON sessions(content_id)")
    db.execute(
        """CREATE TABLE IF NOT EXISTS messages (
            uniq_id INTEGER PRIMARY KEY AUTOINCREMENT,
            session_id INTEGER NOT NULL REFERENCES sessions(id) ON DELETE CASCADE,
            idx INTEGER NOT NULL,
            role TEXT NOT NULL,
            speaker TEXT NOT NULL DEFAULT '',
            content TEXT NOT NULL DEFAULT '',
            state TEXT NOT NULL DEFAULT 'done',
            alternative INTEGER NOT NULL DEFAULT 0,
            active INTEGER NOT NULL DEFAULT 1,
            star INTEGER NOT NULL DEFAULT 0,
            image TEXT NOT NULL DEFAULT '',
            audio TEXT NOT NULL DEFAULT '',
            create_id TEXT NOT NULL DEFAULT '',
            target_message TEXT NOT NULL DEFAULT '',
            target_lang TEXT NOT NULL DEFAULT '',
            created_at INTEGER NOT NULL
        )"""
    )
    db.execute("CREATE INDEX IF NOT EXISTS messages_by_session ON messages(session_id, active, idx)")
    # A generation the server stopped in the middle (a restart) will never finish: say so.
    db.execute("UPDATE messages SET state = ? WHERE state = ?", [INCOMPLETE, GENERATING])
    db.execute(
        """CREATE TABLE IF NOT EXISTS media_tasks (
            id INTEGER PRIMARY KEY AUTOINCREMENT,
            create_id TEXT NOT NULL UNIQUE,
            owner TEXT NOT NULL,
            media TEXT NOT NULL,
            uniq_id INTEGER,
            file TEXT NOT NULL,
            polls INTEGER NOT NULL DEFAULT 0,
            created_at INTEGER NOT NULL,
            ready_at INTEGER NOT NULL
        )"""
    )
    db.execute(
        """CREATE TABLE IF NOT EXISTS content_counters (
            owner TEXT NOT NULL,
            type TEXT NOT NULL,
            count INTEGER NOT NULL DEFAULT 0,
            PRIMARY KEY (owner, type)
        )"""
    )
    db.execute(
        """CREATE TABLE IF NOT EXISTS paid_records (
            id INTEGER PRIMARY KEY AUTOINCREMENT,
            user_id INTEGER NOT NULL,
            content_id INTEGER NOT NULL,
            platform TEXT NOT NULL,
            product_id TEXT NOT NULL,
            is_subscription INTEGER NOT NULL,
            system TEXT NOT NULL DEFAULT '',
            created_at INTEGER NOT NULL,
            UNIQUE (user_id, content_id, platform, product_id)
        )"""
    )


# --- who --------------------------------------------------------------------------------------


def owner_of(call: Call) -> str:
    """The principal a session belongs to: users and guests have ids of their own, so a guest's
    chats are never a user's."""
    user = call.need_user()
    return f"{user.kind}:{user.user_id}"


def user_id_of(call: Call) -> int | None:
    """The user's id, None for a guest (guests own no content)."""
    user = call.need_user()
    return int(user.user_id) if user.kind == "user" and str(user.user_id).isdigit() else None


def has_table(db: Any, name: str) -> bool:
    """Whether another area's table is there: the accounts and platform areas own `users` and
    `tags`, and content answers without them (empty names, its own tag labels) until they are."""
    found = db.execute("SELECT 1 FROM sqlite_master WHERE type = 'table' AND name = ?", [name]).fetchone()
    return found is not None


def user_info(call: Call, user_id: Any) -> dict[str, Any]:
    """{name, avatar} of a user ('' when unknown)."""
    if user_id is None or not has_table(call.db.conn, "users"):
        return {"name": "", "avatar": ""}
    row = call.db.one("SELECT * FROM users WHERE id = ?", [user_id])
    if row is None:
        return {"name": "", "avatar": ""}
    return {"name": str(row.get("name") or ""), "avatar": str(row.get("avatar") or "")}


def _accounts(name: str) -> Any:
    """A function the accounts area offers content (custom profiles), None until it does."""
    return getattr(sys.modules.get("server.apis.character.accounts"), name, None)


def custom_profile(call: Call, profile_id: Any) -> dict[str, Any] | None:
    """The user's custom profile ``profile_id`` ({username, age, sex ...}), None when unknown."""
    lookup = _accounts("custom_profile")
    if not profile_id or lookup is None:
        return None
    found = lookup(call.db, user_id_of(call), profile_id)
    return dict(found) if found else None


def custom_profiles_known(call: Call) -> bool:
    """Whether custom profile ids can be checked (the accounts area keeps them)."""
    return _accounts("custom_profile") is not None


# --- what happens to a user's content when the account changes (the accounts area's hooks) ---


def forget_user(db: sqlite_utils.Database, user_id: int) -> None:
    """A deleted user's private data: their chats, media tasks, marks and private content. What
    they released stays for those who chat with it, and their ratings stay (as the deleted user's)."""
    owner = f"user:{int(user_id)}"
    for table in ("sessions", "media_tasks", "content_counters"):
        db.execute(f"DELETE FROM {table} WHERE owner = ?", [owner])
    db.execute("DELETE FROM content_marks WHERE user_id = ?", [int(user_id)])
    db.execute("DELETE FROM content WHERE owner_id = ? AND visibility = ?", [int(user_id), PRIVATE])


def clear_history(db: sqlite_utils.Database, user_id: int) -> None:
    """`/user/clearRecords`: the user's chat histories."""
    db.execute("DELETE FROM sessions WHERE owner = ?", [f"user:{int(user_id)}"])


def adopt_guest(db: sqlite_utils.Database, guest_id: int, user_id: int) -> None:
    """A guest who signs up keeps their chats: the guest's sessions and media become the user's."""
    old, new = f"guest:{int(guest_id)}", f"user:{int(user_id)}"
    for table in ("sessions", "media_tasks"):
        db.execute(f"UPDATE {table} SET owner = ? WHERE owner = ?", [new, old])


# --- content ----------------------------------------------------------------------------------


def find(call: Call, kind: Kind, content_id: Any) -> dict[str, Any]:
    """Content the caller may see (released, or theirs); else the not-found answer."""
    row = call.db.one("SELECT * FROM content WHERE id = ? AND kind = ?", [sql_id(content_id), kind.name])
    if row is None or not (row["visibility"] == PUBLIC or row["owner_id"] == user_id_of(call)):
        raise call.not_found(kind.name, content_id)
    return row


def find_own(call: Call, kind: Kind, content_id: Any, doing: str) -> dict[str, Any]:
    """Content the caller owns: others' released content is forbidden, unseen content not found."""
    row = find(call, kind, content_id)
    if row["owner_id"] != user_id_of(call):
        raise call.forbidden(f"{kind.name} {content_id} is not yours to {doing}")
    return row


def dump(fields: dict[str, Any]) -> str:
    return json.dumps(fields, ensure_ascii=False, separators=(",", ":"))


def fields_of(row: dict[str, Any], call: Call | None = None) -> dict[str, Any]:
    value = json.loads(row["fields"] or "{}")
    if not isinstance(value, dict):
        return {}
    if call is not None:
        for name, text in value.items():
            if isinstance(text, str) and text.startswith(FILE_PREFIX):
                value[name] = call.file_url(text[len(FILE_PREFIX) :])
    return value


def tags_of(call: Call, content_id: int) -> list[str]:
    rows = call.db.query("SELECT tag FROM content_tags WHERE content_id = ? ORDER BY position", [content_id])
    return [row["tag"] for row in rows]


def marks_of(call: Call, content_id: int) -> set[str]:
    viewer = user_id_of(call)
    if viewer is None:
        return set()
    rows = call.db.query(
        "SELECT mark FROM content_marks WHERE content_id = ? AND user_id = ?", [content_id, viewer]
    )
    return {row["mark"] for row in rows}


def item(call: Call, kind: Kind, row: dict[str, Any]) -> dict[str, Any]:
    """Everything the API says about one piece of content, under every name it uses for it."""
    fields = fields_of(row, call)
    content_id = row["id"]
    stars = call.db.one(
        "SELECT COUNT(*) AS n, AVG(star) AS mean FROM ratings WHERE content_id = ?", [content_id]
    ) or {"n": 0, "mean": None}
    counts = {
        r["mark"]: r["n"]
        for r in call.db.query(
            "SELECT mark, COUNT(*) AS n FROM content_marks WHERE content_id = ? GROUP BY mark", [content_id]
        )
    }
    marks = marks_of(call, content_id)
    newest = call.db.value("SELECT MAX(created_at) FROM content WHERE kind = ?", [kind.name]) or 0
    author = user_info(call, row["owner_id"])
    public = row["visibility"] == PUBLIC
    voice = fields.get("voice")
    record: dict[str, Any] = {
        **fields,
        "id": content_id,
        kind.id_field: content_id,
        "tags": tags_of(call, content_id),
        "visibility": row["visibility"],
        "definitior_visibility": row["visibility"],
        "is_released": 1 if public else 0,
        "is_public": public,
        "creater": author["name"],
        "creater_id": row["owner_id"],
        "charge": row["charge"],
        "line_count": row["uses"],
        "gen_count": row["uses"],
        "role_star": round(stars["mean"]) if stars["mean"] is not None else 0,
        "role_star_count": stars["n"],
        "is_collect": "collect" in marks,
        "is_purchase": "purchase" in marks,
        "is_like": "like" in marks,
        "like_state": "1" if "like" in marks else "-1" if "dislike" in marks else "0",
        "like_count": counts.get("like", 0),
        "dislike_count": counts.get("dislike", 0),
        "collect_count": counts.get("collect", 0),
        "is_newest": row["created_at"] >= newest - kind.new_days * DAY_MS,
        "is_popular": row["uses"] >= kind.popular_uses,
        "create_time": Moment(row["created_at"]),
        "timestamp": Moment(row["updated_at"]),
        "voices": [voice] if voice else [],
    }
    record.setdefault(
        "image_generation", {"enable": True, "hide": False, "style": str(fields.get("style") or "")}
    )
    return record


# --- sessions and messages --------------------------------------------------------------------


def find_session(call: Call, session_id: Any, kind: Kind | None = None) -> dict[str, Any]:
    """The caller's session (of ``kind`` when given); anyone else's is not there for them."""
    row = call.db.one(
        "SELECT * FROM sessions WHERE id = ? AND owner = ?", [sql_id(session_id), owner_of(call)]
    )
    if row is None or (kind is not None and row["kind"] != kind.name):
        raise call.not_found("session", session_id)
    return row


def latest_session(call: Call, kind: Kind, content_id: int) -> dict[str, Any] | None:
    return call.db.one(
        "SELECT * FROM sessions WHERE owner = ? AND kind = ? AND content_id = ? ORDER BY updated_at DESC, id DESC",
        [owner_of(call), kind.name, content_id],
    )


def context(call: Call, session_id: int) -> list[dict[str, Any]]:
    """The session's conversation as shown: the current alternative of each message, no summaries."""
    return call.db.query(
        "SELECT * FROM messages WHERE session_id = ? AND active = 1 AND role != ? ORDER BY idx, uniq_id",
        [session_id, SUMMARY],
    )


def find_message(
    call: Call, session_id: int, uniq_id: Any, roles: tuple[str, ...] | None = None
) -> dict[str, Any]:
    row = call.db.one(
        "SELECT * FROM messages WHERE uniq_id = ? AND session_id = ? AND active = 1",
        [sql_id(uniq_id), session_id],
    )
    if row is None or (roles is not None and row["role"] not in roles):
        raise call.not_found("message", uniq_id)
    return row


def message(kind: Kind, row: dict[str, Any]) -> dict[str, Any]:
    """One message under every name the API uses for it."""
    human = row["role"] == USER
    name = "You" if human else "Narrator" if row["role"] == NARRATOR else (row["speaker"] or kind.speaker)
    return {
        "uniqId": row["uniq_id"],
        "uniq_id": row["uniq_id"],
        "id": row["uniq_id"],
        "idx": row["idx"],
        "name": name,
        "content": row["content"],
        "message": row["content"],
        "star": row["star"],
        "timestamp": Moment(row["created_at"]),
        "is_human": human,
        "is_alternative": row["alternative"] > 0,
        "audio": row["audio"],
        "image": row["image"],
        "create_id": row["create_id"],
        "target_message": row["target_message"],
        "target_lang": row["target_lang"],
        "is_complete": row["state"] == DONE,
    }


def generating(call: Call, session_id: int) -> bool:
    return (
        call.db.value(
            "SELECT 1 FROM messages WHERE session_id = ? AND state = ? LIMIT 1", [session_id, GENERATING]
        )
        is not None
    )


def next_idx(db: Any, session_id: int) -> int:
    row = db.execute(
        "SELECT MAX(idx) FROM messages WHERE session_id = ? AND active = 1", [session_id]
    ).fetchone()
    return int(row[0] or 0) + 1


SQLITE_MIN, SQLITE_MAX = -(2**63), 2**63 - 1


def sql_id(value: Any) -> int:
    """An id from the request as SQLite compares it: one beyond SQLite's integers names nothing."""
    try:
        number = int(value)
    except (TypeError, ValueError):
        return -1
    return number if SQLITE_MIN <= number <= SQLITE_MAX else -1


def sql_number(value: Any) -> int:
    """A number from the request held to SQLite's integers (a position, a count, a price)."""
    try:
        return min(max(int(value), SQLITE_MIN), SQLITE_MAX)
    except (TypeError, ValueError):
        return 0


def page(call: Call, default_limit: int = 20) -> tuple[int, int]:
    """(limit, offset) from `limit`/`page_no` (pages count from 1; nonsense means the first page)."""
    limit = call.get("limit")
    page_no = call.get("page_no")
    limit = limit if isinstance(limit, int) and limit > 0 else default_limit
    page_no = page_no if isinstance(page_no, int) and page_no > 0 else 1
    limit = min(limit, 100)
    return limit, min((page_no - 1) * limit, SQLITE_MAX)
