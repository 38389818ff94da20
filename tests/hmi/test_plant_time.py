"""One clock on the screen: every time the HMI shows is plant time (machine.time_zone), as on the
Production page and in the report, even when the panel PC runs in UTC. A replayed 11:35 UTC is
14:35 at a saw in Istanbul, and the replay chooser reads the time typed in as plant time."""

from __future__ import annotations

import time
from collections.abc import Callable
from datetime import UTC, datetime
from zoneinfo import ZoneInfo

import pytest
from hmi_testing import QLoop
from PySide6.QtCore import QDate, QDateTime, QTime, QTimeZone
from pytestqt.qtbot import QtBot
from replay_data import raw_db, write_raw_db
from replay_screen import T0, cut_in_total_db, main_window

from core.api import AuditRow, BandHistoryRow
from core.config import Settings
from core.registers import RegisterMap
from core.testing.standin_engine import StandInEngine
from hmi.formatting import use_plant_zone, zone_named
from hmi.pages.audit import AuditTableModel
from hmi.widgets.band_life import BandLifePanel
from tests.waiting import wait_until

ISTANBUL = ZoneInfo("Europe/Istanbul")  # T0 = 2025-06-15 15:06:40 UTC = 18:06:40 there (UTC+3)


def _plant(ms: int, fmt: str = "%Y-%m-%d %H:%M:%S") -> str:
    return datetime.fromtimestamp(ms / 1000, UTC).astimezone(ISTANBUL).strftime(fmt)


@pytest.fixture
def utc_computer(settings: Settings, computer_zone: Callable[[str], None]) -> Settings:
    """The panel PC in UTC, the saw in Istanbul."""
    computer_zone("UTC")
    settings.machine.time_zone = "Europe/Istanbul"
    return settings


def test_replay_chooser_cut_list_and_bar_in_plant_time(qtbot: QtBot, qloop: QLoop, utc_computer: Settings,
                                                        register_map: RegisterMap) -> None:
    settings = utc_computer
    write_raw_db(raw_db(settings.data_dir), register_map, T0, 3000)  # five recorded minutes
    cut_in_total_db(settings)
    with main_window(qtbot, qloop, settings, register_map) as (engine, window):
        bar = window.replay_bar

        async def scenario() -> None:
            chooser = window.open_replay()
            # The default "From" is an hour ago in plant time (not the computer's UTC).
            shown = chooser.start.dateTime().toString("yyyy-MM-dd HH:mm")
            expected = {_plant(int(time.time() * 1000) - 3600_000 + d, "%Y-%m-%d %H:%M") for d in (-60_000, 0)}
            assert shown in expected, (shown, expected)
            await wait_until(lambda: chooser.cuts.count() == 1, "the cut list")
            assert _plant(T0 + 120_000) in chooser.cuts.item(0).text()  # 18:08:40, not 15:08:40
            assert "Europe/Istanbul" in " ".join(w.text() for w in chooser.findChildren(type(bar.title)))

            # 18:06:40 typed in is 18:06:40 at the plant = T0, whatever the computer's zone.
            chooser.tabs.setCurrentIndex(0)
            chooser.start.setDate(QDate(2025, 6, 15))
            chooser.start.setTime(QTime(18, 6, 40))
            chooser.span.setCurrentIndex(0)
            chooser.speed.setCurrentIndex(chooser.speed.findData(1.0))
            chooser.replay_choice()
            await wait_until(lambda: window.bridge.replaying and bar.isVisible(), "the replay on screen")
            assert engine.replay_status().start_ms == T0
            await wait_until(lambda: bar.time.text().startswith("2025-06-15 18:06:4"), "the plant-time clock")
            assert bar.start_label.text() == "18:06:40" and bar.end_label.text() == "18:07:40"
            assert "Europe/Istanbul" in bar.detail.text()
            await bar._stop()

        qloop.run(scenario())


def test_audit_and_band_history_in_plant_time(qtbot: QtBot, qloop: QLoop, utc_computer: Settings,
                                              register_map: RegisterMap) -> None:
    engine = StandInEngine(utc_computer, register_map)
    try:
        panel = BandLifePanel(engine)  # reads machine.time_zone from the engine's settings
        qtbot.addWidget(panel)
        panel._fill_history([BandHistoryRow(7, T0, T0 + 86_400_000, "worn", 0, 80.0, "counters")])
        fitted, taken_off = panel.history.item(0, 1), panel.history.item(0, 2)
        assert fitted is not None and taken_off is not None
        assert fitted.text() == _plant(T0, "%Y-%m-%d %H:%M") == "2025-06-15 18:06"
        assert taken_off.text() == "2025-06-16 18:06"
        # The Audit page hands its model the engine's plant zone (a zone of its own since 9ac16f2: no
        # page sets the process's zone behind the others' backs).
        model = AuditTableModel(zone=zone_named(engine.settings.machine.time_zone))
        model.set_rows([AuditRow(1, T0, "anna", "login", "", None, None, "ok", "")])
        assert model.data(model.index(0, 0)) == "2025-06-15 18:06:40"
    finally:
        qloop.run(engine.stop())


def test_a_bad_or_empty_zone_falls_back_to_the_computers(utc_computer: Settings) -> None:
    from hmi.formatting import plant_epoch_ms, plant_time, plant_zone

    use_plant_zone("")
    assert plant_zone() == QTimeZone.systemTimeZone()
    assert plant_time(T0) == datetime.fromtimestamp(T0 / 1000).strftime("%Y-%m-%d %H:%M:%S")
    use_plant_zone("Not/AZone")
    assert plant_time(None) == "—"
    use_plant_zone("Europe/Istanbul")
    wall = QDateTime.fromMSecsSinceEpoch(T0, plant_zone())
    assert plant_epoch_ms(wall.date(), wall.time()) == T0


def test_alarm_and_decision_times_in_plant_time(utc_computer: Settings) -> None:
    from hmi.widgets import alarm_table, control_decisions

    use_plant_zone(utc_computer.machine.time_zone)
    assert alarm_table.time_text(T0) == _plant(T0) == "2025-06-15 18:06:40"
    assert control_decisions.time_text(T0) == "18:06:40"


def test_a_bridge_leaves_the_plant_zone_alone(qtbot: QtBot, qloop: QLoop, utc_computer: Settings,
                                               register_map: RegisterMap) -> None:
    """Building a bridge (every page test does) sets no process-wide zone; the main window does."""
    from hmi.bridge import EngineBridge
    from hmi.formatting import plant_zone, plant_zone_name

    engine = StandInEngine(utc_computer, register_map)
    try:
        bridge = EngineBridge(engine)
        assert plant_zone() == QTimeZone.systemTimeZone()
        bridge.deleteLater()
    finally:
        qloop.run(engine.stop())
    use_plant_zone(utc_computer.machine.time_zone)
    assert plant_zone_name() == "Europe/Istanbul"


def test_the_zone_the_test_before_set_is_gone() -> None:
    """Runs after the test above, which left Europe/Istanbul set: tests/conftest.py resets it."""
    from hmi.formatting import plant_zone

    assert plant_zone() == QTimeZone.systemTimeZone()


def test_the_audit_page_keeps_its_zone_to_itself(qtbot: QtBot, qloop: QLoop, utc_computer: Settings,
                                                  register_map: RegisterMap) -> None:
    """Building the Audit page set the process's plant zone (use_plant_zone): every other page's clock
    moved with it. It keeps a zone object of its own now, the process's zone stays as it was."""
    from hmi.formatting import plant_zone
    from hmi.pages.audit import AuditPage

    engine = StandInEngine(utc_computer, register_map)
    try:
        page = AuditPage(None, engine)
        qtbot.addWidget(page)
        assert plant_zone() == QTimeZone.systemTimeZone()  # untouched (the computer runs in UTC)
        page.model.set_rows([AuditRow(1, T0, "anna", "login", "", None, None, "ok", "")])
        assert page.model.data(page.model.index(0, 0)) == "2025-06-15 18:06:40"  # its engine's plant time
    finally:
        qloop.run(engine.stop())
