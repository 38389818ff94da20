"""Helpers for HMI tests: a qasync loop for synchronous tests, checks for leaked Qt timers and windows."""

from __future__ import annotations

import asyncio
import contextlib
import gc
from collections.abc import Awaitable, Iterator
from typing import Any, TypeVar

import pytest
from PySide6.QtCore import QCoreApplication, QEvent, QObject, QTimer
from PySide6.QtWidgets import QApplication, QLayoutItem, QWidget
from shiboken6 import Shiboken

from core.api import EngineApi
from hmi.bridge import EngineBridge
from hmi.permissions import set_policy

T = TypeVar("T")


class StuckTasks(Exception):
    """Tasks that did not finish within the bound after being cancelled (see ``QLoop.close``)."""


def _describe(task: asyncio.Task[Any]) -> str:
    """A task by name, coroutine and where it is suspended (the innermost frame ``get_stack`` knows)."""
    coro = task.get_coro()
    name = getattr(coro, "__qualname__", None) or repr(coro)
    frames = task.get_stack(limit=1)
    where = f" at {frames[0].f_code.co_filename}:{frames[0].f_lineno}" if frames else ""
    return f"{task.get_name()} {name}(){where}"


class QLoop:
    """A qasync event loop for a synchronous test: run coroutines with Qt events flowing.

    ``close`` is bounded: asyncio.Runner.close cancels every task and then waits for them without a
    limit, and a task that can never be resumed (one whose step was lost because something ran Qt's
    event loop, e.g. processEvents, inside another task: qasync then calls the step while that other
    task is current and asyncio refuses it with "Cannot enter into task") hung CI there for good.
    pytest-timeout's signal cannot end that wait: the handler runs only when Python code does.
    """

    CLOSE_WITHIN_S = 5.0

    def __init__(self, app: QApplication) -> None:
        import qasync

        self.runner = asyncio.Runner(loop_factory=lambda: qasync.QEventLoop(app))
        self.lost_steps: list[str] = []
        self.runner.get_loop().set_exception_handler(self._on_exception)

    def _on_exception(self, loop: asyncio.AbstractEventLoop, context: dict[str, Any]) -> None:
        error = context.get("exception")
        if isinstance(error, RuntimeError) and str(error).startswith("Cannot enter into task"):
            self.lost_steps.append(str(error))
        loop.default_exception_handler(context)

    def run(self, coro: Awaitable[T]) -> T:
        return self.runner.run(coro)  # type: ignore[arg-type]

    def close(self, within_s: float | None = None) -> list[str]:
        """Let reads started from slots come back (bounded), then report what is still pending.

        The tasks still pending are cancelled and awaited for at most ``within_s`` seconds; any
        that do not finish raise StuckTasks, naming them (the loop is closed without waiting for
        them), instead of the endless wait in asyncio.Runner.close.
        """
        from hmi.tasks import settle

        within_s = self.CLOSE_WITHIN_S if within_s is None else within_s
        loop = self.runner.get_loop()
        self.runner.run(settle(min(10.0, 2 * within_s)))
        pending = [repr(t) for t in asyncio.all_tasks(loop) if not t.done()]
        stuck = self.runner.run(_cancel_all(within_s))
        if not stuck:
            self.runner.close()
            return pending
        loop.close()  # not Runner.close: its cancel-all would wait for the stuck tasks for ever
        lost = "".join(f"\n  lost step: {line}" for line in self.lost_steps)
        raise StuckTasks(
            f"{len(stuck)} asyncio task(s) still pending {within_s:g} s after being cancelled "
            f"(a task whose step was lost cannot be resumed; was Qt's event loop run, e.g. processEvents, "
            f"inside a qasync task?):" + "".join(f"\n  {line}" for line in stuck) + lost
        )


async def _cancel_all(within_s: float) -> list[str]:
    """Cancel every other task on the loop (again for those that cancelling starts), at most ``within_s``
    seconds in all; then the same for async generators. Returns the tasks still pending, described."""
    loop = asyncio.get_running_loop()
    deadline = loop.time() + within_s
    me = asyncio.current_task()
    waited: set[asyncio.Task[Any]] = set()
    while True:
        tasks = {t for t in asyncio.all_tasks(loop) if t is not me and not t.done()}
        fresh = tasks - waited
        if not fresh or loop.time() >= deadline:
            break
        for task in fresh:
            task.cancel()
        waited |= fresh
        await asyncio.wait(tasks, timeout=max(0.0, deadline - loop.time()))
    with contextlib.suppress(TimeoutError):
        await asyncio.wait_for(loop.shutdown_asyncgens(), timeout=max(0.1, deadline - loop.time()))
    return sorted(_describe(t) for t in asyncio.all_tasks(loop) if t is not me and not t.done())


@contextlib.contextmanager
def attached_bridge(engine: EngineApi) -> Iterator[EngineBridge]:
    """The body of a ``bridge`` fixture: ``engine``'s news delivered to widgets for one test."""
    bridge = EngineBridge(engine)
    bridge.attach()
    yield bridge
    bridge.detach()
    bridge.deleteLater()


@contextlib.contextmanager
def checked_qloop(app: QApplication) -> Iterator[QLoop]:
    """The body of a ``qloop`` fixture: a QLoop for one test, which fails if it leaves tasks pending."""
    loop = QLoop(app)
    yield loop
    try:
        pending = loop.close()
    except StuckTasks as stuck:
        pytest.fail(str(stuck))
    if pending:
        pytest.fail(f"test leaked asyncio tasks: {pending}")


def _active_timers() -> set[int]:
    found = set()
    for obj in gc.get_objects():
        if isinstance(obj, QTimer):
            try:
                if obj.isActive():
                    found.add(id(obj))
            except RuntimeError:  # the C++ timer is already gone
                continue
    return found


def _layout_item_wrappers() -> int:
    """Python wrappers of Qt layout items that are not QObjects (QWidgetItem, QSpacerItem).

    Qt deletes such items without telling PySide; a wrapper kept past that comes back, typed
    wrongly, for whatever Qt allocates next at the same address (seen: a calendar pop-up as a
    QWidgetItem, a SIGSEGV in releaseWrapper), so no test may leave one behind.
    """
    return sum(1 for w in Shiboken.getAllValidWrappers() if isinstance(w, QLayoutItem) and not isinstance(w, QObject))


def flush_deletes() -> None:
    for _ in range(3):
        QCoreApplication.sendPostedEvents(None, QEvent.Type.DeferredDelete)
        QCoreApplication.processEvents()


@contextlib.contextmanager
def no_leaked_qt(qapp: QApplication) -> Iterator[None]:
    """Fail a test that leaves Qt timers running or top-level windows open (napari's detectors).

    Each Qt test folder's conftest wraps every test in this (an autouse fixture).
    """
    qapp.setQuitOnLastWindowClosed(False)
    timers_before = _active_timers()
    windows_before = {id(w) for w in qapp.topLevelWidgets() if w.isVisible()}
    gc.collect()
    items_before = _layout_item_wrappers()
    yield
    set_policy(None)
    flush_deletes()
    leaked_windows = [w for w in qapp.topLevelWidgets() if w.isVisible() and id(w) not in windows_before]
    for window in leaked_windows:
        window.close()
    gc.collect()
    leaked_timers = _active_timers() - timers_before
    leaked_items = _layout_item_wrappers() - items_before
    if leaked_items > 0:
        pytest.fail(f"test left {leaked_items} wrapper(s) of Qt layout items that Qt may delete under them")
    if leaked_windows:
        pytest.fail(f"test left windows open: {[type(w).__name__ for w in leaked_windows]}")
    if leaked_timers:
        pytest.fail(f"test left {len(leaked_timers)} Qt timer(s) running")


@contextlib.contextmanager
def kiosk_sized(qtbot: Any, qapp: QApplication, widget: QWidget, width: int, height: int) -> Iterator[QWidget]:
    """``widget`` touch-sized as in kiosk mode and shown at ``width`` x ``height``; the sizes and the
    application's style sheet (a test applies the theme first) are undone on the way out."""
    from hmi.kiosk import apply_touch_sizes

    try:
        widget.resize(width, height)
        apply_touch_sizes(widget, True)
        widget.show()
        qtbot.waitExposed(widget)
        yield widget
    finally:
        apply_touch_sizes(widget, False)
        qapp.setStyleSheet("")


class Clock:
    """A wall clock the test moves by hand."""

    def __init__(self) -> None:
        self.now = 1_700_000_000.0

    def __call__(self) -> float:
        return self.now


TEST_PIN = "735194"


def log_in(qloop: QLoop, engine: Any, controller: Any, name: str = "erin", role: str = "engineer") -> None:
    """Make ``name`` with ``role`` in the stand-in's users.db and log in at the window's controller."""
    store = engine.access.store
    if store.get(name) is None:
        store.add(name, role, TEST_PIN)
    else:
        store.set_secret(name, TEST_PIN)
    result = qloop.run(controller.login(name, TEST_PIN))
    assert result.ok, result.reason
