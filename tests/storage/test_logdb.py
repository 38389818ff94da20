"""log.db (events, alarm log, audit), the five databases together, and the disk monitor."""

from __future__ import annotations

import json
import sqlite3
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from storage_helpers import COLUMNS, good, sqlite_settings

from core.analysis.alarms import AlarmManager, AlarmState, Priority
from core.config import Settings
from core.storage import schema
from core.storage.disk import ALARM_DISK_LOW, MB, DiskMonitor
from core.storage.logdb import LogWriter
from core.storage.sqlite_alarms import ALARM_DB_REPLACED
from core.storage.sqlite_open import database_path, open_reader
from core.storage.sqlite_store import SqliteStorage
from tests.waiting import wait_until


@dataclass(frozen=True)
class Audit:  # the shape of core.security.audit.AuditRecord
    ts_ms: int
    user: str
    action: str
    target: str
    old_value: Any
    new_value: Any
    result: str
    detail: str


def query(path: Path, sql: str) -> list[tuple[Any, ...]]:
    reader = open_reader(path)
    try:
        return reader.execute(sql).fetchall()
    finally:
        reader.close()


async def test_events_alarm_transitions_and_audit(settings: Settings, alarms: AlarmManager) -> None:
    writer = LogWriter.from_settings(settings.model_copy(
        update={"database": settings.database.model_copy(
            update={"sqlite": sqlite_settings(settings, batch_rows=100, batch_ms=20)})}), alarms, clock=lambda: 1000.0)
    await writer.start()
    try:
        writer.event("link_lost", "PLC does not answer", source="modbus", data={"error": "timeout"})
        writer.event("link_restored", "PLC answers again", source="modbus", data={"gap_ms": 5300}, ts_ms=1_005_300)
        alarms.update("modbus.link_lost", True, "PLC link lost", priority=Priority.HIGH, source="modbus")
        alarms.acknowledge("modbus.link_lost", "anna")
        writer.audit(Audit(1_001_000, "anna", "write", "descent_speed", 12.5, 15.0, "ok", "preset fast"))
        writer.audit(Audit(1_002_000, "bob", "login", "hmi", None, {"role": "engineer"}, "refused", "bad PIN"))
        await wait_until(lambda: writer.rows_written == 6, "6 log rows")
    finally:
        await writer.stop()
    path = database_path(settings.data_dir, "log")
    events = query(path, "SELECT ts_ms, kind, source, message, data FROM events ORDER BY id")
    assert events == [
        (1_000_000, "link_lost", "modbus", "PLC does not answer", '{"error":"timeout"}'),
        (1_005_300, "link_restored", "modbus", "PLC answers again", '{"gap_ms":5300}'),
    ]
    assert json.loads(events[1][4])["gap_ms"] == 5300
    log_rows = query(path, "SELECT alarm_key, action, state, previous_state, priority, text, user FROM alarm_log")
    assert log_rows == [
        ("modbus.link_lost", "raise", AlarmState.UNACKNOWLEDGED.value, "normal", 2, "PLC link lost", "system"),
        ("modbus.link_lost", "acknowledge", AlarmState.ACKNOWLEDGED.value, "unacknowledged", 2, "PLC link lost",
         "anna"),
    ]
    audit = query(path, "SELECT ts_ms, user, action, target, old_value, new_value, result, detail FROM audit")
    assert audit == [
        (1_001_000, "anna", "write", "descent_speed", "12.5", "15.0", "ok", "preset fast"),
        (1_002_000, "bob", "login", "hmi", None, '{"role":"engineer"}', "refused", "bad PIN"),
    ]
    alarms.update("after.stop", True, "not subscribed any more")
    assert writer.queue_rows == 0


async def test_storage_opens_all_five_and_reports_a_replaced_file(settings: Settings, alarms: AlarmManager) -> None:
    databases = settings.data_dir / "databases"
    databases.mkdir(parents=True)
    (databases / "ml.db").write_bytes(b"\x00garbage" * 1000)
    storage = SqliteStorage(settings, COLUMNS, alarms)
    reports = await storage.start()
    try:
        assert [r.db for r in reports] == ["log", "raw", "total", "ml", "anomaly"]
        replaced = [r for r in reports if r.recovered]
        assert [r.db for r in replaced] == ["ml"] and replaced[0].moved_to is not None
        alarm = alarms.get(f"{ALARM_DB_REPLACED}.ml")
        assert alarm is not None and alarm.needs_attention and alarm.priority is Priority.HIGH
        for seq in range(5):
            storage.recorder.record(good(seq))
        storage.ml.insert("mode_changes", {"ts_ms": 5, "mode": "ml", "previous_mode": "manual", "user": "anna"})
        assert storage.health().queue_rows >= 6
    finally:
        assert await storage.stop() == 0
    for db in schema.DATABASES:
        path = database_path(settings.data_dir, db)
        conn = sqlite3.connect(path)
        assert conn.execute("PRAGMA integrity_check").fetchone() == ("ok",)
        assert schema.user_version(conn) == schema.target_version(db)
        conn.close()
    log_path = database_path(settings.data_dir, "log")
    kinds = query(log_path, "SELECT kind, json_extract(data, '$.db') FROM events")
    assert ("db_replaced", "ml") in kinds
    keys = {row[0] for row in query(log_path, "SELECT alarm_key FROM alarm_log")}
    assert f"{ALARM_DB_REPLACED}.ml" in keys
    assert query(database_path(settings.data_dir, "raw"), "SELECT count(*) FROM samples") == [(5,)]
    assert query(database_path(settings.data_dir, "ml"), "SELECT mode, user FROM mode_changes") == [("ml", "anna")]
    health = storage.health()
    assert health.rows_written == 5 and health.queue_rows == 0


def test_disk_low_alarm_with_hysteresis(tmp_path: Path, alarms: AlarmManager) -> None:
    free = {"bytes": 2000 * MB}
    monitor = DiskMonitor(tmp_path, 500, alarms, free=lambda path: free["bytes"])
    assert monitor.check() == 2000 * MB and not alarms.is_active(ALARM_DISK_LOW)
    free["bytes"] = 400 * MB
    monitor.check()
    alarm = alarms.get(ALARM_DISK_LOW)
    assert alarm is not None and alarm.condition and alarm.value == 400.0 and "400 MB" in alarm.text
    free["bytes"] = 520 * MB  # above the floor, inside the 10 % band: still low
    monitor.check()
    assert alarms.is_active(ALARM_DISK_LOW)
    free["bytes"] = 560 * MB
    monitor.check()
    assert not alarms.is_active(ALARM_DISK_LOW) and not monitor.low


def test_disk_monitor_survives_an_unmeasurable_path(tmp_path: Path, alarms: AlarmManager) -> None:
    def broken(path: Path) -> int:
        raise OSError("stale NFS handle")

    monitor = DiskMonitor(tmp_path, 500, alarms, free=broken)
    assert monitor.check() is None and "stale" in monitor.error
    real = DiskMonitor(tmp_path / "not" / "yet", 0, alarms)
    assert (real.check() or 0) > 0
