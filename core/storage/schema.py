"""Schemas of the five local databases, as ordered migrations per database.

How versions work
-----------------
Each database keeps its schema version in ``PRAGMA user_version``: the number of migrations of
its list in :data:`MIGRATIONS` that have been applied. On open, :func:`migrate` runs the missing
ones in order, each in its own transaction together with the new ``user_version``, so a crash
mid-upgrade leaves the file at the previous version, never half-way.

Adding a migration (issue 6/7 engineers: this is the one place to touch)
-------------------------------------------------------------------------
Append ONE entry at the END of the database's list, e.g. for total.db::

    MIGRATIONS["total"].append("ALTER TABLE cuts ADD COLUMN peak_torque REAL")

or put the string in the literal list below. An entry is either SQL (one or more statements,
``;``-separated) or a callable ``fn(connection)`` for data migrations. Never edit, reorder or
remove an entry that has shipped: files in the field have already run it. Every table that is
mirrored or exported has ``id INTEGER PRIMARY KEY AUTOINCREMENT`` and ``ts_ms INTEGER NOT NULL``
(Unix epoch ms, UTC), plus an index on ``ts_ms``.

raw.db ``samples`` is the exception to static schema: one REAL column per register name, added
by :func:`ensure_sample_columns` when the register map grows (columns are never dropped, so a
register removed from the map keeps its history; new rows hold NULL there).
"""

from __future__ import annotations

import re
import sqlite3
from collections.abc import Callable, Iterable, Sequence

Migration = str | Callable[[sqlite3.Connection], None]

DATABASES = ("raw", "total", "log", "ml", "anomaly")

MIGRATIONS: dict[str, list[Migration]] = {
    "raw": [
        # v1. Register columns are added by ensure_sample_columns from the register map.
        """
        CREATE TABLE samples (id INTEGER PRIMARY KEY AUTOINCREMENT, ts_ms INTEGER NOT NULL);
        CREATE INDEX samples_ts_ms ON samples(ts_ms);
        """,
    ],
    "log": [
        # v1
        """
        CREATE TABLE events (
            id INTEGER PRIMARY KEY AUTOINCREMENT,
            ts_ms INTEGER NOT NULL,
            kind TEXT NOT NULL,          -- e.g. link_lost, link_restored, storage_recovered
            source TEXT NOT NULL,        -- the part of the engine that logged it
            message TEXT NOT NULL,
            data TEXT                    -- JSON object with details (e.g. gap_ms), or NULL
        );
        CREATE INDEX events_ts_ms ON events(ts_ms);
        CREATE TABLE alarm_log (
            id INTEGER PRIMARY KEY AUTOINCREMENT,
            ts_ms INTEGER NOT NULL,
            alarm_key TEXT NOT NULL,
            action TEXT NOT NULL,        -- raise, clear, acknowledge, shelve, ...
            state TEXT NOT NULL,         -- AlarmState after the transition
            previous_state TEXT NOT NULL,
            priority INTEGER NOT NULL,   -- core.analysis.alarms.Priority: 1 critical .. 4 low
            text TEXT NOT NULL,
            value REAL,
            user TEXT NOT NULL           -- "system" for the engine's own transitions
        );
        CREATE INDEX alarm_log_ts_ms ON alarm_log(ts_ms);
        CREATE INDEX alarm_log_key ON alarm_log(alarm_key, ts_ms);
        CREATE TABLE audit (
            id INTEGER PRIMARY KEY AUTOINCREMENT,
            ts_ms INTEGER NOT NULL,
            user TEXT NOT NULL,
            action TEXT NOT NULL,
            target TEXT NOT NULL,
            old_value TEXT,
            new_value TEXT,
            result TEXT NOT NULL,
            detail TEXT
        );
        CREATE INDEX audit_ts_ms ON audit(ts_ms);
        """,
    ],
    "total": [
        # v1: the minimum; issue 7 (cut tracker) extends it by migrations.
        """
        CREATE TABLE cuts (
            id INTEGER PRIMARY KEY AUTOINCREMENT,
            ts_ms INTEGER NOT NULL,      -- when the row was written (cut end)
            start_ms INTEGER NOT NULL,
            end_ms INTEGER NOT NULL,
            duration_s REAL NOT NULL,
            band_id REAL,
            material_type REAL,
            outcome TEXT NOT NULL        -- completed, aborted, error
        );
        CREATE INDEX cuts_ts_ms ON cuts(ts_ms);
        CREATE TABLE band_counters (
            id INTEGER PRIMARY KEY AUTOINCREMENT,
            ts_ms INTEGER NOT NULL,
            band_id REAL NOT NULL,
            cuts INTEGER NOT NULL DEFAULT 0,
            area_mm2 REAL NOT NULL DEFAULT 0,
            run_time_s REAL NOT NULL DEFAULT 0
        );
        CREATE INDEX band_counters_ts_ms ON band_counters(ts_ms);
        """,
    ],
    "ml": [
        # v1: the minimum; issue 6 (ML control) extends it by migrations.
        """
        CREATE TABLE mode_changes (
            id INTEGER PRIMARY KEY AUTOINCREMENT,
            ts_ms INTEGER NOT NULL,
            mode TEXT NOT NULL,          -- manual or ml
            previous_mode TEXT,
            user TEXT NOT NULL,
            reason TEXT
        );
        CREATE INDEX mode_changes_ts_ms ON mode_changes(ts_ms);
        CREATE TABLE decisions (
            id INTEGER PRIMARY KEY AUTOINCREMENT,
            ts_ms INTEGER NOT NULL,
            model TEXT,
            cutting_speed REAL,
            descent_speed REAL,
            applied INTEGER NOT NULL DEFAULT 0,
            reason TEXT
        );
        CREATE INDEX decisions_ts_ms ON decisions(ts_ms);
        """,
        # v2 (issue 6): what the ML controller decided and why. cutting_speed/descent_speed hold
        # the setpoints after the decision, applied = 1 when something was written.
        """
        ALTER TABLE decisions ADD COLUMN seq INTEGER;             -- snapshot the decision used
        ALTER TABLE decisions ADD COLUMN mode TEXT;               -- manual or ml at the time
        ALTER TABLE decisions ADD COLUMN action TEXT;             -- wait, hold, model, write, guard, fault, restore
        ALTER TABLE decisions ADD COLUMN coefficient REAL;        -- model output in [-1, 1]
        ALTER TABLE decisions ADD COLUMN features TEXT;           -- JSON object, the model's inputs
        ALTER TABLE decisions ADD COLUMN descent_before REAL;
        ALTER TABLE decisions ADD COLUMN cutting_before REAL;
        ALTER TABLE decisions ADD COLUMN torque REAL;             -- band torque %, for guard events
        CREATE INDEX decisions_action ON decisions(action, ts_ms);
        """,
    ],
    "anomaly": [
        # v1: the minimum; issue 7 (detectors) extends it by migrations.
        """
        CREATE TABLE anomalies (
            id INTEGER PRIMARY KEY AUTOINCREMENT,
            ts_ms INTEGER NOT NULL,
            signal TEXT NOT NULL,
            kind TEXT NOT NULL,          -- zscore, iqr, rate, profile, ...
            severity TEXT NOT NULL,
            value REAL,
            threshold REAL,
            detail TEXT
        );
        CREATE INDEX anomalies_ts_ms ON anomalies(ts_ms);
        """,
    ],
}


class SchemaError(Exception):
    """The file's schema cannot be brought to this program's version."""


def target_version(db: str) -> int:
    return len(MIGRATIONS[db])


def user_version(conn: sqlite3.Connection) -> int:
    return int(conn.execute("PRAGMA user_version").fetchone()[0])


def migrate(conn: sqlite3.Connection, db: str) -> tuple[int, int]:
    """Apply the missing migrations of ``db``; returns (version before, version after).

    Raises :class:`SchemaError` when the file is newer than this program (written by a later
    release): nothing is changed then.
    """
    steps = MIGRATIONS[db]
    before = user_version(conn)
    if before > len(steps):
        raise SchemaError(f"{db}.db has schema version {before}, this program knows up to {len(steps)}")
    for version, step in enumerate(steps[before:], start=before + 1):
        conn.execute("BEGIN IMMEDIATE")
        try:
            if callable(step):
                step(conn)
            else:
                for statement in _statements(step):
                    conn.execute(statement)
            conn.execute(f"PRAGMA user_version = {version:d}")
            conn.execute("COMMIT")
        except BaseException:
            conn.execute("ROLLBACK")
            raise
    return before, user_version(conn)


def _statements(script: str) -> Iterable[str]:
    # executescript() would COMMIT on its own; split so each step stays one transaction.
    # Statements here are our own DDL: no ';' inside string literals.
    return (part.strip() for part in script.split(";") if _has_sql(part))


def _has_sql(part: str) -> bool:
    return any(line.split("--", 1)[0].strip() for line in part.splitlines())


_COLUMN = re.compile(r"^[a-z][a-z0-9_]*$")


def check_column_name(name: str) -> str:
    """Register names become column names: only the register map's snake_case is accepted."""
    if not _COLUMN.match(name) or name in ("id", "ts_ms"):
        raise SchemaError(f"register name {name!r} cannot be a samples column (snake_case, not id/ts_ms)")
    return name


def sample_columns(conn: sqlite3.Connection) -> list[str]:
    """The register columns of raw.db ``samples`` in table order (without id and ts_ms)."""
    rows = conn.execute("PRAGMA table_info(samples)").fetchall()
    return [row[1] for row in rows if row[1] not in ("id", "ts_ms")]


def ensure_sample_columns(conn: sqlite3.Connection, names: Sequence[str]) -> list[str]:
    """Add a REAL column for every register name ``samples`` lacks; returns the names added."""
    for name in names:
        check_column_name(name)
    existing = set(sample_columns(conn))
    added = [name for name in dict.fromkeys(names) if name not in existing]
    if added:
        conn.execute("BEGIN IMMEDIATE")
        try:
            for name in added:
                conn.execute(f'ALTER TABLE samples ADD COLUMN "{name}" REAL')
            conn.execute("COMMIT")
        except BaseException:
            conn.execute("ROLLBACK")
            raise
    return added


# --- issue 7 (analysis): appended steps. The SQL lives beside the code that writes it. -------
from core.analysis.tables import anomaly_v2, total_v2  # noqa: E402

MIGRATIONS["total"].append(total_v2)  # v2: cut figures, unique start, band counter trigger, open cut
MIGRATIONS["anomaly"].append(anomaly_v2)  # v2: phase, score, cut; cut_profiles

# --- issue 8 (security): appended steps. ---------------------------------------------------
from core.security.audit_schema import log_v2, log_v3  # noqa: E402

MIGRATIONS["log"].append(log_v2)  # v2: audit rows cannot be updated or deleted; index by user
MIGRATIONS["log"].append(log_v3)  # v3: the audit trail's hash chain
from core.security.audit_route import ML_WRITES_TABLE  # noqa: E402

MIGRATIONS["ml"].append(ML_WRITES_TABLE)  # v3: the ML journal of the controller's and guard's writes

# --- issue 19 (production report): appended steps. ------------------------------------------
from core.production.states import TOTAL_V3 as TOTAL_SAW_STATES  # noqa: E402

MIGRATIONS["total"].append(TOTAL_SAW_STATES)  # v3: saw_states, the saw-state time line

# --- issue 19 (band life): appended steps. ----------------------------------------------------
from core.production.band_life_history import TOTAL_V4 as BAND_HISTORY_TABLE  # noqa: E402

MIGRATIONS["total"].append(BAND_HISTORY_TABLE)  # v4: band history (installed, removed, why)

# --- ML handover (the operator's speeds while ML holds the PLC's): appended step. -------------
from core.control.handover import HANDOVER_TABLE  # noqa: E402

MIGRATIONS["ml"].append(HANDOVER_TABLE)  # v4: ml_handover
