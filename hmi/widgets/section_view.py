"""The piece's cross-section in its real shape and proportions, with the band's progress through it.

Shapes follow the register map's ``cross_section`` codes: 0 round bar (A = diameter), 1 rectangle
(A = height, B = width; a square when they are equal), 2 tube (A = outer diameter, B = wall),
3 profile, drawn as an I-beam (A = height, B = width, C = flange, D = web; thin defaults when 0).
The part already cut is shaded; the band is the line at the current depth.
"""

from __future__ import annotations

import math
from dataclasses import dataclass

from PySide6.QtCore import QCoreApplication, QPointF, QRectF, QSize, Qt
from PySide6.QtGui import QColor, QPainter, QPainterPath, QPaintEvent, QPen
from PySide6.QtWidgets import QWidget

from hmi.formatting import format_number

STEEL = QColor("#b9bdc1")
OUTLINE = QColor("#303336")
CUT = QColor("#7d8185")
BAND = QColor("#000000")


class Shape:
    ROUND = 0
    RECTANGLE = 1
    TUBE = 2
    PROFILE = 3


@dataclass(frozen=True, slots=True)
class Section:
    shape: int
    a: float  # mm
    b: float = 0.0
    c: float = 0.0
    d: float = 0.0

    @property
    def width_mm(self) -> float:
        return self.a if self.shape in (Shape.ROUND, Shape.TUBE) else (self.b or self.a)

    @property
    def height_mm(self) -> float:
        return self.a

    def label(self) -> str:
        """What the operator reads under the drawing (Ø 100 mm, 80 × 80 mm, Ø 60 × 5 mm, ...)."""
        a, b = _mm(self.a), _mm(self.b)
        if self.shape == Shape.ROUND:
            return QCoreApplication.translate("SectionView", "round bar Ø %1 mm").replace("%1", a)
        if self.shape == Shape.TUBE:
            return QCoreApplication.translate("SectionView", "tube Ø %1 × %2 mm").replace("%1", a).replace("%2", b)
        if self.shape == Shape.PROFILE:
            return QCoreApplication.translate("SectionView", "profile %1 × %2 mm").replace("%1", a).replace("%2", b)
        if math.isclose(self.a, self.b or self.a):
            return QCoreApplication.translate("SectionView", "square %1 × %1 mm").replace("%1", a)
        return QCoreApplication.translate("SectionView", "rectangle %1 × %2 mm").replace("%1", a).replace("%2", b)

    def outline(self, box: QRectF) -> QPainterPath:
        """The section's outline in ``box`` (already sized to the section's proportions)."""
        path = QPainterPath()
        path.setFillRule(Qt.FillRule.OddEvenFill)
        if self.shape == Shape.ROUND:
            path.addEllipse(box)
        elif self.shape == Shape.TUBE:
            path.addEllipse(box)
            wall = min(max(self.b, self.a * 0.04), self.a * 0.45) * box.width() / self.a
            path.addEllipse(box.adjusted(wall, wall, -wall, -wall))
        elif self.shape == Shape.PROFILE:
            k = box.height() / self.a
            flange = min(max(self.c, self.a * 0.08), self.a * 0.4) * k
            web = min(max(self.d, self.width_mm * 0.06), self.width_mm * 0.5) * k
            centre = box.center().x()
            path.addRect(QRectF(box.left(), box.top(), box.width(), flange))
            path.addRect(QRectF(box.left(), box.bottom() - flange, box.width(), flange))
            path.addRect(QRectF(centre - web / 2, box.top() + flange - 0.5, web, box.height() - 2 * flange + 1))
            path = path.simplified()
        else:
            path.addRect(box)
        return path


def _mm(value: float) -> str:
    return format_number(value, 0 if math.isclose(value, round(value)) else 1)


class SectionView(QWidget):
    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setObjectName("SectionView")
        self._section: Section | None = None
        self._position = 0.0
        self.setMinimumSize(120, 120)

    def sizeHint(self) -> QSize:
        return QSize(200, 200)

    def set_section(self, section: Section | None) -> None:
        if section is not None and (section.a <= 0 or not math.isfinite(section.a)):
            section = None
        if section != self._section:
            self._section = section
            self.update()

    def section(self) -> Section | None:
        return self._section

    def set_position(self, position: float | None) -> None:
        """How far the band is through the section: 0 at the top, 1 through."""
        position = 0.0 if position is None or not math.isfinite(position) else min(max(position, 0.0), 1.0)
        if abs(position - self._position) >= 0.002:
            self._position = position
            self.update()

    def box(self) -> QRectF:
        """Where the section is drawn: centred, proportions kept."""
        section = self._section
        margin = 8.0
        width, height = self.width() - 2 * margin, self.height() - 2 * margin
        if section is None or width <= 0 or height <= 0:
            return QRectF()
        k = min(width / section.width_mm, height / section.height_mm)
        w, h = section.width_mm * k, section.height_mm * k
        return QRectF(margin + (width - w) / 2, margin + (height - h) / 2, w, h)

    def paintEvent(self, event: QPaintEvent) -> None:
        section = self._section
        if section is None:
            return
        painter = QPainter(self)
        painter.setRenderHint(QPainter.RenderHint.Antialiasing)
        box = self.box()
        outline = section.outline(box)
        painter.fillPath(outline, STEEL)
        depth = box.top() + box.height() * self._position
        if self._position > 0:
            cut = QPainterPath()
            cut.addRect(QRectF(box.left() - 1, box.top() - 1, box.width() + 2, depth - box.top() + 1))
            painter.fillPath(outline.intersected(cut), CUT)
        painter.setPen(QPen(OUTLINE, 2))
        painter.drawPath(outline)
        if 0 < self._position < 1:
            painter.setPen(QPen(BAND, 3))
            painter.drawLine(QPointF(box.left() - 6, depth), QPointF(box.right() + 6, depth))
        painter.end()
