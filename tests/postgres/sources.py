"""Local SQLite databases shaped like the engine's (storage contract), and a writer to grow them.

The real schemas belong to core/storage/schema.py; these tests only rely on the contract:
``id INTEGER PRIMARY KEY AUTOINCREMENT``, ``ts_ms INTEGER NOT NULL``, any other columns.
"""

from __future__ import annotations

import hashlib
import random
import sqlite3
from collections.abc import Iterable, Sequence
from pathlib import Path
from typing import Any

from core.storage.pg.tables import MIRRORED_TABLES, TableSpec, quote_ident

EXTRA_COLUMNS: dict[str, list[tuple[str, str]]] = {
    "events": [("level", "TEXT"), ("source", "TEXT"), ("message", "TEXT")],
    "alarm_log": [("key", "TEXT"), ("state", "TEXT"), ("priority", "INTEGER"), ("text", "TEXT"), ("user", "TEXT")],
    "audit": [("user", "TEXT"), ("action", "TEXT"), ("target", "TEXT"), ("old_value", "REAL"),
              ("new_value", "REAL"), ("reason", "TEXT")],
    "cuts": [("start_ms", "INTEGER"), ("end_ms", "INTEGER"), ("duration_s", "REAL"), ("material", "TEXT"),
             ("area_cm2", "REAL"), ("energy_kwh", "REAL"), ("blade_ok", "BOOLEAN")],
    "decisions": [("model", "TEXT"), ("cutting_speed", "REAL"), ("descent_speed", "REAL"), ("applied", "INTEGER"),
                  ("features", "TEXT")],
    "mode_changes": [("old_mode", "TEXT"), ("new_mode", "TEXT"), ("user", "TEXT"), ("reason", "TEXT")],
    "anomalies": [("detector", "TEXT"), ("register", "TEXT"), ("value", "REAL"), ("score", "NUMERIC"),
                  ("payload", "BLOB")],
}


class Sources:
    """The five databases of one saw, with one writer connection each (as in the engine)."""

    def __init__(self, data_dir: Path, registers: Sequence[str], *, seed: int = 1) -> None:
        self.dir = data_dir / "databases"
        self.dir.mkdir(parents=True, exist_ok=True)
        self.registers = list(registers)
        self.rng = random.Random(seed)
        self.ts_ms = 1_750_000_000_000
        self._conns: dict[str, sqlite3.Connection] = {}

    def spec(self, table: str) -> TableSpec:
        return next(spec for spec in MIRRORED_TABLES if spec.table == table)

    def conn(self, database: str) -> sqlite3.Connection:
        if database not in self._conns:
            conn = sqlite3.connect(self.dir / f"{database}.db", isolation_level=None)
            conn.execute("PRAGMA journal_mode = WAL")
            self._conns[database] = conn
        return self._conns[database]

    def create(self, tables: Iterable[str]) -> None:
        for table in tables:
            spec = self.spec(table)
            extra = [(name, "REAL") for name in self.registers] if table == "samples" else EXTRA_COLUMNS[table]
            columns = ", ".join(f"{quote_ident(n)} {t}" for n, t in extra)
            self.conn(spec.database).execute(
                f"CREATE TABLE IF NOT EXISTS {quote_ident(table)} "
                f"(id INTEGER PRIMARY KEY AUTOINCREMENT, ts_ms INTEGER NOT NULL, {columns})"
            )

    def columns(self, table: str) -> list[tuple[str, str]]:
        return [(name, decl) for name, decl, _ in self._columns(table)]

    def _columns(self, table: str) -> list[tuple[str, str, bool]]:
        info = self.conn(self.spec(table).database).execute(f"PRAGMA table_info({quote_ident(table)})")
        return [(row[1], row[2].upper(), bool(row[3])) for row in info if row[1] != "id"]

    def _value(self, decl: str, notnull: bool = False) -> Any:
        rng = self.rng
        if not notnull and rng.random() < 0.05:
            return None
        if decl == "REAL":
            return rng.uniform(-1000, 1000)
        if decl in ("INTEGER", "BOOLEAN"):
            return rng.randint(-(2**40), 2**40) if decl == "INTEGER" else rng.randint(0, 1)
        if decl == "NUMERIC":
            return round(rng.uniform(0, 100), 3)
        if decl == "BLOB":
            return rng.randbytes(rng.randint(0, 40))
        return "".join(rng.choice("abcdefghijkl äöü€'\"\\\t,") for _ in range(rng.randint(0, 30)))

    def _hash(self) -> str:
        # log.db refuses an audit row without a well-formed chain hash (core.security.audit_chain).
        return self.rng.randbytes(32).hex()

    def append(self, table: str, count: int, *, step_ms: int = 100) -> None:
        """``count`` rows in one transaction, ts_ms advancing ``step_ms`` per row."""
        columns = self._columns(table)
        names = ", ".join(quote_ident(n) for n, _, _ in columns)
        marks = ", ".join("?" for _ in columns)
        rows = []
        for _ in range(count):
            self.ts_ms += step_ms
            rows.append([self.ts_ms if n == "ts_ms" else self._hash() if (table, n) == ("audit", "hash")
                         else self._value(t, nn) for n, t, nn in columns])
        conn = self.conn(self.spec(table).database)
        conn.execute("BEGIN")
        conn.executemany(f"INSERT INTO {quote_ident(table)} ({names}) VALUES ({marks})", rows)
        conn.execute("COMMIT")

    def execute(self, table: str, sql: str, params: Sequence[Any] = ()) -> None:
        self.conn(self.spec(table).database).execute(sql, params)

    def rows(self, table: str) -> list[tuple[Any, ...]]:
        """Every row as (id, ts_ms, the rest...) in mirror column order."""
        conn = self.conn(self.spec(table).database)
        names = [n for n, _ in self.columns(table) if n != "ts_ms"]
        select = ", ".join(quote_ident(n) for n in ["id", "ts_ms", *names])
        return conn.execute(f"SELECT {select} FROM {quote_ident(table)} ORDER BY id").fetchall()

    def column_names(self, table: str) -> list[str]:
        return ["id", "ts_ms", *[n for n, _ in self.columns(table) if n != "ts_ms"]]

    def count(self, table: str) -> int:
        conn = self.conn(self.spec(table).database)
        return int(conn.execute(f"SELECT count(*) FROM {quote_ident(table)}").fetchone()[0])

    def digest(self) -> dict[str, str]:
        """Hashes of every database file (with its WAL), to prove the mirror never wrote to them."""
        for conn in self._conns.values():
            conn.execute("PRAGMA wal_checkpoint(TRUNCATE)")
        return {p.name: hashlib.sha256(p.read_bytes()).hexdigest() for p in sorted(self.dir.glob("*.db"))
                if p.name != "pg_mirror.db"}

    def close(self) -> None:
        for conn in self._conns.values():
            conn.close()
        self._conns.clear()
