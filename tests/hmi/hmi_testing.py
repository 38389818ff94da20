"""Helpers for HMI tests: a qasync loop for synchronous tests, checks for leaked Qt timers and windows."""

from __future__ import annotations

import asyncio
import contextlib
import functools
import gc
import traceback
from collections.abc import Awaitable, Callable, Iterator
from typing import Any, TypeVar

import pytest
from PySide6.QtCore import QCoreApplication, QEvent, QEventLoop, QObject, QTimer
from PySide6.QtTest import QTest
from PySide6.QtWidgets import QApplication, QDialog, QLayoutItem, QWidget
from shiboken6 import Shiboken

from core.api import EngineApi
from hmi.bridge import EngineBridge
from hmi.permissions import set_policy

T = TypeVar("T")


class LoopFault(Exception):
    """A QLoop misused or not closed cleanly: tasks still pending after being cancelled (see
    ``QLoop.close``), or Qt's event loop run inside one of its tasks (see ``_guard_nested_loops``)."""


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

    Qt's event loop run inside one of this loop's tasks (processEvents, QTest.qWait, a nested
    QEventLoop or dialog exec) is recorded where it happens and fails ``close``, lost step or not:
    measure and let Qt work outside tasks (between ``run`` calls), or await a condition inside them.
    """

    CLOSE_WITHIN_S = 5.0

    def __init__(self, app: QApplication) -> None:
        import qasync

        self.runner = asyncio.Runner(loop_factory=lambda: qasync.QEventLoop(app))
        self.loop = self.runner.get_loop()
        self.lost_steps: list[str] = []
        self.nested_loops: list[str] = []
        self.loop.set_exception_handler(self._on_exception)

    def _on_exception(self, loop: asyncio.AbstractEventLoop, context: dict[str, Any]) -> None:
        error = context.get("exception")
        if isinstance(error, RuntimeError) and str(error).startswith("Cannot enter into task"):
            self.lost_steps.append(str(error))
        loop.default_exception_handler(context)

    def run(self, coro: Awaitable[T]) -> T:
        global _running
        outer, _running = _running, self
        try:
            return self.runner.run(coro)  # type: ignore[arg-type]
        finally:
            _running = outer

    def close(self, within_s: float | None = None) -> list[str]:
        """Let reads started from slots come back (bounded), then report what is still pending.

        The tasks still pending are cancelled and awaited for at most ``within_s`` seconds; any
        that do not finish raise LoopFault, naming them (the loop is closed without waiting for
        them), instead of the endless wait in asyncio.Runner.close. Qt's event loop run inside a
        task raises LoopFault too (after a clean close).
        """
        from hmi.tasks import settle

        within_s = self.CLOSE_WITHIN_S if within_s is None else within_s
        self.run(settle(min(10.0, 2 * within_s)))
        pending = [repr(t) for t in asyncio.all_tasks(self.loop) if not t.done()]
        stuck = self.run(_cancel_all(within_s))
        if stuck:
            self.loop.close()  # not Runner.close: its cancel-all would wait for the stuck tasks for ever
        else:
            self.runner.close()
        problems = []
        if stuck:
            problems.append(
                f"{len(stuck)} asyncio task(s) still pending {within_s:g} s after being cancelled (a task "
                "whose step was lost cannot be resumed; was Qt's event loop run inside a qasync task?):"
                + "".join(f"\n  {line}" for line in stuck))
        if self.lost_steps:  # even of a task nobody holds any more (garbage, not pending)
            problems.append("task step(s) lost:" + "".join(f"\n  {line}" for line in self.lost_steps))
        if self.nested_loops:
            problems.append(
                "Qt's event loop was run inside a qasync task (it re-enters the loop and can lose another "
                "task's step; let Qt work outside tasks, or await a condition):\n" + "\n".join(self.nested_loops))
        if problems:
            raise LoopFault("\n".join(problems))
        return pending


_running: QLoop | None = None


def _guard_nested_loops() -> None:
    """Record, in the QLoop running, each processEvents, QTest.qWait, QEventLoop.exec and QDialog.exec
    called inside one of its tasks (where the call was made), then make the call as before."""

    def guarded(name: str, original: Callable[..., Any]) -> Callable[..., Any]:
        @functools.wraps(original)
        def call(*args: Any, **kwargs: Any) -> Any:
            qloop = _running
            if qloop is not None and not qloop.loop.is_closed():
                task = asyncio.current_task(qloop.loop)
                if task is not None:
                    where = "".join(traceback.format_stack(limit=4)[:-1]).rstrip()
                    qloop.nested_loops.append(f"  {name} inside task {_describe(task)}, called from:\n{where}")
            return original(*args, **kwargs)

        call.__dict__["nested_loop_guard"] = True
        return call

    for owner, attr, static in ((QCoreApplication, "processEvents", True), (QTest, "qWait", True),
                                (QEventLoop, "exec", False), (QDialog, "exec", False)):
        original = getattr(owner, attr)
        if getattr(original, "nested_loop_guard", False):
            continue
        wrapper = guarded(f"{owner.__name__}.{attr}", original)
        setattr(owner, attr, staticmethod(wrapper) if static else wrapper)


_guard_nested_loops()


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
    except LoopFault as fault:
        pytest.fail(str(fault))
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
