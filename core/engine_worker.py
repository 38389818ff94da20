"""Reads that are Python-heavy (a day's export, long history ranges) run in a process of their own.

A worker thread is not enough for them: the row-by-row conversion holds the GIL, and the garbage
collections its millions of tuples trigger stop every thread, so the engine's poll loop (and the
screen) waited for the export thread — 8 missed poll slots, p99 start lateness 46 ms while a 24 h
CSV export ran (bench/gui_stall.py). In another process the poll loop never waits for its GIL, and
the worker runs at a lower CPU priority (``nice``) than the engine, so on a busy machine the
kernel gives the poll cycle the core first.

:func:`run_in_process` starts one spawned process per job (never ``fork``: the engine's process
has threads, event loops and perhaps Qt), hands it a picklable function and its arguments, and
awaits the answer on the caller's loop; a thread of this process waits on the pipe (releasing the
GIL) and passes progress on. Cancelling the caller's task, or ``cancel()`` answering True, asks the
job to stop (it sees ``cancel()`` True); a job that does not stop within ``STOP_GRACE_S`` is
terminated. A worker that dies (killed, out of memory) is a :class:`WorkerFailed` with its exit
code, never a hang.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
import multiprocessing
import os
import threading
import time
from collections.abc import Callable
from multiprocessing.connection import Connection
from typing import Any, TypeVar

from core.offload import run_blocking

log = logging.getLogger("bandsaw.engine.worker")

T = TypeVar("T")
READER_NICE = 10  # added to the worker's niceness: the poll loop's process gets the CPU first
STOP_GRACE_S = 2.0  # a job asked to stop has this long before it is terminated
POLL_S = 0.1  # how often the waiting thread looks at cancel() while nothing arrives
Progress = Callable[[int, int], None]


class WorkerFailed(Exception):
    """The worker process ended without an answer (killed, crashed, could not start)."""


def _child(conn: Connection, nice: int, fn: Callable[..., Any], args: tuple[Any, ...], feedback: bool) -> None:
    """The worker process: run ``fn``, send ``("done", value)`` or ``("error", exception)``."""
    if nice:
        with contextlib.suppress(OSError):
            os.nice(nice)
    cancelled = False

    def cancel() -> bool:
        nonlocal cancelled
        if not cancelled and conn.poll():
            try:
                cancelled = conn.recv() == "cancel"
            except (EOFError, OSError):  # the engine's process is gone: nobody wants the answer
                cancelled = True
        return cancelled

    def progress(done: int, total: int) -> None:
        conn.send(("progress", int(done), int(total)))

    try:
        value = fn(*args, progress=progress, cancel=cancel) if feedback else fn(*args)
    except BaseException as exc:  # handed to the waiting engine
        try:
            conn.send(("error", exc))
        except Exception:  # the exception does not pickle: its text does
            conn.send(("error", WorkerFailed(f"{type(exc).__name__}: {exc}")))
    else:
        conn.send(("done", value))
    finally:
        conn.close()


class _Job:
    """One worker process and the parent's end of its pipe (used from one waiting thread)."""

    def __init__(self, fn: Callable[..., Any], args: tuple[Any, ...], *, name: str, nice: int,
                 progress: Progress | None, cancel: Callable[[], bool] | None, feedback: bool) -> None:
        ctx = multiprocessing.get_context("spawn")
        self.conn, child = ctx.Pipe(duplex=True)
        self.process = ctx.Process(target=_child, args=(child, nice, fn, args, feedback), name=name, daemon=True)
        self._child_end = child
        self.name = name
        self.progress = progress
        self.cancel = cancel
        self.stop = threading.Event()  # the awaiting task was cancelled
        self._asked_at: float | None = None

    def run(self) -> Any:
        """In a thread: start the process, pass progress on, return its value or raise its error."""
        try:
            self.process.start()
        except OSError as exc:
            self.conn.close()
            raise WorkerFailed(f"the {self.name} worker could not start: {exc}") from exc
        finally:
            self._child_end.close()  # the child has its own copy: EOF here once it is gone
        try:
            return self._wait()
        finally:
            self.conn.close()
            self._finish()

    def _wait(self) -> Any:
        while True:
            if self.conn.poll(POLL_S):
                try:
                    message = self.conn.recv()
                except (EOFError, OSError):
                    break  # the child is gone without an answer
                kind = message[0]
                if kind == "done":
                    return message[1]
                if kind == "error":
                    raise message[1]
                if kind == "progress" and self.progress is not None:
                    try:
                        self.progress(message[1], message[2])
                    except Exception:  # a front end's callback must not end the job
                        log.exception("progress callback of the %s worker failed", self.name)
            self._maybe_stop()
        self.process.join(timeout=STOP_GRACE_S)
        if self.stop.is_set():
            raise WorkerFailed(f"the {self.name} worker was stopped")
        raise WorkerFailed(f"the {self.name} worker ended without an answer (exit code {self.process.exitcode})")

    def _maybe_stop(self) -> None:
        wanted = self.stop.is_set()
        if not wanted and self.cancel is not None:
            try:
                wanted = bool(self.cancel())
            except Exception:
                log.exception("cancel callback of the %s worker failed", self.name)
        if not wanted:
            return
        now = time.monotonic()
        if self._asked_at is None:
            self._asked_at = now
            with contextlib.suppress(OSError):
                self.conn.send("cancel")
        elif now - self._asked_at > STOP_GRACE_S and self.process.is_alive():
            log.warning("the %s worker did not stop when asked: terminated", self.name)
            self.process.terminate()

    def _finish(self) -> None:
        self.process.join(timeout=STOP_GRACE_S)
        if self.process.is_alive():
            self.process.kill()
            self.process.join(timeout=STOP_GRACE_S)
        with contextlib.suppress(ValueError):
            self.process.close()


async def run_in_process(
    fn: Callable[..., T],
    *args: Any,
    name: str = "bandsaw-reader",
    progress: Progress | None = None,
    cancel: Callable[[], bool] | None = None,
    feedback: bool = False,
    nice: int | None = None,
) -> T:
    """``fn(*args)`` in a spawned worker process at lower priority, awaited on the caller's loop.

    ``fn`` and ``args`` must pickle (a module-level function or a ``functools.partial`` of one).
    With ``feedback=True`` the worker calls ``fn(*args, progress=..., cancel=...)``: its progress
    reaches ``progress`` (on a thread of this process) and ``cancel()`` is asked for it. The job's
    own exceptions are raised here; a worker that ends without an answer raises :class:`WorkerFailed`.
    ``nice``: added to the worker's niceness (None: READER_NICE as it is when called).
    """
    job = _Job(fn, args, name=name, nice=READER_NICE if nice is None else nice, progress=progress, cancel=cancel,
               feedback=feedback)
    try:
        return await run_blocking(job.run, name=f"{name}-wait")
    except asyncio.CancelledError:
        job.stop.set()  # the waiting thread asks the worker to stop, then ends it
        raise
