"""Trends: band current, torque, vibration X/Y/Z and the two speeds, stacked on one time axis.

Live windows of 1 min, 10 min and 1 h come from an in-memory ring buffer sized for an hour at the
poll rate; older ranges come from raw.db (read-only). Pause, pan and zoom stop live scrolling;
"Live" resumes. A tap or click places a cursor whose values show in the read-out line.
"""

from __future__ import annotations

import asyncio
import time
from datetime import datetime

from PySide6.QtCore import QDateTime
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

from core.snapshot import Snapshot
from hmi.bridge import EngineBridge
from hmi.formatting import decimals_for, format_number
from hmi.ring_buffer import RingBuffer
from hmi.tasks import spawn
from hmi.widgets.ring_plot import CurveSpec, PanelSpec, RingBufferPlot

PANELS = [
    PanelSpec("Current", "A", [CurveSpec("band_current", "current", "#1f4e79")]),
    PanelSpec("Torque", "%", [CurveSpec("band_torque", "torque", "#1f4e79")]),
    PanelSpec(
        "Vibration",
        "g",
        [
            CurveSpec("vibration_x", "X", "#1f4e79"),
            CurveSpec("vibration_y", "Y", "#7a5c00"),
            CurveSpec("vibration_z", "Z", "#4d6b3c"),
        ],
    ),
    PanelSpec("Band", "m/min", [CurveSpec("cutting_speed_actual", "band speed", "#1f4e79")]),
    PanelSpec("Descent", "mm/min", [CurveSpec("descent_speed_actual", "descent", "#1f4e79")]),
]
COLUMNS = [curve.column for panel in PANELS for curve in panel.curves]
WINDOWS = [("1 min", 60.0), ("10 min", 600.0), ("1 h", 3600.0)]
HISTORY_SPANS = [("1 min", 60.0), ("10 min", 600.0), ("1 h", 3600.0), ("8 h", 8 * 3600.0), ("24 h", 86400.0)]


class TrendsPage(QWidget):
    def __init__(self, bridge: EngineBridge, *, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setObjectName("TrendsPage")
        settings = bridge.engine.settings
        self._register_map = bridge.engine.register_map
        capacity = int(3600 * settings.modbus.read_rate_hz * 1.1) + 16
        self.buffer = RingBuffer(COLUMNS, capacity)
        self.engine = bridge.engine
        self.history_task: asyncio.Task[bool] | None = None
        self.plot = RingBufferPlot(self.buffer, PANELS, rate_hz=settings.hmi.plot_rate_hz, parent=self)

        self.window_buttons = QButtonGroup(self)
        toolbar = QHBoxLayout()
        for i, (label, seconds) in enumerate(WINDOWS):
            button = QPushButton(label, self)
            button.setCheckable(True)
            button.setMinimumSize(96, 48)
            button.clicked.connect(lambda _c=False, s=seconds: self.set_window(s))
            self.window_buttons.addButton(button, i)
            toolbar.addWidget(button)
        self.window_buttons.button(0).setChecked(True)
        self.pause_button = QPushButton("Pause", self)
        self.pause_button.setCheckable(True)
        self.pause_button.setMinimumSize(110, 48)
        self.pause_button.toggled.connect(self._on_pause)
        toolbar.addWidget(self.pause_button)
        toolbar.addSpacing(24)
        toolbar.addWidget(QLabel("History from", self))
        self.history_start = QDateTimeEdit(QDateTime.currentDateTime().addSecs(-3600), self)
        self.history_start.setDisplayFormat("yyyy-MM-dd HH:mm")
        self.history_start.setCalendarPopup(True)
        self.history_start.setMinimumHeight(48)
        toolbar.addWidget(self.history_start)
        self.history_span = QComboBox(self)
        self.history_span.setMinimumHeight(48)
        for label, seconds in HISTORY_SPANS:
            self.history_span.addItem(label, seconds)
        self.history_span.setCurrentIndex(2)
        toolbar.addWidget(self.history_span)
        self.load_button = QPushButton("Load", self)
        self.load_button.setMinimumSize(96, 48)
        self.load_button.clicked.connect(self.load_history_from_controls)
        toolbar.addWidget(self.load_button)
        toolbar.addStretch(1)

        self.readout = QLabel("Tap a plot to place the cursor", self)
        self.readout.setObjectName("TrendReadout")
        self.readout.setWordWrap(True)
        self.readout.setSizePolicy(QSizePolicy.Policy.Ignored, QSizePolicy.Policy.Preferred)
        self.message = QLabel("", self)
        self.message.setObjectName("TrendMessage")
        self.message.setVisible(False)

        layout = QVBoxLayout(self)
        layout.addLayout(toolbar)
        layout.addWidget(self.readout)
        layout.addWidget(self.message)
        layout.addWidget(self.plot, 1)

        bridge.snapshot.connect(self._on_snapshot)
        self.plot.cursor_moved.connect(self._on_cursor)
        self.plot.interacted.connect(lambda: self.pause_button.setChecked(True))

    # --- data --------------------------------------------------------------------------

    def _on_snapshot(self, snapshot: Snapshot) -> None:
        self.buffer.append(snapshot.ts_ms / 1000.0, dict(snapshot.values))
        self.plot.mark_dirty()

    # --- controls ----------------------------------------------------------------------

    def set_window(self, seconds: float) -> None:
        self._say("")
        self.pause_button.blockSignals(True)
        self.pause_button.setChecked(False)
        self.pause_button.setText("Pause")
        self.pause_button.blockSignals(False)
        self.plot.set_window(seconds)

    def _on_pause(self, paused: bool) -> None:
        self.pause_button.setText("Live" if paused else "Pause")
        self.plot.set_paused(paused)
        if not paused:
            self._say("")

    def load_history_from_controls(self) -> None:
        start = self.history_start.dateTime().toSecsSinceEpoch()
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
            self._say(f"History unavailable: {result.reason}")
            return False
        data = result.value
        self.pause_button.blockSignals(True)
        self.pause_button.setChecked(True)
        self.pause_button.setText("Live")
        self.pause_button.blockSignals(False)
        self.plot.show_range(data.times, data.values)
        if data.rows == 0:
            self._say("No recorded samples in this range")
        else:
            when = datetime.fromtimestamp(start_s).strftime("%Y-%m-%d %H:%M")
            detail = " (min/max per interval)" if data.reduced else ""
            self._say(f"raw.db from {when}: {data.rows} samples{detail}")
        return True

    def _say(self, text: str) -> None:
        self.message.setText(text)
        self.message.setVisible(bool(text))

    def _on_cursor(self, x: float, values: dict[str, float | None]) -> None:
        stamp = time.strftime("%H:%M:%S", time.localtime(x)) + f".{int((x % 1) * 10)}"
        parts = [stamp]
        for panel in PANELS:
            for curve in panel.curves:
                register = self._register_map[curve.column]
                text = format_number(values.get(curve.column), decimals_for(register))
                label = f"{panel.title} {curve.label}" if len(panel.curves) > 1 else panel.title
                parts.append(f"{label} {text} {register.unit}")
        self.readout.setText("   ".join(parts))
