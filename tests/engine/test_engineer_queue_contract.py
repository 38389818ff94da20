"""core.api EngineApi.engineer_alarms: the real engine and the stand-in give the same engineer's queue
(statistical detectors apart from the operator's list and banner, acknowledged like any alarm)."""

from __future__ import annotations

import pytest

from core.analysis.alarm_policy import AlarmPolicy
from core.api import AlarmState, EngineApi, UserSession
from core.config import Settings
from core.engine import Engine
from core.registers import RegisterMap
from core.testing.standin_engine import StandInEngine

OPERATOR = UserSession.anonymous()


def _engines(settings: Settings, register_map: RegisterMap) -> list[EngineApi]:
    units = {register.name: register.unit for register in register_map}
    standin = StandInEngine(settings, register_map, alarm_policy=AlarmPolicy.from_settings(settings, units))
    return [Engine(settings, register_map, simulate=True), standin]


def _story(engine: EngineApi) -> list[object]:
    alarms = engine.alarms  # type: ignore[attr-defined]  # both hold the engine's AlarmManager
    seen: list[object] = []
    alarms.update("anomaly.hydraulic_temp", True, "zscore 5.1 > 4", value=61.0)
    alarms.update("modbus.link_lost", True, "no answer")
    queue = engine.engineer_alarms()
    seen.append([(a.key, a.state) for a in queue])
    seen.append([a.key for a in engine.active_alarms()])
    counts = engine.alarm_summary()
    seen.append((counts.engineer, counts.active_unacknowledged, counts.newest.key if counts.newest else None))
    assert engine.acknowledge_alarm(OPERATOR, "anomaly.hydraulic_temp").ok
    seen.append([(a.key, a.state) for a in engine.engineer_alarms()])
    alarms.update("anomaly.hydraulic_temp", False, "back inside")
    seen.append([(a.key, a.state) for a in engine.engineer_alarms()])
    return seen


@pytest.mark.parametrize("which", [0, 1], ids=["engine", "stand-in"])
def test_engineer_queue_apart_from_the_operator(settings: Settings, register_map: RegisterMap, which: int) -> None:
    engine = _engines(settings, register_map)[which]
    story = _story(engine)
    assert story == [
        [("anomaly.hydraulic_temp", AlarmState.UNACKNOWLEDGED)],
        ["modbus.link_lost"],  # the operator's list holds the operator's alarm only
        (1, 1, "modbus.link_lost"),  # counted for the engineer, never the banner's top alarm
        [("anomaly.hydraulic_temp", AlarmState.ACKNOWLEDGED)],
        # acknowledged and back inside: held for its off-delay (analysis.alarms.off_delay_s, ISA-18.2),
        # then off the queue (tests/analysis/test_engineer_chatter.py runs the clock on)
        [("anomaly.hydraulic_temp", AlarmState.ACKNOWLEDGED)],
    ]


def test_engine_and_stand_in_agree(settings: Settings, register_map: RegisterMap) -> None:
    real, standin = _engines(settings, register_map)
    assert _story(real) == _story(standin)
    assert [name for name in dir(EngineApi) if name == "engineer_alarms"] == ["engineer_alarms"]
