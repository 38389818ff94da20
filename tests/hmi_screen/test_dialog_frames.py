"""Dialogs float over the page with a frame and a ground of their own (review 2: the confirm and
write dialogs had neither and blended into the page; in kiosk no window manager draws a frame)."""

from __future__ import annotations

from collections.abc import Iterator

import pytest
from PySide6.QtGui import QColor
from PySide6.QtWidgets import QApplication, QWidget
from pytestqt.qtbot import QtBot

from core.analysis.alarms import Alarm, Priority
from core.security.permissions import Role
from core.security.testing import login_as
from core.testing.standin_engine import StandInEngine
from hmi.dialogs.alarm_shelve import ShelveDialog
from hmi.dialogs.confirm import ConfirmDialog
from hmi.dialogs.write_dialog import WriteDialog
from hmi.theme import apply_theme

FRAME = "#5b5f63"


@pytest.fixture
def themed(qapp: QApplication) -> Iterator[QApplication]:
    apply_theme(qapp)
    yield qapp
    qapp.setStyleSheet("")


def _edge_and_ground(widget: QWidget) -> tuple[str, str]:
    image = widget.grab().toImage()
    middle = image.height() // 2
    return QColor(image.pixel(0, middle)).name(), QColor(image.pixel(4, 4)).name()


def test_confirm_write_and_shelve_dialogs_have_a_frame_and_their_own_ground(
    qtbot: QtBot,
    themed: QApplication,
    fake_engine: StandInEngine,
) -> None:
    """They blended into the page (same grey, no frame: no window manager draws one in kiosk)."""
    page = QWidget()
    qtbot.addWidget(page)
    page.resize(1280, 800)
    page.show()
    confirm = ConfirmDialog("ML", "Switch ML on?", yes="Yes", no="No", parent=page)
    shelve = ShelveDialog(Alarm("control.torque_guard", "Torque guard", Priority.MEDIUM, "control"), page)
    login_as(fake_engine.access, "engineer", Role.ENGINEER)
    write = WriteDialog(
        fake_engine, fake_engine.register_map["descent_speed"], 45.0, user="engineer", kiosk=False, parent=page
    )
    page_ground = QColor(page.grab().toImage().pixel(4, 4)).name()
    try:
        for dialog in (confirm, shelve, write):
            dialog.show()
            QApplication.processEvents()
            edge, ground = _edge_and_ground(dialog)
            assert edge == FRAME, type(dialog).__name__
            assert ground != page_ground, type(dialog).__name__
    finally:
        for dialog in (confirm, shelve, write):
            dialog.close()
            dialog.deleteLater()
