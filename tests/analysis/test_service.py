"""AnalysisService as the engine drives it: feed, status, guard events via alarms, stop/start."""

from __future__ import annotations

from pathlib import Path

from analysis_helpers import SawFeed

from core.analysis.alarms import AlarmManager, Priority
from core.analysis.service import AnalysisService
from core.analysis.store import read_rows
from core.api import EngineStatus
from core.config import PROJECT_ROOT, Settings, load_settings
from core.registers import RegisterMap
from core.snapshot import Quality, SawState


def test_feed_guard_alarms_and_restart(settings: Settings, register_map: RegisterMap, feed: SawFeed) -> None:
    clock = {"now": feed.ts_ms / 1000}
    alarms = AlarmManager(clock=lambda: clock["now"])
    service = AnalysisService(settings, alarms, register_names=register_map.names, mode=lambda: "ml",
                              clock=lambda: clock["now"])
    service.start()
    try:
        service.feed(feed.snap(saw_state=float(SawState.CUTTING), head_height=100.0))
        alarms.update("control.torque_guard", True, "Torque guard: rise 45 %", priority=Priority.MEDIUM)
        alarms.update("control.torque_guard", True, "Torque guard: rise 52 %", priority=Priority.MEDIUM)
        alarms.update("control.torque_guard", False, "Torque guard")
        service.feed(feed.snap(head_height=50.0, alarm_status=2.0, alarm_info=2.0))
        assert alarms.is_active("plc.alarm") and alarms.is_active("plc.bit.1")
        service.feed(feed.snap(saw_state=float(SawState.ERROR)))
    finally:
        service.stop()
    rows = read_rows(service.total_path, "SELECT outcome, guard_events, control_mode FROM cuts")
    assert [(r["outcome"], r["guard_events"], r["control_mode"]) for r in rows] == [("error", 2, "ml")]

    # A cut open at stop is taken over by the next start.
    second = AnalysisService(settings, alarms, register_names=register_map.names, clock=lambda: clock["now"])
    second.start()
    try:
        second.feed(feed.snap(saw_state=float(SawState.CUTTING), head_height=100.0, alarm_status=0.0))
    finally:
        second.stop()
    third = AnalysisService(settings, alarms, register_names=register_map.names, clock=lambda: clock["now"])
    third.start()
    try:
        assert third.tracker.open_cut is not None and third.tracker.suspended
        third.feed(feed.snap(head_height=20.0))
        record = third.tracker.feed(feed.snap(saw_state=float(SawState.COMPLETED), head_height=0.0))
        assert record is not None and record.outcome == "completed" and record.gap_s > 0
        # No polls at all: on_status lets the tracker notice and suspend a cut.
        third.feed(feed.snap(saw_state=float(SawState.CUTTING), head_height=100.0))
        clock["now"] = feed.ts_ms / 1000 + 60
        third.on_status(EngineStatus(running=True))
        assert third.tracker.suspended
        third.feed(feed.snap(Quality.COMM_ERROR))
    finally:
        third.stop()


def test_unknown_detector_signal_raises_a_config_alarm(tmp_path: Path, register_map: RegisterMap) -> None:
    settings = load_settings(
        PROJECT_ROOT / "config" / "config.yaml", env={}, env_file=tmp_path / "no.env",
        overrides={"paths": {"data_dir": str(tmp_path / "data")},
                   "analysis": {"detectors": [{"signal": "band_curent", "kind": "zscore", "threshold": 4}]}},
    )
    alarms = AlarmManager()
    service = AnalysisService(settings, alarms, register_names=register_map.names)
    service.start()
    service.stop()
    alarm = alarms.get("analysis.config")
    assert alarm is not None and alarm.condition and "band_curent" in alarm.text


def test_disabled_does_nothing(tmp_path: Path, register_map: RegisterMap, feed: SawFeed) -> None:
    settings = load_settings(
        PROJECT_ROOT / "config" / "config.yaml", env={}, env_file=tmp_path / "no.env",
        overrides={"paths": {"data_dir": str(tmp_path / "data")}, "analysis": {"enabled": False}},
    )
    service = AnalysisService(settings, AlarmManager(), register_names=register_map.names)
    service.start()
    service.feed(feed.snap(saw_state=float(SawState.CUTTING), alarm_status=1.0))
    service.stop()
    assert service.tracker.open_cut is None
