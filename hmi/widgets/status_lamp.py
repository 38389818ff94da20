"""A status lamp: a painted disc and a label that says the state in words (never colour alone)."""

from __future__ import annotations

from enum import StrEnum

from PySide6.QtCore import QSize, Qt
from PySide6.QtGui import QColor, QPainter, QPaintEvent, QPen
from PySide6.QtWidgets import QHBoxLayout, QLabel, QWidget

from hmi.widgets.style import set_state


class LampState(StrEnum):
    OK = "ok"  # normal: neutral grey, as ISA-101 asks
    WARN = "warn"
    FAULT = "fault"
    OFF = "off"  # not configured / disabled


# Colour only for the abnormal; normal is a calm dark grey.
_FILL = {
    LampState.OK: QColor("#6b6f73"),
    LampState.WARN: QColor("#e0a000"),
    LampState.FAULT: QColor("#d0021b"),
    LampState.OFF: QColor(0, 0, 0, 0),
}


class _Disc(QWidget):
    def __init__(self, parent: QWidget, size: int) -> None:
        super().__init__(parent)
        self.state = LampState.OFF
        self.setFixedSize(QSize(size, size))

    def paintEvent(self, event: QPaintEvent) -> None:
        painter = QPainter(self)
        painter.setRenderHint(QPainter.RenderHint.Antialiasing)
        painter.setPen(QPen(QColor("#3a3d40"), 2))
        painter.setBrush(_FILL[self.state])
        painter.drawEllipse(self.rect().adjusted(2, 2, -2, -2))


class StatusLamp(QWidget):
    """``row_px``: the lamp's height (48 by default; a column of engineering lamps takes less, with
    a smaller disc: they are read, not touched)."""

    def __init__(self, title: str, parent: QWidget | None = None, *, row_px: int = 48) -> None:
        super().__init__(parent)
        self.setObjectName("StatusLamp")
        self.title = title
        margin = 4 if row_px >= 36 else 2
        self._disc = _Disc(self, min(28, row_px - 2 * margin - 4))
        self._label = QLabel(title, self)
        self._label.setObjectName("LampLabel")
        layout = QHBoxLayout(self)
        layout.setContentsMargins(4, margin, 4, margin)
        layout.addWidget(self._disc, 0, Qt.AlignmentFlag.AlignVCenter)
        layout.addWidget(self._label, 1)
        self.setMinimumHeight(row_px)
        self._state: LampState | None = None
        self._detail = ""
        self.set_state(LampState.OFF, "off")

    @property
    def state(self) -> LampState:
        return self._state or LampState.OFF

    def text(self) -> str:
        return self._label.text()

    def set_title(self, title: str) -> None:
        """A new title (the screen's language changed), shown with the state as it is."""
        if title != self.title:
            self.title = title
            self.set_state(self.state, self._detail)

    def set_state(self, state: LampState, detail: str = "") -> None:
        self._detail = detail
        text = f"{self.title}: {detail}" if detail else self.title
        if state is self._state and text == self._label.text():
            return
        self._state = state
        self._disc.state = state
        self._label.setText(text)
        self.setToolTip(text)
        set_state(self, state.value)
        self._disc.update()
