"""Replay through the engine's contract (the stand-in shares the real commands): writes held and
audited, ML refused, bad input a clear result, the archive boundary, a day's recording, clean stops."""

from __future__ import annotations

import asyncio
import threading
import time
from datetime import UTC, datetime
from pathlib import Path

from replay_data import raw_db, write_raw_db

from core.api import ReplayState, ReplayStatus, Role, UserSession, period_for_alarm, period_for_cut
from core.config import Settings
from core.registers import RegisterMap
from core.security.audit import AuditResult
from core.security.testing import login_as
from core.snapshot import Snapshot
from core.storage.archive import archive_raw
from core.storage.samples_reader import archive_dir
from core.testing.standin_engine import StandInEngine
from tests.waiting import wait_until

OPERATOR = UserSession.anonymous()
T0 = 1_750_000_000_000
DAY_MS = 86_400_000


def engine_with(settings: Settings, register_map: RegisterMap) -> tuple[StandInEngine, list[tuple[Snapshot, int]]]:
    engine = StandInEngine(settings, register_map)
    seen: list[tuple[Snapshot, int]] = []
    engine.subscribe_replay(lambda s, g: seen.append((s, g)))
    return engine, seen


async def test_writes_presets_and_ml_are_refused_during_replay_and_audited(settings: Settings,
                                                                          register_map: RegisterMap) -> None:
    write_raw_db(raw_db(settings.data_dir), register_map, T0, 600)
    engine, seen = engine_with(settings, register_map)
    erin = UserSession(login_as(engine.access, "erin", Role.ENGINEER), Role.ENGINEER)
    try:
        started = await engine.replay_start(OPERATOR, T0, T0 + 60_000, speed=5.0, label="a minute")
        assert started.ok, started.reason
        assert seen and seen[0][0].ts_ms == T0
        assert "replay is running (a minute)" in engine.replay_hold()
        written = await engine.write(erin, "cutting_speed", 80.0)
        assert not written.ok and "nothing is written to the PLC during replay" in written.reason
        presets = await engine.apply_preset(OPERATOR, "normal")
        assert presets and all(not r.ok and "replay" in r.reason for r in presets)
        mode = engine.set_mode(OPERATOR, "ml")
        assert not mode.ok and "replay" in mode.reason
        assert engine.writes == []  # nothing reached the (stand-in) PLC
        refused = [(r.user, r.action, r.target) for r in engine.audited if r.result is AuditResult.REFUSED]
        assert ("erin", "write", "cutting_speed") in refused
        assert ("operator", "write", "cutting_speed") in refused and ("operator", "write", "descent_speed") in refused
        assert ("operator", "set_mode", "ml") in refused
        stopped = await engine.replay_stop(OPERATOR)
        assert stopped.ok and stopped.value is not None and stopped.value.state is ReplayState.OFF
        assert engine.replay_hold() == ""
        assert (await engine.write(erin, "cutting_speed", 80.0)).ok  # live again: writes go through
        actions = [(r.action, r.result) for r in engine.audited if r.action.startswith("replay")]
        assert actions == [("replay_start", AuditResult.ACCEPTED), ("replay_stop", AuditResult.ACCEPTED)]
    finally:
        await engine.stop()


async def test_bad_input_is_a_clear_result(settings: Settings, register_map: RegisterMap) -> None:
    engine, seen = engine_with(settings, register_map)
    try:
        nothing = await engine.replay_start(OPERATOR, T0, T0 + 60_000)
        assert not nothing.ok and "nothing has been recorded yet" in nothing.reason
        write_raw_db(raw_db(settings.data_dir), register_map, T0, 600)
        empty = await engine.replay_start(OPERATOR, T0 + DAY_MS, T0 + DAY_MS + 60_000, label="cut 7")
        assert not empty.ok and "no recorded samples" in empty.reason and "the recording holds" in empty.reason
        # A cut recorded in total.db whose samples are not there (the raw data was never kept).
        start, end = period_for_cut(T0 + 5 * DAY_MS, T0 + 5 * DAY_MS + 40_000)
        assert end - start == 60_000
        cut = await engine.replay_start(OPERATOR, start, end, label="cut 9")
        assert not cut.ok and "no recorded samples" in cut.reason
        backwards = await engine.replay_start(OPERATOR, T0 + 1000, T0)
        assert not backwards.ok and "before it starts" in backwards.reason
        fast = await engine.replay_start(OPERATOR, T0, T0 + 1000, speed=100.0)
        assert not fast.ok and "60x" in fast.reason
        assert not engine.replay_pause(OPERATOR, True).ok  # nothing running: said, not raised
        assert not (await engine.replay_seek(OPERATOR, T0)).ok
        assert (await engine.replay_stop(OPERATOR)).reason == "no replay was running"
        stranger = UserSession("mallory", Role.ADMIN)
        assert "not logged in" in (await engine.replay_start(stranger, T0, T0 + 1000)).reason
        assert seen == [] and engine.replay_status() == ReplayStatus(generation=engine.replay_status().generation)
        refusals = [r.detail for r in engine.audited if r.action == "replay_start"]
        assert len(refusals) == 5 and all(r for r in refusals)
    finally:
        await engine.stop()


async def test_a_period_over_an_archive_boundary_plays_through(settings: Settings, register_map: RegisterMap) -> None:
    """Ten minutes either side of midnight 1 March 2025 UTC, archived into two months, then the live file."""
    start = int(datetime(2025, 2, 28, 23, 50, tzinfo=UTC).timestamp() * 1000)
    write_raw_db(raw_db(settings.data_dir), register_map, start, 1200, step_ms=1000)
    report = archive_raw(settings.data_dir, live_days=7, now_ms=start + 30 * DAY_MS)
    assert report.moved == 1200
    assert sorted(p.name for p in archive_dir(settings.data_dir).glob("*.db")) == ["raw-2025-02.db", "raw-2025-03.db"]
    write_raw_db(raw_db(settings.data_dir), register_map, start + 1_200_000, 60, step_ms=1000, first_row=1200)
    engine, seen = engine_with(settings, register_map)
    try:
        started = await engine.replay_start(OPERATOR, start + 595_000, start + 1_230_000, speed=60.0)
        assert started.ok, started.reason
        await wait_until(lambda: engine.replay_status().state is ReplayState.ENDED,
                         "the end of the period", within_s=30.0)
        stamps = [s.ts_ms for s, _ in seen if s.ts_ms != seen[-1][0].ts_ms] + [seen[-1][0].ts_ms]
        stamps = sorted(set(stamps))
        assert stamps == [start + 1000 * i for i in range(595, 1230)]  # both archives and raw.db, once each
        assert engine.replay_status().emitted == 635
    finally:
        await engine.stop()


async def test_a_day_at_10_hz_starts_and_seeks_within_a_second(settings: Settings, register_map: RegisterMap,
                                                               day_data_dir: Path) -> None:
    settings.data_dir.parent.mkdir(parents=True, exist_ok=True)
    settings.data_dir.symlink_to(day_data_dir, target_is_directory=True)
    engine, seen = engine_with(settings, register_map)
    try:
        for offset_h in (0.0, 11.5, 23.9):
            begin = time.perf_counter()
            started = await engine.replay_start(OPERATOR, T0 + int(offset_h * 3_600_000), T0 + DAY_MS, speed=60.0)
            took = time.perf_counter() - begin
            assert started.ok, started.reason
            assert took < 1.0, f"start at {offset_h} h took {took:.3f} s"
        whole = await engine.replay_start(OPERATOR, T0, T0 + DAY_MS, speed=60.0, label="the day")
        assert whole.ok
        begin = time.perf_counter()
        moved = await engine.replay_seek(OPERATOR, T0 + 17 * 3_600_000)
        assert time.perf_counter() - begin < 1.0
        assert moved.ok and seen[-1][0].ts_ms == T0 + 17 * 3_600_000
        assert seen[-1][1] == moved.value.generation if moved.value else False
    finally:
        await engine.stop()  # stops the replay too
    assert engine.replay_status().state is ReplayState.OFF


async def test_stop_during_replay_and_while_a_chunk_is_read(settings: Settings, register_map: RegisterMap) -> None:
    write_raw_db(raw_db(settings.data_dir), register_map, T0, 20_000)
    engine, seen = engine_with(settings, register_map)
    started = await engine.replay_start(OPERATOR, T0, T0 + 2_000_000, speed=60.0)
    assert started.ok
    await wait_until(lambda: len(seen) > 2100, "the second chunk")  # a read ahead is under way or done
    pause = engine.replay_pause(OPERATOR, True)
    assert pause.ok and pause.value is not None and pause.value.state is ReplayState.PAUSED
    assert engine.replay_speed(OPERATOR, 2.0).ok and not engine.replay_speed(OPERATOR, 0.0).ok
    await engine.stop()
    assert engine.replay_status().state is ReplayState.OFF
    # Nothing is left that could hand over more: no replay task, no read in a worker thread.
    assert not [t for t in asyncio.all_tasks() if t.get_name().startswith("bandsaw.replay")]
    assert not [t for t in threading.enumerate() if t.name == "bandsaw-replay-read" and t.is_alive()]
    count = len(seen)
    await asyncio.sleep(0)
    assert len(seen) == count  # nothing more after the stop


def test_periods_for_a_cut_and_an_alarm() -> None:
    assert period_for_cut(100_000, 160_000) == (90_000, 170_000)
    assert period_for_cut(100_000, 50_000) == (90_000, 110_000)  # a cut row with its end before its start
    start, end = period_for_alarm(1_000_000)
    assert start < 1_000_000 < end


async def test_imported_smart_saw_data_replays(tmp_path: Path, settings: Settings, register_map: RegisterMap) -> None:
    """The older system's history, imported by core.migrate, lands in raw.db's samples: it replays."""
    from core.migrate import smart_saw_source as source
    from core.migrate.importer import import_smart_saw
    from core.offload import run_blocking
    from core.replay.reader import recorded_span

    paths = source.create(tmp_path / "old")
    source.fill_sensor_data(paths["total"], 3000)  # five minutes at 10 Hz
    summary = await run_blocking(lambda: import_smart_saw(tmp_path / "old", settings, register_map))
    assert summary.imported >= 3000, summary
    span = recorded_span(settings.data_dir)
    assert span is not None
    engine, seen = engine_with(settings, register_map)
    try:
        started = await engine.replay_start(OPERATOR, span[0], span[0] + 60_000, speed=60.0, label="smart-saw")
        assert started.ok, started.reason
        await wait_until(lambda: engine.replay_status().state is ReplayState.ENDED,
                         "the end of the minute", within_s=30.0)
        replayed = {s.ts_ms: s for s, _ in seen}
        assert len(replayed) == 600
        assert all(s.values["band_current"] is not None for s in replayed.values())
    finally:
        await engine.stop()


async def test_no_replay_while_ml_controls_the_speeds(settings: Settings, register_map: RegisterMap) -> None:
    write_raw_db(raw_db(settings.data_dir), register_map, T0, 100)
    engine = StandInEngine(settings, register_map, with_control=True)
    try:
        assert engine.set_mode(OPERATOR, "ml").ok
        refused = await engine.replay_start(OPERATOR, T0, T0 + 10_000)
        assert not refused.ok and "switch to manual first" in refused.reason
        assert [(r.action, r.result) for r in engine.audited if r.action == "replay_start"] == [
            ("replay_start", AuditResult.REFUSED)]
        assert engine.set_mode(OPERATOR, "manual").ok
        assert (await engine.replay_start(OPERATOR, T0, T0 + 10_000)).ok
    finally:
        await engine.stop()
