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

from PySide6.QtCore import QDateTime, QEvent, QSize, Qt, QTimer
from PySide6.QtGui import QHideEvent, QShowEvent
from PySide6.QtWidgets import (
    QFrame,
    QGridLayout,
    QHBoxLayout,
    QLabel,
    QPushButton,
    QTabWidget,
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
from hmi.widgets.figure_tile import Figure, FigureTile
from hmi.widgets.path_label import PathLabel
from hmi.widgets.state_timeline import STATE_COLOURS, StateTimeline, zone_of

log = logging.getLogger("bandsaw.hmi.production")

REFRESH_S = 30.0
DAY_MS = 86_400_000
TIMELINE_PX = 36  # the state band's height (its hour labels under it)
NOW_TAB, HISTORY_TAB, NOTES_TAB, PREVIOUS_TAB = range(4)
PAGE_QSS = """
QLabel#ShiftTitle { font-size: 26px; font-weight: bold; color: #202326; }
QLabel#BigNumber { font-size: 76px; font-weight: bold; color: #202326; }
QFrame#BigTile { background: #e6e7e8; border: 1px solid #b5b9bd; }
QFrame#BigTile QLabel, QFrame#ShiftCard QLabel { background: transparent; border: none; }
QLabel#BigCaption { font-size: 20px; color: #3c4044; }
QLabel#MidNumber { font-size: 68px; font-weight: bold; color: #202326; }
QLabel#PartName { font-size: 20px; color: #3c4044; }
QLabel#PartValue { font-size: 68px; font-weight: bold; color: #202326; }
QLabel#TileNote { font-size: 15px; color: #303336; }
QLabel#Downtime { font-size: 20px; color: #202326; }
QMainWindow[kiosk="true"] QLabel#SectionTitle { font-size: 20px; }
QLabel#LegendText { font-size: 15px; color: #3c4044; }
QLabel#ProdNote { font-size: 15px; color: #5b5f63; }
QLabel#ProdMessage { font-size: 16px; color: #303336; }
QFrame#ShiftCard { background: #e6e7e8; border: 1px solid #b5b9bd; }
QLabel#CardTitle { font-size: 17px; font-weight: bold; }
QLabel#CardValue { font-size: 17px; }
"""


def pct(value: float | None) -> str:
    return "—" if value is None else format_percent(value * 100, 0)


def oee_note(report: ProductionReport) -> str:
    """Why OEE is blank while its parts are known: core gives none when a part is above 100 %
    (core.production.values.DEFINITIONS, "OEE"); the tile says so beside the dash."""
    parts = {
        translate("ProductionPage", "availability"): report.availability,
        translate("ProductionPage", "performance"): report.performance,
        translate("ProductionPage", "quality"): report.quality,
    }
    if report.oee is not None or any(value is None for value in parts.values()):
        return ""
    over = [name for name, value in parts.items() if value is not None and value > 1.0 + 1e-9]
    if not over:
        return ""
    return translate("ProductionPage", "not given: %1 above 100 % would overstate it").replace("%1", ", ".join(over))


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
        return (
            translate("ProductionPage", "%1 h %2 min")
            .replace("%1", str(int(seconds // 3600)))
            .replace("%2", f"{int(seconds % 3600 // 60):02d}")
        )
    return translate("ProductionPage", "%1 min").replace("%1", format_number(seconds / 60, 0))


class RoomTabs(QTabWidget):
    """Tabs that take the room left to them: their preferred size is their minimum. (The band
    history table prefers all its rows: the window's page area, sizing the page by its preferred
    height, scrolled by that much at 1280x800 whenever the tab shown had no height-for-width.)"""

    def sizeHint(self) -> QSize:
        return self.minimumSizeHint()


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
            translate("ProductionPage", "A %1 · P %2 · Q %3")
            .replace("%1", pct(report.availability))
            .replace("%2", pct(report.performance))
            .replace("%3", pct(report.quality)),
        ]
        self.body.setText(" · ".join(lines))


class ProductionPage(QWidget):
    """``ProductionPage(bridge, engine, parent)``; follows logins through ``set_user``."""

    def __init__(
        self, bridge: Any, engine: EngineApi, parent: QWidget | None = None, *, session: Session | None = None
    ) -> None:
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
        # The export's message beside the title, under no finger and never pushing the page down
        # (it had a line of its own under the title: a 32 px empty gap most of the time); a long path
        # is cut in the middle, the whole text in the tooltip.
        self.message = PathLabel("", self)
        self.message.setObjectName("ProdMessage")
        header = QHBoxLayout()
        header.setSpacing(12)
        header.addWidget(self.title)
        header.addWidget(self.message, 1)
        header.addWidget(self.updated)
        header.addWidget(self.export_button)

        # Read from the saw (about 2 m): every figure's digits at least 48 px high (tested), the
        # OEE parts with their bar under the number. Six tiles, two rows, no line-tall empty space.
        self.tiles = [
            FigureTile(name, self, bar=row == 1)
            for row, name in (
                (0, "BigNumber"),
                (0, "BigNumber"),
                (0, "MidNumber"),
                (1, "PartValue"),
                (1, "PartValue"),
                (1, "PartValue"),
            )
        ]
        self.pieces, self.oee, self.area = (tile.number for tile in self.tiles[:3])
        self.pieces_caption, self.oee_caption, self.area_caption = (tile.caption for tile in self.tiles[:3])
        self.oee_tile = self.tiles[1]
        self.part_names = [tile.caption for tile in self.tiles[3:]]
        self.part_values: list[Figure] = [tile.number for tile in self.tiles[3:]]
        self.part_bars = [tile.bar for tile in self.tiles[3:] if tile.bar is not None]
        for tile in self.tiles[3:]:
            tile.caption.setObjectName("PartName")
        figures = QGridLayout()
        figures.setSpacing(8)
        for i, tile in enumerate(self.tiles):
            figures.addWidget(tile, i // 3, i % 3)
        for column in range(3):
            figures.setColumnStretch(column, 1)

        # The saw's state over the shift: its title and legend on one line, the band under them.
        self.timeline_title = QLabel("", self)
        self.timeline_title.setObjectName("SectionTitle")
        self.timeline = StateTimeline(self._zone, self, bar_px=TIMELINE_PX)
        self.legend: dict[StateClass, QLabel] = {}
        legend = QHBoxLayout()
        legend.addWidget(self.timeline_title)
        legend.addSpacing(24)
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
        stops = QWidget(self)
        downtime = QVBoxLayout(stops)
        downtime.setContentsMargins(0, 0, 0, 0)
        downtime.setSpacing(2)
        downtime.addWidget(self.downtime_title)
        for label in self.downtime:
            label.setObjectName("Downtime")
            label.setWordWrap(True)
            downtime.addWidget(label)
        downtime.addStretch(1)
        # Band life (#19.3) is shown here: add_band_life() puts its widget in this slot.
        self.band_life_slot = QWidget(self)
        self.band_life_slot.setObjectName("BandLifeSlot")
        self.band_life_layout = QVBoxLayout(self.band_life_slot)
        self.band_life_layout.setContentsMargins(0, 0, 0, 0)
        self.band_life_slot.setVisible(False)
        self.cards = [ShiftCard(self) for _ in range(max(engine.settings.production.previous_shifts, 0))]
        self.previous_box = QWidget(self)
        previous = QVBoxLayout(self.previous_box)
        previous.setContentsMargins(8, 8, 8, 8)
        previous.setSpacing(4)
        for card in self.cards:
            previous.addWidget(card)
        previous.addStretch(1)
        # The band history table full width: its six columns did not fit the half page beside the
        # downtime (the last header was cut in kiosk, 619 px).
        self.band_history_slot = QWidget(self)
        self.band_history_slot.setObjectName("BandHistorySlot")
        self.band_history_layout = QVBoxLayout(self.band_history_slot)
        self.band_history_layout.setContentsMargins(8, 8, 8, 8)
        self.notes = QLabel("", self)
        self.notes.setObjectName("ProdNote")
        self.notes.setWordWrap(True)
        self.notes.setAlignment(Qt.AlignmentFlag.AlignLeft | Qt.AlignmentFlag.AlignTop)
        self.notes_box = QWidget(self)
        notes = QVBoxLayout(self.notes_box)
        notes.setContentsMargins(8, 8, 8, 8)
        notes.addWidget(self.notes, 1)

        # What stopped the saw beside the band on it, always in view; the band history, the notes on
        # the figures and (engineers) the last shifts one tap away: all of it under the figures at
        # 1280x800, where the page had scrolled the band history and the last shifts below the fold.
        self.now_box = QWidget(self)
        now = QHBoxLayout(self.now_box)
        now.setContentsMargins(8, 6, 8, 4)
        now.setSpacing(24)
        now.addWidget(stops, 2)
        now.addWidget(self.band_life_slot, 3)
        self.tabs = RoomTabs(self)
        self.tabs.setObjectName("ProductionTabs")
        for tab in (self.now_box, self.band_history_slot, self.notes_box, self.previous_box):
            self.tabs.addTab(tab, "")

        # At 1280x800 the page fits without scrolling, EN and TR, desktop and kiosk, operator and
        # engineer (tests/production/test_production_fit.py); should a widget ever grow past it, the
        # window's page area scrolls (hmi.main_window), as for every page.
        layout = QVBoxLayout(self)
        layout.setSpacing(8)
        layout.setContentsMargins(6, 4, 6, 4)
        layout.addLayout(header)
        layout.addLayout(figures)
        layout.addLayout(legend)
        layout.addWidget(self.timeline)
        layout.addWidget(self.tabs, 1)
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
        for label, text in zip(
            self.part_names,
            (
                translate("ProductionPage", "Availability"),
                translate("ProductionPage", "Performance"),
                translate("ProductionPage", "Quality"),
            ),
            strict=True,
        ):
            label.setText(text)
        self.timeline_title.setText(translate("ProductionPage", "Saw state this shift"))
        self.downtime_title.setText(translate("ProductionPage", "Why it stood (alarms while not cutting)"))
        self.tabs.setTabText(NOW_TAB, translate("ProductionPage", "Stops and band life"))
        self.tabs.setTabText(HISTORY_TAB, translate("ProductionPage", "Band history"))
        self.tabs.setTabText(PREVIOUS_TAB, translate("ProductionPage", "Last shifts"))
        self._show_notes(self.view.current.notes if self.view is not None and self.view.current else ())
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
        self.tabs.setTabVisible(PREVIOUS_TAB, engineer and bool(self.cards))
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
            caption = getattr(widget, "history_caption", None)
            if isinstance(caption, QLabel):
                caption.setVisible(False)  # the tab says it

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
                translate("ProductionPage", "Figures not available: %1").replace("%1", reason_text(result))
            )
            return
        self.show_view(result.value)

    def show_view(self, view: ProductionView) -> None:
        self.view = view
        report = view.current
        now_ms = int(time.time() * 1000)
        if report is None:
            self.title.setText(translate("ProductionPage", "No shift is running now"))
            self.timeline.set_spans((), now_ms - 3_600_000, now_ms)
            self._show_notes(())
        else:
            self._show_current(report, now_ms)
        for card, previous in zip(self.cards, view.previous, strict=False):
            card.show_report(previous, self.engine.settings.production.shifts)
            card.setVisible(True)
        for card in self.cards[len(view.previous) :]:
            card.setVisible(False)
        stamp = QDateTime.fromMSecsSinceEpoch(now_ms, self._zone).toString("HH:mm")
        self.updated.setText(translate("ProductionPage", "updated %1").replace("%1", stamp))

    def _show_current(self, report: ProductionReport, now_ms: int) -> None:
        period = report.period
        start = QDateTime.fromMSecsSinceEpoch(period.start_ms, self._zone).toString("HH:mm")
        end = QDateTime.fromMSecsSinceEpoch(period.end_ms, self._zone).toString("HH:mm")
        name = period_label(self.engine.settings.production.shifts, period.label, period.shift)
        self.title.setText(
            translate("ProductionPage", "Shift %1 · %2–%3").replace("%1", name).replace("%2", start).replace("%3", end)
        )
        self.pieces.setText(str(report.pieces) if report.has_data else "—")  # no data: blank, never 0
        self.oee.setText(pct(report.oee))
        self.oee_tile.set_note(oee_note(report))
        area = format_number(report.area_cm2, 0)
        self.area.setText(area)
        parts = (report.availability, report.performance, report.quality)
        for tile, bar, figure, value in zip(self.tiles[3:], self.part_bars, self.part_values, parts, strict=True):
            bar.set_value(value)
            figure.setText(pct(value))
            tile.set_note(
                translate("ProductionPage", "above 100 %: faster than the ideal cut time")
                if value is not None and value > 1.0 + 1e-9
                else ""
            )
            tile.updateGeometry()
        self.timeline.set_spans(report.timeline, period.start_ms, period.end_ms, now_ms)
        causes = report.downtime[: len(self.downtime)]
        for label, cause in zip(self.downtime, causes, strict=False):
            label.setText(f"{minutes(cause.seconds)} — {downtime_text(cause) or cause.key}")
        for label in self.downtime[len(causes) :]:
            label.setText("")
        if not causes:
            self.downtime[0].setText(translate("ProductionPage", "no alarm stopped the saw this shift"))
        self._show_notes(report.notes)

    def _show_notes(self, notes: Sequence[str]) -> None:
        """The report's notes (what the figures leave out, why OEE is empty) in their tab, one a line."""
        shifts = self.engine.settings.production.shifts
        self.notes.setText("\n".join(report_note(note, shifts) for note in notes))
        self.tabs.setTabText(NOTES_TAB, translate("ProductionPage", "Notes (%1)").replace("%1", str(len(notes))))
        self.tabs.setTabVisible(NOTES_TAB, bool(notes))

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
