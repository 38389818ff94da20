"""HMI fixtures: a FakeEngine, a bridge, a qasync loop, and checks for leaked Qt timers/windows."""

from __future__ import annotations

import gc
import sys
from collections.abc import Iterator
from pathlib import Path

import pytest

sys.path.insert(0, str(Path(__file__).parent))

from hmi_fake_engine import FakeEngine
from hmi_testing import QLoop
from PySide6.QtCore import QCoreApplication, QEvent, QTimer
from PySide6.QtWidgets import QApplication

from core.config import Settings
from core.registers import RegisterMap
from hmi.bridge import EngineBridge
from hmi.permissions import set_policy


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


def flush_deletes() -> None:
    for _ in range(3):
        QCoreApplication.sendPostedEvents(None, QEvent.Type.DeferredDelete)
        QCoreApplication.processEvents()


@pytest.fixture(autouse=True)
def _no_leaked_qt(qapp: QApplication) -> Iterator[None]:
    """Fail a test that leaves Qt timers running or top-level windows open (napari's detectors)."""
    qapp.setQuitOnLastWindowClosed(False)
    timers_before = _active_timers()
    windows_before = {id(w) for w in qapp.topLevelWidgets() if w.isVisible()}
    yield
    set_policy(None)
    flush_deletes()
    leaked_windows = [w for w in qapp.topLevelWidgets() if w.isVisible() and id(w) not in windows_before]
    for window in leaked_windows:
        window.close()
    gc.collect()
    leaked_timers = _active_timers() - timers_before
    if leaked_windows:
        pytest.fail(f"test left windows open: {[type(w).__name__ for w in leaked_windows]}")
    if leaked_timers:
        pytest.fail(f"test left {len(leaked_timers)} Qt timer(s) running")


@pytest.fixture
def fake_engine(settings: Settings, register_map: RegisterMap) -> FakeEngine:
    return FakeEngine(settings, register_map)


@pytest.fixture
def bridge(qapp: QApplication, fake_engine: FakeEngine) -> Iterator[EngineBridge]:
    bridge = EngineBridge(fake_engine)
    bridge.attach()
    yield bridge
    bridge.detach()
    bridge.deleteLater()


@pytest.fixture
def qloop(qapp: QApplication) -> Iterator[QLoop]:
    loop = QLoop(qapp)
    yield loop
    pending = loop.close()
    if pending:
        pytest.fail(f"test leaked asyncio tasks: {pending}")
