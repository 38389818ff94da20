"""The alarms page: active alarms (priority, then newest first), acknowledge, shelve, history.

ISA-101 look: rows are grey and calm; only the priority cell of an alarm carries its priority
colour, and unacknowledged alarms are bold. Touch targets are at least 48 px. Nothing here is
modal: the shelve dialog answers through a signal, history reads are short read-only queries.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
import time
from pathlib import Path
from typing import Any, Protocol

from PySide6.QtCore import QAbstractTableModel, QModelIndex, QObject, QPersistentModelIndex, Qt, SignalInstance
from PySide6.QtGui import QBrush, QColor, QFont
from PySide6.QtWidgets import (
    QAbstractItemView,
    QComboBox,
    QHBoxLayout,
    QHeaderView,
    QLabel,
    QLineEdit,
    QPushButton,
    QTableView,
    QTabWidget,
    QVBoxLayout,
    QWidget,
)

from core.api import Alarm, AlarmLogEntry, AlarmState, EngineApi, Priority, Result
from core.api import AlarmHistoryFilter as HistoryFilter
from hmi.dialogs.alarm_shelve import ShelveDialog
from hmi.permissions import Action, can
from hmi.session import Session, acting
from hmi.tasks import spawn

log = logging.getLogger("bandsaw.hmi.alarms")

TOUCH_PX = 56
ROW_PX = 48
PRIORITY_COLOURS: dict[Priority, tuple[str, str]] = {  # background, text
    Priority.CRITICAL: ("#d0021b", "#ffffff"),
    Priority.HIGH: ("#f28c00", "#000000"),
    Priority.MEDIUM: ("#f5d000", "#000000"),
    Priority.LOW: ("#9fc5e8", "#000000"),
}
STATE_TEXT = {
    AlarmState.UNACKNOWLEDGED: "Unacknowledged",
    AlarmState.ACKNOWLEDGED: "Acknowledged",
    AlarmState.RETURNED_UNACKNOWLEDGED: "Cleared, not acknowledged",
    AlarmState.SHELVED: "Shelved",
    AlarmState.OUT_OF_SERVICE: "Out of service",
    AlarmState.NORMAL: "Normal",
}
PERIODS: tuple[tuple[str, float | None], ...] = (("Last hour", 3600.0), ("Last 8 h", 8 * 3600.0),
                                                 ("Last 24 h", 86400.0), ("Last 7 days", 7 * 86400.0),
                                                 ("All", None))
PRIORITY_FILTERS: tuple[tuple[str, int | None], ...] = (("All priorities", None), ("Critical", 1),
                                                        ("High and above", 2), ("Medium and above", 3))
ACTION_FILTERS: tuple[tuple[str, tuple[str, ...]], ...] = (
    ("All actions", ()), ("Raised", ("raise",)), ("Cleared", ("clear",)), ("Acknowledged", ("acknowledge",)),
    ("Shelving", ("shelve", "unshelve")), ("Service", ("remove_from_service", "return_to_service")),
)


class AlarmSignals(Protocol):
    """What the page needs from the bridge (hmi.bridge.EngineBridge has both)."""

    alarm_transition: SignalInstance
    alarms_changed: SignalInstance


def _time_text(ts_ms: int) -> str:
    return time.strftime("%Y-%m-%d %H:%M:%S", time.localtime(ts_ms / 1000))


def _permitted(user: str, action: str) -> bool:
    # Acknowledge/shelve are checked once access control names them; until then anyone logged in.
    if action in {a.value for a in Action}:
        return can(user, action)
    return bool(user)


class AlarmTableModel(QAbstractTableModel):
    HEADERS = ("Priority", "Raised", "Alarm", "State", "Detail")

    def __init__(self, parent: QObject | None = None) -> None:
        super().__init__(parent)
        self.alarms: list[Alarm] = []
        self._bold = QFont()
        self._bold.setBold(True)

    def set_alarms(self, alarms: list[Alarm]) -> None:
        self.beginResetModel()
        self.alarms = list(alarms)
        self.endResetModel()

    def rowCount(self, parent: QModelIndex | QPersistentModelIndex = QModelIndex()) -> int:  # noqa: B008
        return 0 if parent.isValid() else len(self.alarms)

    def columnCount(self, parent: QModelIndex | QPersistentModelIndex = QModelIndex()) -> int:  # noqa: B008
        return 0 if parent.isValid() else len(self.HEADERS)

    def headerData(self, section: int, orientation: Qt.Orientation, role: int = Qt.ItemDataRole.DisplayRole) -> Any:
        if orientation is Qt.Orientation.Horizontal and role == Qt.ItemDataRole.DisplayRole:
            return self.HEADERS[section]
        return None

    def data(self, index: QModelIndex | QPersistentModelIndex, role: int = Qt.ItemDataRole.DisplayRole) -> Any:
        if not index.isValid() or not 0 <= index.row() < len(self.alarms):
            return None
        alarm = self.alarms[index.row()]
        column = index.column()
        if role == Qt.ItemDataRole.DisplayRole:
            return self._text(alarm, column)
        if role == Qt.ItemDataRole.UserRole:
            return alarm.key
        if role == Qt.ItemDataRole.FontRole and alarm.state is AlarmState.UNACKNOWLEDGED:
            return self._bold
        colour = PRIORITY_COLOURS.get(alarm.priority)
        # Colour marks what is abnormal: the priority cell of an alarm whose condition is active.
        if column == 0 and colour is not None and alarm.condition and alarm.needs_attention:
            if role == Qt.ItemDataRole.BackgroundRole:
                return QBrush(QColor(colour[0]))
            if role == Qt.ItemDataRole.ForegroundRole:
                return QBrush(QColor(colour[1]))
        if role == Qt.ItemDataRole.ForegroundRole and not alarm.condition:
            return QBrush(QColor("#5f6366"))
        return None

    @staticmethod
    def _text(alarm: Alarm, column: int) -> str:
        if column == 0:
            return alarm.priority.name.capitalize()
        if column == 1:
            return _time_text(alarm.raised_ms) if alarm.raised_ms else ""
        if column == 2:
            return alarm.text
        if column == 3:
            if alarm.state is AlarmState.SHELVED and alarm.shelved_until_ms:
                return f"Shelved until {time.strftime('%H:%M', time.localtime(alarm.shelved_until_ms / 1000))}"
            return STATE_TEXT.get(alarm.state, alarm.state.value)
        if alarm.state in (AlarmState.SHELVED, AlarmState.OUT_OF_SERVICE):
            return alarm.shelve_reason
        return "" if alarm.value is None else f"{alarm.value:.4g}"

    def key_at(self, row: int) -> str | None:
        return self.alarms[row].key if 0 <= row < len(self.alarms) else None

    def row_of(self, key: str) -> int:
        return next((row for row, alarm in enumerate(self.alarms) if alarm.key == key), -1)


class HistoryTableModel(QAbstractTableModel):
    HEADERS = ("Time", "Alarm", "Action", "State", "Priority", "Text", "User")

    def __init__(self, parent: QObject | None = None) -> None:
        super().__init__(parent)
        self.entries: list[AlarmLogEntry] = []

    def set_entries(self, entries: list[AlarmLogEntry]) -> None:
        self.beginResetModel()
        self.entries = list(entries)
        self.endResetModel()

    def rowCount(self, parent: QModelIndex | QPersistentModelIndex = QModelIndex()) -> int:  # noqa: B008
        return 0 if parent.isValid() else len(self.entries)

    def columnCount(self, parent: QModelIndex | QPersistentModelIndex = QModelIndex()) -> int:  # noqa: B008
        return 0 if parent.isValid() else len(self.HEADERS)

    def headerData(self, section: int, orientation: Qt.Orientation, role: int = Qt.ItemDataRole.DisplayRole) -> Any:
        if orientation is Qt.Orientation.Horizontal and role == Qt.ItemDataRole.DisplayRole:
            return self.HEADERS[section]
        return None

    def data(self, index: QModelIndex | QPersistentModelIndex, role: int = Qt.ItemDataRole.DisplayRole) -> Any:
        if role != Qt.ItemDataRole.DisplayRole or not index.isValid() or index.row() >= len(self.entries):
            return None
        entry = self.entries[index.row()]
        priority = Priority(entry.priority).name.capitalize() if entry.priority in (1, 2, 3, 4) else entry.priority
        return (_time_text(entry.ts_ms), entry.alarm_key, entry.action, entry.state.replace("_", " "),
                priority, entry.text, entry.user)[index.column()]


def _table(model: QAbstractTableModel, parent: QWidget) -> QTableView:
    view = QTableView(parent)
    view.setModel(model)
    view.setSelectionBehavior(QAbstractItemView.SelectionBehavior.SelectRows)
    view.setSelectionMode(QAbstractItemView.SelectionMode.SingleSelection)
    view.setEditTriggers(QAbstractItemView.EditTrigger.NoEditTriggers)
    view.setAlternatingRowColors(False)
    view.setWordWrap(False)
    view.verticalHeader().setVisible(False)
    view.verticalHeader().setDefaultSectionSize(ROW_PX)
    view.verticalHeader().setMinimumSectionSize(ROW_PX)
    view.horizontalHeader().setStretchLastSection(True)
    view.horizontalHeader().setSectionResizeMode(QHeaderView.ResizeMode.ResizeToContents)
    view.setVerticalScrollMode(QAbstractItemView.ScrollMode.ScrollPerPixel)  # finger scrolling
    return view


def _button(text: str, parent: QWidget, name: str = "") -> QPushButton:
    button = QPushButton(text, parent)
    button.setMinimumSize(TOUCH_PX * 2, TOUCH_PX)
    if name:
        button.setObjectName(name)
    return button


def _combo(items: tuple[tuple[str, Any], ...], parent: QWidget) -> QComboBox:
    combo = QComboBox(parent)
    combo.setMinimumHeight(TOUCH_PX)
    for label, value in items:
        combo.addItem(label, value)
    return combo


class AlarmsPage(QWidget):
    """``AlarmsPage(bridge, engine)``: bridge gives alarm signals; the engine's commands act (checked, audited)."""

    def __init__(self, bridge: AlarmSignals, engine: EngineApi, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setObjectName("AlarmsPage")
        self.engine = engine
        self.user = Session.default(kiosk=engine.settings.hmi.kiosk).user
        self.export_dir: Path = engine.settings.data_dir / "exports"
        self.shelve_dialog: ShelveDialog | None = None
        self.history_task: asyncio.Task[int] | None = None

        self.summary_label = QLabel("", self)
        self.summary_label.setObjectName("AlarmSummary")
        self.message_label = QLabel("", self)
        self.message_label.setObjectName("AlarmMessage")
        self.message_label.setWordWrap(True)

        self.tabs = QTabWidget(self)
        self.tabs.addTab(self._build_active(), "Active")
        self.tabs.addTab(self._build_shelved(), "Shelved")
        self.tabs.addTab(self._build_history(), "History")
        self.tabs.currentChanged.connect(self._on_tab)

        layout = QVBoxLayout(self)
        layout.addWidget(self.summary_label)
        layout.addWidget(self.tabs, 1)
        layout.addWidget(self.message_label)

        bridge.alarms_changed.connect(self.refresh)
        bridge.alarm_transition.connect(self._on_transition)
        self.refresh()

    def set_user(self, user: str) -> None:
        """Who acknowledges and shelves from now on (login changes)."""
        self.user = user

    # --- building ------------------------------------------------------------------------

    def _build_active(self) -> QWidget:
        box = QWidget(self)
        self.active_model = AlarmTableModel(self)
        self.active_view = _table(self.active_model, box)
        self.active_view.selectionModel().selectionChanged.connect(self._update_buttons)
        self.ack_button = _button("Acknowledge", box, "AckButton")
        self.ack_button.clicked.connect(self.acknowledge_selected)
        self.ack_all_button = _button("Acknowledge all", box, "AckAllButton")
        self.ack_all_button.clicked.connect(self.acknowledge_all)
        self.shelve_button = _button("Shelve…", box, "ShelveButton")
        self.shelve_button.clicked.connect(self.open_shelve_dialog)
        row = QHBoxLayout()
        for button in (self.ack_button, self.ack_all_button, self.shelve_button):
            row.addWidget(button)
        row.addStretch(1)
        layout = QVBoxLayout(box)
        layout.addWidget(self.active_view, 1)
        layout.addLayout(row)
        return box

    def _build_shelved(self) -> QWidget:
        box = QWidget(self)
        self.shelved_model = AlarmTableModel(self)
        self.shelved_view = _table(self.shelved_model, box)
        self.shelved_view.selectionModel().selectionChanged.connect(self._update_buttons)
        self.unshelve_button = _button("Unshelve", box, "UnshelveButton")
        self.unshelve_button.clicked.connect(self.unshelve_selected)
        self.return_button = _button("Return to service", box, "ReturnButton")
        self.return_button.clicked.connect(self.return_selected)
        row = QHBoxLayout()
        row.addWidget(self.unshelve_button)
        row.addWidget(self.return_button)
        row.addStretch(1)
        layout = QVBoxLayout(box)
        layout.addWidget(self.shelved_view, 1)
        layout.addLayout(row)
        return box

    def _build_history(self) -> QWidget:
        box = QWidget(self)
        self.period_combo = _combo(PERIODS, box)
        self.period_combo.setCurrentIndex(2)
        self.priority_combo = _combo(PRIORITY_FILTERS, box)
        self.action_combo = _combo(ACTION_FILTERS, box)
        self.search_edit = QLineEdit(box)
        self.search_edit.setPlaceholderText("Alarm or text contains…")
        self.search_edit.setMinimumHeight(TOUCH_PX)
        self.search_edit.returnPressed.connect(self.reload_history)
        for combo in (self.period_combo, self.priority_combo, self.action_combo):
            combo.currentIndexChanged.connect(self.reload_history)
        self.refresh_button = _button("Refresh", box)
        self.refresh_button.clicked.connect(self.reload_history)
        self.export_button = _button("Export CSV", box, "ExportButton")
        self.export_button.clicked.connect(self._export_clicked)
        filters = QHBoxLayout()
        for widget in (self.period_combo, self.priority_combo, self.action_combo):
            filters.addWidget(widget)
        filters.addWidget(self.search_edit, 1)
        filters.addWidget(self.refresh_button)
        filters.addWidget(self.export_button)
        self.history_model = HistoryTableModel(self)
        self.history_view = _table(self.history_model, box)
        layout = QVBoxLayout(box)
        layout.addLayout(filters)
        layout.addWidget(self.history_view, 1)
        return box

    # --- live state ----------------------------------------------------------------------

    def refresh(self, _alarms: object = None) -> None:
        """Re-read the manager: active list (priority, newest first), suppressed list, counts."""
        self._reload(self.active_view, self.active_model, self.engine.active_alarms())
        self._reload(self.shelved_view, self.shelved_model, self.engine.suppressed_alarms())
        summary = self.engine.alarm_summary()
        parts = [f"{summary.unacknowledged} unacknowledged", f"{summary.active} active"]
        if summary.shelved:
            parts.append(f"{summary.shelved} shelved")
        if summary.out_of_service:
            parts.append(f"{summary.out_of_service} out of service")
        self.summary_label.setText(" · ".join(parts))
        self._update_buttons()

    @staticmethod
    def _reload(view: QTableView, model: AlarmTableModel, alarms: list[Alarm]) -> None:
        selected = AlarmsPage._selected_key(view, model)
        model.set_alarms(alarms)
        row = model.row_of(selected) if selected else -1
        if row >= 0:
            view.selectRow(row)

    def _on_transition(self, _transition: object) -> None:
        # alarms_changed follows every transition; a shelving expiry changes the suppressed list.
        if self.tabs.currentIndex() == 2 and self.isVisible():
            self.reload_history()

    def _on_tab(self, index: int) -> None:
        if index == 2:
            self.reload_history()

    @staticmethod
    def _selected_key(view: QTableView, model: AlarmTableModel) -> str | None:
        rows = view.selectionModel().selectedRows()
        return model.key_at(rows[0].row()) if rows else None

    def selected_alarm(self) -> Alarm | None:
        key = self._selected_key(self.active_view, self.active_model)
        return self.engine.alarm(key) if key else None

    def _update_buttons(self, *_args: object) -> None:
        alarm = self.selected_alarm()
        ackable = (AlarmState.UNACKNOWLEDGED, AlarmState.RETURNED_UNACKNOWLEDGED)
        self.ack_button.setEnabled(alarm is not None and alarm.state in ackable)
        self.ack_all_button.setEnabled(any(a.state in ackable for a in self.active_model.alarms))
        self.shelve_button.setEnabled(alarm is not None)
        key = self._selected_key(self.shelved_view, self.shelved_model)
        suppressed = self.engine.alarm(key) if key else None
        self.unshelve_button.setEnabled(suppressed is not None and suppressed.state is AlarmState.SHELVED)
        self.return_button.setEnabled(suppressed is not None and suppressed.state is AlarmState.OUT_OF_SERVICE)

    def _say(self, text: str) -> None:
        self.message_label.setText(text)

    # --- operator actions ----------------------------------------------------------------

    def acknowledge_selected(self) -> bool:
        alarm = self.selected_alarm()
        if alarm is None or not _permitted(self.user, "acknowledge_alarm"):
            return False
        result = self.engine.acknowledge_alarm(acting(self.user), alarm.key)
        self.refresh()  # at once: the bridge's alarm event comes after this slot
        self._say(f"Acknowledged: {alarm.text}" if result.ok else result.reason.capitalize())
        return result.ok

    def acknowledge_all(self) -> int:
        if not _permitted(self.user, "acknowledge_alarm"):
            return 0
        result = self.engine.acknowledge_all_alarms(acting(self.user))
        if not result.ok:
            self._say(result.reason)
            return 0
        count = result.value or 0
        self.refresh()
        self._say(f"{count} alarm{'s' if count != 1 else ''} acknowledged")
        return count

    def open_shelve_dialog(self) -> ShelveDialog | None:
        alarm = self.selected_alarm()
        if alarm is None or not _permitted(self.user, "shelve_alarm"):
            return None
        if self.shelve_dialog is not None:
            self.shelve_dialog.close()
        dialog = ShelveDialog(alarm, self)
        dialog.shelve_requested.connect(self.shelve)
        dialog.finished.connect(self._dialog_closed)
        self.shelve_dialog = dialog
        dialog.show()  # non-modal: the event loop and the engine keep running
        return dialog

    def _dialog_closed(self, _result: int) -> None:
        self.shelve_dialog = None

    def shelve(self, key: str, duration_s: float, reason: str) -> bool:
        result = self.engine.shelve_alarm(acting(self.user), key, duration_s, reason)
        self.refresh()
        alarm = self.engine.alarm(key)
        name = alarm.text if alarm else key
        self._say(f"Shelved for {duration_s / 60:.0f} min: {name}" if result.ok
                  else f"Could not shelve {name}: {result.reason}")
        return result.ok

    def unshelve_selected(self) -> bool:
        key = self._selected_key(self.shelved_view, self.shelved_model)
        return key is not None and self._done(self.engine.unshelve_alarm(acting(self.user), key))

    def return_selected(self) -> bool:
        key = self._selected_key(self.shelved_view, self.shelved_model)
        return key is not None and self._done(self.engine.set_alarm_in_service(acting(self.user), key, True))

    def _done(self, result: Result[None]) -> bool:
        self.refresh()
        if not result.ok:
            self._say(result.reason)
        return result.ok

    # --- history -------------------------------------------------------------------------

    def history_filter(self, limit: int = 1000) -> HistoryFilter:
        period = self.period_combo.currentData()
        since = int((time.time() - period) * 1000) if period else None
        text = self.search_edit.text().strip()
        return HistoryFilter(
            since_ms=since,
            key_contains=text if "." in text and " " not in text else "",
            text_contains=text if not ("." in text and " " not in text) else "",
            max_priority=self.priority_combo.currentData(),
            actions=self.action_combo.currentData() or (),
            limit=limit,
        )

    def reload_history(self) -> asyncio.Task[int] | None:
        """Start a history read (a click, a filter change); the table fills when it returns."""
        try:
            self.history_task = spawn(self.load_history())
        except RuntimeError:  # no event loop (a widget test without one): nothing to read with
            return None
        return self.history_task

    def _export_clicked(self) -> None:
        with contextlib.suppress(RuntimeError):
            spawn(self.export_history())

    async def load_history(self) -> int:
        """Read in the engine's worker thread: a locked or damaged log.db says so, never freezes."""
        result = await self.engine.alarm_history(self.history_filter())
        if not result.ok or result.value is None:
            self._say(f"History unavailable: {result.reason}")
            return 0
        self.history_model.set_entries(result.value)
        return len(result.value)

    async def export_history(self) -> Path | None:
        target = self.export_dir / f"alarms-{time.strftime('%Y%m%d-%H%M%S')}.csv"
        try:
            self.export_dir.mkdir(parents=True, exist_ok=True)
        except OSError as exc:  # disk full, permissions: say so, keep the page alive
            self._say(f"Export failed: {exc}")
            return None
        result = await self.engine.export_alarm_history(acting(self.user), self.history_filter(limit=1_000_000), target)
        if not result.ok:
            self._say(f"Export failed: {result.reason}")
            return None
        self._say(f"Exported {result.value} rows to {target}")
        return target
