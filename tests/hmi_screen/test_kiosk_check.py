"""The kiosk touch check finds small and crowded targets; the touch sizes fix them."""

from __future__ import annotations

from PySide6.QtGui import QStandardItem, QStandardItemModel
from PySide6.QtWidgets import (
    QCalendarWidget,
    QCheckBox,
    QComboBox,
    QDialog,
    QHBoxLayout,
    QPushButton,
    QTableView,
    QVBoxLayout,
    QWidget,
)

from hmi.kiosk import apply_touch_sizes, touch_violations


def _panel() -> tuple[QWidget, QTableView]:
    panel = QWidget()
    row = QHBoxLayout()
    row.setSpacing(2)
    for text in ("A", "B"):
        row.addWidget(QPushButton(text))
    combo = QComboBox()
    combo.addItems(["decimal", "hex"])
    model = QStandardItemModel(3, 2)
    for r in range(3):
        model.setItem(r, 0, QStandardItem(f"row {r}"))
    table = QTableView()
    table.setModel(model)
    table.verticalHeader().setDefaultSectionSize(24)
    layout = QVBoxLayout(panel)
    layout.addLayout(row)
    layout.addWidget(combo)
    layout.addWidget(QCheckBox("include archive"))
    layout.addWidget(table)
    panel.resize(600, 500)
    return panel, table


def test_small_and_crowded_targets_are_found_then_fixed(qtbot: object) -> None:
    panel, _table = _panel()
    qtbot.addWidget(panel)  # type: ignore[attr-defined]
    panel.show()
    qtbot.waitExposed(panel)  # type: ignore[attr-defined]
    problems = [str(v) for v in touch_violations(panel)]
    assert any("QTableView row" in p for p in problems)
    assert any("QComboBox" in p for p in problems)
    assert any("QCheckBox 'include archive'" in p for p in problems)
    assert any("'A' / QPushButton 'B'" in p and "apart" in p for p in problems)
    apply_touch_sizes(panel, True)  # the new style's layout settles in posted events
    qtbot.waitUntil(lambda: [str(v) for v in touch_violations(panel)] == [])  # type: ignore[attr-defined]
    apply_touch_sizes(panel, False)


def test_dialogs_opened_later_are_sized_too(qtbot: object) -> None:
    window = QWidget()
    qtbot.addWidget(window)  # type: ignore[attr-defined]
    window.show()
    apply_touch_sizes(window, True)
    dialog = QDialog(window)
    calendar = QCalendarWidget(dialog)
    QVBoxLayout(dialog).addWidget(calendar)
    dialog.show()
    qtbot.waitExposed(dialog)  # type: ignore[attr-defined]
    qtbot.waitUntil(lambda: [str(v) for v in touch_violations(dialog)] == [])  # type: ignore[attr-defined]
    cells = calendar.findChild(QTableView)
    assert cells is not None and cells.rowHeight(1) >= 48 and cells.columnWidth(1) >= 48
    dialog.close()
    apply_touch_sizes(window, False)


def test_a_short_combo_list_is_as_tall_as_its_rows(qtbot: object) -> None:
    window = QWidget()
    qtbot.addWidget(window)  # type: ignore[attr-defined]
    combo = QComboBox(window)
    combo.addItems(["decimal", "hex"])
    QVBoxLayout(window).addWidget(combo)
    window.show()
    apply_touch_sizes(window, True)
    combo.showPopup()
    view = combo.view()

    def popup_sized() -> None:
        rows = [view.visualRect(view.model().index(i, 0)).height() for i in range(2)]
        assert min(rows) >= 48
        assert view.height() < sum(rows) + 48  # no empty room under the two rows (a view minimum was 164 px)

    qtbot.waitUntil(popup_sized)  # type: ignore[attr-defined]
    combo.hidePopup()
    apply_touch_sizes(window, False)
