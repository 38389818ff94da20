"""The model's live output: a coefficient bar (-1 slower … +1 faster) and the feature values.

Both are grey (ISA-101): the model's output is information, not an alarm. When the controller is
not deciding (manual mode, between cuts) they show the last values greyed as ``held``.
"""

from __future__ import annotations

import math
from collections.abc import Mapping

from PySide6.QtCore import QEvent, QRectF, QSize, Qt
from PySide6.QtGui import QColor, QPainter, QPaintEvent, QPen
from PySide6.QtWidgets import QAbstractItemView, QHeaderView, QTableWidget, QTableWidgetItem, QWidget

from hmi.formatting import format_number
from hmi.i18n import translate
from hmi.kiosk import DISPLAY_ONLY
from hmi.widgets.empty_hint import EmptyHint

_TRACK = QColor("#eceded")
_BORDER = QColor("#8c9094")
_BAR = QColor("#5b5f63")
_BAR_HELD = QColor("#b5b9bd")
_TEXT = QColor("#303336")
ROW_PAD_PX = 6  # a feature row: one line of text and this


class CoefficientBar(QWidget):
    """A horizontal bar from the centre: left for slower (negative), right for faster."""

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setObjectName("CoefficientBar")
        self.value: float | None = None
        self.held = True
        self.setMinimumHeight(self._needed_height())

    BAR_HEIGHT = 26

    def _needed_height(self) -> int:
        return self.BAR_HEIGHT + self.label_height() + 2

    def label_height(self) -> int:
        """The scale's text row: one line of the widget's font, descenders included (a fixed 16 px cut
        'daha yavaş' to 'daha vavas' in the kiosk font)."""
        return self.fontMetrics().height()

    def label_rect(self) -> QRectF:
        bottom = self.height() - self.label_height()
        return QRectF(2, bottom, self.width() - 4, self.label_height())

    def changeEvent(self, event: QEvent) -> None:
        super().changeEvent(event)
        if event.type() == QEvent.Type.FontChange:  # the kiosk theme's larger font
            self.setMinimumHeight(self._needed_height())
            self.updateGeometry()

    def sizeHint(self) -> QSize:
        return QSize(320, self._needed_height())

    def set_value(self, value: float | None, *, held: bool) -> None:
        if value is not None and not math.isfinite(value):
            value = None
        if value == self.value and held == self.held:
            return
        self.value, self.held = value, held
        self.update()

    def paintEvent(self, event: QPaintEvent) -> None:
        painter = QPainter(self)
        painter.setRenderHint(QPainter.RenderHint.Antialiasing)
        labels = self.label_rect()
        rect = QRectF(2, 2, self.width() - 4, labels.top() - 4)
        painter.setPen(QPen(_BORDER, 1))
        painter.setBrush(_TRACK)
        painter.drawRect(rect)
        centre = rect.center().x()
        if self.value is not None:
            width = rect.width() / 2 * max(-1.0, min(1.0, self.value))
            bar = QRectF(min(centre, centre + width), rect.top() + 3, abs(width), rect.height() - 6)
            painter.setPen(Qt.PenStyle.NoPen)
            painter.setBrush(_BAR_HELD if self.held else _BAR)
            painter.drawRect(bar)
        painter.setPen(QPen(_TEXT, 2))
        painter.drawLine(int(centre), int(rect.top()), int(centre), int(rect.bottom()))
        painter.setPen(_TEXT)
        painter.drawText(labels, int(Qt.AlignmentFlag.AlignLeft), translate("CoefficientBar", "−1 slower"))
        painter.drawText(labels, int(Qt.AlignmentFlag.AlignHCenter), "0")
        painter.drawText(labels, int(Qt.AlignmentFlag.AlignRight), translate("CoefficientBar", "faster +1"))


def feature_text(value: float) -> str:
    magnitude = abs(value)
    return format_number(value, 1 if magnitude >= 100 else 2 if magnitude >= 1 else 3)


class FeatureTable(QTableWidget):
    """Feature name and value, in the model's order; cells are rewritten only when their text changes."""

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(0, 2, parent)
        self.setObjectName("FeatureTable")
        self.retranslate()
        self.verticalHeader().setVisible(False)
        self.setEditTriggers(QAbstractItemView.EditTrigger.NoEditTriggers)
        self.setSelectionMode(QAbstractItemView.SelectionMode.NoSelection)
        self.setFocusPolicy(Qt.FocusPolicy.NoFocus)
        # Values to read, no row to tap: rows one text line tall in kiosk too (hmi.kiosk.display_only),
        # at 56 px touch rows the kiosk showed 7 of 17 inputs.
        self.setProperty(DISPLAY_ONLY, True)
        self._fit_rows()
        header = self.horizontalHeader()
        header.setSectionResizeMode(0, QHeaderView.ResizeMode.Stretch)
        header.setSectionResizeMode(1, QHeaderView.ResizeMode.ResizeToContents)
        self._names: tuple[str, ...] = ()
        self.held = True
        self.empty = EmptyHint(self, "")
        self.retranslate()

    def _fit_rows(self) -> None:
        self.verticalHeader().setMinimumSectionSize(0)
        self.verticalHeader().setDefaultSectionSize(self.fontMetrics().height() + ROW_PAD_PX)

    def changeEvent(self, event: QEvent) -> None:
        super().changeEvent(event)
        if event.type() in (QEvent.Type.FontChange, QEvent.Type.StyleChange):
            self._fit_rows()  # the kiosk theme's larger font arrives after construction

    def retranslate(self) -> None:
        self.setHorizontalHeaderLabels([translate("FeatureTable", "Model input"), translate("FeatureTable", "Value")])
        if hasattr(self, "empty"):
            self.empty.setText(translate("FeatureTable", "No model loaded: no inputs to show"))

    def set_features(
        self, names: tuple[str, ...], values: dict[str, float], *, held: bool, labels: Mapping[str, str] | None = None
    ) -> None:
        """``labels``: what people call each input (the register map's label in the screen's language)."""
        if names != self._names:
            self._names = names
            self.setRowCount(len(names))
            for row, name in enumerate(names):
                label = QTableWidgetItem("")
                label.setToolTip(name)
                self.setItem(row, 0, label)
                cell = QTableWidgetItem("—")
                cell.setTextAlignment(Qt.AlignmentFlag.AlignRight | Qt.AlignmentFlag.AlignVCenter)
                self.setItem(row, 1, cell)
        for row, name in enumerate(names):
            label_item = self.item(row, 0)
            text = (labels or {}).get(name) or name.replace("_", " ")
            if label_item is not None and label_item.text() != text:
                label_item.setText(text)
        colour = QColor("#8c9094") if held else QColor("#202326")
        for row, name in enumerate(names):
            item = self.item(row, 1)
            if item is None:
                continue
            value = values.get(name)
            text = "—" if value is None else feature_text(value)
            if item.text() != text:
                item.setText(text)
            if held != self.held or item.foreground().color() != colour:
                item.setForeground(colour)
        self.held = held
