"""Users page (admin): add users, disable/enable them, reset a PIN, change a role.

``UsersPage(bridge, engine, parent)``: the acting user is the window's session. Everyone sees
the list; only a logged-in admin can change it (the controls are disabled otherwise, and the
engine refuses anyway). Every change is checked and audited by the engine's commands (core.api).
In kiosk mode the name is typed on the on-screen letter keyboard and the PINs on the keypad.
Texts follow the screen's language live (``changeEvent``).
"""

from __future__ import annotations

import asyncio
import logging
import time
from collections.abc import Coroutine
from typing import Any

from PySide6.QtCore import QCoreApplication, QEvent
from PySide6.QtGui import QShowEvent
from PySide6.QtWidgets import (
    QAbstractItemView,
    QComboBox,
    QFormLayout,
    QGroupBox,
    QHBoxLayout,
    QHeaderView,
    QLabel,
    QPushButton,
    QSizePolicy,
    QTableWidget,
    QTableWidgetItem,
    QVBoxLayout,
    QWidget,
)

from core.api import ACCOUNT_ROLES, EngineApi, Role, UserInfo
from hmi.code_names import reason_text
from hmi.dialogs.login import PinField
from hmi.formatting import format_seconds
from hmi.kiosk import FIELD_PX, GAP_PX, ROW_PX
from hmi.permissions import Action, can
from hmi.session import Session
from hmi.tasks import spawn
from hmi.widgets.letter_keyboard import TextEntry
from hmi.widgets.style import set_state

log = logging.getLogger("bandsaw.hmi.users")



def headers() -> list[str]:
    return [QCoreApplication.translate("UsersPage", "Name"), QCoreApplication.translate("UsersPage", "Role"),
            QCoreApplication.translate("UsersPage", "State"), QCoreApplication.translate("UsersPage", "Failed logins"),
            QCoreApplication.translate("UsersPage", "Locked"), QCoreApplication.translate("UsersPage", "Changed")]


def role_title(role: Role) -> str:
    return {Role.ADMIN: QCoreApplication.translate("UsersPage", "admin"),
            Role.ENGINEER: QCoreApplication.translate("UsersPage", "engineer"),
            Role.OPERATOR: QCoreApplication.translate("UsersPage", "operator")}.get(role, role.value)


WHOLE_ROWS = 3  # users always shown whole; more scroll


class UsersPage(QWidget):
    def __init__(
        self,
        bridge: Any,
        engine: EngineApi,
        parent: QWidget | None = None,
        *,
        session: Session | None = None,
    ) -> None:
        super().__init__(parent)
        self.setObjectName("UsersPage")
        self.bridge = bridge
        self.engine = engine
        self.session = session or getattr(parent, "session", None) or Session("operator", kiosk=False)
        self.task: asyncio.Task[bool] | None = None
        self.reload_task: asyncio.Task[None] | None = None
        kiosk = self.session.kiosk
        self.users: list[UserInfo] = []

        self.table = QTableWidget(0, len(headers()), self)
        self.table.setSelectionBehavior(QAbstractItemView.SelectionBehavior.SelectRows)
        self.table.setSelectionMode(QAbstractItemView.SelectionMode.SingleSelection)
        self.table.setEditTriggers(QAbstractItemView.EditTrigger.NoEditTriggers)
        self.table.verticalHeader().setDefaultSectionSize(ROW_PX if kiosk else 28)
        self.table.horizontalHeader().setSectionResizeMode(QHeaderView.ResizeMode.Stretch)
        self.table.itemSelectionChanged.connect(self._selection_changed)
        self.table.verticalHeader().setVisible(False)

        self.name_field = TextEntry("", touch=lambda: self.session.kiosk, parent=self)  # letter keyboard in kiosk
        self.role_box = QComboBox(self)
        for role in ACCOUNT_ROLES:  # viewer is no account role (nobody logged in only)
            self.role_box.addItem(role_title(role), role.value)
        self.pin_field = PinField("", kiosk=kiosk, parent=self)
        self.repeat_field = PinField("", kiosk=kiosk, parent=self)
        self.add_button = QPushButton(self)
        self.reset_button = QPushButton(self)
        self.disable_button = QPushButton(self)
        self.role_button = QPushButton(self)
        self.refresh_button = QPushButton(self)
        for widget in (self.name_field, self.role_box, self.add_button, self.reset_button, self.disable_button,
                       self.role_button, self.refresh_button):
            widget.setMinimumHeight(FIELD_PX)
        self.add_button.clicked.connect(lambda: self._run(self.add_user(
            self.name_field.text(), self.role_box.currentData(), self.pin_field.text(), self.repeat_field.text())))
        self.reset_button.clicked.connect(lambda: self._run(self.reset_pin(
            self.selected(), self.pin_field.text(), self.repeat_field.text())))
        self.disable_button.clicked.connect(self._toggle_selected)
        self.role_button.clicked.connect(lambda: self._run(self.set_role(self.selected(), self.role_box.currentData())))
        self.refresh_button.clicked.connect(self.refresh)

        self.admin_note = QLabel(self)
        self.admin_note.setObjectName("UsersNote")
        self.message_label = QLabel("", self)
        self.message_label.setObjectName("UsersMessage")
        self.message_label.setWordWrap(True)

        self.form = QFormLayout()
        self.form_labels = [QLabel(self) for _ in range(4)]
        for label, field in zip(self.form_labels, (self.name_field, self.role_box, self.pin_field, self.repeat_field),
                                strict=True):
            self.form.addRow(label, field)
        self.form.setVerticalSpacing(GAP_PX)  # fields are touch targets: a finger's room between them
        self.edit_box = QGroupBox(self)
        edit_layout = QVBoxLayout(self.edit_box)
        edit_layout.setSpacing(2 * GAP_PX)
        edit_layout.addLayout(self.form)
        row = QHBoxLayout()
        row.setSpacing(GAP_PX)
        for button in (self.add_button, self.reset_button, self.disable_button, self.role_button):
            row.addWidget(button)
        edit_layout.addLayout(row)

        top = QHBoxLayout()
        top.addWidget(self.admin_note, 1)
        top.addStretch(0)
        top.addWidget(self.refresh_button)
        self.refresh_button.setMinimumWidth(160)
        self.refresh_button.setSizePolicy(QSizePolicy.Policy.Fixed, QSizePolicy.Policy.Fixed)
        layout = QVBoxLayout(self)
        layout.addLayout(top)
        layout.addWidget(self.table, 1)
        layout.addWidget(self.edit_box)
        layout.addWidget(self.message_label)
        self._retranslate()
        self.refresh()

    # --- language ----------------------------------------------------------------------------

    def changeEvent(self, event: QEvent) -> None:
        super().changeEvent(event)
        if event.type() == QEvent.Type.LanguageChange:
            self._retranslate()

    def _retranslate(self) -> None:
        self.table.setHorizontalHeaderLabels(headers())
        self.name_field.setPlaceholderText(self.tr("login name"))
        self.name_field.set_title(self.tr("Login name"))
        self.pin_field.title = self.tr("New PIN")
        self.repeat_field.title = self.tr("Repeat PIN")
        self.pin_field.setPlaceholderText(self.tr("tap to enter PIN") if self.session.kiosk else self.tr("PIN"))
        self.repeat_field.setPlaceholderText(self.pin_field.placeholderText())
        for i in range(self.role_box.count()):
            self.role_box.setItemText(i, role_title(Role(self.role_box.itemData(i))))
        self.add_button.setText(self.tr("Add user"))
        self.reset_button.setText(self.tr("Set PIN of selected"))
        self.role_button.setText(self.tr("Set role of selected"))
        self.refresh_button.setText(self.tr("Refresh"))
        self.admin_note.setText(self.tr("Only a logged-in administrator can change users."))
        for label, text in zip(self.form_labels, (self.tr("Name"), self.tr("Role"), self.tr("PIN"),
                                                  self.tr("Repeat PIN")), strict=True):
            label.setText(text)
        self.edit_box.setTitle(self.tr("Change"))
        self._fill_table()
        self._selection_changed()

    # --- state -------------------------------------------------------------------------------

    @property
    def may_manage(self) -> bool:
        return can(self.session.user, Action.MANAGE_USERS)

    def refresh(self) -> None:
        """Reload the users (read by the engine in its worker) and what the current user may do."""
        self.update_permissions()
        try:
            self.reload_task = spawn(self.reload())
        except RuntimeError:  # no event loop (a widget test without one): the list stays as it is
            self.reload_task = None

    async def reload(self) -> None:
        selected = self.selected()
        result = await self.engine.users()
        if not result.ok or result.value is None:  # users.db unreadable: say so, keep the page
            log.error("users could not be read: %s", result.reason)
            self._say(self.tr("Users cannot be read: %1").replace("%1", reason_text(result)), "refused")
        self.users = list(result.value or [])
        self._fill_table(selected)
        self.update_permissions()

    def _fill_table(self, selected: str | None = None) -> None:
        selected = self.selected() if selected is None else selected
        now_ms = int(time.time() * 1000)
        self.table.setRowCount(len(self.users))
        self._fit_table_height()
        for r, user in enumerate(self.users):
            locked = format_seconds((user.locked_until_ms - now_ms) / 1000) if user.locked_until_ms > now_ms else ""
            changed = time.strftime("%Y-%m-%d %H:%M", time.localtime(user.changed_ms / 1000))
            state = self.tr("enabled") if user.enabled else self.tr("disabled")
            cells = (user.name, role_title(user.role), state, str(user.failures), locked, changed)
            for c, text in enumerate(cells):
                self.table.setItem(r, c, QTableWidgetItem(text))
            if user.name == selected:
                self.table.selectRow(r)

    def _fit_table_height(self) -> None:
        """The table is at least as tall as its first rows (up to three) whole: the kiosk showed two and
        a half of three users, the form below taking the rest; more users scroll."""
        rows = min(self.table.rowCount(), WHOLE_ROWS)
        header = self.table.horizontalHeader().sizeHint().height()
        needed = header + rows * self.table.verticalHeader().defaultSectionSize() + 2 * self.table.frameWidth()
        self.table.setMinimumHeight(needed)

    def update_permissions(self) -> None:
        manage = self.may_manage
        self.edit_box.setEnabled(manage)
        self.admin_note.setVisible(not manage)
        self._selection_changed()

    def selected(self) -> str:
        rows = self.table.selectionModel().selectedRows() if self.table.selectionModel() else []
        if not rows or rows[0].row() >= len(self.users):
            return ""
        return self.users[rows[0].row()].name

    def select(self, name: str) -> None:
        for r, user in enumerate(self.users):
            if user.name == name:
                self.table.selectRow(r)
                return

    def _selection_changed(self) -> None:
        name = self.selected()
        user = next((u for u in self.users if u.name == name), None)
        manage = self.may_manage
        self.reset_button.setEnabled(manage and user is not None)
        self.disable_button.setEnabled(manage and user is not None)
        self.role_button.setEnabled(manage and user is not None)
        self.disable_button.setText(self.tr("Enable selected") if user is not None and not user.enabled
                                    else self.tr("Disable selected"))

    # --- actions (the engine checks, applies and audits each) -------------------------------

    def _run(self, action: Coroutine[Any, Any, bool]) -> None:
        if self.task is not None and not self.task.done():
            action.close()
            return
        self.task = spawn(action)

    async def add_user(self, name: str, role: str, pin: str, repeat: str) -> bool:
        if pin != repeat:
            return self._say(self.tr("The two PINs differ"), "warn")
        try:
            wanted = Role(role)
        except ValueError:
            return self._say(self.tr("Unknown role %1").replace("%1", str(role)), "refused")
        result = await self.engine.add_user(self.session.actor(), name, wanted, pin)
        if not result.ok or result.value is None:
            return self._say(reason_text(result), "refused")
        user = result.value
        self._clear_form()
        await self.reload()
        self.select(user.name)
        return self._say(self.tr("User %1 added as %2").replace("%1", user.name).replace("%2", role_title(user.role)),
                         "ok", ok=True)

    async def reset_pin(self, name: str, pin: str, repeat: str) -> bool:
        if not name:
            return self._say(self.tr("Select a user first"), "warn")
        if pin != repeat:
            return self._say(self.tr("The two PINs differ"), "warn")
        result = await self.engine.set_user_secret(self.session.actor(), name, pin)
        if not result.ok:
            return self._say(reason_text(result), "refused")
        self._clear_form()
        await self.reload()
        return self._say(self.tr("PIN of %1 changed (lock-out cleared)").replace("%1", name), "ok", ok=True)

    async def set_enabled(self, name: str, enabled: bool) -> bool:
        if not name:
            return self._say(self.tr("Select a user first"), "warn")
        result = await self.engine.set_user_enabled(self.session.actor(), name, enabled)
        if not result.ok:
            return self._say(reason_text(result), "refused")
        await self.reload()
        text = self.tr("User %1 enabled") if enabled else self.tr("User %1 disabled")
        return self._say(text.replace("%1", name), "ok", ok=True)

    async def set_role(self, name: str, role: str) -> bool:
        if not name:
            return self._say(self.tr("Select a user first"), "warn")
        try:
            wanted = Role(role)
        except ValueError:
            return self._say(self.tr("Unknown role %1").replace("%1", str(role)), "refused")
        result = await self.engine.set_user_role(self.session.actor(), name, wanted)
        if not result.ok:
            return self._say(reason_text(result), "refused")
        await self.reload()
        return self._say(self.tr("%1 is now %2").replace("%1", name).replace("%2", role_title(wanted)), "ok", ok=True)

    def _toggle_selected(self) -> None:
        name = self.selected()
        user = next((u for u in self.users if u.name == name), None)
        if user is not None:
            self._run(self.set_enabled(name, not user.enabled))

    def _clear_form(self) -> None:
        self.name_field.clear()
        self.pin_field.clear()
        self.repeat_field.clear()

    def showEvent(self, event: QShowEvent) -> None:
        super().showEvent(event)
        self.refresh()  # cheap: shown fresh every time the page is opened

    def _say(self, text: str, state: str, *, ok: bool = False) -> bool:
        self.message_label.setText(text)
        set_state(self.message_label, state)
        return ok

    def shutdown(self) -> None:
        if self.name_field.keyboard is not None:
            self.name_field.keyboard.close()
        self.pin_field.close_keypad()
        self.repeat_field.close_keypad()
