"""The navigation bar: page buttons on the left, the session's buttons (replay, language, login,
leave kiosk) on the right; in two rows when one row would not fit the panel.

Nine pages and four session buttons at touch size do not fit 1280 px in every language and role
(an admin in kiosk mode sees them all). Rather than squeezing buttons until their texts are cut,
the bar puts the session's buttons in a second row when the window is narrower than both groups
side by side, and back in one row when it is wide enough.
"""

from __future__ import annotations

from PySide6.QtCore import QEvent, QObject, QSize
from PySide6.QtGui import QResizeEvent
from PySide6.QtWidgets import QBoxLayout, QHBoxLayout, QWidget

PANEL_WIDTH = 1280 - 2 * 6  # the touch panel less the window's margins: the bar never asks for more


class NavBar(QWidget):
    def __init__(self, parent: QWidget | None = None, *, spacing: int = 4) -> None:
        super().__init__(parent)
        self.setObjectName("NavBar")
        self.pages = QHBoxLayout()
        self.session = QHBoxLayout()
        for row in (self.pages, self.session):
            row.setContentsMargins(0, 0, 0, 0)
            row.setSpacing(spacing)
        self.pages.addStretch(1)
        self.session.insertStretch(0, 1)
        self._outer = QBoxLayout(QBoxLayout.Direction.LeftToRight, self)
        self._outer.setContentsMargins(0, 0, 0, 0)
        self._outer.setSpacing(max(spacing, 8))  # between the rows too: a finger's room (kiosk.GAP_PX)
        self._outer.addLayout(self.pages, 1)
        self._outer.addLayout(self.session)

    def add_page(self, widget: QWidget) -> None:
        self.pages.insertWidget(self.pages.count() - 1, widget)  # before the stretch
        self._watch(widget)

    def add_session(self, widget: QWidget) -> None:
        self.session.addWidget(widget)
        self._watch(widget)

    def _watch(self, widget: QWidget) -> None:
        widget.installEventFilter(self)

    def one_row_width(self) -> int:
        """What both groups need side by side, every button as wide as its text."""
        return self._needed(self.pages) + self._outer.spacing() + self._needed(self.session)

    @staticmethod
    def _needed(row: QHBoxLayout) -> int:
        widths = []
        for i in range(row.count()):
            item = row.itemAt(i)
            widget = item.widget() if item is not None else None
            if widget is not None and not widget.isHidden():
                widths.append(max(widget.sizeHint().width(), widget.minimumWidth()))
        return sum(widths) + row.spacing() * max(0, len(widths) - 1)

    def minimumSizeHint(self) -> QSize:
        """As wide as one row needs, but never wider than the panel (beyond it: two rows)."""
        hint = super().minimumSizeHint()
        widest = max(self._needed(self.pages), self._needed(self.session))
        hint.setWidth(max(widest, min(self.one_row_width(), PANEL_WIDTH)))
        return hint

    def event(self, event: QEvent) -> bool:
        if event.type() == QEvent.Type.LayoutRequest:  # a button's text or visibility changed
            self._arrange(self.width())
        return super().event(event)

    def resizeEvent(self, event: QResizeEvent) -> None:
        super().resizeEvent(event)
        self._arrange(event.size().width())

    def eventFilter(self, watched: QObject, event: QEvent) -> bool:
        # A text changed (language, login) or a button shown/hidden: one row may fit now, or not.
        if event.type() in (QEvent.Type.Show, QEvent.Type.Hide, QEvent.Type.LayoutRequest,
                            QEvent.Type.FontChange, QEvent.Type.StyleChange):
            self._arrange(self.width())
        return False

    def _arrange(self, width: int) -> None:
        wanted = (QBoxLayout.Direction.LeftToRight if self.one_row_width() <= width
                  else QBoxLayout.Direction.TopToBottom)
        if self._outer.direction() != wanted:
            self._outer.setDirection(wanted)
            self.updateGeometry()
