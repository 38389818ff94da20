"""Import of the older system's databases: counts, values, units, time zone, rejects, idempotence."""

from __future__ import annotations

import csv
import hashlib
import json
import sqlite3
from datetime import UTC, datetime
from pathlib import Path

import pytest

from core.config import Settings
from core.migrate import smart_saw_source as source
from core.migrate.importer import CancelToken, Progress, import_smart_saw
from core.registers import RegisterMap
from core.storage.export import export_data
from core.storage.samples_reader import read_samples
from tests.migrate.migrate_helpers import map_with_units
from tests.tmp_settings import settings_in


def utc_ms(text: str) -> int:
    return int(datetime.fromisoformat(text).replace(tzinfo=UTC).timestamp() * 1000)


BASE = {
    "kesim_id": 1, "serit_motor_akim_a": 12.5, "serit_motor_tork_percentage": 40.0, "inme_motor_akim_a": 2.5,
    "serit_kesme_hizi": 72.0, "serit_inme_hizi": 31.5, "kesme_hizi_hedef": 70.0, "inme_hizi_hedef": 30.0,
    "kafa_yuksekligi_mm": 250.0, "serit_sapmasi": -0.12, "ortam_sicakligi_c": 21.5, "testere_durumu": 3,
    "alarm_status": 0, "makine_id": 4, "serit_id": 7, "malzeme_cinsi": "St37", "malzeme_sertlik": "180",
    "kesit_yapisi": "2", "malzeme_a_mm": 200, "kesilen_parca_adeti": 12, "guc_kwh": 1.25, "ml_output": 0.2,
}
# In the order the older system wrote them (rowid order), Europe/Berlin local time.
SENSOR_ROWS = [
    {**BASE, "timestamp": "2024-03-31T02:30:00.000000"},  # clocks went forward: no such time -> reject
    {**BASE, "timestamp": "2024-10-27T02:30:00.000000"},  # repeated hour, first pass (CEST, +2)
    {**BASE, "timestamp": "2024-10-27T02:59:00.000000"},
    {**BASE, "timestamp": "2024-10-27T02:10:00.000000"},  # went backwards: second pass (CET, +1)
    {**BASE, "timestamp": "2024-10-27T03:05:00.000000"},
    {**BASE, "timestamp": "2025-05-09T14:03:21.512000"},
    {**BASE, "timestamp": "2025-05-09T14:03:21.612000", "alarm_status": 2, "alarm_bilgisi": "Diş kırıldı"},
    {**BASE, "timestamp": "2025-05-09T14:03:21.662000", "alarm_status": None},  # unknown, not a clear
    {**BASE, "timestamp": "2025-05-09T14:03:21.712000", "alarm_status": 0},
    {**BASE, "timestamp": "yesterday"},  # not ISO 8601 -> reject
    {**BASE, "timestamp": "2025-05-09T14:03:21.812000", "serit_motor_akim_a": "abc"},  # text -> reject
    {**BASE, "timestamp": "2025-05-09T14:03:21.912000", "serit_motor_akim_a": None, "malzeme_cinsi": "3"},
    {**BASE, "timestamp": "2025-05-09T14:03:22.012000", "malzeme_cinsi": " c45 "},  # a name the map knows
]
EXPECTED_TS = [
    utc_ms("2024-10-27T00:30:00"), utc_ms("2024-10-27T00:59:00"), utc_ms("2024-10-27T01:10:00"),
    utc_ms("2024-10-27T02:05:00"), utc_ms("2025-05-09T12:03:21.512"), utc_ms("2025-05-09T12:03:21.612"),
    utc_ms("2025-05-09T12:03:21.662"), utc_ms("2025-05-09T12:03:21.712"), utc_ms("2025-05-09T12:03:21.912"),
    utc_ms("2025-05-09T12:03:22.012"),
]


def build_source(folder: Path) -> dict[str, Path]:
    paths = source.create(folder)
    source.insert(paths["total"], "sensor_data", SENSOR_ROWS)
    source.insert(paths["total"], "cutting_sessions", [
        {"kesim_id": 1, "start_time": "2025-05-09T14:00:00.000000", "end_time": "2025-05-09T14:05:00.000000",
         "controller_type": "ml", "start_height_mm": 300.0, "end_height_mm": 50.0, "duration_ms": 300000,
         "data_count": 3000},
        {"kesim_id": 2, "start_time": "2025-05-09T15:00:00.000000", "end_time": None, "controller_type": "manual",
         "start_height_mm": 300.0, "end_height_mm": None, "duration_ms": 60000, "data_count": 600},
        {"kesim_id": 3, "start_time": "garbage", "end_time": "2025-05-09T16:00:00.000000"},
    ])
    source.insert(paths["ml"], "ml_predictions", [
        {"timestamp": "2025-05-09T14:01:00.000000", "akim_input": 12.1, "sapma_input": 0.05, "kesme_hizi_input": 70.0,
         "inme_hizi_input": 30.0, "serit_motor_tork": 41.0, "kafa_yuksekligi": 200.0, "yeni_kesme_hizi": 70.0,
         "yeni_inme_hizi": 33.0, "katsayi": 0.4, "ml_output": 0.4, "kesim_id": 1, "makine_id": 4, "serit_id": 7,
         "malzeme_cinsi": "St37"},
    ])
    source.insert(paths["anomaly"], "anomaly_events", [
        {"timestamp": "2025-05-09T14:02:00.000000", "sensor_name": "serit_motor_akim_a", "sensor_value": 25.0,
         "detection_method": "Z-Score", "kesim_id": 1, "kafa_yuksekligi": 150.0, "makine_id": 4, "serit_id": 7,
         "malzeme_cinsi": "St37"},
    ])
    source.insert(paths["log"], "system_logs", [
        {"timestamp": "2025-05-09T13:59:00.000000", "level": "INFO", "logger_name": "main", "message": "başladı",
         "exception": None},
        {"timestamp": "2025-05-09T14:10:00.000000", "level": "ERROR", "logger_name": "modbus",
         "message": "bağlantı koptu", "exception": "TimeoutError"},
    ])
    return paths


def digest(paths: dict[str, Path]) -> dict[str, str]:
    return {name: hashlib.sha256(path.read_bytes()).hexdigest() for name, path in paths.items()}


@pytest.fixture
def berlin(tmp_path: Path) -> Settings:
    return settings_in(tmp_path, machine={"time_zone": "Europe/Berlin"})


def count(data_dir: Path, db: str, table: str, where: str = "1") -> int:
    conn = sqlite3.connect(data_dir / "databases" / f"{db}.db")
    try:
        return int(conn.execute(f"SELECT count(*) FROM {table} WHERE {where}").fetchone()[0])
    finally:
        conn.close()


def rows(data_dir: Path, db: str, sql: str) -> list[tuple[object, ...]]:
    conn = sqlite3.connect(data_dir / "databases" / f"{db}.db")
    try:
        return conn.execute(sql).fetchall()
    finally:
        conn.close()


def test_import_counts_values_time_zone_rejects_and_idempotence(
    tmp_path: Path, berlin: Settings, register_map: RegisterMap
) -> None:
    paths = build_source(tmp_path / "smart-saw")
    before = digest(paths)
    seen: list[Progress] = []
    rejects = tmp_path / "rejects.csv"
    summary = import_smart_saw(tmp_path / "smart-saw", berlin, register_map, progress=seen.append,
                               reject_path=rejects)
    data = berlin.data_dir
    assert digest(paths) == before  # the sources are never modified

    by_name = {result.name.split(" ")[0]: result for result in summary.streams}
    samples = by_name["total.sensor_data"]
    assert (samples.read, samples.imported, samples.rejected) == (13, 10, 3)
    assert (samples.first_ms, samples.last_ms) == (EXPECTED_TS[0], EXPECTED_TS[-1])
    assert (by_name["total.cutting_sessions"].imported, by_name["total.cutting_sessions"].rejected) == (2, 1)
    assert by_name["ml.ml_predictions"].imported == 1
    assert by_name["anomaly.anomaly_events"].imported == 1
    assert by_name["log.system_logs"].imported == 2
    assert summary.rejected == 4 and summary.reject_file == rejects
    assert seen and seen[0].stream == samples.name and seen[0].total == 13

    # samples: every register at its place, UTC ms from Berlin local time (DST both ways)
    got = rows(data, "raw", "SELECT ts_ms, band_current, band_torque, cutting_speed_actual, descent_speed_actual, "
                            "head_height, band_deviation, saw_state, machine_id, band_id, material_type, "
                            "material_hardness, cross_section, dimension_a, cut_count, energy_total, alarm_status, "
                            "ambient_temp FROM samples ORDER BY ts_ms")
    assert [row[0] for row in got] == EXPECTED_TS
    hardness_is_hb = register_map["material_hardness"].unit == "HB"
    assert got[4][1:] == (12.5, 40.0, 72.0, 31.5, 250.0, -0.12, 3.0, 4.0, 7.0, None,
                          180.0 if hardness_is_hb else None, 2.0, 200.0, 12.0, 1.25, 0.0, 21.5)
    assert got[-2][1] is None and got[-2][10] == 3.0  # NULL stays NULL; a code written as text is a number
    c45 = next(code for code, name in register_map["material_type"].enum if name == "C45")
    assert got[-1][10] == c45  # a name the register map's enum knows becomes its code
    notes = "\n".join(samples.notes)
    assert "9 code values were names the register map does not know" in notes  # "St37", alarm text: counted
    if not hardness_is_hb:  # the map holds a hardness class code now: HB values are not put there
        assert "sensor_data.malzeme_sertlik -> material_hardness: no conversion from 'HB'" in notes

    # the rejects: file with reason and row, nothing silently dropped
    with rejects.open(encoding="utf-8") as handle:
        lines = list(csv.DictReader(handle))
    reasons = [line["reason"] for line in lines]
    assert len(lines) == 4
    assert any("does not exist in Europe/Berlin" in r for r in reasons)
    assert any("'yesterday' is not ISO 8601" in r for r in reasons)
    assert any("serit_motor_akim_a: text 'abc' where a number belongs" in r for r in reasons)
    assert any("garbage" in r for r in reasons)
    assert json.loads(lines[0]["row"])["timestamp"] == "2024-03-31T02:30:00.000000"

    # the PLC alarm history from alarm_status, the older system's text where no code text is configured
    alarms = rows(data, "log", "SELECT ts_ms, alarm_key, action, text, value, user FROM alarm_log ORDER BY id")
    assert alarms == [
        (EXPECTED_TS[5], "plc.alarm", "raise", "PLC: Tooth breakage: cut stopped", 2.0, "smart-saw"),
        (EXPECTED_TS[7], "plc.alarm", "clear", "PLC: Tooth breakage: cut stopped", 0.0, "smart-saw"),
    ]
    figures = rows(data, "total", "SELECT band_id, band_current_mean, band_current_peak, band_torque_peak, "
                                  "cutting_speed_mean FROM cuts ORDER BY start_ms")
    assert figures == [(7.0, 12.5, 12.5, 40.0, 72.0), (None, None, None, None, None)]  # cut 2 has no samples
    assert rows(data, "total", "SELECT band_id, cuts FROM band_counters") == [(7.0, 1)]  # band life counts it
    cuts = rows(data, "total", "SELECT start_ms, end_ms, duration_s, height_mm, depth_mm, control_mode, samples, "
                               "outcome FROM cuts ORDER BY start_ms")
    assert cuts == [
        (utc_ms("2025-05-09T12:00:00"), utc_ms("2025-05-09T12:05:00"), 300.0, 300.0, 250.0, "ml", 3000, "completed"),
        (utc_ms("2025-05-09T13:00:00"), utc_ms("2025-05-09T13:01:00"), 60.0, 300.0, None, "manual", 600, "completed"),
    ]
    decision = rows(data, "ml", "SELECT ts_ms, model, coefficient, descent_speed, descent_before, features "
                                "FROM decisions")[0]
    assert decision[:5] == (utc_ms("2025-05-09T12:01:00"), "smart-saw", 0.4, 33.0, 30.0)
    assert json.loads(str(decision[5]))["band_current"] == 12.1
    assert rows(data, "anomaly", "SELECT ts_ms, signal, kind, value FROM anomalies") == [
        (utc_ms("2025-05-09T12:02:00"), "band_current", "z-score", 25.0)]
    events = rows(data, "log", "SELECT ts_ms, kind, message, data FROM events WHERE kind = 'smart_saw_log' "
                               "ORDER BY ts_ms")
    assert [(e[0], e[2]) for e in events] == [(utc_ms("2025-05-09T11:59:00"), "başladı"),
                                              (utc_ms("2025-05-09T12:10:00"), "bağlantı koptu")]
    assert json.loads(str(events[1][3]))["exception"] == "TimeoutError"

    # like recorded data: the trends history reader and the export see it
    history = list(read_samples(data, None, None, ["band_current"]))
    assert [row[0] for row in history] == EXPECTED_TS
    out = export_data(data, tmp_path / "export.csv", what="samples", signals=["band_current"], zone="UTC")
    assert out.rows == 10

    # idempotent: a second run (even from a copy of the folder) adds nothing and rejects nothing
    copy = tmp_path / "copy-of-smart-saw"
    copy.mkdir()
    for path in paths.values():
        (copy / path.name).write_bytes(path.read_bytes())
    again = import_smart_saw(copy, berlin, register_map, reject_path=tmp_path / "rejects-2.csv")
    assert again.imported == 0 and again.rejected == 0 and not (tmp_path / "rejects-2.csv").exists()
    assert count(data, "raw", "samples") == 10
    assert count(data, "log", "alarm_log") == 2
    assert count(data, "total", "cuts") == 2
    assert count(data, "ml", "decisions") == 1
    assert count(data, "anomaly", "anomalies") == 1
    assert count(data, "log", "events", "kind = 'smart_saw_log'") == 2

    # the older system kept running: a third run brings only the new rows
    source.insert(paths["total"], "sensor_data", [{**BASE, "timestamp": "2025-05-09T14:04:00.000000"}])
    third = import_smart_saw(tmp_path / "smart-saw", berlin, register_map)
    assert third.imported == 1 and count(data, "raw", "samples") == 11


def test_units_converted_where_the_register_map_differs(tmp_path: Path, berlin: Settings) -> None:
    register_map = map_with_units(tmp_path, {"descent_speed_actual": "mm/s", "ambient_temp": "K"})
    build_source(tmp_path / "smart-saw")
    import_smart_saw(tmp_path / "smart-saw", berlin, register_map, machine_id=9)
    got = rows(berlin.data_dir, "raw", "SELECT descent_speed_actual, ambient_temp, machine_id FROM samples LIMIT 1")
    assert got[0][0] == pytest.approx(31.5 / 60)
    assert got[0][1] == pytest.approx(21.5 + 273.15)
    assert got[0][2] == 9.0  # --machine-id overrides the older system's makine_id


def test_dry_run_writes_nothing_and_cancel_keeps_what_was_committed(
    tmp_path: Path, berlin: Settings, register_map: RegisterMap
) -> None:
    paths = build_source(tmp_path / "smart-saw")
    source.fill_sensor_data(paths["total"], 5013, start_local="2025-06-01 00:00:00")  # 5000 more rows
    dry = import_smart_saw(tmp_path / "smart-saw", berlin, register_map, dry_run=True,
                           reject_path=tmp_path / "dry.csv")
    assert dry.streams[0].imported == 5010
    assert not (berlin.data_dir / "databases" / "raw.db").exists()

    token = CancelToken()

    def cancel_after_first(progress: Progress) -> None:
        token.cancel()

    cancelled = import_smart_saw(tmp_path / "smart-saw", berlin, register_map, progress=cancel_after_first,
                                 cancel=token, batch_rows=1000, bulk_rows=1000)
    assert cancelled.cancelled and cancelled.streams[0].imported == 1000 - 3
    assert count(berlin.data_dir, "raw", "samples") == 997
    rest = import_smart_saw(tmp_path / "smart-saw", berlin, register_map, batch_rows=1000, bulk_rows=1000)
    assert rest.streams[0].imported == 5010 - 997
    assert count(berlin.data_dir, "raw", "samples") == 5010


def test_missing_source_is_a_clear_error(tmp_path: Path, berlin: Settings, register_map: RegisterMap) -> None:
    from core.migrate.importer import ImportRefused

    with pytest.raises(ImportRefused, match="no smart-saw databases"):
        import_smart_saw(tmp_path / "nothing-here", berlin, register_map)


def test_raw_registers_are_named_and_not_imported(tmp_path: Path, berlin: Settings, register_map: RegisterMap) -> None:
    paths = build_source(tmp_path / "smart-saw")
    raw = tmp_path / "smart-saw" / "raw.db"
    conn = sqlite3.connect(raw)
    with conn:
        conn.execute("CREATE TABLE raw_registers (id INTEGER PRIMARY KEY, timestamp TEXT, "
                     "reg_1015_serit_motor_akim INTEGER, reg_1016_serit_motor_tork INTEGER)")
        conn.executemany("INSERT INTO raw_registers (timestamp, reg_1015_serit_motor_akim, reg_1016_serit_motor_tork) "
                         "VALUES (?, ?, ?)", [("2025-05-09T14:03:21.512000", 125, 400)] * 3)
    conn.close()
    before = {**digest(paths), "raw": hashlib.sha256(raw.read_bytes()).hexdigest()}
    summary = import_smart_saw(tmp_path / "smart-saw", berlin, register_map)
    assert {**digest(paths), "raw": hashlib.sha256(raw.read_bytes()).hexdigest()} == before
    note = "raw.db raw_registers (3 rows, 2 register columns) not imported: it holds the PLC's unscaled words"
    assert any(line.strip().startswith(note) for line in summary.lines())
    assert count(berlin.data_dir, "raw", "samples") == 10  # samples come from sensor_data only
