"""The overview's "next" line and remaining time (reviewer, #15): the next step follows the saw state and
only the alarms that stop the saw; no remaining time from the first second of a cut."""

from __future__ import annotations

import pytest
from PySide6.QtWidgets import QApplication
from pytestqt.qtbot import QtBot

from core.analysis.alarm_policy import AlarmPolicy
from core.config import Settings
from core.registers import RegisterMap
from core.snapshot import Quality, SawState, Snapshot
from core.testing.standin_engine import StandInEngine
from hmi.bridge import EngineBridge
from hmi.cut_clock import CutClock
from hmi.widgets.cut_overview import CutOverview

pytestmark = pytest.mark.gui

ROUND_50 = {"dimension_a": 50.0, "cross_section": 0.0, "descent_speed_actual": 30.0}


@pytest.fixture
def alarm_engine(settings: Settings, register_map: RegisterMap) -> StandInEngine:
    units = {register.name: register.unit for register in register_map}
    return StandInEngine(settings, register_map, alarm_policy=AlarmPolicy.from_settings(settings, units))


def _snap(seq: int, ts_ms: int, **values: float) -> Snapshot:
    return Snapshot(seq, ts_ms, seq / 10, values, {}, Quality.GOOD)


def test_no_remaining_time_from_the_first_second_of_a_cut() -> None:
    clock = CutClock()
    cut = dict(ROUND_50, saw_state=float(SawState.CUTTING))
    first = clock.feed(dict(cut, head_height=50.0, descent_speed_actual=3.9), 0)  # approach speed at the entry
    assert first.remaining_s is None
    one_s = clock.feed(dict(cut, head_height=49.9, descent_speed_actual=3.9), 1_000)  # 0.2 % cut, 1 s in
    assert one_s.remaining_s is None
    five_s = clock.feed(dict(cut, head_height=49.0), 5_000)  # 5 s in: the estimate counts
    assert five_s.remaining_s is not None
    clock = CutClock()
    clock.feed(dict(cut, head_height=50.0), 0)
    early_but_deep = clock.feed(dict(cut, head_height=47.0), 2_000)  # 6 % cut after 2 s: the estimate counts
    assert early_but_deep.remaining_s is not None


def test_next_step_follows_the_saw_not_a_chatter_warning(qtbot: QtBot, alarm_bridge: EngineBridge,
                                                         alarm_engine: StandInEngine) -> None:
    alarm_engine.started = True
    overview = CutOverview(alarm_bridge)
    qtbot.addWidget(overview)
    overview.show_snapshot(_snap(1, 0, saw_state=float(SawState.CUTTING), head_height=50.0, **ROUND_50))
    assert "remaining —" in overview.times.text()  # 12:48 at the first second before
    alarm_engine.alarms.update("plc.bit.4", True, "PLC: chatter")  # process.chatter, medium: the saw cuts on
    QApplication.processEvents()
    overview.show_snapshot(_snap(2, 60_000, saw_state=float(SawState.COMPLETED), head_height=52.0, **ROUND_50))
    assert overview.next_label.text().startswith("Next: remove the cut piece")
    alarm_engine.alarms.update("plc.alarm", True, "PLC: overload", params={"code": 1})  # the PLC stopped the cut
    QApplication.processEvents()
    overview.show_snapshot(_snap(3, 61_000, saw_state=float(SawState.IDLE), head_height=52.0, **ROUND_50))
    assert overview.next_label.text() == "Next: read the alarm, clear the cause, reset the fault on the saw"
    alarm_engine.alarms.update("plc.alarm", False, "PLC alarm")  # reset on the saw; cleared, not yet acknowledged
    QApplication.processEvents()
    overview.show_snapshot(_snap(4, 62_000, saw_state=float(SawState.IDLE), head_height=52.0, **ROUND_50))
    assert overview.next_label.text() == "Next: load the next piece and start the cycle"
