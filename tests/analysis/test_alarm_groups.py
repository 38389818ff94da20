"""Correlated alarms: statistical members alone never raise the operator's group alarm (reviewer, #15)."""

from __future__ import annotations

import pytest
from analysis_helpers import SawFeed

from core.analysis.alarm_policy import AlarmPolicy, Audience
from core.analysis.alarm_sources import AlarmSources
from core.analysis.alarms import AlarmManager, AlarmState, AlarmTransition, Priority
from core.analysis.detectors import AnomalyEvent, Severity
from core.config import PROJECT_ROOT, load_settings
from core.registers import load_register_map
from core.snapshot import SawState

OVERLOAD, CHATTER = "process.band_overload", "process.chatter"
LOAD = "anomaly.band_load"  # the engineer family of the band torque and current detectors


class Clock:
    now = 1_700_000_000.0

    def __call__(self) -> float:
        return self.now


@pytest.fixture(scope="module")
def settings_and_policy() -> tuple[object, AlarmPolicy]:
    settings = load_settings(PROJECT_ROOT / "config" / "config.yaml")
    register_map = load_register_map(settings.register_map_path)
    return settings, AlarmPolicy.from_settings(settings, register_map)


def _pipeline(settings_and_policy: tuple[object, AlarmPolicy], clock: Clock | None = None) -> tuple[
        AlarmManager, AlarmSources, SawFeed, list[AlarmTransition]]:
    settings, policy = settings_and_policy
    alarms = AlarmManager(clock=clock or Clock(), policy=policy)
    sources = AlarmSources(alarms, settings.analysis.alarms)  # type: ignore[attr-defined]
    transitions: list[AlarmTransition] = []
    alarms.subscribe(transitions.append)
    feed = SawFeed(values={**SawFeed().values, "saw_state": float(SawState.CUTTING)})
    return alarms, sources, feed, transitions


def _zscore(signal: str, value: float, phase: str = "onset") -> AnomalyEvent:
    return AnomalyEvent(signal, "zscore", phase, Severity.HIGH, value, 4.0, 33.6, 0)


def test_zscores_alone_never_raise_the_operator_overload_alarm(settings_and_policy: tuple[object, AlarmPolicy]) -> None:
    """The reviewer's cut entry: torque 26 %, current 18.5 A z-scores, no PLC bit, alarm_status 0. The
    history then read "process.band_overload ... Unusual band_current: 27.900" at 27.9 A, inside the
    normal band: z-scores alone are engineer items (current and torque one item of their family, the
    band load), never under the operator's key, in words and units."""
    clock = Clock()
    alarms, sources, feed, transitions = _pipeline(settings_and_policy, clock)
    sources.on_snapshot(feed.snap(band_torque=26.0, band_current=18.5, alarm_status=0.0, alarm_info=0.0))
    sources.on_anomaly(_zscore("band_current", 18.5))
    sources.on_anomaly(_zscore("band_torque", 26.0))
    sources.on_anomaly(_zscore("descent_current", 1.9))
    assert alarms.active() == [] and alarms.counts().attention == 0 and alarms.counts().newest is None
    assert alarms.get(OVERLOAD) is None
    assert [t.alarm.key for t in transitions] == [LOAD, "anomaly.descent_current.zscore"]
    for transition in transitions:
        alarm = transition.alarm
        assert alarm.audience is Audience.ENGINEER, alarm
        assert alarm.priority is Priority.MEDIUM, alarm  # the detectors' priority, not the overload's 2
        for lang in ("en", "tr"):
            text = alarm.text_for(lang)
            assert "120" not in text and "overload" not in text.lower() and "aşırı" not in text, text
    load = alarms.get(LOAD)  # worded as its first member
    assert load is not None and load.text == "Unusual band current: 18.5 A (score 33.6 over 4)"
    assert load.text_for("tr") == "Olağandışı şerit akımı: 18,5 A (skor 33,6, eşik 4)"
    assert load.members == ("anomaly.band_current.zscore", "anomaly.band_torque.zscore")
    sources.on_anomaly(_zscore("band_current", 15.0, "end"))  # the torque leads: the item in its words
    load = alarms.get(LOAD)
    assert load is not None and load.text_for("tr") == "Olağandışı şerit torku: %26,0 (skor 33,6, eşik 4)"
    # The detectors calm down: the item leaves the engineer's queue after its off-delay (and once
    # acknowledged), never entering the operator's list.
    sources.on_anomaly(_zscore("band_torque", 20.0, "end"))
    assert alarms.active() == [] and not alarms.is_active("anomaly.band_current.zscore")
    assert alarms.is_active(LOAD) is False
    assert [a.key for a in alarms.engineer_queue()] == [LOAD, "anomaly.descent_current.zscore"]
    clock.now += 600
    alarms.tick()
    assert [t.alarm.key for t in transitions if t.action == "clear"] == [LOAD]
    assert alarms.get(OVERLOAD) is None and alarms.active() == []


def test_a_real_overload_is_the_operator_alarm_with_the_true_figure(
        settings_and_policy: tuple[object, AlarmPolicy]) -> None:
    alarms, sources, feed, _ = _pipeline(settings_and_policy)
    sources.on_anomaly(_zscore("band_torque", 118.0))  # the detector sees the rise first: engineer only
    assert alarms.active() == []
    sources.on_snapshot(feed.snap(band_torque=131.0, alarm_info=1.0))  # the PLC's overload bit
    (alarm,) = alarms.active()
    assert alarm.key == OVERLOAD and alarm.priority is Priority.HIGH and alarm.state is AlarmState.UNACKNOWLEDGED
    assert alarm.text == "Band torque overload: 131 %, overload limit 120 %"
    assert alarm.text_for("tr") == "Şerit tork aşırı yükü: %131, aşırı yük sınırı %120"
    # The detector's own episode stays its engineer item until it ends (never re-keyed as the overload).
    assert [a.key for a in alarms.engineer_queue()] == [LOAD]
    sources.on_anomaly(_zscore("band_current", 190.0))  # while the operator has the overload: part of it
    assert [a.key for a in alarms.engineer_queue()] == [LOAD] and alarms.get(LOAD).members == (  # type: ignore[union-attr]
        "anomaly.band_torque.zscore",)
    assert alarms.get(OVERLOAD).members == ("anomaly.band_current.zscore", "plc.bit.0")  # type: ignore[union-attr]
    assert alarms.get(OVERLOAD).text == "Band torque overload: 131 %, overload limit 120 %"  # type: ignore[union-attr]


def test_a_statistical_echo_never_takes_the_operators_cleared_alarm(
        settings_and_policy: tuple[object, AlarmPolicy]) -> None:
    alarms, sources, feed, _ = _pipeline(settings_and_policy)
    sources.on_snapshot(feed.snap(band_torque=131.0, alarm_info=1.0))
    sources.on_snapshot(feed.snap(band_torque=90.0, alarm_info=0.0))
    assert [(a.key, a.state) for a in alarms.active()] == [(OVERLOAD, AlarmState.RETURNED_UNACKNOWLEDGED)]
    sources.on_anomaly(_zscore("band_current", 18.5))  # after the bit cleared, before the operator acknowledged
    assert [(a.key, a.state) for a in alarms.active()] == [(OVERLOAD, AlarmState.RETURNED_UNACKNOWLEDGED)]
    assert alarms.counts().cleared_unacknowledged == 1
    assert alarms.acknowledge(OVERLOAD, "op") and alarms.active() == []


def test_a_group_logs_a_text_change_only_when_its_text_changes(settings_and_policy: tuple[object, AlarmPolicy]) -> None:
    """The reviewer's chatter alarm: six "text changed" rows with the same text as the axes came and went."""
    _, policy = settings_and_policy
    clock = Clock()
    alarms = AlarmManager(clock=clock, policy=policy)
    actions: list[tuple[str, str]] = []
    alarms.subscribe(lambda t: actions.append((t.action, t.alarm.text)))
    alarms.observe({"cutting_speed_actual": 64.0})
    alarms.update("plc.bit.4", True, "PLC: chatter")
    for axis in ("x", "y", "z", "x", "y", "z"):
        clock.now += 0.5
        alarms.update(f"anomaly.vibration_{axis}.iqr", True, f"iqr {axis}")
        clock.now += 0.5
        alarms.update(f"anomaly.vibration_{axis}.iqr", False, f"iqr {axis}")
        alarms.tick()
    alarms.update("plc.bit.4", True, "PLC: chatter (code 2)")  # a new member wording, the same operator text
    assert actions == [("raise", "Chatter: band speed 64 m/min is in this grade's chatter band")]
    chatter = alarms.get(CHATTER)
    assert chatter is not None and chatter.members == ("plc.bit.4",)


def test_a_group_text_change_is_rate_limited(settings_and_policy: tuple[object, AlarmPolicy]) -> None:
    """A plant's group of statistical members only (one engineer item for torque and current)."""
    _, shipped = settings_and_policy
    policy = AlarmPolicy(shipped.priorities, shipped.engineer_prefixes,
                         {"load.unusual": ("anomaly.band_torque", "anomaly.band_current")}, shipped.catalogue)
    clock = Clock()
    alarms = AlarmManager(clock=clock, policy=policy)
    texts: list[str] = []
    alarms.subscribe(lambda t: texts.append(t.alarm.text) if t.action == "text" else None)
    def params(score: float) -> dict[str, object]:
        return {"signal": "band_torque", "score": score, "threshold": 4.0}

    alarms.update("anomaly.band_torque.zscore", True, "z 1", value=100.0, params=params(1.0))  # engineer item
    assert alarms.get("load.unusual") is not None and alarms.engineer_queue()[0].key == "load.unusual"
    for i, value in enumerate((101.0, 102.0, 103.0, 104.0), start=2):
        clock.now += 1
        alarms.update("anomaly.band_torque.zscore", True, f"z {i}", value=value, params=params(float(i)))
        alarms.tick()
    assert len(texts) == 1  # the first change at once, the next ones held back
    clock.now += 10
    alarms.tick()
    assert len(texts) == 2 and texts[-1] == "Unusual band torque: 104.0 % (score 5.0 over 4)"


def test_a_group_alarm_keeps_the_value_seen_at_its_raise(settings_and_policy: tuple[object, AlarmPolicy]) -> None:
    """The reviewer read "Chatter: band speed 0 m/min" and "Band deviation 0.00 mm beyond the 0.50 mm
    limit": a member that came or went after the cut re-worded the held alarm with the stopped saw's value."""
    _, policy = settings_and_policy
    clock = Clock()
    alarms = AlarmManager(clock=clock, policy=policy)
    alarms.observe({"cutting_speed_actual": 64.0, "band_deviation": 0.72})
    alarms.update("plc.bit.4", True, "PLC: chatter")
    alarms.update("plc.bit.3", True, "PLC: band deviation")
    alarms.observe({"cutting_speed_actual": 0.0, "band_deviation": 0.0})  # the cut ended; the bits are held
    for key in ("anomaly.vibration_z.iqr", "anomaly.band_deviation.zscore"):
        clock.now += 20
        alarms.update(key, True, f"{key} late")
        alarms.tick()
        clock.now += 20
        alarms.update(key, False, f"{key} late")
        alarms.tick()
    alarms.update("plc.bit.4", True, "PLC: chatter (code 2)")  # a new member wording re-renders the text
    clock.now += 20
    alarms.tick()
    chatter = alarms.get(CHATTER)
    assert chatter is not None and chatter.text == "Chatter: band speed 64 m/min is in this grade's chatter band"
    assert chatter.text_for("tr") == "Titreşim: şerit hızı 64 m/dk, bu kalitenin titreşim bandında"
    texts = [a.text for a in alarms.all()]
    assert not any(" 0 m/min" in t or "0.00 mm" in t for t in texts), texts
