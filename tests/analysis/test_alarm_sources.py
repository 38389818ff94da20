"""AlarmSources: PLC code/bit decoding, anomaly alarms, status conditions with delays."""

from __future__ import annotations

from pathlib import Path

import pytest
from analysis_helpers import SawFeed

from core.analysis.alarm_sources import STATUS_KEYS, AlarmSources
from core.analysis.alarms import AlarmManager, AlarmState, Priority
from core.analysis.detectors import AnomalyEvent, Severity
from core.analysis.settings import AlarmSourceSettings
from core.api import EngineStatus, LinkHealth, ServiceHealth, StorageHealth
from core.snapshot import Quality


class Clock:
    now = 1_700_000_000.0

    def __call__(self) -> float:
        return self.now


def rig(**kw: object) -> tuple[AlarmSources, AlarmManager, Clock]:
    clock = Clock()
    alarms = AlarmManager(clock=clock)
    return AlarmSources(alarms, AlarmSourceSettings(), clock=clock, **kw), alarms, clock  # type: ignore[arg-type]


def test_plc_code_and_bits_decoded(feed: SawFeed) -> None:
    sources, alarms, _ = rig()
    sources.on_snapshot(feed.snap(alarm_status=1.0, alarm_info=float(0b1001)))
    plc = alarms.get("plc.alarm")
    assert plc is not None and plc.text == "PLC: Band torque overload: cut stopped"
    assert plc.priority is Priority.CRITICAL and plc.state is AlarmState.UNACKNOWLEDGED
    assert alarms.get("plc.bit.0").priority is Priority.HIGH  # type: ignore[union-attr]
    assert alarms.get("plc.bit.3").text == "PLC: Band deviation above 0.5 mm"  # type: ignore[union-attr]
    assert alarms.get("plc.bit.3").priority is Priority.MEDIUM  # type: ignore[union-attr]
    sources.on_snapshot(feed.snap(Quality.COMM_ERROR))  # no data: nothing changes
    assert alarms.is_active("plc.alarm")
    sources.on_snapshot(feed.snap(alarm_status=77.0, alarm_info=float(0b1000)))
    assert alarms.get("plc.alarm").text == "PLC: PLC alarm code 77"  # type: ignore[union-attr]
    assert not alarms.is_active("plc.bit.0") and alarms.is_active("plc.bit.3")
    sources.on_snapshot(feed.snap(alarm_status=0.0, alarm_info=0.0))
    assert not alarms.is_active("plc.alarm")
    assert alarms.is_active("plc.bit.3")  # deviation is judged only while cutting: held until a cut shows it clear
    for _ in range(AlarmSourceSettings().clear_after_cutting_polls):
        sources.on_snapshot(feed.snap(saw_state=3.0, alarm_info=0.0))
    assert not alarms.is_active("plc.bit.3")
    assert alarms.get("plc.alarm").state is AlarmState.RETURNED_UNACKNOWLEDGED  # type: ignore[union-attr]


def test_bad_register_values_do_not_alarm(feed: SawFeed) -> None:
    sources, alarms, _ = rig()
    sources.on_snapshot(feed.snap(Quality.STALE, alarm_status=None, alarm_info=float("nan")))
    assert alarms.all() == []


def event(phase: str, severity: Severity) -> AnomalyEvent:
    return AnomalyEvent("band_current", "zscore", phase, severity, 25.0, 4.0, 12.0, 1_700_000_000_000)


def test_anomalies_above_the_floor_alarm() -> None:
    sources, alarms, _ = rig()
    key = "anomaly.band_current.zscore"
    sources.on_anomaly(event("onset", Severity.MEDIUM))
    assert alarms.get(key) is None  # below the default floor (high)
    sources.on_anomaly(event("escalate", Severity.HIGH))
    assert alarms.is_active(key) and "band current" in alarms.get(key).text  # type: ignore[union-attr]
    sources.on_anomaly(event("end", Severity.HIGH))
    assert not alarms.is_active(key)


def test_priority_longest_prefix() -> None:
    sources, _, _ = rig()
    assert sources.priority("plc.bit.1") is Priority.HIGH
    assert sources.priority("plc.bit.9") is Priority.MEDIUM
    assert sources.priority("anomaly.x.iqr") is Priority.MEDIUM
    assert sources.priority("nothing.known") is Priority.MEDIUM


def test_status_keys_only_when_owned(tmp_path: Path) -> None:
    with pytest.raises(ValueError, match="unknown"):
        rig(status_keys=["modbus.nope"])
    sources, alarms, _ = rig()
    sources.on_status(EngineStatus(link=LinkHealth(connected=False), running=True))
    assert alarms.all() == []  # owned by the poller by default


def test_status_conditions_with_delays(tmp_path: Path) -> None:
    free = {"bytes": 10 * 2**30}
    sources, alarms, clock = rig(
        status_keys=STATUS_KEYS, rate_floor_hz=8.0, rate_delay_s=10.0, mqtt_down_after_s=60.0,
        postgres_down_after_s=60.0, data_dir=tmp_path, disk_floor_mb=500, disk_free=lambda _: free["bytes"],
    )
    down = EngineStatus(
        link=LinkHealth(connected=False, last_error="timeout"),
        storage=StorageHealth(ok=False, backpressure=True, queue_rows=9000, error="disk I/O error"),
        mqtt=ServiceHealth(enabled=True, connected=False, backlog=5),
        postgres=ServiceHealth(enabled=False),
        running=True,
    )
    sources.on_status(down)
    assert alarms.is_active("storage.backpressure") and alarms.is_active("storage.error")
    assert not alarms.is_active("modbus.link_lost")  # not yet: 3 s delay
    clock.now += 3
    sources.on_status(down)
    assert alarms.is_active("modbus.link_lost") and alarms.get("modbus.link_lost").priority is Priority.CRITICAL  # type: ignore[union-attr]
    assert not alarms.is_active("mqtt.down")
    clock.now += 60
    free["bytes"] = 100 * 2**20
    sources.on_status(down)
    assert alarms.is_active("mqtt.down") and not alarms.is_active("postgres.down")
    assert alarms.is_active("storage.disk_low")
    slow = EngineStatus(link=LinkHealth(connected=True, achieved_hz=5.0), running=True)
    sources.on_status(slow)
    assert not alarms.is_active("modbus.link_lost") and not alarms.is_active("storage.backpressure")
    clock.now += 10
    sources.on_status(slow)
    assert alarms.is_active("modbus.rate_low")
    seen: list[object] = []
    alarms.subscribe(seen.append)
    clock.now += 1
    sources.on_status(slow)  # steady state: no new transitions, texts stay
    assert seen == []
