"""`--seed demo`: a deterministic demo dataset, written on first start and kept after.

Each API's seeders (``Handlers.seeder``) write through a :class:`Seed`: fixed timestamps, fixed
ids, and tokens derived from the API and the user's label, so the README's examples work as
printed. The tokens are well known: serve a seeded database on 127.0.0.1 only.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

import sqlite_utils

from server.api import ServedAPI
from server.auth import DAY_MS

# 2025-01-15 00:00:00 UTC: the demo data's "now", so the same seed gives the same rows.
EPOCH_MS = 1736899200000
DEMO_TTL_MS = 3650 * DAY_MS


@dataclass
class Seed:
    api: ServedAPI
    say: Callable[[str], None]
    epoch_ms: int = EPOCH_MS
    tokens: dict[str, str] = field(default_factory=dict)

    @property
    def db(self) -> Any:
        return self.api.db

    def token(self, db: sqlite_utils.Database, user_id: Any, label: str, kind: str = "user") -> str:
        """The demo token of a user (inside a write); the same at every start."""
        token = f"demo-{self.api.name}-{label}"
        self.api.tokens.issue(db, user_id, kind=kind, ttl_ms=DEMO_TTL_MS, name=label, token=token)
        self.tokens[label] = token
        return token


def seed_demo(api: ServedAPI, say: Callable[[str], None]) -> Seed:
    seed = Seed(api, say)
    for seeder in api.handlers.seeders:
        seeder(seed)
    return seed
