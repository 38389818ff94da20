"""The engineer's queue in ISA-18.2 terms: a detector family is one item, an episode that comes back
within the off-delay is counted on the standing item, and a real fault still raises its item.

A fault-free simulated hour raised 11-23 engineer items (bench/alarm_rate.py): vibration X, Y and Z
seeing one event as three items, and the same detector going over and under its threshold cut
after cut, each time a new item.
"""

from __future__ import annotations

import random
from pathlib import Path

import pytest
from analysis_helpers import SawFeed

from core.analysis.alarm_policy import AlarmPolicy, Audience
from core.analysis.alarms import AlarmManager, AlarmState, AlarmTransition
from core.analysis.service import AnalysisService
from core.analysis.settings import AlarmSourceSettings
from core.config import Settings
from core.registers import RegisterMap
from core.snapshot import SawState, Snapshot
from tests.tmp_settings import settings_in

VIBRATION = "anomaly.vibration"
OFF_DELAY_S = 600.0  # the shipped analysis.alarms.off_delay_s.anomaly


class Clock:
    now = 1_700_000_000.0

    def __call__(self) -> float:
        return self.now


@pytest.fixture
def policy(settings: Settings, register_map: RegisterMap) -> AlarmPolicy:
    return AlarmPolicy.from_settings(settings, register_map)


def _raises(transitions: list[AlarmTransition]) -> list[str]:
    return [t.alarm.key for t in transitions if t.action == "raise"]


def test_vibration_axes_are_one_item(policy: AlarmPolicy) -> None:
    clock = Clock()
    alarms = AlarmManager(clock=clock, policy=policy)
    transitions: list[AlarmTransition] = []
    alarms.subscribe(transitions.append)
    for axis in ("x", "y", "z"):
        alarms.update(f"anomaly.vibration_{axis}.iqr", True, f"iqr {axis}", value=0.2,
                      params={"signal": f"vibration_{axis}", "score": 7.0, "threshold": 3.0})
        clock.now += 1
    assert _raises(transitions) == [VIBRATION]
    (item,) = alarms.engineer_queue()
    assert item.key == VIBRATION and item.audience is Audience.ENGINEER and alarms.active() == []
    assert item.members == ("anomaly.vibration_x.iqr", "anomaly.vibration_y.iqr", "anomaly.vibration_z.iqr")
    assert item.text == "Unusual vibration x: 0.200 g (score 7.0 over 3)"  # worded as its first member


def test_an_episode_within_the_off_delay_is_counted_on_the_item(policy: AlarmPolicy) -> None:
    clock = Clock()
    alarms = AlarmManager(clock=clock, policy=policy)
    transitions: list[AlarmTransition] = []
    alarms.subscribe(transitions.append)
    key = "anomaly.descent_current.zscore"  # no family: its own item
    params = {"signal": "descent_current", "score": 9.0, "threshold": 4.0}
    for _ in range(5):  # chattering: over and under the threshold, cut after cut (3 min apart)
        alarms.update(key, True, "z", value=1.3, params=params)
        clock.now += 20
        alarms.update(key, False, "z", value=1.0, params=params)
        assert not alarms.is_active(key)  # the condition ended; the item stands for its off-delay
        clock.now += 160
        alarms.tick()
    assert _raises(transitions) == [key] and [t.action for t in transitions if t.action == "clear"] == []
    item = alarms.get(key)
    assert item is not None and item.condition and item.repeats == 4 and item.state is AlarmState.UNACKNOWLEDGED
    assert item.repeated_ms == int((clock.now - 180) * 1000)
    clock.now += OFF_DELAY_S
    alarms.tick()
    assert [t.action for t in transitions][-1] == "clear"
    item = alarms.get(key)
    assert item is not None and item.state is AlarmState.RETURNED_UNACKNOWLEDGED and item.repeats == 4
    assert [a.key for a in alarms.engineer_queue()] == [key]  # until the engineer acknowledges it
    # After the off-delay the next episode is a new item (raised, needing acknowledgement again).
    assert alarms.acknowledge(key, "eng") and alarms.engineer_queue() == []
    alarms.update(key, True, "z", value=1.4, params=params)
    assert _raises(transitions) == [key, key] and alarms.get(key).repeats == 0  # type: ignore[union-attr]


def test_operator_alarms_have_no_off_delay(policy: AlarmPolicy) -> None:
    clock = Clock()
    alarms = AlarmManager(clock=clock, policy=policy)
    alarms.update("plc.bit.1", True, "PLC: tooth breakage")
    alarms.update("plc.bit.1", False, "PLC: tooth breakage")
    assert alarms.get("plc.bit.1").state is AlarmState.RETURNED_UNACKNOWLEDGED  # type: ignore[union-attr]
    alarms.update("plc.bit.1", True, "PLC: tooth breakage")
    assert alarms.get("plc.bit.1").state is AlarmState.UNACKNOWLEDGED  # type: ignore[union-attr]


@pytest.mark.parametrize(("field", "value", "words"), [
    ("off_delay_s", {"plc.bit": 60.0}, "only engineer_queue keys"),
    ("engineer_families", {"anomaly.load": ["anomaly.band_torque", "plc.bit.0"]}, "not an engineer_queue key"),
    ("engineer_families", {"process.chatter": ["anomaly.vibration_x"]}, "also a group key"),
])
def test_families_and_off_delays_never_take_an_operator_alarm(field: str, value: object, words: str) -> None:
    with pytest.raises(ValueError, match=words):
        AlarmSourceSettings.model_validate({field: value})


def _cut(feed: SawFeed, rng: random.Random, fault: bool = False) -> list[Snapshot]:
    """A 30 s cut at 10 Hz with vibration noise; ``fault``: a band crack's hammering on every axis
    for the middle 3 s (1.2 g against 0.1 g)."""
    snaps = [feed.snap(saw_state=float(SawState.READY), head_height=101.0)]
    for i in range(301):
        shaking = fault and 140 <= i < 170
        axes: dict[str, float | None] = {
            f"vibration_{a}": (1.2 if shaking else 0.1) + rng.gauss(0, 0.01) for a in "xyz"}
        feed.values.update(axes)
        snaps.append(feed.snap(saw_state=float(SawState.CUTTING), head_height=100.0 - i / 3, band_current=10.0,
                               band_torque=50.0 + rng.gauss(0, 1)))
    snaps.append(feed.snap(saw_state=float(SawState.COMPLETED), cut_count=(feed.values["cut_count"] or 0) + 1))
    snaps.append(feed.snap(saw_state=float(SawState.IDLE), head_height=120.0))
    return snaps


def _service(tmp_path: Path, register_map: RegisterMap, feed: SawFeed) -> tuple[AnalysisService, AlarmManager,
                                                                                list[AlarmTransition]]:
    settings = settings_in(tmp_path)
    clock = lambda: feed.ts_ms / 1000  # noqa: E731  # the snapshots' time
    alarms = AlarmManager(clock=clock, policy=AlarmPolicy.from_settings(settings, register_map))
    transitions: list[AlarmTransition] = []
    alarms.subscribe(transitions.append)
    service = AnalysisService(settings, alarms, register_names=register_map.names, clock=clock)
    return service, alarms, transitions


def test_a_vibration_fault_raises_its_item(tmp_path: Path, register_map: RegisterMap) -> None:
    """The detectors on a real fault, through the engine's analysis: clean cuts raise nothing, a band
    crack's hammering raises the vibration item at once (one item for the three axes), with its value."""
    feed, rng = SawFeed(), random.Random(3)
    service, alarms, transitions = _service(tmp_path, register_map, feed)
    service.start()
    try:
        for _ in range(3):
            for snap in _cut(feed, rng):
                service.feed(snap)
        assert _raises(transitions) == []  # fault-free cuts: nothing for anyone
        raised_at = None
        faulty = _cut(feed, rng, fault=True)
        fault_start = faulty[1 + 140].ts_ms  # the first shaking poll (after READY)
        for snap in faulty:
            service.feed(snap)
            if raised_at is None and _raises(transitions):
                raised_at = snap.ts_ms
    finally:
        service.stop()
    assert _raises(transitions) == [VIBRATION] and alarms.active() == []
    item = alarms.get(VIBRATION)
    assert item is not None and item.audience is Audience.ENGINEER and item.state is AlarmState.UNACKNOWLEDGED
    assert item.value is not None and item.value > 1.0 and "vibration" in item.text
    assert raised_at is not None and raised_at - fault_start <= 500  # no on-delay: raised within 0.5 s


def test_a_fault_after_a_false_episode_is_not_hidden(tmp_path: Path, register_map: RegisterMap) -> None:
    """A fleeting episode, then a real fault: past the off-delay the fault is a new raise; within it the
    standing item is active again in the fault's words and value, its repeat counted (never left
    cleared or in the earlier episode's figures)."""
    feed, rng = SawFeed(), random.Random(4)
    service, alarms, transitions = _service(tmp_path, register_map, feed)
    service.start()
    try:
        for _ in range(3):
            for snap in _cut(feed, rng):
                service.feed(snap)
        for snap in _cut(feed, rng, fault=True):  # the first episode, e.g. a false one
            service.feed(snap)
        assert _raises(transitions) == [VIBRATION]
        first = alarms.get(VIBRATION)
        assert first is not None and alarms.acknowledge(VIBRATION, "eng")
        # Within the off-delay (two minutes on): counted on the item, active and in the new figures.
        feed.snap(step_ms=120_000)
        seen: list[tuple[int, AlarmState, float | None]] = []
        for snap in _cut(feed, rng, fault=True):
            service.feed(snap)
            if alarms.is_active(VIBRATION):
                held = alarms.get(VIBRATION)
                assert held is not None
                seen.append((held.repeats, held.state, held.value))
        assert _raises(transitions) == [VIBRATION] and seen
        assert {(repeats, state) for repeats, state, _ in seen} == {(1, AlarmState.ACKNOWLEDGED)}
        assert all(value is not None and value > 1.0 for _, _, value in seen)
        # Past the off-delay (the engine ticks once a second): the item clears; the next fault raises anew.
        feed.snap(step_ms=int(OFF_DELAY_S * 1000) + 1000)
        alarms.tick()
        assert alarms.get(VIBRATION).condition is False  # type: ignore[union-attr]
        for snap in _cut(feed, rng, fault=True):
            service.feed(snap)
    finally:
        service.stop()
    assert _raises(transitions) == [VIBRATION, VIBRATION]
    item = alarms.get(VIBRATION)
    assert item is not None and item.state is AlarmState.UNACKNOWLEDGED and item.value is not None
    assert item.value > 1.0 and item.repeats == 0
