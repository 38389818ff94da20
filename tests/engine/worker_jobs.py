"""Jobs for core.engine_worker's tests: module-level, so a spawned worker can import them."""

from __future__ import annotations

import os
import time
from collections.abc import Callable
from pathlib import Path


class JobError(Exception):
    """A job's own failure, raised in the caller as it is."""


def whoami(marker: str) -> tuple[int, int, str]:
    """The worker's pid and niceness, and what it was given."""
    return os.getpid(), os.nice(0), marker


def fails(text: str) -> None:
    raise JobError(text)


def dies(code: int) -> None:
    os._exit(code)  # no answer at all: a crash, an out-of-memory kill


def counts(steps: int, *, progress: Callable[[int, int], None], cancel: Callable[[], bool]) -> int:
    for done in range(1, steps + 1):
        if cancel():
            raise JobError(f"cancelled after {done - 1}")
        progress(done, steps)
        time.sleep(0.01)
    return steps


def runs_until_cancelled(flag: str, *, progress: Callable[[int, int], None], cancel: Callable[[], bool]) -> None:
    Path(flag).write_text("running")
    while not cancel():
        time.sleep(0.01)
    Path(flag).write_text("asked to stop")
    raise JobError("stopped")


def ignores_cancel(flag: str) -> None:
    Path(flag).write_text(str(os.getpid()))
    while True:
        time.sleep(0.05)
