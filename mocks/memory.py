"""Garbage-collector tuning for a long-running mock."""

from __future__ import annotations

import gc


def freeze_startup_objects() -> None:
    """Keep the compiled specs out of the garbage collector's sight.

    They are hundreds of thousands of long-lived objects (the character spec alone); every full
    collection would walk them all, a pause that shows up in the p99 latency.
    """
    gc.unfreeze()  # after a --watch reload, the previous specs must become collectable again
    gc.collect()
    gc.freeze()
