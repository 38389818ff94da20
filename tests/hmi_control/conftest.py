"""Control-page fixtures: the HMI FakeEngine with a real MlControl on ml.db, and Qt leak checks."""

from __future__ import annotations

import gc
import sqlite3
import sys
from collections.abc import Iterator
from pathlib import Path

import pytest

sys.path.insert(0, str(Path(__file__).parent))
sys.path.insert(0, str(Path(__file__).parent.parent / "hmi"))

from control_fakes import SHIPPED_MODEL, ControlFakeEngine, DbJournal
from hmi_testing import QLoop
from PySide6.QtCore import QCoreApplication, QEvent, QTimer
from PySide6.QtWidgets import QApplication

from core.config import Settings
from core.registers import RegisterMap
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


@pytest.fixture(autouse=True)
def _no_leaked_qt(qapp: QApplication) -> Iterator[None]:
    """Fail a test that leaves Qt timers running or windows open."""
    qapp.setQuitOnLastWindowClosed(False)
    timers_before = _active_timers()
    windows_before = {id(w) for w in qapp.topLevelWidgets() if w.isVisible()}
    yield
    set_policy(None)
    leaked_windows = [w for w in qapp.topLevelWidgets() if w.isVisible() and id(w) not in windows_before]
    for window in leaked_windows:
        window.close()
    for _ in range(3):
        QCoreApplication.sendPostedEvents(None, QEvent.Type.DeferredDelete)
        QCoreApplication.processEvents()
    gc.collect()
    leaked_timers = _active_timers() - timers_before
    if leaked_windows:
        pytest.fail(f"test left windows open: {[type(w).__name__ for w in leaked_windows]}")
    if leaked_timers:
        pytest.fail(f"test left {len(leaked_timers)} Qt timer(s) running")


def _settings_with(settings: Settings, model: Path | None) -> Settings:
    settings.ml.model_path = model
    return settings


@pytest.fixture
def journal(settings: Settings) -> Iterator[DbJournal]:
    db = DbJournal(settings.data_dir / "databases" / "ml.db")
    yield db
    db.close()


@pytest.fixture
def engine_with_model(settings: Settings, register_map: RegisterMap, journal: DbJournal) -> ControlFakeEngine:
    return ControlFakeEngine(_settings_with(settings, SHIPPED_MODEL), register_map, journal)


@pytest.fixture
def engine_without_model(settings: Settings, register_map: RegisterMap, journal: DbJournal) -> ControlFakeEngine:
    return ControlFakeEngine(_settings_with(settings, None), register_map, journal)


@pytest.fixture
def ml_db(settings: Settings, journal: DbJournal) -> sqlite3.Connection:
    return journal.conn


@pytest.fixture
def qloop(qapp: QApplication) -> Iterator[QLoop]:
    loop = QLoop(qapp)
    yield loop
    pending = loop.close()
    if pending:
        pytest.fail(f"test leaked asyncio tasks: {pending}")
