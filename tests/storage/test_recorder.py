"""The raw recorder: content, batching, flush on stop, backpressure, disk full, memory budget."""

from __future__ import annotations

import asyncio
import sqlite3
import threading
from pathlib import Path
from typing import Any

import pytest
from storage_helpers import COLUMNS, good, snapshot, sqlite_settings

from core.analysis.alarms import AlarmManager
from core.config import Settings
from core.snapshot import Quality
from core.storage.recorder import Recorder
from core.storage.sqlite_alarms import ALARM_BACKPRESSURE, ALARM_ROWS_DROPPED, ALARM_ROWS_REJECTED, ALARM_WRITE_FAILED
from core.storage.sqlite_open import database_path, open_reader
from tests.waiting import wait_until


def make(settings: Settings, alarms: AlarmManager, **changes: Any) -> Recorder:
    options = {key: changes.pop(key) for key in ("max_batch_rows", "memory_budget_bytes", "retry_s") if key in changes}
    return Recorder(database_path(settings.data_dir, "raw"), COLUMNS, alarms=alarms,
                    sqlite=sqlite_settings(settings, **changes), **options)


def rows(settings: Settings) -> list[tuple[Any, ...]]:
    reader = open_reader(database_path(settings.data_dir, "raw"))
    try:
        cols = ", ".join(COLUMNS)
        return reader.execute(f"SELECT ts_ms, {cols} FROM samples ORDER BY id").fetchall()
    finally:
        reader.close()


async def test_rows_equal_snapshots_stale_as_null_comm_error_skipped(settings: Settings, alarms: AlarmManager) -> None:
    recorder = make(settings, alarms, batch_rows=2, batch_ms=50)
    await recorder.start()
    try:
        stale_values = {"head_height": 12.5, "band_torque": None, "band_current": 3.25, "saw_state": None}
        snaps = [good(1), snapshot(2, stale_values, Quality.STALE),
                 snapshot(3, dict.fromkeys(COLUMNS), Quality.COMM_ERROR), good(4)]
        accepted = [recorder.record(s) for s in snaps]
        assert accepted == [True, True, False, True]
        await wait_until(lambda: recorder.rows_written == 3, "3 rows written")
    finally:
        assert await recorder.stop() == 0
    expected = [(s.ts_ms, *(s.values[name] for name in COLUMNS)) for s in snaps if s.quality is not Quality.COMM_ERROR]
    assert rows(settings) == expected
    assert expected[1][2] is None and expected[1][4] is None
    assert recorder.skipped_comm_error == 1
    assert recorder.health().rows_written == 3 and recorder.health().queue_rows == 0


async def test_batches_by_rows(settings: Settings, alarms: AlarmManager) -> None:
    recorder = make(settings, alarms, batch_rows=5, batch_ms=60_000, max_batch_rows=5)
    await recorder.start()
    try:
        for seq in range(12):
            recorder.record(good(seq))
        await wait_until(lambda: recorder.rows_written == 10, "two full batches")
        assert recorder.batches == 2
        assert recorder.queue_rows == 2  # under batch_rows, inside batch_ms: waits
        assert len(rows(settings)) == 10
    finally:
        await recorder.stop()
    assert len(rows(settings)) == 12  # stop() flushed the partial batch


async def test_batches_by_time(settings: Settings, alarms: AlarmManager) -> None:
    recorder = make(settings, alarms, batch_rows=1000, batch_ms=50)
    await recorder.start()
    try:
        for seq in range(3):
            recorder.record(good(seq))
        await wait_until(lambda: recorder.rows_written == 3, "time-triggered batch")
        assert recorder.batches == 1
        assert recorder.health().last_commit_ms is not None
    finally:
        await recorder.stop()


async def test_drain_waits_for_the_commit(settings: Settings, alarms: AlarmManager) -> None:
    recorder = make(settings, alarms, batch_rows=1000, batch_ms=60_000)
    await recorder.start()
    try:
        for seq in range(25):
            recorder.record(good(seq))
        await asyncio.wait_for(recorder.drain(), 30)  # a waiting drain() flushes a partial batch
        assert recorder.rows_written == 25 and recorder.queue_rows == 0
        await asyncio.wait_for(recorder.drain(), 30)  # nothing waiting: returns at once
    finally:
        await recorder.stop()


async def test_stop_flushes_everything(settings: Settings, alarms: AlarmManager) -> None:
    recorder = make(settings, alarms, batch_rows=1000, batch_ms=60_000)
    await recorder.start()
    for seq in range(7):
        recorder.record(good(seq))
    assert recorder.rows_written == 0
    assert await recorder.stop() == 0
    assert [row[0] for row in rows(settings)] == [good(seq).ts_ms for seq in range(7)]


async def test_backpressure_when_the_writer_is_slowed(settings: Settings, alarms: AlarmManager) -> None:
    recorder = make(settings, alarms, batch_rows=1, batch_ms=10, backpressure_rows=10)
    await recorder.start()
    gate = threading.Event()
    try:
        blocker = await block_writer(recorder, gate)
        for seq in range(10):
            recorder.record(good(seq))
        assert not recorder.backpressure and not alarms.is_active(ALARM_BACKPRESSURE)
        for seq in range(10, 25):
            assert recorder.record(good(seq))  # never refused, never dropped
        assert recorder.backpressure and recorder.health().backpressure
        assert alarms.is_active(ALARM_BACKPRESSURE)
        assert recorder.queue_rows == 25
        gate.set()
        await blocker
        await wait_until(lambda: recorder.rows_written == 25, "queue drained")
        assert not recorder.backpressure and not alarms.is_active(ALARM_BACKPRESSURE)
    finally:
        gate.set()
        await recorder.stop()
    assert len(rows(settings)) == 25 and recorder.rows_dropped == 0


async def block_writer(recorder: Recorder, gate: threading.Event) -> asyncio.Future[bool]:
    """Hold the writer thread (as a stalled disk would) until ``gate`` is set."""
    entered = threading.Event()

    def hold(conn: sqlite3.Connection) -> bool:
        entered.set()
        return gate.wait(30)

    blocker = asyncio.ensure_future(recorder.execute(hold))
    await wait_until(entered.is_set, "writer thread held")
    return blocker


def _page_count(conn: sqlite3.Connection) -> int:
    return int(conn.execute("PRAGMA page_count").fetchone()[0])


async def test_disk_full_raises_alarm_keeps_rows_and_recovers(settings: Settings, alarms: AlarmManager) -> None:
    recorder = make(settings, alarms, batch_rows=20, batch_ms=20, retry_s=(0.02, 0.1))
    await recorder.start()
    try:
        # SQLITE_FULL without filling a real disk: cap the file at its current size.
        pages = await recorder.execute(_page_count)
        await recorder.execute(lambda conn: conn.execute(f"PRAGMA max_page_count = {pages}"))
        snaps = [good(seq) for seq in range(200)]
        for snap in snaps:
            recorder.record(snap)
        await wait_until(lambda: alarms.is_active(ALARM_WRITE_FAILED), "write_failed alarm")
        health = recorder.health()
        assert not health.ok and "full" in health.error
        alarm = alarms.get(ALARM_WRITE_FAILED)
        assert alarm is not None and "raw.db" in alarm.text
        written_while_full = recorder.rows_written
        assert recorder.queue_rows == 200 - written_while_full > 0
        failed = recorder.failed_commits
        await wait_until(lambda: recorder.failed_commits >= failed + 3, "several more retries to fail")
        # Nothing went missing meanwhile.
        assert recorder.queue_rows + recorder.rows_written == 200
        await recorder.execute(lambda conn: conn.execute("PRAGMA max_page_count = 1073741823"))  # space returns
        await wait_until(lambda: recorder.rows_written == 200, "rows written after space returned")
        assert not alarms.is_active(ALARM_WRITE_FAILED) and recorder.health().ok
    finally:
        await recorder.stop()
    assert rows(settings) == [(s.ts_ms, *(s.values[n] for n in COLUMNS)) for s in snaps]


async def test_stop_gives_up_after_its_timeout_and_counts_the_loss(
    settings: Settings, alarms: AlarmManager, caplog: pytest.LogCaptureFixture
) -> None:
    recorder = make(settings, alarms, batch_rows=10, batch_ms=20, retry_s=(0.02, 0.05))
    await recorder.start()
    pages = await recorder.execute(_page_count)
    await recorder.execute(lambda conn: conn.execute(f"PRAGMA max_page_count = {pages}"))
    for seq in range(100):
        recorder.record(good(seq))
    await wait_until(lambda: alarms.is_active(ALARM_WRITE_FAILED), "write_failed alarm")
    lost = await recorder.stop(timeout_s=0.3)
    assert lost == 100 - recorder.rows_written > 0
    assert any(r.levelname == "CRITICAL" and "could not be written" in r.getMessage() for r in caplog.records)


async def test_memory_budget_refuses_loudly(settings: Settings, alarms: AlarmManager) -> None:
    recorder = make(settings, alarms, batch_rows=1, batch_ms=10, backpressure_rows=10, memory_budget_bytes=1)
    assert recorder.max_queue_rows == 11
    await recorder.start()
    gate = threading.Event()
    try:
        blocker = await block_writer(recorder, gate)
        accepted = [recorder.record(good(seq)) for seq in range(15)]
        assert accepted == [True] * 11 + [False] * 4
        assert recorder.rows_dropped == 4 and alarms.is_active(ALARM_ROWS_DROPPED)
        gate.set()
        await blocker
        await wait_until(lambda: recorder.rows_written == 11, "queue drained")
        assert not alarms.is_active(ALARM_ROWS_DROPPED)
    finally:
        gate.set()
        await recorder.stop()


async def test_malformed_row_is_left_out_not_blocking(settings: Settings, alarms: AlarmManager) -> None:
    recorder = make(settings, alarms, batch_rows=3, batch_ms=20)
    await recorder.start()
    try:
        bad = snapshot(2, {"head_height": 2**70, "band_torque": 1.0, "band_current": 1.0, "saw_state": 1.0})
        for snap in (good(1), bad, good(3)):
            recorder.record(snap)
        await wait_until(lambda: recorder.rows_written == 2, "good rows written")
        assert recorder.rows_rejected == 1
        alarm = alarms.get(ALARM_ROWS_REJECTED)
        assert alarm is not None and alarm.needs_attention
    finally:
        await recorder.stop()
    assert [row[0] for row in rows(settings)] == [good(1).ts_ms, good(3).ts_ms]


async def test_big_batch_split_into_statements(settings: Settings, alarms: AlarmManager) -> None:
    names = _map().names
    sqlite = sqlite_settings(settings, batch_rows=1500, batch_ms=60_000)
    recorder = Recorder(database_path(settings.data_dir, "raw"), names, alarms=alarms, sqlite=sqlite)
    assert recorder._rows_per_statement < 1500  # the batch needs several multi-row statements
    await recorder.start()
    snaps = [good(seq, names) for seq in range(1500)]
    for snap in snaps:
        recorder.record(snap)
    await wait_until(lambda: recorder.rows_written == 1500, "one batch of 1500")
    await recorder.stop()
    assert recorder.batches == 1
    reader = open_reader(database_path(settings.data_dir, "raw"))
    try:
        got = reader.execute(f"SELECT ts_ms, {', '.join(names)} FROM samples ORDER BY id").fetchall()
    finally:
        reader.close()
    assert got == [(s.ts_ms, *(s.values[n] for n in names)) for s in snaps]


async def test_register_names_become_columns(tmp_path: Path, settings: Settings, alarms: AlarmManager) -> None:
    recorder = Recorder.from_settings(settings, _map(), alarms)
    report = await recorder.start()
    await recorder.stop()
    assert report.columns_added == tuple(_map().names)


def _map() -> Any:
    from core.config import PROJECT_ROOT
    from core.registers import load_register_map

    return load_register_map(PROJECT_ROOT / "config" / "registers.yaml")


async def test_a_writer_bug_is_loud_not_silent(settings: Settings, alarms: AlarmManager) -> None:
    class Broken(Recorder):
        def _write_batch(self, conn: Any, items: list[Any]) -> None:
            raise RuntimeError("bug in the writer")

    recorder = Broken(database_path(settings.data_dir, "raw"), COLUMNS, alarms=alarms,
                      sqlite=sqlite_settings(settings, batch_rows=1, batch_ms=10))
    await recorder.start()
    recorder.record(good(1))
    await wait_until(lambda: alarms.is_active(ALARM_WRITE_FAILED), "write_failed alarm")
    assert not recorder.health().ok and "bug in the writer" in recorder.health().error
    assert await recorder.stop() == 1
