"""Replies being streamed right now, so that asking for the last reply while it is still being
written (`getLastDialog` from a second tab, or a page that reloads while another is open) follows
it to its end instead of showing the empty row that is stored until the stream finishes.

Only this process sees its own streams: with `--workers N`, a reply another worker is writing is
answered from its stored row, as `is_generate` with what is kept so far.
"""

from __future__ import annotations

import asyncio
import weakref
from collections.abc import AsyncIterator
from typing import Any


class LiveReply:
    """The text of one reply so far, and whether its stream has ended (finished, or left: the stored
    message says which)."""

    def __init__(self) -> None:
        self.text = ""
        self.ended = False
        self._changed = asyncio.Event()

    def grow(self, piece: str) -> None:
        self.text += piece
        self._wake()

    def end(self) -> None:
        self.ended = True
        self._wake()

    def _wake(self) -> None:
        changed, self._changed = self._changed, asyncio.Event()
        changed.set()

    async def follow(self) -> AsyncIterator[str]:
        """The text so far at once, then after every piece, until the stream ends."""
        while True:
            changed = self._changed  # taken before yielding: a piece added meanwhile is not missed
            yield self.text
            if self.ended:
                return
            await changed.wait()


# Per database (each API instance has its own; tests run many in one process), by message id.
_LIVE: weakref.WeakKeyDictionary[Any, dict[int, LiveReply]] = weakref.WeakKeyDictionary()


def start(db: Any, uniq_id: int) -> LiveReply:
    live = LiveReply()
    _LIVE.setdefault(db, {})[uniq_id] = live
    return live


def stop(db: Any, uniq_id: int, live: LiveReply) -> None:
    live.end()
    replies = _LIVE.get(db)
    if replies is not None and replies.get(uniq_id) is live:
        del replies[uniq_id]


def find(db: Any, uniq_id: int) -> LiveReply | None:
    return _LIVE.get(db, {}).get(uniq_id)
