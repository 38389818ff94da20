"""Imported history reaches the central PostgreSQL through the mirror, like recorded data."""

from __future__ import annotations

import os
import secrets
from collections.abc import AsyncIterator
from pathlib import Path

import asyncpg
import pytest

from core.config import Settings
from core.migrate.importer import import_smart_saw
from core.registers import RegisterMap
from core.storage.pg.tables import quote_ident
from tests.migrate.test_import_smart_saw import EXPECTED_TS, build_source
from tests.postgres.pgtools import PG_HOST, PG_PORT, PG_USER, ensure_server_up, pg_count, running
from tests.waiting import wait_until

pytestmark = pytest.mark.integration


async def _admin(sql: str) -> None:
    conn = await asyncpg.connect(host=PG_HOST, port=PG_PORT, user=PG_USER, database="postgres")
    try:
        await conn.execute(sql)
    finally:
        await conn.close()


@pytest.fixture
async def database() -> AsyncIterator[str]:
    ensure_server_up()
    name = f"bandsaw_migrate_{os.getpid()}_{secrets.token_hex(3)}"
    await _admin(f"CREATE DATABASE {quote_ident(name)}")
    yield name
    await _admin(f"DROP DATABASE IF EXISTS {quote_ident(name)} WITH (FORCE)")


async def test_imported_rows_are_mirrored(
    tmp_path: Path, settings: Settings, register_map: RegisterMap, database: str
) -> None:
    settings.machine.time_zone = "Europe/Berlin"
    settings.machine.id = 4242
    pg = settings.database.postgresql
    pg.enabled, pg.host, pg.port, pg.user, pg.database = True, PG_HOST, PG_PORT, PG_USER, database
    pg.interval_s, pg.retry_backoff_max_s = 0.1, 1.0
    build_source(tmp_path / "smart-saw")
    summary = import_smart_saw(tmp_path / "smart-saw", settings, register_map)
    assert summary.streams[0].imported == len(EXPECTED_TS)

    conn = await asyncpg.connect(host=PG_HOST, port=PG_PORT, user=PG_USER, database=database)
    try:
        expected = {"samples": len(EXPECTED_TS), "cuts": 2, "decisions": 1, "anomalies": 1, "alarm_log": 2,
                    "events": 2}

        async def mirrored() -> bool:
            return all([await pg_count(conn, table, 4242) == n for table, n in expected.items()])

        async with running(settings):
            await wait_until(mirrored, "the imported rows in PostgreSQL")
        rows = await conn.fetch("SELECT ts_ms, band_current FROM samples WHERE machine_id = 4242 ORDER BY ts_ms")
        assert [r["ts_ms"] for r in rows] == EXPECTED_TS
        assert rows[4]["band_current"] == 12.5
        kinds = await conn.fetch("SELECT message FROM events WHERE machine_id = 4242 ORDER BY ts_ms")
        assert [r["message"] for r in kinds] == ["başladı", "bağlantı koptu"]
    finally:
        await conn.close()
