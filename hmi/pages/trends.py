"""Trends: band current, torque, vibration X/Y/Z and the two speeds, stacked on one time axis.

Every time on the page (axis, cursor read-out, history picker) is plant time (machine.time_zone,
hmi.widgets.trend_axis), as on every other page. Live windows of 1 min, 10 min and 1 h come from an
in-memory ring buffer sized for an hour at the poll rate; older ranges come from raw.db (read-only).
Pause, pan and zoom stop live scrolling; "Live" resumes. A tap or click places a cursor whose values
show in the read-out line and in the legends; the cursor is removed (and the read-out cleared)
when it no longer sits on the data.

Context on every plot (issue #15): the speeds' targets as dashed lines, the current and torque
limits of the overview's bars (hmi.bars: guard and trip), a legend with live values beside each
plot, and a minimum y span per signal so a flat signal's noise is not magnified. Every text is
tr()'d; the page retranslates on a language switch.
"""

from __future__ import annotations

import asyncio
import time

from PySide6.QtCore import QEvent, QObject, Qt, QTimeZone
from PySide6.QtWidgets import (
    QButtonGroup,
    QComboBox,
    QDateTimeEdit,
    QHBoxLayout,
    QLabel,
    QPushButton,
    QSizePolicy,
    QVBoxLayout,
    QWidget,
)

from core.config import Settings
from core.snapshot import Snapshot
from hmi.bridge import EngineBridge
from hmi.code_names import reason_text
from hmi.formatting import decimals_for, format_g, format_number, plant_epoch_ms, plant_time, plant_wall, unit_suffix
from hmi.i18n import translate
from hmi.kiosk import TOUCH_PX
from hmi.ring_buffer import RingBuffer
from hmi.tasks import spawn
from hmi.widgets.analog_bar import guard_name
from hmi.widgets.ring_plot import CurveSpec, LimitSpec, PanelSpec, RingBufferPlot
from hmi.widgets.style import set_state

GUARD_COLOUR, TRIP_COLOUR = "#c06000", "#d0021b"  # dashed limit lines (ISA-101: colour for the abnormal)
# Minimum y span per panel: below it a signal's noise would fill the plot (69.6 .. 70.4 m/min).
MIN_SPAN = {
    "band_current": 10.0,
    "band_torque": 20.0,
    "vibration": 0.2,
    "cutting_speed_actual": 10.0,
    "descent_speed_actual": 10.0,
}
SETPOINTS = ("cutting_speed", "descent_speed")  # targets in the buffer: drawn as lines, not curves
READOUT_PX = 30
WINDOW_SECONDS = (60.0, 600.0, 3600.0)
HISTORY_SECONDS = (60.0, 600.0, 3600.0, 8 * 3600.0, 86400.0)


def _limits(settings: Settings, name: str) -> tuple[LimitSpec, ...]:
    bar = settings.hmi.bars.get(name)
    if bar is None:
        return ()
    limits = []
    if bar.guard is not None:
        limits.append(LimitSpec(bar.guard, guard_name(settings, name, bar.guard), GUARD_COLOUR))
    if bar.overload is not None:
        limits.append(LimitSpec(bar.overload, translate("TrendsPage", "trip"), TRIP_COLOUR))
    return tuple(limits)


def make_panels(settings: Settings) -> list[PanelSpec]:
    """The page's plots in the screen's language; limits from the overview's bars (one source)."""
    return [
        PanelSpec(
            translate("TrendsPage", "Current"),
            "A",
            [CurveSpec("band_current", translate("TrendsPage", "current"), "#1f4e79")],
            limits=_limits(settings, "band_current"),
            min_span=MIN_SPAN["band_current"],
            decimals=1,
        ),
        PanelSpec(
            translate("TrendsPage", "Torque"),
            "%",
            [CurveSpec("band_torque", translate("TrendsPage", "torque"), "#1f4e79")],
            limits=_limits(settings, "band_torque"),
            min_span=MIN_SPAN["band_torque"],
            decimals=0,
        ),
        PanelSpec(
            translate("TrendsPage", "Vibration"),
            "g",
            [
                CurveSpec("vibration_x", "X", "#1f4e79"),
                CurveSpec("vibration_y", "Y", "#7a5c00"),
                CurveSpec("vibration_z", "Z", "#4d6b3c"),
            ],
            min_span=MIN_SPAN["vibration"],
            decimals=3,
        ),
        PanelSpec(
            translate("TrendsPage", "Band"),
            "m/min",
            [CurveSpec("cutting_speed_actual", translate("TrendsPage", "band speed"), "#1f4e79")],
            setpoint="cutting_speed",
            min_span=MIN_SPAN["cutting_speed_actual"],
            decimals=1,
        ),
        PanelSpec(
            translate("TrendsPage", "Descent"),
            "mm/min",
            [CurveSpec("descent_speed_actual", translate("TrendsPage", "descent"), "#1f4e79")],
            setpoint="descent_speed",
            min_span=MIN_SPAN["descent_speed_actual"],
            decimals=1,
        ),
    ]


CURVE_COLUMNS = [
    "band_current",
    "band_torque",
    "vibration_x",
    "vibration_y",
    "vibration_z",
    "cutting_speed_actual",
    "descent_speed_actual",
]
COLUMNS = [*CURVE_COLUMNS, *SETPOINTS]  # what the buffer keeps and history reads


def period_words(start_s: float, end_s: float) -> tuple[str, str]:
    """A period's ends in plant time: the end's date only when it is another day."""
    start = plant_time(start_s * 1000, "yyyy-MM-dd HH:mm")
    same_day = plant_time(start_s * 1000, "yyyy-MM-dd") == plant_time(end_s * 1000, "yyyy-MM-dd")
    return start, plant_time(end_s * 1000, "HH:mm" if same_day else "yyyy-MM-dd HH:mm")


def window_label(seconds: float) -> str:
    if seconds >= 3600:
        return translate("TrendsPage", "%1 h").replace("%1", format_g(seconds / 3600))
    return translate("TrendsPage", "%1 min").replace("%1", format_g(seconds / 60))


class PlotHint(QLabel):
    """A centred line over the plot while it has nothing to draw (the plot's EmptyHint)."""

    def __init__(self, plot: RingBufferPlot) -> None:
        super().__init__(plot)
        self.setObjectName("EmptyHint")
        self.setAlignment(Qt.AlignmentFlag.AlignCenter)
        self.setWordWrap(True)
        self.setAttribute(Qt.WidgetAttribute.WA_TransparentForMouseEvents)
        self.setStyleSheet("QLabel#EmptyHint { color: #5b5f63; font-size: 14pt; background: transparent; }")
        self._plot = plot
        plot.installEventFilter(self)

    def refresh(self) -> None:
        empty = not self._plot.has_data()
        if empty:
            self.setGeometry(self._plot.rect())
        if empty == self.isHidden():  # isHidden: its own state, whether or not the page is shown
            self.setVisible(empty)

    def eventFilter(self, watched: QObject, event: QEvent) -> bool:
        if event.type() == QEvent.Type.Resize:
            self.setGeometry(self._plot.rect())
        return False


class TrendsPage(QWidget):
    def __init__(self, bridge: EngineBridge, *, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setObjectName("TrendsPage")
        settings = bridge.engine.settings
        self._settings = settings
        self._register_map = bridge.engine.register_map
        capacity = int(3600 * settings.modbus.read_rate_hz * 1.1) + 16
        self.buffer = RingBuffer(COLUMNS, capacity)
        self.engine = bridge.engine
        self.history_task: asyncio.Task[bool] | None = None
        self._history_period: tuple[str, str] | None = None  # the loaded period, as the screen says it
        self.panels = make_panels(settings)
        self.plot = RingBufferPlot(self.buffer, self.panels, rate_hz=settings.hmi.plot_rate_hz, parent=self)
        self.hint = PlotHint(self.plot)
        self._message_key: tuple[str, tuple[str, ...]] = ("", ())

        self.window_buttons = QButtonGroup(self)
        toolbar = QHBoxLayout()
        for i, seconds in enumerate(WINDOW_SECONDS):
            button = QPushButton(self)
            button.setCheckable(True)
            button.setMinimumSize(96, TOUCH_PX)
            button.clicked.connect(lambda _c=False, s=seconds: self.set_window(s))
            self.window_buttons.addButton(button, i)
            toolbar.addWidget(button)
        self.window_buttons.button(0).setChecked(True)
        self.pause_button = QPushButton(self)
        self.pause_button.setCheckable(True)
        self.pause_button.setMinimumSize(110, TOUCH_PX)
        self.pause_button.toggled.connect(self._on_pause)
        toolbar.addWidget(self.pause_button)
        self.clear_cursor_button = QPushButton(self)
        self.clear_cursor_button.setObjectName("ClearCursorButton")
        self.clear_cursor_button.setMinimumSize(110, TOUCH_PX)
        self.clear_cursor_button.clicked.connect(self.plot.clear_cursor)
        toolbar.addWidget(self.clear_cursor_button)
        toolbar.addSpacing(24)
        self.history_caption = QLabel(self)
        toolbar.addWidget(self.history_caption)
        # Plant wall time (machine.time_zone), held zone-less so the computer's zone never shifts it.
        self.history_start = QDateTimeEdit(plant_wall(int(time.time() * 1000) - 3600_000), self)
        self.history_start.setTimeZone(QTimeZone.utc())
        self.history_start.setDisplayFormat("yyyy-MM-dd HH:mm")
        self.history_start.setCalendarPopup(True)
        self.history_start.setMinimumHeight(TOUCH_PX)
        toolbar.addWidget(self.history_start)
        self.history_span = QComboBox(self)
        self.history_span.setMinimumHeight(TOUCH_PX)
        for seconds in HISTORY_SECONDS:
            self.history_span.addItem("", seconds)
        self.history_span.setCurrentIndex(2)
        toolbar.addWidget(self.history_span)
        self.load_button = QPushButton(self)
        self.load_button.setMinimumSize(96, TOUCH_PX)
        self.load_button.clicked.connect(self.load_history_from_controls)
        toolbar.addWidget(self.load_button)
        toolbar.addStretch(1)

        # The read-out and the message share one fixed-height line: nothing below them ever moves.
        self.readout = QLabel(self)
        self.readout.setObjectName("TrendReadout")
        self.readout.setSizePolicy(QSizePolicy.Policy.Ignored, QSizePolicy.Policy.Fixed)
        self.readout.setFixedHeight(READOUT_PX)
        self.message = QLabel("", self)
        self.message.setObjectName("TrendMessage")
        self.message.setFixedHeight(READOUT_PX)
        self.message.setVisible(False)
        info = QHBoxLayout()
        info.addWidget(self.readout, 1)
        info.addWidget(self.message)

        layout = QVBoxLayout(self)
        layout.addLayout(toolbar)
        layout.addLayout(info)
        layout.addWidget(self.plot, 1)

        bridge.snapshot.connect(self._on_snapshot)
        bridge.replay_reset.connect(self._on_stream_reset)  # replay (hmi/widgets/replay_bar.py)
        bridge.replay_between.connect(self._on_between)
        self.plot.cursor_moved.connect(self._on_cursor)
        self.plot.cursor_cleared.connect(self._on_cursor_cleared)
        self.plot.interacted.connect(lambda: self.pause_button.setChecked(True))
        self.retranslate()

    # --- language ----------------------------------------------------------------------

    def retranslate(self) -> None:
        for i, seconds in enumerate(WINDOW_SECONDS):
            self.window_buttons.button(i).setText(window_label(seconds))
        self.pause_button.setText(self.tr("Live") if self.pause_button.isChecked() else self.tr("Pause"))
        self.clear_cursor_button.setText(self.tr("Remove cursor"))
        self.history_caption.setText(self.tr("History from"))
        for i, seconds in enumerate(HISTORY_SECONDS):
            self.history_span.setItemText(i, window_label(seconds))
        self.load_button.setText(self.tr("Load"))
        self.panels = make_panels(self._settings)
        self.plot.setpoint_label = self.tr("target")
        self.plot.retitle(self.panels)
        if self.plot.cursor_x() is None:
            self._on_cursor_cleared()
        else:
            self.plot.set_cursor(self.plot.cursor_x() or 0.0)
        self._say(self._message_key[0], *self._message_key[1])
        self._update_hint()

    def changeEvent(self, event: QEvent) -> None:
        super().changeEvent(event)
        if event.type() == QEvent.Type.LanguageChange and hasattr(self, "hint"):
            self.retranslate()

    # --- data --------------------------------------------------------------------------

    def _on_snapshot(self, snapshot: Snapshot) -> None:
        self.buffer.append(snapshot.ts_ms / 1000.0, dict(snapshot.values))
        self.plot.mark_dirty()
        if not self.hint.isHidden():  # shown, even while this page is not (data came meanwhile)
            self._update_hint()

    def _on_between(self, snapshots: list[Snapshot]) -> None:
        """Replayed samples before the newest of a delivery (the newest comes as a snapshot)."""
        for snapshot in snapshots:
            self.buffer.append(snapshot.ts_ms / 1000.0, dict(snapshot.values))

    def _on_stream_reset(self) -> None:
        """A replay started or jumped, or the screen went back to live: the held samples are another time's."""
        self.buffer.clear()
        self.pause_button.setChecked(False)
        self.plot.clear_cursor()  # a cursor on the other time's samples would read nothing true
        self.plot.mark_dirty()
        self._update_hint()

    def _update_hint(self) -> None:
        """Live: the plots fill as samples arrive. A loaded period without samples: that period, by name
        (the live hint stayed over the chosen period's empty axis)."""
        period = self._history_period if self.plot.history_mode else None
        if period is None:
            self.hint.setText(self.tr("No data yet: the plots fill as samples arrive from the saw."))
        else:
            self.hint.setText(
                self.tr("No samples recorded from %1 to %2").replace("%1", period[0]).replace("%2", period[1])
            )
        self.hint.refresh()

    # --- controls ----------------------------------------------------------------------

    def set_window(self, seconds: float) -> None:
        self._say("")
        self.pause_button.blockSignals(True)
        self.pause_button.setChecked(False)
        self.pause_button.setText(self.tr("Pause"))
        self.pause_button.blockSignals(False)
        self.plot.set_window(seconds)
        self._update_hint()

    def _on_pause(self, paused: bool) -> None:
        self.pause_button.setText(self.tr("Live") if paused else self.tr("Pause"))
        self.plot.set_paused(paused)
        if not paused:
            self._say("")
            self._update_hint()

    def load_history_from_controls(self) -> None:
        wall = self.history_start.dateTime()  # typed in plant time
        start = plant_epoch_ms(wall.date(), wall.time()) / 1000.0
        span = float(self.history_span.currentData())
        if self.history_task is not None and not self.history_task.done():
            return  # one read at a time; the button works again when it is back
        self._say("Reading raw.db…")
        self.history_task = spawn(self.load_history(float(start), float(start) + span))

    async def load_history(self, start_s: float, end_s: float) -> bool:
        """Show raw.db's samples for [start, end); False (with the reason shown) if unreadable.
        The engine reads in a worker thread: the poll loop and the screen keep running."""
        self.load_button.setEnabled(False)
        try:
            result = await self.engine.history(COLUMNS, int(start_s * 1000), int(end_s * 1000))
        finally:
            self.load_button.setEnabled(True)
        if not result.ok or result.value is None:
            self._say("History unavailable: %1", reason_text(result))
            return False
        data = result.value
        self._history_period = period_words(start_s, end_s)
        self.pause_button.blockSignals(True)
        self.pause_button.setChecked(True)
        self.pause_button.setText(self.tr("Live"))
        self.pause_button.blockSignals(False)
        self.plot.show_range(data.times, data.values, start=start_s, end=end_s)
        self._update_hint()
        if data.rows == 0:
            self._say("No recorded samples from %1 to %2", *self._history_period)
        else:
            when = plant_time(start_s * 1000, "yyyy-MM-dd HH:mm")
            self._say(
                "raw.db from %1: %2 samples (min/max per interval)" if data.reduced else "raw.db from %1: %2 samples",
                when,
                str(data.rows),
            )
        return True

    def _say(self, key: str, *args: str) -> None:
        """Show message ``key`` (an English source text) in the screen's language, %1.. filled."""
        self._message_key = (key, args)
        count = int(args[1]) if len(args) > 1 and args[1].isdigit() else -1  # the %n texts' plural form
        texts = {
            "Reading raw.db…": self.tr("Reading raw.db…"),
            "History unavailable: %1": self.tr("History unavailable: %1"),
            "No recorded samples from %1 to %2": self.tr("No recorded samples from %1 to %2"),
            "raw.db from %1: %2 samples": self.tr("raw.db from %1: %n samples", "", count),
            "raw.db from %1: %2 samples (min/max per interval)": self.tr(
                "raw.db from %1: %n samples (min/max per interval)", "", count
            ),
        }
        text = texts.get(key, key)
        for i, value in enumerate(args, start=1):
            text = text.replace(f"%{i}", value)
        self.message.setText(text)
        self.message.setToolTip(text)
        self.message.setVisible(bool(text))

    def _on_cursor(self, x: float, values: dict[str, float | None]) -> None:
        if all(values.get(column) is None for column in CURVE_COLUMNS):
            self._on_cursor_cleared()  # nothing under the cursor: never an old reading
            return
        stamp = plant_time(round(x * 1000), "HH:mm:ss", tenths=True)  # plant time, as the axis
        parts = [stamp]
        for panel in self.panels:  # one item per plot: "Vibration X 0.190 Y 0.150 Z 0.100 g"
            readings = []
            for curve in panel.curves:
                text = format_number(values.get(curve.column), decimals_for(self._register_map[curve.column]))
                readings.append(f"{curve.label} {text}" if len(panel.curves) > 1 else text)
            parts.append(f"{panel.title} {' '.join(readings)}{unit_suffix(panel.unit)}")  # unit: on its line
        text = "   ".join(parts)
        self.readout.setText(text)
        set_state(self.readout, "reading")  # the numbers in columns (monospace) while a cursor reads
        self.readout.setToolTip(text)
        self.clear_cursor_button.setEnabled(self.plot.cursor_x() is not None)

    def _on_cursor_cleared(self) -> None:
        self.readout.setText(self.tr("Tap a plot to place the cursor"))
        set_state(self.readout, "hint")  # a sentence: the screen's own font, not monospace
        self.clear_cursor_button.setEnabled(self.plot.cursor_x() is not None)
