"""Audit trail page: who did what, when, from what to what; filters and CSV export.

``AuditPage(bridge, engine, parent)``. The engine reads log.db ``audit`` read-only in its worker
(this page can never change the trail). Everyone may look; exporting needs the export right
(engineer); the engine writes the CSV off the loop thread and audits the export.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
import time
from pathlib import Path
from typing import Any

from PySide6.QtCore import QAbstractTableModel, QModelIndex, QObject, QPersistentModelIndex, Qt
from PySide6.QtGui import QShowEvent
from PySide6.QtWidgets import (
    QAbstractItemView,
    QComboBox,
    QFileDialog,
    QHBoxLayout,
    QHeaderView,
    QLabel,
    QLineEdit,
    QPushButton,
    QTableView,
    QVBoxLayout,
    QWidget,
)

from core.api import AuditFilter, AuditRow, EngineApi
from hmi.permissions import Action, can
from hmi.session import Session
from hmi.tasks import spawn
from hmi.widgets.style import set_state

log = logging.getLogger("bandsaw.hmi.audit")

TOUCH_PX = 56
ROW_LIMIT = 2000
RANGES: tuple[tuple[str, float | None], ...] = (
    ("Last hour", 3600.0), ("Last 24 hours", 86400.0), ("Last 7 days", 7 * 86400.0),
    ("Last 30 days", 30 * 86400.0), ("Everything", None),
)
CATEGORIES: tuple[tuple[str, tuple[str, ...]], ...] = (
    ("All actions", ()), ("PLC writes", ("write",)), ("Settings", ("setting",)),
    ("Logins", ("login", "logout", "login_failed")), ("Users", ("user_",)), ("Alarms", ("alarm_",)),
    ("Backup and restore", ("backup", "restore", "restore_backup")), ("Mode", ("set_mode", "toggle_ml")),
)
RESULTS = ("", "accepted", "clamped", "refused", "failed")
HEADERS = ("Time", "User", "Action", "Target", "Old", "New", "Result", "Detail")


def _text(value: object) -> str:
    return "" if value is None else str(value)


class AuditTableModel(QAbstractTableModel):
    def __init__(self, parent: QObject | None = None) -> None:
        super().__init__(parent)
        self.rows: list[AuditRow] = []

    def set_rows(self, rows: list[AuditRow]) -> None:
        self.beginResetModel()
        self.rows = rows
        self.endResetModel()

    def rowCount(self, parent: QModelIndex | QPersistentModelIndex = QModelIndex()) -> int:  # noqa: B008
        return 0 if parent.isValid() else len(self.rows)

    def columnCount(self, parent: QModelIndex | QPersistentModelIndex = QModelIndex()) -> int:  # noqa: B008
        return 0 if parent.isValid() else len(HEADERS)

    def headerData(self, section: int, orientation: Qt.Orientation, role: int = Qt.ItemDataRole.DisplayRole) -> Any:
        if role == Qt.ItemDataRole.DisplayRole and orientation == Qt.Orientation.Horizontal:
            return HEADERS[section]
        return None

    def data(self, index: QModelIndex | QPersistentModelIndex, role: int = Qt.ItemDataRole.DisplayRole) -> Any:
        if not index.isValid() or role != Qt.ItemDataRole.DisplayRole:
            return None
        row = self.rows[index.row()]
        return (
            time.strftime("%Y-%m-%d %H:%M:%S", time.localtime(row.ts_ms / 1000)), row.user, row.action, row.target,
            _text(row.old_value), _text(row.new_value), row.result, row.detail,
        )[index.column()]


class AuditPage(QWidget):
    def __init__(
        self, bridge: Any, engine: EngineApi, parent: QWidget | None = None, *, session: Session | None = None,
    ) -> None:
        super().__init__(parent)
        self.setObjectName("AuditPage")
        self.bridge = bridge
        self.engine = engine
        self.session = session or getattr(parent, "session", None) or Session("operator", kiosk=False)
        self.query_task: asyncio.Task[None] | None = None
        self.export_dir: Path = engine.settings.data_dir / "exports"
        self.export_task: Any = None
        self.file_dialog: QFileDialog | None = None

        self.range_box = QComboBox(self)
        self.range_box.addItems([name for name, _ in RANGES])
        self.range_box.setCurrentIndex(1)
        self.category_box = QComboBox(self)
        self.category_box.addItems([name for name, _ in CATEGORIES])
        self.user_box = QComboBox(self)
        self.user_box.setEditable(True)
        self.user_box.setMinimumWidth(180)
        line = self.user_box.lineEdit()
        if line is not None:
            line.setPlaceholderText("all users")
        self.result_box = QComboBox(self)
        self.result_box.addItems(["Any result", *RESULTS[1:]])
        self.text_field = QLineEdit(self)
        self.text_field.setPlaceholderText("target or detail contains")
        self.refresh_button = QPushButton("Refresh", self)
        self.export_button = QPushButton("Export CSV", self)
        for widget in (self.range_box, self.category_box, self.user_box, self.result_box, self.text_field,
                       self.refresh_button, self.export_button):
            widget.setMinimumHeight(TOUCH_PX)
        for box in (self.range_box, self.category_box, self.result_box):
            box.currentIndexChanged.connect(self.refresh)
        self.user_box.currentTextChanged.connect(self.refresh)
        self.text_field.returnPressed.connect(self.refresh)
        self.refresh_button.clicked.connect(self.refresh)
        self.export_button.clicked.connect(self.request_export)

        self.model = AuditTableModel(self)
        self.view = QTableView(self)
        self.view.setModel(self.model)
        self.view.setSelectionBehavior(QAbstractItemView.SelectionBehavior.SelectRows)
        self.view.verticalHeader().setDefaultSectionSize(40 if self.session.kiosk else 26)
        self.view.horizontalHeader().setSectionResizeMode(QHeaderView.ResizeMode.Interactive)
        self.view.horizontalHeader().setStretchLastSection(True)
        # Time on one line, register names and alarm actions whole; the detail takes the rest.
        for column, width in enumerate((180, 110, 150, 150, 120, 120, 100)):
            self.view.setColumnWidth(column, width)
        self.count_label = QLabel("", self)
        self.message_label = QLabel("", self)
        self.message_label.setObjectName("AuditMessage")
        self.message_label.setWordWrap(True)

        filters = QHBoxLayout()
        for widget in (self.range_box, self.category_box, self.user_box, self.result_box):
            filters.addWidget(widget)
        filters.addWidget(self.text_field, 1)
        filters.addWidget(self.refresh_button)
        filters.addWidget(self.export_button)
        layout = QVBoxLayout(self)
        layout.addLayout(filters)
        layout.addWidget(self.view, 1)
        layout.addWidget(self.count_label)
        layout.addWidget(self.message_label)
        with contextlib.suppress(RuntimeError):  # no event loop: nothing to read with
            spawn(self._reload_users())
        self.refresh()

    # --- reading -----------------------------------------------------------------------------

    def current_filter(self, now_s: float | None = None) -> AuditFilter:
        now = time.time() if now_s is None else now_s
        span = RANGES[self.range_box.currentIndex()][1]
        return AuditFilter(
            start_ms=None if span is None else int((now - span) * 1000),
            actions=CATEGORIES[self.category_box.currentIndex()][1],
            user=self.user_box.currentText().strip(),
            text=self.text_field.text().strip(),
            result=RESULTS[self.result_box.currentIndex()],
        )

    def refresh(self) -> None:
        """Re-read the trail with the filters (the engine reads in its worker; the page fills after)."""
        self.update_permissions()
        try:
            self.query_task = spawn(self.reload())
        except RuntimeError:  # no event loop (a widget test without one)
            self.query_task = None

    async def reload(self) -> None:
        """Newest first, at most ROW_LIMIT rows; a busy or damaged log.db is said, never a freeze."""
        result = await self.engine.audit_query(self.current_filter(), limit=ROW_LIMIT)
        if not result.ok or result.value is None:
            log.error("audit trail could not be read: %s", result.reason)
            self._say(f"The audit trail cannot be read: {result.reason}", "refused")
            return
        rows = result.value
        self.model.set_rows(rows)
        more = " (newest shown; narrow the filters or export for all)" if len(rows) >= ROW_LIMIT else ""
        self.count_label.setText(f"{len(rows)} entries{more}")
        self.update_permissions()

    def update_permissions(self) -> None:
        """Export needs the export right; call after a login change (refresh does it too)."""
        allowed = can(self.session.user, Action.EXPORT)
        self.export_button.setEnabled(allowed and (self.export_task is None or self.export_task.done()))
        self.export_button.setToolTip("" if allowed else "Export needs an engineer login")

    async def _reload_users(self) -> None:
        result = await self.engine.audit_values("user")
        users = result.value or []  # no usable file yet: the filter list stays empty
        current = self.user_box.currentText()
        self.user_box.blockSignals(True)
        self.user_box.clear()
        self.user_box.addItems(["", *users])
        self.user_box.setCurrentText(current)
        self.user_box.blockSignals(False)

    # --- export ------------------------------------------------------------------------------

    def request_export(self) -> QFileDialog | None:
        """Ask where (non-modal file dialog; kiosk: straight into <data_dir>/exports), then export."""
        if not can(self.session.user, Action.EXPORT):
            self._say(f"Not permitted: {self.session.user} may not export", "refused")
            return None
        self.export_dir.mkdir(parents=True, exist_ok=True)
        name = time.strftime("audit_%Y%m%d_%H%M%S.csv")
        if self.session.kiosk:  # no file browser on the touch panel: the exports folder, named by time
            self.start_export(self.export_dir / name)
            return None
        dialog = QFileDialog(self, "Export audit trail", str(self.export_dir / name), "CSV files (*.csv)")
        dialog.setAcceptMode(QFileDialog.AcceptMode.AcceptSave)
        dialog.setAttribute(Qt.WidgetAttribute.WA_DeleteOnClose)
        dialog.fileSelected.connect(lambda path: self.start_export(Path(path)))
        dialog.finished.connect(self._dialog_closed)
        self.file_dialog = dialog
        dialog.open()
        return dialog

    def _dialog_closed(self) -> None:
        self.file_dialog = None

    def start_export(self, out: Path) -> Any:
        if not can(self.session.user, Action.EXPORT):
            self._say(f"Not permitted: {self.session.user} may not export", "refused")
            return None
        self.export_task = spawn(self.export(out, self.current_filter()))
        self.update_permissions()
        return self.export_task

    async def export(self, out: Path, where: AuditFilter) -> int | None:
        """The engine checks the right, writes the CSV in its worker and audits the export."""
        self._say(f"Exporting to {out}…", "")
        try:
            result = await self.engine.export_audit(self.session.actor(), where, out)
        finally:
            self.export_task = None
            self.update_permissions()
        if not result.ok or result.value is None:  # disk full, no permission: say so, keep the page
            log.error("audit export to %s failed: %s", out, result.reason)
            self._say(f"Export failed: {result.reason}", "refused")
            return None
        count = result.value
        self._say(f"Exported {count} entries to {out}", "ok")
        return count

    def showEvent(self, event: QShowEvent) -> None:
        super().showEvent(event)
        with contextlib.suppress(RuntimeError):  # no event loop: nothing to read with
            spawn(self._reload_users())
        self.refresh()  # cheap: shown fresh every time the page is opened

    def _say(self, text: str, state: str) -> None:
        self.message_label.setText(text)
        set_state(self.message_label, state)

    def shutdown(self) -> None:
        if self.file_dialog is not None:
            self.file_dialog.reject()
