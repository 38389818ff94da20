"""Starting asyncio work from Qt slots: on the running (qasync) loop, strongly referenced."""

from __future__ import annotations

import asyncio
import logging
from collections.abc import Coroutine
from typing import Any, TypeVar

log = logging.getLogger("bandsaw.hmi.tasks")
T = TypeVar("T")

_running: set[asyncio.Task[Any]] = set()


def spawn(coro: Coroutine[Any, Any, T]) -> asyncio.Task[T]:
    """Run ``coro`` on the running loop; raises RuntimeError (and closes coro) if there is none."""
    try:
        loop = asyncio.get_running_loop()
    except RuntimeError:
        coro.close()
        raise
    task = loop.create_task(coro)
    _running.add(task)  # the loop keeps only weak references to tasks
    task.add_done_callback(_finished)
    return task


def _finished(task: asyncio.Task[Any]) -> None:
    _running.discard(task)
    if not task.cancelled() and task.exception() is not None:
        log.error("HMI task failed", exc_info=task.exception())


async def settle(timeout_s: float = 10.0) -> list[asyncio.Task[Any]]:
    """Wait (bounded) for the tasks started from slots; returns those still running (tests, shutdown)."""
    loop = asyncio.get_running_loop()
    pending = [task for task in _running if not task.done() and task.get_loop() is loop]
    if pending:
        await asyncio.wait(pending, timeout=timeout_s)
    return [task for task in pending if not task.done()]
