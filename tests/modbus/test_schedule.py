"""Deadline scheduling of the poll loop with a fake clock: no drift, overruns skipped and counted."""

from __future__ import annotations

import asyncio

import pytest
from hypothesis import given
from hypothesis import strategies as st
from modbus_helpers import FakeClock, spin_until

from core.analysis.alarms import AlarmManager
from core.config import Settings
from core.modbus.clock import DeadlineSchedule
from core.modbus.errors import PlcDisconnected
from core.modbus.poller import ALARM_RATE_LOW, Poller
from core.registers import RegisterMap
from core.snapshot import Quality, Snapshot


class TimedReader:
    """A PLC stand-in whose reads take ``durations`` (cycled) seconds of fake time."""

    def __init__(self, clock: FakeClock, durations: list[float], register_map: RegisterMap) -> None:
        self.clock = clock
        self.durations = durations
        self.calls = 0
        self.link_up = True
        self.last_error = ""

    async def read_holding(self, address: int, count: int) -> list[int]:
        self.clock.advance(self.durations[self.calls % len(self.durations)])
        self.calls += 1
        await asyncio.sleep(0)
        if not self.link_up:
            raise PlcDisconnected("down")
        return [0] * count


def test_schedule_without_overrun_keeps_the_grid() -> None:
    schedule = DeadlineSchedule(0.1, 5.0)
    for k in range(1, 10_001):
        assert schedule.advance(5.0 + (k - 1) * 0.1 + 0.03) == 0
    assert schedule.deadline == pytest.approx(5.0 + 10_000 * 0.1, abs=1e-6)
    assert schedule.skipped == 0


def test_schedule_skips_overrun_slots() -> None:
    schedule = DeadlineSchedule(0.1, 0.0)
    assert schedule.advance(0.25) == 2  # slots 0.1 and 0.2 are gone; resume at 0.3
    assert schedule.deadline == pytest.approx(0.3)
    assert schedule.advance(0.31) == 0
    assert schedule.deadline == pytest.approx(0.4)
    assert schedule.skipped == 2


@given(
    period=st.floats(min_value=0.001, max_value=10.0),
    cycles=st.lists(st.floats(min_value=0.0, max_value=50.0), min_size=1, max_size=50),
)
def test_schedule_next_deadline_is_on_the_grid_and_not_past(period: float, cycles: list[float]) -> None:
    start = 100.0
    schedule = DeadlineSchedule(period, start)
    for cycle_periods in cycles:
        previous = schedule.deadline
        now = previous + cycle_periods * period
        skipped = schedule.advance(now)
        slots = (schedule.deadline - start) / period
        assert slots == pytest.approx(round(slots), abs=1e-6)  # on the grid: no drift
        assert schedule.deadline >= now - 1e-9 * max(1.0, abs(now))  # never in the past
        assert schedule.deadline - period < now + 1e-9 * max(1.0, abs(now)) or skipped == 0  # earliest slot
        assert skipped == round((schedule.deadline - previous) / period) - 1  # every slot passed is counted


def test_schedule_rejects_bad_period() -> None:
    with pytest.raises(ValueError):
        DeadlineSchedule(0.0, 0.0)


async def _run_cycles(poller: Poller, reader: TimedReader, cycles: int) -> None:
    poller.start()
    try:
        await spin_until(lambda: poller.health().polls >= cycles)
    finally:
        await poller.stop()


async def test_poller_runs_on_deadlines_without_drift(settings: Settings, register_map: RegisterMap) -> None:
    clock = FakeClock()
    start = clock.now
    reader = TimedReader(clock, [0.004, 0.011, 0.002], register_map)  # jittery read times
    snapshots: list[Snapshot] = []
    poller = Poller(settings, register_map, reader, snapshots.append, clock=clock)
    await _run_cycles(poller, reader, 1000)
    period = 1.0 / settings.modbus.read_rate_hz
    # Every sleep targets start + k * period exactly: read times never accumulate into drift.
    for k, deadline in enumerate(clock.sleeps[:1000]):
        assert deadline == pytest.approx(start + k * period, abs=1e-6)
    assert poller.health().overruns == 0
    assert poller.jitter().lateness_max_ms == pytest.approx(0.0, abs=1e-6)
    assert poller.health().achieved_hz == pytest.approx(settings.modbus.read_rate_hz, rel=0.02)
    # ts_ms is the wall clock at read start; monotonic is read completion.
    first = snapshots[0]
    assert first.ts_ms == int((start + clock.wall_offset) * 1000)
    assert first.monotonic > start
    assert all(s.quality is Quality.GOOD for s in snapshots)
    assert [s.seq for s in snapshots[:5]] == [1, 2, 3, 4, 5]


async def test_poller_counts_overruns_and_skips_slots(settings: Settings, register_map: RegisterMap) -> None:
    clock = FakeClock()
    start = clock.now
    period = 1.0 / settings.modbus.read_rate_hz
    blocks = len(register_map.plan(settings.modbus.max_block_gap))
    # Every 10th cycle takes 2.5 periods: it overruns two slots (the slot after it and one more).
    durations = [0.001] * (blocks * 9) + [2.5 * period / blocks] * blocks
    reader = TimedReader(clock, durations, register_map)
    poller = Poller(settings, register_map, reader, lambda s: None, clock=clock)
    await _run_cycles(poller, reader, 100)
    assert poller.health().overruns == 20
    # Deadlines stay on the grid after every overrun.
    for deadline in clock.sleeps[:100]:
        slots = (deadline - start) / period
        assert slots == pytest.approx(round(slots), abs=1e-6)


async def test_rate_low_alarm_after_delay_and_clear(settings: Settings, register_map: RegisterMap) -> None:
    clock = FakeClock()
    modbus = settings.modbus.model_copy(update={"rate_alarm_floor_hz": 8.0, "rate_alarm_delay_s": 5.0})
    settings = settings.model_copy(update={"modbus": modbus})
    blocks = len(register_map.plan(settings.modbus.max_block_gap))
    reader = TimedReader(clock, [0.001], register_map)
    alarms = AlarmManager(clock=clock.wall)
    poller = Poller(settings, register_map, reader, lambda s: None, alarms=alarms, clock=clock,
                    health_window_s=2.0)
    poller.start()
    try:
        await spin_until(lambda: clock.now >= 1010)
        assert not alarms.is_active(ALARM_RATE_LOW)
        reader.durations = [0.25 / blocks]  # cycles of 250 ms: 4 Hz
        slow_from = clock.now
        await spin_until(lambda: alarms.is_active(ALARM_RATE_LOW) or clock.now > slow_from + 30)
        assert alarms.is_active(ALARM_RATE_LOW)
        # Raised only after the rate stayed low for the delay (plus the window to notice).
        assert clock.now - slow_from >= 5.0
        reader.durations = [0.001]
        await spin_until(lambda: not alarms.is_active(ALARM_RATE_LOW))
    finally:
        await poller.stop()


async def test_a_failing_cycle_does_not_end_the_loop(settings: Settings, register_map: RegisterMap) -> None:
    clock = FakeClock()
    reader = TimedReader(clock, [0.001], register_map)
    original = reader.read_holding
    calls = [0]

    async def flaky(address: int, count: int) -> list[int]:
        calls[0] += 1
        if calls[0] == 3:
            raise RuntimeError("a bug, not a PLC error")
        return await original(address, count)

    reader.read_holding = flaky  # type: ignore[method-assign]
    snapshots: list[Snapshot] = []
    poller = Poller(settings, register_map, reader, snapshots.append, clock=clock)
    poller.start()
    try:
        await spin_until(lambda: len(snapshots) >= 5)
    finally:
        await poller.stop()
    assert "internal error" in poller.health().last_error
