"""The alarm banner (ISA-18.2 / ISA-101): the top alarm with its priority as colour, shape and number.

Priority 1 a red diamond, 2 an orange up-triangle, 3 a yellow down-triangle, 4 a blue square, each
with its number, so priority never depends on colour alone. Active-unacknowledged alarms flash
(the badge and frame, once a second); active-acknowledged are steady; cleared-unacknowledged show
hollow with "cleared"; shelved ones only count. The operator acknowledges from the banner. The
counts come from the alarm manager's one definition (AlarmCounts), the same the page and the
status bar show. The engine is reached through two callables (the summary and the acknowledge
command), so the banner does not care how the front end talks to the engine.
"""

from __future__ import annotations

import time
from collections.abc import Callable

from PySide6.QtCore import QEvent, QPoint, QPointF, QRectF, QSize, Qt, QTimer
from PySide6.QtGui import QColor, QFont, QFontMetrics, QMouseEvent, QPainter, QPaintEvent, QPen, QPolygonF
from PySide6.QtWidgets import (
    QFrame,
    QHBoxLayout,
    QLabel,
    QPushButton,
    QSizePolicy,
    QToolTip,
    QVBoxLayout,
    QWidget,
)

from core.api import Alarm, AlarmCounts, AlarmState, Priority
from hmi.code_names import alarm_text_for
from hmi.formatting import plant_time
from hmi.i18n import Translator, translate
from hmi.widgets.style import set_state

COLOURS = {
    Priority.CRITICAL: QColor("#d0021b"),
    Priority.HIGH: QColor("#f28c00"),
    Priority.MEDIUM: QColor("#f5d000"),
    Priority.LOW: QColor("#6fa8dc"),
}
FLASH_MS = 500
HEADLINE_MIN_SCALE = 0.75  # the banner's lines are drawn down to 3/4 of their size before anything is cut


def priority_polygon(priority: Priority, box: QRectF) -> QPolygonF:
    """The ISA-101 shape of a priority inside ``box``."""
    c, left, r, t, b = box.center(), box.left(), box.right(), box.top(), box.bottom()
    if priority is Priority.CRITICAL:  # diamond
        return QPolygonF([QPointF(c.x(), t), QPointF(r, c.y()), QPointF(c.x(), b), QPointF(left, c.y())])
    if priority is Priority.HIGH:  # triangle, point up
        return QPolygonF([QPointF(c.x(), t), QPointF(r, b), QPointF(left, b)])
    if priority is Priority.MEDIUM:  # triangle, point down
        return QPolygonF([QPointF(left, t), QPointF(r, t), QPointF(c.x(), b)])
    return QPolygonF([QPointF(left + 3, t + 3), QPointF(r - 3, t + 3), QPointF(r - 3, b - 3), QPointF(left + 3, b - 3)])


class PriorityBadge(QWidget):
    """Colour + shape + number; hollow when the alarm has cleared; blank while flashing off."""

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setObjectName("PriorityBadge")
        self.priority: Priority | None = None
        self.hollow = False
        self.lit = True
        self.setFixedSize(52, 52)

    def set_priority(self, priority: Priority | None, *, hollow: bool = False) -> None:
        if (priority, hollow) != (self.priority, self.hollow):
            self.priority, self.hollow = priority, hollow
            self.update()

    def set_lit(self, lit: bool) -> None:
        if lit != self.lit:
            self.lit = lit
            self.update()

    def sizeHint(self) -> QSize:
        return QSize(52, 52)

    def paintEvent(self, event: QPaintEvent) -> None:
        if self.priority is None or not self.lit:
            return
        painter = QPainter(self)
        painter.setRenderHint(QPainter.RenderHint.Antialiasing)
        colour = COLOURS[self.priority]
        shape = priority_polygon(self.priority, QRectF(2, 2, self.width() - 4, self.height() - 4))
        painter.setPen(QPen(QColor("#000000"), 2))
        painter.setBrush(QColor("#e6e7e8") if self.hollow else colour)
        painter.drawPolygon(shape)
        font = QFont(self.font())
        font.setPixelSize(22)
        font.setBold(True)
        painter.setFont(font)
        painter.setPen(QColor("#ffffff") if self.priority is Priority.CRITICAL and not self.hollow else QColor("#000"))
        text_box = QRectF(self.rect()).adjusted(
            0, 6 if self.priority is Priority.HIGH else 0, 0, -8 if self.priority is Priority.MEDIUM else 0
        )
        painter.drawText(text_box, Qt.AlignmentFlag.AlignCenter, str(int(self.priority)))
        painter.end()


class ElidedLabel(QLabel):
    """One line in the banner's fixed height: drawn smaller to fit (down to ``min_scale`` of its
    size), and only then cut with an ellipsis before the ``keep`` end (the "(cleared)" of a cleared
    alarm stays); the whole text in the tooltip and, for a finger, in a tool tip on a tap. The
    headline of a cleared torque-guard alarm read "band torque 95 % (cl…" at 1280 px."""

    def __init__(self, parent: QWidget | None = None, *, min_scale: float = 1.0) -> None:
        super().__init__(parent)
        self.min_scale = min_scale
        self.keep = ""

    def setText(self, text: str) -> None:
        self.set_text(text)

    def set_text(self, text: str, keep: str = "") -> None:
        """``text`` ending in ``keep``: what is cut, if anything must be, comes before ``keep``."""
        self.keep = keep if keep and text.endswith(keep) else ""
        if text != self.text():
            super().setText(text)
            self.setToolTip(text)
        self.update()

    def minimumSizeHint(self) -> QSize:
        return QSize(0, super().minimumSizeHint().height())

    def drawn_font(self) -> QFont:
        """The label's font, smaller (to ``min_scale``) if the text would not fit on the line."""
        font = QFont(self.font())
        need = QFontMetrics(font).horizontalAdvance(self.text())
        room = self.contentsRect().width()
        if need > room > 0 and self.min_scale < 1.0:
            size = font.pixelSize() if font.pixelSize() > 0 else round(font.pointSizeF() * 96 / 72)
            font.setPixelSize(max(int(size * max(room / need, self.min_scale)), 1))
        return font

    def shown_text(self) -> str:
        """The line as drawn: whole, or cut before the kept end with an ellipsis."""
        metrics = QFontMetrics(self.drawn_font())
        room = self.contentsRect().width()
        text = self.text()
        if metrics.horizontalAdvance(text) <= room:
            return text
        head = text[: len(text) - len(self.keep)] if self.keep else text
        return metrics.elidedText(head, Qt.TextElideMode.ElideRight, room - metrics.horizontalAdvance(self.keep)) + (
            self.keep
        )

    def paintEvent(self, event: QPaintEvent) -> None:
        painter = QPainter(self)
        painter.setFont(self.drawn_font())
        painter.setPen(self.palette().color(self.foregroundRole()))
        align = Qt.AlignmentFlag.AlignLeft | Qt.AlignmentFlag.AlignVCenter
        painter.drawText(self.contentsRect(), int(align), self.shown_text())
        painter.end()

    def mousePressEvent(self, event: QMouseEvent) -> None:
        if self.shown_text() != self.text():
            QToolTip.showText(self.mapToGlobal(QPoint(0, self.height())), self.text(), self)
        super().mousePressEvent(event)


def banner_state(alarm: Alarm | None) -> str:
    """What the banner frame shows: none, unack (flashing), ack, cleared."""
    if alarm is None:
        return "none"
    if alarm.state is AlarmState.UNACKNOWLEDGED:
        return "unack"
    if alarm.state is AlarmState.RETURNED_UNACKNOWLEDGED:
        return "cleared"
    return "ack"


def counts_text(counts: AlarmCounts) -> str:
    parts = []
    if counts.active_unacknowledged:
        parts.append(translate("AlarmStrip", "%1 new").replace("%1", str(counts.active_unacknowledged)))
    if counts.active_acknowledged:
        parts.append(translate("AlarmStrip", "%1 acknowledged").replace("%1", str(counts.active_acknowledged)))
    if counts.cleared_unacknowledged:
        parts.append(translate("AlarmStrip", "%1 cleared").replace("%1", str(counts.cleared_unacknowledged)))
    if counts.shelved:
        parts.append(translate("AlarmStrip", "%1 shelved").replace("%1", str(counts.shelved)))
    return " · ".join(parts)


class AlarmStrip(QFrame):
    def __init__(
        self,
        summary: Callable[[], AlarmCounts],
        acknowledge: Callable[[str], object],
        parent: QWidget | None = None,
        *,
        now: Callable[[], float] = time.time,
    ) -> None:
        super().__init__(parent)
        self.setObjectName("AlarmStrip")
        self.setMinimumHeight(64)
        self._summary = summary
        self._acknowledge = acknowledge
        self._now = now
        self.alarm: Alarm | None = None
        self.badge = PriorityBadge(self)
        self.text_label = ElidedLabel(self, min_scale=HEADLINE_MIN_SCALE)
        self.text_label.setObjectName("StripText")
        self.text_label.setSizePolicy(QSizePolicy.Policy.Ignored, QSizePolicy.Policy.Preferred)
        self.response_label = ElidedLabel(self, min_scale=HEADLINE_MIN_SCALE)
        self.response_label.setObjectName("StripResponse")
        self.response_label.setSizePolicy(QSizePolicy.Policy.Ignored, QSizePolicy.Policy.Preferred)
        self.count_label = QLabel("", self)
        self.count_label.setObjectName("StripCount")
        self.ack_button = QPushButton(self)
        self.ack_button.setObjectName("StripAck")
        self.ack_button.setMinimumSize(150, 56)
        self.ack_button.clicked.connect(self.acknowledge_shown)
        # Whether the person at the screen may acknowledge (a viewer may not: no button at all).
        self.may_acknowledge: Callable[[], bool] = lambda: True
        column = QWidget(self)
        column.setObjectName("StripTexts")
        stack = QVBoxLayout(column)
        stack.setContentsMargins(0, 0, 0, 0)
        stack.setSpacing(0)
        stack.addWidget(self.text_label)
        stack.addWidget(self.response_label)
        layout = QHBoxLayout(self)
        layout.setContentsMargins(10, 4, 10, 4)
        layout.setSpacing(12)
        layout.addWidget(self.badge)
        layout.addWidget(column, 1)
        layout.addWidget(self.count_label)
        layout.addWidget(self.ack_button)
        self._flash = QTimer(self)
        self._flash.setInterval(FLASH_MS)
        self._flash.timeout.connect(self._toggle)
        self._lit = True
        self.refresh()

    # --- what the operator sees ---------------------------------------------------------------

    def refresh(self) -> None:
        """Re-read the summary (call on every alarm transition and on a language change)."""
        counts = self._summary()
        alarm = counts.newest
        self.alarm = alarm
        state = banner_state(alarm)
        translator = Translator.current()
        lang = translator.language if translator is not None else "en"
        set_state(self, state)
        set_state(self, str(int(alarm.priority)) if alarm is not None else "", prop="priority")
        self.ack_button.setText(translate("AlarmStrip", "Acknowledge"))
        if alarm is None:
            self.badge.set_priority(None)
            self.text_label.setText(translate("AlarmStrip", "No alarms"))
            self.response_label.setText("")
            self.count_label.setText(counts_text(counts))
            self.ack_button.setVisible(False)
            self._flash.stop()
            self._set_lit(True)
            return
        self.badge.set_priority(alarm.priority, hollow=state == "cleared")
        raised = plant_time(alarm.raised_ms, "HH:mm")
        text = alarm_text_for(alarm, lang)
        cleared = translate("AlarmStrip", "%1 (cleared)")
        keep = ""
        if state == "cleared":
            text = cleared.replace("%1", text)
            keep = cleared.split("%1", 1)[1] if cleared.startswith("%1") else ""
        self.text_label.set_text(f"{raised}  {text}", keep)
        response = alarm.response_for(lang)
        self.response_label.setText(f"→ {response}" if response else "")
        self.count_label.setText(counts_text(counts))
        self.ack_button.setVisible(state in ("unack", "cleared") and self.may_acknowledge())
        if state == "unack":
            if not self._flash.isActive():
                self._flash.start()
        else:
            self._flash.stop()
            self._set_lit(True)

    def acknowledge_shown(self) -> None:
        if self.alarm is not None:
            self._acknowledge(self.alarm.key)
            self.refresh()

    def full_text(self) -> str:
        return self.text_label.text()

    def flashing(self) -> bool:
        return self._flash.isActive()

    # --- internals ------------------------------------------------------------------------------

    def _toggle(self) -> None:
        self._set_lit(not self._lit)

    def _set_lit(self, lit: bool) -> None:
        self._lit = lit
        self.badge.set_lit(lit)
        set_state(self, "on" if lit else "off", prop="flash")

    def changeEvent(self, event: QEvent) -> None:
        super().changeEvent(event)
        if event.type() == QEvent.Type.LanguageChange:
            self.refresh()
