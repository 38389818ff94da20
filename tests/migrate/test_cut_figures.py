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
