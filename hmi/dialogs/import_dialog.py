"""Import dialog (Data page, engineer): the older smart-saw system's history, with progress and Cancel.

Non-modal and never blocking: the engine runs the import in its worker thread while it keeps
recording (each batch commits with its ledger row; see core.migrate). The engine calls the
progress callback in the loop thread; it only stores the figures, and a 100 ms QTimer shows them.
Cancel (or closing the dialog) stops the import after the batch under way; what was committed
stays, and importing again continues after it.
"""

from __future__ import annotations

import asyncio
import logging
import threading
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

from PySide6.QtCore import Qt, QTimer, Signal
from PySide6.QtGui import QCloseEvent
from PySide6.QtWidgets import (
    QCheckBox,
    QDialog,
    QHBoxLayout,
    QLabel,
    QPlainTextEdit,
    QProgressBar,
    QPushButton,
    QVBoxLayout,
    QWidget,
)

from core.api import EngineApi, ImportProgress, ImportSummary, UserSession
from hmi.code_names import reason_text
from hmi.dialogs.export_dialog import PROGRESS_QSS
from hmi.dialogs.file_choice import choose_folder
from hmi.formatting import format_number
from hmi.kiosk import FIELD_PX, in_kiosk
from hmi.tasks import spawn
from hmi.widgets.path_label import PathEdit
from hmi.widgets.touch_file_picker import removable_mounts

log = logging.getLogger("bandsaw.hmi.import")


@dataclass
class _Job:
    """Shared between the engine's callbacks (writes) and the GUI timer (reads)."""

    cancel: threading.Event
    progress: ImportProgress | None = None
    finished: bool = False
    summary: ImportSummary | None = None
    error: str = ""


class ImportDialog(QDialog):
    finished_import = Signal(str)  # the message shown when it ended

    def __init__(self, engine: EngineApi, actor: Callable[[], UserSession], parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setObjectName("ImportDialog")
        self.setWindowTitle(self.tr("Import from smart-saw"))
        self.setModal(False)
        self.engine = engine
        self._actor = actor
        self._job: _Job | None = None
        self.task: asyncio.Task[None] | None = None
        self._folder_dialog: QDialog | None = None
        self.kiosk = in_kiosk(parent)  # touch: the picker, no typing
        self.mounts: Callable[[], list[Path]] = removable_mounts
        self._timer = QTimer(self)
        self._timer.setInterval(100)
        self._timer.timeout.connect(self._poll)

        intro = QLabel(self.tr(
            "The older system's folder (with total.db, ml.db, anomaly.db, log.db). Its files are only read. "
            "Rows already imported are skipped; rows that cannot be read go to a reject file."), self)
        intro.setWordWrap(True)
        self.path_edit = PathEdit(self)  # a long folder elided in the middle while not edited, whole in its tooltip
        self.path_edit.setMinimumHeight(FIELD_PX)
        self.path_edit.setReadOnly(self.kiosk)
        if self.kiosk:  # chosen in the touch picker: nothing to edit, never the unelided editing view
            self.path_edit.setFocusPolicy(Qt.FocusPolicy.NoFocus)
        self.browse_button = self._button(self.tr("Choose…"))
        self.browse_button.clicked.connect(self.choose_folder)
        self.dry_run = QCheckBox(self.tr("Dry run (read and count, write nothing)"), self)
        self.dry_run.setMinimumHeight(FIELD_PX)
        self.progress = QProgressBar(self)
        self.progress.setMinimumHeight(32)
        self.progress.setStyleSheet(PROGRESS_QSS)
        self.progress.setRange(0, 100)
        self.status_label = QLabel("", self)
        self.status_label.setWordWrap(True)
        self.summary_view = QPlainTextEdit(self)
        self.summary_view.setReadOnly(True)
        self.import_button = self._button(self.tr("Import"))
        self.import_button.setObjectName("PrimaryButton")
        self.import_button.clicked.connect(self.start)
        self.cancel_button = self._button(self.tr("Cancel import"))
        self.cancel_button.clicked.connect(self.cancel)
        self.cancel_button.setEnabled(False)
        self.close_button = self._button(self.tr("Close"))
        self.close_button.clicked.connect(self.close)

        folder = QHBoxLayout()
        folder.addWidget(self.path_edit, 1)
        folder.addWidget(self.browse_button)
        actions = QHBoxLayout()
        actions.addStretch(1)
        for button in (self.cancel_button, self.close_button, self.import_button):
            actions.addWidget(button)
        layout = QVBoxLayout(self)
        layout.addWidget(intro)
        layout.addLayout(folder)
        layout.addWidget(self.dry_run)
        layout.addWidget(self.progress)
        layout.addWidget(self.status_label)
        layout.addWidget(self.summary_view, 1)
        layout.addLayout(actions)
        self.resize(820, 560)

    def _button(self, text: str) -> QPushButton:
        button = QPushButton(text, self)
        button.setMinimumSize(FIELD_PX * 2, FIELD_PX)
        return button

    def choose_folder(self) -> QDialog:
        """Which folder (non-modal): the desktop's folder dialog, or in kiosk mode the touch picker
        limited to the export folder and removable media (a USB stick); the choice fills the path."""
        export_dir = self.engine.settings.export_dir
        dialog = choose_folder(self, self.tr("smart-saw folder"), Path(self.path_edit.text().strip() or export_dir),
                               export_dir=export_dir,
                               chosen=lambda path: self.path_edit.setText(str(path)), kiosk=self.kiosk,
                               mounts=self.mounts)
        dialog.finished.connect(lambda _result: setattr(self, "_folder_dialog", None))
        self._folder_dialog = dialog
        return dialog

    @property
    def running(self) -> bool:
        return self._job is not None and not self._job.finished

    def start(self) -> bool:
        if self.running:
            return False
        text = self.path_edit.text().strip()
        if not text:
            self._say(self.tr("Choose the smart-saw folder."))
            return False
        job = _Job(cancel=threading.Event())
        try:
            self.task = spawn(self._run(job, Path(text), self.dry_run.isChecked()))
        except RuntimeError:
            self._say(self.tr("Import not possible: no event loop is running."))
            return False
        self._job = job
        self.progress.setValue(0)
        self.summary_view.clear()
        self._say(self.tr("Importing from {0} …").format(text))
        self._set_running(True)
        self._timer.start()
        return True

    async def _run(self, job: _Job, folder: Path, dry_run: bool) -> None:
        def progress(item: ImportProgress) -> None:
            job.progress = item

        try:
            result = await self.engine.import_smart_saw(self._actor(), folder, dry_run=dry_run, progress=progress,
                                                        cancel=job.cancel.is_set)
        except Exception as exc:  # anything else must still end the job and be shown
            log.exception("import failed")
            job.error = self.tr("Import failed: {0}").format(f"{type(exc).__name__}: {exc}")
        else:
            if result.ok and result.value is not None:
                job.summary = result.value
            else:
                job.error = self.tr("Import refused or failed: {0}").format(reason_text(result))
        finally:
            job.finished = True

    def cancel(self) -> None:
        if self._job is not None and not self._job.finished:
            self._job.cancel.set()
            self._say(self.tr("Cancelling after the batch under way …"))

    def _poll(self) -> None:
        job = self._job
        if job is None:
            self._timer.stop()
            return
        item = job.progress
        if item is not None and not job.finished:
            if item.total:
                self.progress.setValue(int(100 * item.done / item.total))
            text = (self.tr("%1: %2/%n rows, %3 rows/s", "", item.total).replace("%1", item.stream)
                    .replace("%2", format_number(item.done, 0)).replace("%3", format_number(item.rows_per_s, 0)))
            if item.eta_s is not None:
                text += ", " + self.tr("%1 s left").replace("%1", format_number(item.eta_s, 0))
            self._say(text)
        if not job.finished:
            return
        self._timer.stop()
        self._set_running(False)
        if job.summary is not None:
            summary = job.summary
            self.progress.setValue(100 if not summary.cancelled else self.progress.value())
            self.summary_view.setPlainText("\n".join(summary.lines()))
            if summary.cancelled:
                message = self.tr("Import cancelled: %n rows kept; import again to continue.", "",
                                  summary.imported)
            else:
                message = self.tr("%n rows imported, %1 rejected.", "", summary.imported).replace(
                    "%1", str(summary.rejected))
        else:
            message = job.error
        self._say(message)
        self.finished_import.emit(message)

    def _set_running(self, running: bool) -> None:
        self.cancel_button.setEnabled(running)
        for widget in (self.import_button, self.path_edit, self.browse_button, self.dry_run):
            widget.setEnabled(not running)

    def _say(self, text: str) -> None:
        self.status_label.setText(text)

    def closeEvent(self, event: QCloseEvent) -> None:
        self.cancel()  # what was committed stays
        self._timer.stop()
        if self._folder_dialog is not None:
            self._folder_dialog.close()
            self._folder_dialog = None
        super().closeEvent(event)
