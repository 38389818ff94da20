"""Supervision of the engine's long-lived tasks: a task that ends by an exception is never silent.

Each long-lived task (poll loop, Writer heartbeat, telemetry pump, PostgreSQL mirror, housekeeping)
is meant to run until it is cancelled. One that ends with an exception used to be noticed by nobody:
``gather(return_exceptions=True)`` at stop swallowed it, and nothing read ``running``. Now
:func:`supervise` gives it a done-callback that logs the stored exception once, raises the critical
alarm ``engine.task_failed.<name>`` (config: alarm_messages.yaml ``engine``) and tells the owner
(``on_failed``: its status shows it down). :class:`OnceLog` keeps a loop that survives an error
from logging the same error ten times a second.
"""

from __future__ import annotations

import asyncio
import logging
from collections.abc import Callable
from typing import Any

from core.analysis.alarms import AlarmManager, Priority

log = logging.getLogger("bandsaw.engine")

ALARM_TASK_FAILED = "engine.task_failed"  # + "." + the task's name
ALARM_INTERNAL = "engine.internal_error"  # + "." + where: an error a loop survived


def _describe(exc: BaseException) -> str:
    return f"{type(exc).__name__}: {exc}"


class OnceLog:
    """Log each distinct error once (with its traceback), and raise a critical alarm for it."""

    def __init__(self, where: str, alarms: AlarmManager | None, *, source: str = "engine") -> None:
        self.where = where
        self._alarms = alarms
        self._source = source
        self._seen: set[str] = set()

    def __call__(self, what: str, exc: BaseException) -> None:
        """``what`` failed with ``exc``; the caller carries on."""
        detail = f"{self.where}: {what} failed ({_describe(exc)}); it carries on"
        if detail in self._seen:
            return
        self._seen.add(detail)
        log.error("%s", detail, exc_info=exc)
        raise_critical(self._alarms, f"{ALARM_INTERNAL}.{self.where}", detail, self._source)


def raise_critical(alarms: AlarmManager | None, key: str, detail: str, source: str) -> None:
    """A critical alarm that itself never raises (the code calling it is already handling a failure)."""
    if alarms is None:
        return
    try:
        alarms.update(key, True, detail, priority=Priority.CRITICAL, source=source)
    except Exception:
        log.exception("could not raise alarm %s (%s)", key, detail)


def supervise(
    task: asyncio.Task[Any],
    name: str,
    alarms: AlarmManager | None,
    *,
    on_failed: Callable[[BaseException], None] | None = None,
) -> asyncio.Task[Any]:
    """Watch a task meant to run until cancelled; returns it. A cancelled or returned task is quiet."""

    def done(finished: asyncio.Task[Any]) -> None:
        if finished.cancelled():
            return
        exc = finished.exception()  # retrieved here: asyncio's "never retrieved" warning does not fire
        if exc is None:
            return
        detail = f"{name} stopped: {_describe(exc)}"
        log.critical("engine task %s", detail, exc_info=exc)
        raise_critical(alarms, f"{ALARM_TASK_FAILED}.{name}", detail, "engine")
        if on_failed is not None:
            try:
                on_failed(exc)
            except Exception:
                log.exception("marking %s down failed", name)

    task.add_done_callback(done)
    return task


def stored_error(task: asyncio.Task[Any] | None) -> BaseException | None:
    """The exception a finished task ended with (None while it runs, when cancelled or returned)."""
    if task is None or not task.done() or task.cancelled():
        return None
    return task.exception()
