"""Shared set-up for the replay-on-screen tests: a main window on the stand-in engine, recorded cuts."""

from __future__ import annotations

import contextlib
import sqlite3
from collections.abc import Iterator

from hmi_testing import QLoop
from pytestqt.qtbot import QtBot

from core.config import Settings
from core.registers import RegisterMap
from core.storage.schema import migrate
from core.testing.standin_engine import StandInEngine
from hmi.main_window import MainWindow
from hmi.session import Session

T0 = 1_750_000_000_000  # 2025-06-15 15:06:40 UTC


def cut_in_total_db(settings: Settings, t0: int = T0) -> None:
    """One completed cut in total.db, from t0 + 120 s to t0 + 200 s."""
    total = sqlite3.connect(settings.data_dir / "databases" / "total.db")
    try:
        migrate(total, "total")
        total.execute("INSERT INTO cuts (ts_ms, start_ms, end_ms, duration_s, outcome) VALUES (?, ?, ?, ?, ?)",
                      (t0 + 200_000, t0 + 120_000, t0 + 200_000, 80.0, "completed"))
        total.commit()
    finally:
        total.close()


@contextlib.contextmanager
def main_window(qtbot: QtBot, qloop: QLoop, settings: Settings, register_map: RegisterMap, *,
                kiosk: bool = False, show: bool = True) -> Iterator[tuple[StandInEngine, MainWindow]]:
    """The main window attached to a stand-in engine; finished and the engine stopped on the way out."""
    engine = StandInEngine(settings, register_map)
    window = MainWindow(engine, Session.default(kiosk=kiosk))
    qtbot.addWidget(window)
    window.bridge.attach()
    if show:
        window.show()
    try:
        yield engine, window
    finally:
        window.finish()
        qloop.run(engine.stop())
