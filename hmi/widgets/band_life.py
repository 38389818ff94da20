"""The fitted band's life, readable at 2 m, and the history of the bands on this saw.

Two numerals (life used, life remaining) in 56 px, the remaining cuts and area under them, the
method that gave the figure in plain words (the trend of band torque at equal chip load, or the
area cut against the configured blade life, or nothing for band id 0), the band's counters, and
a table of the bands fitted and taken off, with why (and the notes people wrote: core.api
``note_band``, a field with the on-screen keyboard in kiosk). The engine reads total.db in its worker
(core.api ``band_life``): at most one read in flight, every ``refresh_ms`` while shown. Grey in
normal operation; the remaining figure turns to the attention colour when the band-life alarm
threshold is reached (ISA-101). Every text goes through tr().
"""

from __future__ import annotations

import asyncio
from collections.abc import Callable

from PySide6.QtCore import QDateTime, QEvent, Qt, QTimer, QTimeZone
from PySide6.QtGui import QFont, QHideEvent, QShowEvent
from PySide6.QtWidgets import (
    QAbstractItemView,
    QGridLayout,
    QHBoxLayout,
    QHeaderView,
    QLabel,
    QPushButton,
    QTableWidget,
    QTableWidgetItem,
    QVBoxLayout,
    QWidget,
)

from core.api import BandEstimate, BandHistoryRow, BandLifeView, EngineApi, UserSession
from hmi.code_names import reason_text
from hmi.formatting import format_number, format_percent, zone_named
from hmi.kiosk import TOUCH_PX
from hmi.tasks import spawn
from hmi.widgets.letter_keyboard import TextEntry
from hmi.widgets.style import set_state
from hmi.widgets.table_rows import fit_rows, keep_rows_fitted

NOTE_MAX_CHARS = 200  # core.production.band_life_history.NOTE_MAX_CHARS (the engine refuses longer ones)
BAND_LIFE_ALARM = "band_life.low"  # raised by the engine at the configured remaining life
BIG_PX = 56
READ_CODE = "read.band_life"  # core.texts READ_BAND_LIFE: the read failed, the error said
WHY_COLUMN = 3  # the history's column with the reason and the notes
TEXT_PX = 18
CAPTION_GAP_PX = 40  # between the two figures and their captions
HISTORY_MIN_PX = 2 * TOUCH_PX + 24  # the history's header and a (kiosk) row at least; it scrolls in its place
# The sizes are the panel's own style sheet, not setFont(): the application's theme sets a font size
# on every widget (QWidget { font-size: 11pt }, 13pt in kiosk), and a style sheet's font wins over
# setFont, so embedded in a themed window the 56 px figures came out at 15-17 px. A widget's nearer
# style sheet wins over the application's, whatever the page around it says.
STYLE = f"""
QWidget#BandLifePanel QLabel, QWidget#BandLifePanel QLineEdit {{ font-size: {TEXT_PX}px; }}
QWidget#BandLifePanel QLabel#BandLifeTitle {{ font-size: 24px; font-weight: bold; }}
QWidget#BandLifePanel QLabel#BandLifeUsed, QWidget#BandLifePanel QLabel#BandLifeRemaining {{
    font-size: {BIG_PX}px; font-weight: bold; }}
QWidget#BandLifePanel QLabel#BandLifeHistoryCaption {{ font-weight: bold; }}
QLabel#BandLifeRemaining[state="attention"] {{ background: #f5d000; color: #000; padding: 0 8px; }}
QLabel#BandLifeMessage[state="attention"] {{ background: #e0a000; color: #000; font-weight: bold; padding: 4px; }}
QLabel#BandLifeMethod, QLabel#BandLifeCounters {{ color: #303336; }}
"""
# The band history box carries its own sizes: a page may lay it out apart from the panel (the
# Production page puts it full width under the panel; six columns did not fit beside it).
HISTORY_STYLE = f"""
QWidget#BandHistory QLabel, QWidget#BandHistory QLineEdit {{ font-size: {TEXT_PX}px; }}
QWidget#BandHistory QLabel#BandLifeHistoryCaption {{ font-weight: bold; }}
"""


def _font(px: int, *, bold: bool = False) -> QFont:
    font = QFont()
    font.setPixelSize(px)
    font.setBold(bold)
    return font


def _say(label: QLabel, text: str) -> None:
    """A message in the attention colour, shown only while there is one (no empty line kept)."""
    label.setText(text)
    set_state(label, "attention" if text else "none")
    label.setVisible(bool(text))


def _when(ts_ms: int | None, zone: QTimeZone) -> str:
    """Plant time (machine.time_zone), as the Production page shows it."""
    return "—" if ts_ms is None else QDateTime.fromMSecsSinceEpoch(int(ts_ms), zone).toString("yyyy-MM-dd HH:mm")


class BandLifePanel(QWidget):
    """Band life of the band on the saw, and the band history (the Production page embeds it)."""

    def __init__(
        self,
        engine: EngineApi,
        parent: QWidget | None = None,
        *,
        refresh_ms: int = 10_000,
        session: Callable[[], UserSession] | None = None,
        touch: bool | Callable[[], bool] = False,
    ) -> None:
        """``session``: who is acting, for notes in the band history (None: no note field)."""
        super().__init__(parent)
        self.setObjectName("BandLifePanel")
        # The plant's zone as an object of this panel: building a panel never changes the process's
        # zone (it called use_plant_zone, which every other time on the screen reads).
        self.zone = zone_named(engine.settings.machine.time_zone)
        self.setStyleSheet(STYLE)
        self.engine = engine
        self.view: BandLifeView | None = None
        self.task: asyncio.Task[None] | None = None
        self.timer = QTimer(self)
        self.timer.setInterval(refresh_ms)
        self.timer.timeout.connect(self.refresh)

        self.title = QLabel(self)
        self.title.setObjectName("BandLifeTitle")
        self.title.setFont(_font(24, bold=True))
        self.used_caption, self.used = QLabel(self), QLabel("—", self)
        self.remaining_caption, self.remaining = QLabel(self), QLabel("—", self)
        for big in (self.used, self.remaining):
            big.setFont(_font(BIG_PX, bold=True))
            big.setAlignment(Qt.AlignmentFlag.AlignRight | Qt.AlignmentFlag.AlignVCenter)
        self.used.setObjectName("BandLifeUsed")
        self.remaining.setObjectName("BandLifeRemaining")
        self.left = QLabel(self)
        self.method = QLabel(self)
        self.method.setWordWrap(True)
        self.counters = QLabel(self)
        self.message = QLabel(self)
        self.message.setWordWrap(True)
        self.message.setObjectName("BandLifeMessage")
        self.message.setVisible(False)
        self.method.setObjectName("BandLifeMethod")
        self.counters.setObjectName("BandLifeCounters")
        for small in (self.used_caption, self.remaining_caption, self.left, self.method, self.counters, self.message):
            small.setFont(_font(TEXT_PX))

        figures = QGridLayout()
        # The captions over their right-aligned figures, a clear gap between the two columns: left
        # aligned, "Life used (estimated from the cuts)" ran into "Life remaining".
        figures.setHorizontalSpacing(CAPTION_GAP_PX)
        for caption in (self.used_caption, self.remaining_caption):
            caption.setAlignment(Qt.AlignmentFlag.AlignRight | Qt.AlignmentFlag.AlignBottom)
            caption.setWordWrap(True)
        figures.addWidget(self.used_caption, 0, 0)
        figures.addWidget(self.used, 1, 0)
        figures.addWidget(self.remaining_caption, 0, 1)
        figures.addWidget(self.remaining, 1, 1)
        figures.addWidget(self.left, 2, 1)

        # The band history (caption, table, note field) in a box of its own: see HISTORY_STYLE.
        self.history_box = QWidget(self)
        self.history_box.setObjectName("BandHistory")
        self.history_box.setStyleSheet(HISTORY_STYLE)
        self.history = QTableWidget(0, 6, self.history_box)
        self.history.setEditTriggers(QAbstractItemView.EditTrigger.NoEditTriggers)
        self.history.setSelectionMode(QAbstractItemView.SelectionMode.NoSelection)
        self.history.verticalHeader().setVisible(False)
        # Every column as wide as its header and cells; "Why" (with the notes) takes the rest and
        # wraps, its rows as tall as their text, so a long note never pushes columns out of view.
        columns = self.history.horizontalHeader()
        columns.setSectionResizeMode(QHeaderView.ResizeMode.ResizeToContents)
        columns.setSectionResizeMode(WHY_COLUMN, QHeaderView.ResizeMode.Stretch)
        columns.setStretchLastSection(False)
        # Rows as tall as their wrapped text (a long note reads whole), in kiosk too; the table scrolls
        # in its own place (the Production page's Band history tab) rather than growing the page.
        keep_rows_fitted(self.history)
        self.history.setMinimumHeight(HISTORY_MIN_PX)
        self.history.setVerticalScrollMode(QAbstractItemView.ScrollMode.ScrollPerPixel)

        layout = QVBoxLayout(self)
        layout.setContentsMargins(0, 0, 0, 0)
        layout.setSpacing(4)
        layout.addWidget(self.title)
        layout.addLayout(figures)
        layout.addWidget(self.method)
        layout.addWidget(self.counters)
        layout.addWidget(self.message)
        self.history_caption = QLabel(self.history_box)
        self.history_caption.setObjectName("BandLifeHistoryCaption")
        self.history_caption.setFont(_font(TEXT_PX, bold=True))
        history = QVBoxLayout(self.history_box)
        history.setContentsMargins(0, 0, 0, 0)
        history.addWidget(self.history_caption)
        history.addWidget(self.history, 1)
        self.session = session
        self.note = TextEntry("", touch=touch, parent=self.history_box)
        self.note.setFont(_font(TEXT_PX))
        self.note.setMaxLength(NOTE_MAX_CHARS)
        self.add_note = QPushButton(self.history_box)
        self.add_note.setMinimumHeight(TOUCH_PX)
        self.add_note.clicked.connect(self.write_note)
        notes = QHBoxLayout()
        notes.addWidget(self.note, 1)
        notes.addWidget(self.add_note)
        history.addLayout(notes)
        self.note_message = QLabel(self.history_box)
        self.note_message.setObjectName("BandLifeMessage")
        self.note_message.setWordWrap(True)
        self.note_message.setFont(_font(TEXT_PX))
        self.note_message.setVisible(False)
        history.addWidget(self.note_message)
        layout.addWidget(self.history_box, 1)
        self.set_note_allowed(True)
        self.retranslate()

    def set_note_allowed(self, allowed: bool) -> None:
        """The note field only for who may write notes (note_band: operator and up; the page asks)."""
        for widget in (self.note, self.add_note):
            widget.setVisible(allowed and self.session is not None)

    # --- texts -----------------------------------------------------------------------------

    def retranslate(self) -> None:
        self.used_caption.setText(self.tr("Life used (estimated from the cuts)"))
        self.remaining_caption.setText(self.tr("Life remaining"))
        self.history_caption.setText(self.tr("Band history"))
        self.note.setPlaceholderText(self.tr("Note about the band on the saw, e.g. why it came off"))
        self.note.set_title(self.tr("Note about the band"))
        self.add_note.setText(self.tr("Add note"))
        self.history.setHorizontalHeaderLabels(
            [
                self.tr("Band"),
                self.tr("Fitted"),
                self.tr("Taken off"),
                self.tr("Why"),
                self.tr("Tooth breakages"),
                self.tr("Life used at removal"),
            ]
        )
        self.show_view(self.view)

    def method_text(self, e: BandEstimate) -> str:
        if e.method == "trend":
            text = self.tr("From the rise of the band load at equal chip load: %1, %2, load up %3")
            return (
                text.replace("%1", self.tr("%n cuts", "", e.usable_cuts))
                .replace("%2", self.tr("%n materials", "", e.materials))
                .replace("%3", format_percent(e.rise_pct, 0))
            )
        if e.method == "area":
            text = self.tr(
                "From the area cut against the set blade life: too few cuts (%1) or too little rise for the trend"
            )
            return text.replace("%1", str(e.usable_cuts))
        return self.tr(
            "Band id 0: no band id is set on the PLC, so every band's cuts count together. Set it at each band change."
        )

    def removal_text(self, row: BandHistoryRow) -> str:
        reasons = {
            "tooth_breakage": self.tr("Tooth breakage"),
            "worn": self.tr("Worn (end of life)"),
            "band_id_changed": self.tr("Band id changed"),
        }
        if row.removed_ms is None:
            why = self.tr("On the saw") if row.band_id != 0 else self.tr("No band id set (0)")
        else:
            why = reasons.get(row.reason, row.reason)
        return " — ".join([why, *row.notes])

    def changeEvent(self, event: QEvent) -> None:
        if event.type() == QEvent.Type.LanguageChange:
            self.retranslate()
        super().changeEvent(event)

    # --- data ------------------------------------------------------------------------------

    def showEvent(self, event: QShowEvent) -> None:
        super().showEvent(event)
        self.timer.start()
        self.refresh()

    def hideEvent(self, event: QHideEvent) -> None:
        self.timer.stop()
        super().hideEvent(event)

    def refresh(self) -> None:
        """Ask the engine for the band's figures (one read at a time, off the GUI thread)."""
        if self.task is not None and not self.task.done():
            return
        try:
            self.task = spawn(self.load())
        except RuntimeError:  # no event loop (a widget test without one)
            self.task = None

    async def load(self) -> None:
        result = await self.engine.band_life()
        if not result.ok or result.value is None:
            why = reason_text(result)
            # core's "cannot read the band life: {error}" says it already (not "... cannot be read: cannot read ...")
            _say(
                self.message,
                why[:1].upper() + why[1:]
                if result.code == READ_CODE
                else self.tr("Band life cannot be read: %1").replace("%1", why),
            )
            return
        self.show_view(result.value)

    def write_note(self) -> None:
        """The note goes into the band history through the engine (checked and audited there)."""
        if self.session is None:
            return
        result = self.engine.note_band(self.session(), self.note.text())
        if not result.ok:
            # Beside the note field (the Production page shows the history on a tab of its own).
            _say(self.note_message, self.tr("Note not written: %1").replace("%1", reason_text(result)))
            return
        _say(self.note_message, "")
        self.note.clear()
        self.refresh()

    def show_view(self, view: BandLifeView | None) -> None:
        self.view = view
        e = view.estimate if view is not None else None
        _say(self.message, "")
        if view is None or view.band_id is None:
            self.title.setText(self.tr("Band life"))
            self.used.setText("—")
            self.remaining.setText("—")
            self.left.setText("")
            self.method.setText(self.tr("No band seen yet: no cut has been recorded with a band id."))
            self.counters.setText("")
        else:
            self.title.setText(
                self.tr("Band %1").replace("%1", str(view.band_id)) if view.band_id else self.tr("No band id set (0)")
            )
            self.used.setText(self._pct(e.life_used_pct if e else None))
            self.remaining.setText(self._pct(e.remaining_pct if e else None))
            self.left.setText(self._left(e))
            self.method.setText(self.method_text(e) if e is not None else self.tr("No cut on this band yet."))
            self.counters.setText(self._counters(e))
        alarm = self.engine.alarm(BAND_LIFE_ALARM)
        set_state(self.remaining, "attention" if alarm is not None and alarm.condition else "none")
        self._fill_history(view.history if view is not None else [])

    @staticmethod
    def _pct(value: float | None) -> str:
        return format_percent(value, 0)

    def _left(self, e: BandEstimate | None) -> str:
        if e is None or e.remaining_cm2 is None:
            return ""
        text = self.tr("%1 cm² left").replace("%1", format_number(e.remaining_cm2, 0))
        if e.remaining_cuts is not None:
            text += " · " + self.tr("about %n cuts", "", round(e.remaining_cuts))
        return text

    def _counters(self, e: BandEstimate | None) -> str:
        if e is None:
            return ""
        return (
            self.tr("%n cuts · %1 cm² cut · %2 h running", "", e.cuts)
            .replace("%1", format_number(e.area_cm2, 0))
            .replace("%2", format_number(e.run_s / 3600.0, 1))
        )

    def _fill_history(self, rows: list[BandHistoryRow]) -> None:
        self.history.setRowCount(len(rows))
        for i, row in enumerate(rows):
            used = format_percent(row.life_used_pct, 0)
            cells = (
                str(row.band_id),
                _when(row.installed_ms, self.zone),
                _when(row.removed_ms, self.zone),
                self.removal_text(row),
                str(row.breakages),
                used,
            )
            for column, text in enumerate(cells):
                item = QTableWidgetItem(text)
                item.setFont(_font(TEXT_PX))
                self.history.setItem(i, column, item)
        fit_rows(self.history)
