"""A file path on one line: elided in the middle when too long (the folder's start and the file
name stay readable, the name whole where it fits), the whole path in the tooltip. :class:`PathLabel`
for read-only paths (kiosk export target, the touch picker's folder), :class:`PathEdit` for a path
that may be typed (desktop): elided the same way while it is not being edited."""

from __future__ import annotations

import re

from PySide6.QtCore import QRect, QSize, Qt
from PySide6.QtGui import QFontMetrics, QPainter, QPaintEvent, QPalette
from PySide6.QtWidgets import QLabel, QLineEdit, QSizePolicy, QStyle, QStyleOptionFrame, QWidget


def elide_path(path: str, metrics: QFontMetrics, width: int) -> str:
    """``path`` in ``width`` px: whole when it fits; else the file (or last folder) name whole after as
    much of the start as fits ("/media/usb0/exp…/samples-20261203-120000.csv"); a name too long for
    that, elided in the middle as a whole."""
    if metrics.horizontalAdvance(path) <= width:
        return path
    cut = max(path.rfind("/"), path.rfind("\\"))
    tail = path[cut:] if cut > 0 else ""
    room = width - metrics.horizontalAdvance("…" + tail)
    if not tail or room < metrics.horizontalAdvance(path[:4]):
        return metrics.elidedText(path, Qt.TextElideMode.ElideMiddle, max(0, width))
    low, high = 0, cut  # the longest start that fits beside the name
    while low < high:
        middle = (low + high + 1) // 2
        if metrics.horizontalAdvance(path[:middle]) <= room:
            low = middle
        else:
            high = middle - 1
    return f"{path[:low]}…{tail}"


class PathLabel(QLabel):
    def __init__(self, path: str = "", parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setObjectName("PathLabel")
        self.setSizePolicy(QSizePolicy.Policy.Ignored, QSizePolicy.Policy.Preferred)
        self.setText(path)

    def setText(self, text: str) -> None:
        super().setText(text)
        self.setToolTip(text)

    def shown_text(self) -> str:
        """What fits the width now (the middle replaced by an ellipsis when it does not fit)."""
        margins = self.contentsMargins()
        return elide_path(self.text(), self.fontMetrics(), self.width() - margins.left() - margins.right())

    def minimumSizeHint(self) -> QSize:
        return QSize(0, super().minimumSizeHint().height())

    def paintEvent(self, event: QPaintEvent) -> None:
        painter = QPainter(self)
        painter.setPen(self.palette().color(self.foregroundRole()))
        painter.drawText(self.contentsRect(), int(Qt.AlignmentFlag.AlignLeft | Qt.AlignmentFlag.AlignVCenter),
                         self.shown_text())
        painter.end()


class PathEdit(QLineEdit):
    """A path field that can be typed into. A QLineEdit shows the end of a text longer than it (the
    cursor's side): the folder's start scrolled away. While not being edited this one shows the path
    elided in the middle instead; typing shows it as a line edit does; the tooltip has it whole."""

    # QLineEdit's own inner margin beside the text (qlineedit_p.h: horizontalMargin, verticalMargin)
    _H_MARGIN = 2

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setObjectName("PathEdit")
        self.textChanged.connect(self.setToolTip)

    def _text_rect(self) -> tuple[QStyleOptionFrame, QRect]:
        option = QStyleOptionFrame()
        self.initStyleOption(option)
        rect = self.style().subElementRect(QStyle.SubElement.SE_LineEditContents, option, self)
        rect = rect.marginsRemoved(self.textMargins())
        return option, rect.adjusted(self._H_MARGIN, 0, -self._H_MARGIN, 0)

    def elided(self) -> bool:
        """Shown elided now: not being edited, and longer than the field."""
        _option, rect = self._text_rect()
        return not self.hasFocus() and self.fontMetrics().horizontalAdvance(self.text()) > rect.width()

    def shown_text(self) -> str:
        """What the field shows while not edited: the path, its middle elided when it does not fit."""
        _option, rect = self._text_rect()
        return elide_path(self.text(), self.fontMetrics(), rect.width())

    def paintEvent(self, event: QPaintEvent) -> None:
        if not self.elided():
            super().paintEvent(event)  # editing, or it fits: the line edit as it is
            return
        option, rect = self._text_rect()
        painter = QPainter(self)
        self.style().drawPrimitive(QStyle.PrimitiveElement.PE_PanelLineEdit, option, painter, self)
        group = QPalette.ColorGroup.Active if self.isEnabled() else QPalette.ColorGroup.Disabled
        painter.setPen(self.palette().color(group, QPalette.ColorRole.Text))
        painter.drawText(rect, int(Qt.AlignmentFlag.AlignLeft | Qt.AlignmentFlag.AlignVCenter),
                         self.shown_text())
        painter.end()


ZERO_WIDTH_SPACE = "\u200b"


def breakable(text: str) -> str:
    """``text`` with a line-break chance after every path separator: a word-wrapped label then
    wraps a long path instead of cutting it off at the window's edge."""
    text = text.replace(ZERO_WIDTH_SPACE, "")  # once only, whatever was passed on
    # Not inside a unit: a slash a word joiner follows is one (mm/dk, hmi.formatting.unit_text).
    return re.sub(r"([/\\])(?!\u2060)", "\\1" + ZERO_WIDTH_SPACE, text)
