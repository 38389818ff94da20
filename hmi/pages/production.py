"""The Production page (#19): the running shift live, its state over time, why it stood, the last
shifts side by side, and the report export.

Data only through core.api: ``engine.production_view()`` (computed off the loop thread) on show
and every ``REFRESH_S`` while shown, and ``engine.export_production_report`` for the export
(engineers; the engine checks and audits it again). Operators see their shift: the previous shifts
and the export are for engineers. Numbers are large enough to read from the saw (about 2 m).
The band-life widget (#19.3) goes into :attr:`ProductionPage.band_life_slot` via
:meth:`ProductionPage.add_band_life`.
"""

from __future__ import annotations

import asyncio
import logging
import time
from collections.abc import Sequence
from typing import Any

from PySide6.QtCore import QDateTime, QEvent, QTimer
from PySide6.QtGui import QHideEvent, QShowEvent
from PySide6.QtWidgets import (
    QFrame,
    QHBoxLayout,
    QLabel,
    QPushButton,
    QScrollArea,
    QVBoxLayout,
    QWidget,
)

from core.api import EngineApi, ProductionReport, ProductionView, ReportRequest, StateClass
from hmi.code_names import downtime_text, period_label, reason_text, report_note
from hmi.formatting import format_number, format_percent
from hmi.i18n import translate
from hmi.kiosk import TOUCH_PX
from hmi.permissions import Action, can, requires
from hmi.session import Session, acting
from hmi.tasks import spawn
from hmi.widgets.band_life import BandLifePanel
from hmi.widgets.state_timeline import STATE_COLOURS, RatioBar, StateTimeline, zone_of

log = logging.getLogger("bandsaw.hmi.production")

REFRESH_S = 30.0
DAY_MS = 86_400_000
PAGE_QSS = """
QLabel#ShiftTitle { font-size: 26px; font-weight: bold; color: #202326; }
QLabel#BigNumber { font-size: 76px; font-weight: bold; color: #202326; }
QFrame#BigTile { background: #e6e7e8; border: 1px solid #b5b9bd; }
QFrame#BigTile QLabel, QFrame#ShiftCard QLabel { background: transparent; border: none; }
QLabel#BigCaption { font-size: 20px; color: #3c4044; }
QLabel#MidNumber { font-size: 68px; font-weight: bold; color: #202326; }
QLabel#PartName { font-size: 20px; color: #3c4044; }
QLabel#PartValue { font-size: 68px; font-weight: bold; color: #202326; }
QLabel#Downtime { font-size: 20px; color: #202326; }
QLabel#LegendText { font-size: 15px; color: #3c4044; }
QLabel#ProdNote { font-size: 15px; color: #5b5f63; }
QLabel#ProdMessage { font-size: 16px; color: #303336; }
QFrame#ShiftCard { background: #e6e7e8; border: 1px solid #b5b9bd; }
QLabel#CardTitle { font-size: 17px; font-weight: bold; }
QLabel#CardValue { font-size: 17px; }
QScrollArea#ProductionScroll, QWidget#ProductionContent { background: transparent; }
"""


def pct(value: float | None) -> str:
    return "—" if value is None else format_percent(value * 100, 0)


def state_label(state: StateClass) -> str:
    labels = {
        StateClass.CUTTING: translate("ProductionPage", "cutting"),
        StateClass.READY_IDLE: translate("ProductionPage", "ready / idle"),
        StateClass.ALARM_STOPPED: translate("ProductionPage", "alarm / stopped"),
        StateClass.LINK_LOST: translate("ProductionPage", "link lost"),
        StateClass.NO_DATA: translate("ProductionPage", "no data"),
    }
    return labels[state]


def minutes(seconds: float) -> str:
    if seconds >= 3600:
        return (translate("ProductionPage", "%1 h %2 min").replace("%1", str(int(seconds // 3600)))
                .replace("%2", f"{int(seconds % 3600 // 60):02d}"))
    return translate("ProductionPage", "%1 min").replace("%1", format_number(seconds / 60, 0))


class ShiftCard(QFrame):
    """A previous shift on one line: its name and date, pieces, OEE and its parts."""

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setObjectName("ShiftCard")
        self.title = QLabel("", self)
        self.title.setObjectName("CardTitle")
        self.title.setMinimumWidth(170)
        self.body = QLabel("", self)
        self.body.setObjectName("CardValue")
        layout = QHBoxLayout(self)
        layout.setContentsMargins(10, 4, 10, 4)
        layout.addWidget(self.title)
        layout.addWidget(self.body, 1)

    def show_report(self, report: ProductionReport, shifts: Sequence[Any] = ()) -> None:
        self.title.setText(period_label(shifts, report.period.label, report.period.shift))
        if not report.has_data:  # nothing recorded (the HMI PC off): blank, never "Pieces 0"
            self.body.setText(translate("ProductionPage", "no data recorded in this shift"))
            return
        lines = [
            translate("ProductionPage", "Pieces %1").replace("%1", str(report.pieces)),
            translate("ProductionPage", "OEE %1").replace("%1", pct(report.oee)),
            translate("ProductionPage", "A %1 · P %2 · Q %3").replace("%1", pct(report.availability))
            .replace("%2", pct(report.performance)).replace("%3", pct(report.quality)),
        ]
        self.body.setText(" · ".join(lines))


class ProductionPage(QWidget):
    """``ProductionPage(bridge, engine, parent)``; follows logins through ``set_user``."""

    def __init__(self, bridge: Any, engine: EngineApi, parent: QWidget | None = None, *,
                 session: Session | None = None) -> None:
        super().__init__(parent)
        self.setObjectName("ProductionPage")
        self.setStyleSheet(PAGE_QSS)
        self.bridge = bridge
        self.engine = engine
        self.user = session.user if session is not None else Session.default(kiosk=engine.settings.hmi.kiosk).user
        self.view: ProductionView | None = None
        self.task: asyncio.Task[None] | None = None
        self.export_task: asyncio.Task[None] | None = None
        self._zone = zone_of(engine.settings.machine.time_zone)
        self._timer = QTimer(self)
        self._timer.setInterval(int(REFRESH_S * 1000))
        self._timer.timeout.connect(self.refresh)

        self.title = QLabel("", self)
        self.title.setObjectName("ShiftTitle")
        self.updated = QLabel("", self)
        self.updated.setObjectName("ProdNote")
        self.export_button = QPushButton(self)
        self.export_button.setObjectName("ExportReport")
        self.export_button.setMinimumHeight(TOUCH_PX)
        self.export_button.clicked.connect(self.export_report)
        header = QHBoxLayout()
        header.addWidget(self.title)
        header.addStretch(1)
        header.addWidget(self.updated)
        header.addWidget(self.export_button)

        self.pieces = QLabel("—", self)
        self.pieces.setObjectName("BigNumber")
        self.pieces_caption = QLabel("", self)
        self.pieces_caption.setObjectName("BigCaption")
        self.oee = QLabel("—", self)
        self.oee.setObjectName("BigNumber")
        self.oee_caption = QLabel("", self)
        self.oee_caption.setObjectName("BigCaption")
        self.area = QLabel("—", self)
        self.area.setObjectName("MidNumber")
        self.area_caption = QLabel("", self)
        self.area_caption.setObjectName("BigCaption")
        self.part_names: list[QLabel] = []
        self.part_bars: list[RatioBar] = []
        self.part_values: list[QLabel] = []
        # Read from the saw (about 2 m): every figure's digits at least 48 px high (tested), the
        # OEE parts as tiles of their own with the bar under the number.
        parts = QHBoxLayout()
        parts.setSpacing(12)
        for _ in range(3):
            name = QLabel("", self)
            name.setObjectName("PartName")
            bar = RatioBar(self, bar_px=18)
            value = QLabel("—", self)
            value.setObjectName("PartValue")
            tile = QFrame(self)
            tile.setObjectName("BigTile")
            column = QVBoxLayout(tile)
            column.setContentsMargins(12, 4, 12, 8)
            column.setSpacing(0)
            column.addWidget(name)
            column.addWidget(value)
            column.addWidget(bar)
            parts.addWidget(tile, 1)
            self.part_names.append(name)
            self.part_bars.append(bar)
            self.part_values.append(value)
        figures = QVBoxLayout()
        figures.setSpacing(8)
        top = QHBoxLayout()
        top.setSpacing(12)
        for number, caption in ((self.pieces, self.pieces_caption), (self.oee, self.oee_caption),
                                (self.area, self.area_caption)):
            tile = QFrame(self)
            tile.setObjectName("BigTile")
            column = QVBoxLayout(tile)
            column.setContentsMargins(12, 4, 12, 4)
            column.setSpacing(0)
            column.addWidget(caption)
            column.addWidget(number)
            column.addStretch(1)
            top.addWidget(tile, 1)
        figures.addLayout(top)
        figures.addLayout(parts)

        self.timeline_title = QLabel("", self)
        self.timeline_title.setObjectName("SectionTitle")
        self.timeline = StateTimeline(self._zone, self)
        self.legend: dict[StateClass, QLabel] = {}
        legend = QHBoxLayout()
        for state in StateClass:
            swatch = QLabel(self)
            swatch.setFixedSize(18, 18)
            swatch.setStyleSheet(f"background: {STATE_COLOURS[state]}; border: 1px solid #7d8286;")
            text = QLabel("", self)
            text.setObjectName("LegendText")
            legend.addWidget(swatch)
            legend.addWidget(text)
            legend.addSpacing(14)
            self.legend[state] = text
        legend.addStretch(1)

        self.downtime_title = QLabel("", self)
        self.downtime_title.setObjectName("SectionTitle")
        self.downtime = [QLabel("", self) for _ in range(4)]
        downtime = QVBoxLayout()
        downtime.setSpacing(2)
        downtime.addWidget(self.downtime_title)
        for label in self.downtime:
            label.setObjectName("Downtime")
            downtime.addWidget(label)
        downtime.addStretch(1)
        # Band life (#19.3) is shown here: add_band_life() puts its widget in this slot.
        self.band_life_slot = QWidget(self)
        self.band_life_slot.setObjectName("BandLifeSlot")
        self.band_life_layout = QVBoxLayout(self.band_life_slot)
        self.band_life_layout.setContentsMargins(0, 0, 0, 0)
        self.band_life_slot.setVisible(False)
        self.previous_title = QLabel("", self)
        self.previous_title.setObjectName("SectionTitle")
        self.cards = [ShiftCard(self) for _ in range(max(engine.settings.production.previous_shifts, 0))]
        self.previous_box = QWidget(self)
        previous = QVBoxLayout(self.previous_box)
        previous.setContentsMargins(0, 0, 0, 0)
        previous.setSpacing(4)
        previous.addWidget(self.previous_title)
        for card in self.cards:
            previous.addWidget(card)
        left = QVBoxLayout()
        left.addLayout(downtime)
        left.addWidget(self.previous_box)
        left.addStretch(1)
        lower = QHBoxLayout()
        lower.addLayout(left, 1)
        lower.addWidget(self.band_life_slot, 1)
        # The band history table full width under them: its six columns did not fit the half page
        # beside the downtime (the last header was cut in kiosk, 619 px).
        self.band_history_slot = QWidget(self)
        self.band_history_slot.setObjectName("BandHistorySlot")
        self.band_history_layout = QVBoxLayout(self.band_history_slot)
        self.band_history_layout.setContentsMargins(0, 0, 0, 0)
        self.band_history_slot.setVisible(False)

        self.notes = QLabel("", self)
        self.notes.setObjectName("ProdNote")
        self.notes.setWordWrap(True)
        self.message = QLabel("", self)
        self.message.setObjectName("ProdMessage")
        self.message.setFixedHeight(24)  # a message never pushes the page about

        # Scrolls rather than pushing the window past the 1280x800 panel when a widget grows.
        content = QWidget(self)
        content.setObjectName("ProductionContent")
        layout = QVBoxLayout(content)
        layout.setSpacing(8)
        layout.setContentsMargins(0, 0, 0, 0)
        layout.addLayout(header)
        # Under the export button, not at the end of the scrolling page: in kiosk "Report written"
        # was below the fold, so a tap on Export seemed to do nothing.
        layout.addWidget(self.message)
        layout.addLayout(figures)
        layout.addWidget(self.timeline_title)
        layout.addWidget(self.timeline)
        layout.addLayout(legend)
        layout.addLayout(lower, 1)
        layout.addWidget(self.band_history_slot)
        layout.addWidget(self.notes)
        self.scroll_area = QScrollArea(self)
        self.scroll_area.setObjectName("ProductionScroll")
        self.scroll_area.setWidgetResizable(True)
        self.scroll_area.setFrameShape(QFrame.Shape.NoFrame)
        self.scroll_area.setWidget(content)
        outer = QVBoxLayout(self)
        outer.setContentsMargins(6, 4, 6, 4)
        outer.addWidget(self.scroll_area)
        self.retranslate()
        self.update_permissions()
        # The band on the saw: life used and left, how it was found, the band history (#19.3).
        kiosk = session.kiosk if session is not None else engine.settings.hmi.kiosk
        self.band_life = BandLifePanel(engine, session=lambda: acting(self.user), touch=kiosk)
        self.add_band_life(self.band_life)
        self.update_permissions()

    # --- texts and permissions -------------------------------------------------------------

    def retranslate(self) -> None:
        self.export_button.setText(translate("ProductionPage", "Export report (24 h)"))
        self.pieces_caption.setText(translate("ProductionPage", "Pieces"))
        self.oee_caption.setText(translate("ProductionPage", "OEE"))
        self.area_caption.setText(translate("ProductionPage", "Cut area cm²"))
        for label, text in zip(self.part_names, (translate("ProductionPage", "Availability"),
                                                 translate("ProductionPage", "Performance"),
                                                 translate("ProductionPage", "Quality")), strict=True):
            label.setText(text)
        self.timeline_title.setText(translate("ProductionPage", "Saw state this shift"))
        self.downtime_title.setText(translate("ProductionPage", "Why it stood (alarms while not cutting)"))
        self.previous_title.setText(translate("ProductionPage", "Last shifts"))
        for state, label in self.legend.items():
            label.setText(state_label(state))
        if self.view is not None:
            self.show_view(self.view)
        else:
            self.title.setText(translate("ProductionPage", "Production"))

    def changeEvent(self, event: QEvent) -> None:
        if event.type() == QEvent.Type.LanguageChange:
            self.retranslate()
        super().changeEvent(event)

    def set_user(self, user: str) -> None:
        self.user = user

    def update_permissions(self) -> None:
        engineer = can(self.user, Action.EXPORT)
        self.export_button.setVisible(engineer)
        self.previous_box.setVisible(engineer and bool(self.cards))
        requires(self.export_button, Action.EXPORT)
        band_life = getattr(self, "band_life", None)  # built after the first call
        if band_life is not None:
            requires(band_life.add_note, Action.NOTE_BAND)
            band_life.set_note_allowed(can(self.user, Action.NOTE_BAND))

    def add_band_life(self, widget: QWidget) -> None:
        """The band-life widget (#19.3) beside the downtime causes; its band history (``history_box``,
        when it has one) full width under both."""
        widget.setParent(self.band_life_slot)
        self.band_life_layout.addWidget(widget)
        self.band_life_slot.setVisible(True)
        history = getattr(widget, "history_box", None)
        if isinstance(history, QWidget):
            history.setParent(self.band_history_slot)
            self.band_history_layout.addWidget(history)
            self.band_history_slot.setVisible(True)

    # --- data ------------------------------------------------------------------------------

    def showEvent(self, event: QShowEvent) -> None:
        super().showEvent(event)
        self._timer.start()
        self.refresh()

    def hideEvent(self, event: QHideEvent) -> None:
        self._timer.stop()
        super().hideEvent(event)

    def refresh(self) -> None:
        if self.task is not None and not self.task.done():
            return
        try:
            self.task = spawn(self._load())
        except RuntimeError:  # no running loop (a widget test without one): nothing to ask
            self.task = None

    async def _load(self) -> None:
        result = await self.engine.production_view()
        if not result.ok or result.value is None:
            self.message.setText(
                translate("ProductionPage", "Figures not available: %1").replace("%1", reason_text(result)))
            return
        self.show_view(result.value)

    def show_view(self, view: ProductionView) -> None:
        self.view = view
        report = view.current
        now_ms = int(time.time() * 1000)
        if report is None:
            self.title.setText(translate("ProductionPage", "No shift is running now"))
            self.timeline.set_spans((), now_ms - 3_600_000, now_ms)
        else:
            self._show_current(report, now_ms)
        for card, previous in zip(self.cards, view.previous, strict=False):
            card.show_report(previous, self.engine.settings.production.shifts)
            card.setVisible(True)
        for card in self.cards[len(view.previous):]:
            card.setVisible(False)
        stamp = QDateTime.fromMSecsSinceEpoch(now_ms, self._zone).toString("HH:mm")
        self.updated.setText(translate("ProductionPage", "updated %1").replace("%1", stamp))

    def _show_current(self, report: ProductionReport, now_ms: int) -> None:
        period = report.period
        start = QDateTime.fromMSecsSinceEpoch(period.start_ms, self._zone).toString("HH:mm")
        end = QDateTime.fromMSecsSinceEpoch(period.end_ms, self._zone).toString("HH:mm")
        name = period_label(self.engine.settings.production.shifts, period.label, period.shift)
        self.title.setText(translate("ProductionPage", "Shift %1 · %2–%3").replace("%1", name)
                           .replace("%2", start).replace("%3", end))
        self.pieces.setText(str(report.pieces) if report.has_data else "—")  # no data: blank, never 0
        self.oee.setText(pct(report.oee))
        area = format_number(report.area_cm2, 0)
        self.area.setText(area)
        for bar, label, value in zip(self.part_bars, self.part_values,
                                     (report.availability, report.performance, report.quality), strict=True):
            bar.set_value(value)
            label.setText(pct(value))
        self.timeline.set_spans(report.timeline, period.start_ms, period.end_ms, now_ms)
        causes = report.downtime[: len(self.downtime)]
        for label, cause in zip(self.downtime, causes, strict=False):
            label.setText(f"{minutes(cause.seconds)} — {downtime_text(cause) or cause.key}")
        for label in self.downtime[len(causes):]:
            label.setText("")
        if not causes:
            self.downtime[0].setText(translate("ProductionPage", "no alarm stopped the saw this shift"))
        shifts = self.engine.settings.production.shifts
        self.notes.setText(" · ".join(report_note(note, shifts) for note in report.notes))

    # --- export ----------------------------------------------------------------------------

    def export_report(self) -> None:
        if not can(self.user, Action.EXPORT):
            self.message.setText(translate("ProductionPage", "Exporting reports needs an engineer."))
            return
        if self.export_task is not None and not self.export_task.done():
            return
        folder = self.engine.settings.export_dir
        stamp = time.strftime("%Y%m%d-%H%M%S")
        out = folder / f"production-{stamp}.pdf"
        self.message.setText(translate("ProductionPage", "Writing %1 …").replace("%1", out.name))
        try:
            self.export_task = spawn(self._export(out))
        except RuntimeError:
            self.export_task = None

    async def _export(self, out: Any) -> None:
        out.parent.mkdir(parents=True, exist_ok=True)
        now = int(time.time() * 1000)
        result = await self.engine.export_production_report(acting(self.user), ReportRequest(now - DAY_MS, now), out)
        if result.ok:
            self.message.setText(translate("ProductionPage", "Report written: %1").replace("%1", str(out)))
        else:
            self.message.setText(translate("ProductionPage", "Not exported: %1").replace("%1", reason_text(result)))

    def shutdown(self) -> None:
        self._timer.stop()
        for task in (self.task, self.export_task):
            if task is not None and not task.done():
                task.cancel()
