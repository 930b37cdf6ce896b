"""Token balances as a ledger: every change of a balance is one row, and a balance is the sum of its rows.

Two accounts per user: ``tokens`` (what the user spends on chats, characters, gifts) and ``earnings``
(what creators earn and may withdraw, or transfer one way into ``tokens``). A row may carry a
``once`` key (a payment capture, a daily sign-in): the same key is never booked twice, which is how
a second capture of an order, or a double submit, never credits twice.

All functions take the ``db`` of a write (``await call.db.write(fn)``), so a purchase and its
effect (a character unlocked, a VIP level set) commit together or not at all.
"""

from __future__ import annotations

from typing import Any

import sqlite_utils

from server.registry import Handlers
from server.storage import now_ms

ACCOUNTS = ("tokens", "earnings")

handlers = Handlers()  # no operations of its own: the ledger's table, for the areas that book


class InsufficientBalance(Exception):
    def __init__(self, user_id: Any, account: str, balance: int, amount: int) -> None:
        super().__init__(f"user {user_id} has {balance} {account}, {amount} are needed")
        self.balance = balance


class AlreadyBooked(Exception):
    """The ``once`` key of an entry was booked before (``entry`` is that earlier row)."""

    def __init__(self, entry: dict[str, Any]) -> None:
        super().__init__(f"already booked: {entry['once_key']}")
        self.entry = entry


@handlers.schema
def create_tables(db: sqlite_utils.Database) -> None:
    db.execute(
        """CREATE TABLE IF NOT EXISTS ledger (
            id INTEGER PRIMARY KEY,
            user_id INTEGER NOT NULL,
            account TEXT NOT NULL,
            delta INTEGER NOT NULL,
            kind TEXT NOT NULL,
            ref TEXT,
            once_key TEXT UNIQUE,
            created_at INTEGER NOT NULL
        )"""
    )
    db.execute("CREATE INDEX IF NOT EXISTS ledger_by_user ON ledger(user_id, account)")


def balance(db: Any, user_id: Any, account: str = "tokens") -> int:
    """The sum of the user's rows in ``account``; ``db`` may be the API's Database or a write's db."""
    row = db.execute(
        "SELECT COALESCE(SUM(delta), 0) FROM ledger WHERE user_id = ? AND account = ?",
        [int(user_id), account],
    ).fetchone()
    return int(row[0])


def book(
    db: sqlite_utils.Database,
    user_id: Any,
    delta: int,
    *,
    kind: str,
    account: str = "tokens",
    ref: Any = None,
    once: str | None = None,
) -> int:
    """Add one row; the new balance. A debit beyond the balance raises InsufficientBalance, a
    ``once`` key booked before raises AlreadyBooked; either way nothing is written."""
    if account not in ACCOUNTS:
        raise ValueError(f"unknown account {account!r}")
    if once is not None:
        earlier = db.execute("SELECT * FROM ledger WHERE once_key = ?", [once]).fetchone()
        if earlier is not None:
            columns = [c[0] for c in db.execute("SELECT * FROM ledger LIMIT 0").description]
            raise AlreadyBooked(dict(zip(columns, earlier, strict=True)))
    current = balance(db, user_id, account)
    if delta < 0 and current + delta < 0:
        raise InsufficientBalance(user_id, account, current, -delta)
    db.execute(
        "INSERT INTO ledger (user_id, account, delta, kind, ref, once_key, created_at) VALUES (?, ?, ?, ?, ?, ?, ?)",
        [int(user_id), account, int(delta), kind, None if ref is None else str(ref), once, now_ms()],
    )
    return current + delta


def move(
    db: sqlite_utils.Database,
    amount: int,
    *,
    source: tuple[Any, str],
    target: tuple[Any, str],
    kind: str,
    ref: Any = None,
) -> int:
    """Move ``amount`` from (user, account) to (user, account) as two rows; the source's new balance."""
    if amount <= 0:
        raise ValueError("an amount to move must be positive")
    left = book(db, source[0], -amount, account=source[1], kind=kind, ref=ref)
    book(db, target[0], amount, account=target[1], kind=kind, ref=ref)
    return left
