"""The Poller against a real Modbus TCP server: values, quality, outages, faults, alarms."""

from __future__ import annotations

import math
from collections.abc import AsyncIterator

import pytest
from modbus_helpers import MiniPlc, fast_modbus, wait_for

from core.analysis.alarms import AlarmManager
from core.config import Settings
from core.modbus.client import PlcClient
from core.modbus.poller import ALARM_LINK_LOST, Poller
from core.registers import RegisterMap
from core.snapshot import Quality, Snapshot

pytestmark = pytest.mark.integration


class Rig:
    def __init__(self, plc: MiniPlc, client: PlcClient, poller: Poller, alarms: AlarmManager) -> None:
        self.plc = plc
        self.client = client
        self.poller = poller
        self.alarms = alarms
        self.snapshots: list[Snapshot] = []
        self.poller_gap = 20

    def since(self, seq: int) -> list[Snapshot]:
        return [s for s in self.snapshots if s.seq > seq]

    async def next_snapshots(self, count: int, quality: Quality | None = None) -> list[Snapshot]:
        """Wait for ``count`` snapshots newer than now (of ``quality`` when given)."""
        mark = self.snapshots[-1].seq if self.snapshots else 0

        def matching() -> list[Snapshot]:
            return [s for s in self.since(mark) if quality is None or s.quality is quality]

        await wait_for(lambda: len(matching()) >= count, what=f"{count} {quality} snapshots")
        return matching()


@pytest.fixture
async def rig(plc: MiniPlc, settings: Settings, register_map: RegisterMap) -> AsyncIterator[Rig]:
    modbus = fast_modbus(settings, plc.port)
    settings = settings.model_copy(update={"modbus": modbus})
    client = PlcClient(modbus)
    alarms = AlarmManager()
    snapshots: list[Snapshot] = []
    poller = Poller(settings, register_map, client, snapshots.append, alarms=alarms)
    rig = Rig(plc, client, poller, alarms)
    rig.snapshots = snapshots
    rig.poller_gap = modbus.max_block_gap
    await client.connect()
    poller.start()
    try:
        yield rig
    finally:
        await poller.stop()
        await client.close()


def _set_all(plc: MiniPlc, register_map: RegisterMap, bias: float) -> dict[str, float]:
    expected: dict[str, float] = {}
    for index, reg in enumerate(register_map):
        value = (index + bias) * reg.scale
        plc.set_value(reg.name, value)
        expected[reg.name] = plc.value(reg.name)
    return expected


async def test_values_equal_the_servers(rig: Rig, register_map: RegisterMap) -> None:
    expected = _set_all(rig.plc, register_map, bias=3)
    snapshot = (await rig.next_snapshots(2, Quality.GOOD))[-1]
    assert dict(snapshot.values) == expected
    for reg in register_map:
        assert snapshot.raw[reg.name] == pytest.approx(expected[reg.name] / reg.scale)
    health = rig.poller.health()
    assert health.connected and health.last_good_ms == snapshot.ts_ms
    assert health.error_rate == 0.0 and health.polls >= 2


async def test_server_killed_and_restarted(rig: Rig, register_map: RegisterMap) -> None:
    _set_all(rig.plc, register_map, bias=1)
    await rig.next_snapshots(2, Quality.GOOD)
    await rig.plc.stop()
    outage = await rig.next_snapshots(5, Quality.COMM_ERROR)
    for snapshot in outage:  # nothing invented while the PLC is gone
        assert all(value is None for value in snapshot.values.values())
        assert all(value is None for value in snapshot.raw.values())
    await wait_for(lambda: rig.alarms.is_active(ALARM_LINK_LOST), what="link-lost alarm")
    assert not rig.poller.health().connected
    lost_at = rig.snapshots[-1].seq
    await rig.plc.start()
    expected = _set_all(rig.plc, register_map, bias=7)
    resumed = await rig.next_snapshots(3, Quality.GOOD)
    assert dict(resumed[-1].values) == expected
    await wait_for(lambda: not rig.alarms.is_active(ALARM_LINK_LOST), what="link-lost alarm cleared")
    qualities = [s.quality for s in rig.since(lost_at - 5)]
    assert Quality.COMM_ERROR in qualities and qualities[-1] is Quality.GOOD
    seqs = [s.seq for s in rig.snapshots]
    assert seqs == list(range(1, len(seqs) + 1))  # snapshots kept coming through the outage


async def test_one_block_refused_gives_stale_with_none(rig: Rig, register_map: RegisterMap) -> None:
    expected = _set_all(rig.plc, register_map, bias=2)
    rig.plc.exception_code = 2
    rig.plc.exception_address = register_map["vibration_x"].address
    stale = (await rig.next_snapshots(2, Quality.STALE))[-1]
    blocks = register_map.plan(rig.poller_gap)
    refused = {reg.name for block in blocks if block.address == 2100 for reg in block.registers}
    for name, value in stale.values.items():
        assert value == (None if name in refused else expected[name]), name
    assert rig.client.link_up
    assert rig.poller.health().error_rate > 0
    rig.plc.exception_code = None
    await rig.next_snapshots(2, Quality.GOOD)


async def test_every_request_refused_gives_comm_error(rig: Rig) -> None:
    rig.plc.exception_code = 4
    snapshot = (await rig.next_snapshots(2, Quality.COMM_ERROR))[-1]
    assert all(value is None for value in snapshot.values.values())
    assert "exception 4" in rig.poller.health().last_error
    rig.plc.exception_code = None
    await rig.next_snapshots(1, Quality.GOOD)


async def test_wrong_register_count_gives_comm_error_not_a_crash(rig: Rig) -> None:
    rig.plc.short_reply = True
    await rig.next_snapshots(2, Quality.COMM_ERROR)
    rig.plc.short_reply = False
    await rig.next_snapshots(1, Quality.GOOD)
    assert rig.poller.running


async def test_nan_float_becomes_none_and_stale(rig: Rig, register_map: RegisterMap) -> None:
    expected = _set_all(rig.plc, register_map, bias=4)
    rig.plc.set_nan("band_power")
    snapshot = (await rig.next_snapshots(2, Quality.STALE))[-1]
    assert snapshot.values["band_power"] is None and snapshot.raw["band_power"] is None
    assert snapshot.values["band_torque"] == expected["band_torque"]
    rig.plc.set_value("band_power", 5.5)
    good = (await rig.next_snapshots(1, Quality.GOOD))[-1]
    assert good.values["band_power"] == 5.5


async def test_out_of_range_value_is_passed_as_the_number(rig: Rig, register_map: RegisterMap) -> None:
    reg = register_map["ambient_temp"]
    rig.plc.set_words(reg.address, [0x7FFF])  # 3276.7 °C: garbage, but it is what the PLC says
    snapshot = (await rig.next_snapshots(2, Quality.GOOD))[-1]
    assert snapshot.values["ambient_temp"] == pytest.approx(3276.7)


async def test_silent_plc_comm_error_then_resume(rig: Rig) -> None:
    rig.plc.silent = True
    outage = await rig.next_snapshots(3, Quality.COMM_ERROR)
    assert all(all(v is None for v in s.values.values()) for s in outage)
    await wait_for(lambda: rig.alarms.is_active(ALARM_LINK_LOST), what="link-lost alarm")
    rig.plc.silent = False
    await rig.next_snapshots(2, Quality.GOOD)
    await wait_for(lambda: not rig.alarms.is_active(ALARM_LINK_LOST), what="alarm cleared")


async def test_connection_dropped_mid_run(rig: Rig) -> None:
    await rig.next_snapshots(2, Quality.GOOD)
    rig.plc.drop_connections()
    await wait_for(lambda: rig.client.link_losses == 1, what="drop noticed")
    await rig.next_snapshots(2, Quality.GOOD)


async def test_slow_answers_count_overruns(rig: Rig) -> None:
    rig.plc.delay_s = 0.04  # 4 blocks x 40 ms > one 50 ms period
    await wait_for(lambda: rig.poller.health().overruns >= 3, what="overruns")
    rig.plc.delay_s = 0.0
    snapshot = (await rig.next_snapshots(2, Quality.GOOD))[-1]
    assert snapshot.read_s < 1.0


async def test_broken_consumer_does_not_stop_polling(plc: MiniPlc, settings: Settings,
                                                     register_map: RegisterMap) -> None:
    modbus = fast_modbus(settings, plc.port)
    calls: list[int] = []

    def consumer(snapshot: Snapshot) -> None:
        calls.append(snapshot.seq)
        raise RuntimeError("consumer bug")

    async with PlcClient(modbus) as client:
        poller = Poller(settings.model_copy(update={"modbus": modbus}), register_map, client, consumer)
        poller.start()
        try:
            await wait_for(lambda: len(calls) >= 5, what="polls despite a failing consumer")
        finally:
            await poller.stop()
    assert poller.latest is not None and poller.latest.seq >= 5


async def test_health_figures(rig: Rig) -> None:
    await rig.next_snapshots(10)
    health = rig.poller.health()
    assert 0 < health.cycle_p50_ms <= health.cycle_p99_ms
    assert health.achieved_hz > 5
    assert not math.isnan(health.error_rate)
