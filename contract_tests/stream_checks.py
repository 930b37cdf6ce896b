"""Reading a documented stream ourselves, incrementally and with limits, before schemathesis sends it.

Schemathesis reads NDJSON and text bodies to the end, so an endless stream would hang the whole run. The
`before_call` hook therefore reads the stream first (`read_ahead`); a stream that does not end within
the limits stops that test case with an error that says so, and `stream_conformance` judges the reading.
"""

from __future__ import annotations

from typing import Any

from contract_tests import streams
from contract_tests.http import Reading, Request, fetch
from contract_tests.resources import memory_of, request_for
from contract_tests.state import Settings


class StreamDidNotEnd(Exception):
    """Raised from `before_call`: schemathesis would wait on this stream forever."""


def read_ahead(case: Any, kwargs: dict[str, Any], settings: Settings) -> None:
    # the case carries the credentials schemathesis placed (or generated); the run's --header's are in kwargs
    request = request_for(case, None, base_url=kwargs.get("base_url"), headers=kwargs.get("headers"))
    reading = read(request, case, settings)
    memory = memory_of(case)
    with memory.lock:
        memory.prereads[case.id] = reading
    if reading.cut_short and 200 <= reading.status < 300:
        raise StreamDidNotEnd(
            f"{case.operation.label}: the stream did not end ({reading.cut_short}, {len(reading.body)} bytes "
            "read); this test case stops here instead of waiting on it"
        )


def read(request: Request, case: Any, settings: Settings) -> Reading:
    return fetch(
        request, app=case.operation.app, limits=settings.stream_limits, count_items=streams.count_items
    )


def take_reading(case: Any) -> Reading | None:
    memory = memory_of(case)
    with memory.lock:
        return memory.prereads.pop(case.id, None)
