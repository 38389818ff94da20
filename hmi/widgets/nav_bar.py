"""The navigation bar: page buttons on the left, the session's buttons (replay, language, login,
leave kiosk) on the right, always in one row; the pages that do not fit go under "More".

Nine pages and four session buttons at touch size do not fit 1280 px in every language and role
(an administrator in kiosk mode sees them all). Two rows took 58 px from every page (the overview
and production scrolled, the right column was clipped); squeezed buttons cut their texts; a bar
that scrolls sideways hides pages a finger cannot find. So the bar keeps the first pages in the
row and puts the last ones (the administrator's users and audit pages first) as the same 48 px
buttons in a drop-down panel under a "More" button, one tap away. The More button is shown
checked while the page shown is one of them. The buttons stay the window's own (their role
visibility, ``isHidden()``, is the window's to set; the bar only moves them).
"""

from __future__ import annotations

from PySide6.QtCore import QEvent, QObject, QPoint, QSize, Qt
from PySide6.QtGui import QResizeEvent
from PySide6.QtWidgets import QAbstractButton, QFrame, QHBoxLayout, QPushButton, QVBoxLayout, QWidget

from hmi.i18n import translate
from hmi.kiosk import GAP_PX, TOUCH_PX

PANEL_WIDTH = 1280 - 2 * 6  # the touch panel less the window's margins: the bar never asks for more
_WATCHED = (QEvent.Type.Show, QEvent.Type.Hide, QEvent.Type.LayoutRequest, QEvent.Type.FontChange,
            QEvent.Type.StyleChange)


class MorePanel(QFrame):
    """The drop-down under More: the pages that did not fit the row, one under the other."""

    def __init__(self, parent: QWidget) -> None:
        super().__init__(parent, Qt.WindowType.Popup)
        self.setObjectName("NavMorePanel")
        self.setFrameShape(QFrame.Shape.StyledPanel)
        self.column = QVBoxLayout(self)
        self.column.setContentsMargins(GAP_PX, GAP_PX, GAP_PX, GAP_PX)
        self.column.setSpacing(GAP_PX)


class NavBar(QWidget):
    def __init__(self, parent: QWidget | None = None, *, spacing: int = 4) -> None:
        super().__init__(parent)
        self.setObjectName("NavBar")
        self.pages = QHBoxLayout()
        self.session = QHBoxLayout()
        for row in (self.pages, self.session):
            row.setContentsMargins(0, 0, 0, 0)
            row.setSpacing(spacing)
        self.more_button = QPushButton(self)
        self.more_button.setObjectName("NavButton")
        self.more_button.setCheckable(True)  # checked: the page shown is in the panel
        self.more_button.setMinimumSize(80, TOUCH_PX)
        self.more_button.clicked.connect(self._on_more)
        self.more_button.hide()
        self.more_panel = MorePanel(self)
        self.pages.addWidget(self.more_button)
        self.pages.addStretch(1)
        self.session.insertStretch(0, 1)
        self._outer = QHBoxLayout(self)
        self._outer.setContentsMargins(0, 0, 0, 0)
        self._outer.setSpacing(max(spacing, GAP_PX))  # a finger's room
        self._outer.addLayout(self.pages, 1)
        self._outer.addLayout(self.session)
        self._buttons: list[QWidget] = []  # every page button, in order
        self._extras: list[QWidget] = []  # always under More (add_extra)
        self._arranging = False
        self._retranslate()

    # --- building ------------------------------------------------------------------------

    def add_page(self, widget: QWidget) -> None:
        self._buttons.append(widget)
        self.pages.insertWidget(self.pages.indexOf(self.more_button), widget)  # before More
        if isinstance(widget, QAbstractButton):
            widget.clicked.connect(self._page_chosen)
            widget.toggled.connect(lambda _on: self._show_more_checked())
        self._watch(widget)

    def add_session(self, widget: QWidget) -> None:
        self.session.addWidget(widget)
        self._watch(widget)

    def add_extra(self, widget: QWidget) -> None:
        """A rarely used session button (leave kiosk) that always sits under More, after the pages."""
        self._extras.append(widget)
        hidden = widget.isHidden()
        widget.setParent(self.more_panel)
        self.more_panel.column.addWidget(widget)
        widget.setVisible(not hidden)
        if isinstance(widget, QAbstractButton):
            widget.clicked.connect(self.more_panel.hide)
        self._watch(widget)
        self._arrange(self.width())

    def _watch(self, widget: QWidget) -> None:
        widget.installEventFilter(self)

    # --- what goes where -----------------------------------------------------------------------

    def in_more(self) -> list[QWidget]:
        """The page buttons in the More panel now (role-hidden ones included)."""
        return [b for b in self._buttons if b.parentWidget() is self.more_panel]

    def is_reachable(self, widget: QWidget) -> bool:
        """In the row and shown, or in the More panel and not hidden (the window's role check)."""
        return not widget.isHidden()

    def one_row_width(self) -> int:
        """What every page and the session's buttons need side by side, each as wide as its text."""
        return self._sum(self._shown(self._buttons)) + self._outer.spacing() + self._session_width()

    @staticmethod
    def _width(widget: QWidget) -> int:
        return max(widget.sizeHint().width(), widget.minimumWidth())

    @staticmethod
    def _shown(widgets: list[QWidget]) -> list[QWidget]:
        return [w for w in widgets if not w.isHidden()]

    def _sum(self, widgets: list[QWidget]) -> int:
        return sum(self._width(w) for w in widgets) + self.pages.spacing() * max(0, len(widgets) - 1)

    def _session_width(self) -> int:
        widgets = []
        for i in range(self.session.count()):
            item = self.session.itemAt(i)
            widget = item.widget() if item is not None else None
            if widget is not None and not widget.isHidden():
                widgets.append(widget)
        return sum(self._width(w) for w in widgets) + self.session.spacing() * max(0, len(widgets) - 1)

    def _split(self, width: int) -> int:
        """How many of the page buttons (in order, hidden ones counted) stay in the row."""
        room = width - self._session_width() - self._outer.spacing()
        if self._shown(self._extras):  # More is there anyway
            room -= self._width(self.more_button) + self.pages.spacing()
        if self._sum(self._shown(self._buttons)) <= room:
            return len(self._buttons)
        if not self._shown(self._extras):
            room -= self._width(self.more_button) + self.pages.spacing()
        used, keep = 0, 0
        for i, button in enumerate(self._buttons):
            if button.isHidden():
                keep = i + 1
                continue
            need = self._width(button) + (self.pages.spacing() if used else 0)
            if used + need > room:
                break
            used += need
            keep = i + 1
        return max(1, keep)  # the first page (the overview) always in the row

    def minimumSizeHint(self) -> QSize:
        """The first page, More and the session's buttons; never wider than the panel."""
        hint = super().minimumSizeHint()
        first = self._shown(self._buttons)[:1]
        least = self._sum(first) + self.pages.spacing() + self._width(self.more_button) \
            + self._outer.spacing() + self._session_width()
        hint.setWidth(min(least, PANEL_WIDTH))
        return hint

    # --- keeping it arranged ---------------------------------------------------------------------

    def event(self, event: QEvent) -> bool:
        if event.type() == QEvent.Type.LayoutRequest:  # a button's text or visibility changed
            self._arrange(self.width())
        elif event.type() == QEvent.Type.LanguageChange:
            self._retranslate()
            handled = super().event(event)  # to the children: the login button's role name changes now
            # Every text is in the new language now: split and lay out the row again in this turn of
            # the event loop (a LayoutRequest posted by a child's new text would come a turn later).
            self._arrange(self.width(), relayout=True)
            return handled
        return super().event(event)

    def resizeEvent(self, event: QResizeEvent) -> None:
        super().resizeEvent(event)
        self._arrange(event.size().width())

    def eventFilter(self, watched: QObject, event: QEvent) -> bool:
        # A text changed (language, login) or a button shown/hidden: more may fit now, or less.
        if event.type() in _WATCHED and not self._arranging:
            self._arrange(self.width())
        return False

    def _retranslate(self) -> None:
        self.more_button.setText(translate("NavBar", "More ▾"))

    def _arrange(self, width: int, *, relayout: bool = False) -> None:
        if self._arranging or not self._buttons:
            return
        self._arranging = True
        try:
            keep = self._split(width)
            moved = False
            for i, button in enumerate(self._buttons):
                home = self if i < keep else self.more_panel
                if button.parentWidget() is home:
                    continue
                moved = True
                hidden = button.isHidden()  # the window's role check: kept as it was
                if home is self:
                    self.more_panel.column.removeWidget(button)
                    button.setParent(self)
                    self.pages.insertWidget(self.pages.indexOf(self.more_button), button)
                else:
                    self.pages.removeWidget(button)
                    button.setParent(self.more_panel)
                    before = sum(1 for b in self._buttons[:i] if b.parentWidget() is self.more_panel)
                    self.more_panel.column.insertWidget(before, button)  # in page order, before the extras
                button.setVisible(not hidden)
            more_shown = any(not b.isHidden() for b in [*self.in_more(), *self._extras])
            moved = moved or more_shown == self.more_button.isHidden()
            self.more_button.setVisible(more_shown)
            self._show_more_checked()
            if moved or relayout:
                # Qt hands a LayoutRequest to the layout before this widget's event(): the row was
                # laid out with the old split (every button squeezed, a language's longer texts in
                # too many buttons). Lay it out again now, not at the next turn of the event loop.
                self._outer.activate()
        finally:
            self._arranging = False

    # --- the More panel ------------------------------------------------------------------------

    def _show_more_checked(self) -> None:
        checked = any(isinstance(b, QAbstractButton) and b.isChecked() for b in self.in_more())
        if self.more_button.isChecked() != checked:
            self.more_button.setChecked(checked)

    def _on_more(self) -> None:
        self._show_more_checked()  # a tap toggles a checkable button: its state says where the page is
        self.open_more()

    def open_more(self) -> MorePanel:
        """The panel under the More button, its right edge at the button's (on the panel's screen)."""
        panel = self.more_panel
        panel.adjustSize()
        button = self.more_button
        corner = button.mapToGlobal(QPoint(button.width(), button.height() + 4))
        panel.move(corner.x() - panel.width(), corner.y())
        panel.show()
        return panel

    def _page_chosen(self) -> None:
        if self.more_panel.isVisible():
            self.more_panel.hide()
