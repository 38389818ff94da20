"""Touch login: choose a name, enter the PIN on the on-screen keypad (masked), log in.

Modal to its window without a nested event loop (qasync: ``open()``/``show()``, never ``exec()``);
the PIN check runs as a task and its scrypt in a worker thread, the dialog closes itself on
success. Wrong PINs and lock-outs are said on the dialog in a place reserved for them; the
lock-out itself is core access control's.
"""

from __future__ import annotations

import asyncio
import logging

from PySide6.QtCore import QRect, Qt, Signal
from PySide6.QtGui import QMouseEvent
from PySide6.QtWidgets import (
    QComboBox,
    QDialog,
    QFormLayout,
    QHBoxLayout,
    QLabel,
    QLineEdit,
    QPushButton,
    QStyle,
    QStyleOptionFrame,
    QVBoxLayout,
    QWidget,
)

from hmi.code_names import reason_text
from hmi.dialogs.login_session import SessionController
from hmi.kiosk import FIELD_PX, GAP_PX
from hmi.tasks import spawn
from hmi.widgets.keypad import NumericKeypad
from hmi.widgets.style import set_state

log = logging.getLogger("bandsaw.hmi.login")

MESSAGE_PAD = 7  # the message's padding and border in the theme (6 px + 1 px)
LINE_EDIT_MARGIN = 2  # QLineEdit's own horizontal text margin (qlineedit_p.h)
MIN_WIDTH = 480
MASK = "\u2022"


class PinKeypad(NumericKeypad):
    """The on-screen keypad for PINs: digits only, shown masked, ``pin_entered(str)`` on OK.

    Not a float (a PIN keeps its leading zeros); ``text()`` never reaches a label or a log.
    """

    pin_entered = Signal(str)

    MAX_LENGTH = 32

    def __init__(self, title: str, *, parent: QWidget | None = None) -> None:
        self._pin = ""
        super().__init__(title, parent=parent)
        self.setObjectName("PinKeypad")
        for key in (".", "±"):
            self.keys[key].setEnabled(False)
            self.keys[key].setText("")
        self._refresh()

    def text(self) -> str:
        return self._pin

    def press(self, key: str) -> None:
        """Digits append (leading zeros count), ⌫ and C edit, OK hands the PIN over, Cancel closes."""
        if key == "OK":
            if self._pin:
                self.pin_entered.emit(self._pin)
                self._pin = ""
                self.accept()
            return
        if key == "Cancel":
            self._pin = ""
            self.reject()
            return
        if key == "C":
            self._pin = ""
        elif key == "⌫":
            self._pin = self._pin[:-1]
        elif key.isdigit() and len(key) == 1 and len(self._pin) < self.MAX_LENGTH:
            self._pin += key
        else:
            return
        self._refresh()

    def _refresh(self) -> None:
        pin = getattr(self, "_pin", "")  # the base class refreshes before this __init__ has run
        self.display.setText(MASK * len(pin))
        self.keys["OK"].setEnabled(bool(pin))


class PinField(QLineEdit):
    """A masked PIN field: typed on the desktop; in kiosk mode a tap opens the PIN keypad."""

    pin_ready = Signal()  # OK on the keypad or Return in the field

    def __init__(self, title: str, *, kiosk: bool, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setObjectName("PinField")
        self.title = title
        self.kiosk = kiosk
        self.keypad: PinKeypad | None = None
        self.setEchoMode(QLineEdit.EchoMode.Password)
        self.setMinimumHeight(FIELD_PX)
        self.setReadOnly(kiosk)
        self.setPlaceholderText(self.tr("tap to enter PIN") if kiosk else self.tr("PIN or password"))
        self.returnPressed.connect(self.pin_ready.emit)
        self._fit_placeholder()

    def _fit_placeholder(self) -> None:
        """As wide as the whole placeholder in the font the theme gives ('PIN girmek için dokunun' was cut)."""
        self.ensurePolished()
        option = QStyleOptionFrame()
        self.initStyleOption(option)
        text_room = self.style().subElementRect(QStyle.SubElement.SE_LineEditContents, option, self)
        chrome = self.width() - text_room.width() + 2 * LINE_EDIT_MARGIN
        needed = self.fontMetrics().horizontalAdvance(self.placeholderText()) + chrome + 8
        self.setMinimumWidth(max(self.minimumWidth(), needed))

    def open_keypad(self) -> PinKeypad:
        if self.keypad is not None:
            self.keypad.raise_()
            return self.keypad
        keypad = PinKeypad(self.title, parent=self.window())
        keypad.pin_entered.connect(self._keyed)
        keypad.finished.connect(self._closed)
        self.keypad = keypad
        keypad.show()
        return keypad

    def close_keypad(self) -> None:
        if self.keypad is not None:
            self.keypad.reject()

    def mousePressEvent(self, event: QMouseEvent) -> None:
        if self.kiosk:
            self.open_keypad()
            event.accept()
            return
        super().mousePressEvent(event)

    def _keyed(self, pin: str) -> None:
        self.setText(pin)
        self.pin_ready.emit()

    def _closed(self) -> None:
        self.keypad = None


class LoginDialog(QDialog):
    """``LoginDialog(controller, kiosk=...)``; ``logged_in(user)`` on success, then it closes."""

    logged_in = Signal(str)

    def __init__(self, controller: SessionController, *, kiosk: bool, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setObjectName("LoginDialog")
        self.setWindowTitle(self.tr("Log in"))
        # Modal to its window (nothing behind it takes a tap) without a nested event loop: show() or
        # open(), never exec() - a second loop inside a qasync slot stalls the engine's loop.
        self.setWindowModality(Qt.WindowModality.WindowModal)
        self.controller = controller
        self.kiosk = kiosk
        self.task: asyncio.Task[bool] | None = None
        self.names_task: asyncio.Task[None] | None = None

        self.name_box = QComboBox(self)
        self.name_box.setObjectName("LoginName")
        self.name_box.setEditable(not kiosk)
        self.name_box.setMinimumHeight(FIELD_PX)
        self.pin_field = PinField(self.tr("PIN"), kiosk=kiosk, parent=self)
        self.pin_field.pin_ready.connect(self.submit)
        self.message_label = QLabel("", self)
        self.message_label.setObjectName("LoginMessage")
        self.message_label.setWordWrap(True)
        self.login_button = QPushButton(self.tr("Log in"), self)
        self.login_button.setObjectName("LoginOk")
        self.cancel_button = QPushButton(self.tr("Cancel"), self)
        for button in (self.login_button, self.cancel_button):
            button.setMinimumSize(140, FIELD_PX)
        self.login_button.clicked.connect(self.submit)
        self.cancel_button.clicked.connect(self.reject)
        self.finished.connect(lambda _result: self.pin_field.close_keypad())

        form = QFormLayout()
        form.setVerticalSpacing(GAP_PX)
        form.addRow(self.tr("Name"), self.name_box)
        form.addRow(self.tr("PIN"), self.pin_field)
        buttons = QHBoxLayout()
        buttons.addStretch(1)
        buttons.addWidget(self.cancel_button)
        buttons.addWidget(self.login_button)
        layout = QVBoxLayout(self)
        layout.addLayout(form)
        layout.addWidget(self.message_label)
        layout.addLayout(buttons)
        self._reserve_room()
        self.reload_names()

    def _reserve_room(self) -> None:
        """A message has a place of its own (three lines, reserved: it never overlaps the PIN field
        or moves the buttons)."""
        self.ensurePolished()
        label = self.message_label
        label.ensurePolished()
        metrics = label.fontMetrics()
        three_lines = metrics.boundingRect(QRect(0, 0, 4000, 400), Qt.TextFlag.TextWordWrap, "X\nX\nX").height()
        label.setFixedHeight(three_lines + 2 * MESSAGE_PAD)
        self.pin_field._fit_placeholder()  # again: now in the dialog's (kiosk) font
        self.setMinimumWidth(max(self.minimumWidth(), MIN_WIDTH))

    def reload_names(self) -> None:
        """Ask the engine for the names (read in its worker); the list fills when they come."""
        try:
            self.names_task = spawn(self._reload_names())
        except RuntimeError:  # no event loop yet (a widget test): the names come with the next open
            self.names_task = None

    async def _reload_names(self) -> None:
        """Enabled users, engineers and admins first (they are the ones who log in)."""
        result = await self.controller.engine.users()
        if not result.ok or result.value is None:  # an unreadable users.db: say so, keep the screen
            log.error("users could not be read: %s", result.reason)
            self._say(self.tr("Users cannot be read; see the log"), "refused")
        users = [u for u in result.value or [] if u.enabled]
        users.sort(key=lambda u: (-u.role.rank, u.name))
        current = self.name_box.currentText()
        self.name_box.clear()
        self.name_box.addItems([u.name for u in users])
        if current:
            self.name_box.setCurrentText(current)

    def set_name(self, name: str) -> None:
        self.name_box.setCurrentText(name)

    def submit(self) -> None:
        if self.task is not None and not self.task.done():
            return
        name, pin = self.name_box.currentText().strip(), self.pin_field.text()
        if not name or not pin:
            self._say(self.tr("Choose a name and enter the PIN"), "warn")
            return
        self.task = spawn(self.attempt(name, pin))

    async def attempt(self, name: str, pin: str) -> bool:
        self.login_button.setEnabled(False)
        self._say(self.tr("Checking…"), "")
        try:
            result = await self.controller.login(name, pin)
        except Exception as exc:  # users.db unreadable, disk error: the screen stays usable
            log.exception("login failed unexpectedly")
            self.pin_field.clear()
            self._say(self.tr("Login not possible: %1").replace("%1", str(exc)), "refused")
            return False
        finally:
            self.login_button.setEnabled(True)
        self.pin_field.clear()
        if not result.ok or result.value is None:
            locked = result.code == "login.locked"  # core.texts.LOCKED_OUT: a code is stable
            self._say(reason_text(result), "refused" if locked else "warn")
            return False
        self._say("", "")
        self.logged_in.emit(result.value.user)
        self.accept()
        return True

    def _say(self, text: str, state: str) -> None:
        self.message_label.setText(text)
        set_state(self.message_label, state)
