"""The audit trail in log.db: everything security-relevant lands there, and it cannot be changed."""

from __future__ import annotations

import csv
import sqlite3
from pathlib import Path

import pytest
from security_helpers import FakeClock

from core.analysis.alarms import AlarmManager, Priority
from core.config import Settings
from core.security.access import AccessControl, LoginFailed, PermissionDenied
from core.security.audit import AuditRecord, AuditResult
from core.security.audit_chain import APPEND_ONLY_MESSAGE, verify_file
from core.security.audit_query import AuditFilter, append_audit, distinct_values, export_csv, query_audit
from core.security.passwords import FAST_PARAMS
from core.storage.logdb import LogWriter
from core.storage.sqlite_open import database_path
from tests.waiting import wait_until


def _fast(settings: Settings) -> Settings:
    sqlite = settings.database.sqlite.model_copy(update={"batch_rows": 1, "batch_ms": 10})
    return settings.model_copy(update={"database": settings.database.model_copy(update={"sqlite": sqlite})})


async def test_everything_is_recorded_in_log_db_and_cannot_be_changed(settings: Settings, clock: FakeClock) -> None:
    settings = _fast(settings)
    alarms = AlarmManager(clock=clock.time)
    writer = LogWriter.from_settings(settings, alarms, clock=clock.time)
    await writer.start()
    access = AccessControl.from_settings(settings, audit=writer.audit, kdf=FAST_PARAMS,
                                         clock=clock.time, monotonic=clock.monotonic)
    unsubscribe = access.trail.attach_alarms(alarms)
    try:
        access.create_first_admin("alice", "1111")
        access.login("alice", "1111")
        access.add_user("alice", "erin", "engineer", "2222")
        with pytest.raises(LoginFailed):
            access.login("erin", "9999")
        access.login("erin", "2222")
        # A PLC write as the Writer audits it, a setting change, backup and restore as the HMI reports them.
        writer.audit(AuditRecord(access.trail.now_ms(), "erin", "write", "cutting_speed", 60.0, 72.0,
                                 AuditResult.ACCEPTED, "requested 72"))
        access.trail.setting_changed("erin", "control.torque_guard.limit_pct", 85, 80.0)
        access.trail.record("erin", "backup", "daily/2026-11-27", detail="5 databases")
        access.trail.record("alice", "restore_backup", "daily/2026-11-26", old="live", new="2026-11-26")
        alarms.update("modbus.link_lost", True, "PLC link lost", priority=Priority.HIGH, source="modbus")
        assert alarms.acknowledge("modbus.link_lost", "erin")
        alarms.update("anomaly.vibration", True, "Vibration high", priority=Priority.MEDIUM, source="analysis")
        assert alarms.shelve("anomaly.vibration", "erin", 600, "sensor being replaced")
        with pytest.raises(PermissionDenied):
            access.authorize("erin", "restore_backup")
        access.set_enabled("alice", "erin", False)  # also logs erin out
        access.logout("alice")
        expected = 15  # the users_sealed note included
        await wait_until(lambda: len(query_audit(database_path(settings.data_dir, "log"))) >= expected,
                         f"{expected} audit rows")
    finally:
        unsubscribe()
        await writer.stop()
    path = database_path(settings.data_dir, "log")
    rows = list(reversed(query_audit(path)))
    seen = [(r.user, r.action, r.target) for r in rows]
    assert seen == [  # the first admin's creation notes that users.db's rows carry MACs (users_sealed)
        ("setup", "users_sealed", "users.db"),
        ("setup", "user_add", "alice"), ("alice", "login", "hmi"), ("alice", "user_add", "erin"),
        ("erin", "login_failed", "hmi"), ("erin", "login", "hmi"), ("erin", "write", "cutting_speed"),
        ("erin", "setting", "control.torque_guard.limit_pct"), ("erin", "backup", "daily/2026-11-27"),
        ("alice", "restore_backup", "daily/2026-11-26"), ("erin", "alarm_acknowledge", "modbus.link_lost"),
        ("erin", "alarm_shelve", "anomaly.vibration"), ("erin", "restore_backup", ""),
        ("alice", "user_disable", "erin"), ("erin", "logout", "hmi"), ("alice", "logout", "hmi"),
    ]
    by_action = {r.action: r for r in rows}
    assert (by_action["write"].old_value, by_action["write"].new_value) == ("60.0", "72.0")  # TEXT columns
    assert (by_action["setting"].old_value, by_action["setting"].new_value) == ("85.0", "80.0")
    assert (by_action["alarm_acknowledge"].old_value, by_action["alarm_acknowledge"].new_value) == (
        "unacknowledged", "acknowledged")
    assert "sensor being replaced" in by_action["alarm_shelve"].detail
    assert [r.result for r in rows if r.action == "restore_backup"] == ["accepted", "refused"]
    assert all(r.ts_ms == int(clock.wall * 1000) for r in rows)

    conn = sqlite3.connect(path)
    try:
        for sql in ("UPDATE audit SET user = 'nobody'", "DELETE FROM audit", "DELETE FROM audit WHERE id = 1",
                    "UPDATE audit SET detail = '' WHERE action = 'login_failed'"):
            with pytest.raises(sqlite3.DatabaseError, match=APPEND_ONLY_MESSAGE):
                conn.execute(sql)
        with pytest.raises(sqlite3.DatabaseError, match="chain hash"):  # appending around the chain
            conn.execute("INSERT INTO audit (ts_ms, user, action, target, result) VALUES (1, 'x', 'y', 'z', 'ok')")
        conn.rollback()
    finally:
        conn.close()
    assert append_audit(path, [AuditRecord(1, "x", "y", "z", None, None, AuditResult.ACCEPTED)]) == 1
    assert len(query_audit(path)) == len(rows) + 1
    assert verify_file(path).ok and verify_file(path).rows == len(rows) + 1


def _seed(path: Path, n: int) -> None:
    conn = sqlite3.connect(path)
    conn.executescript("""
        CREATE TABLE audit (id INTEGER PRIMARY KEY AUTOINCREMENT, ts_ms INTEGER NOT NULL, user TEXT NOT NULL,
            action TEXT NOT NULL, target TEXT NOT NULL, old_value TEXT, new_value TEXT, result TEXT NOT NULL,
            detail TEXT);
    """)
    users = ("anna", "bert", "cleo")
    conn.executemany(
        "INSERT INTO audit (ts_ms, user, action, target, old_value, new_value, result, detail)"
        " VALUES (?, ?, ?, ?, ?, ?, ?, ?)",
        [(1000 * i, users[i % 3], ("login", "write", "alarm_acknowledge")[i % 3], f"t{i}", i, i + 1,
          "refused" if i % 5 == 0 else "accepted", f"row {i}, with comma") for i in range(n)],
    )
    conn.commit()
    conn.close()


def test_filters_and_csv_export(tmp_path: Path) -> None:
    path = tmp_path / "log.db"
    _seed(path, 3000)
    assert len(query_audit(path, limit=50)) == 50 and query_audit(path, limit=1)[0].id == 3000
    anna = query_audit(path, AuditFilter(user="anna"), limit=5000)
    assert len(anna) == 1000 and {r.user for r in anna} == {"anna"}
    assert {r.action for r in query_audit(path, AuditFilter(actions=("alarm_",)), limit=5000)} == {"alarm_acknowledge"}
    both = query_audit(path, AuditFilter(actions=("alarm_", "login"), user="anna"), limit=5000)
    assert len(both) == 1000 and {r.action for r in both} == {"login"}
    window = query_audit(path, AuditFilter(start_ms=10_000, end_ms=20_000), limit=5000)
    assert [r.ts_ms for r in window] == list(range(19_000, 9_000, -1000))
    assert [r.target for r in query_audit(path, AuditFilter(text="ROW 2999"))] == ["t2999"]
    assert len(query_audit(path, AuditFilter(result="refused"), limit=5000)) == 600
    assert distinct_values(path, "user") == ["anna", "bert", "cleo"]
    assert distinct_values(path, "secret") == []

    out = tmp_path / "audit.csv"
    count = export_csv(path, out, AuditFilter(user="bert"), page_rows=128)
    with out.open(newline="", encoding="utf-8") as handle:
        table = list(csv.reader(handle))
    assert count == 1000 and len(table) == 1001
    assert table[0] == ["time_utc", "id", "ts_ms", "user", "action", "target", "old_value", "new_value", "result",
                        "detail"]
    assert table[1][0] == "1970-01-01T00:00:01.000+00:00" and table[1][3] == "bert"
    assert table[1][-1] == "row 1, with comma"

    with pytest.raises(InterruptedError):
        export_csv(path, tmp_path / "cancelled.csv", cancel=lambda: True)
    assert not (tmp_path / "cancelled.csv").exists() and not (tmp_path / "cancelled.csv.part").exists()
    assert query_audit(tmp_path / "missing.db") == []
