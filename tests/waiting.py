"""Waiting on a condition instead of sleeping: the one helper every test folder uses.

    await wait_until(lambda: recorder.rows_written == 3, "3 rows written")
    await wait_until(mirror_caught_up, "the mirror to catch up", within_s=120)  # an async predicate
    wait_until_sync(lambda: proc.poll() is not None, "the engine to exit")       # threads, processes

A condition is polled until it returns something true; an async condition (one that returns an
awaitable) is awaited each time. Past the deadline an AssertionError names what was awaited (the
soak run catches AssertionError to report a row). The default deadline is generous: the tests run
on a loaded 2-core machine, and a deadline only decides how long a failing test takes to fail.
"""

from __future__ import annotations

import asyncio
import inspect
import time
from collections.abc import Callable

DEADLINE_S = 60.0


def _timed_out(condition: Callable[[], object], what: str, within_s: float) -> AssertionError:
    return AssertionError(f"timed out after {within_s:g} s waiting for {what or condition}")


async def wait_until(condition: Callable[[], object], what: str = "", *, within_s: float = DEADLINE_S,
                     every_s: float = 0.02) -> None:
    """Poll ``condition`` on the running loop (its other tasks and Qt's events go on meanwhile)."""
    deadline = time.monotonic() + within_s
    while True:
        value = condition()
        if inspect.isawaitable(value):
            value = await value
        if value:
            return
        if time.monotonic() > deadline:
            raise _timed_out(condition, what, within_s)
        await asyncio.sleep(every_s)


def wait_until_sync(condition: Callable[[], object], what: str = "", *, within_s: float = DEADLINE_S,
                    every_s: float = 0.05) -> None:
    """Poll ``condition`` from a thread without an event loop (subprocesses, threads, files)."""
    deadline = time.monotonic() + within_s
    while not condition():
        if time.monotonic() > deadline:
            raise _timed_out(condition, what, within_s)
        time.sleep(every_s)
