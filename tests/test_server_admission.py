"""A crowd of requests does not hold back the timers that pace streams (server/admission.py)."""

from __future__ import annotations

import asyncio
import time

import pytest
import uvloop

from server.admission import Admission


async def _crowd(admission: Admission | None, size: int = 50) -> tuple[list[int], list[int]]:
    """`size` requests of a millisecond of work each, arriving at once, and a timer due at once: the order
    they started in, and how many had started when the timer fired."""
    started: list[int] = []
    timer_fired_after: list[int] = []

    async def request(n: int) -> None:
        if admission is not None:
            await admission.wait_turn()
        started.append(n)
        time.sleep(0.001)  # a handler's synchronous work, as the server's are

    asyncio.get_running_loop().call_later(0, lambda: timer_fired_after.append(len(started)))
    await asyncio.gather(*(request(n) for n in range(size)))
    return started, timer_fired_after


@pytest.mark.parametrize("run", [asyncio.run, uvloop.run], ids=["asyncio", "uvloop"])
def test_a_timer_due_during_a_crowd_fires_after_a_few_requests_not_all(run):
    started, fired_after = run(_crowd(Admission(per_turn=4)))
    assert started == list(range(50))  # everyone, in the order they came
    assert fired_after[0] <= 8  # at most two turns' worth of requests before the stream's next chunk


def test_without_admission_the_timer_waits_for_the_whole_crowd():
    _, fired_after = asyncio.run(_crowd(None))
    assert fired_after == [50]


def test_a_request_that_leaves_while_waiting_does_not_block_the_others():
    async def scenario() -> list[int]:
        admission = Admission(per_turn=1)
        done: list[int] = []

        async def request(n: int) -> None:
            await admission.wait_turn()
            done.append(n)

        tasks = [asyncio.ensure_future(request(n)) for n in range(5)]
        await asyncio.sleep(0)
        tasks[2].cancel()  # its client disconnected while it waited
        await asyncio.gather(*tasks, return_exceptions=True)
        return done

    assert asyncio.run(scenario()) == [0, 1, 3, 4]
