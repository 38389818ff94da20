"""Which SQLite tables are mirrored, their keys in PostgreSQL, and how SQLite types map.

Every mirrored SQLite table follows the storage contract: ``id INTEGER PRIMARY KEY
AUTOINCREMENT``, ``ts_ms INTEGER NOT NULL`` and any other columns. In PostgreSQL each row also
carries ``machine_id`` so many saws share one database. ``samples`` is keyed by
(machine_id, ts_ms) and drops the local id (meaningless centrally, and a TimescaleDB hypertable
needs the time column in its key; a time is unique by construction). Every other table is keyed
by (machine_id, generation, id): the generation names the local file (see
core/storage/generation.py), so a restored or recreated file's ids never collide with the rows
its predecessor already sent.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass
from decimal import Decimal, InvalidOperation
from typing import Any


@dataclass(frozen=True, slots=True)
class TableSpec:
    database: str  # SQLite file stem under <data_dir>/databases
    table: str  # the same name in SQLite and PostgreSQL
    keep_id: bool = True  # mirror the SQLite id (and key on it) or key on ts_ms

    @property
    def key(self) -> tuple[str, ...]:
        return ("machine_id", "generation", "id") if self.keep_id else ("machine_id", "ts_ms")

    @property
    def name(self) -> str:
        return f"{self.database}.{self.table}"


MIRRORED_TABLES: tuple[TableSpec, ...] = (
    TableSpec("raw", "samples", keep_id=False),
    TableSpec("log", "events"),
    TableSpec("log", "alarm_log"),
    TableSpec("log", "audit"),
    TableSpec("total", "cuts"),
    TableSpec("total", "band_counters"),
    TableSpec("total", "saw_states"),  # the saw-state time line (core.production.states, #19)
    TableSpec("total", "band_history"),  # bands fitted and taken off, and why (core.production.band_life_history, #19)
    TableSpec("ml", "decisions"),
    TableSpec("ml", "mode_changes"),
    TableSpec("ml", "ml_writes"),  # the ML controller's and guard's writes (core.security.audit_route)
    TableSpec("anomaly", "anomalies"),
    TableSpec("anomaly", "cut_profiles"),
)
# Not mirrored: tables outside the contract (e.g. total.db cut_open_state, a one-row scratch
# slot) and anything not listed here (a table is only sent centrally by decision).


# Source columns whose names PostgreSQL needs for itself: the PLC register machine_id in
# raw.db is kept, under another name, beside the key column.
_RENAMED = {"machine_id": "plc_machine_id"}


def pg_name(sqlite_column: str) -> str:
    """The PostgreSQL column a SQLite column is stored in."""
    return _RENAMED.get(sqlite_column, sqlite_column)


def quote_ident(name: str) -> str:
    """A PostgreSQL (and SQLite) identifier, always quoted: column names come from files."""
    return '"' + name.replace('"', '""') + '"'


def pg_type(sqlite_decl: str) -> str:
    """The PostgreSQL type for a SQLite declared type, by SQLite's own affinity rules."""
    decl = sqlite_decl.upper()
    if "INT" in decl:
        return "BIGINT"
    if any(word in decl for word in ("CHAR", "CLOB", "TEXT")):
        return "TEXT"
    if "BLOB" in decl:
        return "BYTEA"
    if not decl:
        return "TEXT"  # no declared type: anything goes; stored as its text form
    if any(word in decl for word in ("REAL", "FLOA", "DOUB")):
        return "DOUBLE PRECISION"
    return "NUMERIC"


def _to_text(value: Any) -> Any:
    if isinstance(value, int | float):
        return repr(value) if isinstance(value, float) else str(value)
    return value


def _to_bytes(value: Any) -> Any:
    return value.encode("utf-8") if isinstance(value, str) else value


def _to_numeric(value: Any) -> Any:
    if isinstance(value, int | float | str) and not isinstance(value, bool):
        try:
            return Decimal(str(value))
        except InvalidOperation:
            return value  # left as is: PostgreSQL rejects it and the row is quarantined
    return value


def _to_float(value: Any) -> Any:
    if isinstance(value, str):
        try:
            return float(value)
        except ValueError:
            return value  # PostgreSQL (asyncpg) refuses it: quarantined with the reason
    return value


def _to_int(value: Any) -> Any:
    if isinstance(value, float) and value.is_integer():
        return int(value)
    if isinstance(value, str):
        try:
            return int(value)
        except ValueError:
            return value
    return value


# Where another saw (or an older release) created a central column with another type than
# this saw's SQLite declares: convert what converts losslessly, the rest is quarantined.
_MISMATCH_COERCERS: dict[str, Callable[[Any], Any]] = {
    "DOUBLE PRECISION": _to_float,
    "REAL": _to_float,
    "BIGINT": _to_int,
    "INTEGER": _to_int,
    "SMALLINT": _to_int,
}

# asyncpg encodes int and float natively for BIGINT and DOUBLE PRECISION; only these need help.
_COERCERS: dict[str, Callable[[Any], Any]] = {
    "TEXT": _to_text,
    "CHARACTER VARYING": _to_text,
    "BYTEA": _to_bytes,
    "NUMERIC": _to_numeric,
}


def row_coercer(
    types: Sequence[str], declared: Sequence[str] | None = None
) -> Callable[[Sequence[Any]], tuple[Any, ...]] | None:
    """A function that fixes SQLite's loose typing for one row, or None when rows pass as they are.

    ``types`` are the PostgreSQL column types, ``declared`` the SQLite declared types. None is
    the common case (samples: all REAL), which keeps the bulk path free of per-value work.
    """
    bases = [t.upper().split("(")[0].strip() for t in types]
    plan = [(i, _COERCERS[t]) for i, t in enumerate(bases) if t in _COERCERS]
    if declared is not None:
        plan += [
            (i, _MISMATCH_COERCERS[base])
            for i, (base, decl) in enumerate(zip(bases, declared, strict=True))
            if base in _MISMATCH_COERCERS and pg_type(decl) != base
        ]
    if not plan:
        return None

    def coerce(row: Sequence[Any]) -> tuple[Any, ...]:
        values = list(row)
        for index, fix in plan:
            if values[index] is not None:
                values[index] = fix(values[index])
        return tuple(values)

    return coerce
