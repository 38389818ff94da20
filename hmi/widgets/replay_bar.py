"""Replay on the screen: the REPLAY bar (banner and controls) and the chooser of what to replay.

The bar cannot be missed while a replay runs: a full-width violet band (ISA-101 keeps red, orange,
yellow and blue for alarm priorities; violet here means "not live") with REPLAY and the replayed
time in large type, and below it play/pause, the speed (1x-60x), a time slider and Back to live.
It is hidden while the screen is live. The chooser picks a period by time, a cut from total.db or
an alarm from the alarm history. Every command goes to the engine (core.api), which holds every
write to the PLC while the replay runs; the bar only says so.
"""

from __future__ import annotations

import asyncio
import logging
import time

from PySide6.QtCore import QEvent, Qt, QTimeZone, Signal
from PySide6.QtGui import QMouseEvent
from PySide6.QtWidgets import (
    QComboBox,
    QDateTimeEdit,
    QDialog,
    QFrame,
    QHBoxLayout,
    QLabel,
    QListWidget,
    QListWidgetItem,
    QPushButton,
    QSizePolicy,
    QSlider,
    QStyle,
    QStyleOptionSlider,
    QTabWidget,
    QVBoxLayout,
    QWidget,
)

from core.api import (
    REPLAY_SPEEDS,
    AlarmHistoryFilter,
    ReplayState,
    ReplayStatus,
    Result,
    period_for_alarm,
    period_for_cut,
)
from hmi.bridge import EngineBridge
from hmi.code_names import alarm_text_for, cut_outcome_name, reason_text, replay_reason
from hmi.formatting import format_g, plant_epoch_ms, plant_time, plant_wall, plant_zone_name
from hmi.i18n import current_language, translate
from hmi.kiosk import TOUCH_PX
from hmi.session import Session
from hmi.tasks import spawn
from hmi.widgets.empty_hint import EmptyHint
from hmi.widgets.style import set_state

log = logging.getLogger("bandsaw.hmi.replay")

SLIDER_STEPS = 1000
SPANS_S = (60, 600, 3600, 8 * 3600, 24 * 3600)
LIST_LIMIT = 200
DEFAULT_BACK_MS = 3_600_000  # the Time tab starts an hour ago, or where the recording starts if later
TOUCH = TOUCH_PX
# A handle a finger can take (Fusion's is 15 px); a style sheet must style the groove too.
SLIDER_QSS = f"""
QSlider::groove:horizontal {{ height: 10px; background: #ecdff5; border-radius: 5px; }}
QSlider::sub-page:horizontal {{ background: #c9b1de; border-radius: 5px; }}
QSlider::handle:horizontal {{ width: {TOUCH}px; margin: -{(TOUCH - 10) // 2}px 0; background: #ffffff;
                              border: 2px solid #202326; border-radius: 8px; }}
"""


def clock_text(ts_ms: int, *, tenths: bool = True) -> str:
    """A replayed time as the bar shows it: plant time (machine.time_zone), tenths of a second."""
    return plant_time(ts_ms, tenths=tenths)


def span_text(seconds: int) -> str:
    if seconds < 3600:
        return translate("ReplayBar", "%1 min").replace("%1", str(seconds // 60))
    return translate("ReplayBar", "%1 h").replace("%1", str(seconds // 3600))


class JumpSlider(QSlider):
    """A press on the groove puts the handle there at once (and takes it, so a drag goes on from
    there): Qt's default moves it one page step towards the press, about a second of replay a tap."""

    def mousePressEvent(self, event: QMouseEvent) -> None:
        if event.button() is Qt.MouseButton.LeftButton and self.maximum() > self.minimum():
            option = QStyleOptionSlider()
            self.initStyleOption(option)
            style, slider = self.style(), QStyle.ComplexControl.CC_Slider
            handle = style.subControlRect(slider, option, QStyle.SubControl.SC_SliderHandle, self)
            point = event.position().toPoint()
            if not handle.contains(point):
                groove = style.subControlRect(slider, option, QStyle.SubControl.SC_SliderGroove, self)
                span = max(groove.width() - handle.width(), 1)
                offset = point.x() - groove.x() - handle.width() // 2
                self.setSliderPosition(QStyle.sliderValueFromPosition(self.minimum(), self.maximum(), offset, span,
                                                                      option.upsideDown))
        super().mousePressEvent(event)  # the handle is under the finger now: pressed, dragged, released


class ReplayBar(QFrame):
    """Hidden while live; while replaying, the REPLAY banner with its controls."""

    def __init__(self, bridge: EngineBridge, session: Session, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setObjectName("ReplayBar")
        self.bridge = bridge
        self.session = session
        self._dragging = False
        self.title = QLabel(self)
        self.title.setObjectName("ReplayTitle")
        self.time = QLabel("", self)
        self.time.setObjectName("ReplayTime")
        self.detail = QLabel("", self)
        self.detail.setObjectName("ReplayDetail")
        self.detail.setSizePolicy(QSizePolicy.Policy.Ignored, QSizePolicy.Policy.Preferred)
        self.play = QPushButton(self)
        self.play.setObjectName("ReplayPlay")
        self.play.setMinimumSize(100, TOUCH)
        self.play.clicked.connect(self.toggle_pause)
        self.speed = QComboBox(self)
        self.speed.setMinimumSize(84, TOUCH)
        for speed in REPLAY_SPEEDS:
            self.speed.addItem(f"{format_g(speed)}x", speed)
        self.speed.activated.connect(lambda index: self.set_speed(float(self.speed.itemData(index))))
        self.slider = JumpSlider(Qt.Orientation.Horizontal, self)
        self.slider.setObjectName("ReplaySlider")
        self.slider.setRange(0, SLIDER_STEPS)
        self.slider.setMinimumHeight(TOUCH)
        self.slider.setStyleSheet(SLIDER_QSS)
        self.slider.sliderPressed.connect(self._drag_started)
        self.slider.sliderReleased.connect(self._drag_ended)
        self.slider.sliderMoved.connect(self._dragged)
        self.start_label = QLabel("", self)
        self.end_label = QLabel("", self)
        for label in (self.start_label, self.end_label):
            label.setObjectName("ReplayEdge")
        self.live = QPushButton(self)
        self.live.setObjectName("ReplayLive")
        self.live.setMinimumSize(150, TOUCH)
        self.live.clicked.connect(self.back_to_live)
        controls = QHBoxLayout()  # one row of 48 px targets: every pixel counts on the 1280x800 panel
        controls.setSpacing(6)
        controls.addWidget(self.title)
        controls.addWidget(self.time)
        controls.addWidget(self.play)
        controls.addWidget(self.speed)
        controls.addWidget(self.start_label)
        controls.addWidget(self.slider, 1)
        controls.addWidget(self.end_label)
        controls.addWidget(self.live)
        layout = QVBoxLayout(self)
        layout.setContentsMargins(8, 3, 8, 3)
        layout.setSpacing(0)
        layout.addLayout(controls)
        layout.addWidget(self.detail)
        set_state(self, "replay")
        self.setVisible(False)
        self.message = ""
        self.retranslate()
        bridge.replay_changed.connect(self.show_status)
        bridge.tick.connect(lambda _now: self._show_time())

    def retranslate(self) -> None:
        self.title.setText(translate("ReplayBar", "REPLAY"))
        self.live.setText(translate("ReplayBar", "Back to live"))
        self.show_status(self.bridge.replay)

    def changeEvent(self, event: QEvent) -> None:
        super().changeEvent(event)
        if event.type() == QEvent.Type.LanguageChange and hasattr(self, "live"):
            self.retranslate()

    # --- what it shows --------------------------------------------------------------------

    def show_status(self, status: ReplayStatus) -> None:
        self.setVisible(status.active)
        if not status.active:
            return
        paused = status.state is not ReplayState.PLAYING
        self.play.setText(translate("ReplayBar", "Play") if paused else translate("ReplayBar", "Pause"))
        index = self.speed.findData(status.speed)
        if index < 0:
            self.speed.addItem(f"{format_g(status.speed)}x", status.speed)
            index = self.speed.count() - 1
        if index != self.speed.currentIndex():
            self.speed.setCurrentIndex(index)
        self.start_label.setText(clock_text(status.start_ms, tenths=False)[11:])
        self.end_label.setText(clock_text(status.end_ms, tenths=False)[11:])
        if not self._dragging:
            self.slider.blockSignals(True)
            self.slider.setValue(round(status.fraction * SLIDER_STEPS))
            self.slider.blockSignals(False)
        parts = [status.label, f"{format_g(status.speed)}x"]
        if status.state is ReplayState.PAUSED:
            parts.append(translate("ReplayBar", "paused"))
        elif status.state is ReplayState.ENDED:
            parts.append(translate("ReplayBar", "end of the period"))
        parts.append(translate("ReplayBar", "not live: nothing is written to the PLC"))
        parts.append(translate("ReplayBar", "plant time %1").replace("%1", plant_zone_name()))
        if status.note:
            parts.append(replay_reason(status.note))
        if self.message:
            parts.append(self.message)
        self.detail.setText(" · ".join(parts))
        self._show_time()

    def _show_time(self) -> None:
        if not self.isVisible():
            return
        latest = self.bridge.latest if self.bridge.replaying else None
        ts_ms = latest.ts_ms if latest is not None else self.bridge.replay.position_ms
        text = clock_text(ts_ms)
        if text != self.time.text():
            self.time.setText(text)

    # --- commands -------------------------------------------------------------------------

    def toggle_pause(self) -> None:
        status = self.bridge.replay
        self._done(self.bridge.engine.replay_pause(self.session.actor(), status.state is ReplayState.PLAYING))

    def set_speed(self, speed: float) -> None:
        self._done(self.bridge.engine.replay_speed(self.session.actor(), speed))

    def seek_fraction(self, fraction: float) -> None:
        status = self.bridge.replay
        target = status.start_ms + int(fraction * (status.end_ms - status.start_ms))
        spawn(self._seek(target))

    async def _seek(self, position_ms: int) -> None:
        self._done(await self.bridge.engine.replay_seek(self.session.actor(), position_ms))

    def back_to_live(self) -> None:
        spawn(self._stop())

    async def _stop(self) -> None:
        self._done(await self.bridge.engine.replay_stop(self.session.actor()))

    def _done(self, result: Result[ReplayStatus]) -> None:
        self.message = "" if result.ok else reason_text(result)
        self.bridge.sync_replay()
        self.show_status(self.bridge.replay)

    def _drag_started(self) -> None:
        self._dragging = True

    def _dragged(self, value: int) -> None:
        status = self.bridge.replay
        target = status.start_ms + int(value / SLIDER_STEPS * (status.end_ms - status.start_ms))
        self.time.setText(clock_text(target))

    def _drag_ended(self) -> None:
        self._dragging = False
        self.seek_fraction(self.slider.value() / SLIDER_STEPS)


class ReplayChooser(QDialog):
    """What to replay: a period from a time, a cut from the cut list, or an alarm from the history."""

    started = Signal(object)  # ReplayStatus, once the engine has started the replay

    def __init__(self, bridge: EngineBridge, session: Session, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setObjectName("ReplayChooser")
        self.setWindowTitle(translate("ReplayChooser", "Replay"))
        self.bridge = bridge
        self.session = session
        self.tabs = QTabWidget(self)
        # By time.
        page = QWidget(self)
        # Plant wall time (machine.time_zone), held zone-less so the computer's zone never shifts it.
        self._default_start = plant_wall(int(time.time() * 1000) - DEFAULT_BACK_MS)
        self.start = QDateTimeEdit(self._default_start, page)
        self.start.setTimeZone(QTimeZone.utc())
        self.start.setDisplayFormat("yyyy-MM-dd HH:mm:ss")
        self.start.setCalendarPopup(True)
        self.start.setMinimumHeight(TOUCH)
        self.span = QComboBox(page)
        self.span.setMinimumHeight(TOUCH)
        for seconds in SPANS_S:
            self.span.addItem(span_text(seconds), seconds)
        self.span.setCurrentIndex(1)
        row = QHBoxLayout(page)
        row.addWidget(QLabel(translate("ReplayChooser", "From (%1)").replace("%1", plant_zone_name()), page))
        row.addWidget(self.start, 1)
        row.addWidget(QLabel(translate("ReplayChooser", "for"), page))
        row.addWidget(self.span)
        self.tabs.addTab(page, translate("ReplayChooser", "Time"))
        self.cuts = QListWidget(self)
        self.tabs.addTab(self.cuts, translate("ReplayChooser", "Cut"))
        self.alarms = QListWidget(self)
        self.tabs.addTab(self.alarms, translate("ReplayChooser", "Alarm"))
        # Said once the lists are read (not while they load).
        self.cuts_empty = EmptyHint(self.cuts, "")
        self.alarms_empty = EmptyHint(self.alarms, "")
        for listing in (self.cuts, self.alarms):
            listing.itemDoubleClicked.connect(lambda _item: self.replay_choice())
        self.speed = QComboBox(self)
        self.speed.setMinimumHeight(TOUCH)
        for speed in REPLAY_SPEEDS:
            self.speed.addItem(f"{format_g(speed)}x", speed)
        self.message = QLabel("", self)
        self.message.setObjectName("PresetMessage")
        self.message.setWordWrap(True)
        self.go = QPushButton(translate("ReplayChooser", "Replay"), self)
        self.go.setObjectName("PrimaryButton")
        self.go.setMinimumSize(140, TOUCH)
        self.go.clicked.connect(self.replay_choice)
        cancel = QPushButton(translate("ReplayChooser", "Cancel"), self)
        cancel.setMinimumSize(120, TOUCH)
        cancel.clicked.connect(self.reject)
        buttons = QHBoxLayout()
        buttons.addWidget(QLabel(translate("ReplayChooser", "Speed"), self))
        buttons.addWidget(self.speed)
        buttons.addStretch(1)
        buttons.addWidget(cancel)
        buttons.addWidget(self.go)
        layout = QVBoxLayout(self)
        layout.addWidget(self.tabs, 1)
        layout.addWidget(self.message)
        layout.addLayout(buttons)
        self.resize(720, 480)
        self._loading: asyncio.Task[None] | None = None
        self.finished.connect(lambda _result: self._stop_loading())

    def load_lists(self) -> None:
        """Fill the cut and alarm lists from the engine (off the loop thread)."""
        self._stop_loading()
        self._loading = spawn(self._load_lists())

    def _stop_loading(self) -> None:
        """The dialog closed (a replay started, or Cancel): its lists are not filled any more. The
        reads outlived the dialog and filled deleted lists, an error in every replay from the chooser."""
        loading, self._loading = self._loading, None
        if loading is not None and not loading.done():
            loading.cancel()

    async def _load_lists(self) -> None:
        engine = self.bridge.engine
        await self._clip_default_start()
        cuts = await engine.cut_records(limit=LIST_LIMIT)
        self.cuts.clear()
        self.cuts_empty.setText(translate("ReplayChooser", "No cut has been recorded yet"))
        self.cuts_empty.refresh()
        if not cuts.ok or cuts.value is None:
            self._say(translate("ReplayChooser", "Cut list unavailable: %1").replace("%1", reason_text(cuts)))
        else:
            for cut in cuts.value:
                start = _int(cut.values.get("start_ms"), cut.ts_ms)
                end = _int(cut.values.get("end_ms"), cut.ts_ms)
                text = translate("ReplayChooser", "Cut %1  %2  %3 s  %4").replace("%1", str(cut.id)).replace(
                    "%2", clock_text(start, tenths=False)).replace("%3", f"{(end - start) / 1000:.0f}").replace(
                    "%4", cut_outcome_name(cut.values.get("outcome")))
                item = QListWidgetItem(text)
                item.setData(Qt.ItemDataRole.UserRole, (*period_for_cut(start, end), f"cut {cut.id}"))
                self.cuts.addItem(item)
        spec = AlarmHistoryFilter(actions=("raise",), limit=LIST_LIMIT)
        alarms = await engine.alarm_history(spec)
        self.alarms.clear()
        self.alarms_empty.setText(translate("ReplayChooser", "No alarm has been recorded yet"))
        self.alarms_empty.refresh()
        if not alarms.ok or alarms.value is None:
            self._say(translate("ReplayChooser", "Alarm history unavailable: %1").replace("%1", reason_text(alarms)))
            return
        for entry in alarms.value:
            when = clock_text(entry.ts_ms, tenths=False)
            item = QListWidgetItem(f"{when}  {alarm_text_for(entry, current_language()) or entry.alarm_key}")
            item.setData(Qt.ItemDataRole.UserRole, (*period_for_alarm(entry.ts_ms), f"alarm {entry.alarm_key} {when}"))
            self.alarms.addItem(item)

    async def _clip_default_start(self) -> None:
        """A saw recording for less than an hour: the default period starts at its first sample
        (an hour ago there is nothing to replay). A start someone already chose stays."""
        now_ms = int(time.time() * 1000)
        since = now_ms - DEFAULT_BACK_MS
        found = await self.bridge.engine.history([], since, now_ms, max_points=2)  # one bucket: the first time
        if not found.ok or found.value is None or found.value.times.size == 0:
            return  # nothing in the last hour: the refusal says what the recording holds
        first_ms = round(float(found.value.times[0]) * 1000)
        if first_ms > since and self.start.dateTime() == self._default_start:
            self._default_start = plant_wall(first_ms)
            self.start.setDateTime(self._default_start)

    def choice(self) -> tuple[int, int, str] | None:
        """(start_ms, end_ms, label) of what is chosen, None when nothing is."""
        tab = self.tabs.currentIndex()
        if tab == 0:
            wall = self.start.dateTime()
            start_ms = plant_epoch_ms(wall.date(), wall.time())
            end_ms = start_ms + int(self.span.currentData()) * 1000
            return start_ms, end_ms, ""
        listing = self.cuts if tab == 1 else self.alarms
        item = listing.currentItem()
        if item is None:
            return None
        start_ms, end_ms, label = item.data(Qt.ItemDataRole.UserRole)
        return int(start_ms), int(end_ms), str(label)

    def replay_choice(self) -> None:
        chosen = self.choice()
        if chosen is None:
            self._say(translate("ReplayChooser", "Choose a cut or an alarm in the list first"))
            return
        self.go.setEnabled(False)
        self._say(translate("ReplayChooser", "Reading the recording…"))
        spawn(self._start(*chosen))

    async def _start(self, start_ms: int, end_ms: int, label: str) -> None:
        speed = float(self.speed.currentData())
        try:
            result = await self.bridge.engine.replay_start(self.session.actor(), start_ms, end_ms, speed=speed,
                                                           label=label)
        finally:
            self.go.setEnabled(True)
        if not result.ok or result.value is None:
            self._say(translate("ReplayChooser", "Not replayed: %1").replace("%1", reason_text(result)),
                      "refused")
            return
        self.bridge.sync_replay()
        self.started.emit(result.value)
        self.accept()

    def _say(self, text: str, state: str = "ok") -> None:
        self.message.setText(text)
        set_state(self.message, state if text else "")


def _int(value: object, default: int) -> int:
    return int(value) if isinstance(value, int | float) else default
