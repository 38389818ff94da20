"""Mirror identity across replaced files and restores (issue 16 item 1).

The real local storage writes every mirrored table while the mirror runs; between runs each
database file is replaced in another way (corrupt, deleted, emptied, an older copy) and a backup
is restored. Afterwards every SQLite row is in PostgreSQL with its content, nothing doubled,
nothing quarantined. Same key with other content is quarantined with an alarm, never dropped.
"""

from __future__ import annotations

import shutil
import sqlite3
from pathlib import Path

import asyncpg
import pytest

from core.analysis.alarms import AlarmManager
from core.config import Settings
from core.storage.backup import run_backup
from core.storage.pg import PostgresMirror
from core.storage.pg.schema import _base_table_sql
from core.storage.pg.state import MirrorState
from core.storage.pg.status import ALARM_QUARANTINE
from core.storage.pg.tables import MIRRORED_TABLES
from core.storage.restore import restore_latest
from core.storage.sqlite_alarms import ALARM_DB_REPLACED, ALARM_DB_VANISHED
from core.storage.sqlite_store import SqliteStorage
from tests.postgres.generations import COLUMNS, compare_all, write_rows
from tests.postgres.pgtools import PG_HOST, PG_PORT, PG_USER, assert_content, running
from tests.postgres.sources import Sources
from tests.waiting import wait_until

pytestmark = pytest.mark.integration


async def _run(settings: Settings, rounds: int = 2) -> AlarmManager:
    """One engine-like run: storage and mirror up, rows written, mirror caught up, all stopped."""
    alarms = AlarmManager()
    storage = SqliteStorage(settings, COLUMNS, alarms)
    await storage.start()
    mirror = PostgresMirror(settings, alarms=alarms)
    await mirror.start()
    try:
        for _ in range(rounds):
            write_rows(storage, 5)
            await storage.log.drain()
        for writer in storage.writers:
            await writer.drain()

        async def caught_up() -> bool:
            mirror.wake()
            health = mirror.health()
            return health.connected and health.backlog == 0 and mirror.rows_sent > 0

        await wait_until(caught_up, "the mirror to catch up")
    finally:
        await mirror.stop()
        await storage.stop()
    return alarms


def _copy(source: Path, target: Path) -> None:
    src, dst = sqlite3.connect(source), sqlite3.connect(target)
    try:
        src.backup(dst)
    finally:
        src.close()
        dst.close()


async def test_replaced_files_and_a_restore_lose_and_double_nothing(
    mirror_settings: Settings, own_database: str, machine_id: int
) -> None:
    # A database of its own: the engine's real column types must not shape the shared one.
    mirror_settings.database.postgresql.database = own_database
    pg = await asyncpg.connect(host=PG_HOST, port=PG_PORT, user=PG_USER, database=own_database)
    try:
        await _replace_and_restore(mirror_settings, pg, machine_id)
    finally:
        await pg.close()


async def _replace_and_restore(mirror_settings: Settings, pg: asyncpg.Connection, machine_id: int) -> None:
    databases = mirror_settings.data_dir / "databases"
    await _run(mirror_settings)
    run_backup(mirror_settings)
    _copy(databases / "ml.db", databases.parent / "ml-old.db")
    await _run(mirror_settings)
    checked = await compare_all(pg, databases, machine_id)
    assert set(checked) >= {"raw.samples", "log.events", "total.cuts", "total.band_counters", "ml.mode_changes",
                            "anomaly.anomalies"}

    # Each file replaced another way while the engine is stopped.
    for suffix in ("", "-wal", "-shm"):
        (databases / f"total.db{suffix}").unlink(missing_ok=True)  # deleted
    (databases / "log.db").write_bytes(b"not a database" * 100)  # corrupt: moved aside
    (databases / "anomaly.db").write_bytes(b"")  # emptied
    for suffix in ("-wal", "-shm"):
        (databases / f"ml.db{suffix}").unlink(missing_ok=True)
    shutil.copy(databases.parent / "ml-old.db", databases / "ml.db")  # an older copy of itself
    alarms = await _run(mirror_settings)
    for key in (f"{ALARM_DB_VANISHED}.total", f"{ALARM_DB_VANISHED}.anomaly", f"{ALARM_DB_REPLACED}.ml",
                f"{ALARM_DB_REPLACED}.log"):
        alarm = alarms.get(key)
        assert alarm is not None and alarm.condition, f"{key} not active"
    await compare_all(pg, databases, machine_id)

    # A restore mid-run: the restored files carry on as new generations.
    restore_latest(mirror_settings.data_dir)
    await _run(mirror_settings)
    checked = await compare_all(pg, databases, machine_id)
    assert checked["ml.mode_changes"] >= 10
    assert not alarms.is_active(ALARM_QUARANTINE)
    state = MirrorState(databases / "pg_mirror.db")
    try:
        assert int(state._conn.execute("SELECT count(*) FROM quarantine").fetchone()[0]) == 0
    finally:
        state.close()


async def test_same_key_other_content_is_quarantined_with_an_alarm(
    mirror_settings: Settings, sources: Sources, pg: asyncpg.Connection, machine_id: int
) -> None:
    """A file without a generation swapped for another (legacy): reused ids never hide new rows."""
    sources.create(["events"])
    sources.append("events", 20)
    alarms = AlarmManager()
    async with running(mirror_settings, alarms=alarms) as mirror:
        await wait_until(lambda: _count(pg, "events", machine_id, 20), "first file")
        sources.close()
        for path in sources.dir.glob("log.db*"):
            path.unlink()
        sources.create(["events"])
        sources.append("events", 5)  # ids 1..5 again, other content

        async def quarantined() -> bool:
            return len(await mirror.quarantined()) == 5

        await wait_until(quarantined, "the conflicts in the quarantine")
        entries = await mirror.quarantined()
        assert all(entry.error.startswith("conflict") for entry in entries)
        assert {entry.row_id for entry in entries} == {1, 2, 3, 4, 5}
        alarm = alarms.get(ALARM_QUARANTINE)
        assert alarm is not None and alarm.condition


async def _count(pg: asyncpg.Connection, table: str, machine_id: int, n: int) -> bool:
    exists = await pg.fetchval("SELECT to_regclass($1) IS NOT NULL", table)
    return bool(exists) and await pg.fetchval(f"SELECT count(*) FROM {table} WHERE machine_id = $1", machine_id) == n


async def test_a_version_1_central_schema_and_mirror_state_are_migrated(
    mirror_settings: Settings, sources: Sources, own_database: str, machine_id: int
) -> None:
    """Rows mirrored before generations existed stay, as the legacy generation, and are not sent twice."""
    mirror_settings.database.postgresql.database = own_database
    conn = await asyncpg.connect(host=PG_HOST, port=PG_PORT, user=PG_USER, database=own_database)
    try:
        await conn.execute("CREATE TABLE schema_version (version INTEGER PRIMARY KEY, applied_ms BIGINT NOT NULL, "
                           "description TEXT NOT NULL)")
        await conn.execute("INSERT INTO schema_version VALUES (1, 0, 'v1')")
        for spec in MIRRORED_TABLES:
            for statement in _base_table_sql(spec, version=1):
                await conn.execute(statement)
        sources.create(["events"])
        sources.append("events", 30)
        # What a version-1 mirror had sent: rows 1..20, its state file says so.
        names = ["id", "ts_ms", "level", "source", "message"]
        for name in names[2:]:
            await conn.execute(f'ALTER TABLE events ADD COLUMN "{name}" TEXT')
        rows = sources.conn("log").execute(f"SELECT {', '.join(names)} FROM events WHERE id <= 20").fetchall()
        await conn.executemany(
            "INSERT INTO events (machine_id, id, ts_ms, level, source, message) VALUES ($1, $2, $3, $4, $5, $6)",
            [(machine_id, *row) for row in rows])
        state = sqlite3.connect(sources.dir / "pg_mirror.db")
        state.executescript(
            "CREATE TABLE cursors (target TEXT NOT NULL, source TEXT NOT NULL, last_id INTEGER NOT NULL, "
            "updated_ms INTEGER NOT NULL, PRIMARY KEY (target, source));"
            "CREATE TABLE quarantine (id INTEGER PRIMARY KEY AUTOINCREMENT, target TEXT NOT NULL, source TEXT NOT NULL,"
            " row_id INTEGER NOT NULL, ts_ms INTEGER, machine_id INTEGER NOT NULL, row_json TEXT NOT NULL, error TEXT "
            "NOT NULL, first_ms INTEGER NOT NULL, last_ms INTEGER NOT NULL, attempts INTEGER NOT NULL DEFAULT 1, "
            "UNIQUE (target, source, row_id)); PRAGMA user_version = 1;")
        state.close()
        async with running(mirror_settings) as mirror:
            await wait_until(lambda: _count(conn, "events", machine_id, 30), "the rest sent")
            assert await conn.fetchval("SELECT max(version) FROM schema_version") == 2
            key = await conn.fetch(
                "SELECT a.attname FROM pg_index i JOIN pg_attribute a ON a.attrelid = i.indrelid "
                "AND a.attnum = ANY(i.indkey) WHERE i.indrelid = 'events'::regclass AND i.indisprimary")
            assert {r[0] for r in key} == {"machine_id", "generation", "id"}
            assert await conn.fetchval("SELECT count(DISTINCT generation) FROM events") == 1
            assert mirror.rows_sent == 10
        await assert_content(conn, sources, machine_id, "events")
    finally:
        await conn.close()
