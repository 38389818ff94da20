"""Fixtures for the PostgreSQL mirror tests: a real server at 127.0.0.1:5432 (user postgres, trust).

One uniquely named database per test session, dropped at the end; every test mirrors under its
own machine id, so tests sharing the database never see each other's rows.
"""

from __future__ import annotations

import asyncio
import itertools
import os
import secrets
from collections.abc import AsyncIterator, Callable, Iterator
from pathlib import Path

import asyncpg
import pytest

from core.analysis.alarms import AlarmManager
from core.config import Settings
from core.registers import RegisterMap
from core.storage.pg.tables import quote_ident
from tests.postgres.pgtools import PG_HOST, PG_PORT, PG_USER, ensure_server_up
from tests.postgres.sources import Sources

_machine_ids = itertools.count(1000 + os.getpid() % 1000 * 10)


async def _admin(sql: str) -> None:
    conn = await asyncpg.connect(host=PG_HOST, port=PG_PORT, user=PG_USER, database="postgres")
    try:
        await conn.execute(sql)
    finally:
        await conn.close()


@pytest.fixture(scope="session")
def pg_database() -> Iterator[str]:
    ensure_server_up()
    name = f"bandsaw_test_{os.getpid()}_{secrets.token_hex(3)}"
    asyncio.run(_admin(f"CREATE DATABASE {quote_ident(name)}"))
    yield name
    ensure_server_up()
    asyncio.run(_admin(f"DROP DATABASE IF EXISTS {quote_ident(name)} WITH (FORCE)"))


@pytest.fixture
async def own_database() -> AsyncIterator[str]:
    """A database of the test's own, for a schema no other test may have shaped first."""
    name = f"bandsaw_test_{os.getpid()}_{secrets.token_hex(4)}"
    await _admin(f"CREATE DATABASE {quote_ident(name)}")
    yield name
    await _admin(f"DROP DATABASE IF EXISTS {quote_ident(name)} WITH (FORCE)")


@pytest.fixture
def machine_id() -> int:
    return next(_machine_ids)


@pytest.fixture
def mirror_settings(settings: Settings, pg_database: str, machine_id: int) -> Settings:
    pg = settings.database.postgresql
    pg.enabled = True
    pg.host, pg.port, pg.user, pg.database = PG_HOST, PG_PORT, PG_USER, pg_database
    pg.batch_rows = 500
    pg.interval_s = 0.1
    pg.retry_backoff_max_s = 1.0
    pg.command_timeout_s = 10.0
    settings.machine.id = machine_id
    return settings


@pytest.fixture
def sources(mirror_settings: Settings, register_map: RegisterMap) -> Iterator[Sources]:
    src = Sources(mirror_settings.data_dir, [reg.name for reg in register_map])
    yield src
    src.close()


@pytest.fixture
async def pg(pg_database: str) -> AsyncIterator[asyncpg.Connection]:
    conn = await asyncpg.connect(host=PG_HOST, port=PG_PORT, user=PG_USER, database=pg_database)
    yield conn
    await conn.close()


@pytest.fixture
def alarms() -> AlarmManager:
    return AlarmManager()


@pytest.fixture
def source_dirs(tmp_path: Path) -> Callable[[str], Path]:
    def make(name: str) -> Path:
        path = tmp_path / name
        path.mkdir(parents=True, exist_ok=True)
        return path

    return make
