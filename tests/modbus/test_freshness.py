"""Data is as old as the moment it was read: freshness counts from a poll's read start.

A poll whose reads took longer than the allowed age arrives stale, however recently it completed:
no write (the Writer) and no ML decision (the safety envelope) on it. Before, freshness counted
from the poll's completion, so a read that took 2.5 s counted as fresh when it arrived.
"""

from __future__ import annotations

import asyncio
from collections.abc import Sequence

import pytest
from modbus_helpers import FakeClock

from core.api import WriteResult
from core.config import Settings
from core.control.envelope import LiveCheck, Precheck, SafetyEnvelope
from core.control.status import ControlState
from core.modbus.client import PlcClient
from core.modbus.writer import Writer
from core.registers import RegisterMap
from core.snapshot import Quality, SawState, Snapshot
from tests.sim_rig import SHIPPED_MODEL, sim_rig
from tests.waiting import wait_until


def _snapshot(completed: float, read_s: float) -> Snapshot:
    values = {"cutting_speed": 70.0, "descent_speed": 30.0, "saw_state": float(SawState.CUTTING)}
    return Snapshot(1, 0, completed, values, dict(values), Quality.GOOD, read_s=read_s)


def test_a_snapshot_is_as_old_as_its_read_start() -> None:
    slow = _snapshot(100.0, read_s=2.5)  # completed at 100.0 after 2.5 s of reads
    assert slow.read_started == 97.5
    assert slow.age_s(100.0) == 2.5
    assert not slow.is_fresh(0.2, 100.0)
    quick = _snapshot(100.0, read_s=0.01)
    assert quick.is_fresh(0.2, 100.1)


def test_the_safety_envelope_judges_a_slow_read_stale(settings: Settings, register_map: RegisterMap) -> None:
    envelope = SafetyEnvelope(register_map, settings.control, read_rate_hz=10.0, write_rate_hz=2.0)
    assert envelope.max_age_s == pytest.approx(0.2)
    now = 100.0
    assert envelope.is_fresh(_snapshot(now, read_s=0.05), now + 0.1)
    assert not envelope.is_fresh(_snapshot(now, read_s=0.25), now)  # just completed, read 0.25 s ago
    assert not envelope.is_fresh(_snapshot(now, read_s=2.5), now)
    verdict = envelope.admit("descent_speed", 31.0, _snapshot(now, read_s=0.25), now)
    assert not verdict.allowed and verdict.reason == "data is stale"


class _Plc:
    """Two setpoints in memory (the Writer's client)."""

    def __init__(self, register_map: RegisterMap) -> None:
        self.words: dict[int, int] = {}
        self.writes: list[tuple[int, list[int]]] = []
        reg = register_map["descent_speed"]
        self.words.update(enumerate(reg.encode(30.0), start=reg.address))

    @property
    def link_up(self) -> bool:
        return True

    async def read_holding(self, address: int, count: int) -> list[int]:
        return [self.words.get(address + i, 0) for i in range(count)]

    async def write_registers(self, address: int, words: Sequence[int]) -> None:
        self.writes.append((address, list(words)))
        self.words.update(enumerate(words, start=address))


async def test_the_writer_refuses_a_poll_that_took_longer_than_the_allowed_age(
    settings: Settings, register_map: RegisterMap
) -> None:
    clock = FakeClock()
    plc = _Plc(register_map)
    snapshot = [_snapshot(clock.now, read_s=0.3)]  # completed now, its reads began 0.3 s ago
    writer = Writer(settings, register_map, plc, lambda: snapshot[0], clock=clock, max_age_s=0.2)
    stale = await writer.write("descent_speed", 32.0, user="alice")
    assert not stale.ok and stale.code == "write.stale" and stale.params["age"] == pytest.approx(0.3)
    assert plc.writes == []
    snapshot[0] = _snapshot(clock.now, read_s=0.05)
    assert (await writer.write("descent_speed", 32.0, user="alice")).written == 32.0


class _SlowReads:
    """The poller's client with every poll's first block read ``delay_s`` late (a slow PLC or link)."""

    def __init__(self, client: PlcClient, first_address: int, delay_s: float) -> None:
        self._client = client
        self._first = first_address
        self.delay_s = delay_s
        self.slow_reads = 0

    @property
    def link_up(self) -> bool:
        return self._client.link_up

    @property
    def last_error(self) -> str:
        return self._client.last_error

    async def read_holding(self, address: int, count: int) -> list[int]:
        if address == self._first and self.delay_s > 0:
            self.slow_reads += 1
            await asyncio.sleep(self.delay_s)
        return await self._client.read_holding(address, count)


@pytest.mark.integration
@pytest.mark.slow
async def test_no_ml_write_on_polls_that_read_slower_than_the_allowed_age(
    settings: Settings, register_map: RegisterMap
) -> None:
    """ML on the simulator over Modbus TCP with every poll's reads taking 0.3 s (the allowed age is
    0.2 s): ML is in a cut past its initial delay and writes nothing. With freshness counted from
    the poll's completion, ML wrote on those polls (each counted fresh for 0.2 s after it arrived)."""
    initial = {"initial_descent_mm": 1.0, "initial_delay_min_s": 1.0}
    async with sim_rig(settings, register_map, seed=31, speedup=8.0, modbus={"timeout_s": 1.0}, control=initial) as rig:
        sim, modbus, control = rig.sim, rig.settings.modbus, rig.settings.control
        max_age_s = control.stale_after_periods / modbus.read_rate_hz
        slow = _SlowReads(rig.client, register_map.plan(modbus.max_block_gap)[0].address, delay_s=1.5 * max_age_s)
        poller = rig.poll(slow)
        writer = rig.write_through()  # the Writer's reads are quick
        attempts: list[tuple[str, float]] = []
        states: set[ControlState] = set()

        async def write(
            name: str, value: float, *, user: str, reason: str, precheck: Precheck | None = None,
            live_check: LiveCheck | None = None,
        ) -> WriteResult:
            attempts.append((name, value))
            return await writer.write(name, value, user=user, reason=reason, precheck=precheck, live_check=live_check)

        controller = rig.control(write)
        assert controller.load_model(SHIPPED_MODEL)
        await rig.start()
        loop = asyncio.get_running_loop()
        cutting_since: list[float] = []

        def cut_on_for(seconds: float) -> bool:
            states.add(ControlState(controller.status.state))
            if sim.plc.state is not SawState.CUTTING:
                cutting_since.clear()
                return False
            if not cutting_since:
                cutting_since.append(loop.time())
            return loop.time() - cutting_since[0] >= seconds

        # Initial delay (1 s, 1 mm) and then some: ML would have written on fresh data by now.
        await wait_until(lambda: cut_on_for(3.0), "3 s of a cut under ML with slow polls", within_s=60.0)
    latest = poller.latest
    assert latest is not None and latest.read_s >= slow.delay_s > max_age_s
    assert slow.slow_reads >= 5
    assert attempts == [], attempts
    assert ControlState.STALE in states
    assert sim.plc.descent_sp == 30.0 and sim.plc.cutting_sp == 70.0
