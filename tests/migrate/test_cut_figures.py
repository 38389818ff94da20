"""A cut's figures found by binary search on rowid equal a brute-force GROUP BY over its rows."""

from __future__ import annotations

import sqlite3
from pathlib import Path

import pytest

from core.migrate import smart_saw_source as source
from core.migrate.cut_figures import CutFigures


def test_figures_match_group_by(tmp_path: Path) -> None:
    paths = source.create(tmp_path)
    source.fill_sensor_data(paths["total"], 31_000)  # kesim_id = i / 3000: eleven cuts
    conn = sqlite3.connect(paths["total"])
    try:
        figures = CutFigures(conn)
        cuts = conn.execute("SELECT kesim_id, min(timestamp), max(timestamp), count(*), avg(serit_motor_akim_a), "
                            "max(serit_motor_tork_percentage), max(serit_id) FROM sensor_data GROUP BY kesim_id"
                            ).fetchall()
        assert len(cuts) == 11
        for cut_id, start, end, count, current, torque, band in cuts:
            got = figures.of(cut_id, start, end)
            assert got["samples"] == count
            assert got["band_current_mean"] == pytest.approx(current)
            assert got["band_torque_peak"] == torque and got["band_id"] == band
        # a window inside a cut: only the rows in it
        first, last = conn.execute("SELECT timestamp FROM sensor_data WHERE rowid IN (3101, 3200) ORDER BY rowid"
                                   ).fetchall()
        assert figures.of(1, first[0], last[0])["samples"] == 100
        assert figures.of(99, cuts[0][1], cuts[-1][2]) == {}  # no rows of that cut
    finally:
        conn.close()


def _sample(cut: int, ts: str, **values: object) -> dict[str, object]:
    return {"timestamp": ts, "kesim_id": cut, "serit_id": 7, "serit_motor_akim_a": 12.0, **values}


def test_imported_cuts_get_area_energy_vibration_from_what_the_source_has(tmp_path: Path) -> None:
    from core.analysis.geometry import Piece, Section
    from core.config import PROJECT_ROOT, load_settings
    from core.migrate.importer import import_smart_saw
    from core.registers import load_register_map

    paths = source.create(tmp_path / "smart-saw")
    rows = [
        # cut 1: round bar 100 mm, the head goes down to 40 mm: 60 mm deep; counter 10.0 -> 10.25 kWh
        _sample(1, "2025-05-09T10:00:00", kesit_yapisi="0", malzeme_a_mm=100, kafa_yuksekligi_mm=150.0,
                guc_kwh=10.0, ivme_olcer_x=0.5, ivme_olcer_y=0.2),
        _sample(1, "2025-05-09T10:00:30", kesit_yapisi="0", malzeme_a_mm=100, kafa_yuksekligi_mm=40.0,
                guc_kwh=None, ivme_olcer_x=0.1, ivme_olcer_y=0.7),
        _sample(1, "2025-05-09T10:01:00", kesit_yapisi="0", malzeme_a_mm=100, kafa_yuksekligi_mm=45.0,
                guc_kwh=10.25, ivme_olcer_x="abc"),
        # cut 2: rectangle 50 x 80 (section by its name), through; the counter was reset inside the cut
        _sample(2, "2025-05-09T11:00:00", kesit_yapisi="Rectangle", malzeme_a_mm=50, malzeme_b_mm=80,
                kafa_yuksekligi_mm=60.0, guc_kwh=10.0),
        _sample(2, "2025-05-09T11:01:00", kesit_yapisi="Rectangle", malzeme_a_mm=50, malzeme_b_mm=80,
                kafa_yuksekligi_mm=0.0, guc_kwh=2.0),
        # cut 3: a tube without its wall thickness; cut 4: a shape the register map does not know
        _sample(3, "2025-05-09T12:00:00", kesit_yapisi="2", malzeme_a_mm=60, malzeme_b_mm=0, kafa_yuksekligi_mm=5.0),
        _sample(4, "2025-05-09T13:00:00", kesit_yapisi="Kare", malzeme_a_mm=60, kafa_yuksekligi_mm=5.0),
    ]
    source.insert(paths["total"], "sensor_data", rows)
    source.insert(paths["total"], "cutting_sessions", [
        {"kesim_id": cut, "start_time": f"2025-05-09T{9 + cut}:00:00", "end_time": f"2025-05-09T{9 + cut}:01:00",
         "start_height_mm": 150.0, "end_height_mm": 40.0}
        for cut in (1, 2, 3, 4)
    ] + [{"kesim_id": 5, "start_time": "2025-05-09T15:00:00", "end_time": "2025-05-09T15:01:00"}])
    settings = load_settings(PROJECT_ROOT / "config" / "config.yaml", env={}, env_file=tmp_path / "no.env",
                             overrides={"paths": {"data_dir": str(tmp_path / "data"), "logs_dir": str(tmp_path)},
                                        "machine": {"time_zone": "UTC"}})
    summary = import_smart_saw(tmp_path / "smart-saw", settings, load_register_map(settings.register_map_path))
    conn = sqlite3.connect(tmp_path / "data" / "databases" / "total.db")
    try:
        got = conn.execute("SELECT cross_section, dimension_a, dimension_b, area_cm2, energy_kwh, energy_method, "
                           "vibration_peak FROM cuts ORDER BY start_ms").fetchall()
        counted = conn.execute("SELECT band_id, cuts, area_mm2 FROM band_counters ORDER BY id DESC LIMIT 1").fetchone()
    finally:
        conn.close()
    round_area = round(Piece(Section.ROUND, 100.0).area_cm2(60.0), 3)
    assert got == [
        (0, 100.0, None, round_area, 0.25, "counter", 0.7),
        (1, 50.0, 80.0, 40.0, None, "none", None),
        (2, 60.0, 0.0, None, None, "none", None),
        (None, 60.0, None, None, None, "none", None),
        (None, None, None, None, None, "none", None),  # no samples at all: nothing made up
    ]
    assert counted == (7.0, 4, pytest.approx((round_area + 40.0) * 100))  # band life counts the area
    notes = next(r for r in summary.streams if r.name.startswith("total.cutting_sessions")).notes
    assert "2 cuts without area_cm2: no known section shape (kesit_yapisi)" in notes
    assert "1 cuts without area_cm2: the source gives no section dimensions (malzeme_a_mm..d_mm)" in notes
    assert "1 cuts without energy_kwh: the guc_kwh counter went backwards (reset) in the cut" in notes
    assert "3 cuts without energy_kwh: no guc_kwh counter in the cut's samples" in notes
    assert "4 cuts without vibration_peak" in notes


def test_a_cut_without_end_time_takes_the_samples_of_its_duration_only(tmp_path: Path) -> None:
    from core.config import PROJECT_ROOT, load_settings
    from core.migrate.importer import import_smart_saw
    from core.registers import load_register_map

    paths = source.create(tmp_path / "smart-saw")
    source.insert(paths["total"], "sensor_data", [
        _sample(2, "2025-05-09T15:00:10", serit_motor_akim_a=10.0),
        _sample(2, "2025-05-09T15:00:50", serit_motor_akim_a=20.0),
        _sample(2, "2025-06-01T08:00:00", serit_motor_akim_a=99.0),  # a later cut the old system also called 2
    ])
    source.insert(paths["total"], "cutting_sessions", [
        {"kesim_id": 2, "start_time": "2025-05-09T15:00:00", "end_time": None, "duration_ms": 60_000}])
    settings = load_settings(PROJECT_ROOT / "config" / "config.yaml", env={}, env_file=tmp_path / "no.env",
                             overrides={"paths": {"data_dir": str(tmp_path / "data"), "logs_dir": str(tmp_path)},
                                        "machine": {"time_zone": "UTC"}})
    import_smart_saw(tmp_path / "smart-saw", settings, load_register_map(settings.register_map_path))
    conn = sqlite3.connect(tmp_path / "data" / "databases" / "total.db")
    try:
        assert conn.execute("SELECT samples, band_current_mean, band_current_peak FROM cuts").fetchall() == [
            (2, 15.0, 20.0)]
    finally:
        conn.close()
