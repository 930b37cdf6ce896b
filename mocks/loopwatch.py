"""How late the event loop runs: the one number that says whether anything blocks it.

Everything the mock and the reference server do runs on one event loop per process. Code that
holds it (a slow query, a big JSON document, a blocking wait) delays every other request and every
stream's next chunk. A timer that should fire every ``interval`` seconds fires late by exactly as
long as the loop was held, so :class:`LoopWatch` measures that lateness, all the time: it costs one
wake-up per interval.

- A stall of ``warn_ms`` or more is logged as a warning as it happens (what a team running the
  server wants to hear about).
- With ``MDCONTRACT_LOOP_STATS=<folder>`` in the environment, each process writes its figures to
  ``<folder>/loop-<pid>.json`` when it stops: `mdcontract bench load` reads them.
"""

from __future__ import annotations

import asyncio
import contextlib
import json
import logging
import os
import time
from pathlib import Path
from typing import Any

STATS_ENV = "MDCONTRACT_LOOP_STATS"
INTERVAL_SECONDS = 0.02
WARN_MS = 100.0

log = logging.getLogger("mdcontract")


class LoopWatch:
    def __init__(self, interval: float = INTERVAL_SECONDS, warn_ms: float = WARN_MS) -> None:
        self.interval = interval
        self.warn_ms = warn_ms
        self.longest_ms = 0.0
        self.stalls = 0  # wake-ups later than warn_ms
        self.ticks = 0
        # Lateness in whole milliseconds -> count: percentiles without keeping every sample.
        self.histogram: dict[int, int] = {}
        self._task: asyncio.Task[None] | None = None
        self._started = 0.0

    def start(self) -> None:
        self._started = time.monotonic()
        self._task = asyncio.get_running_loop().create_task(self._run())

    async def stop(self) -> None:
        if self._task is not None:
            self._task.cancel()
            with contextlib.suppress(asyncio.CancelledError):
                await self._task
            self._task = None
        folder = os.environ.get(STATS_ENV)
        if folder:
            with contextlib.suppress(OSError):
                path = Path(folder) / f"loop-{os.getpid()}.json"
                path.write_text(json.dumps(self.figures()), encoding="utf-8")

    async def _run(self) -> None:
        loop = asyncio.get_running_loop()
        while True:
            before = loop.time()
            await asyncio.sleep(self.interval)
            late_ms = max(0.0, (loop.time() - before - self.interval) * 1000)
            self.ticks += 1
            bucket = int(late_ms)
            self.histogram[bucket] = self.histogram.get(bucket, 0) + 1
            if late_ms > self.longest_ms:
                self.longest_ms = late_ms
            if late_ms >= self.warn_ms:
                self.stalls += 1
                log.warning("the event loop was blocked for %.0f ms", late_ms)

    def percentile(self, share: float) -> float:
        """The lateness (ms, rounded down) that ``share`` of the wake-ups stayed within."""
        if not self.ticks:
            return 0.0
        wanted = share * self.ticks
        seen = 0
        for bucket in sorted(self.histogram):
            seen += self.histogram[bucket]
            if seen >= wanted:
                return float(bucket)
        return float(max(self.histogram))

    def figures(self) -> dict[str, Any]:
        return {
            "pid": os.getpid(),
            "seconds": round(time.monotonic() - self._started, 3),
            "ticks": self.ticks,
            "interval_ms": self.interval * 1000,
            "longest_ms": round(self.longest_ms, 1),
            "p99_ms": self.percentile(0.99),
            "stalls_over_warn": self.stalls,
            "warn_ms": self.warn_ms,
        }
