"""Text that fits a fixed place: word-wrapped in the lines the place has room for, the end cut with
an ellipsis only when even those are not enough; the whole text in the tooltip and, for a finger
(touch has no hover), shown in a tool tip on a tap. Nothing around it moves when the text changes.
"""

from __future__ import annotations

from PySide6.QtCore import QEvent, QObject, QPoint, QRect, Qt
from PySide6.QtGui import QFontMetrics, QMouseEvent, QPainter, QPaintEvent
from PySide6.QtWidgets import QFrame, QLabel, QTabWidget, QToolTip, QWidget

ELLIPSIS = "…"
WRAP = int(Qt.TextFlag.TextWordWrap)


def wrapped_height(metrics: QFontMetrics, text: str, width: int) -> int:
    return metrics.boundingRect(QRect(0, 0, max(width, 1), 100_000), WRAP, text).height()


def fit_lines(metrics: QFontMetrics, text: str, width: int, height: int) -> str:
    """``text`` as it fits ``width`` x ``height`` word-wrapped: whole, or cut at a word with "…"."""
    if not text or wrapped_height(metrics, text, width) <= height:
        return text
    words = text.split(" ")
    low, high = 0, len(words)  # the most words that fit with the ellipsis after them
    while low < high:
        middle = (low + high + 1) // 2
        if wrapped_height(metrics, " ".join(words[:middle]) + ELLIPSIS, width) <= height:
            low = middle
        else:
            high = middle - 1
    if low == 0:  # not even one word: cut inside it
        return metrics.elidedText(text, Qt.TextElideMode.ElideRight, width)
    return " ".join(words[:low]) + ELLIPSIS


class FittedNote(QLabel):
    """A label in a place of fixed size (set by its owner) that shows as much of its text as fits."""

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setWordWrap(True)

    def setText(self, text: str) -> None:
        super().setText(text)
        self.setToolTip(text)

    def shown_text(self) -> str:
        rect = self.contentsRect()
        return fit_lines(self.fontMetrics(), self.text(), rect.width(), rect.height())

    def paintEvent(self, event: QPaintEvent) -> None:
        QFrame.paintEvent(self, event)  # the style sheet's frame (a message's border) as a QLabel has it
        painter = QPainter(self)
        painter.setPen(self.palette().color(self.foregroundRole()))
        align = int(self.alignment()) or int(Qt.AlignmentFlag.AlignLeft | Qt.AlignmentFlag.AlignVCenter)
        painter.drawText(self.contentsRect(), align | WRAP, self.shown_text())
        painter.end()

    def mousePressEvent(self, event: QMouseEvent) -> None:
        if self.shown_text() != self.text():
            QToolTip.showText(self.mapToGlobal(QPoint(0, self.height())), self.text(), self)
        super().mousePressEvent(event)


class TabRowMessage(FittedNote):
    """A message in the free room right of a tab widget's tabs: it takes no line of its own and
    nothing moves when it comes or goes; two lines, the rest in the tooltip (and on a tap)."""

    GAP_PX = 16

    def __init__(self, tabs: QTabWidget) -> None:
        super().__init__(tabs)
        self.tabs = tabs
        tabs.installEventFilter(self)
        tabs.tabBar().installEventFilter(self)
        self.place()

    def place(self) -> None:
        bar = self.tabs.tabBar()
        left = bar.geometry().right() + 1 + self.GAP_PX
        self.setGeometry(left, bar.y() + 2, max(self.tabs.width() - left - 4, 0), max(bar.height() - 4, 0))
        self.raise_()

    def eventFilter(self, watched: QObject, event: QEvent) -> bool:
        if event.type() in (QEvent.Type.Resize, QEvent.Type.Move, QEvent.Type.LayoutRequest, QEvent.Type.Show):
            self.place()
        return False
