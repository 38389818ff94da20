"""The screen with nobody logged in says which view the plant chose (security.anonymous_role)."""

from __future__ import annotations

import pytest
from pytestqt.qtbot import QtBot

from core.api import Role, UserSession
from core.security.access import AccessControl
from core.testing.standin_engine import StandInEngine
from hmi.main_window import MainWindow
from hmi.session import Session


def view_only(access: AccessControl) -> None:
    access.security = access.security.model_copy(update={"anonymous_role": "viewer"})


@pytest.mark.parametrize("anonymous_role", ["operator", "viewer"])
def test_status_bar_names_the_view(qtbot: QtBot, access: AccessControl, people: dict[str, str],
                                   engine: StandInEngine, anonymous_role: str) -> None:
    if anonymous_role == "viewer":
        view_only(access)
    window = MainWindow(engine, Session.default(kiosk=False))
    qtbot.addWidget(window)
    try:
        expected = "not logged in (view only)" if anonymous_role == "viewer" else "not logged in (operator view)"
        assert window.status_bar.user.text() == expected
        assert window.sessions.role is Role(anonymous_role)
        nobody = engine.current(UserSession.anonymous())
        assert nobody is not None and nobody.role is Role(anonymous_role)
    finally:
        window.finish()
