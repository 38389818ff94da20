"""The fleet report from a real PostgreSQL filled by the real mirror equals each saw's own report."""

from __future__ import annotations

import asyncio
import sqlite3
import time
from pathlib import Path

import asyncpg
import pytest
from production_helpers import PG, RecordedRun, run_settings
from test_report_edges import STOPPING_KEYS, alarm_rows, cut, make_db, ms

from core.analysis.alarms import AlarmManager
from core.config import Settings
from core.production.fleet import fleet_reports, load_pg
from core.production.service import ReportError, report_set
from core.storage.pg import PostgresMirror

pytestmark = [pytest.mark.integration, pytest.mark.slow]


def to_pg(settings: Settings, database: str, machine_id: int) -> Settings:
    copy = settings.model_copy(deep=True)
    pg = copy.database.postgresql
    pg.enabled, pg.database, pg.host, pg.port, pg.user = True, database, PG["host"], PG["port"], PG["user"]
    pg.interval_s, pg.retry_backoff_max_s, pg.command_timeout_s = 0.1, 1.0, 10.0
    copy.machine.id = machine_id
    return copy


def local_count(settings: Settings, table: str) -> int:
    path = settings.data_dir / "databases" / "total.db"
    conn = sqlite3.connect(path)
    try:
        return int(conn.execute(f"SELECT count(*) FROM {table}").fetchone()[0])
    finally:
        conn.close()


async def mirror_all(saws: list[Settings], database: str) -> None:
    mirrors = [PostgresMirror(s, alarms=AlarmManager()) for s in saws]
    for mirror in mirrors:
        await mirror.start()
    try:
        conn = await asyncpg.connect(**PG, database=database)
        try:
            deadline = time.monotonic() + 60
            for saw in saws:
                for table in ("cuts", "saw_states"):
                    want = local_count(saw, table)
                    while True:
                        have = 0
                        if await conn.fetchval("SELECT to_regclass($1)", table) is not None:
                            have = await conn.fetchval(f"SELECT count(*) FROM {table} WHERE machine_id = $1",
                                                       saw.machine.id)
                        if have == want:
                            break
                        assert time.monotonic() < deadline, f"{table} of {saw.machine.id} not mirrored"
                        await asyncio.sleep(0.1)
        finally:
            await conn.close()
    finally:
        for mirror in mirrors:
            await mirror.stop()


def same(a: object, b: object) -> None:
    for name in ("planned_s", "cuts", "pieces", "area_cm2", "area_unknown_cuts", "cut_time_s", "time_by_state",
                 "interrupted_cuts", "band_changes", "band_unknown_cuts", "good_cuts", "flagged_cuts",
                 "ideal_cut_time_s", "availability", "performance", "quality", "oee", "downtime", "state_source"):
        assert getattr(a, name) == getattr(b, name), name


def test_fleet_report_equals_each_saws_own(recorded_run: RecordedRun, tmp_path: Path, pg_database: str) -> None:
    saw_a = to_pg(recorded_run.settings, pg_database, 11)
    saw_b = to_pg(run_settings(tmp_path / "b"), pg_database, 12)
    night = ms("2026-12-01T22:00")
    make_db(saw_b.data_dir, [cut(night + i * 600_000, 60, band=7 if i < 5 else 0) for i in range(10)],
            [(night + i * 60_000, [2, 3][i % 2], "up") for i in range(120)])
    asyncio.run(mirror_all([saw_a, saw_b], pg_database))

    now = recorded_run.end_ms + 10_000
    start = min(recorded_run.start_ms, night) - 3_600_000
    reports = asyncio.run(fleet_reports(saw_a, start, now, now_ms=now))
    assert [r.machine for r in reports] == ["machine 11", "machine 12"]
    for report, saw in zip(reports, (saw_a, saw_b), strict=True):
        own = report_set(saw, start, now, now_ms=now, timeline=False).total
        assert report.cuts > 0
        same(report, own)

    # The saws shared out to worker processes: the same figures as computed in this one.
    parallel = asyncio.run(fleet_reports(saw_a, start, now, now_ms=now, processes=2))
    assert [r.machine for r in parallel] == ["machine 11", "machine 12"]
    for report, alone in zip(parallel, reports, strict=True):
        same(report, alone)

    one = asyncio.run(fleet_reports(saw_a, start, now, now_ms=now, machine_ids=[12], shift="Night"))
    assert len(one) == 1 and one[0].period.shift == "Night"
    same(one[0], report_set(saw_b, start, now, shift="Night", now_ms=now).total)

    missing = asyncio.run(fleet_reports(saw_a, start, now, now_ms=now, machine_ids=[999]))
    assert len(missing) == 1 and not missing[0].has_data
    assert missing[0].availability is None and missing[0].oee is None  # blank, never "0.0 %"
    assert any(n.startswith("no data for machine 999") for n in missing[0].notes)


def test_fleet_errors_are_one_line(recorded_run: RecordedRun, pg_database: str) -> None:
    off = recorded_run.settings.model_copy(deep=True)
    with pytest.raises(ReportError, match="not configured"):
        asyncio.run(fleet_reports(off, 0, 1000, now_ms=2000))
    empty = to_pg(recorded_run.settings, pg_database, 13)
    with pytest.raises(ReportError, match="no saw has mirrored"):
        asyncio.run(fleet_reports(empty, 0, 1000, now_ms=2000))
    gone = to_pg(recorded_run.settings, pg_database, 13)
    gone.database.postgresql.port = 1
    with pytest.raises(ReportError, match="cannot reach PostgreSQL"):
        asyncio.run(fleet_reports(gone, 0, 1000, now_ms=2000))


def test_a_connection_lost_during_the_report_is_not_called_a_refusal(tmp_path: Path, pg_database: str) -> None:
    from core.production.fleet import _Job, _on_pool

    settings = to_pg(run_settings(tmp_path / "a"), pg_database, 31)

    async def cut_off(conn: asyncpg.Connection, _job: object) -> None:
        await conn.execute("SELECT pg_terminate_backend(pg_backend_pid())")  # as a server restart would

    job = _Job(settings, 0, 1, None, 1, False)
    with pytest.raises(ReportError) as lost:
        asyncio.run(_on_pool(job, 1, cut_off))
    assert str(lost.value).startswith("lost the connection to PostgreSQL during the report"), lost.value
    assert "refused" not in str(lost.value)


def test_fleet_downtime_causes_are_only_alarms_that_can_stop_the_saw(pg_database: str) -> None:
    # As on the saw (test_report_edges): security.audit_tampered and the other housekeeping alarms
    # were downtime causes in the fleet report too.
    start = ms("2026-12-01T10:00")

    async def load() -> set[str]:
        conn = await asyncpg.connect(**PG, database=pg_database)
        try:
            await conn.execute("CREATE TABLE alarm_log (machine_id integer, id bigserial, ts_ms bigint, "
                               "alarm_key text, action text, priority integer, text text)")
            await conn.executemany("INSERT INTO alarm_log (machine_id, ts_ms, alarm_key, action, priority, text) "
                                   "VALUES (3, $1, $2, $3, $4, $5)", alarm_rows(start))
            data = await load_pg(conn, 3, start, start + 3_600_000)
        finally:
            await conn.close()
        return {span.key for span in data.alarms}

    assert asyncio.run(load()) == STOPPING_KEYS
