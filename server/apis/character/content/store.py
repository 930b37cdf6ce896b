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
import re
import sys
import uuid
from typing import Any

import sqlite_utils

from server.apis.character.content.model import KINDS, Kind
from server.apis.character.content.shape import Cast, Moment
from server.apis.character.users import page as page  # (limit, offset) of a listing: store.page
from server.auth import DAY_MS
from server.call import Call

PUBLIC, PRIVATE = "public", "private"
# A field value naming a file of the server's own store (demo data): answered as the file's URL
# as this request reaches the server, whatever host, port or mount it came through.
FILE_PREFIX = "file:"
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


def signed_in(call: Call) -> int:
    """The user's id; a guest is forbidden what only users may do."""
    user_id = user_id_of(call)
    if user_id is None:
        raise call.forbidden("guests cannot do this: log in first")
    return user_id


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
    row = visible(call, kind.name, content_id)
    if row is None:
        raise call.not_found(kind.name, content_id)
    return row


def visible(call: Call, kind_name: str, content_id: Any) -> dict[str, Any] | None:
    """Content of a kind the caller may see (released, or theirs), None when there is none."""
    row = call.db.one("SELECT * FROM content WHERE id = ? AND kind = ?", [sql_id(content_id), kind_name])
    if row is None or not (row["visibility"] == PUBLIC or row["owner_id"] == user_id_of(call)):
        return None
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


def newest(call: Call, kind: Kind) -> int:
    """When the latest content of the kind was created (what `is_newest` counts back from)."""
    return call.db.value("SELECT MAX(created_at) FROM content WHERE kind = ?", [kind.name]) or 0


def item(call: Call, kind: Kind, row: dict[str, Any], latest: int | None = None) -> dict[str, Any]:
    """Everything the API says about one piece of content, under every name it uses for it.
    ``latest``: :func:`newest` of the kind, when a listing has read it once for all its rows."""
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
    latest = newest(call, kind) if latest is None else latest
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
        "is_newest": row["created_at"] >= latest - kind.new_days * DAY_MS,
        "is_popular": row["uses"] >= kind.popular_uses,
        "is_star": viewer_rated(call, content_id),
        "create_time": Moment(row["created_at"]),
        "timestamp": Moment(row["updated_at"]),
        "voices": [voice] if voice else [],
    }
    extra = RECORDS.get(kind.name)
    if extra is not None:
        record.update(extra(call, row, fields))
    record.setdefault(
        "image_generation", {"enable": True, "hide": False, "style": str(fields.get("style") or "")}
    )
    if kind.roster:
        record.update(cast_names(call, kind, content_id, fields))
    return record


# --- novels, stories, memories, authors -------------------------------------------------------

# More of one kind's record than :func:`item` knows (a memory's lines and who saved it), by kind name:
# ``fn(call, row, fields) -> dict``, registered by the module that models that kind.
RECORDS: dict[str, Any] = {}
# Where a session keeps the content's fields it changes for itself (a novel's scene for one telling);
# the key group sessions use for theirs ("extion", /character/group/session/update).
SESSION_FIELDS = "extion"


def viewer_rated(call: Call, content_id: int) -> bool:
    """Whether the caller rated the content (`is_star`)."""
    viewer = user_id_of(call)
    found = call.db.value("SELECT 1 FROM ratings WHERE content_id = ? AND user_id = ?", [content_id, viewer])
    return viewer is not None and found is not None


def overrides(session: dict[str, Any]) -> dict[str, Any]:
    """The content's fields one session changed for itself; the content's own stay as they are."""
    found = json.loads(session["profile"] or "{}").get(SESSION_FIELDS)
    return found if isinstance(found, dict) else {}


def seen_in(content: dict[str, Any], session: dict[str, Any]) -> dict[str, Any]:
    """The content row as the session sees it: with the fields the session changed for itself."""
    changed = overrides(session)
    return {**content, "fields": dump({**fields_of(content), **changed})} if changed else content


def insert_content(
    db: Any,
    kind: Kind,
    owner_id: int | None,
    fields: dict[str, Any],
    *,
    tags: tuple[str, ...] | list[str] = (),
    visibility: str = PRIVATE,
    charge: int = 0,
    uses: int = 0,
    created_at: int,
    content_id: int | None = None,
) -> int:
    """A new piece of content with its tags (inside a write); a fixed ``content_id`` already there is
    left as it is (the demo data, written at every start)."""
    cursor = db.execute(
        "INSERT OR IGNORE INTO content (id, kind, owner_id, visibility, title, fields, charge, uses, created_at,"
        " updated_at) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?)",
        [
            content_id,
            kind.name,
            owner_id,
            visibility,
            str(fields.get(kind.title) or ""),
            dump(fields),
            charge,
            uses,
            created_at,
            created_at,
        ],
    )
    new_id = content_id if content_id is not None else int(cursor.lastrowid)
    insert_tags(db, new_id, tags)
    return new_id


def insert_tags(db: Any, content_id: int, tags: tuple[str, ...] | list[str]) -> None:
    """The content's tags in their order (inside a write); a tag it carries already stays as it is."""
    for position, tag in enumerate(tags):
        db.execute(
            "INSERT OR IGNORE INTO content_tags (content_id, tag, position) VALUES (?, ?, ?)",
            [content_id, tag, position],
        )


def is_author(call: Call, user_id: Any) -> bool:
    """An author is a user (not deleted) with released content."""
    user_id = sql_id(user_id)
    released = call.db.value(
        "SELECT 1 FROM content WHERE owner_id = ? AND visibility = ? LIMIT 1", [user_id, PUBLIC]
    )
    if released is None:
        return False
    if not has_table(call.db.conn, "users"):
        return True
    return call.db.value("SELECT 1 FROM users WHERE id = ? AND deleted_at IS NULL", [user_id]) is not None


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
        **message_names(kind, row),
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


# --- worlds and group chats: their casts, what a message keeps beside its text, session settings ----

# How the doc names a group member's message in a session's context ("AI_29_Claudia").
MEMBER_SPEAKER = "AI_{character_id}_{name}"
SCENARIO_OPTIONS = ("optionA", "optionB", "optionC")


def add_message_extras(db: sqlite_utils.Database) -> None:
    """What some messages keep beside their text, as JSON: which group member spoke and which message
    it answers, a world scenario's options. Added to databases made before the column existed."""
    columns = {row[1] for row in db.execute("PRAGMA table_info(messages)").fetchall()}
    if "extra" not in columns:
        db.execute("ALTER TABLE messages ADD COLUMN extra TEXT NOT NULL DEFAULT '{}'")


def extra_of(row: dict[str, Any]) -> dict[str, Any]:
    value = json.loads(row.get("extra") or "{}")
    return value if isinstance(value, dict) else {}


def message_names(kind: Kind, row: dict[str, Any]) -> dict[str, Any]:
    """A message's names beyond its text: the member who spoke (`character_id`) and the message it
    answers (`reply_id`, 0 for an opening line); a world's replies are scenarios with options."""
    extra = extra_of(row)
    names: dict[str, Any] = {name: extra[name] for name in ("character_id", "reply_id") if name in extra}
    if kind.style == "scenario" and row["role"] == AI:
        options = {name: str((extra.get("options") or {}).get(name) or "") for name in SCENARIO_OPTIONS}
        targets = {
            name: str((extra.get("target_options") or {}).get(name) or "") for name in SCENARIO_OPTIONS
        }
        info = {"title": str(extra.get("title") or ""), "generate_content": row["content"], **options}
        names.update(scenario=info, scenario_info=info, options=options, target_options=targets)
    return names


def _picture(call: Call, value: Any) -> str:
    text = str(value or "")
    return call.file_url(text[len(FILE_PREFIX) :]) if text.startswith(FILE_PREFIX) else text


def members(call: Call, kind: Kind, fields: dict[str, Any]) -> list[dict[str, Any]]:
    """The characters of a world or group (`kind.roster`) as the API shows them. An id names a character
    (a group member: shown while the caller may see it); an object or a name is a character defined
    in place (a world's)."""
    entries = fields.get(kind.roster) if kind.roster else None
    found: list[dict[str, Any]] = []
    viewer = user_id_of(call)
    for entry in entries if isinstance(entries, list) else []:
        if isinstance(entry, dict):
            member = {key: str(entry.get(key) or "") for key in ("name", "details", "avatar")}
            member["avatar"] = _picture(call, member["avatar"])
            member.update(
                {key: str(entry[key]) for key in ("gender", "appearance", "greeting") if key in entry}
            )
            found.append(member)
            continue
        if isinstance(entry, str) and not entry.strip().isdigit():
            found.append({"name": entry, "details": "", "avatar": ""})
            continue
        row = visible(call, "character", entry)
        if row is None:
            continue  # deleted, or made private again by its creator: no longer in the cast
        if any(member.get("character_id") == row["id"] for member in found):
            continue  # named twice, a member once
        character = fields_of(row, call)
        bought = row["charge"] == 0 or row["owner_id"] == viewer or "purchase" in marks_of(call, row["id"])
        found.append(
            {
                "character_id": row["id"],
                "name": str(character.get("name") or ""),
                "avatar": str(character.get("avatar") or ""),
                "details": str(character.get("short_description") or ""),
                "greeting": str(character.get("greeting") or ""),
                "background": "",
                "charge": row["charge"],
                "is_purchase": bought,
                "need_to_purchase": not bought,
            }
        )
    return found


def cast_names(call: Call, kind: Kind, content_id: int, fields: dict[str, Any]) -> dict[str, Any]:
    """A world's or group's characters under the names its answers use, with a group's greetings (one
    per member) and relationships (each with a stable id)."""
    cast = Cast(members(call, kind, fields))
    names: dict[str, Any] = {"characters": cast, "characterss": cast}
    ids = [member["character_id"] for member in cast if "character_id" in member]
    if ids:
        names["character_ids"] = ids
    greetings = fields.get(kind.greeting) if kind.greeting else None
    if isinstance(greetings, list):
        declared = fields.get(kind.roster) if isinstance(fields.get(kind.roster), list) else []
        names[kind.greeting] = [
            entry
            if isinstance(entry, dict)
            else {"character_id": declared[n] if n < len(declared) else 0, "greeting": str(entry)}
            for n, entry in enumerate(greetings)
        ]
    relationship = fields.get("relationship")
    if isinstance(relationship, list):
        names["relationship"] = [
            {
                **entry,
                "id": str(
                    entry.get("id") or uuid.uuid5(uuid.NAMESPACE_URL, f"relationship:{content_id}:{n}")
                ),
            }
            for n, entry in enumerate(relationship)
            if isinstance(entry, dict)
        ]
    return names


def session_fields(kind: Kind, content: dict[str, Any], session: dict[str, Any]) -> dict[str, Any]:
    """The content's fields as one session sees them: a group session may change its title, scenario,
    relationships and members for itself (`extion` of /character/group/session/update)."""
    changed = overrides(session)
    return {**fields_of(content), **{name: value for name, value in changed.items() if name in kind.fields}}


def personal(call: Call, kind: Kind, session: dict[str, Any], fields: dict[str, Any]) -> dict[str, Any]:
    """Who the user plays in a world session: the world's first character, else the user."""
    chosen = json.loads(session["profile"] or "{}").get("personal")
    if isinstance(chosen, dict):
        return chosen
    cast = [member for member in members(call, kind, fields) if member.get("name")]
    if cast:
        return {"name": cast[0]["name"], "avatar": cast[0]["avatar"]}
    return user_info(call, user_id_of(call))


def token_count(value: Any) -> int:
    """Roughly what a model counts: a token per word, and per character of Chinese."""
    text = value if isinstance(value, str) else json.dumps(value, ensure_ascii=False)
    return len(re.findall(r"[\u4e00-\u9fff]|[A-Za-z0-9]+", text))


def check_cast(call: Call, kind: Kind, fields: dict[str, Any]) -> None:
    """Members named by id must be characters the caller can see: else the not-found answer."""
    entries = fields.get(kind.roster) if kind.roster else None
    for entry in entries if isinstance(entries, list) else []:
        if isinstance(entry, (bool, dict)):
            continue
        if isinstance(entry, int) or (isinstance(entry, str) and entry.strip().isdigit()):
            find(call, KINDS["character"], entry)
