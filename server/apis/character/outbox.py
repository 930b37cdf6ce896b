"""The email the server "sends": kept in an outbox a developer and a test can read, never sent.

Every message is a row of the ``outbox`` table (what :func:`messages` reads, also in ``--memory``),
a ``.eml`` file under ``<data>/outbox/`` (open it with any mail client, or just ``cat`` it) and a
log line with the code, so a developer signing up on a local server sees the code in the terminal.
"""

from __future__ import annotations

import logging
import re
from datetime import UTC, datetime
from email.message import EmailMessage
from email.utils import format_datetime
from typing import Any

import sqlite_utils

from server.registry import Handlers
from server.storage import now_ms

log = logging.getLogger("mdcontract.server")

SENDER = "Character <no-reply@character.example>"

handlers = Handlers()  # no operations: the outbox's table


@handlers.schema
def create_tables(db: sqlite_utils.Database) -> None:
    db.execute(
        """CREATE TABLE IF NOT EXISTS outbox (
            id INTEGER PRIMARY KEY,
            recipient TEXT NOT NULL,
            subject TEXT NOT NULL,
            body TEXT NOT NULL,
            created_at INTEGER NOT NULL
        )"""
    )
    db.execute("CREATE INDEX IF NOT EXISTS outbox_by_recipient ON outbox(recipient, id)")


def post(db: sqlite_utils.Database, recipient: str, subject: str, body: str) -> dict[str, Any]:
    """Put a message in the outbox (inside a write); the row, for :func:`deliver` after the commit."""
    created = now_ms()
    cursor = db.execute(
        "INSERT INTO outbox (recipient, subject, body, created_at) VALUES (?, ?, ?, ?)",
        [recipient, subject, body, created],
    )
    return {
        "id": cursor.lastrowid,
        "recipient": recipient,
        "subject": subject,
        "body": body,
        "created_at": created,
    }


def deliver(api: Any, message: dict[str, Any]) -> None:
    """After the commit: the .eml file (unless in memory) and the log line."""
    log.info("mail to %s: %s", message["recipient"], message["subject"])
    folder = api.options.data_dir / "outbox" if api.options.data_dir is not None else None
    if folder is None:
        return
    mail = EmailMessage()
    mail["From"] = SENDER
    # A recipient is whatever string the client gave; a header must stay one line.
    mail["To"] = re.sub(r"[\r\n]+", " ", message["recipient"])
    mail["Subject"] = message["subject"]
    mail["Date"] = format_datetime(datetime.fromtimestamp(message["created_at"] / 1000, UTC))
    mail.set_content(message["body"])
    safe = re.sub(r"[^A-Za-z0-9@._-]+", "_", message["recipient"])[:80] or "_"
    folder.mkdir(parents=True, exist_ok=True)
    (folder / f"{message['id']:06d}-{safe}.eml").write_bytes(bytes(mail))


def messages(api: Any, recipient: str | None = None) -> list[dict[str, Any]]:
    """What was sent, oldest first (to ``recipient`` only, when given, in any case): for tests and tools."""
    if recipient is None:
        return api.db.query("SELECT * FROM outbox ORDER BY id")
    return api.db.query("SELECT * FROM outbox WHERE recipient = ? ORDER BY id", [recipient.strip().lower()])
