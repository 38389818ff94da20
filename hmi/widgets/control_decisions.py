"""The ML controller's journal as the control page shows it (core.api MlJournal, read by the engine).

The engine reads ml.db in its worker at most once a second, never per snapshot; a busy or missing
database gives an empty journal and a message, never an exception. :class:`DecisionTableModel`
shows the newest decisions first and inserts new rows at the top, so a table someone is reading
does not jump on every refresh.
"""

from __future__ import annotations

import logging
from typing import Any, ClassVar

from PySide6.QtCore import QAbstractTableModel, QModelIndex, QObject, QPersistentModelIndex, Qt
from PySide6.QtGui import QColor, QFont, QFontMetrics
from PySide6.QtWidgets import (
    QAbstractItemView,
    QHBoxLayout,
    QHeaderView,
    QLabel,
    QPushButton,
    QTableView,
    QVBoxLayout,
    QWidget,
)

from core.api import DecisionView, MlJournal
from core.registers import RegisterMap
from hmi.code_names import decision_action_name, decision_mode_name, journal_text
from hmi.formatting import format_number, format_signed, plant_time
from hmi.i18n import translate
from hmi.widgets.empty_hint import EmptyHint

log = logging.getLogger("bandsaw.hmi.control")


def time_text(ts_ms: int) -> str:
    return plant_time(ts_ms, "HH:mm:ss")  # plant time (machine.time_zone)


def _num(value: float | None, decimals: int = 1) -> str:
    return format_number(value, decimals)  # the screen's locale: 45,0 in Turkish


def _change(before: float | None, after: float | None, applied: bool) -> str:
    if applied and after is not None and (before is None or abs(after - before) > 1e-9):
        return f"{_num(before)} → {_num(after)}"
    return _num(before if before is not None else after)


class DecisionTableModel(QAbstractTableModel):
    """The newest decisions first; ``update`` inserts only rows newer than the top one."""

    HEADERS = ("Time", "Action", "Mode", "Output", "Descent\nmm/min", "Cutting\nm/min", "Torque\n%", "Reason")

    @staticmethod
    def headers() -> tuple[str, ...]:
        """HEADERS in the screen's language."""
        return (translate("DecisionsTab", "Time"), translate("DecisionsTab", "Action"),
                translate("DecisionsTab", "Mode"), translate("DecisionsTab", "Output"),
                translate("DecisionsTab", "Descent\nmm/min"), translate("DecisionsTab", "Cutting\nm/min"),
                translate("DecisionsTab", "Torque\n%"), translate("DecisionsTab", "Reason"))
    _BOLD_ACTIONS = frozenset({"write", "guard", "fault", "restore"})
    _ABNORMAL: ClassVar[dict[str, QColor]] = {
        "fault": QColor("#e0a000"), "guard": QColor("#f5d000"), "refused": QColor("#e0a000"),
    }

    def __init__(self, capacity: int = 50, parent: QObject | None = None, *,
                 registers: RegisterMap | None = None) -> None:
        super().__init__(parent)
        self.capacity = capacity
        self.registers = registers  # reasons name registers by the map's labels
        self.rows: list[DecisionView] = []
        self._bold = QFont()
        self._bold.setBold(True)

    def rowCount(self, parent: QModelIndex | QPersistentModelIndex = QModelIndex()) -> int:  # noqa: B008
        return 0 if parent.isValid() else len(self.rows)

    def columnCount(self, parent: QModelIndex | QPersistentModelIndex = QModelIndex()) -> int:  # noqa: B008
        return 0 if parent.isValid() else len(self.HEADERS)

    def headerData(self, section: int, orientation: Qt.Orientation, role: int = Qt.ItemDataRole.DisplayRole) -> Any:
        if role == Qt.ItemDataRole.DisplayRole and orientation == Qt.Orientation.Horizontal:
            return self.headers()[section]
        return None

    def data(self, index: QModelIndex | QPersistentModelIndex, role: int = Qt.ItemDataRole.DisplayRole) -> Any:
        if not index.isValid() or index.row() >= len(self.rows):
            return None
        row = self.rows[index.row()]
        column = index.column()
        if role == Qt.ItemDataRole.DisplayRole:
            return self.cell_text(row, column, self.registers)
        if role == Qt.ItemDataRole.ToolTipRole and column == len(self.HEADERS) - 1:
            return journal_text(row.reason, self.registers) or None
        if role == Qt.ItemDataRole.FontRole and row.action in self._BOLD_ACTIONS:
            return self._bold
        if role == Qt.ItemDataRole.BackgroundRole and column == 1:
            # ISA-101: only the action cell of an abnormal decision carries colour.
            return self._ABNORMAL.get(row.action)
        if role == Qt.ItemDataRole.TextAlignmentRole and 3 <= column <= 6:
            return int(Qt.AlignmentFlag.AlignRight | Qt.AlignmentFlag.AlignVCenter)
        return None

    @staticmethod
    def cell_text(row: DecisionView, column: int, registers: RegisterMap | None = None) -> str:
        if column == 0:
            return time_text(row.ts_ms)
        if column == 1:
            return decision_action_name(row.action)
        if column == 2:
            return decision_mode_name(row.mode)
        if column == 3:
            return format_signed(row.coefficient, 2)
        if column == 4:
            return _change(row.descent_before, row.descent_after, row.applied)
        if column == 5:
            return _change(row.cutting_before, row.cutting_after, row.applied)
        if column == 6:
            return _num(row.torque)
        return journal_text(row.reason, registers)

    def update(self, newest_first: list[DecisionView]) -> int:
        """Show ``newest_first``; returns how many rows were new. Older views are kept in place."""
        top = self.rows[0].id if self.rows else None
        if top is not None and newest_first and all(r.id != top for r in newest_first) and (
            newest_first[-1].id < top
        ):
            # The rows shown are no longer in the answer (a filter change, a restored database).
            return self.replace(newest_first)
        fresh = [r for r in newest_first if top is None or r.id > top]
        if not fresh:
            return 0
        self.beginInsertRows(QModelIndex(), 0, len(fresh) - 1)
        self.rows[0:0] = fresh
        self.endInsertRows()
        if len(self.rows) > self.capacity:
            self.beginRemoveRows(QModelIndex(), self.capacity, len(self.rows) - 1)
            del self.rows[self.capacity:]
            self.endRemoveRows()
        return len(fresh)

    def replace(self, newest_first: list[DecisionView]) -> int:
        self.beginResetModel()
        self.rows = list(newest_first[: self.capacity])
        self.endResetModel()
        return len(self.rows)


class DecisionsTab(QWidget):
    """The decisions table with its filter (all, or only what changed something) and its source line."""

    def __init__(self, *, row_px: int = 28, parent: QWidget | None = None,
                 registers: RegisterMap | None = None) -> None:
        super().__init__(parent)
        self.model = DecisionTableModel(parent=self, registers=registers)
        self.view = QTableView(self)
        self.view.setObjectName("DecisionTable")
        self.view.setModel(self.model)
        self.view.setSelectionBehavior(QAbstractItemView.SelectionBehavior.SelectRows)
        self.view.setAlternatingRowColors(True)
        self.view.verticalHeader().setVisible(False)
        self.view.verticalHeader().setDefaultSectionSize(row_px)
        header = self.view.horizontalHeader()
        # Fixed widths (ResizeToContents would measure every row at every refresh); wide enough for
        # "02:45:36", "49.2 → 50.2" and the bold font of written rows.
        header.setSectionResizeMode(QHeaderView.ResizeMode.Interactive)
        header.setStretchLastSection(True)
        self._fitted_font = ""
        self.fit_columns()
        self.changes_only = QPushButton(self)
        self.changes_only.setCheckable(True)
        self.changes_only.setMinimumHeight(48)
        self.source_label = QLabel("", self)
        self.source_label.setObjectName("ControlNote")
        # Touch has no hover: tapping a row shows its whole reason here instead of in a tooltip.
        self.detail = QLabel(self)
        self.detail.setObjectName("ControlNote")
        self.detail.setWordWrap(True)
        self.view.selectionModel().currentRowChanged.connect(lambda current, _prev: self._show_detail(current.row()))
        row = QHBoxLayout()
        row.addWidget(self.changes_only)
        row.addWidget(self.source_label, 1)
        layout = QVBoxLayout(self)
        layout.addLayout(row)
        layout.addWidget(self.view, 1)
        layout.addWidget(self.detail)
        self._source = ""
        self.empty = EmptyHint(self.view, "")
        self.retranslate()

    def retranslate(self) -> None:
        self.changes_only.setText(translate("DecisionsTab", "Only writes, guard and faults"))
        self.detail.setText(translate("DecisionsTab", "Tap a row to read the whole decision."))
        self.empty.setText(translate("DecisionsTab", "No decisions recorded yet: ML writes one per step while it "
                                                     "controls a cut."))
        self._fitted_font = ""  # headers in another language: measure again
        self.fit_columns()
        self.model.headerDataChanged.emit(Qt.Orientation.Horizontal, 0, len(self.model.HEADERS) - 1)

    def _show_detail(self, row: int) -> None:
        if not 0 <= row < len(self.model.rows):
            return
        r = self.model.rows[row]
        cells = [self.model.cell_text(r, c, self.model.registers) for c in range(len(DecisionTableModel.HEADERS) - 1)]
        headers = [h.replace("\n", " ") for h in DecisionTableModel.headers()]
        parts = [f"{headers[c]} {cells[c]}" for c in range(3, len(cells)) if cells[c] != "—"]
        text = (translate("DecisionsTab", "%1 %2 (%3, model %4): %5").replace("%1", cells[0])
                .replace("%2", cells[1]).replace("%3", cells[2]).replace("%4", r.model or "—")
                .replace("%5", ", ".join(parts)))
        reason = journal_text(r.reason, self.model.registers)
        self.detail.setText(text + (f" — {reason}" if reason else ""))

    def fit_columns(self) -> None:
        """Size the columns for the view's font (the kiosk theme makes it larger after construction)."""
        font = self.view.font().toString()
        if font == self._fitted_font:
            return
        self._fitted_font = font
        metrics = self.view.fontMetrics()
        bold = QFont(self.view.horizontalHeader().font())
        bold.setBold(True)  # the theme's header font
        titles = QFontMetrics(bold)
        header = self.view.horizontalHeader()
        headers = DecisionTableModel.headers()
        for column, sample in enumerate(("00:00:00", decision_action_name("restore"), decision_mode_name("manual"),
                                         "+0.00", "00.0 → 00.0", "00.0 → 00.0", "000.0")):
            title = max((titles.horizontalAdvance(line) for line in headers[column].split("\n")), default=0)
            # bold rows need ~10 %; the header's lines must fit too (kiosk fonts, Turkish words)
            header.resizeSection(column, max(metrics.horizontalAdvance(sample) * 11 // 10, title) + 16)

    def set_row_height(self, px: int) -> None:
        if self.view.verticalHeader().defaultSectionSize() != px:
            self.view.verticalHeader().setDefaultSectionSize(px)

    def show_rows(self, journal: MlJournal, *, replace: bool = False) -> None:
        self.fit_columns()
        rows = journal.decisions
        if replace:
            self.model.replace(rows)
        else:
            self.model.update(rows)
        count = len(self.model.rows)
        never_written = "not created yet" in journal.error  # core's words for "no ml.db yet": not a fault
        if journal.error and not never_written:
            text = journal.error
        elif count == 0:
            text = translate("DecisionsTab", "No ML decisions recorded yet")
        else:
            text = translate("DecisionsTab", "The %1 latest ML decisions (updated every second)").replace(
                "%1", str(count))
        if text != self.source_label.text():
            self.source_label.setText(text)
