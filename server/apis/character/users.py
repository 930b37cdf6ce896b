"""The platform's users: the ``users`` table every area joins, passwords, and what a user looks like.

``users(id, name, email, avatar, ...)`` is the one table other areas read (authors' names and
avatars); a guest from ``/guest/login`` is a row too (``type = 'guest'``), so guest chats and user
chats share one id space. Deleting a user keeps the row, emptied (its email is free again, its
name reads "Deleted user"), so what it wrote still joins to something; its tokens are revoked and
each area forgets the user's private data through :data:`ON_DELETE`.
"""

from __future__ import annotations

import base64
import hashlib
import hmac
import secrets
from collections.abc import Callable
from datetime import UTC, datetime
from typing import Any

import sqlite_utils

from server.apis.character import ledger
from server.apis.character.media import default_avatar
from server.auth import TokenStore
from server.call import Call, Reply
from server.registry import Handlers
from server.storage import now_ms

handlers = Handlers()  # the tables; the operations are in accounts.py and profile.py

DELETED_NAME = "Deleted user"
# Each area's cleanup when a user is deleted (private data only): ``fn(db, user_id)``, in the same
# write as the deletion. The content model adds its own (chat sessions) the same way.
ON_DELETE: list[Callable[[sqlite_utils.Database, int], None]] = []
# "Clear usage records" (/user/clearRecords): what each area counts as the user's usage history.
ON_CLEAR_RECORDS: list[Callable[[sqlite_utils.Database, int], None]] = []
# A guest who signs up (``fn(db, guest_id, user_id)``): each area hands what the guest had to the user.
ON_GUEST_MERGED: list[Callable[[sqlite_utils.Database, int, int], None]] = []

# scrypt with the parameters RFC 7914 suggests for interactive logins: about 50 ms and 16 MB, run
# in a thread (``asyncio.to_thread``) so the event loop never waits for it.
_SCRYPT = {"n": 2**14, "r": 8, "p": 1}


@handlers.schema
def create_tables(db: sqlite_utils.Database) -> None:
    db.execute(
        """CREATE TABLE IF NOT EXISTS users (
            id INTEGER PRIMARY KEY,
            name TEXT NOT NULL DEFAULT '',
            email TEXT UNIQUE,
            avatar TEXT NOT NULL DEFAULT '',
            type TEXT NOT NULL DEFAULT 'email',
            password TEXT,
            level INTEGER NOT NULL DEFAULT 0,
            vip_expire_at INTEGER,
            is_subscribe INTEGER NOT NULL DEFAULT 0,
            invite_code TEXT UNIQUE,
            inviter_id INTEGER NOT NULL DEFAULT 0,
            age TEXT NOT NULL DEFAULT '',
            sex TEXT NOT NULL DEFAULT '',
            interest_tags TEXT NOT NULL DEFAULT '[]',
            create_world_permission INTEGER NOT NULL DEFAULT 1,
            client_token TEXT UNIQUE,
            merged_into INTEGER,
            created_at INTEGER NOT NULL,
            last_login_at INTEGER NOT NULL,
            deleted_at INTEGER
        )"""
    )
    # Sign-ins other than email and password: ('google', email), ('apple', user identifier),
    # ('device', uniq_token of /user/randomLogin).
    db.execute(
        """CREATE TABLE IF NOT EXISTS logins (
            provider TEXT NOT NULL,
            subject TEXT NOT NULL,
            user_id INTEGER NOT NULL,
            created_at INTEGER NOT NULL,
            PRIMARY KEY (provider, subject)
        )"""
    )
    db.execute("CREATE INDEX IF NOT EXISTS logins_by_user ON logins(user_id)")


# --- passwords ------------------------------------------------------------------------------


def hash_password(password: str) -> str:
    """``scrypt$n$r$p$salt$digest``; slow on purpose: call it with ``asyncio.to_thread``."""
    salt = secrets.token_bytes(16)
    digest = hashlib.scrypt(password.encode("utf-8", "surrogatepass"), salt=salt, dklen=32, **_SCRYPT)
    n, r, p = _SCRYPT["n"], _SCRYPT["r"], _SCRYPT["p"]
    return f"scrypt${n}${r}${p}${salt.hex()}${digest.hex()}"


def check_password(password: str, stored: str | None) -> bool:
    """Whether ``password`` is the one ``stored`` was made of. Without a stored hash the work is done
    anyway (against a throwaway one), so an unknown email takes as long to refuse as a wrong password."""
    try:
        _, n, r, p, salt, digest = (stored or _throwaway()).split("$")
        made = hashlib.scrypt(
            password.encode("utf-8", "surrogatepass"),
            salt=bytes.fromhex(salt),
            dklen=len(bytes.fromhex(digest)),
            n=int(n),
            r=int(r),
            p=int(p),
        )
    except ValueError:
        return False
    return stored is not None and hmac.compare_digest(made.hex(), digest)


_THROWAWAY: list[str] = []


def _throwaway() -> str:
    if not _THROWAWAY:
        _THROWAWAY.append(hash_password(secrets.token_hex(8)))
    return _THROWAWAY[0]


# --- users ----------------------------------------------------------------------------------


def sqlite_int(value: Any) -> int | None:
    """An integer from a request as SQLite holds it (64 bits), or None: the schema's integers are
    unbounded, and an id beyond 64 bits names nothing this server has."""
    try:
        number = int(value)
    except (TypeError, ValueError):
        return None
    return number if -(2**63) <= number < 2**63 else None


SQLITE_MAX = 2**63 - 1  # SQLite's largest integer


def page(call: Call, default_limit: int = 20) -> tuple[int, int]:
    """(limit, offset) from `limit`/`page_no` (pages count from 1; nonsense means the first page)."""
    limit = call.get("limit")
    page_no = call.get("page_no")
    limit = limit if isinstance(limit, int) and limit > 0 else default_limit
    page_no = page_no if isinstance(page_no, int) and page_no > 0 else 1
    limit = min(limit, 100)
    return limit, min((page_no - 1) * limit, SQLITE_MAX)


def normal_email(email: str) -> str:
    return email.strip().lower()


def stamp(ms: int | None) -> str:
    """A timestamp as the doc writes them: ``2023-03-21 14:40:36`` (UTC)."""
    if ms is None:
        return ""
    return datetime.fromtimestamp(ms / 1000, UTC).strftime("%Y-%m-%d %H:%M:%S")


def invite_code_for(user_id: int) -> str:
    """Eight letters and digits, the same for a user id on every server (the doc's ``ABCDEFGH``)."""
    digest = hashlib.sha256(f"character-invite:{user_id}".encode()).digest()
    return base64.b32encode(digest).decode()[:8]


def create_user(
    db: sqlite_utils.Database,
    *,
    type: str,
    name: str = "",
    email: str | None = None,
    password: str | None = None,
    client_token: str | None = None,
    user_id: int | None = None,
    now: int | None = None,
) -> int:
    """A new user (inside a write); its id. Without a name it is called ``user<id>``."""
    now = now if now is not None else now_ms()
    cursor = db.execute(
        "INSERT INTO users (id, name, email, type, password, client_token, created_at, last_login_at)"
        " VALUES (?, ?, ?, ?, ?, ?, ?, ?)",
        [user_id, name, email, type, password, client_token, now, now],
    )
    new_id = int(cursor.lastrowid)
    db.execute(
        "UPDATE users SET invite_code = ?, name = CASE WHEN name = '' THEN ? ELSE name END WHERE id = ?",
        [invite_code_for(new_id), f"user{new_id}", new_id],
    )
    return new_id


def find(db: Any, user_id: Any) -> dict[str, Any] | None:
    """A user who has not been deleted, from the API's Database or a write's db."""
    user_id = sqlite_int(user_id)
    if user_id is None:
        return None
    row = db.execute("SELECT * FROM users WHERE id = ? AND deleted_at IS NULL", [user_id]).fetchone()
    return _dict(db, row)


def find_by_email(db: Any, email: str) -> dict[str, Any] | None:
    row = db.execute(
        "SELECT * FROM users WHERE email = ? AND deleted_at IS NULL", [normal_email(email)]
    ).fetchone()
    return _dict(db, row)


def find_by_login(db: Any, provider: str, subject: str) -> dict[str, Any] | None:
    row = db.execute(
        "SELECT users.* FROM logins JOIN users ON users.id = logins.user_id"
        " WHERE logins.provider = ? AND logins.subject = ? AND users.deleted_at IS NULL",
        [provider, subject],
    ).fetchone()
    return _dict(db, row)


def _dict(db: Any, row: Any) -> dict[str, Any] | None:
    # Every connection reads sqlite3.Row (server.storage.Database).
    return vip_now(dict(row)) if row is not None else None


def vip_now(user: dict[str, Any], now: int | None = None) -> dict[str, Any]:
    """The user with the VIP state of this moment. ``level``, ``vip_expire_at`` and ``is_subscribe`` are
    what the last payment set (payments keeps them); once the paid time has run out the level is 0 and
    nothing renews, whatever the row still says. ``vip_expire_at`` stays: when it ran out."""
    expire = user.get("vip_expire_at")
    if user.get("level") and (expire is None or expire <= (now if now is not None else now_ms())):
        user = {**user, "level": 0, "is_subscribe": 0}
    return user


def me(call: Call) -> dict[str, Any]:
    """The token's user. A token outlives nothing: deleting a user revokes its tokens, so a missing
    row here is a token issued out of band for a user id that never existed."""
    row = find(call.db.conn, call.need_user().user_id)
    if row is None:
        raise call.not_found("user", call.user_id)
    return row


def delete_user(db: sqlite_utils.Database, user_id: int) -> None:
    """Forget a user (inside a write): private data through ON_DELETE, sign-ins, tokens; the row
    stays, emptied, for what others still show of it (a deleted author's name)."""
    for forget in ON_DELETE:
        forget(db, user_id)
    db.execute("DELETE FROM logins WHERE user_id = ?", [user_id])
    db.execute(
        "UPDATE users SET name = ?, email = NULL, avatar = '', password = NULL, client_token = NULL,"
        " invite_code = NULL, age = '', sex = '', interest_tags = '[]', deleted_at = ? WHERE id = ?",
        [DELETED_NAME, now_ms(), user_id],
    )
    TokenStore.revoke_user(db, user_id)


# --- answers --------------------------------------------------------------------------------


def avatar_url(call: Call, avatar: str | None) -> str:
    """A user's avatar as a URL the client can fetch: the one they set, or the default image."""
    return avatar or call.file_url(default_avatar(call.api))


def summary(call: Call, row: dict[str, Any]) -> dict[str, Any]:
    """What every sign-in answers: ``{user_id, level, email, username, avatar}``."""
    return {
        "user_id": row["id"],
        "level": row["level"],
        "email": row["email"] or "",
        "username": row["name"],
        "avatar": avatar_url(call, row["avatar"]),
    }


def session(call: Call, token: str, expires: int, data: dict[str, Any]) -> Reply:
    """A sign-in's answer: the token in the `session-token` and `expireTs` headers, as the doc shows."""
    return call.ok(data, headers={"session-token": token, "expireTs": str(expires)})


def token_balance(db: Any, user_id: int) -> int:
    return ledger.balance(db, user_id, "tokens")
