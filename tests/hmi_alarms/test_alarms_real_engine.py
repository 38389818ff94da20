"""The reviewer's kiosk (#15), on the real engine: a cleared-but-unacknowledged overload stays in the
operator's list, counted alike on the banner, the page and the status bar, until acknowledged - also when
a statistical detector on the same band fires after the PLC bit cleared (it moved the alarm to the
engineer's queue: "Alarms (1)" with only the chatter alarm while log.db said returned_unacknowledged)."""

from __future__ import annotations

from collections.abc import Iterator

import pytest
from hmi_testing import attached_bridge
from PySide6.QtWidgets import QApplication
from pytestqt.qtbot import QtBot

from core.analysis.alarms import AlarmState
from core.analysis.detectors import AnomalyEvent, Severity
from core.config import Settings
from core.engine import Engine
from core.registers import RegisterMap
from core.security.permissions import Role
from core.security.testing import login_as
from core.snapshot import Quality, SawState, Snapshot
from hmi.bridge import EngineBridge
from hmi.pages.alarms import ACTIVE, AlarmsPage
from hmi.widgets.alarm_strip import AlarmStrip
from hmi.widgets.status_bar import HmiStatusBar

pytestmark = pytest.mark.gui

OVERLOAD, CHATTER = "process.band_overload", "process.chatter"


@pytest.fixture
def real_engine(settings: Settings, register_map: RegisterMap) -> Engine:
    return Engine(settings, register_map, simulate=True)  # not started: its alarm pipeline is built


@pytest.fixture
def real_bridge(qapp: QApplication, real_engine: Engine) -> Iterator[EngineBridge]:
    with attached_bridge(real_engine) as bridge:
        yield bridge


def _snap(seq: int, **values: float) -> Snapshot:
    base = {"saw_state": float(SawState.CUTTING), "band_torque": 60.0, "band_current": 12.0,
            "cutting_speed_actual": 64.0, "alarm_status": 0.0, "alarm_info": 0.0}
    return Snapshot(seq, 1_700_000_000_000 + seq * 100, seq / 10, {**base, **values}, {}, Quality.GOOD)


def test_cleared_overload_stays_listed_and_counted_until_acknowledged(
        qtbot: QtBot, real_engine: Engine, real_bridge: EngineBridge) -> None:
    page = AlarmsPage(real_bridge, real_engine)
    page.set_user(login_as(real_engine.access, "alice", Role.OPERATOR))
    strip = AlarmStrip(real_engine.alarm_summary,
                       lambda key: real_engine.acknowledge_alarm(page.session.actor(), key))
    status = HmiStatusBar(real_bridge, "alice")
    for widget in (page, strip, status):
        qtbot.addWidget(widget)
    real_bridge.alarms_changed.connect(lambda _alarms: strip.refresh())
    page.show()
    sources = real_engine.analysis.sources

    def shown() -> tuple[str, str, str, list[str | None]]:
        QApplication.processEvents()  # the bridge delivers the alarm events
        model = page.active_model
        return (page.tabs.tabText(ACTIVE), strip.count_label.text(), status.alarms.text(),
                [model.key_at(row) for row in range(model.rowCount())])

    sources.on_snapshot(_snap(1, band_torque=131.0, alarm_info=float(1 | 1 << 4)))  # overload + chatter bits
    assert shown()[0] == "Alarms (2)"
    sources.on_snapshot(_snap(2, band_torque=80.0, alarm_info=float(1 << 4)))  # the overload bit clears
    sources.on_anomaly(AnomalyEvent("band_current", "zscore", "onset", Severity.HIGH, 18.5, 4.0, 33.6, 0))
    overload = real_engine.alarm(OVERLOAD)
    assert overload is not None and overload.state is AlarmState.RETURNED_UNACKNOWLEDGED
    assert shown() == ("Alarms (2)", "1 new · 1 cleared", "alarms 2 (2 unacknowledged)", [OVERLOAD, CHATTER])
    assert real_engine.acknowledge_alarm(page.session.actor(), OVERLOAD).ok
    assert shown() == ("Alarms (1)", "1 new", "alarms 1 (1 unacknowledged)", [CHATTER])
