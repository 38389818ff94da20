"""Cut progress: the head's height against the material, drawn as the operator sees the saw."""

from __future__ import annotations

from PySide6.QtCore import QRectF, Qt
from PySide6.QtGui import QColor, QFont, QPainter, QPaintEvent, QPen
from PySide6.QtWidgets import QSizePolicy, QWidget

from hmi.bridge import EngineBridge


def cut_fraction(head_height: float | None, material_width: float | None) -> float | None:
    """How far through the material the band is: 0 at the top of the material, 1 at the table."""
    if head_height is None or material_width is None or material_width <= 0:
        return None
    return min(1.0, max(0.0, 1.0 - head_height / material_width))


class CutProgress(QWidget):
    def __init__(self, bridge: EngineBridge, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setObjectName("CutProgress")
        self.setMinimumSize(220, 160)
        self.setSizePolicy(QSizePolicy.Policy.Expanding, QSizePolicy.Policy.Expanding)
        self._bridge = bridge
        self._head = bridge.channel("head_height")
        self._width = bridge.channel("material_width")
        self._stale = True
        self._head.changed.connect(lambda _item: self.update())
        bridge.tick.connect(self._on_tick)

    def fraction(self) -> float | None:
        return cut_fraction(self._head.last_good_value, self._width.last_good_value)

    def _on_tick(self, now: float) -> None:
        age = self._head.age_s(now)
        stale = age is None or age > self._bridge.stale_after_s
        if stale != self._stale:
            self._stale = stale
            self.update()

    def paintEvent(self, event: QPaintEvent) -> None:
        painter = QPainter(self)
        painter.setRenderHint(QPainter.RenderHint.Antialiasing)
        area = QRectF(self.rect()).adjusted(8, 8, -8, -8)
        head = self._head.last_good_value
        width = self._width.last_good_value
        fraction = self.fraction()
        ink = QColor("#8c9094") if self._stale else QColor("#202326")
        # Material block (the section seen from the front), table line beneath it.
        block = QRectF(area.left() + area.width() * 0.15, area.top() + 28, area.width() * 0.7, area.height() - 40)
        painter.setPen(QPen(ink, 2))
        painter.setBrush(QColor("#c9cccf"))
        painter.drawRect(block)
        if fraction is not None:
            cut = QRectF(block.left(), block.top(), block.width(), block.height() * fraction)
            painter.setBrush(QColor("#9ea3a8"))
            painter.drawRect(cut)
            painter.setPen(QPen(ink, 4))
            y = cut.bottom()
            painter.drawLine(int(area.left()), int(y), int(area.right()), int(y))
        painter.setPen(QPen(ink, 1))
        font = QFont(self.font())
        font.setPointSizeF(font.pointSizeF() * 1.4)
        font.setBold(True)
        painter.setFont(font)
        if fraction is None:
            caption = "cut progress —"
        else:
            caption = f"cut {fraction * 100:.0f} %   head {head:.1f} / {width:.1f} mm"
        painter.drawText(
            QRectF(area.left(), area.top(), area.width(), 26), Qt.AlignmentFlag.AlignCenter, caption
        )
        painter.end()
