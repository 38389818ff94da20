"""The HMI session: login through the controller, the hmi.permissions policy per role, inactivity log-out."""

from __future__ import annotations

import pytest
from hmi_security_helpers import ROLES, FakeClock
from hmi_testing import QLoop
from PySide6.QtCore import QEvent, QObject, QPointF, Qt
from PySide6.QtGui import QMouseEvent
from PySide6.QtWidgets import QApplication, QPushButton

from core.api import Role, UserSession
from core.security.access import AccessControl
from core.security.audit import AuditRecord
from core.security.permissions import can as core_can
from core.testing.standin_engine import StandInEngine
from hmi.dialogs.login_session import SessionController
from hmi.permissions import Action, can
from hmi.session import Session


@pytest.mark.parametrize("name", [*sorted(ROLES), None])
def test_hmi_policy_follows_the_core_table_for_each_role(
    controller: SessionController, people: dict[str, str], qloop: QLoop, name: str | None
) -> None:
    if name is not None:
        qloop.run(controller.login(name, people[name]))
    role = ROLES.get(name or "", "operator")
    assert controller.user == (name or "operator") and controller.role.value == role
    for action in Action:
        assert can(controller.user, action) is core_can(role, action.value), action


def test_login_switches_user_and_logout_returns_to_operator(
    controller: SessionController, people: dict[str, str], qloop: QLoop, session: Session,
    audit_records: list[AuditRecord],
) -> None:
    changes: list[tuple[str, str]] = []
    controller.user_changed.connect(lambda user, role: changes.append((user, role)))
    qloop.run(controller.login("erin", people["erin"]))
    assert session.user == "erin"
    refused = qloop.run(controller.login("alice", "0000"))
    assert not refused.ok and refused.reason == "Wrong name or PIN"
    assert session.user == "erin"  # a failed login leaves the current user
    qloop.run(controller.login("alice", people["alice"]))  # the next person at the screen
    assert session.user == "alice" and controller.engine.current(UserSession("erin", Role.ENGINEER)) is None
    controller.logout()
    assert session.user == "operator" and not can("operator", Action.WRITE_REGISTER)
    assert changes == [("erin", "engineer"), ("alice", "admin"), ("operator", "operator")]
    assert [(r.user, r.action) for r in audit_records if r.action in ("login", "logout", "login_failed")] == [
        ("erin", "login"), ("alice", "login_failed"), ("alice", "login"), ("erin", "logout"), ("alice", "logout")]


def test_inactivity_logs_out_to_operator_on_the_injected_clock(
    controller: SessionController, people: dict[str, str], qloop: QLoop, clock: FakeClock, qapp: QApplication,
) -> None:
    controller.start()
    button = QPushButton("somewhere")
    button.show()
    try:
        qloop.run(controller.login("erin", people["erin"]))
        clock.advance(250)
        press = QMouseEvent(QEvent.Type.MouseButtonPress, QPointF(5, 5), QPointF(5, 5), Qt.MouseButton.LeftButton,
                            Qt.MouseButton.LeftButton, Qt.KeyboardModifier.NoModifier)
        QApplication.sendEvent(button, press)  # a touch anywhere restarts the inactivity time
        clock.advance(250)
        assert controller.check_idle() == [] and controller.user == "erin"
        clock.advance(50)
        assert controller.check_idle() == ["erin"]
        assert controller.user == "operator" and not can(controller.user, Action.WRITE_REGISTER)
    finally:
        button.close()
        button.deleteLater()


def test_user_disabled_elsewhere_drops_to_operator(
    controller: SessionController, people: dict[str, str], qloop: QLoop, access: AccessControl
) -> None:
    qloop.run(controller.login("erin", people["erin"]))
    access.store.set_enabled("erin", False)  # e.g. from the command line
    # The screen's policy answers from the sessions in memory (never users.db on the GUI thread);
    # the engine's periodic refresh reads users.db in a worker and logs the disabled user out.
    assert qloop.run(access.refresh_sessions()) == ["erin"]
    assert not can("erin", Action.WRITE_REGISTER)
    controller.check_idle()
    assert controller.user == "operator"


def test_stop_logs_out_and_restores_the_default_policy(
    qapp: QApplication, access: AccessControl, engine: StandInEngine, people: dict[str, str], qloop: QLoop
) -> None:
    session = Session("operator", kiosk=True)
    ctl = SessionController(engine, session)
    ctl.start()
    qloop.run(ctl.login("alice", people["alice"]))
    ctl.stop()
    ctl.deleteLater()
    assert access.sessions() == [] and session.user == "operator"
    assert can("anyone", Action.WRITE_REGISTER)  # the allow-and-confirm default is back


def test_follow_keeps_pages_in_step(controller: SessionController, people: dict[str, str], qloop: QLoop) -> None:
    class Page(QObject):
        def __init__(self) -> None:
            super().__init__()
            self.calls: list[str] = []

        def set_user(self, user: str) -> None:
            self.calls.append(f"user {user}")

        def update_permissions(self) -> None:
            self.calls.append("permissions")

        def refresh(self) -> None:
            self.calls.append("refresh")  # not called: update_permissions is enough

    class Broken(QObject):
        def refresh(self) -> None:
            raise RuntimeError("page bug")

    page, broken = Page(), Broken()
    controller.follow(broken)
    controller.follow(page)
    qloop.run(controller.login("erin", people["erin"]))
    controller.logout()
    assert page.calls == ["user operator", "permissions", "user erin", "permissions", "user operator", "permissions"]
