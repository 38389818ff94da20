"""An on-screen numeric keypad for gloved fingers, and the entry field that opens it in kiosk mode.

The keypad is a non-modal dialog (no nested event loop inside the qasync loop): it emits
``entered(float)`` on OK and closes; Cancel closes without a value.

Numbers follow the screen's locale: the field and the keypad show its decimal separator (45,85 in
Turkish, 45.85 in English) and the keypad's separator key types it; either separator is read.
"""

from __future__ import annotations

import math

from PySide6.QtCore import QLocale, Qt, Signal
from PySide6.QtGui import QMouseEvent
from PySide6.QtWidgets import QDialog, QGridLayout, QLabel, QLineEdit, QPushButton, QVBoxLayout, QWidget

from hmi.formatting import format_g
from hmi.kiosk import TOUCH_PX
from hmi.lifetime import delete_on_close

KEY_SIZE = 72  # px: well above the 48 px touch minimum


def decimal_point() -> str:
    """The screen's decimal separator ("," in Turkish)."""
    return QLocale().decimalPoint()


def parse_number(text: str) -> float | None:
    """A number typed or keyed with either decimal separator (45,85 and 45.85); None if not one."""
    try:
        value = float(text.strip().replace(",", "."))
    except ValueError:
        return None
    return value if math.isfinite(value) else None


class NumericKeypad(QDialog):
    entered = Signal(float)

    def __init__(
        self,
        title: str,
        *,
        initial: str = "",
        limits: str = "",
        parent: QWidget | None = None,
    ) -> None:
        super().__init__(parent)
        self.setObjectName("NumericKeypad")
        self.setWindowTitle(title)
        self.setModal(False)
        delete_on_close(self)
        self._text = initial
        self._fresh = True  # the first key replaces the initial text, as on a calculator

        self.title_label = QLabel(title, self)
        self.title_label.setObjectName("KeypadTitle")
        self.display = QLabel(initial or "0", self)
        self.display.setObjectName("KeypadDisplay")
        self.display.setAlignment(Qt.AlignmentFlag.AlignRight | Qt.AlignmentFlag.AlignVCenter)
        self.limits_label = QLabel(limits, self)
        self.limits_label.setObjectName("KeypadLimits")
        self.limits_label.setVisible(bool(limits))

        grid = QGridLayout()
        grid.setSpacing(8)  # a gloved finger between keys (>= 8 px)
        self.keys: dict[str, QPushButton] = {}
        layout_rows = [["7", "8", "9", "⌫"], ["4", "5", "6", "C"], ["1", "2", "3", "±"], ["0", ".", "Cancel", "OK"]]
        for r, row in enumerate(layout_rows):
            for c, key in enumerate(row):
                button = QPushButton(key, self)
                button.setObjectName("KeypadKey")
                button.setMinimumSize(KEY_SIZE, KEY_SIZE)
                button.setFocusPolicy(Qt.FocusPolicy.NoFocus)
                button.clicked.connect(lambda _checked=False, k=key: self.press(k))
                grid.addWidget(button, r, c)
                self.keys[key] = button
        self.keys["."].setText(decimal_point())  # the key "." types the screen's separator
        self.keys["OK"].setObjectName("KeypadOk")
        self.keys["OK"].setText(self.tr("OK"))
        self.keys["Cancel"].setText(self.tr("Cancel"))

        layout = QVBoxLayout(self)
        layout.addWidget(self.title_label)
        layout.addWidget(self.display)
        layout.addWidget(self.limits_label)
        layout.addLayout(grid)
        self._refresh()

    def text(self) -> str:
        return self._text

    def value(self) -> float | None:
        return parse_number(self._text)

    def press(self, key: str) -> None:
        """Apply one key (public so tests and hardware keys can drive it)."""
        if key == "OK":
            value = self.value()
            if value is not None:
                self.entered.emit(value)
                self.accept()
            return
        if key == "Cancel":
            self.reject()
            return
        if key == "C":
            self._text = ""
        elif key == "⌫":
            self._text = "" if self._fresh else self._text[:-1]
        elif key == "±":
            self._text = self._text[1:] if self._text.startswith("-") else "-" + self._text
        elif key in (".", ","):
            base = "" if self._fresh else self._text
            if "." not in base and "," not in base:
                self._text = (base or "0") + decimal_point()
        elif key.isdigit():
            base = "" if self._fresh else self._text
            self._text = ("" if base == "0" else base) + key
        else:
            return
        self._fresh = False
        self._refresh()

    def _refresh(self) -> None:
        self.display.setText(self._text or "0")
        self.keys["OK"].setEnabled(self.value() is not None)


class NumericEntry(QLineEdit):
    """A number field: typed on the desktop; in kiosk mode a tap opens the keypad instead."""

    value_entered = Signal(float)

    def __init__(self, title: str, *, kiosk: bool, limits: str = "", parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setObjectName("NumericEntry")
        self.title = title
        self.limits = limits
        self.kiosk = kiosk
        self.keypad: NumericKeypad | None = None
        self.setMinimumHeight(TOUCH_PX)
        self.setReadOnly(kiosk)
        if kiosk:
            self.setPlaceholderText(self.tr("tap to enter"))
        self.returnPressed.connect(self._typed)

    def value(self) -> float | None:
        return parse_number(self.text())

    def set_value(self, value: float) -> None:
        self.setText(format_g(value))  # in the screen's locale: 45,85 in Turkish

    def open_keypad(self) -> NumericKeypad:
        if self.keypad is not None:
            self.keypad.raise_()
            return self.keypad
        keypad = NumericKeypad(self.title, initial=self.text(), limits=self.limits, parent=self.window())
        keypad.entered.connect(self._keyed)
        keypad.finished.connect(self._keypad_closed)
        self.keypad = keypad
        keypad.show()
        return keypad

    def mousePressEvent(self, event: QMouseEvent) -> None:
        if self.kiosk:
            self.open_keypad()
            event.accept()
            return
        super().mousePressEvent(event)

    def _keyed(self, value: float) -> None:
        self.set_value(value)
        self.value_entered.emit(value)

    def _keypad_closed(self) -> None:
        self.keypad = None

    def _typed(self) -> None:
        value = self.value()
        if value is not None:
            self.value_entered.emit(value)
