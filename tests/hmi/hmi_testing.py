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


class QLoop:
    """A qasync event loop for a synchronous test: run coroutines with Qt events flowing."""

    def __init__(self, app: QApplication) -> None:
        import qasync

        self.runner = asyncio.Runner(loop_factory=lambda: qasync.QEventLoop(app))

    def run(self, coro: Awaitable[T]) -> T:
        return self.runner.run(coro)  # type: ignore[arg-type]

    def close(self) -> list[str]:
        """Let reads started from slots come back (bounded), then report what is still pending."""
        from hmi.tasks import settle

        self.runner.run(settle(10.0))
        loop = self.runner.get_loop()
        pending = [repr(t) for t in asyncio.all_tasks(loop) if not t.done()]
        self.runner.close()
        return pending


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
    pending = loop.close()
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
