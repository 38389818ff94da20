"""A shift figure as a tile: its caption, the number big, a short note beside it, a bar under it.

The number is drawn in a box as tall as its digits and a little room, not as tall as the font's
line: a 76 px font's line is 89 px, of which the digits fill 55 (the ascent above them and the
descent below are empty on a figure). Six tiles of line-tall numbers made the Production page
scroll at 1280x800. A number wider than its tile is drawn smaller, down to
:data:`MIN_SCALE`, never cut.
"""

from __future__ import annotations

from PySide6.QtCore import QSize, Qt
from PySide6.QtGui import QFont, QFontMetrics, QPainter, QPaintEvent
from PySide6.QtWidgets import QFrame, QGridLayout, QLabel, QSizePolicy, QWidget

from hmi.widgets.state_timeline import RatioBar

PAD_PX = 5  # above and below the digits
MIN_SCALE = 0.75  # the smallest a number is drawn to fit its tile (a 100 000 cm² area)


class Figure(QLabel):
    """A number in a digit-tall box (the text, the font and the style sheet as any QLabel's)."""

    def __init__(self, text: str = "", parent: QWidget | None = None) -> None:
        super().__init__(text, parent)
        self.setSizePolicy(QSizePolicy.Policy.Preferred, QSizePolicy.Policy.Fixed)

    def _height(self) -> int:
        return self.fontMetrics().capHeight() + 2 * PAD_PX

    def sizeHint(self) -> QSize:
        self.ensurePolished()
        return QSize(self.fontMetrics().horizontalAdvance(self.text()) + 4, self._height())

    def minimumSizeHint(self) -> QSize:
        self.ensurePolished()
        return QSize(int(self.fontMetrics().horizontalAdvance(self.text()) * MIN_SCALE) + 4, self._height())

    def drawn_font(self) -> QFont:
        """The font the number is drawn in: the label's, smaller when the text would not fit."""
        font = QFont(self.font())
        width = self.fontMetrics().horizontalAdvance(self.text())
        room = self.contentsRect().width() - 2
        if width > room > 0:
            size = font.pixelSize() if font.pixelSize() > 0 else round(font.pointSizeF() * 96 / 72)
            font.setPixelSize(max(int(size * max(room / width, MIN_SCALE)), 1))
        return font

    def paintEvent(self, event: QPaintEvent) -> None:
        painter = QPainter(self)
        font = self.drawn_font()
        painter.setFont(font)
        painter.setPen(self.palette().color(self.foregroundRole()))
        metrics = QFontMetrics(font)
        rect = self.contentsRect()
        baseline = rect.top() + (rect.height() + metrics.capHeight()) // 2
        width = metrics.horizontalAdvance(self.text())
        x = rect.right() - width if self.alignment() & Qt.AlignmentFlag.AlignRight else rect.left() + 1
        painter.drawText(x, baseline, self.text())
        painter.end()


class FigureTile(QFrame):
    """``caption`` over ``number`` (a :class:`Figure` named ``number_name`` for the page's style
    sheet), ``note`` beside the number (wraps; empty by default) and an optional ratio ``bar``."""

    def __init__(self, number_name: str, parent: QWidget | None = None, *, bar: bool = False) -> None:
        super().__init__(parent)
        self.setObjectName("BigTile")
        self.caption = QLabel("", self)
        self.caption.setObjectName("BigCaption")
        self.number = Figure("—", self)
        self.number.setObjectName(number_name)
        self.note = QLabel("", self)
        self.note.setObjectName("TileNote")
        self.note.setWordWrap(True)
        self.note.setAlignment(Qt.AlignmentFlag.AlignLeft | Qt.AlignmentFlag.AlignVCenter)
        self.note.setVisible(False)
        self.bar = RatioBar(self, bar_px=14) if bar else None
        grid = QGridLayout(self)
        grid.setContentsMargins(12, 4, 12, 8)
        grid.setHorizontalSpacing(12)
        grid.setVerticalSpacing(2)
        grid.addWidget(self.caption, 0, 0, 1, 2)
        grid.addWidget(self.number, 1, 0)
        grid.addWidget(self.note, 1, 1)
        grid.setColumnStretch(1, 1)
        if self.bar is not None:
            grid.addWidget(self.bar, 2, 0, 1, 2)
        grid.setRowStretch(3, 1)

    def set_note(self, text: str) -> None:
        self.note.setText(text)
        self.note.setVisible(bool(text))
