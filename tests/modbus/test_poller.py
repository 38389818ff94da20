"""The Poller against the simulated PLC over Modbus TCP: values, quality, outages, faults, alarms."""

from __future__ import annotations

import asyncio
import math
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager

import pytest
from modbus_helpers import MiniPlc, fast_modbus, image_value

from core.analysis.alarms import AlarmManager
from core.config import Settings
from core.modbus.client import PlcClient
from core.modbus.poller import ALARM_LINK_LOST, Poller
from core.registers import RegisterMap
from core.sim.server import SimulatorServer
from core.snapshot import Quality, Snapshot
from tests.waiting import wait_until

pytestmark = pytest.mark.integration


class Rig:
    def __init__(self, client: PlcClient, poller: Poller, alarms: AlarmManager, snapshots: list[Snapshot]) -> None:
        self.client = client
        self.poller = poller
        self.alarms = alarms
        self.snapshots = snapshots

    def since(self, seq: int) -> list[Snapshot]:
        return [s for s in self.snapshots if s.seq > seq]

    async def next_snapshots(self, count: int, quality: Quality | None = None) -> list[Snapshot]:
        """Wait for ``count`` snapshots newer than now (of ``quality`` when given)."""
        mark = self.snapshots[-1].seq if self.snapshots else 0

        def matching() -> list[Snapshot]:
            return [s for s in self.since(mark) if quality is None or s.quality is quality]

        await wait_until(lambda: len(matching()) >= count, f"{count} {quality} snapshots")
        return matching()


@asynccontextmanager
async def running_rig(settings: Settings, register_map: RegisterMap, port: int) -> AsyncIterator[Rig]:
    modbus = fast_modbus(settings, port)
    client = PlcClient(modbus)
    alarms = AlarmManager()
    snapshots: list[Snapshot] = []
    poller = Poller(settings.model_copy(update={"modbus": modbus}), register_map, client, snapshots.append,
                    alarms=alarms)
    await client.connect()
    poller.start()
    try:
        yield Rig(client, poller, alarms, snapshots)
    finally:
        await poller.stop()
        await client.close()


@pytest.fixture
async def rig(sim: SimulatorServer, settings: Settings, register_map: RegisterMap) -> AsyncIterator[Rig]:
    async with running_rig(settings, register_map, sim.port) as rig:
        yield rig


@pytest.fixture
async def plc_rig(plc: MiniPlc, settings: Settings, register_map: RegisterMap) -> AsyncIterator[Rig]:
    async with running_rig(settings, register_map, plc.port) as rig:
        yield rig


def _served(sim: SimulatorServer, register_map: RegisterMap) -> dict[str, float]:
    return {reg.name: image_value(sim, reg.name) for reg in register_map}


async def test_values_equal_the_simulators(rig: Rig, sim: SimulatorServer, register_map: RegisterMap) -> None:
    await rig.next_snapshots(1, Quality.GOOD)
    sim.paused = True  # hold the physics: the image stays still
    expected = _served(sim, register_map)
    snapshot = (await rig.next_snapshots(2, Quality.GOOD))[-1]
    assert dict(snapshot.values) == expected
    for reg in register_map:
        assert snapshot.raw[reg.name] == pytest.approx(expected[reg.name] / reg.scale)
    health = rig.poller.health()
    assert health.connected and health.last_good_ms == snapshot.ts_ms
    assert health.error_rate == 0.0 and health.polls >= 2
    sim.paused = False
    moving = (await rig.next_snapshots(3, Quality.GOOD))[-1]
    assert moving.ts_ms > snapshot.ts_ms


async def test_simulator_killed_and_restarted(rig: Rig, sim: SimulatorServer, register_map: RegisterMap) -> None:
    await rig.next_snapshots(2, Quality.GOOD)
    await sim.stop()
    outage = await rig.next_snapshots(5, Quality.COMM_ERROR)
    for snapshot in outage:  # nothing invented while the PLC is gone
        assert all(value is None for value in snapshot.values.values())
        assert all(value is None for value in snapshot.raw.values())
    await wait_until(lambda: rig.alarms.is_active(ALARM_LINK_LOST), "link-lost alarm")
    assert not rig.poller.health().connected
    lost_at = rig.snapshots[-1].seq
    await sim.start()
    try:
        await rig.next_snapshots(2, Quality.GOOD)
        sim.paused = True
        expected = _served(sim, register_map)
        resumed = await rig.next_snapshots(2, Quality.GOOD)
        assert dict(resumed[-1].values) == expected
        await wait_until(lambda: not rig.alarms.is_active(ALARM_LINK_LOST), "link-lost alarm cleared")
    finally:
        await sim.stop()  # this test's restart made new server tasks: end them here
    qualities = [s.quality for s in rig.since(lost_at - 5)]
    assert Quality.COMM_ERROR in qualities and Quality.GOOD in qualities
    seqs = [s.seq for s in rig.snapshots]
    assert seqs == list(range(1, len(seqs) + 1))  # snapshots kept coming through the outage


async def test_one_block_refused_gives_stale_with_none(plc_rig: Rig, plc: MiniPlc, register_map: RegisterMap,
                                                       settings: Settings) -> None:
    for index, reg in enumerate(register_map):
        plc.set_value(reg.name, (index + 2) * reg.scale)
    expected = {reg.name: plc.value(reg.name) for reg in register_map}
    plc.exception_code = 2
    plc.exception_address = register_map["vibration_x"].address
    stale = (await plc_rig.next_snapshots(2, Quality.STALE))[-1]
    blocks = register_map.plan(settings.modbus.max_block_gap)
    refused = {reg.name for block in blocks if block.address == 2100 for reg in block.registers}
    for name, value in stale.values.items():
        assert value == (None if name in refused else expected[name]), name
    assert plc_rig.client.link_up
    assert plc_rig.poller.health().error_rate > 0
    plc.exception_code = None
    await plc_rig.next_snapshots(2, Quality.GOOD)


async def test_every_request_refused_gives_comm_error(rig: Rig, sim: SimulatorServer) -> None:
    sim.faults.exception(4)
    snapshot = (await rig.next_snapshots(2, Quality.COMM_ERROR))[-1]
    assert all(value is None for value in snapshot.values.values())
    assert "exception 4" in rig.poller.health().last_error
    assert rig.client.link_up
    sim.faults.clear_exception()
    await rig.next_snapshots(1, Quality.GOOD)


async def test_wrong_register_count_gives_comm_error_not_a_crash(plc_rig: Rig, plc: MiniPlc) -> None:
    plc.short_reply = True
    await plc_rig.next_snapshots(2, Quality.COMM_ERROR)
    plc.short_reply = False
    await plc_rig.next_snapshots(1, Quality.GOOD)
    assert plc_rig.poller.running


async def test_nan_float_becomes_none_and_stale(rig: Rig, sim: SimulatorServer) -> None:
    sim.faults.override("band_power", words=[0x7FC0, 0x0000])  # float32 NaN
    snapshot = (await rig.next_snapshots(2, Quality.STALE))[-1]
    assert snapshot.values["band_power"] is None and snapshot.raw["band_power"] is None
    assert snapshot.values["band_torque"] is not None
    sim.faults.override("band_power", words=[0x7F80, 0x0000])  # +inf
    assert (await rig.next_snapshots(2, Quality.STALE))[-1].values["band_power"] is None
    sim.faults.clear_override("band_power")
    good = (await rig.next_snapshots(1, Quality.GOOD))[-1]
    assert good.values["band_power"] is not None


async def test_out_of_range_value_is_passed_as_the_number(rig: Rig, sim: SimulatorServer) -> None:
    sim.faults.override("ambient_temp", raw=32767)  # 3276.7 °C: garbage, but it is what the PLC says
    snapshot = (await rig.next_snapshots(2, Quality.GOOD))[-1]
    assert snapshot.values["ambient_temp"] == pytest.approx(3276.7)


async def test_silent_plc_comm_error_then_resume(rig: Rig, sim: SimulatorServer) -> None:
    sim.faults.silence(60)
    outage = await rig.next_snapshots(3, Quality.COMM_ERROR)
    assert all(all(v is None for v in s.values.values()) for s in outage)
    await wait_until(lambda: rig.alarms.is_active(ALARM_LINK_LOST), "link-lost alarm")
    sim.faults.clear_silence()
    await rig.next_snapshots(2, Quality.GOOD)
    await wait_until(lambda: not rig.alarms.is_active(ALARM_LINK_LOST), "alarm cleared")


async def test_connection_dropped_mid_run(rig: Rig, sim: SimulatorServer) -> None:
    await rig.next_snapshots(2, Quality.GOOD)
    assert sim.faults.drop_connections() == 1
    await wait_until(lambda: rig.client.link_losses == 1, "drop noticed")
    await rig.next_snapshots(2, Quality.GOOD)


async def test_slow_answers_count_overruns(rig: Rig, sim: SimulatorServer) -> None:
    sim.faults.delay(0.04)  # 4 blocks x 40 ms > one 50 ms period
    await wait_until(lambda: rig.poller.health().overruns >= 3, "overruns")
    sim.faults.clear_delay()
    snapshot = (await rig.next_snapshots(2, Quality.GOOD))[-1]
    assert snapshot.read_s < 1.0


async def test_answers_later_than_the_timeout_are_comm_errors(rig: Rig, sim: SimulatorServer) -> None:
    sim.faults.delay(0.6)  # beyond the 0.3 s timeout: as good as no answer
    late = await rig.next_snapshots(2, Quality.COMM_ERROR)
    assert all(all(v is None for v in s.values.values()) for s in late)
    sim.faults.clear_delay()
    await rig.next_snapshots(2, Quality.GOOD)
    await wait_until(lambda: sim.in_flight == 0, "late answers drained")


async def test_broken_consumer_does_not_stop_polling(sim: SimulatorServer, settings: Settings,
                                                     register_map: RegisterMap) -> None:
    modbus = fast_modbus(settings, sim.port)
    calls: list[int] = []

    def consumer(snapshot: Snapshot) -> None:
        calls.append(snapshot.seq)
        raise RuntimeError("consumer bug")

    async with PlcClient(modbus) as client:
        poller = Poller(settings.model_copy(update={"modbus": modbus}), register_map, client, consumer)
        poller.start()
        try:
            await wait_until(lambda: len(calls) >= 5, "polls despite a failing consumer")
        finally:
            await poller.stop()
    assert poller.latest is not None and poller.latest.seq >= 5


async def test_health_figures(rig: Rig) -> None:
    await rig.next_snapshots(10)
    health = rig.poller.health()
    assert 0 < health.cycle_p50_ms <= health.cycle_p99_ms
    assert health.achieved_hz > 5
    assert not math.isnan(health.error_rate)


async def test_stop_always_ends_a_busy_poller(sim: SimulatorServer, settings: Settings,
                                              register_map: RegisterMap) -> None:
    """Stopping lands at random points of a request (Python 3.11's wait_for can drop it there)."""
    modbus = fast_modbus(settings, sim.port)
    fast = settings.model_copy(update={"modbus": modbus})
    async with PlcClient(modbus) as client:
        for _ in range(15):
            poller = Poller(fast, register_map, client, lambda snapshot: None, rate_hz=1000.0)
            await _start_then_stop(poller)


async def _start_then_stop(poller: Poller) -> None:
    poller.start()
    await wait_until(lambda: poller.health().polls >= 3, "polls")
    await asyncio.wait_for(poller.stop(), 5.0)
    assert not poller.running
