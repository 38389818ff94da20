"""Tables the analysis package writes: total.db (cuts, band counters) and anomaly.db.

Mirrored tables follow the contract: ``id INTEGER PRIMARY KEY AUTOINCREMENT`` and ``ts_ms``.
All statements are idempotent: a cut is identified by its start time, so writing it again
(replayed batch, engine restart) changes nothing. Band counters are append-only (one row per
cut with the running totals) so the PostgreSQL mirror can follow them by id.
"""

from __future__ import annotations

CUT_COLUMNS: tuple[str, ...] = (
    "ts_ms", "start_ms", "end_ms", "duration_s", "outcome",
    "material_type", "material_hardness", "cross_section",
    "dimension_a", "dimension_b", "dimension_c", "dimension_d",
    "band_id", "height_mm", "depth_mm", "area_cm2",
    "band_current_mean", "band_current_peak", "band_torque_mean", "band_torque_peak",
    "descent_speed_mean", "cutting_speed_mean", "energy_kwh", "energy_method",
    "vibration_peak", "deviation_abs_mean", "control_mode", "guard_events", "samples", "gap_s",
)

TOTAL_DDL: tuple[str, ...] = (
    """CREATE TABLE IF NOT EXISTS cuts (
        id INTEGER PRIMARY KEY AUTOINCREMENT,
        ts_ms INTEGER NOT NULL,
        start_ms INTEGER NOT NULL UNIQUE,
        end_ms INTEGER NOT NULL,
        duration_s REAL NOT NULL,
        outcome TEXT NOT NULL CHECK (outcome IN ('completed', 'aborted', 'error', 'interrupted')),
        material_type INTEGER, material_hardness REAL, cross_section INTEGER,
        dimension_a REAL, dimension_b REAL, dimension_c REAL, dimension_d REAL,
        band_id INTEGER, height_mm REAL, depth_mm REAL, area_cm2 REAL,
        band_current_mean REAL, band_current_peak REAL, band_torque_mean REAL, band_torque_peak REAL,
        descent_speed_mean REAL, cutting_speed_mean REAL, energy_kwh REAL, energy_method TEXT,
        vibration_peak REAL, deviation_abs_mean REAL, control_mode TEXT,
        guard_events INTEGER NOT NULL DEFAULT 0, samples INTEGER NOT NULL DEFAULT 0,
        gap_s REAL NOT NULL DEFAULT 0
    )""",
    "CREATE INDEX IF NOT EXISTS cuts_ts ON cuts(ts_ms)",
    """CREATE TABLE IF NOT EXISTS band_counters (
        id INTEGER PRIMARY KEY AUTOINCREMENT,
        ts_ms INTEGER NOT NULL,
        band_id INTEGER NOT NULL,
        cut_start_ms INTEGER NOT NULL,
        cuts INTEGER NOT NULL,
        area_cm2 REAL NOT NULL,
        run_s REAL NOT NULL
    )""",
    "CREATE INDEX IF NOT EXISTS band_counters_band ON band_counters(band_id, id)",
    # Counting happens in the database, in the same statement as the insert: a cut that is
    # already there (INSERT OR IGNORE) fires nothing, so nothing is counted twice.
    """CREATE TRIGGER IF NOT EXISTS cuts_count_band AFTER INSERT ON cuts
       WHEN NEW.band_id IS NOT NULL
       BEGIN
         INSERT INTO band_counters (ts_ms, band_id, cut_start_ms, cuts, area_cm2, run_s)
         SELECT NEW.ts_ms, NEW.band_id, NEW.start_ms,
                COALESCE(last.cuts, 0) + 1,
                COALESCE(last.area_cm2, 0) + COALESCE(NEW.area_cm2, 0),
                COALESCE(last.run_s, 0) + NEW.duration_s - NEW.gap_s
         FROM (SELECT 1) LEFT JOIN (
             SELECT cuts, area_cm2, run_s FROM band_counters
             WHERE band_id = NEW.band_id ORDER BY id DESC LIMIT 1
         ) AS last;
       END""",
    # The cut in progress, so that a restart can resume or close it. Local only, not mirrored.
    """CREATE TABLE IF NOT EXISTS cut_open_state (
        slot INTEGER PRIMARY KEY CHECK (slot = 1),
        start_ms INTEGER NOT NULL,
        saved_ms INTEGER NOT NULL,
        state TEXT NOT NULL
    )""",
)

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

ANOMALY_DDL: tuple[str, ...] = (
    """CREATE TABLE IF NOT EXISTS anomalies (
        id INTEGER PRIMARY KEY AUTOINCREMENT,
        ts_ms INTEGER NOT NULL,
        signal TEXT NOT NULL,
        kind TEXT NOT NULL,
        phase TEXT NOT NULL CHECK (phase IN ('onset', 'end')),
        severity INTEGER NOT NULL,
        value REAL,
        threshold REAL NOT NULL,
        score REAL,
        cut_start_ms INTEGER,
        UNIQUE (ts_ms, signal, kind, phase)
    )""",
    "CREATE INDEX IF NOT EXISTS anomalies_ts ON anomalies(ts_ms)",
    """CREATE TABLE IF NOT EXISTS cut_profiles (
        id INTEGER PRIMARY KEY AUTOINCREMENT,
        ts_ms INTEGER NOT NULL,
        cut_start_ms INTEGER NOT NULL,
        material_key TEXT NOT NULL,
        signal TEXT NOT NULL,
        profile TEXT NOT NULL,
        UNIQUE (cut_start_ms, signal)
    )""",
    "CREATE INDEX IF NOT EXISTS cut_profiles_key ON cut_profiles(signal, material_key, id)",
)

INSERT_ANOMALY = (
    "INSERT OR IGNORE INTO anomalies (ts_ms, signal, kind, phase, severity, value, threshold, score, "
    "cut_start_ms) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?)"
)
INSERT_PROFILE = (
    "INSERT OR IGNORE INTO cut_profiles (ts_ms, cut_start_ms, material_key, signal, profile) "
    "VALUES (?, ?, ?, ?, ?)"
)
