"""A confirmation in a dialog, not inline: the page never shifts under the operator's finger.

Non-modal (no nested event loop inside the qasync loop): ``answered(bool)`` tells the caller;
the buttons are touch-sized and 16 px apart, "No" is the default. "Yes" takes no tap for
``GUARD_S`` after the dialog appears: the second tap of a double tap (or a bouncing panel) on the
button that opened it cannot answer for the operator.
"""

from __future__ import annotations

from PySide6.QtCore import QTimer, Signal
from PySide6.QtGui import QHideEvent, QShowEvent
from PySide6.QtWidgets import QDialog, QHBoxLayout, QLabel, QPushButton, QVBoxLayout, QWidget

from hmi.lifetime import delete_on_close

GUARD_S = 0.8  # a double tap is 0.1-0.5 s apart


class ConfirmDialog(QDialog):
    answered = Signal(bool)

    def __init__(self, title: str, question: str, *, yes: str, no: str, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setObjectName("ConfirmDialog")
        self.setWindowTitle(title)
        self.setModal(False)
        delete_on_close(self)
        self.question = QLabel(question, self)
        self.question.setObjectName("ConfirmQuestion")
        self.question.setWordWrap(True)
        self.yes_button = QPushButton(yes, self)
        self.no_button = QPushButton(no, self)
        for button in (self.yes_button, self.no_button):
            button.setMinimumSize(160, 56)
        self.no_button.setDefault(True)
        self.yes_button.clicked.connect(lambda: self._answer(True))
        self.no_button.clicked.connect(lambda: self._answer(False))
        buttons = QHBoxLayout()
        buttons.setSpacing(16)
        buttons.addStretch(1)
        buttons.addWidget(self.no_button)
        buttons.addWidget(self.yes_button)
        layout = QVBoxLayout(self)
        layout.setSpacing(16)
        layout.addWidget(self.question)
        layout.addLayout(buttons)
        self._done = False
        self.yes_button.setEnabled(False)  # armed GUARD_S after the dialog shows
        self._arm_timer = QTimer(self)
        self._arm_timer.setSingleShot(True)
        self._arm_timer.timeout.connect(lambda: self.yes_button.setEnabled(True))

    def showEvent(self, event: QShowEvent) -> None:
        super().showEvent(event)
        if not self.yes_button.isEnabled():
            self._arm_timer.start(int(GUARD_S * 1000))

    def hideEvent(self, event: QHideEvent) -> None:
        self._arm_timer.stop()
        super().hideEvent(event)

    def _answer(self, yes: bool) -> None:
        if not self._done:
            self._done = True
            self.answered.emit(yes)
        self.close()

    def reject(self) -> None:  # Escape or the window's close button: a "no"
        if not self._done:
            self._done = True
            self.answered.emit(False)
        super().reject()
