"""What the analysis package writes to total.db and anomaly.db: its schema steps and statements.

The storage schema (core.storage.schema) holds v1 of every database and appends the steps here
(``total_v2``, ``anomaly_v2``) to its migration lists. Mirrored tables follow the contract:
``id INTEGER PRIMARY KEY AUTOINCREMENT`` and ``ts_ms``. Every statement is idempotent: a cut is
identified by its start time (unique), so writing it again (replayed batch, engine restart)
changes nothing. Band counters are append-only (one row per cut with the running totals, written
by a trigger in the same statement as the cut) so the PostgreSQL mirror can follow them by id.
"""

from __future__ import annotations

import sqlite3

CUT_COLUMNS: tuple[str, ...] = (
    "ts_ms", "start_ms", "end_ms", "duration_s", "outcome",
    "material_type", "material_hardness", "cross_section",
    "dimension_a", "dimension_b", "dimension_c", "dimension_d",
    "band_id", "height_mm", "depth_mm", "area_cm2",
    "band_current_mean", "band_current_peak", "band_torque_mean", "band_torque_peak",
    "descent_speed_mean", "cutting_speed_mean", "energy_kwh", "energy_method",
    "vibration_peak", "deviation_abs_mean", "control_mode", "guard_events", "samples", "gap_s",
)

# Columns total.db v1 lacks (v1: id, ts_ms, start_ms, end_ms, duration_s, band_id, material_type, outcome).
_CUT_COLUMNS_V2: tuple[tuple[str, str], ...] = (
    ("material_hardness", "REAL"), ("cross_section", "INTEGER"),
    ("dimension_a", "REAL"), ("dimension_b", "REAL"), ("dimension_c", "REAL"), ("dimension_d", "REAL"),
    ("height_mm", "REAL"), ("depth_mm", "REAL"), ("area_cm2", "REAL"),
    ("band_current_mean", "REAL"), ("band_current_peak", "REAL"),
    ("band_torque_mean", "REAL"), ("band_torque_peak", "REAL"),
    ("descent_speed_mean", "REAL"), ("cutting_speed_mean", "REAL"),
    ("energy_kwh", "REAL"), ("energy_method", "TEXT"), ("vibration_peak", "REAL"),
    ("deviation_abs_mean", "REAL"), ("control_mode", "TEXT"),
    ("guard_events", "INTEGER NOT NULL DEFAULT 0"), ("samples", "INTEGER NOT NULL DEFAULT 0"),
    ("gap_s", "REAL NOT NULL DEFAULT 0"),
)

_TOTAL_V2: tuple[str, ...] = (
    *(f"ALTER TABLE cuts ADD COLUMN {name} {kind}" for name, kind in _CUT_COLUMNS_V2),
    "CREATE UNIQUE INDEX cuts_start_ms ON cuts(start_ms)",
    "ALTER TABLE band_counters ADD COLUMN cut_start_ms INTEGER",
    "CREATE INDEX band_counters_band ON band_counters(band_id, id)",
    # Counting happens in the database, in the same statement as the insert: a cut that is
    # already there (INSERT OR IGNORE) fires nothing, so nothing is counted twice.
    """CREATE TRIGGER cuts_count_band AFTER INSERT ON cuts
       WHEN NEW.band_id IS NOT NULL
       BEGIN
         INSERT INTO band_counters (ts_ms, band_id, cut_start_ms, cuts, area_mm2, run_time_s)
         SELECT NEW.ts_ms, NEW.band_id, NEW.start_ms,
                COALESCE(last.cuts, 0) + 1,
                COALESCE(last.area_mm2, 0) + COALESCE(NEW.area_cm2, 0) * 100,
                COALESCE(last.run_time_s, 0) + MAX(NEW.duration_s - COALESCE(NEW.gap_s, 0), 0)
         FROM (SELECT 1) LEFT JOIN (
             SELECT cuts, area_mm2, run_time_s FROM band_counters
             WHERE band_id = NEW.band_id ORDER BY id DESC LIMIT 1
         ) AS last;
       END""",
    # The cut in progress, so that a restart resumes or closes it. Local state, not mirrored.
    """CREATE TABLE cut_open_state (
        slot INTEGER PRIMARY KEY CHECK (slot = 1),
        start_ms INTEGER NOT NULL,
        saved_ms INTEGER NOT NULL,
        state TEXT NOT NULL
    )""",
)

_ANOMALY_V2: tuple[str, ...] = (
    # v1: id, ts_ms, signal, kind, severity TEXT (low, medium, high), value, threshold, detail.
    "ALTER TABLE anomalies ADD COLUMN phase TEXT NOT NULL DEFAULT 'onset'",  # onset or end
    "ALTER TABLE anomalies ADD COLUMN score REAL",
    "ALTER TABLE anomalies ADD COLUMN cut_start_ms INTEGER",
    "CREATE UNIQUE INDEX anomalies_event ON anomalies(ts_ms, signal, kind, phase)",
    # Reference current profiles of good cuts, for the band-aware detector.
    """CREATE TABLE cut_profiles (
        id INTEGER PRIMARY KEY AUTOINCREMENT,
        ts_ms INTEGER NOT NULL,
        cut_start_ms INTEGER NOT NULL,
        material_key TEXT NOT NULL,
        signal TEXT NOT NULL,
        profile TEXT NOT NULL,
        UNIQUE (cut_start_ms, signal)
    )""",
    "CREATE INDEX cut_profiles_ts_ms ON cut_profiles(ts_ms)",
    "CREATE INDEX cut_profiles_key ON cut_profiles(signal, material_key, id)",
)


def total_v2(conn: sqlite3.Connection) -> None:
    """total.db v2 (a callable: the trigger body holds ';', which SQL-script steps split on)."""
    for statement in _TOTAL_V2:
        conn.execute(statement)


def anomaly_v2(conn: sqlite3.Connection) -> None:
    for statement in _ANOMALY_V2:
        conn.execute(statement)


INSERT_CUT = (
    f"INSERT OR IGNORE INTO cuts ({', '.join(CUT_COLUMNS)}) "
    f"VALUES ({', '.join('?' for _ in CUT_COLUMNS)})"
)
SAVE_OPEN_CUT = (
    "INSERT INTO cut_open_state (slot, start_ms, saved_ms, state) VALUES (1, ?, ?, ?) "
    "ON CONFLICT(slot) DO UPDATE SET start_ms = excluded.start_ms, saved_ms = excluded.saved_ms, "
    "state = excluded.state"
)
CLEAR_OPEN_CUT = "DELETE FROM cut_open_state WHERE start_ms = ?"
LOAD_OPEN_CUT = (
    "SELECT state FROM cut_open_state WHERE start_ms NOT IN (SELECT start_ms FROM cuts) LIMIT 1"
)

INSERT_ANOMALY = (
    "INSERT OR IGNORE INTO anomalies (ts_ms, signal, kind, phase, severity, value, threshold, score, "
    "cut_start_ms, detail) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?)"
)
INSERT_PROFILE = (
    "INSERT OR IGNORE INTO cut_profiles (ts_ms, cut_start_ms, material_key, signal, profile) "
    "VALUES (?, ?, ?, ?, ?)"
)
