"""How late the event loop runs: the one number that says whether anything blocks it.

Everything the mock and the reference server do runs on one event loop per process. Code that
holds it (a slow query, a big JSON document, a blocking wait) delays every other request and every
stream's next chunk. A timer that should fire every ``interval`` seconds fires late by exactly as
long as the loop was held, so :class:`LoopWatch` measures that lateness, all the time: it costs one
wake-up per interval.

- A stall of ``warn_ms`` or more is logged as a warning as it happens (what a team running the
  server wants to hear about).
- On a shared machine the process may also wait for a CPU, which is not the loop's doing; so each
  lateness is also measured in the CPU time the loop's thread used meanwhile (``cpu`` figures): the
  part of a stall that was our own code running.
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
        self.longest_cpu_ms = 0.0
        self.stalls = 0  # wake-ups later than warn_ms
        self.ticks = 0
        # Lateness in whole milliseconds -> count: percentiles without keeping every sample.
        self.histogram: dict[int, int] = {}
        self.cpu_histogram: dict[int, int] = {}
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
            before, cpu_before = loop.time(), time.thread_time()
            await asyncio.sleep(self.interval)
            late_ms = max(0.0, (loop.time() - before - self.interval) * 1000)
            # At most the CPU the loop's thread used meanwhile: the rest was waiting for a CPU.
            cpu_ms = min(late_ms, (time.thread_time() - cpu_before) * 1000)
            self.ticks += 1
            for histogram, value in ((self.histogram, late_ms), (self.cpu_histogram, cpu_ms)):
                histogram[int(value)] = histogram.get(int(value), 0) + 1
            self.longest_ms = max(self.longest_ms, late_ms)
            self.longest_cpu_ms = max(self.longest_cpu_ms, cpu_ms)
            if late_ms >= self.warn_ms:
                self.stalls += 1
                log.warning("the event loop was blocked for %.0f ms (%.0f ms of it running)", late_ms, cpu_ms)

    def percentile(self, share: float, histogram: dict[int, int] | None = None) -> float:
        """The lateness (ms, rounded down) that ``share`` of the wake-ups stayed within."""
        histogram = self.histogram if histogram is None else histogram
        if not self.ticks:
            return 0.0
        wanted = share * self.ticks
        seen = 0
        for bucket in sorted(histogram):
            seen += histogram[bucket]
            if seen >= wanted:
                return float(bucket)
        return float(max(histogram))

    def figures(self) -> dict[str, Any]:
        return {
            "pid": os.getpid(),
            "seconds": round(time.monotonic() - self._started, 3),
            "ticks": self.ticks,
            "interval_ms": self.interval * 1000,
            "longest_ms": round(self.longest_ms, 1),
            "p99_ms": self.percentile(0.99),
            "longest_cpu_ms": round(self.longest_cpu_ms, 1),
            "p99_cpu_ms": self.percentile(0.99, self.cpu_histogram),
            "stalls_over_warn": self.stalls,
            "warn_ms": self.warn_ms,
        }
