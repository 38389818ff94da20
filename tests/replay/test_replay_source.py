"""The replay source on its own: pacing on a clock the test moves, pause, speed, seek, gaps, the end."""

from __future__ import annotations

import asyncio
from pathlib import Path

import pytest
from replay_data import raw_db, sample_value, write_raw_db

from core.registers import RegisterMap
from core.replay.source import ReplayRefused, ReplaySource
from core.replay.status import ReplayState
from core.snapshot import Snapshot

T0 = 1_750_000_000_000  # a June 2025 moment, mid-month (no archive boundary here)


class Clock:
    def __init__(self) -> None:
        self.now = 1000.0

    def __call__(self) -> float:
        return self.now


async def settle() -> None:
    for _ in range(2):
        await asyncio.sleep(0.005)


def source_on(tmp_path: Path, register_map: RegisterMap, clock: Clock,
              seen: list[tuple[Snapshot, int]], **kw: int) -> ReplaySource:
    return ReplaySource(tmp_path, register_map.names, lambda s, g: seen.append((s, g)), clock=clock, **kw)


async def advance(source: ReplaySource, clock: Clock, seconds: float) -> None:
    """Move the clock and let the source hand over what became due (reads in threads: bounded wait)."""
    clock.now += seconds
    for _ in range(400):
        source.wake()
        await settle()
        if source.settled():
            return
    pytest.fail("the replay source did not settle")


async def test_plays_at_speed_in_order_with_the_recorded_values(tmp_path: Path, register_map: RegisterMap) -> None:
    write_raw_db(raw_db(tmp_path), register_map, T0, 600)  # one minute at 10 Hz
    clock = Clock()
    seen: list[tuple[Snapshot, int]] = []
    source = source_on(tmp_path, register_map, clock, seen, chunk_rows=100)
    status = await source.open(T0, T0 + 60_000, speed=10.0, label="a minute")
    try:
        assert status.state is ReplayState.PLAYING and len(seen) == 1  # the first sample at once
        await advance(source, clock, 1.0)  # 10 s of replayed time at 10x
        assert [s.ts_ms for s, _ in seen] == [T0 + 100 * i for i in range(101)]
        await advance(source, clock, 0.5)
        assert seen[-1][0].ts_ms == T0 + 15_000
        source.set_speed(60.0)
        await advance(source, clock, 0.5)  # 30 s more
        assert seen[-1][0].ts_ms == T0 + 45_000
        index = register_map.names.index("band_torque")
        assert all(s.values["band_torque"] == sample_value(index, i) for i, (s, _) in enumerate(seen))
        assert {g for _, g in seen} == {status.generation}
        assert [s.seq for s, _ in seen] == list(range(1, len(seen) + 1))
        await advance(source, clock, 1.0)  # past the end: every chunk read, the end stays on screen
        for _ in range(20):
            if source.status().state is ReplayState.ENDED:
                break
            await advance(source, clock, 0.1)
        assert source.status().state is ReplayState.ENDED
        assert [s.ts_ms for s, _ in seen if s.ts_ms >= T0 + 45_000] == [T0 + 100 * i for i in range(450, 600)]
        assert source.status().emitted == 600
    finally:
        await source.close()
    assert source.status().state is ReplayState.OFF


async def test_pause_holds_the_time_and_keeps_the_screen_fresh(tmp_path: Path, register_map: RegisterMap) -> None:
    write_raw_db(raw_db(tmp_path), register_map, T0, 600)
    clock = Clock()
    seen: list[tuple[Snapshot, int]] = []
    source = source_on(tmp_path, register_map, clock, seen)
    await source.open(T0, T0 + 60_000, speed=1.0)
    try:
        await advance(source, clock, 2.0)
        position = source.status().position_ms
        assert position == T0 + 2000
        source.pause(True)
        count = len(seen)
        await advance(source, clock, 10.0)
        assert source.status().position_ms == position and source.status().state is ReplayState.PAUSED
        repeated = seen[count:]
        assert repeated and {s.ts_ms for s, _ in repeated} == {position}  # the same sample, handed over anew
        assert repeated[-1][0].monotonic == clock.now
        source.pause(False)
        await advance(source, clock, 1.0)
        assert source.status().position_ms == position + 1000  # from where it stopped, not from wall time
    finally:
        await source.close()


async def test_seek_goes_there_at_once_with_a_new_generation(tmp_path: Path, register_map: RegisterMap) -> None:
    write_raw_db(raw_db(tmp_path), register_map, T0, 6000)  # ten minutes
    clock = Clock()
    seen: list[tuple[Snapshot, int]] = []
    source = source_on(tmp_path, register_map, clock, seen, chunk_rows=500)
    first = await source.open(T0, T0 + 600_000, speed=5.0)
    try:
        source.pause(True)
        moved = await source.seek(T0 + 400_050)  # between two samples: the next one shows
        assert moved.generation == first.generation + 1 and moved.state is ReplayState.PAUSED
        assert seen[-1][0].ts_ms == T0 + 400_100 and seen[-1][1] == moved.generation
        back = await source.seek(T0 - 99_000)  # before the period: clamped to its start
        assert seen[-1][0].ts_ms == T0 and back.position_ms == T0
        source.pause(False)
        await advance(source, clock, 2.0)
        assert seen[-1][0].ts_ms == T0 + 10_000
        end = await source.seek(T0 + 10 * 600_000)  # beyond the end: the end of the period
        assert end.state is ReplayState.ENDED and end.position_ms == T0 + 599_999
    finally:
        await source.close()


async def test_a_recording_gap_is_skipped_and_said(tmp_path: Path, register_map: RegisterMap) -> None:
    write_raw_db(raw_db(tmp_path), register_map, T0, 50)  # 5 s, then the saw was off for an hour
    write_raw_db(raw_db(tmp_path), register_map, T0 + 3_605_000, 50, first_row=50)
    clock = Clock()
    seen: list[tuple[Snapshot, int]] = []
    source = source_on(tmp_path, register_map, clock, seen)
    await source.open(T0, T0 + 4_000_000, speed=1.0)
    try:
        await advance(source, clock, 5.0)
        await advance(source, clock, 0.1)  # the next wake jumps the hour
        assert seen[-1][0].ts_ms == T0 + 3_605_000
        assert "skipped" in source.status().note and source.skipped_gaps == 1
    finally:
        await source.close()


@pytest.mark.parametrize(("start", "end", "speed", "why"), [
    (T0 + 3_600_000, T0 + 7_200_000, 1.0, "no recorded samples from"),
    (T0 + 10_000, T0, 1.0, "ends"),
    (T0, T0 + 10_000, 0.5, "outside 1x to 60x"),
    (T0, T0 + 10_000, 61.0, "outside 1x to 60x"),
    (T0, T0 + 10_000, float("nan"), "outside"),
])
async def test_bad_requests_are_refused_with_why(tmp_path: Path, register_map: RegisterMap, start: int, end: int,
                                                 speed: float, why: str) -> None:
    write_raw_db(raw_db(tmp_path), register_map, T0, 100)
    source = source_on(tmp_path, register_map, Clock(), [])
    with pytest.raises(ReplayRefused, match=why) as caught:
        await source.open(start, end, speed=speed)
    if "no recorded" in why:
        assert "the recording holds" in str(caught.value)  # and what there is instead
    await source.close()


async def test_nothing_recorded_at_all(tmp_path: Path, register_map: RegisterMap) -> None:
    source = source_on(tmp_path, register_map, Clock(), [])
    with pytest.raises(ReplayRefused, match="nothing has been recorded yet"):
        await source.open(T0, T0 + 1000)
    await source.close()


async def test_after_a_stall_it_catches_up_in_bounded_steps(tmp_path: Path, register_map: RegisterMap) -> None:
    """The loop stood still for 5 s at 60x (3,000 samples due): never more than MAX_PER_STEP samples in
    one callback of the engine's loop, the loop's other work runs between them, and none is lost."""
    from core.replay.source import MAX_PER_STEP

    write_raw_db(raw_db(tmp_path), register_map, T0, 4000)
    clock = Clock()
    seen: list[tuple[Snapshot, int]] = []
    source = source_on(tmp_path, register_map, clock, seen, chunk_rows=3000)
    await source.open(T0, T0 + 400_000, speed=60.0)
    try:
        await advance(source, clock, 0.0)  # the first chunk read (the buffer holds 3,300 rows)
        before = len(seen)
        clock.now += 5.0
        source.wake()
        steps: list[int] = []
        for _ in range(200):
            await asyncio.sleep(0)  # one turn of the loop: other callbacks (a poll) run between steps
            steps.append(len(seen) - before - sum(steps))
            if source.settled():
                break
        assert max(steps) == MAX_PER_STEP and sum(s > 0 for s in steps) >= 3000 // MAX_PER_STEP
        assert [s.ts_ms for s, _ in seen] == [T0 + 100 * i for i in range(len(seen))]
        assert seen[-1][0].ts_ms == T0 + 300_000  # 5 s at 60x: every sample due is handed over
    finally:
        await source.close()
