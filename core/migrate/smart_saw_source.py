"""Databases in the older system's format (SMART-SAW.md), for tests, the benchmark and trials.

``create(dir)`` makes total.db, ml.db, anomaly.db and log.db with that system's tables;
``add_sensor_rows`` inserts given rows; ``fill_sensor_data`` generates millions of plausible
rows inside SQLite (no Python per row) for the import benchmark.
"""

from __future__ import annotations

import sqlite3
from collections.abc import Iterable, Mapping
from pathlib import Path
from typing import Any

SENSOR_DATA_COLUMNS: tuple[tuple[str, str], ...] = (
    ("timestamp", "TEXT"), ("kesim_id", "INTEGER"),
    ("serit_motor_akim_a", "REAL"), ("serit_motor_tork_percentage", "REAL"),
    ("inme_motor_akim_a", "REAL"), ("inme_motor_tork_percentage", "REAL"),
    ("serit_kesme_hizi", "REAL"), ("serit_inme_hizi", "REAL"), ("kesme_hizi_hedef", "REAL"),
    ("inme_hizi_hedef", "REAL"), ("kafa_yuksekligi_mm", "REAL"), ("serit_sapmasi", "REAL"),
    ("serit_gerginligi_bar", "REAL"), ("mengene_basinc_bar", "REAL"), ("ortam_sicakligi_c", "REAL"),
    ("ortam_nem_percentage", "REAL"), ("sogutma_sivi_sicakligi_c", "REAL"), ("hidrolik_yag_sicakligi_c", "REAL"),
    ("ivme_olcer_x", "REAL"), ("ivme_olcer_y", "REAL"), ("ivme_olcer_z", "REAL"),
    ("ivme_olcer_x_hz", "REAL"), ("ivme_olcer_y_hz", "REAL"), ("ivme_olcer_z_hz", "REAL"), ("max_titresim_hz", "REAL"),
    ("testere_durumu", "INTEGER"), ("alarm_status", "INTEGER"), ("alarm_bilgisi", "TEXT"),
    ("makine_id", "INTEGER"), ("serit_id", "INTEGER"),
    ("malzeme_cinsi", "TEXT"), ("malzeme_sertlik", "TEXT"), ("kesit_yapisi", "TEXT"),
    ("malzeme_a_mm", "INTEGER"), ("malzeme_b_mm", "INTEGER"), ("malzeme_c_mm", "INTEGER"), ("malzeme_d_mm", "INTEGER"),
    ("malzeme_genisligi", "REAL"), ("serit_tip", "TEXT"), ("serit_marka", "TEXT"), ("serit_malz", "TEXT"),
    ("serit_dis_mm", "INTEGER"), ("kesilen_parca_adeti", "INTEGER"), ("guc_kwh", "REAL"),
    ("ml_output", "REAL"), ("kesme_hizi_degisim", "REAL"), ("inme_hizi_degisim", "REAL"),
    ("torque_guard_active", "INTEGER"), ("controller_type", "TEXT"), ("anomalies", "TEXT"),
)

SCHEMAS: dict[str, tuple[str, ...]] = {
    "total": (
        "CREATE TABLE IF NOT EXISTS sensor_data (id INTEGER PRIMARY KEY AUTOINCREMENT, "
        + ", ".join(f"{name} {kind}" for name, kind in SENSOR_DATA_COLUMNS) + ")",
        "CREATE TABLE IF NOT EXISTS cutting_sessions (id INTEGER PRIMARY KEY AUTOINCREMENT, kesim_id INTEGER UNIQUE, "
        "start_time TEXT, end_time TEXT, controller_type TEXT, start_height_mm REAL, end_height_mm REAL, "
        "duration_ms INTEGER, data_count INTEGER)",
    ),
    "ml": (
        "CREATE TABLE IF NOT EXISTS ml_predictions (timestamp TEXT, akim_input REAL, sapma_input REAL, "
        "kesme_hizi_input REAL, inme_hizi_input REAL, serit_motor_tork REAL, kafa_yuksekligi REAL, "
        "yeni_kesme_hizi REAL, yeni_inme_hizi REAL, katsayi REAL, ml_output REAL, kesim_id INTEGER, "
        "makine_id INTEGER, serit_id INTEGER, malzeme_cinsi TEXT)",
    ),
    "anomaly": (
        "CREATE TABLE IF NOT EXISTS anomaly_events (timestamp TEXT, sensor_name TEXT, sensor_value REAL, "
        "detection_method TEXT, kesim_id INTEGER, kafa_yuksekligi REAL, makine_id INTEGER, serit_id INTEGER, "
        "malzeme_cinsi TEXT)",
    ),
    "log": (
        "CREATE TABLE IF NOT EXISTS system_logs (timestamp TEXT, level TEXT, logger_name TEXT, message TEXT, "
        "exception TEXT)",
    ),
}
TABLES = {"total": ("sensor_data", "cutting_sessions"), "ml": ("ml_predictions",),
          "anomaly": ("anomaly_events",), "log": ("system_logs",)}


def create(folder: Path) -> dict[str, Path]:
    folder.mkdir(parents=True, exist_ok=True)
    paths = {}
    for db, statements in SCHEMAS.items():
        path = paths[db] = folder / f"{db}.db"
        with sqlite3.connect(path) as conn:
            for statement in statements:
                conn.execute(statement)
        conn.close()
    return paths


def insert(path: Path, table: str, rows: Iterable[Mapping[str, Any]]) -> None:
    conn = sqlite3.connect(path)
    try:
        with conn:
            for row in rows:
                names = ", ".join(row)
                conn.execute(f"INSERT INTO {table} ({names}) VALUES ({', '.join('?' * len(row))})", tuple(row.values()))
    finally:
        conn.close()


def fill_sensor_data(path: Path, rows: int, *, start_local: str = "2024-01-01 00:00:00", period_ms: int = 100,
                     chunk: int = 500_000) -> None:
    """``rows`` plausible sensor_data rows at ``period_ms`` from ``start_local``, generated in SQL."""
    conn = sqlite3.connect(path)
    conn.execute("PRAGMA journal_mode = WAL")
    conn.execute("PRAGMA synchronous = OFF")
    done = conn.execute("SELECT count(*) FROM sensor_data").fetchone()[0]
    sql = f"""
    WITH RECURSIVE n(i) AS (SELECT ? UNION ALL SELECT i + 1 FROM n WHERE i + 1 < ?)
    INSERT INTO sensor_data (timestamp, kesim_id, serit_motor_akim_a, serit_motor_tork_percentage,
        inme_motor_akim_a, inme_motor_tork_percentage, serit_kesme_hizi, serit_inme_hizi, kesme_hizi_hedef,
        inme_hizi_hedef, kafa_yuksekligi_mm, serit_sapmasi, serit_gerginligi_bar, mengene_basinc_bar,
        ortam_sicakligi_c, ortam_nem_percentage, sogutma_sivi_sicakligi_c, hidrolik_yag_sicakligi_c,
        ivme_olcer_x, ivme_olcer_y, ivme_olcer_z, ivme_olcer_x_hz, ivme_olcer_y_hz, ivme_olcer_z_hz,
        max_titresim_hz, testere_durumu, alarm_status, alarm_bilgisi, makine_id, serit_id, malzeme_cinsi,
        malzeme_sertlik, kesit_yapisi, malzeme_a_mm, malzeme_b_mm, malzeme_c_mm, malzeme_d_mm,
        malzeme_genisligi, serit_tip, serit_marka, serit_malz, serit_dis_mm, kesilen_parca_adeti, guc_kwh,
        ml_output, kesme_hizi_degisim, inme_hizi_degisim, torque_guard_active, controller_type, anomalies)
    SELECT strftime('%Y-%m-%dT%H:%M:%S', '{start_local}', '+' || (i * {period_ms} / 1000) || ' seconds')
             || printf('.%06d', (i * {period_ms} % 1000) * 1000),
        i / 3000, 10 + (i % 97) / 10.0, 30 + (i % 53) / 2.0, 2 + (i % 11) / 10.0, 20 + (i % 7),
        70 + (i % 13) / 10.0, 30 + (i % 17) / 10.0, 70, 30, 300 - (i % 3000) / 10.0, ((i % 41) - 20) / 100.0,
        180 + (i % 5), 60, 22.5, 45, 24, 41, 0.01 * (i % 9), 0.02 * (i % 7), 0.01 * (i % 5), 120, 130, 140, 140,
        3, CASE WHEN i % 20000 < 50 THEN 1 ELSE 0 END, NULL, 1, 7, 'St37', '180', '1', 200, 200, 0, 0,
        200, 'M42', 'Bahco', 'HSS', 4, i / 3000, i / 36000.0,
        0.1, 0, 0, 0, 'ml', NULL
    FROM n
    """
    while done < rows:
        upto = min(rows, done + chunk)
        with conn:
            conn.execute(sql, (done, upto))
        done = upto
    conn.close()
