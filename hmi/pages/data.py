"""Data page: backups (list with manifest status, back up now, verify, restore) and exports.

Nothing here blocks the GUI thread: backup, verify, restore and export are the engine's
commands and queries (core.api), awaited in asyncio tasks (hmi.tasks.spawn); the engine does the
file work in its worker threads, checks who may and audits it. Dialogs are non-modal. Who may do
what is asked of hmi.permissions for the main window's session user (it follows logins): backup,
import and export are engineer actions, restore an administrator's. A button the user can never
use is hidden (an operator sees the backup list, Verify and Refresh); one that is busy or needs a
selection is greyed with the reason as its tooltip.
"""

from __future__ import annotations

import asyncio
import logging
import time
from collections.abc import Callable
from pathlib import Path
from typing import Any, TypeVar

from PySide6.QtCore import QCoreApplication, QEvent, Qt
from PySide6.QtGui import QBrush, QColor, QShowEvent
from PySide6.QtWidgets import (
    QAbstractItemView,
    QDialog,
    QHBoxLayout,
    QHeaderView,
    QLabel,
    QProgressBar,
    QPushButton,
    QTableWidget,
    QTableWidgetItem,
    QVBoxLayout,
    QWidget,
)

from core.api import BackupInfo, EngineApi
from hmi.code_names import reason_text
from hmi.dialogs.export_dialog import PROGRESS_QSS, ExportDialog
from hmi.dialogs.file_choice import choose_folder
from hmi.dialogs.import_dialog import ImportDialog
from hmi.dialogs.restore_dialog import RestoreDialog
from hmi.formatting import format_number
from hmi.i18n import QT_TRANSLATE_NOOP
from hmi.kiosk import FIELD_PX, TOUCH_PX, in_kiosk
from hmi.lifetime import delete_later
from hmi.permissions import Action, can, set_unavailable, show_for
from hmi.session import Session, acting
from hmi.tasks import spawn
from hmi.widgets.empty_hint import EmptyHint
from hmi.widgets.path_label import breakable
from hmi.widgets.style import set_state
from hmi.widgets.touch_file_picker import removable_mounts

log = logging.getLogger("bandsaw.hmi.data")

BACKUP = "backup"  # hmi.permissions.Action.BACKUP (engineer)
RESTORE = "restore_backup"  # hmi.permissions.Action.RESTORE_BACKUP (administrator)
EXPORT = "export"  # hmi.permissions.Action.EXPORT (engineer)
HEADERS = (QT_TRANSLATE_NOOP("DataPage", "Taken"), QT_TRANSLATE_NOOP("DataPage", "Rows"),
           QT_TRANSLATE_NOOP("DataPage", "Size"), QT_TRANSLATE_NOOP("DataPage", "Status"))
DAMAGED_COLOUR = "#e0a000"  # the theme's attention amber
T = TypeVar("T")


def permitted(user: str, action: str) -> bool:
    """hmi.permissions decides (an action it does not know is refused)."""
    return can(user, action)


class DataPage(QWidget):
    """``DataPage(bridge, engine)``: backups, verify, restore and export, each through the engine's
    commands and queries (checked, audited, off the loop thread)."""

    def __init__(self, bridge: Any, engine: EngineApi, parent: QWidget | None = None, *,
                 session: Session | None = None) -> None:
        super().__init__(parent)
        self.setObjectName("DataPage")
        self.bridge = bridge
        self.engine = engine
        self.settings = engine.settings
        self.data_dir: Path = engine.settings.data_dir
        # Who acts: the session given (kept by the window's SessionController), else the user the
        # SessionController pushes with set_user (MainWindow follows every page). Never looked up
        # on whatever widget happens to be the parent.
        self.session = session
        self.user = session.user if session is not None else Session.default(kiosk=engine.settings.hmi.kiosk).user
        self.backups: list[BackupInfo] = []
        self.export_dialog: ExportDialog | None = None
        self.import_dialog: ImportDialog | None = None
        self.restore_dialog: RestoreDialog | None = None
        self.mounts: Callable[[], list[Path]] = removable_mounts  # USB media the restore picker offers
        self.busy = ""
        self.task: asyncio.Task[Any] | None = None
        self.list_task: asyncio.Task[None] | None = None

        self.title = title = QLabel(self)
        title.setObjectName("SectionTitle")
        self.table = QTableWidget(0, len(HEADERS), self)
        self.table.setSelectionBehavior(QAbstractItemView.SelectionBehavior.SelectRows)
        self.table.setSelectionMode(QAbstractItemView.SelectionMode.SingleSelection)
        self.table.setEditTriggers(QAbstractItemView.EditTrigger.NoEditTriggers)
        self.table.setAlternatingRowColors(True)
        self.table.verticalHeader().setVisible(False)
        self.table.verticalHeader().setDefaultSectionSize(TOUCH_PX)
        header = self.table.horizontalHeader()
        # Sane widths when empty too: a date and time, a row count, a size; the status takes the rest.
        header.setMinimumSectionSize(FIELD_PX * 2)
        for column in range(3):
            header.setSectionResizeMode(column, QHeaderView.ResizeMode.ResizeToContents)
        header.setSectionResizeMode(3, QHeaderView.ResizeMode.Stretch)
        self.empty_hint = EmptyHint(self.table, "")
        self.table.setVerticalScrollMode(QAbstractItemView.ScrollMode.ScrollPerPixel)
        self.table.itemSelectionChanged.connect(self._update_buttons)

        self.backup_button = self._button(name="PrimaryButton")
        self.backup_button.clicked.connect(self.backup_now)
        self.verify_button = self._button()
        self.verify_button.clicked.connect(self.verify_selected)
        self.restore_button = self._button()
        self.restore_button.clicked.connect(self.request_restore)
        self.restore_from_button = self._button()  # a backup on removable media
        self.restore_from_button.clicked.connect(self.request_restore_from_media)
        self.refresh_button = self._button()
        self.refresh_button.clicked.connect(self.refresh)
        self.export_button = self._button()
        self.export_button.clicked.connect(self.open_export)
        self.import_button = self._button()
        self.import_button.clicked.connect(self.open_import)
        buttons = QHBoxLayout()
        for button in (self.backup_button, self.verify_button, self.restore_button, self.restore_from_button,
                       self.refresh_button):
            buttons.addWidget(button)
        buttons.addStretch(1)
        buttons.addWidget(self.import_button)
        buttons.addWidget(self.export_button)

        self.progress = QProgressBar(self)
        self.progress.setRange(0, 0)  # busy indicator: backups report no fraction
        self.progress.setMinimumHeight(24)
        self.progress.setStyleSheet(PROGRESS_QSS)
        self.progress.setVisible(False)
        self.message_label = QLabel("", self)
        self.message_label.setObjectName("WriteStatus")  # the theme's ok / warn / refused message style
        self.message_label.setWordWrap(True)
        self.schedule_label = QLabel("", self)
        self.schedule_label.setObjectName("InfoText")

        layout = QVBoxLayout(self)
        layout.addWidget(title)
        layout.addWidget(self.table, 1)
        layout.addLayout(buttons)
        layout.addWidget(self.progress)
        layout.addWidget(self.message_label)
        layout.addWidget(self.schedule_label)
        self._retranslate()
        self.update_permissions()
        self.refresh()

    def _retranslate(self) -> None:
        """Every fixed text, in the language now installed (at start and on each language switch)."""
        self.title.setText(self.tr("Backups"))
        self.table.setHorizontalHeaderLabels([QCoreApplication.translate("DataPage", h) for h in HEADERS])
        self._show_empty_hint()
        self.backup_button.setText(self.tr("Back up now"))
        self.verify_button.setText(self.tr("Verify"))
        self.restore_button.setText(self.tr("Restore…"))
        self.restore_from_button.setText(self.tr("From USB…"))
        self.refresh_button.setText(self.tr("Refresh"))
        self.export_button.setText(self.tr("Export data…"))
        self.import_button.setText(self.tr("Import from smart-saw…"))

    def changeEvent(self, event: QEvent) -> None:
        super().changeEvent(event)
        if event.type() == QEvent.Type.LanguageChange and hasattr(self, "import_button"):
            self._retranslate()
            self._show_schedule()
            self._fill_table()

    def _button(self, *, name: str = "") -> QPushButton:
        button = QPushButton(self)
        button.setMinimumSize(FIELD_PX * 2, FIELD_PX)
        if name:
            button.setObjectName(name)
        return button

    def set_user(self, user: str) -> None:
        self.user = user
        self.update_permissions()

    def current_user(self) -> str:
        """The session's user when the page was given one, else the user last set on the page."""
        return self.session.user if self.session is not None else self.user

    # --- the list ------------------------------------------------------------------------

    def showEvent(self, event: QShowEvent) -> None:
        super().showEvent(event)
        self.refresh()

    def refresh(self) -> None:
        """Re-read the backup list (the engine lists manifests and sizes in its worker)."""
        self._show_schedule()
        try:
            self.list_task = spawn(self.reload())
        except RuntimeError:  # no event loop (a widget test without one): the list stays as it is
            self.list_task = None

    async def reload(self) -> None:
        result = await self.engine.backups()
        if not result.ok:
            self.say(self.tr("Backups cannot be listed: %1").replace("%1", reason_text(result)), "refused")
        self.backups = list(result.value or [])
        self._fill_table()

    def _fill_table(self) -> None:
        selected = self.selected()
        self.table.setRowCount(len(self.backups))
        for row, info in enumerate(self.backups):
            manifest = info.manifest
            taken = (time.strftime("%Y-%m-%d %H:%M:%S", time.localtime(manifest.created_ms / 1000))
                     if manifest else info.path.name)
            cells = (taken, format_number(manifest.total_rows, 0) if manifest else "",
                     f"{format_number(manifest.compressed_bytes / 1e6, 1)} MB" if manifest else "",
                     self.tr("Complete") if info.ok else self.tr("Damaged: %1").replace("%1", info.problem))
            for column, text in enumerate(cells):
                item = QTableWidgetItem(text)
                item.setData(Qt.ItemDataRole.UserRole, str(info.path))
                if column == 3 and not info.ok:  # colour only for what is abnormal (ISA-101)
                    item.setBackground(QBrush(QColor(DAMAGED_COLOUR)))
                    item.setToolTip(info.problem)
                self.table.setItem(row, column, item)
            if selected is not None and info.path == selected.path:
                self.table.selectRow(row)
        self._update_buttons()

    def _show_schedule(self) -> None:
        sqlite = self.settings.database.sqlite
        text = (self.tr("Daily backup at %1 (kept %2); raw samples %3 move to the archive.")
                .replace("%1", str(sqlite.backup_time)).replace("%2", self.tr("%n days", "", sqlite.retention_days))
                .replace("%3", self.tr("older than %n days", "", sqlite.archive_live_days)) if sqlite.backup_enabled
                else self.tr("Daily backup is switched off in the configuration."))
        status = self.engine.backup_status()
        if status.last_error:
            text += " " + self.tr("Last scheduled backup failed: %1").replace("%1", status.last_error)
        if status.last_archive.startswith(("not enough", "no ")) or "stopped" in status.last_archive:
            text += " " + self.tr("Archive stopped: %1").replace("%1", status.last_archive)
        self.schedule_label.setText(text)
        self.schedule_label.setWordWrap(True)
        self._update_buttons()

    def selected(self) -> BackupInfo | None:
        rows = self.table.selectionModel().selectedRows() if self.table.selectionModel() else []
        if not rows:
            return None
        item = self.table.item(rows[0].row(), 0)
        if item is None:
            return None
        path = item.data(Qt.ItemDataRole.UserRole)
        return next((info for info in self.backups if str(info.path) == path), None)

    def select(self, path: Path) -> None:
        for row, info in enumerate(self.backups):
            if info.path == path:
                self.table.selectRow(row)

    def _show_empty_hint(self) -> None:
        """An empty list points at "Back up now" only for who sees that button."""
        if permitted(self.current_user(), BACKUP):
            self.empty_hint.setText(self.tr('No backups yet: "Back up now" makes the first one.'))
        else:
            self.empty_hint.setText(self.tr("No backups yet."))

    def update_permissions(self) -> None:
        """Hide what the user can never do (the main window calls this after every login change)."""
        user = self.current_user()
        self._show_empty_hint()
        show_for(user, self.backup_button, Action.BACKUP)
        show_for(user, self.import_button, Action.BACKUP)
        show_for(user, self.restore_button, Action.RESTORE_BACKUP)
        show_for(user, self.restore_from_button, Action.RESTORE_BACKUP)
        show_for(user, self.export_button, Action.EXPORT)
        self._update_buttons()

    def _update_buttons(self) -> None:
        """Grey what is unavailable for the moment, saying why (a job runs, nothing selected)."""
        busy = self.tr("Wait: %1").replace("%1", self.busy) if self.busy else ""
        info = self.selected()
        none = self.tr("Select a backup in the list first.")
        set_unavailable(self.backup_button, busy)
        set_unavailable(self.verify_button, busy or (none if info is None or info.manifest is None else ""))
        damaged = self.tr("This backup cannot be restored: %1").replace("%1", info.problem) if info else none
        set_unavailable(self.restore_button, busy or ("" if info is not None and info.ok else damaged))
        set_unavailable(self.restore_from_button, busy,
                        tip=self.tr("Restore a backup from the export folder or a USB stick"))

    def say(self, text: str, state: str = "ok") -> None:
        self.message_label.setText(breakable(text))  # a long export or backup path wraps, never cut off
        self.message_label.setToolTip(text)
        set_state(self.message_label, state)

    def _set_busy(self, text: str) -> None:
        self.busy = text
        self.progress.setVisible(bool(text))
        if text:
            self.say(text, "warn")
        self._update_buttons()

    # --- backup --------------------------------------------------------------------------

    def backup_now(self) -> asyncio.Task[Any] | None:
        if not permitted(self.current_user(), BACKUP):
            self.say(self.tr("%1 may not start a backup.").replace("%1", self.current_user()), "refused")
            return None
        if self.busy:
            return None
        self._set_busy(self.tr("Backing up all databases …"))
        self.task = spawn(self._backup())
        return self.task

    async def _backup(self) -> bool:
        """The engine's job (same alarms, archive afterwards), checked and audited by the engine."""
        result = await self.engine.backup_now(acting(self.current_user()))
        self._set_busy("")
        if not result.ok or result.value is None:
            self.say(self.tr("Backup failed: %1").replace("%1", reason_text(result)), "refused")
            return False
        manifest = result.value
        await self.reload()
        if manifest.path is not None:
            self.select(manifest.path)
        text = self.tr("Backup complete: %n rows, %2 MB in %3 s", "", manifest.total_rows)
        self.say(text.replace("%2", format_number(manifest.compressed_bytes / 1e6, 1))
                 .replace("%3", format_number(manifest.seconds, 1)), "ok")
        return True

    def verify_selected(self) -> asyncio.Task[Any] | None:
        info = self.selected()
        if info is None or self.busy:
            return None
        self._set_busy(self.tr("Checking %1 against its manifest …").replace("%1", info.path.name))
        self.task = spawn(self._verify(info.path))
        return self.task

    async def _verify(self, path: Path) -> bool:
        result = await self.engine.verify_backup(path)
        self._set_busy("")
        if not result.ok:
            self.say(self.tr("Backup damaged: %1").replace("%1", reason_text(result)), "refused")
            return False
        self.say(self.tr("%1: every file matches its manifest (sha256).").replace("%1", path.name), "ok")
        return True

    # --- restore -------------------------------------------------------------------------

    def request_restore(self) -> RestoreDialog | None:
        info = self.selected()
        if info is None or self.busy:
            return None
        if not permitted(self.current_user(), RESTORE):
            self.say(self.tr("%1 may not restore backups (administrators only).").replace("%1", self.current_user()),
                     "refused")
            return None
        if not info.ok:
            self.say(self.tr("This backup cannot be restored: %1").replace("%1", info.problem), "refused")
            return None
        if self.restore_dialog is not None:
            self.restore_dialog.close()
        dialog = RestoreDialog(info, self)
        dialog.restore_requested.connect(self.start_restore)
        dialog.finished.connect(self._restore_dialog_closed)
        self.restore_dialog = dialog
        dialog.show()
        return dialog

    def request_restore_from_media(self) -> QDialog | None:
        """A backup folder from the export folder or removable media (the touch picker in kiosk mode,
        the folder dialog on the desktop); checked against its manifest, then the same confirmation."""
        if self.busy or not permitted(self.current_user(), RESTORE):
            self.say(self.tr("%1 may not restore backups (administrators only).").replace("%1", self.current_user()),
                     "refused")
            return None
        # The desktop dialog opens in the backup folder; the kiosk picker offers the export folder and
        # USB media only (the daily backups are in the list above).
        settings = self.engine.settings
        return choose_folder(self, self.tr("Backup to restore"), settings.backup_dir, export_dir=settings.export_dir,
                             chosen=self._restore_chosen, kiosk=in_kiosk(self), mounts=self.mounts)

    def _restore_chosen(self, path: Path) -> None:
        self._set_busy(self.tr("Checking %1 against its manifest …").replace("%1", path.name))
        self.task = spawn(self._offer_restore(path))

    async def _offer_restore(self, path: Path) -> RestoreDialog | None:
        checked = await self.engine.verify_backup(path)
        self._set_busy("")
        if not checked.ok or checked.value is None:
            self.say(self.tr("This backup cannot be restored: %1").replace("%1", reason_text(checked)), "refused")
            return None
        if self.restore_dialog is not None:
            self.restore_dialog.close()
        dialog = RestoreDialog(BackupInfo(path, checked.value, ""), self)
        dialog.restore_requested.connect(self.start_restore)
        dialog.finished.connect(self._restore_dialog_closed)
        self.restore_dialog = dialog
        dialog.show()
        return dialog

    def _restore_dialog_closed(self, _result: int) -> None:
        self.restore_dialog = None

    def start_restore(self, path: Path) -> asyncio.Task[Any] | None:
        if self.busy or not permitted(self.current_user(), RESTORE):
            return None
        self._set_busy(self.tr("Checking %1 before restoring …").replace("%1", path.name))
        self.task = spawn(self.restore(path))
        return self.task

    async def restore(self, path: Path) -> bool:
        """Verify (engine still running), then the engine stops its tasks, restores and starts again."""
        checked = await self.engine.verify_backup(path)
        if not checked.ok:
            self._set_busy("")
            self.say(self.tr("Restore refused: %1").replace("%1", reason_text(checked)), "refused")
            return False
        self._set_busy(self.tr("Restoring: recording is stopped …"))
        result = await self.engine.restore(acting(self.current_user()), path)
        self._set_busy("")
        self.refresh()
        if not result.ok:
            self.say(reason_text(result) or self.tr("Restore failed"), "refused")
            return False
        created = checked.value.created if checked.value is not None else path.name
        self.say(self.tr("Restored the backup of %1 (%2); previous files kept aside. Recording again.")
                 .replace("%1", str(created)).replace("%2", reason_text(result)), "ok")
        return True

    # --- export --------------------------------------------------------------------------

    def open_export(self) -> ExportDialog | None:
        if not permitted(self.current_user(), EXPORT):
            self.say(self.tr("%1 may not export data.").replace("%1", self.current_user()), "refused")
            return None
        if self.export_dialog is not None:
            self.export_dialog.raise_()
            return self.export_dialog
        dialog = ExportDialog(self.engine, lambda: acting(self.current_user()), list(self.engine.register_map.names),
                              self)
        dialog.finished_export.connect(lambda text: self.say(text, "ok"))
        dialog.finished.connect(self._export_dialog_closed)
        self.export_dialog = dialog
        dialog.show()  # non-modal: the engine and the HMI keep running during the export
        return dialog

    def _export_dialog_closed(self, _result: int) -> None:
        dialog, self.export_dialog = self.export_dialog, None
        if dialog is not None:
            delete_later(dialog)

    # --- import from the older system ---------------------------------------------------

    def open_import(self) -> ImportDialog | None:
        """The smart-saw import (engineer, like a backup): non-modal, progress and cancel."""
        if not permitted(self.current_user(), BACKUP):
            self.say(self.tr("%1 may not import data.").replace("%1", self.current_user()), "refused")
            return None
        if self.import_dialog is not None:
            self.import_dialog.raise_()
            return self.import_dialog
        dialog = ImportDialog(self.engine, lambda: acting(self.current_user()), self)
        dialog.finished_import.connect(lambda text: self.say(text, "ok"))
        dialog.finished.connect(self._import_dialog_closed)
        self.import_dialog = dialog
        dialog.show()
        return dialog

    def _import_dialog_closed(self, _result: int) -> None:
        dialog, self.import_dialog = self.import_dialog, None
        if dialog is not None:
            delete_later(dialog)

    def shutdown(self) -> None:
        """Cancel a running export or import (the main window calls this before the engine stops)."""
        if self.import_dialog is not None:
            self.import_dialog.close()
        if self.export_dialog is not None:
            self.export_dialog.close()
