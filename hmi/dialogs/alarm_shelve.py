"""Shelve an alarm: a reason and a time limit, chosen by touch (no keyboard needed; a reason of
one's own is typed on the on-screen letter keyboard in kiosk mode).

Non-modal: the dialog is shown with ``show()`` and answers through ``shelve_requested``; nothing
waits on ``exec()``, so the event loop (and the engine inside it) keeps running.
"""

from __future__ import annotations

from PySide6.QtCore import QCoreApplication, Signal
from PySide6.QtWidgets import (
    QButtonGroup,
    QDialog,
    QGridLayout,
    QHBoxLayout,
    QLabel,
    QPushButton,
    QVBoxLayout,
    QWidget,
)

from core.api import Alarm
from hmi.code_names import alarm_text_for
from hmi.formatting import with_unit
from hmi.i18n import QT_TRANSLATE_NOOP, current_language
from hmi.kiosk import FIELD_PX, GAP_PX, in_kiosk
from hmi.lifetime import delete_on_close
from hmi.widgets.letter_keyboard import TextEntry

# Marked for lupdate here, shown (and recorded as the reason) in the screen's language.
REASONS = (QT_TRANSLATE_NOOP("ShelveDialog", "Maintenance work"), QT_TRANSLATE_NOOP("ShelveDialog", "Sensor fault"),
           QT_TRANSLATE_NOOP("ShelveDialog", "Known process condition"),
           QT_TRANSLATE_NOOP("ShelveDialog", "Nuisance alarm (report it)"))
# (number, unit, seconds): shown with the unit as the screen's language writes it (15 dk, 1 sa).
DURATIONS: tuple[tuple[str, str, float], ...] = (("15", "min", 900.0), ("1", "h", 3600.0), ("4", "h", 14400.0),
                                                 ("8", "h", 28800.0))


def duration_label(index: int) -> str:
    number, unit, _seconds = DURATIONS[index]
    return with_unit(number, unit)


class ShelveDialog(QDialog):
    shelve_requested = Signal(str, float, str)  # alarm key, duration in seconds, reason

    def __init__(self, alarm: Alarm, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setObjectName("AlarmShelveDialog")
        self.setWindowTitle(self.tr("Shelve alarm"))
        self.setModal(False)
        delete_on_close(self)
        self.key = alarm.key
        # The alarm as this screen shows it (its catalogue text in the screen's language).
        self.alarm_text = alarm_text_for(alarm, current_language())
        title = self.title_label = QLabel(self.tr("Shelve: %1").replace("%1", self.alarm_text), self)
        title.setObjectName("SectionTitle")
        title.setWordWrap(True)

        self.reason_edit = TextEntry(self.tr("Reason"), touch=lambda: in_kiosk(self), parent=self)
        self.reason_edit.setPlaceholderText(self.tr("Reason (required)"))
        self.reason_edit.setMinimumHeight(FIELD_PX)
        self.reason_edit.textChanged.connect(self._validate)
        reasons = QGridLayout()
        reasons.setSpacing(GAP_PX)
        for index, reason in enumerate(REASONS):
            shown = QCoreApplication.translate("ShelveDialog", reason)
            button = self._button(shown)
            button.clicked.connect(lambda _=False, text=shown: self.reason_edit.setText(text))
            reasons.addWidget(button, index // 2, index % 2)

        self.duration_group = QButtonGroup(self)
        self.duration_group.setExclusive(True)
        durations = QHBoxLayout()
        durations.setSpacing(GAP_PX)
        for index in range(len(DURATIONS)):
            button = self._button(duration_label(index))
            button.setCheckable(True)
            button.setChecked(index == 1)
            self.duration_group.addButton(button, index)
            durations.addWidget(button)

        self.shelve_button = self._button(self.tr("Shelve"))
        self.shelve_button.setObjectName("PrimaryButton")
        self.shelve_button.clicked.connect(self._accept)
        cancel = self._button(self.tr("Cancel"))
        cancel.clicked.connect(self.reject)
        actions = QHBoxLayout()
        actions.setSpacing(GAP_PX)
        actions.addStretch(1)
        actions.addWidget(cancel)
        actions.addWidget(self.shelve_button)

        layout = QVBoxLayout(self)
        layout.setSpacing(GAP_PX)  # touch targets a finger's room apart (kiosk)
        layout.addWidget(title)
        layout.addWidget(QLabel(self.tr("Why:"), self))
        layout.addWidget(self.reason_edit)
        layout.addLayout(reasons)
        layout.addWidget(QLabel(self.tr("For how long (it returns by itself):"), self))
        layout.addLayout(durations)
        layout.addLayout(actions)
        self._validate()

    def _button(self, text: str) -> QPushButton:
        button = QPushButton(text, self)
        button.setMinimumSize(FIELD_PX * 2, FIELD_PX)
        return button

    @property
    def reason(self) -> str:
        return self.reason_edit.text().strip()

    @property
    def duration_s(self) -> float:
        return DURATIONS[max(self.duration_group.checkedId(), 0)][2]

    def choose(self, reason: str, duration_index: int) -> None:
        """Fill the dialog as a touch would (tests, scripted use)."""
        self.reason_edit.setText(reason)
        button = self.duration_group.button(duration_index)
        if button is not None:
            button.setChecked(True)

    def _validate(self) -> None:
        self.shelve_button.setEnabled(bool(self.reason))

    def _accept(self) -> None:
        if not self.reason:
            return
        self.shelve_requested.emit(self.key, self.duration_s, self.reason)
        self.accept()
