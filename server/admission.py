"""How many requests start their work in one turn of the event loop.

A request is handled in one go: uvicorn parses it, and our stack checks it, runs its handler and sends
the answer without waiting for anything (SQLite is local and quick). When 200 clients send at once, the
loop's next turn holds 200 such requests, back to back, about a millisecond each, and every timer due
meanwhile waits for the turn to end: the next chunk of every stream, paced by a timer, comes 200 ms late.
The server is no faster either way, but what is late should be the new requests, which wait in a queue
anyway, not the streams already under way.

So at most ``per_turn`` requests start in a turn; the others queue, in the order they came, and the next
turns let them in ``per_turn`` at a time. Timers and stream chunks get their turn every ``per_turn``
requests instead of once per crowd. Without a crowd nothing waits.
"""

from __future__ import annotations

import asyncio
from collections import deque

PER_TURN = 8


class Admission:
    def __init__(self, per_turn: int = PER_TURN) -> None:
        self.per_turn = per_turn
        self._started = 0  # requests let in during the current turn
        self._waiting: deque[asyncio.Future[None]] = deque()
        self._turn_scheduled = False

    async def wait_turn(self) -> None:
        """Return when this request may start: at once, unless ``per_turn`` started in this turn or
        others are waiting already."""
        if not self._waiting and self._started < self.per_turn:
            self._started += 1
            self._schedule_turn()
            return
        future = asyncio.get_running_loop().create_future()
        self._waiting.append(future)
        self._schedule_turn()
        await future  # cancelled with its request when the client leaves: _next_turn skips it

    def _schedule_turn(self) -> None:
        if not self._turn_scheduled:
            self._turn_scheduled = True
            asyncio.get_running_loop().call_soon(self._next_turn)

    def _next_turn(self) -> None:
        """At the start of a turn: let the next ``per_turn`` waiting requests in (they run in the
        turn after this one, together, then timers and streams get their turn)."""
        self._turn_scheduled = False
        self._started = 0
        while self._waiting and self._started < self.per_turn:
            future = self._waiting.popleft()
            if not future.done():
                future.set_result(None)
                self._started += 1
        if self._waiting or self._started:
            self._schedule_turn()
