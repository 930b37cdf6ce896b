"""One SQLite database per API, through sqlite-utils.

Every read and write runs on the event loop's thread, and each is short: an indexed lookup or a
small transaction takes microseconds, far less than handing it to a thread and back. What could
take long is kept off the loop: WAL checkpoints run in a thread of their own, and a writer that
finds the database locked by another process (``--workers``) waits with ``asyncio.sleep``
instead of SQLite's blocking busy handler.

Writes go through :meth:`Database.write`, a synchronous function run inside ``BEGIN IMMEDIATE``
... ``COMMIT``: it cannot await, so no other request's statements can join the transaction, and
a request either commits all it did or nothing.

Several processes (``mdcontract serve --workers N``) share each file. A write never fails because
another process holds the lock: ``write`` waits for it without blocking the loop, ``write_now``
(code that cannot await: a stream's cleanup, start-up) waits blocking, which costs no more than
another process's transaction, microseconds (the checkpointer never makes writers wait: it only
truncates the WAL when that takes no waiting).
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
import sqlite3
import threading
import time
from collections.abc import Callable, Iterable
from pathlib import Path
from typing import Any, TypeVar

import sqlite_utils

log = logging.getLogger("mdcontract.server")

T = TypeVar("T")

# How long a write waits for another process's transaction before the request fails with 503.
LOCK_WAIT_SECONDS = 10.0
# How long `write_now` waits for it, blocking: longer than any transaction of ours, short enough that a
# wedged database (another program holding it) is reported rather than freezing the server.
NOW_WAIT_SECONDS = 2.0
# Checkpoint the WAL from a background thread once it holds this many pages (4 MB at 4 KB pages).
CHECKPOINT_PAGES = 1000


class Busy(Exception):
    """The database stayed locked by another process for longer than LOCK_WAIT_SECONDS."""


class Database:
    """One API's SQLite file (or an in-memory database), its schema created on open."""

    def __init__(self, path: Path | None) -> None:
        self.path = path
        if path is None:
            connection = sqlite3.connect(":memory:", check_same_thread=False)
        else:
            path.parent.mkdir(parents=True, exist_ok=True)
            connection = sqlite3.connect(str(path), check_same_thread=False)
        connection.row_factory = sqlite3.Row
        self.db = sqlite_utils.Database(connection)
        self.conn = connection
        if path is not None:
            # WAL: readers never wait for the writer; NORMAL: a commit survives a crash of the
            # process (the WAL is in the OS's hands), only a power loss can take the last ones.
            connection.execute("PRAGMA journal_mode=WAL")
            connection.execute("PRAGMA synchronous=NORMAL")
            # The loop thread never checkpoints (that can take milliseconds); _checkpointer does.
            connection.execute("PRAGMA wal_autocheckpoint=0")
        # Fail at once on a lock; `write` waits without blocking the loop.
        connection.execute("PRAGMA busy_timeout=0")
        connection.execute("PRAGMA foreign_keys=ON")
        self._writes = 0
        self._checkpointing = threading.Lock()
        self._closed = False

    # --- reading -------------------------------------------------------------------------------

    def query(self, sql: str, params: Iterable[Any] | dict[str, Any] = ()) -> list[dict[str, Any]]:
        """Every row of a parameterized SELECT, as dicts."""
        return [dict(row) for row in self.conn.execute(sql, params)]

    def one(self, sql: str, params: Iterable[Any] | dict[str, Any] = ()) -> dict[str, Any] | None:
        row = self.conn.execute(sql, params).fetchone()
        return dict(row) if row is not None else None

    def value(self, sql: str, params: Iterable[Any] | dict[str, Any] = ()) -> Any:
        row = self.conn.execute(sql, params).fetchone()
        return row[0] if row is not None else None

    # --- writing -------------------------------------------------------------------------------

    async def write(self, work: Callable[[sqlite_utils.Database], T]) -> T:
        """Run ``work`` in one transaction and commit it; everything or nothing."""
        deadline = time.monotonic() + LOCK_WAIT_SECONDS
        delay = 0.001
        while True:
            try:
                return self._transaction(work)
            except sqlite3.OperationalError as exc:
                if not _locked(exc) or time.monotonic() > deadline:
                    if _locked(exc):
                        raise Busy(str(exc)) from exc
                    raise
            await asyncio.sleep(delay)
            delay = min(delay * 2, 0.05)

    def write_now(self, work: Callable[[sqlite_utils.Database], T]) -> T:
        """`write` for code that cannot await (a stream's cleanup after the client left, start-up).
        When another process holds the lock it waits, blocking, up to NOW_WAIT_SECONDS (then Busy):
        losing the end of a stream because another worker was committing is not an option."""
        deadline = time.monotonic() + NOW_WAIT_SECONDS
        delay = 0.0002
        while True:
            try:
                return self._transaction(work)
            except sqlite3.OperationalError as exc:
                if not _locked(exc):
                    raise
                if time.monotonic() > deadline:
                    raise Busy(str(exc)) from exc
            time.sleep(delay)
            delay = min(delay * 2, 0.005)

    def _transaction(self, work: Callable[[sqlite_utils.Database], T]) -> T:
        """One attempt; sqlite3.OperationalError ("database is locked") at once when another process
        holds the write lock."""
        self.conn.execute("BEGIN IMMEDIATE")
        try:
            result = work(self.db)
        except BaseException:
            self.conn.execute("ROLLBACK")
            raise
        self.conn.execute("COMMIT")
        self._after_write()
        return result

    def _after_write(self) -> None:
        if self.path is None:
            return
        self._writes += 1
        if self._writes % 64 == 0 and not self._checkpointing.locked():
            threading.Thread(target=self._checkpoint, daemon=True).start()

    def _checkpoint(self) -> None:
        # A connection of its own: sqlite3 connections are not to be shared across threads.
        with self._checkpointing:
            if self._closed or self.path is None:
                return
            try:
                # No busy wait: a TRUNCATE that has to wait for a writer or a reader holds every
                # writer off meanwhile (in all processes); without a wait it does what it can at
                # once, as PASSIVE would, and the next round finishes the job.
                with contextlib.closing(sqlite3.connect(str(self.path), timeout=0)) as conn:
                    frames = conn.execute("PRAGMA wal_checkpoint(PASSIVE)").fetchone()
                    if frames and frames[1] >= CHECKPOINT_PAGES:
                        conn.execute("PRAGMA wal_checkpoint(TRUNCATE)")
            except sqlite3.Error as exc:
                log.debug("checkpoint of %s skipped: %s", self.path, exc)

    def close(self) -> None:
        if self._closed:
            return
        self._closed = True
        with self._checkpointing:
            if self.path is not None:
                with contextlib.suppress(sqlite3.Error):
                    self.conn.execute("PRAGMA wal_checkpoint(TRUNCATE)")
            self.conn.close()


def _locked(exc: sqlite3.OperationalError) -> bool:
    text = str(exc).lower()
    return "locked" in text or "busy" in text


def now_ms() -> int:
    return int(time.time() * 1000)
