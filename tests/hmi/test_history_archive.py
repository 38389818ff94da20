"""Trends history after archiving: ranges moved to databases/archive/raw-YYYY-MM.db still show."""

from __future__ import annotations

from datetime import UTC, datetime
from pathlib import Path

import numpy as np
from hmi_testing import QLoop
from pytestqt.qtbot import QtBot
from test_trends import _rows, make_raw_db

from core.queries.history import RawHistory, raw_db_path
from core.registers import RegisterMap
from core.storage.archive import archive_raw
from core.storage.samples_reader import archive_dir
from core.testing.standin_engine import StandInEngine
from hmi.bridge import EngineBridge
from hmi.pages.trends import COLUMNS, TrendsPage

DAY_MS = 86_400_000
# 30 min either side of midnight 1 February 2024 UTC: the range spans two archive months.
START_MS = int(datetime(2024, 1, 31, 23, 30, tzinfo=UTC).timestamp() * 1000)
NOW_MS = START_MS + 40 * DAY_MS


def _archived(data_dir: Path, register_map: RegisterMap) -> list[dict[str, float | None]]:
    """An hour at 1 Hz across a month boundary (archived), plus the live last minute (kept in raw.db)."""
    old = _rows(START_MS, 3600, step_ms=1000)
    old[1790]["band_torque"] = 250.0  # a spike in January, ten seconds before the month changes
    live = _rows(NOW_MS - 60_000, 600)
    make_raw_db(raw_db_path(data_dir), register_map, old + live)
    report = archive_raw(data_dir, live_days=7, now_ms=NOW_MS)
    assert report.moved == 3600 and not report.stopped
    assert sorted(p.name for p in archive_dir(data_dir).iterdir() if p.suffix == ".db") == [
        "raw-2024-01.db", "raw-2024-02.db"]
    return old


def test_archived_range_reads_row_by_row(register_map: RegisterMap, tmp_path: Path) -> None:
    old = _archived(tmp_path, register_map)
    history = RawHistory(raw_db_path(tmp_path))
    data = history.read(START_MS / 1000 + 1200, START_MS / 1000 + 2400, COLUMNS)  # 20 min either side
    assert not data.reduced and data.rows == 1200
    assert data.files[:2] == ("raw-2024-01.db", "raw-2024-02.db")
    assert np.allclose(data.times, [r["ts_ms"] / 1000 for r in old[1200:2400]])  # type: ignore[operator]
    expected = np.array([r["band_torque"] for r in old[1200:2400]], dtype=float)
    assert np.allclose(data.values["band_torque"], expected)
    assert np.isnan(data.values["vibration_y"]).sum() == sum(r["vibration_y"] is None for r in old[1200:2400])


def test_archived_long_range_keeps_peaks(register_map: RegisterMap, tmp_path: Path) -> None:
    _archived(tmp_path, register_map)
    data = RawHistory(raw_db_path(tmp_path), max_points=200).read(START_MS / 1000, START_MS / 1000 + 3600, COLUMNS)
    assert data.reduced and data.rows == 3600 and data.times.size <= 202
    assert np.nanmax(data.values["band_torque"]) == 250.0  # the spike survives the reduction
    assert np.nanmin(data.values["band_torque"]) == 40.0
    assert np.all(np.diff(data.times) >= 0)  # buckets from two files merged in time order


def test_trends_page_shows_archived_range(qtbot: QtBot, qloop: QLoop, bridge: EngineBridge, fake_engine: StandInEngine,
                                          register_map: RegisterMap) -> None:
    old = _archived(fake_engine.settings.data_dir, register_map)
    page = TrendsPage(bridge)
    qtbot.addWidget(page)
    page.show()
    assert qloop.run(page.load_history(START_MS / 1000, START_MS / 1000 + 600))
    assert "600 samples" in page.message.text()
    t, y = page.plot.shown("band_current")
    assert np.allclose(t, [r["ts_ms"] / 1000 for r in old[:600]])  # type: ignore[operator]
    assert np.allclose(y, [r["band_current"] for r in old[:600]])  # type: ignore[arg-type]
    page.plot.stop()
