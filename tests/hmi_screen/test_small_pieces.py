"""Empty tables say so; confirmations are dialogs with a default of "no"."""

from __future__ import annotations

from PySide6.QtCore import Qt
from PySide6.QtGui import QStandardItem, QStandardItemModel
from PySide6.QtWidgets import QTableView

from hmi.dialogs.confirm import ConfirmDialog
from hmi.widgets.empty_hint import EmptyHint


def test_empty_table_says_so(qtbot: object) -> None:
    model = QStandardItemModel(0, 3)
    view = QTableView()
    view.setModel(model)
    qtbot.addWidget(view)  # type: ignore[attr-defined]
    hint = EmptyHint(view, "No alarms")
    view.resize(500, 300)
    view.show()
    qtbot.waitExposed(view)  # type: ignore[attr-defined]
    assert hint.isVisible() and hint.text() == "No alarms"
    assert hint.width() == view.viewport().width()
    model.appendRow([QStandardItem("a")])
    assert not hint.isVisible()
    model.removeRow(0)
    assert hint.isVisible()


def test_confirm_answers_once_and_no_is_default(qtbot: object) -> None:
    answers: list[bool] = []
    dialog = ConfirmDialog("Mode", "Switch to ML?", yes="Switch", no="Keep manual")
    qtbot.addWidget(dialog)  # type: ignore[attr-defined]
    dialog.answered.connect(answers.append)
    dialog.show()
    assert dialog.no_button.isDefault() and dialog.yes_button.height() >= 48
    qtbot.mouseClick(dialog.yes_button, Qt.MouseButton.LeftButton)  # type: ignore[attr-defined]
    assert answers == [] and dialog.isVisible()  # a tap at once (a double tap's second) does not answer
    qtbot.waitUntil(dialog.yes_button.isEnabled, timeout=3000)  # type: ignore[attr-defined]
    qtbot.mouseClick(dialog.yes_button, Qt.MouseButton.LeftButton)  # type: ignore[attr-defined]
    assert answers == [True]
    other = ConfirmDialog("Mode", "Switch?", yes="Yes", no="No")
    qtbot.addWidget(other)  # type: ignore[attr-defined]
    other.answered.connect(answers.append)
    other.show()
    other.reject()
    assert answers == [True, False]
