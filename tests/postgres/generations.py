"""Helpers for the mirror-identity tests: the real local storage writing rows, and a row-by-row
comparison of every mirrored table with PostgreSQL under (machine, generation, id) keys."""

from __future__ import annotations

import itertools
import sqlite3
from decimal import Decimal
from pathlib import Path
from typing import Any

import asyncpg

from core.snapshot import Quality, Snapshot
from core.storage.generation import LEGACY, Generation, read_generation
from core.storage.pg.tables import MIRRORED_TABLES, pg_name, quote_ident
from core.storage.sqlite_store import SqliteStorage

COLUMNS = ("head_height", "band_torque", "band_current", "saw_state")
_ts = itertools.count(1_760_000_000_000, 100)
_serial = itertools.count(1)


def write_rows(storage: SqliteStorage, n: int = 5) -> None:
    """``n`` rows into every writable mirrored table of the real storage (distinct content)."""
    for _ in range(n):
        ts, k = next(_ts), next(_serial)
        storage.recorder.record(Snapshot(k, ts, float(k), {c: k + i / 10 for i, c in enumerate(COLUMNS)}, {},
                                         Quality.GOOD))
        storage.log.event("test", f"event {k}", source="test", data={"k": k}, ts_ms=ts)
        storage.total.insert("cuts", {"ts_ms": ts, "start_ms": ts - 50, "end_ms": ts, "duration_s": 5.0 + k,
                                      "band_id": 7.0, "outcome": "completed"})
        storage.ml.insert("mode_changes", {"ts_ms": ts, "mode": "ml", "previous_mode": "manual", "user": f"u{k}"})
        storage.anomaly.insert("anomalies", {"ts_ms": ts, "signal": "band_torque", "kind": "zscore",
                                             "severity": "low", "value": float(k)})


def local_rows(databases: Path, table: str, database: str) -> tuple[Generation, list[str], list[tuple[Any, ...]]]:
    conn = sqlite3.connect(f"{(databases / f'{database}.db').as_uri()}?mode=ro", uri=True)
    try:
        generation = read_generation(conn) or Generation(LEGACY)
        names = [row[1] for row in conn.execute(f"PRAGMA table_info({quote_ident(table)})")]
        rows = conn.execute(f"SELECT * FROM {quote_ident(table)} ORDER BY id").fetchall()
    finally:
        conn.close()
    return generation, names, rows


def _normal(value: Any) -> Any:
    if isinstance(value, Decimal | float) and not isinstance(value, bool):
        return float(value)
    return value


async def compare_all(pg: asyncpg.Connection, databases: Path, machine_id: int) -> dict[str, int]:
    """Every SQLite row of every mirrored table is in PostgreSQL with the same content, once.

    Returns rows checked per table. Raises AssertionError naming the first difference.
    """
    checked: dict[str, int] = {}
    for spec in MIRRORED_TABLES:
        if not (databases / f"{spec.database}.db").exists():
            continue
        generation, names, rows = local_rows(databases, spec.table, spec.database)
        if not rows:
            continue
        stored = [n for n in names if spec.keep_id or n != "id"]
        cols = ", ".join(quote_ident(pg_name(n)) for n in stored)
        table = quote_ident(spec.table)
        for row in rows:
            values = dict(zip(names, row, strict=True))
            if spec.keep_id:
                key_gen = generation.key_generation(spec.table, values["id"])
                found = await pg.fetch(f"SELECT {cols} FROM {table} WHERE machine_id = $1 AND generation = $2 "
                                       "AND id = $3", machine_id, key_gen, values["id"])
            else:
                found = await pg.fetch(f"SELECT {cols} FROM {table} WHERE machine_id = $1 AND ts_ms = $2",
                                       machine_id, values["ts_ms"])
            assert len(found) == 1, f"{spec.name} row {values.get('id')}: {len(found)} rows in PostgreSQL"
            want = tuple(_normal(values[n]) for n in stored)
            got = tuple(_normal(v) for v in found[0])
            assert got == want, f"{spec.name} row {values['id']} differs: PostgreSQL {got}, SQLite {want}"
        # Nothing doubled: no content (without the key) twice for this machine.
        content = [quote_ident(pg_name(n)) for n in stored if n not in ("id",)]
        dup = await pg.fetchval(
            f"SELECT count(*) FROM (SELECT 1 FROM {table} WHERE machine_id = $1 GROUP BY {', '.join(content)} "
            "HAVING count(*) > 1) d", machine_id)
        assert dup == 0, f"{spec.name}: {dup} rows are in PostgreSQL more than once"
        checked[spec.name] = len(rows)
    return checked
