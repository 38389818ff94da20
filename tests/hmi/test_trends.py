"""Trends: live ring buffer windows, raw.db history for a range, cursor read-out, redraw discipline."""

from __future__ import annotations

import itertools
import sqlite3
import time
from pathlib import Path

import numpy as np
import pytest
from hmi_testing import QLoop
from PySide6.QtWidgets import QApplication
from pytestqt.qtbot import QtBot

from core.queries.history import HistoryError, RawHistory, raw_db_path
from core.registers import RegisterMap
from core.testing.standin_engine import StandInEngine
from hmi.bridge import EngineBridge
from hmi.pages.trends import COLUMNS, CURVE_COLUMNS, TrendsPage, period_words


def make_raw_db(path: Path, register_map: RegisterMap, rows: list[dict[str, float | None]]) -> None:
    path.parent.mkdir(parents=True, exist_ok=True)
    connection = sqlite3.connect(path)
    columns = ", ".join(f'"{r.name}" REAL' for r in register_map)
    connection.execute(
        f"CREATE TABLE samples (id INTEGER PRIMARY KEY AUTOINCREMENT, ts_ms INTEGER NOT NULL, {columns})"
    )
    for row in rows:
        names = ["ts_ms", *[k for k in row if k != "ts_ms"]]
        marks = ", ".join("?" for _ in names)
        quoted = ", ".join(f'"{n}"' for n in names)
        connection.execute(f"INSERT INTO samples ({quoted}) VALUES ({marks})", [row[n] for n in names])
    connection.commit()
    connection.close()


def _rows(start_ms: int, count: int, step_ms: int = 100) -> list[dict[str, float | None]]:
    rows: list[dict[str, float | None]] = []
    for i in range(count):
        rows.append(
            {
                "ts_ms": start_ms + i * step_ms,
                "band_current": 10.0 + (i % 17) * 0.1,
                "band_torque": 40.0 + (i % 11),
                "vibration_x": 0.1 + (i % 5) * 0.01,
                "vibration_y": None if i % 50 == 0 else 0.2,
                "vibration_z": 0.3,
                "cutting_speed_actual": 70.0,
                "descent_speed_actual": 30.0 + (i % 3),
            }
        )
    return rows


def test_trends_show_what_raw_db_holds(
    qtbot: QtBot, qloop: QLoop, bridge: EngineBridge, fake_engine: StandInEngine, register_map: RegisterMap
) -> None:
    start_ms = 1_700_000_000_000
    rows = _rows(start_ms, 600)
    make_raw_db(raw_db_path(fake_engine.settings.data_dir), register_map, rows)
    page = TrendsPage(bridge)
    qtbot.addWidget(page)
    page.show()
    # A range inside the recording: rows 100..399.
    assert qloop.run(page.load_history((start_ms + 100 * 100) / 1000, (start_ms + 400 * 100) / 1000))
    assert page.plot.paused and page.plot.history_mode
    assert "300 samples" in page.message.text()
    for column in CURVE_COLUMNS:
        t, y = page.plot.shown(column)
        expected = np.array([np.nan if r[column] is None else r[column] for r in rows[100:400]], dtype=float)
        assert np.allclose(t, [r["ts_ms"] / 1000 for r in rows[100:400]])  # type: ignore[operator]
        assert np.array_equal(np.isnan(y), np.isnan(expected))
        assert np.allclose(y[~np.isnan(y)], expected[~np.isnan(expected)])
    # What the curves hold is what the page shows.
    _t_curve, y_curve = page.plot.curves["band_torque"].getOriginalDataset()
    assert np.allclose(y_curve, np.array([r["band_torque"] for r in rows[100:400]], dtype=float))
    page.plot.stop()


def test_an_empty_period_shows_that_period_and_says_so(
    qtbot: QtBot, qloop: QLoop, bridge: EngineBridge, fake_engine: StandInEngine, register_map: RegisterMap
) -> None:
    """Load found nothing: the axis kept the live range and the hint said "No data yet: the plots fill
    as samples arrive"; now the axis spans the chosen period and the hint and message name it."""
    start_ms = 1_700_000_000_000
    make_raw_db(raw_db_path(fake_engine.settings.data_dir), register_map, _rows(start_ms, 50))
    page = TrendsPage(bridge)
    qtbot.addWidget(page)
    page.resize(1280, 700)
    page.show()
    qtbot.waitExposed(page)
    empty = (start_ms + 3_600_000) / 1000, (start_ms + 7_200_000) / 1000  # an hour after the recording
    assert qloop.run(page.load_history(*empty))
    QApplication.processEvents()
    low, high = page.plot.plots[0].getViewBox().viewRange()[0]
    assert (round(low), round(high)) == (round(empty[0]), round(empty[1]))
    start, end = period_words(*empty)
    assert page.hint.isVisible() and "No data yet" not in page.hint.text()
    assert page.hint.text() == f"No samples recorded from {start} to {end}"
    assert page.message.text() == f"No recorded samples from {start} to {end}"
    page.set_window(60.0)  # back to live: the live hint again
    assert page.hint.text().startswith("No data yet")
    page.plot.stop()


def test_long_range_keeps_peaks(register_map: RegisterMap, tmp_path: Path) -> None:
    start_ms = 1_700_000_000_000
    rows = _rows(start_ms, 5000, step_ms=100)
    rows[2345]["band_torque"] = 250.0  # one spike must survive the reduction
    path = tmp_path / "databases" / "raw.db"
    make_raw_db(path, register_map, rows)
    data = RawHistory(path, max_points=400).read(start_ms / 1000, (start_ms + 500_000) / 1000, COLUMNS)
    assert data.reduced and data.rows == 5000
    assert data.times.size <= 402
    assert np.nanmax(data.values["band_torque"]) == 250.0
    assert np.nanmin(data.values["band_torque"]) == 40.0


def test_missing_raw_db_is_reported_not_raised(qtbot: QtBot, qloop: QLoop, bridge: EngineBridge) -> None:
    page = TrendsPage(bridge)
    qtbot.addWidget(page)
    assert not qloop.run(page.load_history(0, 60))
    assert page.message.text().startswith("History unavailable: no recorded data yet")
    with pytest.raises(HistoryError):
        RawHistory(Path("/nonexistent/raw.db")).read(0, 1, ["band_current"])
    page.plot.stop()


def test_history_reads_without_writing(register_map: RegisterMap, tmp_path: Path) -> None:
    path = tmp_path / "databases" / "raw.db"
    make_raw_db(path, register_map, _rows(0, 3))
    before = path.read_bytes()
    data = RawHistory(path).read(0, 1, COLUMNS)
    assert data.rows == 3 and data.files == ("raw.db",)
    assert path.read_bytes() == before  # read-only connections: the recorder stays the only writer
    assert sorted(p.name for p in path.parent.iterdir()) == ["raw.db"]


def test_live_window_pause_and_cursor(qtbot: QtBot, bridge: EngineBridge, fake_engine: StandInEngine) -> None:
    page = TrendsPage(bridge)
    qtbot.addWidget(page)
    page.resize(1200, 800)
    page.show()
    now_ms = int(time.time() * 1000)
    for i in range(1200):  # two minutes at 10 Hz
        fake_engine.push({"band_current": float(i % 100)}, ts_ms=now_ms - (1199 - i) * 100)
        QApplication.processEvents()  # the bridge shows it after the poll cycle
    frames = page.plot.frames
    page.plot.redraw(force=True)
    assert page.plot.frames == frames + 1
    t, y = page.plot.shown("band_current")
    assert t.size == 601 and y[-1] == 1199 % 100  # the 1 min window: the newest 60 s
    page.plot.redraw(force=True)  # nothing new: no redraw
    assert page.plot.frames == frames + 1
    page.set_window(600)
    assert page.plot.shown("band_current")[0].size == 1200
    page.pause_button.setChecked(True)
    frozen = page.plot.shown("band_current")[1].copy()
    fake_engine.push({"band_current": 555.0}, ts_ms=now_ms + 100)
    QApplication.processEvents()  # the bridge shows it after the poll cycle
    page.plot.redraw(force=True)
    assert np.array_equal(page.plot.shown("band_current")[1], frozen)  # paused: the view holds still
    page.plot.set_cursor(float(t[-1]))
    assert "current" in page.readout.text().lower()
    assert page.plot.values_at(float(t[-1]))["band_current"] == 1199 % 100
    page.pause_button.setChecked(False)
    assert page.plot.shown("band_current")[1][-1] == 555.0
    page.plot.stop()


def test_curves_are_created_once(qtbot: QtBot, bridge: EngineBridge, fake_engine: StandInEngine) -> None:
    page = TrendsPage(bridge)
    qtbot.addWidget(page)
    page.show()
    items_before = [len(p.listDataItems()) for p in page.plot.plots]
    curve_ids = {k: id(c) for k, c in page.plot.curves.items()}
    for _ in range(30):
        fake_engine.push()
        QApplication.processEvents()  # the bridge shows it after the poll cycle
        page.plot.redraw(force=True)
    assert [len(p.listDataItems()) for p in page.plot.plots] == items_before
    assert {k: id(c) for k, c in page.plot.curves.items()} == curve_ids
    for curve in page.plot.curves.values():  # 30 samples in a 1 min window: nothing to reduce
        assert not curve.opts["clipToView"] and not curve.opts["autoDownsample"] and curve.opts["skipFiniteCheck"]
    now = time.time()
    for i in range(6000):  # ten minutes at 10 Hz: more samples than the plot has pixels
        page.buffer.append(now + i / 10, {"band_current": float(i % 50)})
    page.set_window(3600)
    for curve in page.plot.curves.values():
        assert curve.opts["clipToView"] and curve.opts["autoDownsample"]
        assert curve.opts["downsampleMethod"] == "peak" and curve.opts["skipFiniteCheck"]
    page.plot.stop()


def test_long_windows_redraw_at_pixel_rate(qtbot: QtBot, bridge: EngineBridge, fake_engine: StandInEngine) -> None:
    page = TrendsPage(bridge)
    qtbot.addWidget(page)
    page.resize(1280, 700)
    page.show()
    page.set_window(3600)
    assert page.plot.min_redraw_interval_s() > 1.0  # an hour on ~1200 px: seconds per pixel
    page.set_window(60)
    assert page.plot.min_redraw_interval_s() == pytest.approx(0.1)  # capped by hmi.plot_rate_hz
    page.set_window(3600)
    frames = page.plot.frames
    fake_engine.push()
    QApplication.processEvents()  # the bridge shows it after the poll cycle
    page.plot.redraw()  # the timer's call: too soon after the last frame for a 1 h window
    assert page.plot.frames == frames
    page.plot.stop()


def test_live_view_pages_forward_instead_of_sliding(
    qtbot: QtBot, bridge: EngineBridge, fake_engine: StandInEngine
) -> None:
    """The time axis holds still while new samples arrive (a sliding axis repaints every plot, tick
    and grid line each frame), jumps when the newest sample reaches the right edge, and always
    shows at least the whole window of history."""
    from hmi.widgets.ring_plot import JUMP_FRACTION

    page = TrendsPage(bridge)
    qtbot.addWidget(page)
    page.resize(1200, 800)
    page.show()
    plot = page.plot
    start_ms = int(time.time() * 1000) - 600_000
    ranges: list[tuple[float, float]] = []
    for i in range(1200):  # two minutes at 10 Hz, drawn as they come
        fake_engine.push({"band_current": float(i % 100)}, ts_ms=start_ms + i * 100)
        QApplication.processEvents()
        plot.redraw(force=True)
        low, high = plot.plots[0].getViewBox().viewRange()[0]
        newest = (start_ms + i * 100) / 1000
        assert newest - low >= 60.0 - 1e-6 and newest <= high + 1e-6  # the whole minute, the newest in view
        assert plot.shown("band_current")[0][-1] == newest
        ranges.append((low, high))
    jumps = sum(1 for a, b in itertools.pairwise(ranges) if a != b)
    # 120 s of samples in a 60 s window: a jump every 12 s (the first range included), not 1200 moves.
    assert jumps == pytest.approx(120 / (60 * JUMP_FRACTION), abs=1)
    assert ranges[-1][1] - ranges[-1][0] == pytest.approx(60 * (1 + JUMP_FRACTION))
    page.plot.stop()
