"""Confirm a restore: which backup, what happens (recording stops, current files kept aside), and a
deliberate two-step confirmation (touch "I understand", then "Restore").

Non-modal: answers through ``restore_requested``; nothing waits on ``exec()``.
"""

from __future__ import annotations

import time
from pathlib import Path

from PySide6.QtCore import Signal
from PySide6.QtWidgets import QDialog, QHBoxLayout, QLabel, QPushButton, QVBoxLayout, QWidget

from core.api import BackupInfo
from hmi.kiosk import FIELD_PX
from hmi.lifetime import delete_on_close


class RestoreDialog(QDialog):
    restore_requested = Signal(Path)

    def __init__(self, info: BackupInfo, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setObjectName("RestoreDialog")
        self.setWindowTitle(self.tr("Restore backup"))
        self.setModal(False)
        delete_on_close(self)
        self.path = info.path
        title = QLabel(self.describe_backup(info), self)
        title.setObjectName("SectionTitle")
        title.setWordWrap(True)
        text = QLabel(self.tr(
            "Restoring stops recording for a moment, checks the backup against its manifest, keeps the "
            "current databases aside (renamed with the time) and puts the backup's databases in their "
            "place; then recording starts again. Data recorded since the backup stays only in the "
            "files kept aside."), self)
        text.setWordWrap(True)
        self.understand_button = self._button(self.tr("I understand"))
        self.understand_button.setCheckable(True)
        self.understand_button.toggled.connect(self._validate)
        self.restore_button = self._button(self.tr("Restore"))
        self.restore_button.setObjectName("PrimaryButton")
        self.restore_button.clicked.connect(self._accept)
        cancel = self._button(self.tr("Cancel"))
        cancel.clicked.connect(self.reject)
        actions = QHBoxLayout()
        actions.addWidget(self.understand_button)
        actions.addStretch(1)
        actions.addWidget(cancel)
        actions.addWidget(self.restore_button)
        layout = QVBoxLayout(self)
        layout.addWidget(title)
        layout.addWidget(text)
        layout.addLayout(actions)
        self.setMinimumWidth(720)
        text.setMinimumHeight(text.heightForWidth(680))
        self._validate()

    def describe_backup(self, info: BackupInfo) -> str:
        manifest = info.manifest
        if manifest is None:
            return f"{info.path.name}: {info.problem}"
        when = time.strftime("%Y-%m-%d %H:%M:%S", time.localtime(manifest.created_ms / 1000))
        rows = self.tr("%n rows", "", manifest.total_rows)
        databases = self.tr("%n databases", "", len(manifest.databases))
        return self.tr("Backup of %1: %2 in %3").replace("%1", when).replace("%2", rows).replace("%3", databases)

    def _button(self, text: str) -> QPushButton:
        button = QPushButton(text, self)
        button.setMinimumSize(FIELD_PX * 2, FIELD_PX)
        return button

    def _validate(self) -> None:
        self.restore_button.setEnabled(self.understand_button.isChecked())

    def _accept(self) -> None:
        if not self.understand_button.isChecked():
            return
        self.restore_requested.emit(self.path)
        self.accept()
