"""Stacked time plots over a RingBuffer: data arrives any time, drawing happens on a timer.

As in pydm's timeplot, arrival only sets a needs-redraw flag; a QTimer (<= 10 Hz) redraws the
visible window with setData on curves created once (never clear() + plot(): pyqtgraph #2348).
Live views page forward (JUMP_FRACTION) rather than slide, so the axis holds still between jumps.
Curves use peak downsampling and clip-to-view, so a 1 h window draws only what the pixels show.

Context (ISA-101 trends): a dashed setpoint line at the newest target, fixed limit lines (guard,
trip), a legend with live values beside each plot (never over the data), and a y range that never
spans less than the panel's ``min_span`` (a flat signal's noise is not magnified) and only moves
when the data leaves it or would fill less than half of it (no jitter frame to frame). A cursor
that no longer sits on the shown data is removed: a read-out never keeps stale values.
"""

from __future__ import annotations

import html
import time
from dataclasses import dataclass, field

import numpy as np
import pyqtgraph as pg
from PySide6.QtCore import QEvent, QLocale, QRectF, Qt, QTimer, Signal
from PySide6.QtGui import QFontMetrics, QHideEvent, QShowEvent
from PySide6.QtWidgets import QGraphicsItem, QWidget

from hmi.formatting import format_number, unit_name, with_unit
from hmi.ring_buffer import FloatArray, RingBuffer
from hmi.widgets.trend_axis import PlantTimeAxis

pg.setConfigOptions(antialias=False, foreground="#303336", background="#e6e7e8")

LEGEND_PX = 190
LEGEND_EVERY_S = 0.5  # live values beside the plot: twice a second is enough to read
# Live views page forward instead of sliding: the time axis holds still while the newest sample
# walks across the last JUMP_FRACTION of the window, then jumps by that much. A sliding axis moves
# every frame and drags five linked views, their ticks, the grid and every pixel of every plot
# along (about half of the page's CPU at a real X window); a still one repaints only the curves.
# The view always holds at least the whole window of history (window_s x (1 + fraction) wide).
JUMP_FRACTION = 0.2


class LocaleAxis(pg.AxisItem):
    """Tick labels with the screen's decimal mark (0,2 in Turkish): pyqtgraph writes a point."""

    def tickStrings(self, values: list[float], scale: float, spacing: float) -> list[str]:
        mark = QLocale().decimalPoint()
        return [text.replace(".", mark) for text in super().tickStrings(values, scale, spacing)]


@dataclass(frozen=True, slots=True)
class CurveSpec:
    column: str
    label: str
    colour: str


@dataclass(frozen=True, slots=True)
class LimitSpec:
    value: float
    label: str
    colour: str = "#d0021b"


@dataclass(frozen=True, slots=True)
class PanelSpec:
    title: str
    unit: str
    curves: list[CurveSpec] = field(default_factory=list)
    # A column (in the buffer) whose newest value is drawn as a dashed line: the setpoint.
    setpoint: str | None = None
    limits: tuple[LimitSpec, ...] = ()  # fixed lines: guard, overload
    # The y axis never spans less than this: noise on a flat signal is not magnified (0: autoscale).
    min_span: float = 0.0
    decimals: int = 1  # of the live values in the legend


class RingBufferPlot(pg.GraphicsLayoutWidget):
    """Stacked plots sharing one time axis; live window, pause, pan/zoom, history, cursor."""

    cursor_moved = Signal(float, object)  # time (s), {column: value or None}
    cursor_cleared = Signal()  # the pointer left the data or the cursor was removed: clear the read-out
    interacted = Signal()  # the user panned or zoomed: the page pauses live scrolling

    def __init__(
        self,
        buffer: RingBuffer,
        panels: list[PanelSpec],
        *,
        rate_hz: float = 10.0,
        parent: QWidget | None = None,
    ) -> None:
        super().__init__(parent=parent)
        self.buffer = buffer
        self.window_s = 60.0
        self.paused = False
        self.history_mode = False
        self._dirty = False
        self._last_redraw = 0.0
        self._programmatic = False
        self._shown: dict[str, tuple[FloatArray, FloatArray]] = {}
        self.plots: list[pg.PlotItem] = []
        self.curves: dict[str, pg.PlotDataItem] = {}
        self.cursors: list[pg.InfiniteLine] = []
        self.panels = panels
        self.legends: list[pg.LabelItem] = []
        self.setpoint_lines: dict[str, pg.InfiniteLine] = {}
        self._legend_at = 0.0
        self.setpoint_label = "target"  # the page sets it in the screen's language
        self._cursor_x: float | None = None
        self._live_x: tuple[float, float] | None = None  # the live view's x range until the next jump
        self._y_ranges: dict[int, tuple[float, float]] = {}  # per plot: the range last set
        self._history_setpoints: dict[str, float] = {}  # setpoint columns' last value in shown history
        self._titles: dict[int, str] = {}  # the left axis titles as fitted (HTML)
        self.frames = 0  # redraws done (benchmarks and tests read it)
        for row, panel in enumerate(panels):
            axis = PlantTimeAxis(orientation="bottom")  # plant time, not the computer's zone
            plot: pg.PlotItem = self.addPlot(row=row, col=0, axisItems={"bottom": axis, "left": LocaleAxis("left")})
            left = plot.getAxis("left")
            left.enableAutoSIPrefix(False)  # g stays g, never "(x0.001)"
            plot.setLabel("left", _axis_title(panel))
            left.setWidth(78)
            # A plot shorter than its title (the stack under the replay bar: 'Band (m/min)' ran into
            # 'Descent (mm/min)'): the unit goes on a second line, the title is cut last.
            left.geometryChanged.connect(lambda r=row: self._fit_title(r))
            # Horizontal grid only, painted by the left axis into a cached pixmap: it changes only
            # with the y range, while vertical lines would scroll (and repaint) every frame.
            plot.showGrid(x=False, y=True, alpha=0.25)
            left.setCacheMode(QGraphicsItem.CacheMode.DeviceCoordinateCache)
            # Grid lines are painted translucent across the whole plot: major ticks only keeps the
            # axes cheap (minor date ticks cost more to paint than the curves).
            plot.getAxis("bottom").setStyle(maxTickLevel=0)
            left.setStyle(maxTickLevel=0)
            plot.setMenuEnabled(False)  # nothing needs a right-click
            plot.hideButtons()
            # The legend with live values stands beside the plot, never over the data.
            legend = pg.LabelItem(justify="left", size="10pt")
            legend.setFixedWidth(LEGEND_PX)
            self.addItem(legend, row=row, col=1)
            self.legends.append(legend)
            for limit in panel.limits:
                line = pg.InfiniteLine(
                    pos=limit.value,
                    angle=0,
                    movable=False,
                    pen=pg.mkPen(limit.colour, width=1, style=Qt.PenStyle.DashLine),
                )
                plot.addItem(line, ignoreBounds=True)
            if panel.setpoint is not None:
                line = pg.InfiniteLine(
                    angle=0, movable=False, pen=pg.mkPen("#000000", width=1, style=Qt.PenStyle.DashLine)
                )
                line.setVisible(False)
                plot.addItem(line, ignoreBounds=True)
                self.setpoint_lines[panel.setpoint] = line
            if self.plots:
                plot.setXLink(self.plots[0])
            if row < len(panels) - 1:
                plot.hideAxis("bottom")  # one time axis under the stack: the plots share it (x-linked)
            if panel.min_span > 0:
                plot.enableAutoRange(axis="y", enable=False)  # ranged in redraw(), never below min_span
                plot.setYRange(0.0, panel.min_span, padding=0)
            else:
                plot.enableAutoRange(axis="y", enable=True)
                plot.setAutoVisible(y=True)
            plot.getViewBox().sigRangeChangedManually.connect(self._on_manual_range)
            for spec in panel.curves:
                curve = plot.plot(
                    name=f"{spec.label}",
                    pen=pg.mkPen(spec.colour, width=1),  # width 1: the cosmetic fast path (1.5 costs ~10x)
                    skipFiniteCheck=True,
                    connect="finite",
                )
                curve.setDownsampling(auto=True, method="peak")
                curve.setClipToView(True)  # off for windows the pixels can show whole: see _fit_curves()
                self.curves[spec.column] = curve
            cursor = pg.InfiniteLine(angle=90, movable=True, pen=pg.mkPen("#5b5f63", width=1))
            cursor.setVisible(False)
            cursor.sigPositionChanged.connect(self._on_cursor_dragged)
            plot.addItem(cursor, ignoreBounds=True)
            self.cursors.append(cursor)
            self.plots.append(plot)
        self.scene().sigMouseClicked.connect(self._on_click)
        self.scene().sigMouseMoved.connect(self._on_move)
        self._timer = QTimer(self)
        self._timer.setInterval(int(1000 / min(10.0, rate_hz)))
        self._timer.timeout.connect(self.redraw)
        self._stopped = False

    # --- data in -----------------------------------------------------------------------

    def mark_dirty(self) -> None:
        self._dirty = True

    def _fit_curves(self, points: int) -> None:
        """Clip-to-view and peak downsampling only where they save work: for a window of more
        samples than the plot has pixels. Below that they cost a second pass over the data at
        every x-range change (pyqtgraph recomputes them on each scroll)."""
        width = max(1.0, float(self.plots[0].getViewBox().width())) if self.plots else 1.0
        reduce = points > width
        for curve in self.curves.values():
            if curve.opts["clipToView"] != reduce:
                curve.setClipToView(reduce)
                curve.setDownsampling(auto=reduce, method="peak")

    def set_window(self, seconds: float) -> None:
        self.window_s = seconds
        self._live_x = None
        self.history_mode = False
        self.paused = False
        self._history_setpoints = {}
        self._dirty = True
        self.redraw(force=True)

    def retitle(self, panels: list[PanelSpec]) -> None:
        """The same panels with texts in another language (titles, curve and limit labels)."""
        if [[c.column for c in p.curves] for p in panels] != [[c.column for c in p.curves] for p in self.panels]:
            raise ValueError("retitle() keeps the panels' curves; build a new plot for other signals")
        self.panels = panels
        for row in range(len(panels)):
            self._fit_title(row, force=True)
        self.update_legends()

    def _fit_title(self, row: int, *, force: bool = False) -> None:
        """The left axis title in the axis's height: one line, else title and unit on two lines,
        else the title cut with an ellipsis (the legend beside the plot names it in full)."""
        if row >= len(self.plots) or row >= len(self.panels):
            return
        panel, axis = self.panels[row], self.plots[row].getAxis("left")
        label = axis.label
        if label is None:  # closed
            return
        room = int(axis.size().height() - 2 * label.document().documentMargin()) - 2
        wanted = title_fitting(panel, QFontMetrics(label.font()), room)
        if force or wanted != self._titles.get(row):
            self._titles[row] = wanted
            axis.setLabel(wanted)
            axis.resizeEvent()  # centred again: pyqtgraph places the label only on a resize

    def axis_title_rects(self) -> list[tuple[QRectF, QRectF]]:
        """(the left axis title's rectangle, its axis's rectangle) per plot, in scene coordinates."""
        out = []
        for plot in self.plots:
            axis = plot.getAxis("left")
            out.append((axis.label.sceneBoundingRect(), axis.sceneBoundingRect()))
        return out

    def has_data(self) -> bool:
        """Anything to draw: live samples in the buffer, or a shown history range with rows."""
        if self.history_mode:
            return any(t.size for t, _y in self._shown.values())
        return len(self.buffer) > 0

    def set_paused(self, paused: bool) -> None:
        if paused and not self.paused:
            # The ring buffer keeps filling under the views: freeze copies of what is shown.
            self._shown = {k: (t.copy(), y.copy()) for k, (t, y) in self._shown.items()}
            for column, (t, y) in self._shown.items():
                self.curves[column].setData(t, y, skipFiniteCheck=True, connect="finite")
        self.paused = paused
        if not paused:
            self._live_x = None  # back to live: a fresh range (the user may have panned)
            self.history_mode = False
            self._history_setpoints = {}
            self._dirty = True
            self.redraw(force=True)

    def show_range(
        self, times: FloatArray, values: dict[str, FloatArray], *, start: float | None = None, end: float | None = None
    ) -> None:
        """Show fixed data (e.g. from raw.db) and stop live scrolling; the x axis spans [start, end]
        when given (the period asked for, data or not), else the data."""
        self.paused = True
        self.history_mode = True
        self._live_x = None
        self._shown = {}
        self._fit_curves(int(times.size))
        for column, curve in self.curves.items():
            y = values.get(column, np.full(times.shape, np.nan))
            self._shown[column] = (times, y)
            curve.setData(times, y, skipFiniteCheck=True, connect="finite")
        # The target lines show what the setpoint was at the end of the range, not the live one.
        self._history_setpoints = {}
        for column in self.setpoint_lines:
            target = values.get(column)
            finite = target[np.isfinite(target)] if target is not None and target.size else np.empty(0)
            if finite.size:
                self._history_setpoints[column] = float(finite[-1])
        self._y_ranges.clear()  # another range of data: fit it afresh
        if start is not None and end is not None and end > start:
            self._set_x(start, end)  # an empty period too: the axis shows what was asked, not the live range
        elif times.size:
            self._set_x(float(times[0]), float(times[-1]))
        self._range_and_lines()
        self._drop_stale_cursor()
        self.update_legends()
        self.frames += 1

    # --- drawing -----------------------------------------------------------------------

    def min_redraw_interval_s(self) -> float:
        """Redraw no more often than the timer allows, nor than one pixel's worth of time.

        A 1 h window on ~1200 px moves one pixel every 3 s: redrawing it at 10 Hz would cost
        a frame's CPU thirty times for nothing.
        """
        width = max(1.0, float(self.plots[0].getViewBox().width()))
        return max(self._timer.interval() / 1000.0, self.window_s / width) if self.plots else 0.0

    def redraw(self, *, force: bool = False) -> None:
        if self.paused or not self._dirty or not self.isVisible():
            return
        now = time.monotonic()
        if not force and now - self._last_redraw < self.min_redraw_interval_s() - 0.005:
            return
        self._last_redraw = now
        self._dirty = False
        newest = self.buffer.times()
        if newest.size == 0:
            return
        end = float(newest[-1])
        start, stop = self.live_range(end)
        n = self.buffer.since(start)
        self._fit_curves(n)
        t = self.buffer.times(n)
        for column, curve in self.curves.items():
            y = self.buffer.values(column, n)
            self._shown[column] = (t, y)
            curve.setData(t, y, skipFiniteCheck=True, connect="finite")
        self._set_x(start, stop)
        self._range_and_lines()
        self._drop_stale_cursor()
        if now - self._legend_at >= LEGEND_EVERY_S:
            self._legend_at = now
            self.update_legends()
        self.frames += 1

    def live_range(self, newest: float) -> tuple[float, float]:
        """The live view's x range for the newest sample time: held until that sample passes its
        right edge (or time goes back: a replay jumped), then the newest window plus the fraction ahead."""
        current = self._live_x
        if current is None or not current[1] - self.window_s * (1.0 + JUMP_FRACTION) <= newest <= current[1]:
            current = (newest - self.window_s, newest + self.window_s * JUMP_FRACTION)
            self._live_x = current
        return current

    def _setpoint(self, column: str) -> float:
        if self.history_mode:
            return self._history_setpoints.get(column, float("nan"))
        values = self.buffer.values(column, 1) if column in self.buffer.columns else np.empty(0)
        return float(values[-1]) if values.size else float("nan")

    def _range_and_lines(self) -> None:
        """Setpoint lines at the newest setpoint; y ranges that never magnify noise below min_span."""
        for column, line in self.setpoint_lines.items():
            value = self._setpoint(column)
            line.setVisible(bool(np.isfinite(value)))
            if np.isfinite(value) and line.value() != value:
                line.setValue(value)
        for index, (panel, plot) in enumerate(zip(self.panels, self.plots, strict=True)):
            if panel.min_span <= 0:
                continue
            wanted = self._wanted_range(panel)
            if wanted is None:
                continue
            low, high = wanted
            current = self._y_ranges.get(index)
            if current is not None:
                inside = current[0] <= low and high <= current[1]
                # Hold still while the data fits and fills at least half of the range: no jitter.
                if inside and (high - low) >= 0.5 * (current[1] - current[0]):
                    continue
            self._y_ranges[index] = (low, high)
            plot.setYRange(low, high, padding=0)

    def _wanted_range(self, panel: PanelSpec) -> tuple[float, float] | None:
        """The data (and the setpoint and limits) with 10 % room, never narrower than ``min_span``."""
        low, high = np.inf, -np.inf
        for spec in panel.curves:
            y = self._shown.get(spec.column, (None, np.empty(0)))[1]
            finite = y[np.isfinite(y)] if y.size else y
            if finite.size:
                low, high = min(low, float(finite.min())), max(high, float(finite.max()))
        line = self.setpoint_lines.get(panel.setpoint or "")
        if line is not None and line.isVisible():
            low, high = min(low, line.value()), max(high, line.value())
        if not np.isfinite(low):
            return None
        for limit in panel.limits:  # the limits are the context: always in view
            low, high = min(low, limit.value), max(high, limit.value)
        span = max(high - low, panel.min_span)
        centre = (high + low) / 2
        return centre - span * 0.55, centre + span * 0.55

    def update_legends(self) -> None:
        """Colour, name and value of each curve beside its plot: live, or at the cursor when one is placed."""
        at = self._cursor_x
        values = self.values_at(at) if at is not None else {c: self._latest(c) for c in self.curves}
        for panel, legend in zip(self.panels, self.legends, strict=True):
            lines = []
            for spec in panel.curves:
                value = values.get(spec.column)
                shown = format_number(value, panel.decimals)  # the screen's locale: 62,7 in Turkish
                lines.append(
                    f'<span style="color:{spec.colour}">&#9632;</span> {spec.label}: '
                    + with_unit(f"<b>{shown}</b>", panel.unit)
                )
            if panel.setpoint is not None:
                line = self.setpoint_lines[panel.setpoint]
                target = format_number(line.value() if line.isVisible() else None, panel.decimals)
                lines.append(f"- - {self.setpoint_label}: {with_unit(target, panel.unit)}")
            for limit in panel.limits:
                limit_text = format_number(limit.value, 0 if limit.value.is_integer() else panel.decimals)
                lines.append(
                    f'<span style="color:{limit.colour}">- -</span> {limit.label}: ' + with_unit(limit_text, panel.unit)
                )
            text = "<br>".join(lines)
            if text != legend.text:
                legend.setText(text)

    def _latest(self, column: str) -> float | None:
        _t, y = self._shown.get(column, (np.empty(0), np.empty(0)))
        if y.size == 0 or not np.isfinite(y[-1]):
            return None
        return float(y[-1])

    def _set_x(self, start: float, end: float) -> None:
        if self.plots and self.plots[0].getViewBox().viewRange()[0] == [start, end]:
            return  # unchanged: no linked views, ticks or grid to redo
        self._programmatic = True
        try:
            self.plots[0].setXRange(start, end, padding=0)
        finally:
            self._programmatic = False

    def stop(self) -> None:
        """Stop drawing for good (the window is closing)."""
        self._stopped = True
        self._timer.stop()

    # The redraw timer runs only while the plot is on screen: a hidden page costs nothing.
    def showEvent(self, event: QShowEvent) -> None:
        super().showEvent(event)
        if not self._stopped:
            self._dirty = True
            self._timer.start()

    def hideEvent(self, event: QHideEvent) -> None:
        self._timer.stop()
        super().hideEvent(event)

    # --- interaction -------------------------------------------------------------------

    def _on_manual_range(self, *_args: object) -> None:
        if not self._programmatic:
            self.interacted.emit()

    def _on_click(self, event: object) -> None:
        pos = event.scenePos()  # type: ignore[attr-defined]
        self._place_cursor_at_scene(pos)

    def _on_move(self, pos: object) -> None:
        if any(c.isVisible() for c in self.cursors):
            return  # a placed cursor stays where it was put (touch has no hover)
        self._show_readout_at_scene(pos)

    def leaveEvent(self, event: QEvent) -> None:
        super().leaveEvent(event)
        if not any(c.isVisible() for c in self.cursors):
            self.cursor_cleared.emit()  # no stale read-out

    def _place_cursor_at_scene(self, pos: object) -> None:
        for plot in self.plots:
            if plot.sceneBoundingRect().contains(pos):
                x = plot.getViewBox().mapSceneToView(pos).x()
                self.set_cursor(x)
                return

    def _show_readout_at_scene(self, pos: object) -> None:
        for plot in self.plots:
            if plot.sceneBoundingRect().contains(pos):
                x = plot.getViewBox().mapSceneToView(pos).x()
                self.cursor_moved.emit(x, self.values_at(x))
                return
        self.cursor_cleared.emit()  # off the plots: nothing to read

    def set_cursor(self, x: float) -> None:
        """Place the cursor at time ``x``; where no curve has a sample there is nothing to read: none."""
        if all(value is None for value in self.values_at(x).values()):
            self.clear_cursor()
            return
        self._cursor_x = x
        for cursor in self.cursors:
            cursor.blockSignals(True)
            cursor.setValue(x)
            cursor.setVisible(True)
            cursor.blockSignals(False)
        self.cursor_moved.emit(x, self.values_at(x))
        self.update_legends()

    def clear_cursor(self) -> None:
        self._cursor_x = None
        for cursor in self.cursors:
            cursor.setVisible(False)
        self.cursor_cleared.emit()
        self.update_legends()

    def cursor_x(self) -> float | None:
        return self._cursor_x

    def _drop_stale_cursor(self) -> None:
        """A placed cursor whose time has scrolled out of the shown data reads nothing: remove it."""
        x = self._cursor_x
        if x is None:
            return
        if all(value is None for value in self.values_at(x).values()):
            self.clear_cursor()

    def _on_cursor_dragged(self, line: pg.InfiniteLine) -> None:
        self.set_cursor(float(line.value()))

    def values_at(self, x: float) -> dict[str, float | None]:
        """The sample nearest to time ``x`` in each curve as currently shown."""
        out: dict[str, float | None] = {}
        for column, (t, y) in self._shown.items():
            if t.size == 0 or not np.isfinite(x):
                out[column] = None
                continue
            step = float(t[-1] - t[0]) / max(t.size - 1, 1)
            if x < t[0] - step or x > t[-1] + step:
                out[column] = None  # outside the data: nothing to read there
                continue
            i = int(np.clip(np.searchsorted(t, x), 0, t.size - 1))
            if i > 0 and abs(t[i - 1] - x) < abs(t[i] - x):
                i -= 1
            value = float(y[i])
            out[column] = None if np.isnan(value) else value
        return out

    def shown(self, column: str) -> tuple[FloatArray, FloatArray]:
        return self._shown.get(column, (np.empty(0), np.empty(0)))


def _axis_title(panel: PanelSpec) -> str:
    return f"{panel.title} ({unit_name(panel.unit)})" if panel.unit else panel.title


def title_fitting(panel: PanelSpec, metrics: QFontMetrics, room: int) -> str:
    """The axis title (HTML) for ``room`` px of axis height: "Descent (mm/min)", else "Descent" over
    "(mm/min)", else the longer line cut with an ellipsis."""
    one = _axis_title(panel)
    if room <= 0 or metrics.horizontalAdvance(one) <= room or not panel.unit:
        lines = [one]
    else:
        lines = [panel.title, f"({unit_name(panel.unit)})"]
    fitted = [metrics.elidedText(line, Qt.TextElideMode.ElideRight, room) if room > 0 else line for line in lines]
    return "<br>".join(html.escape(line) for line in fitted)
