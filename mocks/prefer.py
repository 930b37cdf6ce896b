"""What the client asks of the mock: Prism's ``Prefer`` header forms and ``?__`` query fallbacks."""

from __future__ import annotations

from dataclasses import dataclass

MAX_DELAY_MS = 60_000.0


class ControlError(Exception):
    """The client asked the mock for something it cannot do (unknown example, bad Prefer value)."""

    def __init__(self, status: int, message: str) -> None:
        super().__init__(message)
        self.status = status


@dataclass(frozen=True)
class Preferences:
    code: int | None = None
    example: str | None = None
    dynamic: bool = False
    seed: int | None = None
    delay_ms: float | None = None
    chunk_delay_ms: float | None = None


NONE = Preferences()
_QUERY_KEYS = {"__code": "code", "__example": "example", "__dynamic": "dynamic", "__seed": "seed"}


def parse_preferences(prefer: str | None, query: dict[str, list[str]]) -> Preferences:
    """``Prefer: code=401, example=x; dynamic=true`` plus ``?__code=&__example=``; Prefer wins."""
    asked: dict[str, str] = {}
    for key, name in _QUERY_KEYS.items():
        if query.get(key):
            asked[name] = query[key][-1]
    if prefer:
        # RFC 7240 separates preferences with "," and parameters with ";"; Prism users write
        # both, so both separate here.
        for part in prefer.replace(";", ",").split(","):
            key, sep, value = part.strip().partition("=")
            if sep:
                asked[key.strip().lower()] = value.strip().strip('"')
    if not asked:
        return NONE
    return Preferences(
        code=_integer(asked, "code", 100, 599),
        example=asked.get("example") or None,
        dynamic=asked.get("dynamic", "").lower() == "true",
        seed=_integer(asked, "seed", -(2**63), 2**63 - 1),
        delay_ms=_milliseconds(asked, "delay"),
        chunk_delay_ms=_milliseconds(asked, "chunk-delay"),
    )


def _integer(asked: dict[str, str], key: str, low: int, high: int) -> int | None:
    if key not in asked:
        return None
    text = asked[key]
    if not (text.lstrip("-").isdigit() and len(text) < 20 and low <= int(text) <= high):
        raise ControlError(400, f"Prefer {key}={text!r}: expected an integer from {low} to {high}")
    return int(text)


def _milliseconds(asked: dict[str, str], key: str) -> float | None:
    if key not in asked:
        return None
    try:
        value = float(asked[key])
    except ValueError:
        value = -1.0
    if not 0 <= value <= MAX_DELAY_MS:  # also refuses nan
        raise ControlError(
            400, f"Prefer {key}={asked[key]!r}: expected milliseconds from 0 to {MAX_DELAY_MS:.0f}"
        )
    return value
