"""First start with no admin: create one here (no default password ever exists).

Until an enabled admin exists, engineer and admin work is impossible and operators can view;
the installer normally runs ``bandsaw users init-admin`` instead. Non-modal; the PIN is entered
twice (keypad in kiosk mode; the name on the letter keyboard) and must follow the security section's rules.
"""

from __future__ import annotations

import asyncio
import logging

from PySide6.QtCore import Signal
from PySide6.QtWidgets import QDialog, QFormLayout, QHBoxLayout, QLabel, QPushButton, QVBoxLayout, QWidget

from core.api import EngineApi
from hmi.code_names import reason_text
from hmi.dialogs.login import PinField
from hmi.kiosk import FIELD_PX, GAP_PX
from hmi.lifetime import delete_on_close
from hmi.tasks import spawn
from hmi.widgets.letter_keyboard import TextEntry
from hmi.widgets.style import set_state

log = logging.getLogger("bandsaw.hmi.login")

SUGGESTED_NAME = "admin"  # a login name, not a text: never translated


class CreateAdminDialog(QDialog):
    """``created(name)`` once the first admin exists; the dialog then closes."""

    created = Signal(str)

    def __init__(self, engine: EngineApi, *, kiosk: bool, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setObjectName("CreateAdminDialog")
        self.setWindowTitle(self.tr("Create the administrator"))
        self.setModal(False)
        self.engine = engine
        self.task: asyncio.Task[bool] | None = None
        self.intro = QLabel(self.tr(
            "No administrator exists yet. Create one now: until then engineer and administrator "
            "functions stay locked and the screen is view-only."), self)
        self.intro.setWordWrap(True)
        self.name_field = TextEntry(self.tr("Administrator's name"), touch=kiosk, parent=self)  # letter keyboard
        self.name_field.setText(SUGGESTED_NAME)
        self.name_field.setObjectName("AdminName")
        self.name_field.setMinimumHeight(FIELD_PX)
        self.pin_field = PinField(self.tr("New PIN"), kiosk=kiosk, parent=self)
        self.repeat_field = PinField(self.tr("Repeat PIN"), kiosk=kiosk, parent=self)
        self.repeat_field.pin_ready.connect(self.submit)
        self.message_label = QLabel("", self)
        self.message_label.setObjectName("LoginMessage")
        self.message_label.setWordWrap(True)
        self.create_button = QPushButton(self.tr("Create"), self)
        self.later_button = QPushButton(self.tr("Later"), self)
        for button in (self.create_button, self.later_button):
            button.setMinimumSize(140, FIELD_PX)
        self.create_button.clicked.connect(self.submit)
        self.later_button.clicked.connect(self.reject)
        self.finished.connect(self._close_keypads)

        form = QFormLayout()
        form.setVerticalSpacing(GAP_PX)
        form.addRow(self.tr("Name"), self.name_field)
        form.addRow(self.tr("PIN"), self.pin_field)
        form.addRow(self.tr("Repeat"), self.repeat_field)
        buttons = QHBoxLayout()
        buttons.addStretch(1)
        buttons.addWidget(self.later_button)
        buttons.addWidget(self.create_button)
        layout = QVBoxLayout(self)
        layout.addWidget(self.intro)
        layout.addLayout(form)
        layout.addWidget(self.message_label)
        layout.addLayout(buttons)

    def submit(self) -> bool:
        """Start creating (the engine hashes the PIN in its worker); False when refused at once."""
        pin, repeat = self.pin_field.text(), self.repeat_field.text()
        if pin != repeat:
            self.repeat_field.clear()
            return self._refuse(self.tr("The two PINs differ"))
        if self.task is not None and not self.task.done():
            return False
        self.task = spawn(self.create_admin(self.name_field.text(), pin))
        return True

    async def create_admin(self, name: str, pin: str) -> bool:
        try:
            result = await self.engine.create_first_admin(name, pin)
        except Exception as exc:  # users.db not writable: say it, the screen stays usable
            log.exception("first admin could not be created")
            return self._refuse(self.tr("Could not create the administrator: %1").replace("%1", str(exc)))
        if not result.ok or result.value is None:
            return self._refuse(reason_text(result))
        self.pin_field.clear()
        self.repeat_field.clear()
        self.created.emit(result.value.name)
        self.accept()
        return True

    def _close_keypads(self) -> None:
        if self.name_field.keyboard is not None:
            self.name_field.keyboard.close()
        self.pin_field.close_keypad()
        self.repeat_field.close_keypad()

    def _refuse(self, text: str) -> bool:
        self.message_label.setText(text)
        set_state(self.message_label, "refused")
        return False


def offer_first_admin(engine: EngineApi, *, kiosk: bool, parent: QWidget | None = None) -> CreateAdminDialog | None:
    """Show the create-admin dialog when no admin exists yet (first start); None otherwise."""
    if not engine.needs_first_admin():  # an unreadable users.db says no: the login dialog says why
        return None
    dialog = CreateAdminDialog(engine, kiosk=kiosk, parent=parent)
    delete_on_close(dialog)
    dialog.show()
    return dialog
