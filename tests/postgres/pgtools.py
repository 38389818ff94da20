"""Helpers for the PostgreSQL mirror tests: the local server, running mirrors, comparisons."""

from __future__ import annotations

import contextlib
import os
import subprocess
import time
from collections.abc import AsyncIterator
from decimal import Decimal
from typing import Any

import asyncpg

from core.analysis.alarms import AlarmManager
from core.config import Settings
from core.storage.pg import MIRRORED_TABLES, PostgresMirror
from core.storage.pg.tables import pg_name, quote_ident
from tests.postgres.sources import Sources

PG_HOST = "127.0.0.1"
PG_PORT = 5432
PG_USER = "postgres"


def pg_cluster() -> tuple[str, str]:
    """(version, cluster) of the local server, e.g. ("15", "main")."""
    versions = sorted(os.listdir("/etc/postgresql"), key=float)
    return versions[-1], "main"


def ensure_server_up(timeout_s: float = 60.0) -> None:
    """Start the cluster if a test left it down, and wait until it takes connections."""
    version, cluster = pg_cluster()
    deadline = time.monotonic() + timeout_s
    while time.monotonic() < deadline:
        ready = subprocess.run(["pg_isready", "-h", PG_HOST, "-p", str(PG_PORT)], capture_output=True, check=False)
        if ready.returncode == 0:
            return
        if ready.returncode == 2:  # no response: not running
            subprocess.run(
                ["pg_ctlcluster", "--skip-systemctl-redirect", version, cluster, "start"],
                capture_output=True,
                check=False,
            )
        time.sleep(0.5)
    raise RuntimeError("PostgreSQL did not come back up")


@contextlib.asynccontextmanager
async def running(settings: Settings, **kwargs: Any) -> AsyncIterator[PostgresMirror]:
    """A started mirror, stopped on the way out even when the test fails."""
    kwargs.setdefault("alarms", AlarmManager())
    mirror = PostgresMirror(settings, **kwargs)
    await mirror.start()
    try:
        yield mirror
    finally:
        await mirror.stop()


async def pg_count(conn: asyncpg.Connection, table: str, machine_id: int) -> int:
    exists = await conn.fetchval("SELECT to_regclass($1) IS NOT NULL", quote_ident(table))
    if not exists:
        return 0
    return int(await conn.fetchval(f"SELECT count(*) FROM {quote_ident(table)} WHERE machine_id = $1", machine_id))


async def counts_match(conn: asyncpg.Connection, src: Sources, machine_id: int, tables: list[str]) -> bool:
    for table in tables:
        if await pg_count(conn, table, machine_id) != src.count(table):
            return False
    return True


async def assert_content(
    conn: asyncpg.Connection, src: Sources, machine_id: int, table: str, skip_ids: set[int] | None = None
) -> None:
    """PostgreSQL holds exactly the SQLite rows of ``table`` (values and count) for ``machine_id``."""
    spec = next(s for s in MIRRORED_TABLES if s.table == table)
    names = src.column_names(table)
    local = [row for row in src.rows(table) if row[0] not in (skip_ids or set())]
    if spec.keep_id:
        select, key = names, 0
        expected = {row[0]: tuple(row) for row in local}
    else:
        select, key = names[1:], 0  # samples: no id in PostgreSQL, keyed by ts_ms
        expected = {row[1]: tuple(row[1:]) for row in local}
    cols = ", ".join(quote_ident(pg_name(n)) for n in select)
    records = await conn.fetch(f"SELECT {cols} FROM {quote_ident(table)} WHERE machine_id = $1", machine_id)
    got = {rec[key]: tuple(_normal(v) for v in rec) for rec in records}
    assert len(records) == len(got) == len(expected), f"{table}: {len(records)} in PostgreSQL, {len(expected)} local"
    for k, row in expected.items():
        want = tuple(_normal(v) for v in row)
        diff = [(n, a, b) for n, a, b in zip(select, got[k], want, strict=True) if a != b]
        assert got[k] == want, f"{table} row {k} differs (column, PostgreSQL, SQLite): {diff}"


def _normal(value: Any) -> Any:
    """SQLite and PostgreSQL spell some values differently; compare what they mean."""
    if isinstance(value, Decimal | float) and not isinstance(value, bool):
        return float(value)
    return value
