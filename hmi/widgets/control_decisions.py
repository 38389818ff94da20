"""The ML controller's journal as the control page reads it: ml.db through a read-only connection.

:class:`MlJournalReader` runs short indexed queries (newest rows by id, LIMIT) on the GUI thread,
at most once a second, never per snapshot; a busy or missing database gives an empty answer and
a message, never an exception. :class:`DecisionTableModel` shows the newest decisions first and
inserts new rows at the top, so a table someone is reading does not jump on every refresh.
"""

from __future__ import annotations

import logging
import sqlite3
import time
from dataclasses import dataclass
from pathlib import Path
from typing import Any, ClassVar

from PySide6.QtCore import QAbstractTableModel, QModelIndex, QObject, QPersistentModelIndex, Qt
from PySide6.QtGui import QColor, QFont
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

from core.storage.sqlite_open import database_path, open_reader

log = logging.getLogger("bandsaw.hmi.control")

# Actions that changed something (or refused to); the rest (wait, hold, model) is the 5 Hz routine.
CHANGE_ACTIONS = ("write", "guard", "fault", "restore", "refused")
READ_BUSY_MS = 100  # the GUI thread waits at most this long for a locked database

_DECISION_COLUMNS = ("id", "ts_ms", "mode", "action", "reason", "coefficient", "descent_before",
                     "descent_speed", "cutting_before", "cutting_speed", "applied", "torque", "model")


@dataclass(frozen=True, slots=True)
class DecisionView:
    """One row of ml.db ``decisions`` as the table shows it."""

    id: int
    ts_ms: int
    mode: str
    action: str
    reason: str
    coefficient: float | None
    descent_before: float | None
    descent_after: float | None  # the setpoint after the decision (ml.db descent_speed)
    cutting_before: float | None
    cutting_after: float | None
    applied: bool
    torque: float | None
    model: str


@dataclass(frozen=True, slots=True)
class ModeChangeView:
    ts_ms: int
    mode: str
    previous_mode: str
    user: str
    reason: str


@dataclass(frozen=True, slots=True)
class GuardEventView:
    ts_ms: int
    reason: str
    torque: float | None


def time_text(ts_ms: int) -> str:
    return time.strftime("%H:%M:%S", time.localtime(ts_ms / 1000))


class MlJournalReader:
    """Read-only queries on ``<data_dir>/databases/ml.db``; reconnects after an error."""

    def __init__(self, data_dir: Path) -> None:
        self.path = database_path(data_dir, "ml")
        self._conn: sqlite3.Connection | None = None
        self.error = ""  # why the last read gave nothing, for the page

    def close(self) -> None:
        if self._conn is not None:
            self._conn.close()
            self._conn = None

    def _query(self, sql: str, params: tuple[Any, ...] = ()) -> list[tuple[Any, ...]]:
        if self._conn is None:
            if not self.path.exists():
                self.error = f"{self.path.name} not created yet (no decisions recorded)"
                return []
            try:
                conn = open_reader(self.path)
                conn.execute(f"PRAGMA busy_timeout = {READ_BUSY_MS:d}")
            except sqlite3.Error as exc:
                self.error = f"cannot open {self.path.name}: {exc}"
                return []
            self._conn = conn
        try:
            rows = self._conn.execute(sql, params).fetchall()
        except sqlite3.OperationalError as exc:
            # Locked for longer than READ_BUSY_MS, or the schema is older than v2: say so, try later.
            self.error = f"{self.path.name}: {exc}"
            self.close()
            return []
        except sqlite3.Error as exc:
            self.error = f"{self.path.name}: {exc}"
            self.close()
            return []
        self.error = ""
        return rows

    def decisions(self, limit: int = 50, *, changes_only: bool = False) -> list[DecisionView]:
        """The newest ``limit`` decisions, newest first."""
        where = f"WHERE action IN ({', '.join('?' * len(CHANGE_ACTIONS))})" if changes_only else ""
        params: tuple[Any, ...] = (*CHANGE_ACTIONS, limit) if changes_only else (limit,)
        sql = f"SELECT {', '.join(_DECISION_COLUMNS)} FROM decisions {where} ORDER BY id DESC LIMIT ?"
        return [
            DecisionView(
                id=int(r[0]), ts_ms=int(r[1]), mode=r[2] or "", action=r[3] or "", reason=r[4] or "",
                coefficient=r[5], descent_before=r[6], descent_after=r[7], cutting_before=r[8],
                cutting_after=r[9], applied=bool(r[10]), torque=r[11], model=r[12] or "",
            )
            for r in self._query(sql, params)
        ]

    def last_mode_change(self) -> ModeChangeView | None:
        rows = self._query("SELECT ts_ms, mode, previous_mode, user, reason FROM mode_changes "
                           "ORDER BY id DESC LIMIT 1")
        if not rows:
            return None
        ts_ms, mode, previous, user, reason = rows[0]
        return ModeChangeView(int(ts_ms), mode or "", previous or "", user or "", reason or "")

    def last_guard_event(self) -> GuardEventView | None:
        # decisions_action(action, ts_ms) serves this without a table scan.
        rows = self._query("SELECT ts_ms, reason, torque FROM decisions WHERE action = 'guard' "
                           "ORDER BY ts_ms DESC LIMIT 1")
        if not rows:
            return None
        return GuardEventView(int(rows[0][0]), rows[0][1] or "", rows[0][2])


def _num(value: float | None, decimals: int = 1) -> str:
    return "—" if value is None else f"{value:.{decimals}f}"


def _change(before: float | None, after: float | None, applied: bool) -> str:
    if applied and after is not None and (before is None or abs(after - before) > 1e-9):
        return f"{_num(before)} → {_num(after)}"
    return _num(before if before is not None else after)


class DecisionTableModel(QAbstractTableModel):
    """The newest decisions first; ``update`` inserts only rows newer than the top one."""

    HEADERS = ("Time", "Action", "Mode", "Output", "Descent\nmm/min", "Cutting\nm/min", "Torque\n%", "Reason")
    _BOLD_ACTIONS = frozenset({"write", "guard", "fault", "restore"})
    _ABNORMAL: ClassVar[dict[str, QColor]] = {
        "fault": QColor("#e0a000"), "guard": QColor("#f5d000"), "refused": QColor("#e0a000"),
    }

    def __init__(self, capacity: int = 50, parent: QObject | None = None) -> None:
        super().__init__(parent)
        self.capacity = capacity
        self.rows: list[DecisionView] = []
        self._bold = QFont()
        self._bold.setBold(True)

    def rowCount(self, parent: QModelIndex | QPersistentModelIndex = QModelIndex()) -> int:  # noqa: B008
        return 0 if parent.isValid() else len(self.rows)

    def columnCount(self, parent: QModelIndex | QPersistentModelIndex = QModelIndex()) -> int:  # noqa: B008
        return 0 if parent.isValid() else len(self.HEADERS)

    def headerData(self, section: int, orientation: Qt.Orientation, role: int = Qt.ItemDataRole.DisplayRole) -> Any:
        if role == Qt.ItemDataRole.DisplayRole and orientation == Qt.Orientation.Horizontal:
            return self.HEADERS[section]
        return None

    def data(self, index: QModelIndex | QPersistentModelIndex, role: int = Qt.ItemDataRole.DisplayRole) -> Any:
        if not index.isValid() or index.row() >= len(self.rows):
            return None
        row = self.rows[index.row()]
        column = index.column()
        if role == Qt.ItemDataRole.DisplayRole:
            return self.cell_text(row, column)
        if role == Qt.ItemDataRole.ToolTipRole and column == len(self.HEADERS) - 1:
            return row.reason or None
        if role == Qt.ItemDataRole.FontRole and row.action in self._BOLD_ACTIONS:
            return self._bold
        if role == Qt.ItemDataRole.BackgroundRole and column == 1:
            # ISA-101: only the action cell of an abnormal decision carries colour.
            return self._ABNORMAL.get(row.action)
        if role == Qt.ItemDataRole.TextAlignmentRole and 3 <= column <= 6:
            return int(Qt.AlignmentFlag.AlignRight | Qt.AlignmentFlag.AlignVCenter)
        return None

    @staticmethod
    def cell_text(row: DecisionView, column: int) -> str:
        if column == 0:
            return time_text(row.ts_ms)
        if column == 1:
            return row.action
        if column == 2:
            return row.mode
        if column == 3:
            return "—" if row.coefficient is None else f"{row.coefficient:+.2f}"
        if column == 4:
            return _change(row.descent_before, row.descent_after, row.applied)
        if column == 5:
            return _change(row.cutting_before, row.cutting_after, row.applied)
        if column == 6:
            return _num(row.torque)
        return row.reason

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

    def __init__(self, *, row_px: int = 28, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.model = DecisionTableModel(parent=self)
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
        self.changes_only = QPushButton("Only writes, guard and faults", self)
        self.changes_only.setCheckable(True)
        self.changes_only.setMinimumHeight(48)
        self.source_label = QLabel("", self)
        self.source_label.setObjectName("ControlNote")
        # Touch has no hover: tapping a row shows its whole reason here instead of in a tooltip.
        self.detail = QLabel("Tap a row to read the whole decision.", self)
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

    def _show_detail(self, row: int) -> None:
        if not 0 <= row < len(self.model.rows):
            return
        r = self.model.rows[row]
        cells = [self.model.cell_text(r, c) for c in range(len(DecisionTableModel.HEADERS) - 1)]
        headers = [h.replace("\n", " ") for h in DecisionTableModel.HEADERS]
        parts = [f"{headers[c]} {cells[c]}" for c in range(3, len(cells)) if cells[c] != "—"]
        text = f"{cells[0]} {r.action} ({r.mode}, model {r.model or '—'}): " + ", ".join(parts)
        self.detail.setText(text + (f" — {r.reason}" if r.reason else ""))

    def fit_columns(self) -> None:
        """Size the columns for the view's font (the kiosk theme makes it larger after construction)."""
        font = self.view.font().toString()
        if font == self._fitted_font:
            return
        self._fitted_font = font
        metrics = self.view.fontMetrics()
        header = self.view.horizontalHeader()
        for column, sample in enumerate(("00:00:00", "restore", "manual", "+0.00", "00.0 → 00.0",
                                         "00.0 → 00.0", "Torque")):
            header.resizeSection(column, metrics.horizontalAdvance(sample) * 11 // 10 + 16)  # bold rows need ~10 %

    def set_row_height(self, px: int) -> None:
        if self.view.verticalHeader().defaultSectionSize() != px:
            self.view.verticalHeader().setDefaultSectionSize(px)

    def show_rows(self, reader: MlJournalReader, *, replace: bool = False) -> None:
        self.fit_columns()
        rows = reader.decisions(self.model.capacity, changes_only=self.changes_only.isChecked())
        if replace:
            self.model.replace(rows)
        else:
            self.model.update(rows)
        text = reader.error or f"{len(self.model.rows)} newest rows from ml.db, refreshed every second"
        if text != self.source_label.text():
            self.source_label.setText(text)
