"""Trends with context: setpoint and limit lines, live legend beside the plot, minimum span, cursor clearing."""

from __future__ import annotations

import math

import pytest

from hmi.formatting import plain_text
from hmi.ring_buffer import RingBuffer
from hmi.widgets.ring_plot import CurveSpec, LimitSpec, PanelSpec, RingBufferPlot

PANELS = [
    PanelSpec("Band", "m/min", [CurveSpec("cutting_speed_actual", "band speed", "#1f4e79")],
              setpoint="cutting_speed", min_span=10.0, decimals=1),
    PanelSpec("Torque", "%", [CurveSpec("band_torque", "torque", "#1f4e79")],
              limits=(LimitSpec(100.0, "guard", "#f28c00"), LimitSpec(120.0, "trip")), min_span=20.0),
]


@pytest.fixture
def plot(qtbot: object) -> RingBufferPlot:
    buffer = RingBuffer(["cutting_speed_actual", "cutting_speed", "band_torque"], 2000)
    for i in range(600):  # a flat band speed with 0.4 m/min of noise, 1 min at 10 Hz
        buffer.append(1000.0 + i / 10, {"cutting_speed_actual": 70.0 + 0.4 * math.sin(i), "cutting_speed": 70.0,
                                        "band_torque": 40.0 + (i % 7)})
    widget = RingBufferPlot(buffer, PANELS)
    qtbot.addWidget(widget)  # type: ignore[attr-defined]
    widget.resize(1000, 600)
    widget.show()
    qtbot.waitExposed(widget)  # type: ignore[attr-defined]
    widget.mark_dirty()
    widget.redraw(force=True)
    return widget


def test_flat_signal_is_not_magnified(plot: RingBufferPlot) -> None:
    low, high = plot.plots[0].getViewBox().viewRange()[1]
    assert high - low >= 10.0  # not 69.6 .. 70.4
    assert low < 70.0 < high


def test_setpoint_and_limit_lines(plot: RingBufferPlot) -> None:
    line = plot.setpoint_lines["cutting_speed"]
    assert line.isVisible() and line.value() == 70.0
    limits = [item.value() for item in plot.plots[1].items if hasattr(item, "angle") and item.angle == 0]
    assert {100.0, 120.0} <= set(limits)


def test_legend_beside_the_plot_shows_live_values_then_cursor_values(plot: RingBufferPlot) -> None:
    plot.update_legends()
    band, torque = plain_text(plot.legends[0].text), plain_text(plot.legends[1].text)
    assert "band speed: <b>" in band and "m/min" in band and "target: 70.0 m/min" in band
    assert "torque: <b>" in torque and "guard: 100 %" in torque and "trip: 120 %" in torque
    assert plot.legends[0].sceneBoundingRect().left() >= plot.plots[0].sceneBoundingRect().right()  # outside
    plot.set_cursor(1000.0)
    assert "band speed: <b>70.0</b>" in plot.legends[0].text
    assert "torque: <b>40.0</b>" in plot.legends[1].text


def test_cursor_read_out_clears_off_the_data(plot: RingBufferPlot, qtbot: object) -> None:
    assert plot.values_at(500.0)["band_torque"] is None  # long before the data
    assert plot.values_at(1030.0)["band_torque"] is not None
    with qtbot.waitSignal(plot.cursor_cleared, timeout=1000):  # type: ignore[attr-defined]
        plot.clear_cursor()
