"""Settings of a run and what the checks remember across requests (who owns what, what was deleted).

Schemathesis registers checks and hooks for the whole process, so ours act only on the schemas of our
runs: `mdcontract test` claims every schema loaded while it runs, the pytest suite registers the schemas it
loads (`contract_tests.suite.load`), and a bare `schemathesis run` with
`SCHEMATHESIS_HOOKS=contract_tests.hooks` claims everything, with settings from `MDCONTRACT_*` variables.
Any other schemathesis test in the same process is left alone.
"""

from __future__ import annotations

import os
import statistics
import threading
from dataclasses import dataclass, field
from typing import Any

from contract_tests.http import Limits


@dataclass(frozen=True)
class Settings:
    token: str | None = None
    # HTTP basic credentials (`user:password`), for the spec's basic security schemes.
    basic: str | None = None
    # Headers every request carries (`--header NAME:VALUE`), ours included.
    headers: tuple[tuple[str, str], ...] = ()
    # A second user's token: enables the authorization checks (user B must not reach user A's data).
    token_b: str | None = None
    # The users the tokens belong to, for APIs whose requests name their user (`user_id` in the body):
    # generated requests name user A, and user B's probes name user B.
    user_id: str | None = None
    user_id_b: str | None = None
    # The target keeps no state (a mock): checks that compare one request with an earlier one are off.
    stateless: bool = False
    stream_limits: Limits = field(default_factory=Limits)

    @classmethod
    def from_env(cls) -> Settings:
        limits = Limits(
            max_items=int(os.environ.get("MDCONTRACT_STREAM_MAX_ITEMS", Limits.max_items)),
            max_seconds=float(os.environ.get("MDCONTRACT_STREAM_MAX_SECONDS", Limits.max_seconds)),
        )
        return cls(
            token=os.environ.get("MDCONTRACT_TOKEN") or None,
            basic=os.environ.get("MDCONTRACT_AUTH") or None,
            token_b=os.environ.get("MDCONTRACT_TOKEN_B") or None,
            user_id=os.environ.get("MDCONTRACT_USER_ID") or None,
            user_id_b=os.environ.get("MDCONTRACT_USER_ID_B") or None,
            stateless=os.environ.get("MDCONTRACT_STATELESS", "") not in ("", "0", "false", "no"),
            stream_limits=limits,
        )


Principal = tuple[str, str]
"""Who sent a request: the credentials it carries and the `user_id` it names (for APIs without tokens)."""
Resource = tuple[Principal, str, str]
"""(who, kind, id): e.g. ((`Bearer a`, `1`), `session`, `5`)."""


@dataclass
class StreamTiming:
    operation: str
    first_chunk_seconds: list[float] = field(default_factory=list)
    readings: int = 0

    @property
    def median_ms(self) -> float | None:
        return statistics.median(self.first_chunk_seconds) * 1000 if self.first_chunk_seconds else None

    @property
    def max_ms(self) -> float | None:
        return max(self.first_chunk_seconds) * 1000 if self.first_chunk_seconds else None


@dataclass
class Memory:
    """What the checks of one run remember."""

    lock: threading.RLock = field(default_factory=threading.RLock)
    streams: dict[str, StreamTiming] = field(default_factory=dict)
    # Answers user B got, by the id of user A's case they mirror.
    probes: dict[str, Any] = field(default_factory=dict)
    # Streams read incrementally before schemathesis sends the same request, by case id.
    prereads: dict[str, Any] = field(default_factory=dict)
    probes_sent: int = 0
    leaks_found: int = 0
    # Resource ids each principal was seen to own (created, listed or used with success).
    owned: set[Resource] = field(default_factory=set)
    # Resources deleted with success, and the operation that deleted them.
    deleted: dict[Resource, str] = field(default_factory=dict)

    def record_stream(self, operation: str, first_chunk_seconds: float | None) -> None:
        with self.lock:
            timing = self.streams.setdefault(operation, StreamTiming(operation))
            timing.readings += 1
            if first_chunk_seconds is not None:
                timing.first_chunk_seconds.append(first_chunk_seconds)


_SCHEMAS: dict[int, tuple[dict[str, Any], Settings, Memory]] = {}
_LOCK = threading.Lock()
# While a run claims schemas: the settings and memory every schema loaded from now on gets
# (an `mdcontract test` run, a `suite.load`, or a bare schemathesis run that loaded these hooks).
_CLAIM: tuple[Settings, Memory] | None = (
    (Settings.from_env(), Memory())
    if os.environ.get("SCHEMATHESIS_HOOKS", "").strip() == "contract_tests.hooks"
    else None
)


def start_run(settings: Settings) -> Memory:
    """Every schema loaded until `end_run` is ours, with these settings and one fresh memory."""
    global _CLAIM
    memory = Memory()
    _CLAIM = (settings, memory)
    return memory


def end_run() -> None:
    global _CLAIM
    _CLAIM = None


def claiming() -> Settings | None:
    return _CLAIM[0] if _CLAIM is not None else None


def register(raw_schema: dict[str, Any]) -> None:
    """Make a schema loaded while a run claims schemas ours: its checks then run with the run's settings."""
    if _CLAIM is None:
        return
    with _LOCK:
        _SCHEMAS[id(raw_schema)] = (raw_schema, *_CLAIM)


def _entry(raw_schema: dict[str, Any]) -> tuple[dict[str, Any], Settings, Memory] | None:
    with _LOCK:
        entry = _SCHEMAS.get(id(raw_schema))
    return entry if entry is not None and entry[0] is raw_schema else None


def settings_for(raw_schema: dict[str, Any]) -> Settings | None:
    """The settings of one of our schemas, or None for a schema some other test suite loaded."""
    entry = _entry(raw_schema)
    return entry[1] if entry is not None else None


def memory_for(raw_schema: dict[str, Any]) -> Memory:
    """What the checks remember about one target (a fresh, unshared memory for schemas that are not ours)."""
    entry = _entry(raw_schema)
    return entry[2] if entry is not None else Memory()
