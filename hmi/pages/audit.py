"""Audit trail page: who did what, when, from what to what; filters and CSV export.

``AuditPage(bridge, engine, parent)``. The engine reads log.db ``audit`` read-only in its worker
(this page can never change the trail). Everyone may look; exporting needs the export right
(engineer); the engine writes the CSV off the loop thread and audits the export. In kiosk mode
the text filter is typed on the on-screen letter keyboard, the user is chosen from a list, and the
export goes where the touch file picker says (export folder or a USB stick), never through the
desktop file dialog. Texts follow the screen's language live.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
import re
import time
from collections.abc import Callable
from pathlib import Path
from typing import Any

from PySide6.QtCore import (
    QAbstractTableModel,
    QCoreApplication,
    QEvent,
    QModelIndex,
    QObject,
    QPersistentModelIndex,
    Qt,
    QTimeZone,
)
from PySide6.QtGui import QShowEvent
from PySide6.QtWidgets import (
    QAbstractItemView,
    QComboBox,
    QDialog,
    QHBoxLayout,
    QHeaderView,
    QLabel,
    QPushButton,
    QTableView,
    QVBoxLayout,
    QWidget,
)

from core.api import AuditFilter, AuditRow, EngineApi
from hmi.code_names import audit_action_name, audit_detail, audit_result_name, audit_value_name, reason_text
from hmi.dialogs.file_choice import choose_save_path
from hmi.formatting import format_g, plant_time, zone_named
from hmi.i18n import QT_TRANSLATE_NOOP
from hmi.kiosk import FIELD_PX, ROW_PX
from hmi.permissions import Action, can
from hmi.session import Session
from hmi.tasks import spawn
from hmi.widgets.letter_keyboard import TextEntry
from hmi.widgets.style import set_state
from hmi.widgets.touch_file_picker import removable_mounts

log = logging.getLogger("bandsaw.hmi.audit")

ROW_LIMIT = 2000
# Labels are marked for lupdate here and translated where shown (_t).
RANGES: tuple[tuple[str, float | None], ...] = (
    (QT_TRANSLATE_NOOP("AuditPage", "Last hour"), 3600.0), (QT_TRANSLATE_NOOP("AuditPage", "Last 24 hours"), 86400.0),
    (QT_TRANSLATE_NOOP("AuditPage", "Last 7 days"), 7 * 86400.0),
    (QT_TRANSLATE_NOOP("AuditPage", "Last 30 days"), 30 * 86400.0),
    (QT_TRANSLATE_NOOP("AuditPage", "Everything"), None),
)
CATEGORIES: tuple[tuple[str, tuple[str, ...]], ...] = (
    (QT_TRANSLATE_NOOP("AuditPage", "All actions"), ()), (QT_TRANSLATE_NOOP("AuditPage", "PLC writes"), ("write",)),
    (QT_TRANSLATE_NOOP("AuditPage", "Settings"), ("setting",)),
    (QT_TRANSLATE_NOOP("AuditPage", "Logins"), ("login", "logout", "login_failed")),
    (QT_TRANSLATE_NOOP("AuditPage", "Users"), ("user_",)), (QT_TRANSLATE_NOOP("AuditPage", "Alarms"), ("alarm_",)),
    (QT_TRANSLATE_NOOP("AuditPage", "Backup and restore"), ("backup", "restore", "restore_backup")),
    (QT_TRANSLATE_NOOP("AuditPage", "Mode"), ("set_mode", "toggle_ml")),
)
RESULTS = ("", "accepted", "clamped", "refused", "failed")  # the trail's own words (filter values)
HEADERS = (QT_TRANSLATE_NOOP("AuditPage", "Time"), QT_TRANSLATE_NOOP("AuditPage", "User"),
           QT_TRANSLATE_NOOP("AuditPage", "Action"), QT_TRANSLATE_NOOP("AuditPage", "Target"),
           QT_TRANSLATE_NOOP("AuditPage", "Old"), QT_TRANSLATE_NOOP("AuditPage", "New"),
           QT_TRANSLATE_NOOP("AuditPage", "Result"), QT_TRANSLATE_NOOP("AuditPage", "Detail"))


def _t(text: str) -> str:
    return QCoreApplication.translate("AuditPage", text)


_NUMBER = re.compile(r"-?\d+(\.\d+)?(e[-+]?\d+)?")


def _text(value: object) -> str:
    """An old/new value: a number in the screen's locale, a role/state/mode by its name."""
    if value is None:
        return ""
    if isinstance(value, int | float) and not isinstance(value, bool):
        return format_g(value)
    if isinstance(value, str) and _NUMBER.fullmatch(value):  # log.db keeps values as TEXT ("30.0")
        return format_g(float(value))
    return audit_value_name(value)


class AuditTableModel(QAbstractTableModel):
    def __init__(self, parent: QObject | None = None, *, zone: QTimeZone | None = None) -> None:
        super().__init__(parent)
        self.rows: list[AuditRow] = []
        self.zone = zone  # the engine's plant zone (None: the process's)

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
            return _t(HEADERS[section])
        return None

    def data(self, index: QModelIndex | QPersistentModelIndex, role: int = Qt.ItemDataRole.DisplayRole) -> Any:
        if not index.isValid() or role != Qt.ItemDataRole.DisplayRole:
            return None
        row = self.rows[index.row()]
        return (
            plant_time(row.ts_ms, zone=self.zone), row.user, audit_action_name(row.action), row.target,
            _text(row.old_value), _text(row.new_value), audit_result_name(row.result),
            audit_detail(row.detail, zone=self.zone),
        )[index.column()]


class AuditPage(QWidget):
    def __init__(
        self, bridge: Any, engine: EngineApi, parent: QWidget | None = None, *, session: Session | None = None,
    ) -> None:
        super().__init__(parent)
        self.setObjectName("AuditPage")
        self.bridge = bridge
        self.engine = engine
        # Times in this engine's plant time, as everywhere: a zone of the page's own (setting the
        # process's plant zone from a page changed every other page's clock behind its back).
        self.zone = zone_named(engine.settings.machine.time_zone)
        self.session = session or getattr(parent, "session", None) or Session("operator", kiosk=False)
        self.query_task: asyncio.Task[None] | None = None
        self.export_dir: Path = engine.settings.export_dir
        self.export_task: Any = None
        self.file_dialog: QDialog | None = None
        self.mounts: Callable[[], list[Path]] = removable_mounts  # USB media the kiosk picker offers

        self.range_box = QComboBox(self)
        self.range_box.addItems([_t(name) for name, _ in RANGES])
        self.range_box.setCurrentIndex(1)
        self.category_box = QComboBox(self)
        self.category_box.addItems([_t(name) for name, _ in CATEGORIES])
        # About ten letters wide ("Tüm işlemler"), not as wide as its longest category: the text hint keeps room
        # (in Turkish kiosk it was cut to "hedef veya ayr…"); the open list shows every name whole.
        self.category_box.setSizeAdjustPolicy(QComboBox.SizeAdjustPolicy.AdjustToMinimumContentsLengthWithIcon)
        self.category_box.setMinimumContentsLength(10)
        self.user_box = QComboBox(self)
        self.user_box.setEditable(not self.session.kiosk)  # kiosk: chosen from the list, never typed
        self.user_box.setMinimumWidth(180)
        self.result_box = QComboBox(self)
        self.result_box.addItems(["", *(audit_result_name(result) for result in RESULTS[1:])])
        self.text_field = TextEntry("", touch=lambda: self.session.kiosk, parent=self)  # letter keyboard in kiosk
        self.text_field.editingFinished.connect(self.refresh)
        self.refresh_button = QPushButton(self)
        self.export_button = QPushButton(self)
        for widget in (self.range_box, self.category_box, self.user_box, self.result_box, self.text_field,
                       self.refresh_button, self.export_button):
            widget.setMinimumHeight(FIELD_PX)
        for box in (self.range_box, self.category_box, self.result_box):
            box.currentIndexChanged.connect(self.refresh)
        self.user_box.currentTextChanged.connect(self.refresh)
        self.text_field.returnPressed.connect(self.refresh)
        self.refresh_button.clicked.connect(self.refresh)
        self.export_button.clicked.connect(self.request_export)

        self.model = AuditTableModel(self, zone=self.zone)
        self.view = QTableView(self)
        self.view.setModel(self.model)
        self.view.setSelectionBehavior(QAbstractItemView.SelectionBehavior.SelectRows)
        self.view.verticalHeader().setDefaultSectionSize(ROW_PX if self.session.kiosk else 26)
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
        self._retranslate()
        with contextlib.suppress(RuntimeError):  # no event loop: nothing to read with
            spawn(self._reload_users())
        self.refresh()

    # --- language ----------------------------------------------------------------------------

    def changeEvent(self, event: QEvent) -> None:
        super().changeEvent(event)
        if event.type() == QEvent.Type.LanguageChange:
            self._retranslate()
        elif event.type() in (QEvent.Type.StyleChange, QEvent.Type.FontChange):
            self._fit_hint()  # kiosk on or off: other fonts

    def _fit_hint(self) -> None:
        """The text filter as wide as its hint (its only label), in the font it is shown in now."""
        self.text_field.ensurePolished()
        hint = self.text_field.fontMetrics().horizontalAdvance(self.text_field.placeholderText())
        self.text_field.setMinimumWidth(hint + 16)  # the field's margins and frame

    def _retranslate(self) -> None:
        for box, labels in ((self.range_box, [name for name, _ in RANGES]),
                            (self.category_box, [name for name, _ in CATEGORIES])):
            for i, label in enumerate(labels):
                box.setItemText(i, _t(label))
        self.result_box.setItemText(0, self.tr("Any result"))
        for i, result in enumerate(RESULTS[1:], start=1):
            self.result_box.setItemText(i, audit_result_name(result))
        if not self.user_box.isEditable() and self.user_box.count():
            self.user_box.setItemText(0, self.tr("all users"))
        line = self.user_box.lineEdit()
        if line is not None:
            line.setPlaceholderText(self.tr("all users"))
        self.text_field.setPlaceholderText(self.tr("target or detail contains"))
        self._fit_hint()
        self.text_field.set_title(self.tr("Target or detail contains"))
        self.refresh_button.setText(self.tr("Refresh"))
        self.export_button.setText(self.tr("Export CSV"))
        self.model.headerDataChanged.emit(Qt.Orientation.Horizontal, 0, len(HEADERS) - 1)
        self._show_count()
        self.update_permissions()

    # --- reading -----------------------------------------------------------------------------

    def current_filter(self, now_s: float | None = None) -> AuditFilter:
        now = time.time() if now_s is None else now_s
        span = RANGES[self.range_box.currentIndex()][1]
        return AuditFilter(
            start_ms=None if span is None else int((now - span) * 1000),
            actions=CATEGORIES[self.category_box.currentIndex()][1],
            user=self._chosen_user(),
            text=self.text_field.text().strip(),
            result=RESULTS[self.result_box.currentIndex()],
        )

    def _chosen_user(self) -> str:
        if self.user_box.isEditable():
            return self.user_box.currentText().strip()
        return str(self.user_box.currentData() or "")

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
            self._say(self.tr("The audit trail cannot be read: %1").replace("%1", reason_text(result)), "refused")
            return
        self.model.set_rows(result.value)
        self._show_count()
        self.update_permissions()

    def _show_count(self) -> None:
        rows = len(self.model.rows)
        text = self.tr("%n entries", "", rows)
        if rows >= ROW_LIMIT:
            text += " " + self.tr("(newest shown; narrow the filters or export for all)")
        self.count_label.setText(text)

    def update_permissions(self) -> None:
        """Export needs the export right; call after a login change (refresh does it too)."""
        allowed = can(self.session.user, Action.EXPORT)
        self.export_button.setEnabled(allowed and (self.export_task is None or self.export_task.done()))
        self.export_button.setToolTip("" if allowed else self.tr("Export needs an engineer login"))

    async def _reload_users(self) -> None:
        result = await self.engine.audit_values("user")
        users = result.value or []  # no usable file yet: the filter list stays empty
        current = self._chosen_user()
        self.user_box.blockSignals(True)
        self.user_box.clear()
        self.user_box.addItem("" if self.user_box.isEditable() else self.tr("all users"), "")
        for user in users:
            self.user_box.addItem(user, user)
        index = self.user_box.findData(current)
        if index >= 0:
            self.user_box.setCurrentIndex(index)
        elif self.user_box.isEditable():
            self.user_box.setCurrentText(current)
        self.user_box.blockSignals(False)

    # --- export ------------------------------------------------------------------------------

    def request_export(self) -> QDialog | None:
        """Ask where (non-modal): the desktop's save dialog, or in kiosk mode the touch file picker
        (export folder or USB media, the name on the letter keyboard); then export there."""
        if not can(self.session.user, Action.EXPORT):
            self._say(self.tr("Not permitted: %1 may not export").replace("%1", self.session.user), "refused")
            return None
        self.export_dir.mkdir(parents=True, exist_ok=True)
        name = time.strftime("audit_%Y%m%d_%H%M%S.csv")
        dialog = choose_save_path(self, self.tr("Export audit trail"), self.export_dir / name,
                                  export_dir=self.export_dir, chosen=self.start_export,
                                  name_filter=self.tr("CSV files (*.csv)"), suffixes=(".csv",),
                                  kiosk=self.session.kiosk, mounts=self.mounts)
        dialog.finished.connect(self._dialog_closed)
        self.file_dialog = dialog
        return dialog

    def _dialog_closed(self) -> None:
        self.file_dialog = None

    def start_export(self, out: Path) -> Any:
        if not can(self.session.user, Action.EXPORT):
            self._say(self.tr("Not permitted: %1 may not export").replace("%1", self.session.user), "refused")
            return None
        self.export_task = spawn(self.export(out, self.current_filter()))
        self.update_permissions()
        return self.export_task

    async def export(self, out: Path, where: AuditFilter) -> int | None:
        """The engine checks the right, writes the CSV in its worker and audits the export."""
        self._say(self.tr("Exporting to %1…").replace("%1", str(out)), "")
        try:
            result = await self.engine.export_audit(self.session.actor(), where, out)
        finally:
            self.export_task = None
            self.update_permissions()
        if not result.ok or result.value is None:  # disk full, no permission: say so, keep the page
            log.error("audit export to %s failed: %s", out, result.reason)
            self._say(self.tr("Export failed: %1").replace("%1", reason_text(result)), "refused")
            return None
        count = result.value
        self._say(self.tr("Exported %n entries to %2", "", count).replace("%2", str(out)), "ok")
        return count

    def showEvent(self, event: QShowEvent) -> None:
        super().showEvent(event)
        self._fit_hint()
        with contextlib.suppress(RuntimeError):  # no event loop: nothing to read with
            spawn(self._reload_users())
        self.refresh()  # cheap: shown fresh every time the page is opened

    def _say(self, text: str, state: str) -> None:
        self.message_label.setText(text)
        set_state(self.message_label, state)

    def shutdown(self) -> None:
        if self.file_dialog is not None:
            self.file_dialog.reject()
        if self.text_field.keyboard is not None:
            self.text_field.keyboard.close()
