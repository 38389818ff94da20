"""A tab widget's tabs as rows of buttons that wrap: every tab in sight, none behind scroll arrows.

A QTabBar keeps its tabs on one line; with nine register groups (longer in Turkish, longer still
with the search's match counts) it hides the last ones behind two 15 px scroll arrows, no target
for a gloved finger. These buttons mirror the QTabWidget (its current index and tab texts) and
take the tab bar's place; the tab widget still holds the pages.
"""

from __future__ import annotations

from PySide6.QtWidgets import QButtonGroup, QPushButton, QSizePolicy, QTabWidget, QWidget

from hmi.kiosk import GAP_PX, TOUCH_PX
from hmi.widgets.flow_layout import FlowLayout


class TabButtons(QWidget):
    def __init__(self, tabs: QTabWidget, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setObjectName("TabButtons")
        self.tabs = tabs
        self.group = QButtonGroup(self)
        self.group.setExclusive(True)
        self.flow = FlowLayout(self, spacing=GAP_PX)
        policy = QSizePolicy(QSizePolicy.Policy.Preferred, QSizePolicy.Policy.Preferred)
        policy.setHeightForWidth(True)
        self.setSizePolicy(policy)
        tabs.tabBar().hide()
        self.sync()
        tabs.currentChanged.connect(self._follow)
        self.group.idClicked.connect(tabs.setCurrentIndex)

    def buttons(self) -> list[QPushButton]:
        return [b for b in self.group.buttons() if isinstance(b, QPushButton)]

    def sync(self) -> None:
        """Texts (and the number of buttons) from the tab widget; call after setTabText/addTab."""
        buttons = self.buttons()
        for i in range(len(buttons), self.tabs.count()):
            button = QPushButton(self)
            button.setObjectName("TabButton")
            button.setCheckable(True)
            button.setMinimumHeight(TOUCH_PX)
            self.group.addButton(button, i)
            self.flow.addWidget(button)
            buttons.append(button)
        for i, button in enumerate(buttons):
            text = self.tabs.tabText(i)
            if button.text() != text:
                button.setText(text)
        self._follow(self.tabs.currentIndex())
        self.flow.invalidate()
        self.updateGeometry()

    def _follow(self, index: int) -> None:
        button = self.group.button(index)
        if button is not None and not button.isChecked():
            button.setChecked(True)
