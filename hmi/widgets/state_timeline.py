"""The saw's state over a shift as a coloured band, and a ratio bar (availability, performance...).

Calm grey for normal operation, colour only for what is abnormal (ISA-101): cutting is a dark
grey-blue, ready/idle light grey, alarm/stopped red, link lost amber, no data white (outlined).
The part of the shift still to come is left as the empty background.
"""

from __future__ import annotations

from collections.abc import Sequence

from PySide6.QtCore import QDateTime, QRectF, QSize, Qt, QTimeZone
from PySide6.QtGui import QColor, QFont, QPainter, QPaintEvent, QPen
from PySide6.QtWidgets import QSizePolicy, QWidget

from core.api import StateClass, StateSpan

STATE_COLOURS: dict[StateClass, str] = {
    StateClass.CUTTING: "#5b7a99",
    StateClass.READY_IDLE: "#c8c8c8",
    StateClass.ALARM_STOPPED: "#d0342c",
    StateClass.LINK_LOST: "#e6a23c",
    StateClass.NO_DATA: "#ffffff",
}


def zone_of(name: str) -> QTimeZone:
    """The saw's zone (machine.time_zone); "" or "local": the system's."""
    if name and name.lower() != "local":
        zone = QTimeZone(name.encode())
        if zone.isValid():
            return zone
    return QTimeZone.systemTimeZone()


class StateTimeline(QWidget):
    """Spans over [start_ms, end_ms); ``now_ms`` marks how far the shift has come."""

    def __init__(self, zone: QTimeZone, parent: QWidget | None = None, *, bar_px: int = 44) -> None:
        super().__init__(parent)
        self.setObjectName("StateTimeline")
        self._zone = zone
        self._bar_px = bar_px
        self._spans: tuple[StateSpan, ...] = ()
        self._start_ms = 0
        self._end_ms = 1
        self._now_ms: int | None = None
        self.setSizePolicy(QSizePolicy.Policy.Expanding, QSizePolicy.Policy.Fixed)
        self.setMinimumHeight(bar_px + 26)

    def sizeHint(self) -> QSize:
        return QSize(600, self._bar_px + 26)

    def set_spans(self, spans: Sequence[StateSpan], start_ms: int, end_ms: int, now_ms: int | None = None) -> None:
        self._spans = tuple(spans)
        self._start_ms, self._end_ms = start_ms, max(end_ms, start_ms + 1)
        self._now_ms = now_ms
        self.update()

    @property
    def spans(self) -> tuple[StateSpan, ...]:
        return self._spans

    def _x(self, ms: int, width: float) -> float:
        return (min(max(ms, self._start_ms), self._end_ms) - self._start_ms) / (self._end_ms - self._start_ms) * width

    def paintEvent(self, _event: QPaintEvent) -> None:
        painter = QPainter(self)
        width = float(self.width() - 1)
        bar = QRectF(0.5, 0.5, width, self._bar_px)
        painter.fillRect(bar, QColor("#e3e8ee"))
        for span in self._spans:
            x0, x1 = self._x(span.start_ms, width), self._x(span.end_ms, width)
            if x1 > x0:
                painter.fillRect(QRectF(x0 + 0.5, 0.5, max(x1 - x0, 1.0), self._bar_px),
                                 QColor(STATE_COLOURS[span.state]))
        painter.setPen(QPen(QColor("#7d8286"), 1))
        painter.drawRect(bar)
        if self._now_ms is not None and self._start_ms < self._now_ms < self._end_ms:
            x = self._x(self._now_ms, width)
            painter.setPen(QPen(QColor("#202326"), 2))
            painter.drawLine(int(x), 0, int(x), self._bar_px + 4)
        font = QFont(self.font())
        font.setPixelSize(15)
        painter.setFont(font)
        painter.setPen(QColor("#303336"))
        hours = max((self._end_ms - self._start_ms) // 3_600_000, 1)
        step = 1 if hours <= 10 else 2 if hours <= 20 else 4
        first = QDateTime.fromMSecsSinceEpoch(self._start_ms, self._zone)
        tick = first.addSecs(-(first.time().minute() * 60 + first.time().second()))
        if tick.toMSecsSinceEpoch() < self._start_ms:
            tick = tick.addSecs(3600)
        while tick.toMSecsSinceEpoch() <= self._end_ms:
            x = self._x(tick.toMSecsSinceEpoch(), width)
            painter.drawLine(int(x), self._bar_px, int(x), self._bar_px + 5)
            label = tick.toString("HH:mm")
            align = Qt.AlignmentFlag.AlignHCenter
            rect = QRectF(x - 30, self._bar_px + 5, 60, 20)
            if x < 30:
                rect, align = QRectF(0, self._bar_px + 5, 60, 20), Qt.AlignmentFlag.AlignLeft
            elif x > width - 30:
                rect, align = QRectF(width - 60, self._bar_px + 5, 60, 20), Qt.AlignmentFlag.AlignRight
            painter.drawText(rect, int(align | Qt.AlignmentFlag.AlignTop), label)
            tick = tick.addSecs(3600 * step)
        painter.end()


class RatioBar(QWidget):
    """One OEE part: a bar 0-100 % (a value above 100 % fills it and says so); None: unknown."""

    def __init__(self, parent: QWidget | None = None, *, bar_px: int = 30) -> None:
        super().__init__(parent)
        self.setObjectName("RatioBar")
        self._value: float | None = None
        self._bar_px = bar_px
        self.setSizePolicy(QSizePolicy.Policy.Expanding, QSizePolicy.Policy.Fixed)
        self.setFixedHeight(bar_px)

    def set_value(self, value: float | None) -> None:
        self._value = value
        self.update()

    @property
    def value(self) -> float | None:
        return self._value

    def paintEvent(self, _event: QPaintEvent) -> None:
        painter = QPainter(self)
        rect = QRectF(0.5, 0.5, self.width() - 1.0, self._bar_px - 1.0)
        painter.fillRect(rect, QColor("#eceeef"))
        if self._value is not None:
            part = min(max(self._value, 0.0), 1.0)
            painter.fillRect(QRectF(rect.x(), rect.y(), rect.width() * part, rect.height()), QColor("#5b7a99"))
        painter.setPen(QPen(QColor("#7d8286"), 1))
        painter.drawRect(rect)
        painter.end()
