"""Kiosk dialogs need neither a physical keyboard nor the desktop file dialog.

Export and import ask through the touch file picker, confined to the export folder and removable
media; names and filters open the on-screen letter keyboard; PINs the keypad. On the desktop the
same buttons keep the ordinary file dialog and typing.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

import pytest
from PySide6.QtCore import Qt
from PySide6.QtWidgets import QApplication, QComboBox, QDialog, QFileDialog

from hmi.dialogs.file_choice import choose_folder, choose_save_path
from hmi.i18n import Translator
from hmi.kiosk import in_kiosk, touch_violations
from hmi.main_window import MainWindow
from hmi.permissions import set_policy
from hmi.session import Session
from hmi.theme import apply_theme
from hmi.widgets.letter_keyboard import LetterKeyboard
from hmi.widgets.touch_file_picker import TouchFilePicker


@pytest.fixture
def kiosk(qapp: QApplication, fake_engine: Any, push: Callable[..., None]) -> Iterator[MainWindow]:
    apply_theme(qapp)
    window = MainWindow(fake_engine, Session.default(kiosk=True))
    window.resize(1280, 800)
    window.show()
    window.set_kiosk(True, full_screen=False)
    set_policy(lambda _user, _action: True)  # an engineer's rights: export, import
    yield window
    set_policy(window.sessions.policy)
    for dialog in window.findChildren(QDialog):
        dialog.close()
    window.finish()
    window.deleteLater()
    qapp.setStyleSheet("")
    qapp.processEvents()


def _media(tmp_path: Path) -> tuple[Path, Path]:
    usb = tmp_path / "media" / "USB1"
    (usb / "smart-saw").mkdir(parents=True)
    (usb / "smart-saw" / "total.db").write_text("x")
    return usb, usb / "smart-saw"


def test_export_dialog_uses_the_touch_picker(kiosk: MainWindow, qapp: QApplication, tmp_path: Path) -> None:
    usb, _ = _media(tmp_path)
    kiosk.show_page("data")
    dialog = kiosk.pages["data"].open_export()  # type: ignore[attr-defined]
    assert dialog is not None and dialog.kiosk and dialog.path_edit.isReadOnly()  # nothing to type
    dialog.mounts = lambda: [usb]
    picker = dialog.choose_file()
    qapp.processEvents()
    assert isinstance(picker, TouchFilePicker) and not kiosk.findChildren(QFileDialog)
    assert picker.roots == [dialog.export_dir, usb]
    assert touch_violations(picker) == []
    assert not picker.open_folder(tmp_path)  # above the roots: refused
    assert not picker.open_folder(Path("/etc"))
    picker.open_folder(usb)
    picker.name.setText("cuts-today.csv")
    picker.accept_choice()
    assert dialog.path_edit.text() == str(usb / "cuts-today.csv")
    dialog.close()


def test_import_folder_comes_from_the_touch_picker(kiosk: MainWindow, qapp: QApplication, tmp_path: Path) -> None:
    usb, source = _media(tmp_path)
    kiosk.show_page("data")
    dialog = kiosk.pages["data"].open_import()  # type: ignore[attr-defined]
    assert dialog is not None and dialog.path_edit.isReadOnly()
    dialog.mounts = lambda: [usb]
    picker = dialog.choose_folder()
    assert isinstance(picker, TouchFilePicker) and not kiosk.findChildren(QFileDialog)
    assert touch_violations(picker) == []
    picker.open_folder(usb)
    shown = [picker.list.item(i).text().strip() for i in range(picker.list.count())]
    assert shown == ["▸  smart-saw".strip()]  # folders only
    picker.open_folder(source)
    assert picker.ok_button.text() == "Choose this folder" and picker.ok_button.isEnabled()
    picker.accept_choice()
    assert dialog.path_edit.text() == str(source)
    dialog.close()


def test_desktop_keeps_the_file_dialog(qtbot: object, tmp_path: Path) -> None:
    from PySide6.QtWidgets import QWidget

    parent = QWidget()
    qtbot.addWidget(parent)  # type: ignore[attr-defined]
    assert not in_kiosk(parent)
    chosen: list[Path] = []
    save = choose_save_path(parent, "Export", tmp_path / "a.csv", export_dir=tmp_path, chosen=chosen.append)
    folder = choose_folder(parent, "Import", tmp_path, export_dir=tmp_path, chosen=chosen.append)
    assert isinstance(save, QFileDialog) and isinstance(folder, QFileDialog)
    save.fileSelected.emit(str(tmp_path / "b.csv"))
    assert chosen == [tmp_path / "b.csv"]
    save.close()
    folder.close()


def test_names_and_filters_open_the_letter_keyboard(kiosk: MainWindow, qapp: QApplication) -> None:
    kiosk._user_changed("alice", "admin")
    problems: list[str] = []
    for page_key, field_name in (("registers", "search"), ("audit", "text_field"), ("users", "name_field")):
        kiosk.show_page(page_key)
        qapp.processEvents()
        field = getattr(kiosk.pages[page_key], field_name)
        assert field.isVisible(), page_key
        field.mousePressEvent(_press(field))  # a finger on the field
        keyboard = field.keyboard
        assert isinstance(keyboard, LetterKeyboard) and keyboard.isVisible(), page_key
        problems += [f"{page_key}: {v}" for v in touch_violations(keyboard)]
        for key in "ab":
            keyboard.press(key)
        keyboard.press("OK")
        assert field.text().endswith("ab"), page_key
        field.setText("")
    audit = kiosk.pages["audit"]
    assert not audit.user_box.isEditable()  # type: ignore[attr-defined]  # a list to choose from
    assert problems == []


def test_login_and_first_admin_need_no_keyboard(kiosk: MainWindow, qapp: QApplication) -> None:
    from hmi.dialogs.login_admin import CreateAdminDialog

    login = kiosk.login_button.open_dialog()
    qapp.processEvents()
    assert isinstance(login.name_box, QComboBox) and not login.name_box.isEditable()  # names: a list
    assert login.pin_field.isReadOnly()  # the PIN keypad
    assert touch_violations(login) == []
    login.close()
    create = CreateAdminDialog(kiosk.engine, kiosk=True, parent=kiosk)
    create.show()
    qapp.processEvents()
    create.name_field.mousePressEvent(_press(create.name_field))
    keyboard = create.name_field.keyboard
    assert keyboard is not None and keyboard.isVisible()
    keyboard.press("C")
    for key in "şef":
        keyboard.press(key)
    keyboard.press("OK")
    assert create.name_field.text() == "şef"
    assert touch_violations(create) == []
    create.close()


def _press(widget: Any) -> Any:
    from PySide6.QtCore import QPointF
    from PySide6.QtGui import QMouseEvent

    point = QPointF(widget.width() / 2, widget.height() / 2)
    return QMouseEvent(QMouseEvent.Type.MouseButtonPress, point, widget.mapToGlobal(point),
                       Qt.MouseButton.LeftButton, Qt.MouseButton.LeftButton, Qt.KeyboardModifier.NoModifier)


def test_shelve_reason_on_the_letter_keyboard(kiosk: MainWindow, qapp: QApplication) -> None:
    from core.api import Alarm, Priority
    from hmi.dialogs.alarm_shelve import ShelveDialog

    dialog = ShelveDialog(Alarm("plc.bit.4", "PLC: chatter", Priority.MEDIUM, "plc"), kiosk.pages["alarms"])
    dialog.show()
    qapp.processEvents()
    assert touch_violations(dialog) == []
    dialog.reason_edit.mousePressEvent(_press(dialog.reason_edit))
    keyboard = dialog.reason_edit.keyboard
    assert keyboard is not None and keyboard.isVisible()
    for key in "test":
        keyboard.press(key)
    keyboard.press("OK")
    assert dialog.reason == "test" and dialog.shelve_button.isEnabled()
    dialog.close()


def test_export_signal_names_are_shown_whole_beside_big_check_boxes(kiosk: MainWindow, qapp: QApplication) -> None:
    from PySide6.QtWidgets import QStyle, QStyleOptionViewItem

    kiosk.show_page("data")
    dialog = kiosk.pages["data"].open_export()  # type: ignore[attr-defined]
    assert dialog is not None
    qapp.processEvents()
    listing = dialog.signal_list
    metrics = listing.fontMetrics()
    for row in range(listing.count()):
        index = listing.model().index(row, 0)
        option = QStyleOptionViewItem()
        listing.initViewItemOption(option)
        option.rect = listing.visualRect(index)
        listing.itemDelegate().initStyleOption(option, index)
        text = listing.style().subElementRect(QStyle.SubElement.SE_ItemViewItemText, option, listing)
        name = listing.item(row).text()
        assert metrics.horizontalAdvance(name) <= text.width(), f"{name!r} cut to {text.width()} px"
    assert touch_violations(dialog) == []
    dialog.close()


def test_export_signals_are_named_in_the_screens_language(kiosk: MainWindow, qapp: QApplication,
                                                         translator: Translator) -> None:
    """The check boxes show the registers' labels (registers.yaml, its tr:), not their names; the
    names are what is exported; a language switch while the dialog is open renames them."""
    assert translator.switch("tr")
    kiosk.show_page("data")
    dialog = kiosk.pages["data"].open_export()  # type: ignore[attr-defined]
    assert dialog is not None
    try:
        shown = {dialog.signal_list.item(row).text() for row in range(dialog.signal_list.count())}
        assert {"kafa yüksekliği", "şerit torku", "testere durumu", "titreşim frekansı X"} <= shown
        assert not shown & set(kiosk.engine.register_map.names)  # no raw register name
        assert dialog.chosen_signals() == list(kiosk.engine.register_map.names)
        translator.switch("en")
        qapp.processEvents()
        item = dialog.signal_item("head_height")
        assert item is not None and item.text() == "head height"
    finally:
        dialog.close()
