"""The parts of widgets a finger has to hit, measured through the style as Qt paints them.

A widget can be 48 px tall and still hide a 15 px target: a combo box's drop-down arrow, a check
box's indicator, a spin box's step buttons, a tab bar's scroll arrows, the rows of a combo's pop-up
list. Each function returns ``(what, rect)`` pairs in the widget's own coordinates, measured with
``QStyle.subControlRect``/``subElementRect`` (the style-sheet style answers with the kiosk rules),
so the kiosk check sees what the panel shows, not what the widget's outer box suggests.
"""

from __future__ import annotations

from PySide6.QtCore import QRect, Qt
from PySide6.QtWidgets import (
    QAbstractItemView,
    QAbstractSpinBox,
    QCheckBox,
    QComboBox,
    QDateTimeEdit,
    QRadioButton,
    QSlider,
    QStyle,
    QStyledItemDelegate,
    QStyleOptionButton,
    QStyleOptionComboBox,
    QStyleOptionSlider,
    QStyleOptionSpinBox,
    QStyleOptionViewItem,
    QTabBar,
    QToolButton,
    QWidget,
)

Part = tuple[str, QRect]


def combo_arrow(combo: QComboBox) -> list[Part]:
    """The drop-down arrow (SC_ComboBoxArrow) of a combo box."""
    option = QStyleOptionComboBox()
    combo.initStyleOption(option)
    rect = combo.style().subControlRect(QStyle.ComplexControl.CC_ComboBox, option,
                                        QStyle.SubControl.SC_ComboBoxArrow, combo)
    return [("drop-down arrow", rect)] if rect.isValid() else []


def date_arrow(edit: QDateTimeEdit) -> list[Part]:
    """A date edit with a calendar pop-up is drawn and hit-tested as a combo box (Qt's qdatetimeedit.cpp)."""
    option = QStyleOptionComboBox()
    option.initFrom(edit)
    option.editable = True
    option.frame = edit.hasFrame()
    option.subControls = QStyle.SubControl.SC_ComboBoxFrame | QStyle.SubControl.SC_ComboBoxEditField \
        | QStyle.SubControl.SC_ComboBoxArrow
    rect = edit.style().subControlRect(QStyle.ComplexControl.CC_ComboBox, option,
                                       QStyle.SubControl.SC_ComboBoxArrow, edit)
    return [("calendar arrow", rect)] if rect.isValid() else []


def spin_buttons(spin: QAbstractSpinBox) -> list[Part]:
    """The up and down buttons of a spin box (none when it shows no buttons)."""
    if spin.buttonSymbols() == QAbstractSpinBox.ButtonSymbols.NoButtons:
        return []
    if isinstance(spin, QDateTimeEdit) and spin.calendarPopup():
        return date_arrow(spin)
    option = QStyleOptionSpinBox()
    spin.initStyleOption(option)
    parts = []
    for what, control in (("up button", QStyle.SubControl.SC_SpinBoxUp),
                          ("down button", QStyle.SubControl.SC_SpinBoxDown)):
        rect = spin.style().subControlRect(QStyle.ComplexControl.CC_SpinBox, option, control, spin)
        if rect.isValid():
            parts.append((what, rect))
    return parts


def indicator(button: QCheckBox | QRadioButton) -> list[Part]:
    """The box or circle of a check box or radio button."""
    option = QStyleOptionButton()
    button.initStyleOption(option)
    element = (QStyle.SubElement.SE_CheckBoxIndicator if isinstance(button, QCheckBox)
               else QStyle.SubElement.SE_RadioButtonIndicator)
    rect = button.style().subElementRect(element, option, button)
    return [("indicator", rect)] if rect.isValid() else []


def item_indicator(view: QAbstractItemView) -> list[Part]:
    """The check box drawn in the first checkable item of a view (export's signal list), if any."""
    model = view.model()
    if model is None:
        return []
    delegate = view.itemDelegate()
    for row in range(min(model.rowCount(), 50)):
        index = model.index(row, 0)
        if index.data(Qt.ItemDataRole.CheckStateRole) is None:
            continue
        option = QStyleOptionViewItem()
        view.initViewItemOption(option)
        option.rect = view.visualRect(index)
        if isinstance(delegate, QStyledItemDelegate):
            delegate.initStyleOption(option, index)
        rect = view.style().subElementRect(QStyle.SubElement.SE_ItemViewItemCheckIndicator, option, view)
        if rect.isValid():
            return [("check indicator", rect.translated(view.viewport().pos()))]
        return []
    return []


def slider_handle(slider: QSlider) -> list[Part]:
    option = QStyleOptionSlider()
    slider.initStyleOption(option)
    rect = slider.style().subControlRect(QStyle.ComplexControl.CC_Slider, option,
                                         QStyle.SubControl.SC_SliderHandle, slider)
    return [("handle", rect)] if rect.isValid() else []


def tab_scrolling(bar: QTabBar) -> tuple[list[Part], list[str]]:
    """The scroll arrows a tab bar shows when its tabs do not fit, and the tabs cut off by its edge.

    Returns ``(arrows, hidden)``: the visible arrow buttons (in the bar's coordinates) and the
    texts of tabs not wholly inside the bar's visible width (reachable only through the arrows).
    """
    arrows = [("scroll arrow", button.geometry()) for button in bar.findChildren(QToolButton)
              if button.parentWidget() is bar and button.isVisible()]
    room = bar.rect()
    if arrows:  # the arrows sit over the bar's end: tabs under them are not visible either
        left = min(r.left() for _w, r in arrows)
        room.setRight(left - 1)
    hidden = [bar.tabText(i) for i in range(bar.count())
              if bar.isTabVisible(i) and not room.contains(bar.tabRect(i))]
    return arrows, hidden


def parts(widget: QWidget) -> list[Part]:
    """Every small target inside ``widget`` that its outer box does not show."""
    if isinstance(widget, QComboBox):
        return combo_arrow(widget)
    if isinstance(widget, QAbstractSpinBox):
        return spin_buttons(widget)
    if isinstance(widget, QCheckBox | QRadioButton):
        return indicator(widget)
    if isinstance(widget, QSlider):
        return slider_handle(widget)
    if isinstance(widget, QAbstractItemView):
        return item_indicator(widget)
    return []
