"""A tab widget's tabs as rows of buttons that wrap: every tab in sight, none behind scroll arrows.

A QTabBar keeps its tabs on one line; with nine register groups (longer in Turkish, longer still
with the search's match counts) it hides the last ones behind two 15 px scroll arrows, no target
for a gloved finger. These buttons mirror the QTabWidget (its current index and tab texts) and
take the tab bar's place; the tab widget still holds the pages.

The widget places its buttons itself (Qt's "Flow Layout" example, done in the widget): a Python
QLayout subclass has to keep the QLayoutItems Qt hands it, and PySide does not see Qt delete
them, so their wrappers outlived them and came back for new widgets at the same address (a
calendar pop-up typed QWidgetItem, a SIGSEGV in releaseWrapper in the kiosk walk).
"""

from __future__ import annotations

from PySide6.QtCore import QEvent, QPoint, QRect, QSize
from PySide6.QtWidgets import QButtonGroup, QPushButton, QSizePolicy, QTabWidget, QWidget

from hmi.kiosk import GAP_PX, TOUCH_PX


class TabButtons(QWidget):
    def __init__(self, tabs: QTabWidget, parent: QWidget | None = None, spacing: int = GAP_PX) -> None:
        super().__init__(parent)
        self.setObjectName("TabButtons")
        self.tabs = tabs
        self.spacing = spacing
        self.group = QButtonGroup(self)
        self.group.setExclusive(True)
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
            button.show()
            buttons.append(button)
        for i, button in enumerate(buttons):
            text = self.tabs.tabText(i)
            if button.text() != text:
                button.setText(text)
        self._follow(self.tabs.currentIndex())
        self._relayout()

    # --- size and placement (what a layout would do) ---

    def hasHeightForWidth(self) -> bool:
        return True

    def heightForWidth(self, width: int) -> int:
        return self._arrange(width, move=False)

    def minimumSizeHint(self) -> QSize:
        size = QSize()
        for button in self._shown():
            size = size.expandedTo(button.sizeHint().expandedTo(button.minimumSize()))
        return size

    def sizeHint(self) -> QSize:
        return self.minimumSizeHint()

    def resizeEvent(self, event: object) -> None:
        self._arrange(self.width(), move=True)

    def event(self, event: QEvent) -> bool:
        if event.type() == QEvent.Type.LayoutRequest:  # a button's text, font or style changed its size
            self._relayout()
            return True
        return super().event(event)

    def _relayout(self) -> None:
        self.updateGeometry()
        self._arrange(self.width(), move=True)

    def _shown(self) -> list[QPushButton]:
        return [b for b in self.buttons() if not b.isHidden()]

    def _arrange(self, width: int, *, move: bool) -> int:
        """Place the buttons in rows of ``width`` (or only measure); returns the height used."""
        x = y = row_height = 0
        for button in self._shown():
            hint = button.sizeHint().expandedTo(button.minimumSize())
            if x > 0 and x + hint.width() > width:
                x, y = 0, y + row_height + self.spacing
                row_height = 0
            if move:
                button.setGeometry(QRect(QPoint(x, y), hint))
            x += hint.width() + self.spacing
            row_height = max(row_height, hint.height())
        return y + row_height

    def _follow(self, index: int) -> None:
        button = self.group.button(index)
        if button is not None and not button.isChecked():
            button.setChecked(True)
