"""Helpers for HMI tests: a qasync loop for synchronous tests and a condition waiter."""

from __future__ import annotations

import asyncio
from collections.abc import Awaitable, Callable
from typing import Any, TypeVar

from PySide6.QtWidgets import QApplication

T = TypeVar("T")


class QLoop:
    """A qasync event loop for a synchronous test: run coroutines with Qt events flowing."""

    def __init__(self, app: QApplication) -> None:
        import qasync

        self.runner = asyncio.Runner(loop_factory=lambda: qasync.QEventLoop(app))

    def run(self, coro: Awaitable[T]) -> T:
        return self.runner.run(coro)  # type: ignore[arg-type]

    def close(self) -> list[str]:
        loop = self.runner.get_loop()
        pending = [repr(t) for t in asyncio.all_tasks(loop) if not t.done()]
        self.runner.close()
        return pending


async def wait_until(predicate: Callable[[], Any], within: float = 5.0, what: str = "condition") -> None:
    """Poll ``predicate`` on the running loop (Qt events flow meanwhile) until true or time out."""
    loop = asyncio.get_running_loop()
    deadline = loop.time() + within
    while not predicate():
        if loop.time() > deadline:
            raise AssertionError(f"timed out after {within} s waiting for {what}")
        await asyncio.sleep(0.02)
