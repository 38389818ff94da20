"""Blocking work (SQLite reads, exports, scrypt) off the event-loop thread, awaited on the loop.

Not asyncio.to_thread: under qasync its executor threads outlive the job (and the tests' leak
checks). One short thread per call ends with its job; the caller awaits the result on its loop.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
import os
import sys
import threading
from collections.abc import Callable
from typing import Any, TypeVar

log = logging.getLogger("bandsaw.engine.offload")
T = TypeVar("T")


async def run_blocking(fn: Callable[..., T], *args: Any, name: str = "bandsaw-worker") -> T:
    """``fn(*args)`` in a plain thread; its result or exception is delivered to the awaiting task."""
    loop = asyncio.get_running_loop()
    future: asyncio.Future[T] = loop.create_future()

    def deliver(result: Any, error: BaseException | None) -> None:
        if future.done():  # the awaiting task was cancelled: nobody wants the answer
            return
        if error is not None:
            future.set_exception(error)
        else:
            future.set_result(result)

    def work() -> None:
        _at_process_priority()
        try:
            result = fn(*args)
        except BaseException as exc:  # handed to the awaiting task
            error: BaseException | None = exc
            result = None
        else:
            error = None
        with contextlib.suppress(RuntimeError):  # the loop closed meanwhile
            loop.call_soon_threadsafe(deliver, result, error)

    thread = threading.Thread(target=work, name=name, daemon=True)
    thread.start()
    try:
        return await future
    finally:
        if future.done():
            thread.join(timeout=1.0)  # it has delivered: only its return is left


def _at_process_priority() -> None:
    """A worker runs at the program's priority, not its creator's: on Linux a thread inherits the
    niceness of the thread that made it, and the HMI runs the engine's thread first
    (hmi.engine_thread.ENGINE_NICE); its reads must not share that."""
    if not sys.platform.startswith("linux"):
        return
    try:
        tid = threading.get_native_id()
        wanted = os.getpriority(os.PRIO_PROCESS, os.getpid())  # the main thread's
        if os.getpriority(os.PRIO_PROCESS, tid) < wanted:
            os.setpriority(os.PRIO_PROCESS, tid, wanted)  # a step down: always permitted
    except OSError as exc:  # not fatal: the job runs, at the creating thread's priority
        log.debug("worker thread keeps its inherited priority: %s", exc)


def call_on_loop(loop: asyncio.AbstractEventLoop | None, fn: Callable[..., object], *args: Any) -> None:
    """``fn(*args)`` now when on ``loop``'s thread (or without a loop), else queued onto it."""
    if loop is None or loop.is_closed():
        fn(*args)
        return
    try:
        running = asyncio.get_running_loop()
    except RuntimeError:
        running = None
    if running is loop:
        fn(*args)
    else:
        loop.call_soon_threadsafe(fn, *args)
