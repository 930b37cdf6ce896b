"""``--watch``: rebuild the mock in-process when a spec changes, keeping the last good one."""

from __future__ import annotations

import asyncio
import contextlib
import logging
import sys
from collections.abc import Callable, MutableMapping
from pathlib import Path
from typing import Any

import watchfiles

from mocks.api import Receive, Scope, Send
from mocks.app import MockApp
from mocks.loopwatch import LoopWatch
from mocks.memory import freeze_startup_objects
from mocks.spec import SpecError

log = logging.getLogger("mdcontract.mock")


class ReloadingApp:
    """Serves the current app; on a change under ``folders`` it builds a new one and swaps it in.

    In-process rather than uvicorn's --reload: rebuilding takes a fraction of a second, keeps
    the port open, and a spec that stops validating leaves the previous mock answering.
    """

    def __init__(self, build: Callable[[], MockApp], folders: list[Path]) -> None:
        self.build = build
        self.folders = folders
        self.app = build()
        self.reloads = 0

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] == "lifespan":
            return await self._lifespan(receive, send)
        await self.app(scope, receive, send)

    async def reload(self) -> bool:
        """Rebuild now; False (and the old app kept) when the specs cannot be served."""
        try:
            app = await asyncio.to_thread(self.build)
        except SpecError as exc:
            print("mdcontract mock: not reloaded, the previous specs stay served:", file=sys.stderr)
            for problem in exc.problems:
                print(f"  {problem}", file=sys.stderr)
            return False
        self.app = app
        self.reloads += 1
        freeze_startup_objects()
        print("mdcontract mock: specs reloaded", file=sys.stderr)
        return True

    async def watch(self, stop: asyncio.Event | None = None) -> None:
        async for changes in watchfiles.awatch(*self.folders, stop_event=stop, debounce=200):
            if any(Path(path).suffix in (".yaml", ".yml") for _, path in changes):
                await self.reload()

    async def _lifespan(self, receive: Receive, send: Send) -> None:
        stop = asyncio.Event()
        task: asyncio.Task[None] | None = None
        loop_watch = LoopWatch()
        while True:
            message: MutableMapping[str, Any] = await receive()
            if message["type"] == "lifespan.startup":
                task = asyncio.create_task(self.watch(stop))
                loop_watch.start()
                await send({"type": "lifespan.startup.complete"})
            elif message["type"] == "lifespan.shutdown":
                await loop_watch.stop()
                stop.set()
                if task is not None:
                    with contextlib.suppress(asyncio.CancelledError, Exception):
                        await asyncio.wait_for(task, timeout=2)
                await send({"type": "lifespan.shutdown.complete"})
                return
