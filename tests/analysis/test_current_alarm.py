"""The band current's "trip" on the overview has an operator alarm behind it (reviewer: the screen drew
"trip 90 A" while the band drew 120-128 A for whole cuts and no alarm fired)."""

from __future__ import annotations

from analysis_helpers import SawFeed

from core.analysis.alarm_policy import AlarmPolicy, Audience
from core.analysis.alarms import AlarmManager, AlarmState, AlarmTransition, Priority
from core.analysis.service import AnalysisService
from core.config import Settings
from core.registers import RegisterMap
from core.snapshot import SawState

OVERLOAD = "process.band_overload"


def _rig(
    settings: Settings, register_map: RegisterMap, feed: SawFeed
) -> tuple[AnalysisService, AlarmManager, list[AlarmTransition]]:
    alarms = AlarmManager(clock=lambda: feed.ts_ms / 1000, policy=AlarmPolicy.from_settings(settings, register_map))
    service = AnalysisService(settings, alarms, register_names=register_map.names, clock=lambda: feed.ts_ms / 1000)
    transitions: list[AlarmTransition] = []
    alarms.subscribe(transitions.append)
    return service, alarms, transitions


def _cut(service: AnalysisService, feed: SawFeed, seconds: float, current: float) -> None:
    """``seconds`` of a cut at 10 Hz with the band drawing ``current``; torque under the PLC's overload."""
    for _ in range(round(seconds * 10)):
        service.feed(feed.snap(saw_state=float(SawState.CUTTING), band_current=current, band_torque=96.0))


def test_band_current_over_the_bars_trip_alarms_after_the_delay_and_clears(
    settings: Settings, register_map: RegisterMap, feed: SawFeed
) -> None:
    limit = settings.hmi.bars["band_current"].overload
    assert limit == 198.0  # the bar's trip, derived from the torque bar (core.config)
    service, alarms, transitions = _rig(settings, register_map, feed)
    service.start()
    try:
        _cut(service, feed, 5.0, 128.0)  # the reviewer's cut: below the bar's guard and trip, no alarm
        _cut(service, feed, 1.5, 205.0)
        _cut(service, feed, 0.2, 197.0)  # a dip under the limit: the delay starts again
        _cut(service, feed, 1.9, 205.0)
        assert alarms.get(OVERLOAD) is None and transitions == []  # not before 2 s above the limit
        _cut(service, feed, 0.2, 205.0)
        (alarm,) = alarms.active()
        assert alarm.key == OVERLOAD and alarm.priority is Priority.HIGH and alarm.audience is Audience.OPERATOR
        assert alarm.members == ("process.band_overload.current",)
        assert alarm.text == "Band current 205 A over the 198 A limit"
        assert alarm.response == "Reduce descent speed or check the band"
        assert alarm.text_for("tr") == "Şerit akımı 205 A, 198 A sınırının üstünde"
        assert alarm.response_for("tr") == "İniş hızını düşürün veya şeridi kontrol edin"
        _cut(service, feed, 3.0, 192.0)  # under the limit, inside the hysteresis (5 %): still active
        assert alarms.is_active("process.band_overload.current")
        _cut(service, feed, 0.1, 185.0)
        assert not alarms.is_active("process.band_overload.current")
        assert alarms.get(OVERLOAD).state is AlarmState.RETURNED_UNACKNOWLEDGED  # type: ignore[union-attr]
        assert [t.action for t in transitions] == ["raise", "clear"]
        # Not while the saw is not cutting (the band running free or stopping).
        for _ in range(50):
            service.feed(feed.snap(saw_state=float(SawState.IDLE), band_current=205.0))
        assert [t.action for t in transitions] == ["raise", "clear"]
    finally:
        service.stop()


def test_a_plants_motor_rating_is_the_limit(settings: Settings, register_map: RegisterMap, feed: SawFeed) -> None:
    rated = settings.model_copy(deep=True)
    rated.hmi.bars["band_current"] = rated.hmi.bars["band_current"].model_copy(update={"overload": 125.0})
    service, alarms, _ = _rig(rated, register_map, feed)
    service.start()
    try:
        _cut(service, feed, 2.5, 131.0)
        (alarm,) = alarms.active()
        assert alarm.text == "Band current 131 A over the 125 A limit"
    finally:
        service.stop()
