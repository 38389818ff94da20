"""The mirror copies every contract table into PostgreSQL: counts and content match SQLite."""

from __future__ import annotations

import asyncio
from collections.abc import Callable
from pathlib import Path

import asyncpg
import pytest

from core.analysis.alarms import AlarmManager
from core.config import Settings
from core.registers import RegisterMap
from core.snapshot import Quality, Snapshot
from core.storage.pg import MIRRORED_TABLES, PostgresMirror
from core.storage.pg.tables import quote_ident
from tests.postgres.pgtools import PG_HOST, PG_PORT, PG_USER, assert_content, counts_match, running
from tests.postgres.sources import Sources
from tests.waiting import wait_until

pytestmark = pytest.mark.integration

LOG_TABLES = ["events", "alarm_log", "audit", "cuts", "decisions", "mode_changes"]


async def test_every_table_matches_sqlite(
    mirror_settings: Settings, sources: Sources, pg: asyncpg.Connection, machine_id: int
) -> None:
    sources.create(["samples", *LOG_TABLES])  # anomaly.db does not exist yet
    sources.append("samples", 1_700)
    for table in LOG_TABLES:
        sources.append(table, 60)
    commits: list[int] = []
    async with running(mirror_settings, on_commit=lambda info: commits.append(info.rows)) as mirror:
        # Rows keep arriving while the mirror runs.
        for _ in range(5):
            sources.append("samples", 37)
            sources.append("events", 3)
            mirror.wake()
            await asyncio.sleep(0.05)
        # A register added to the map: SQLite grows a column, PostgreSQL follows.
        sources.execute("samples", 'ALTER TABLE samples ADD COLUMN "new_register" REAL')
        sources.append("samples", 120)
        # A database created after the mirror started is picked up.
        sources.create(["anomalies"])
        sources.append("anomalies", 40)

        tables = ["samples", *LOG_TABLES, "anomalies"]
        await wait_until(lambda: counts_match(pg, sources, machine_id, tables), "all tables mirrored")
        for table in tables:
            await assert_content(pg, sources, machine_id, table)

        assert await pg.fetchval("SELECT max(version) FROM schema_version") == 2
        columns = await pg.fetch("SELECT column_name FROM information_schema.columns WHERE table_name = 'samples'")
        assert {"new_register", "plc_machine_id"} <= {r[0] for r in columns}
        assert max(commits) <= mirror_settings.database.postgresql.batch_rows

        async def caught_up() -> bool:
            health = mirror.health()
            return health.connected and health.backlog == 0

        await wait_until(caught_up, "health to show no backlog")
        health = mirror.health()
        assert health.enabled and health.error == "" and health.lag_s == 0.0
        assert health.last_ok_ms is not None
        assert mirror.rows_duplicate == 0


async def test_restart_resumes_from_the_cursor(
    mirror_settings: Settings, sources: Sources, pg: asyncpg.Connection, machine_id: int
) -> None:
    sources.create(["samples", "events"])
    sources.append("samples", 800)
    sources.append("events", 30)
    async with running(mirror_settings):
        await wait_until(lambda: counts_match(pg, sources, machine_id, ["samples", "events"]), "first run")

    sources.append("samples", 300)
    sources.append("events", 5)
    async with running(mirror_settings) as second:
        await wait_until(lambda: counts_match(pg, sources, machine_id, ["samples", "events"]), "second run")

        async def all_counted() -> bool:  # the commit is visible a moment before the count moves
            return second.rows_sent >= 305

        await wait_until(all_counted, "rows_sent to reach 305")
        cycles = second.cycles

        async def idle_cycles() -> bool:
            return second.cycles >= cycles + 3

        await wait_until(idle_cycles, "three idle cycles after the catch-up")
        assert (second.rows_sent, second.rows_duplicate) == (305, 0), "rows sent twice after the restart"
    await assert_content(pg, sources, machine_id, "samples")


async def test_two_machines_share_one_database(
    mirror_settings: Settings,
    register_map: RegisterMap,
    pg: asyncpg.Connection,
    machine_id: int,
    source_dirs: Callable[[str], Path],
) -> None:
    names = [reg.name for reg in register_map]
    saws: list[tuple[Settings, Sources]] = []
    for index in range(2):
        settings = mirror_settings.model_copy(deep=True)
        settings.paths.data_dir = source_dirs(f"saw{index}")
        settings.machine.id = machine_id + 5000 + index
        # Same seed and timestamps: only the machine id tells the two saws apart.
        src = Sources(settings.data_dir, names, seed=7)
        src.create(["samples", "cuts"])
        src.append("samples", 600)
        src.append("cuts", 25)
        saws.append((settings, src))
    try:
        async with running(saws[0][0]), running(saws[1][0]):
            for settings, src in saws:
                mid = settings.machine.id
                assert mid is not None

                async def mirrored(src: Sources = src, mid: int = mid) -> bool:
                    return await counts_match(pg, src, mid, ["samples", "cuts"])

                await wait_until(mirrored, f"machine {mid}")
                await assert_content(pg, src, mid, "samples")
                await assert_content(pg, src, mid, "cuts")
    finally:
        for _, src in saws:
            src.close()


async def test_machine_id_from_the_plc(
    mirror_settings: Settings, sources: Sources, pg: asyncpg.Connection, machine_id: int
) -> None:
    mirror_settings.machine.id = None
    sources.create(["events"])
    sources.append("events", 10)
    async with running(mirror_settings) as mirror:

        async def waiting() -> bool:
            return "machine id" in mirror.health().error

        await wait_until(waiting, "health to say it waits for the machine id")
        count = await pg.fetchval(f"SELECT count(*) FROM {quote_ident('events')} WHERE machine_id = $1", machine_id)
        assert count == 0

        mirror.on_snapshot(Snapshot(1, 0, 0.0, {"machine_id": None}, {}, Quality.COMM_ERROR))
        assert mirror.machine_id is None
        mirror.on_snapshot(Snapshot(2, 0, 0.0, {"machine_id": float(machine_id)}, {}, Quality.GOOD))
        assert mirror.machine_id == machine_id
        await wait_until(lambda: counts_match(pg, sources, machine_id, ["events"]), "events mirrored")
        await assert_content(pg, sources, machine_id, "events")


async def test_disabled_does_nothing(settings: Settings) -> None:
    mirror = PostgresMirror(settings, alarms=AlarmManager())
    await mirror.start()
    assert not mirror.health().enabled
    await mirror.stop()
    assert not (settings.data_dir / "databases" / "pg_mirror.db").exists()


async def test_lost_cursors_resend_without_duplicates(
    mirror_settings: Settings, sources: Sources, pg: asyncpg.Connection, machine_id: int
) -> None:
    sources.create(["samples", "events"])
    sources.append("samples", 1_000)
    sources.append("events", 20)
    async with running(mirror_settings):
        await wait_until(lambda: counts_match(pg, sources, machine_id, ["samples", "events"]), "first run")
    # The mirror's own state is lost (disk swap, restore): everything is sent again.
    for path in (mirror_settings.data_dir / "databases").glob("pg_mirror.db*"):
        path.unlink()
    sources.append("samples", 50)
    async with running(mirror_settings) as mirror:

        async def resent() -> bool:
            return mirror.rows_sent + mirror.rows_duplicate == 1_070

        await wait_until(resent, "the resend")
        assert (mirror.rows_sent, mirror.rows_duplicate) == (50, 1_020)
    await assert_content(pg, sources, machine_id, "samples")
    await assert_content(pg, sources, machine_id, "events")


# One row of the ML controller's state (replaced, then deleted when the operator's speeds are back):
# local state like total.db's cut_open_state, not a record to mirror.
LOCAL_STATE = {"ml_handover"}


async def test_the_engine_schemas_are_mirrored(
    mirror_settings: Settings, sources: Sources, own_database: str, machine_id: int
) -> None:
    """The real local schemas (core/storage/schema.py), every contract table of them mirrored."""
    schema = pytest.importorskip("core.storage.schema")
    mirror_settings.database.postgresql.database = own_database
    for database in schema.DATABASES:
        schema.migrate(sources.conn(database), database)
    schema.ensure_sample_columns(sources.conn("raw"), sources.registers)
    local_tables = {
        row[0]
        for database in schema.DATABASES
        for row in sources.conn(database).execute("SELECT name FROM sqlite_master WHERE type = 'table'")
        if {"id", "ts_ms"} <= {c[1] for c in sources.conn(database).execute(f"PRAGMA table_info({row[0]})")}
    } - LOCAL_STATE
    mirrored = {spec.table for spec in MIRRORED_TABLES}
    assert local_tables <= mirrored, f"not mirrored: {local_tables - mirrored}"
    for table in local_tables:
        sources.append(table, 700 if table == "samples" else 30)
    pg = await asyncpg.connect(host=PG_HOST, port=PG_PORT, user=PG_USER, database=own_database)
    try:
        async with running(mirror_settings) as mirror:
            await wait_until(lambda: counts_match(pg, sources, machine_id, sorted(local_tables)), "mirrored")
            assert await mirror.quarantined() == []
        for table in local_tables:
            await assert_content(pg, sources, machine_id, table)
    finally:
        await pg.close()


async def test_a_replaced_source_file_is_sent_again(
    mirror_settings: Settings, sources: Sources, pg: asyncpg.Connection, machine_id: int
) -> None:
    """A corrupt raw.db moved aside (or a restore) restarts its ids below the cursor."""
    sources.create(["samples"])
    sources.append("samples", 300)
    async with running(mirror_settings) as mirror:
        await wait_until(lambda: counts_match(pg, sources, machine_id, ["samples"]), "first file")
        sources.close()
        for path in sources.dir.glob("raw.db*"):
            path.unlink()
        sources.create(["samples"])
        sources.append("samples", 100)  # ids 1..100 again, new times

        async def both_files() -> bool:
            return await pg.fetchval("SELECT count(*) FROM samples WHERE machine_id = $1", machine_id) == 400

        await wait_until(both_files, "the new file's rows")
        assert mirror.rows_sent == 400
