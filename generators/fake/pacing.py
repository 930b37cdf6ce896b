"""Streaming generated pieces at a human-like pace without blocking the event loop."""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator, Iterable

# A chat model as a person sees it: about a third of a second before the first token, then
# about thirty tokens a second.
DEFAULT_TTFT_MS = 350.0
DEFAULT_TOKENS_PER_S = 30.0


async def paced(pieces: Iterable[str], *, ttft_ms: float, tokens_per_s: float) -> AsyncIterator[str]:
    """Yield each piece: the first after ``ttft_ms``, the others ``1/tokens_per_s`` apart.

    The schedule is kept against the clock rather than by sleeping a fixed gap after each piece,
    so a slow consumer does not stretch the stream and the average rate stays what was asked.
    Zero (or a negative value) means no wait at all: tests and benchmarks do not sleep.
    Cancelling the consumer (the client went away) simply stops the generator.
    """
    wait_first = ttft_ms / 1000 if ttft_ms > 0 else 0.0
    gap = 1 / tokens_per_s if tokens_per_s > 0 else 0.0
    loop = asyncio.get_running_loop() if wait_first or gap else None
    due = loop.time() + wait_first if loop is not None else 0.0
    for index, piece in enumerate(pieces):
        if loop is not None:
            if index:
                due += gap
            delay = due - loop.time()
            if delay > 0:
                await asyncio.sleep(delay)
        yield piece
