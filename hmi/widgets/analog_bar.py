"""A horizontal analog bar (ISA-101): the actual value against its target, normal band and limits.

Grey while the value is normal; above the normal band (not yet at the guard) the fill turns near
black, a modest emphasis still in grey; amber beyond the guard threshold and red beyond the overload
limit, so colour only ever means "abnormal". :meth:`AnalogBar.level` says which (normal, high, guard,
overload). Below the normal band is no emphasis: a load bar reads low whenever the band runs free.
The target is a black triangle above the bar, the normal band a lighter strip behind it, the guard
and overload limits ticks with their zones shaded. Setters repaint only when what is drawn changes.

:func:`guard_name` says what the guard mark is: "ML ceiling" where it is ML's load ceiling
(core.config.ml_ceiling_marks), where ML cuts the descent at once; the torque guard, acting on a rise,
has no level to mark.
"""

from __future__ import annotations

import math
from dataclasses import dataclass, replace

from PySide6.QtCore import QPointF, QRectF, QSize, Qt
from PySide6.QtGui import QColor, QPainter, QPaintEvent, QPen, QPolygonF
from PySide6.QtWidgets import QSizePolicy, QWidget

from core.config import Settings, ml_ceiling_marks
from hmi.i18n import translate

BACKGROUND = QColor("#dfe1e3")
NORMAL_BAND = QColor("#f2f3f4")
FILL = QColor("#5b5f63")
HIGH = QColor("#202326")  # above the normal band: darker, still grey (ISA-101: colour only past the guard)
GUARD = QColor("#f28c00")
OVERLOAD = QColor("#d0021b")
TARGET = QColor("#000000")
STALE = QColor("#a9adb1")


@dataclass(frozen=True, slots=True)
class BarScale:
    minimum: float
    maximum: float
    normal: tuple[float, float] | None = None  # the range a healthy process stays in
    guard: float | None = None  # a protective action starts here (ML's load ceiling: guard_name)
    overload: float | None = None  # the machine trips here


class AnalogBar(QWidget):
    def __init__(self, scale: BarScale, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setObjectName("AnalogBar")
        self._scale = scale
        self._value: float | None = None
        self._target: float | None = None
        self._stale = False
        self.setSizePolicy(QSizePolicy.Policy.Expanding, QSizePolicy.Policy.Fixed)
        self.setMinimumHeight(36)

    # --- state -------------------------------------------------------------------------

    @property
    def scale(self) -> BarScale:
        return self._scale

    def set_scale(self, scale: BarScale) -> None:
        if scale != self._scale:
            self._scale = scale
            self.update()

    def set_limits(self, *, guard: float | None = None, overload: float | None = None) -> None:
        self.set_scale(replace(self._scale, guard=guard, overload=overload))

    def set_value(self, value: float | None, *, stale: bool = False) -> None:
        value = value if value is not None and math.isfinite(value) else None
        if value != self._value or stale != self._stale:
            self._value, self._stale = value, stale
            self.update()

    def set_target(self, target: float | None) -> None:
        target = target if target is not None and math.isfinite(target) else None
        if target != self._target:
            self._target = target
            self.update()

    def value(self) -> float | None:
        return self._value

    def level(self) -> str:
        """normal, high (above the normal band), guard or overload: what the fill says (for tests and
        accessibility); unknown without a value."""
        value, scale = self._value, self._scale
        if value is None:
            return "unknown"
        if scale.overload is not None and value >= scale.overload:
            return "overload"
        if scale.guard is not None and value >= scale.guard:
            return "guard"
        if scale.normal is not None and value > scale.normal[1]:
            return "high"
        return "normal"

    def sizeHint(self) -> QSize:
        return QSize(320, 36)

    # --- drawing -----------------------------------------------------------------------

    def _x(self, value: float, rect: QRectF) -> float:
        span = self._scale.maximum - self._scale.minimum
        ratio = 0.0 if span <= 0 else (value - self._scale.minimum) / span
        return rect.left() + rect.width() * min(max(ratio, 0.0), 1.0)

    def paintEvent(self, event: QPaintEvent) -> None:
        painter = QPainter(self)
        painter.setRenderHint(QPainter.RenderHint.Antialiasing)
        marker = 10.0  # room above the bar for the target triangle
        bar = QRectF(1.0, marker, self.width() - 2.0, self.height() - marker - 1.0)
        painter.fillRect(bar, BACKGROUND)
        scale = self._scale
        if scale.normal is not None:
            low, high = self._x(scale.normal[0], bar), self._x(scale.normal[1], bar)
            painter.fillRect(QRectF(low, bar.top(), high - low, bar.height()), NORMAL_BAND)
        for limit, colour in ((scale.guard, GUARD), (scale.overload, OVERLOAD)):
            if limit is None:
                continue
            x = self._x(limit, bar)
            zone = QColor(colour)
            zone.setAlpha(40)
            painter.fillRect(QRectF(x, bar.top(), bar.right() - x, bar.height()), zone)
        if self._value is not None:
            fill = {"overload": OVERLOAD, "guard": GUARD, "high": HIGH}.get(self.level(), FILL)
            inset = bar.height() * 0.25
            width = self._x(self._value, bar) - bar.left()
            painter.fillRect(QRectF(bar.left(), bar.top() + inset, width, bar.height() - 2 * inset),
                             STALE if self._stale else fill)
        for limit, colour in ((scale.guard, GUARD), (scale.overload, OVERLOAD)):
            if limit is not None:
                painter.setPen(QPen(colour, 3))
                x = self._x(limit, bar)
                painter.drawLine(QPointF(x, bar.top()), QPointF(x, bar.bottom()))
        if self._target is not None:
            x = self._x(self._target, bar)
            painter.setPen(Qt.PenStyle.NoPen)
            painter.setBrush(TARGET)
            painter.drawPolygon(QPolygonF([QPointF(x - 7, 0.0), QPointF(x + 7, 0.0), QPointF(x, marker)]))
            painter.setPen(QPen(TARGET, 2))
            painter.drawLine(QPointF(x, bar.top()), QPointF(x, bar.bottom()))
        painter.setPen(QPen(QColor("#9ea3a8"), 1))
        painter.setBrush(Qt.BrushStyle.NoBrush)
        painter.drawRect(bar)
        painter.end()


def guard_name(settings: Settings, bar: str, guard: float | None) -> str:
    """What a bar's guard mark is, in the screen's language: "ML ceiling" where it is ML's load ceiling
    (the torque bar's control.torque_ceiling_pct, the current bar's current at it), else "guard"."""
    ceiling = ml_ceiling_marks(settings.control, settings.ml.current_polynomial).get(bar)
    if guard is not None and ceiling is not None and abs(guard - ceiling) < 1e-6:
        return translate("AnalogBar", "ML ceiling")
    return translate("AnalogBar", "guard")
