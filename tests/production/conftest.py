"""Fixtures of the production tests: one recorded simulator run shared by the session, and a
PostgreSQL database of the test's own on the shared server."""

from __future__ import annotations

import asyncio
import os
import secrets
from collections.abc import Iterator

import asyncpg
import pytest
from production_helpers import PG, RecordedRun, record_run, run_settings

from core.registers import RegisterMap


@pytest.fixture(scope="session")
def recorded_run(tmp_path_factory: pytest.TempPathFactory, register_map: RegisterMap) -> RecordedRun:
    data_dir = tmp_path_factory.mktemp("production-run") / "data"
    settings = run_settings(data_dir)
    start_ms, end_ms = asyncio.run(record_run(settings, register_map))
    return RecordedRun(settings, start_ms, end_ms)



async def _admin(sql: str) -> None:
    conn = await asyncpg.connect(**PG, database="postgres")
    try:
        await conn.execute(sql)
    finally:
        await conn.close()


@pytest.fixture
def pg_database() -> Iterator[str]:
    name = f"bandsaw_report_{os.getpid()}_{secrets.token_hex(3)}"
    asyncio.run(_admin(f'CREATE DATABASE "{name}"'))
    try:
        yield name
    finally:
        asyncio.run(_admin(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))
