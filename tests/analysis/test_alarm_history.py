"""Alarm history: transitions logged by the storage LogWriter, read back with filters, CSV export."""

from __future__ import annotations

import csv
from pathlib import Path

from core.analysis.alarm_history import HistoryFilter, export_csv, query_history
from core.analysis.alarms import AlarmManager, Priority
from core.config import Settings
from core.storage.logdb import LogWriter


class Clock:
    now = 1_700_000_000.0

    def __call__(self) -> float:
        return self.now


async def test_history_filters_and_csv(settings: Settings, tmp_path: Path) -> None:
    clock = Clock()
    alarms = AlarmManager(clock=clock)
    writer = LogWriter.from_settings(settings, alarms)
    await writer.start()
    try:
        alarms.update("plc.alarm", True, "PLC: Band torque overload", priority=Priority.CRITICAL, source="plc")
        clock.now += 1
        alarms.update("anomaly.band_current.zscore", True, "Anomaly in band_current", priority=Priority.MEDIUM)
        clock.now += 1
        alarms.acknowledge("plc.alarm", "alice")
        clock.now += 1
        alarms.shelve("anomaly.band_current.zscore", "bob", 600, "known drift")
        clock.now += 1
        alarms.update("plc.alarm", False, "PLC: Band torque overload")
    finally:
        await writer.stop()
    log_db = writer.path
    everything = query_history(log_db)
    assert [e.action for e in everything] == ["clear", "shelve", "acknowledge", "raise", "raise"]
    assert everything[0].ts_ms == 1_700_000_004_000
    assert [e.user for e in query_history(log_db, HistoryFilter(actions=("acknowledge", "shelve")))] == [
        "bob", "alice"]
    assert {e.alarm_key for e in query_history(log_db, HistoryFilter(max_priority=1))} == {"plc.alarm"}
    assert len(query_history(log_db, HistoryFilter(key_contains="anomaly"))) == 2
    assert len(query_history(log_db, HistoryFilter(text_contains="TORQUE"))) == 3
    window = HistoryFilter(since_ms=1_700_000_001_000, until_ms=1_700_000_003_000, newest_first=False)
    assert [e.action for e in query_history(log_db, window)] == ["raise", "acknowledge"]
    assert len(query_history(log_db, HistoryFilter(user="alice", limit=5))) == 1

    target = tmp_path / "alarms.csv"
    assert export_csv(log_db, target, HistoryFilter(key_contains="plc")) == 3
    with target.open(encoding="utf-8") as handle:
        rows = list(csv.DictReader(handle))
    assert [r["action"] for r in rows] == ["clear", "acknowledge", "raise"]
    assert rows[1]["user"] == "alice" and rows[1]["time"].startswith("20")


def test_missing_log_db_reads_empty(tmp_path: Path) -> None:
    assert query_history(tmp_path / "nothing.db") == []
