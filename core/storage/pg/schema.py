"""The central database's schema: versioned base tables, columns that follow SQLite, TimescaleDB.

Version 1 creates ``schema_version`` and, per mirrored table, the key columns (machine_id plus
id or ts_ms). Version 2 adds ``generation`` to the key of the id-keyed tables (rows mirrored
before are the ``legacy`` generation, which is what files without a generation are locally).
Every other column is added when a SQLite table first shows it, so a register
added to the map on one saw becomes a column for all. Schema changes run under an advisory
lock: a fleet of mirrors starting together must not race on CREATE/ALTER.
"""

from __future__ import annotations

import logging
import time
from collections.abc import Sequence

import asyncpg

from core.storage.pg.tables import TableSpec, quote_ident

log = logging.getLogger("bandsaw.storage.postgres")

SCHEMA_VERSION = 2
LEGACY_GENERATION = "legacy"  # = core.storage.generation.LEGACY
_LOCK_KEY = 0x62616E64  # "band": serialises schema changes between mirrors
SAMPLES_CHUNK_MS = 24 * 3600 * 1000  # one TimescaleDB chunk per day


class SchemaError(Exception):
    """The central schema cannot be used by this program (e.g. written by a newer version)."""


def _base_table_sql(spec: TableSpec, *, version: int = SCHEMA_VERSION) -> list[str]:
    table = quote_ident(spec.table)
    if spec.keep_id:
        index = quote_ident(f"{spec.table}_machine_ts_idx")
        generation = "generation TEXT NOT NULL, " if version >= 2 else ""
        key = "machine_id, generation, id" if version >= 2 else "machine_id, id"
        return [
            f"CREATE TABLE IF NOT EXISTS {table} (machine_id INTEGER NOT NULL, {generation}id BIGINT NOT NULL, "
            f"ts_ms BIGINT NOT NULL, PRIMARY KEY ({key}))",
            f"CREATE INDEX IF NOT EXISTS {index} ON {table} (machine_id, ts_ms)",
        ]
    return [
        f"CREATE TABLE IF NOT EXISTS {table} (machine_id INTEGER NOT NULL, ts_ms BIGINT NOT NULL, "
        f"PRIMARY KEY (machine_id, ts_ms))"
    ]


def _migrations(tables: Sequence[TableSpec]) -> list[tuple[int, str, list[str]]]:
    v1 = [statement for spec in tables for statement in _base_table_sql(spec, version=1)]
    return [(1, "base tables keyed by machine_id", v1)]


async def _add_generation(conn: asyncpg.Connection, tables: Sequence[TableSpec]) -> None:
    """v2: (machine_id, id) -> (machine_id, generation, id); rows already there are legacy."""
    for spec in tables:
        if not spec.keep_id:
            continue
        table = quote_ident(spec.table)
        if await conn.fetchval("SELECT to_regclass($1)", table) is None:
            continue
        await conn.execute(
            f"ALTER TABLE {table} ADD COLUMN IF NOT EXISTS generation TEXT NOT NULL "
            f"DEFAULT '{LEGACY_GENERATION}'"
        )
        await conn.execute(f"ALTER TABLE {table} ALTER COLUMN generation DROP DEFAULT")
        for (name,) in await conn.fetch(
            "SELECT conname FROM pg_constraint WHERE conrelid = to_regclass($1) AND contype = 'p'", table
        ):
            await conn.execute(f"ALTER TABLE {table} DROP CONSTRAINT {quote_ident(name)}")
        await conn.execute(f"ALTER TABLE {table} ADD PRIMARY KEY (machine_id, generation, id)")


async def migrate(conn: asyncpg.Connection, tables: Sequence[TableSpec]) -> int:
    """Bring the schema to :data:`SCHEMA_VERSION`; returns the version found before."""
    async with conn.transaction():
        await conn.execute("SELECT pg_advisory_xact_lock($1)", _LOCK_KEY)
        await conn.execute(
            "CREATE TABLE IF NOT EXISTS schema_version (version INTEGER PRIMARY KEY, "
            "applied_ms BIGINT NOT NULL, description TEXT NOT NULL)"
        )
        current = await conn.fetchval("SELECT coalesce(max(version), 0) FROM schema_version")
        if current > SCHEMA_VERSION:
            raise SchemaError(
                f"the PostgreSQL schema is version {current}, newer than this program's {SCHEMA_VERSION}: "
                "update the program"
            )
        for version, description, statements in _migrations(tables):
            if version <= current:
                continue
            for statement in statements:
                await conn.execute(statement)
            await _record(conn, version, description)
        if current < 2:
            await _add_generation(conn, tables)
            await _record(conn, 2, "generation in the key of id-keyed tables")
        # Tables added to the mirror list after version 1 are created the same way.
        for spec in tables:
            for statement in _base_table_sql(spec):
                await conn.execute(statement)
    return int(current)


async def _record(conn: asyncpg.Connection, version: int, description: str) -> None:
    await conn.execute(
        "INSERT INTO schema_version (version, applied_ms, description) VALUES ($1, $2, $3)",
        version,
        int(time.time() * 1000),
        description,
    )
    log.info("PostgreSQL schema migrated to version %d: %s", version, description)


async def enable_timescale(conn: asyncpg.Connection, table: str = "samples") -> bool:
    """Make ``table`` a hypertable when TimescaleDB is installed or installable; False otherwise."""
    try:
        installed = await conn.fetchval("SELECT count(*) FROM pg_extension WHERE extname = 'timescaledb'")
        if not installed:
            available = await conn.fetchval(
                "SELECT count(*) FROM pg_available_extensions WHERE name = 'timescaledb'"
            )
            if not available:
                return False
            await conn.execute("CREATE EXTENSION IF NOT EXISTS timescaledb")
        await conn.execute(
            "SELECT create_hypertable($1::regclass, 'ts_ms', chunk_time_interval => $2::bigint, "
            "if_not_exists => TRUE, migrate_data => TRUE)",
            table,
            SAMPLES_CHUNK_MS,
        )
    except asyncpg.PostgresError as exc:
        # Not superuser, or not preloaded: plain tables work, just without chunking.
        log.info("TimescaleDB not used for %s: %s", table, exc)
        return False
    log.info("%s is a TimescaleDB hypertable", table)
    return True


async def pg_columns(conn: asyncpg.Connection, table: str) -> dict[str, str]:
    """Column name -> type (as format_type writes it) of a table in the search path."""
    rows = await conn.fetch(
        "SELECT a.attname, format_type(a.atttypid, a.atttypmod) FROM pg_attribute a "
        "WHERE a.attrelid = to_regclass($1) AND a.attnum > 0 AND NOT a.attisdropped ORDER BY a.attnum",
        quote_ident(table),
    )
    return {row[0]: row[1] for row in rows}


async def add_columns(conn: asyncpg.Connection, table: str, columns: Sequence[tuple[str, str]]) -> None:
    async with conn.transaction():
        await conn.execute("SELECT pg_advisory_xact_lock($1)", _LOCK_KEY)
        for name, pg_type in columns:
            await conn.execute(
                f"ALTER TABLE {quote_ident(table)} ADD COLUMN IF NOT EXISTS {quote_ident(name)} {pg_type}"
            )
            log.info("PostgreSQL %s: added column %s %s", table, name, pg_type)
