"""Session tokens: issued by login operations (or `mdcontract token create`), checked on every
secured operation, revoked by logout and by deleting the user.

Tokens are random and stored as a SHA-256 digest, so a copy of the database does not hand out
working tokens. Connexion's security middleware calls :meth:`TokenStore.check` through the
bearer handler ``server.stack`` registers for each API.
"""

from __future__ import annotations

import hashlib
import secrets
from typing import Any

import sqlite_utils

from server.call import Principal
from server.envelope import unauthorized
from server.storage import Database, now_ms

DAY_MS = 24 * 3600 * 1000
DEFAULT_TTL_MS = 30 * DAY_MS


def digest(token: str) -> str:
    return hashlib.sha256(token.encode("utf-8", "surrogatepass")).hexdigest()


def new_token(prefix: str = "mdc") -> str:
    return f"{prefix}_{secrets.token_urlsafe(24)}"


class TokenStore:
    def __init__(self, db: Database) -> None:
        self.db = db

    def create_schema(self, db: sqlite_utils.Database) -> None:
        db.execute(
            """CREATE TABLE IF NOT EXISTS tokens (
                digest TEXT PRIMARY KEY,
                user_id TEXT NOT NULL,
                kind TEXT NOT NULL DEFAULT 'user',
                name TEXT,
                created_at INTEGER NOT NULL,
                expires_at INTEGER NOT NULL,
                revoked INTEGER NOT NULL DEFAULT 0
            )"""
        )
        db.execute("CREATE INDEX IF NOT EXISTS tokens_by_user ON tokens(user_id)")

    def issue(
        self,
        db: sqlite_utils.Database,
        user_id: Any,
        *,
        kind: str = "user",
        ttl_ms: int = DEFAULT_TTL_MS,
        name: str | None = None,
        token: str | None = None,
    ) -> tuple[str, int]:
        """A new token for ``user_id`` (inside a write) and when it expires (epoch ms)."""
        token = token or new_token()
        now = now_ms()
        expires = now + ttl_ms
        db.execute(
            "INSERT OR REPLACE INTO tokens (digest, user_id, kind, name, created_at, expires_at, revoked)"
            " VALUES (?, ?, ?, ?, ?, ?, 0)",
            [digest(token), str(user_id), kind, name, now, expires],
        )
        return token, expires

    def check(self, token: str) -> Principal:
        """The token's user; raises the API's unauthorized error (expired or invalid)."""
        row = self.db.one(
            "SELECT user_id, kind, expires_at, revoked FROM tokens WHERE digest = ?", [digest(token)]
        )
        if row is None or row["revoked"]:
            raise unauthorized("session invalid: the token is unknown or was revoked", example="invalid")
        if row["expires_at"] <= now_ms():
            raise unauthorized("session expire: log in again for a new token", example="expire")
        return Principal(_user_id(row["user_id"]), row["kind"], token)

    @staticmethod
    def revoke(db: sqlite_utils.Database, token: str) -> None:
        db.execute("UPDATE tokens SET revoked = 1 WHERE digest = ?", [digest(token)])

    @staticmethod
    def revoke_user(db: sqlite_utils.Database, user_id: Any) -> None:
        db.execute("UPDATE tokens SET revoked = 1 WHERE user_id = ?", [str(user_id)])


def _user_id(text: str) -> Any:
    """Numeric user ids come back as numbers: the APIs compare them with numeric `user_id`s."""
    return int(text) if text.isdigit() and len(text) < 19 else text
