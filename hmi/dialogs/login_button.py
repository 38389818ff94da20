"""The window's login button: "Log in" for the operator view, "<name> (role) · Log out" otherwise.

``LoginButton(controller, kiosk=...)`` goes into the main window's navigation row; it opens the
non-modal LoginDialog, logs out on a second tap, and follows automatic log-outs.
"""

from __future__ import annotations

from PySide6.QtCore import QEvent
from PySide6.QtWidgets import QPushButton, QWidget

from hmi.code_names import role_name
from hmi.dialogs.login import LoginDialog
from hmi.dialogs.login_session import SessionController
from hmi.kiosk import FIELD_PX
from hmi.lifetime import delete_on_close


class LoginButton(QPushButton):
    def __init__(self, controller: SessionController, *, kiosk: bool, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setObjectName("LoginButton")
        self.setMinimumSize(160, FIELD_PX)
        self.controller = controller
        self.kiosk = kiosk
        self.dialog: LoginDialog | None = None
        self.clicked.connect(self.tapped)
        controller.user_changed.connect(self._show_user)
        self._show_user(controller.user, controller.role.value)

    def tapped(self) -> LoginDialog | None:
        if self.controller.logged_in:
            self.controller.logout()
            return None
        return self.open_dialog()

    def open_dialog(self) -> LoginDialog:
        if self.dialog is not None:
            self.dialog.raise_()
            return self.dialog
        dialog = LoginDialog(self.controller, kiosk=self.kiosk, parent=self.window())
        delete_on_close(dialog)
        dialog.finished.connect(self._closed)
        self.dialog = dialog
        dialog.open()  # window-modal, no nested event loop (qasync)
        return dialog

    def _closed(self) -> None:
        self.dialog = None

    def changeEvent(self, event: QEvent) -> None:
        super().changeEvent(event)
        if event.type() == QEvent.Type.LanguageChange:  # the role's name is in the screen's language too
            self._show_user(self.controller.user, self.controller.role.value)

    def _show_user(self, user: str, role: str) -> None:
        if self.controller.logged_in:
            self.setText(self.tr("%1 (%2) · Log out").replace("%1", user).replace("%2", role_name(role)))
        else:
            self.setText(self.tr("Log in"))
