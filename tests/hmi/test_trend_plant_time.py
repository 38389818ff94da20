"""Trends on the plant's clock: the time axis, the cursor read-out and the history picker show
machine.time_zone (here Europe/Berlin) while the computer runs in another zone (Asia/Tokyo),
and a daylight-saving day is drawn with its 23 or 25 hours."""

from __future__ import annotations

import time
from collections.abc import Callable, Iterator
from datetime import UTC, datetime
from zoneinfo import ZoneInfo

import numpy as np
import pytest
from hmi_testing import QLoop
from PySide6.QtCore import QDate, QTime
from pytestqt.qtbot import QtBot
from test_trends import _rows, make_raw_db

from core.queries.history import raw_db_path
from core.registers import RegisterMap
from core.testing.standin_engine import StandInEngine
from hmi.bridge import EngineBridge
from hmi.formatting import plant_epoch_ms, use_plant_zone
from hmi.pages.trends import COLUMNS, TrendsPage
from hmi.widgets.trend_axis import PlantTimeAxis, plant_ticks

BERLIN = ZoneInfo("Europe/Berlin")
T0 = 1_750_000_000.0  # 2025-06-15 15:06:40 UTC: 17:06:40 in Berlin, 00:06:40 (next day) in Tokyo


def _berlin(t_s: float, fmt: str = "%H:%M:%S") -> str:
    return datetime.fromtimestamp(t_s, UTC).astimezone(BERLIN).strftime(fmt)


@pytest.fixture
def tokyo_computer(computer_zone: Callable[[str], None]) -> None:
    computer_zone("Asia/Tokyo")


@pytest.fixture
def page(qtbot: QtBot, tokyo_computer: None, bridge: EngineBridge) -> Iterator[TrendsPage]:
    use_plant_zone("Europe/Berlin")  # what the main window does with machine.time_zone
    trends = TrendsPage(bridge)
    qtbot.addWidget(trends)
    trends.resize(1200, 800)
    trends.show()
    yield trends
    trends.plot.stop()


def _axis(page: TrendsPage) -> PlantTimeAxis:
    axis = page.plot.plots[-1].getAxis("bottom")
    assert isinstance(axis, PlantTimeAxis)
    return axis


def _shown_ticks(page: TrendsPage) -> tuple[list[float], list[str]]:
    axis = _axis(page)
    low, high = page.plot.plots[-1].getViewBox().viewRange()[0]
    levels = axis.tickValues(low, high, axis.geometry().width())
    assert len(levels) == 1
    spacing, values = levels[0]
    return values, axis.tickStrings(values, 1.0, spacing)


def test_axis_cursor_and_picker_in_plant_time(page: TrendsPage) -> None:
    assert time.strftime("%H", time.localtime(T0)) == "00"  # the computer really is in Tokyo
    times = T0 + np.arange(600) / 10.0  # one minute at 10 Hz
    page.plot.show_range(times, {"band_current": np.full(600, 50.0)})
    values, strings = _shown_ticks(page)
    assert len(values) >= 4
    assert strings == [_berlin(v) for v in values]  # 17:06:45 ... not Tokyo's 00:06:45
    assert all(s.startswith("17:0") for s in strings)
    assert all(v == round(v) and int(v) % 5 == 0 for v in values)  # round plant seconds

    page.plot.set_cursor(T0 + 12.3)
    assert page.readout.text().startswith("17:06:52.3"), page.readout.text()

    # The history picker starts an hour ago in plant time.
    shown = page.history_start.dateTime().toString("yyyy-MM-dd HH:mm")
    now = time.time()
    assert shown in {_berlin(now - 3600 + d, "%Y-%m-%d %H:%M") for d in (-60, 0)}


def test_history_picker_reads_plant_time(qloop: QLoop, fake_engine: StandInEngine, register_map: RegisterMap,
                                         page: TrendsPage) -> None:
    start_ms = int(T0 * 1000)
    make_raw_db(raw_db_path(fake_engine.settings.data_dir), register_map, _rows(start_ms, 1200))
    page.history_start.setDate(QDate(2025, 6, 15))
    page.history_start.setTime(QTime(17, 6))  # Berlin: 40 s before the first row
    page.history_span.setCurrentIndex(page.history_span.findData(60.0))

    async def load() -> bool:
        page.load_history_from_controls()
        assert page.history_task is not None
        return await page.history_task

    assert qloop.run(load())
    t, _y = page.plot.shown("band_current")
    assert t[0] == T0 and t[-1] < T0 + 20.0  # 17:06:00 .. 17:07:00 Berlin: the first 20 s recorded
    assert "2025-06-15 17:06" in page.message.text()
    assert set(COLUMNS) >= {"band_current"}


@pytest.mark.parametrize(("day", "hours", "labels"), [
    # Spring forward: 02:00 does not happen.
    (QDate(2025, 3, 30), 23, ["00:00", "01:00", "03:00", "04:00"]),
    # Fall back: 02:00 happens twice, an hour apart.
    (QDate(2025, 10, 26), 25, ["00:00", "01:00", "02:00", "02:00", "03:00"]),
])
def test_a_daylight_saving_day(page: TrendsPage, day: QDate, hours: int, labels: list[str]) -> None:
    start = plant_epoch_ms(day, QTime(0, 0)) / 1000
    end = plant_epoch_ms(day.addDays(1), QTime(0, 0)) / 1000
    assert end - start == hours * 3600
    times = np.arange(start, end, 10.0)
    page.plot.show_range(times, {"band_current": np.full(times.size, 50.0)})
    low, high = page.plot.plots[-1].getViewBox().viewRange()[0]
    assert high - low == pytest.approx(hours * 3600 - 10, abs=1)  # the whole day, in real time

    hourly = plant_ticks(start, end - 1, 3600)
    assert len(hourly) == hours
    assert np.allclose(np.diff(hourly), 3600)  # evenly spaced, as the samples are
    strings = _axis(page).tickStrings(hourly, 1.0, 3600)
    assert strings[: len(labels)] == labels
    assert strings[-1] == "23:00"
    assert strings == [_berlin(v, "%H:%M") for v in hourly]
    # What the screen draws for the day (a coarser step at this width) is plant time too.
    values, shown = _shown_ticks(page)
    assert shown and shown == [_berlin(v, "%H:%M") for v in values]
    assert shown[0] == "00:00"
