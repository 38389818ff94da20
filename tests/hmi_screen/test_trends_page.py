"""The trends page with context (issue #15): limit and target lines, live legends beside the plots, no
noise magnified on flat signals, a read-out that never keeps stale values, an empty plot that says so,
kiosk sizes and Turkish."""

from __future__ import annotations

import itertools
import math
import time
from collections.abc import Iterator
from pathlib import Path

import numpy as np
import pytest
from hmi_testing import kiosk_sized
from PySide6.QtCore import QPoint, QPointF, QRectF
from PySide6.QtWidgets import QApplication
from pytestqt.qtbot import QtBot

from core.testing.standin_engine import StandInEngine
from hmi.bridge import EngineBridge
from hmi.formatting import plain_text
from hmi.i18n import Translator
from hmi.kiosk import touch_violations
from hmi.pages.trends import TrendsPage
from hmi.theme import apply_theme

PANEL = {"current": 0, "torque": 1, "vibration": 2, "band": 3, "descent": 4}


@pytest.fixture
def page(qtbot: QtBot, bridge: EngineBridge) -> Iterator[TrendsPage]:
    widget = TrendsPage(bridge)
    qtbot.addWidget(widget)
    widget.resize(1280, 700)
    widget.show()
    qtbot.waitExposed(widget)
    yield widget
    widget.plot.stop()


def _feed(page: TrendsPage, seconds: float, end: float | None = None, **override: float) -> float:
    """``seconds`` of 10 Hz samples ending at ``end``: a flat band speed with 0.4 m/min of noise."""
    end = time.time() if end is None else end
    n = int(seconds * 10)
    for i in range(n):
        t = end - (n - 1 - i) / 10
        values: dict[str, float | None] = {
            "band_current": 62.0 + 0.3 * math.sin(i),
            "band_torque": 55.0 + (i % 5),
            "vibration_x": 0.2 + 0.01 * math.sin(i / 3),
            "vibration_y": 0.15,
            "vibration_z": 0.1,
            "cutting_speed_actual": 70.0 + 0.4 * math.sin(i * 1.7),
            "descent_speed_actual": 30.0,
            "cutting_speed": 70.0,
            "descent_speed": 30.0,
            **override,
        }
        page.buffer.append(t, values)
    page.plot.mark_dirty()
    page.plot.redraw(force=True)
    return end


def _y_range(page: TrendsPage, panel: str) -> tuple[float, float]:
    low, high = page.plot.plots[PANEL[panel]].getViewBox().viewRange()[1]
    return low, high


def test_limit_and_target_lines_come_from_the_configuration(page: TrendsPage, fake_engine: StandInEngine) -> None:
    bars = fake_engine.settings.hmi.bars
    _feed(page, 30)
    current = {round(s.value, 3): s.label for s in page.plot.panels[PANEL["current"]].limits}
    assert current == {bars["band_current"].guard: "ML ceiling", bars["band_current"].overload: "trip"}
    torque = {s.value for s in page.plot.panels[PANEL["torque"]].limits}
    assert torque == {bars["band_torque"].guard, bars["band_torque"].overload}
    low, high = _y_range(page, "torque")
    overload = bars["band_torque"].overload
    assert overload is not None and low <= 55.0 and high >= overload  # the limit is in view: the context
    band = page.plot.setpoint_lines["cutting_speed"]
    assert band.isVisible() and band.value() == 70.0
    _feed(page, 1, end=time.time() + 1, cutting_speed=65.0)  # the operator lowers the target
    assert page.plot.setpoint_lines["cutting_speed"].value() == 65.0
    page.plot.update_legends()
    assert "target: 65.0 m/min" in plain_text(page.plot.legends[PANEL["band"]].text)


def test_legends_with_live_values_stand_beside_the_data(page: TrendsPage) -> None:
    _feed(page, 30)
    page.plot.update_legends()
    for legend, plot in zip(page.plot.legends, page.plot.plots, strict=True):
        data_area = plot.getViewBox().sceneBoundingRect()
        assert not legend.sceneBoundingRect().intersects(data_area), legend.text
    vibration = page.plot.legends[PANEL["vibration"]].text
    assert all(f"{axis}: <b>" in vibration for axis in "XYZ") and "g" in vibration
    assert "current: <b>" in page.plot.legends[PANEL["current"]].text


def test_flat_signals_are_not_magnified_and_the_range_holds_still(page: TrendsPage) -> None:
    _feed(page, 60)
    low, high = _y_range(page, "band")
    assert high - low >= 10.0 and low < 69.6 and high > 70.4  # not 69.6 .. 70.4
    assert _y_range(page, "vibration")[1] - _y_range(page, "vibration")[0] >= 0.2
    assert _y_range(page, "descent")[1] - _y_range(page, "descent")[0] >= 10.0
    ranges = []
    for k in range(20):  # two more seconds of the same noise: the axes do not twitch
        _feed(page, 0.1, end=time.time() + 0.1 * (k + 1))
        ranges.append(_y_range(page, "band"))
    assert len(set(ranges)) == 1
    _feed(page, 1, end=time.time() + 5, cutting_speed_actual=95.0)  # a real change: the range follows
    assert _y_range(page, "band")[1] >= 95.0


def test_cursor_read_out_never_keeps_stale_values(page: TrendsPage, qtbot: QtBot) -> None:
    end = _feed(page, 60)
    page.pause_button.setChecked(False)
    page.plot.set_cursor(end - 30)
    assert "Band 69." in page.readout.text() or "Band 70." in page.readout.text()
    assert page.clear_cursor_button.isEnabled()
    # Live data scrolls on: once the cursor's moment leaves the window, cursor and read-out go.
    _feed(page, 40, end=end + 40)
    assert page.plot.cursor_x() is None
    assert page.readout.text() == "Tap a plot to place the cursor"
    assert "<b>—</b>" not in page.plot.legends[PANEL["band"]].text  # live values again
    assert not page.clear_cursor_button.isEnabled()
    # A cursor in a gap of the data (no samples there): nothing to read, nothing shown.
    page.plot.set_cursor(end - 1000)
    assert page.plot.cursor_x() is None and page.readout.text() == "Tap a plot to place the cursor"
    # Hovering shows values; leaving the plots clears them.
    plot = page.plot.plots[PANEL["current"]]
    centre = plot.getViewBox().sceneBoundingRect().center()
    page.plot.scene().sigMouseMoved.emit(centre)
    assert "Current" in page.readout.text()
    page.plot.scene().sigMouseMoved.emit(QPointF(-50, -50))
    assert page.readout.text() == "Tap a plot to place the cursor"
    # The remove button takes a placed cursor away.
    page.plot.set_cursor(end + 20)
    assert page.plot.cursor_x() is not None
    page.clear_cursor_button.click()
    assert page.plot.cursor_x() is None and page.readout.text() == "Tap a plot to place the cursor"


def test_an_empty_plot_says_so(page: TrendsPage, push: object) -> None:
    QApplication.processEvents()
    assert page.hint.isVisible() and "No data yet" in page.hint.text()
    push({"band_current": 20.0})  # type: ignore[operator]
    QApplication.processEvents()
    assert not page.hint.isVisible()
    page.plot.show_range(np.empty(0), {})
    page.hint.refresh()
    assert page.hint.isVisible()
    page.set_window(60)
    assert not page.hint.isVisible()


def test_kiosk_sizes(qtbot: QtBot, qapp: QApplication, bridge: EngineBridge) -> None:
    apply_theme(qapp)
    widget = TrendsPage(bridge)
    qtbot.addWidget(widget)
    try:
        with kiosk_sized(qtbot, qapp, widget, 1280, 740):
            _feed(widget, 30)
            QApplication.processEvents()
            assert [str(v) for v in touch_violations(widget)] == []
            # The legends keep their width beside the plots; the plots keep most of the page.
            assert widget.plot.plots[0].getViewBox().width() > 800
            assert widget.plot.mapTo(widget, QPoint(0, 0)).y() < 140
    finally:
        widget.plot.stop()


def test_turkish(page: TrendsPage, qapp: QApplication, tmp_path: Path) -> None:
    translator = Translator.install(qapp, cache=tmp_path)
    try:
        assert translator.switch("tr")
        QApplication.processEvents()
        assert page.pause_button.text() == "Duraklat"
        assert page.window_buttons.button(0).text() == "1 dk"
        assert page.readout.text() == "İmleci yerleştirmek için bir grafiğe dokunun"
        _feed(page, 10)
        page.plot.update_legends()
        assert "hedef: 70,0 m/dk" in plain_text(page.plot.legends[PANEL["band"]].text)  # the Turkish decimal comma
        assert "ML tavanı: %100" in page.plot.legends[PANEL["torque"]].text  # Turkish writes the percent first
        assert page.plot.plots[0].getAxis("left").labelText == "Akım (A)"
    finally:
        translator.switch("en")
    QApplication.processEvents()
    assert page.pause_button.text() == "Pause" and page.plot.plots[0].getAxis("left").labelText == "Current (A)"


def _title_rects(page: TrendsPage) -> list[tuple[QRectF, QRectF]]:
    """Each left axis's title and the axis itself, in scene coordinates."""
    return [
        (plot.getAxis("left").label.sceneBoundingRect(), plot.getAxis("left").sceneBoundingRect())
        for plot in page.plot.plots
    ]


@pytest.mark.parametrize("lang", ["en", "tr"])
@pytest.mark.parametrize("height", [617, 700], ids=["replay", "live"])
def test_axis_titles_stay_beside_their_own_plot(
    qtbot: QtBot, qapp: QApplication, bridge: EngineBridge, tmp_path: Path, lang: str, height: int
) -> None:
    """Under the replay bar (617 px for the page at 1280x800) the plots are ~90 px tall: 'Band (m/min)'
    and 'Descent (mm/min)' ran into each other. Each title stays within its own axis, none overlaps."""
    translator = Translator.install(qapp, cache=tmp_path)
    widget = TrendsPage(bridge)
    qtbot.addWidget(widget)
    try:
        assert translator.switch(lang)
        widget.resize(1280, height)
        widget.show()
        qtbot.waitExposed(widget)
        qapp.processEvents()
        rects = _title_rects(widget)
        for (label, axis), panel in zip(rects, widget.panels, strict=True):
            assert axis.top() - 1 <= label.top() and label.bottom() <= axis.bottom() + 1, (panel.title, label, axis)
        for (upper, _), (lower, _) in itertools.pairwise(rects):
            assert not upper.intersects(lower), (upper, lower)
        assert widget.plot.plots[3].getAxis("left").labelText.startswith(widget.panels[3].title)
    finally:
        widget.plot.stop()
        translator.switch("en")
