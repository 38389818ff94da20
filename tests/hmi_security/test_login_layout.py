"""The login dialog on the kiosk panel, English and Turkish: a refusal never overlaps the PIN field,
the placeholder is never cut, and the dialog is modal to its window without a nested event loop."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from PySide6.QtCore import Qt
from PySide6.QtWidgets import QApplication, QLineEdit, QStyle, QStyleOptionFrame, QWidget
from pytestqt.qtbot import QtBot

from hmi.dialogs.login import LoginDialog
from hmi.dialogs.login_button import LoginButton
from hmi.dialogs.login_session import SessionController
from hmi.i18n import Translator
from hmi.kiosk import apply_touch_sizes
from hmi.theme import apply_theme
from hmi.widgets.style import set_state

LOCKED = ("Too many wrong PINs for otto: the name is locked; try again in 900 s, or ask an administrator "
          "to unlock it on the Users page")


@pytest.fixture(params=["en", "tr"])
def panel(request: pytest.FixtureRequest, qapp: QApplication, qtbot: QtBot, tmp_path: Path) -> Iterator[QWidget]:
    translator = Translator.install(qapp, cache=tmp_path)
    assert translator.switch(request.param)
    apply_theme(qapp)
    window = QWidget()
    qtbot.addWidget(window)
    set_state(window, "true", prop="kiosk")
    window.resize(1280, 800)
    apply_touch_sizes(window, True)
    window.show()
    qtbot.waitExposed(window)
    yield window
    apply_touch_sizes(window, False)
    qapp.setStyleSheet("")
    translator.switch("en")


def _placeholder_fits(field: QLineEdit) -> bool:
    option = QStyleOptionFrame()
    field.initStyleOption(option)
    room = field.style().subElementRect(QStyle.SubElement.SE_LineEditContents, option, field)
    margins = 2 * 2  # QLineEdit keeps 2 px each side of its text
    return field.fontMetrics().horizontalAdvance(field.placeholderText()) <= room.width() - margins


def test_a_refusal_never_overlaps_and_the_placeholder_fits(panel: QWidget, qtbot: QtBot, qapp: QApplication,
                                                           controller: SessionController) -> None:
    dialog = LoginDialog(controller, kiosk=True, parent=panel)
    dialog.open()
    qtbot.waitExposed(dialog)
    size = dialog.size()
    before = {w.objectName(): w.geometry() for w in (dialog.name_box, dialog.pin_field, dialog.login_button)}
    assert _placeholder_fits(dialog.pin_field), dialog.pin_field.placeholderText()
    for text, state in ((LOCKED, "refused"), (dialog.tr("Choose a name and enter the PIN"), "warn")):
        dialog._say(text, state)
        qapp.processEvents()
        message = dialog.message_label
        for widget in (dialog.name_box, dialog.pin_field, dialog.login_button, dialog.cancel_button):
            assert not message.geometry().intersects(widget.geometry()), widget.objectName()
        assert message.heightForWidth(message.width()) <= message.height(), "the message is cut"
        assert {w.objectName(): w.geometry() for w in (dialog.name_box, dialog.pin_field, dialog.login_button)} \
            == before and dialog.size() == size  # nothing moves
    dialog.close()


def test_the_login_is_modal_to_its_window_without_a_nested_loop(panel: QWidget, qtbot: QtBot,
                                                                 controller: SessionController) -> None:
    button = LoginButton(controller, kiosk=True, parent=panel)
    dialog = button.open_dialog()  # returns at once: open(), not exec()
    qtbot.waitExposed(dialog)
    assert dialog.isModal() and dialog.windowModality() == Qt.WindowModality.WindowModal
    assert QApplication.activeModalWidget() is dialog
    keypad = dialog.pin_field.open_keypad()  # the keypad is the dialog's own: it still takes taps
    qtbot.waitExposed(keypad)
    qtbot.mouseClick(keypad.keys["7"], Qt.MouseButton.LeftButton)
    assert keypad.text() == "7"
    keypad.press("Cancel")
    dialog.close()
    assert QApplication.activeModalWidget() is None


def test_the_first_admin_dialog_shows_its_placeholders_whole(panel: QWidget, qtbot: QtBot, engine: Any) -> None:
    from hmi.dialogs.login_admin import CreateAdminDialog

    dialog = CreateAdminDialog(engine, kiosk=True, parent=panel)
    dialog.show()
    qtbot.waitExposed(dialog)
    for field in (dialog.pin_field, dialog.repeat_field):
        assert _placeholder_fits(field), field.placeholderText()
    dialog.close()
