"""Touch login with the on-screen keypad, wrong PINs, lock-out on the dialog, first-admin creation."""

from __future__ import annotations

from hmi_security_helpers import PINS, Desk
from hmi_testing import QLoop
from PySide6.QtCore import QPoint, Qt
from pytestqt.qtbot import QtBot

from core.security.access import AccessControl
from core.security.audit import AuditRecord
from core.testing.standin_engine import StandInEngine
from hmi.dialogs.login import MASK, LoginDialog, PinKeypad
from hmi.dialogs.login_admin import CreateAdminDialog, offer_first_admin
from hmi.dialogs.login_button import LoginButton
from hmi.dialogs.login_session import SessionController
from tests.waiting import wait_until


def type_pin(keypad: PinKeypad, pin: str) -> None:
    for digit in pin:
        keypad.press(digit)
    keypad.press("OK")


def test_kiosk_login_with_the_keypad(
    qtbot: QtBot, qloop: QLoop, controller: SessionController, people: dict[str, str]
) -> None:
    dialog = LoginDialog(controller, kiosk=True)
    qtbot.addWidget(dialog)
    dialog.show()
    assert dialog.isModal()  # to its window (open/show, no nested loop)
    qloop.run(dialog._reload_names())  # what the dialog starts on a running loop: the engine lists users
    names = [dialog.name_box.itemText(i) for i in range(dialog.name_box.count())]
    assert names == ["alice", "erin", "otto"]  # admins and engineers first
    dialog.set_name("erin")
    logged: list[str] = []
    dialog.logged_in.connect(logged.append)
    qtbot.mouseClick(dialog.pin_field, Qt.MouseButton.LeftButton, pos=QPoint(5, 5))
    keypad = dialog.pin_field.keypad
    assert isinstance(keypad, PinKeypad) and keypad.isVisible()
    assert not keypad.keys["."].isEnabled() and not keypad.keys["±"].isEnabled()
    for digit in "0222":
        keypad.press(digit)
    assert keypad.display.text() == MASK * 4  # never the digits
    keypad.press("⌫")
    keypad.press("2")
    assert keypad.text() == "0222"  # leading zeros kept (a PIN, not a number)

    async def run() -> None:
        keypad.press("C")
        type_pin(keypad, "2222")  # OK submits at once
        await wait_until(lambda: bool(logged), "login", within_s=20)

    qloop.run(run())
    assert logged == ["erin"] and controller.user == "erin"
    assert not dialog.isVisible() and dialog.pin_field.text() == ""


def test_wrong_pin_and_lockout_are_said_on_the_dialog(qtbot: QtBot, desk: Desk) -> None:
    qloop, controller, people, clock, audit_records = desk.qloop, desk.controller, PINS, desk.clock, desk.audit
    dialog = LoginDialog(controller, kiosk=False)
    qtbot.addWidget(dialog)
    dialog.show()
    dialog.set_name("alice")

    async def attempt(pin: str) -> bool:
        dialog.pin_field.setText(pin)
        return await dialog.attempt("alice", pin)

    assert qloop.run(attempt("9999")) is False
    assert dialog.message_label.text() == "Wrong name or PIN" and dialog.pin_field.text() == ""
    assert qloop.run(attempt("9998")) is False
    assert qloop.run(attempt("9997")) is False
    assert "try again in 30 s" in dialog.message_label.text()
    assert qloop.run(attempt(people["alice"])) is False  # locked: the right PIN waits too
    clock.advance(31)
    assert qloop.run(attempt(people["alice"])) is True
    assert controller.user == "alice"
    assert [r.action for r in audit_records].count("login_failed") == 4


def test_empty_input_is_not_sent(qtbot: QtBot, controller: SessionController, people: dict[str, str]) -> None:
    dialog = LoginDialog(controller, kiosk=False)
    qtbot.addWidget(dialog)
    dialog.set_name("")
    dialog.submit()
    assert dialog.task is None and "Choose a name" in dialog.message_label.text()


def test_first_start_creates_the_admin(qtbot: QtBot, qloop: QLoop, access: AccessControl, engine: StandInEngine,
                                      audit_records: list[AuditRecord]) -> None:
    assert access.needs_first_admin()
    assert not access.allowed("operator", "write_register") and access.allowed("operator", "view")
    dialog = CreateAdminDialog(engine, kiosk=True)
    qtbot.addWidget(dialog)
    dialog.show()
    created: list[str] = []
    dialog.created.connect(created.append)
    qtbot.mouseClick(dialog.pin_field, Qt.MouseButton.LeftButton, pos=QPoint(5, 5))
    assert dialog.pin_field.keypad is not None
    type_pin(dialog.pin_field.keypad, "4711")
    qtbot.mouseClick(dialog.repeat_field, Qt.MouseButton.LeftButton, pos=QPoint(5, 5))
    assert dialog.repeat_field.keypad is not None
    type_pin(dialog.repeat_field.keypad, "4712")  # differs: refused
    assert created == [] and "differ" in dialog.message_label.text()
    dialog.repeat_field.setText("4711")
    dialog.name_field.setText("operator")  # reserved
    assert qloop.run(dialog.create_admin("operator", "4711")) is False and "reserved" in dialog.message_label.text()
    dialog.name_field.setText("chief")
    dialog.repeat_field.setText("4711")
    assert qloop.run(submitted(dialog)) is True
    assert created == ["chief"] and not access.needs_first_admin() and not dialog.isVisible()
    assert access.store.verify("chief", "4711") is not None
    assert (audit_records[-1].user, audit_records[-1].action, audit_records[-1].target) == (
        "setup", "user_add", "chief")


def test_first_start_offers_the_admin_dialog_once(qtbot: QtBot, qloop: QLoop, engine: StandInEngine) -> None:
    dialog = offer_first_admin(engine, kiosk=False)
    assert dialog is not None and dialog.isVisible() and not dialog.isModal()
    dialog.name_field.setText("chief")
    dialog.pin_field.setText("4711")
    dialog.repeat_field.setText("4711")
    assert qloop.run(submitted(dialog)) is True
    assert offer_first_admin(engine, kiosk=False) is None


async def submitted(dialog: CreateAdminDialog) -> bool:
    """Create on the running loop (the engine hashes the PIN in its worker); the outcome."""
    assert dialog.submit()
    assert dialog.task is not None
    return await dialog.task


def test_login_button_logs_in_and_out(qtbot: QtBot, desk: Desk) -> None:
    button = LoginButton(desk.controller, kiosk=True)
    qtbot.addWidget(button)
    assert button.text() == "Log in"
    dialog = button.tapped()
    assert dialog is not None and button.tapped() is dialog  # one dialog at a time
    dialog.set_name("erin")
    assert desk.qloop.run(dialog.attempt("erin", PINS["erin"])) is True
    assert button.text() == "erin (engineer) · Log out"
    desk.clock.advance(desk.access.inactivity_logout_s)
    desk.controller.check_idle()
    assert button.text() == "Log in"
    desk.log_in("otto")
    assert button.tapped() is None and button.text() == "Log in" and desk.controller.user == "operator"


def test_the_screens_permission_checks_never_read_users_db(desk: Desk) -> None:
    """hmi.permissions.can (every button, every paint) is answered from the session in memory."""
    from hmi.permissions import Action, can

    controller, access, qloop = desk.controller, desk.access, desk.qloop
    assert qloop.run(controller.login("erin", PINS["erin"])).ok

    def no_read(name: str) -> None:
        raise AssertionError(f"users.db read on the GUI thread for {name!r}")

    real_get = access.store.get
    access.store.get = no_read  # type: ignore[method-assign]
    try:
        assert can("erin", Action.EXPORT) and can("erin", Action.WRITE_REGISTER)
        assert not can("erin", Action.MANAGE_USERS) and controller.allowed("view")
        assert can("operator", Action.VIEW) and not can("operator", Action.EXPORT)
    finally:
        access.store.get = real_get  # type: ignore[method-assign]


def test_the_data_page_acts_as_the_session_it_is_given(desk: Desk, qtbot: QtBot) -> None:
    """An explicit session (or the user the SessionController pushes), never a lookup on its window."""
    from PySide6.QtWidgets import QWidget

    from hmi.pages.data import DataPage
    from hmi.session import Session

    class Window(QWidget):
        session = Session("ada", kiosk=False)  # another widget's idea of who is there: not looked at

    window = Window()
    qtbot.addWidget(window)
    own = DataPage(None, desk.engine, window)
    assert own.current_user() == "operator"
    own.set_user("erin")
    assert own.current_user() == "erin"
    given = DataPage(None, desk.engine, window, session=desk.session)
    assert given.current_user() == desk.session.user
    assert desk.qloop.run(desk.controller.login("erin", PINS["erin"])).ok
    assert given.current_user() == "erin"  # the SessionController keeps the session it was given
    for page in (own, given):
        page.shutdown()
