"""An on-screen letter keyboard for gloved fingers: Turkish Q layout (ç ğ ı ö ş ü) and English.

Non-modal (no nested event loop inside the qasync loop): it edits a copy of the text, emits
``entered(str)`` on OK and closes; Cancel closes without a value. Turkish upper case follows
Turkish rules (i -> İ, ı -> I). Keys are 64 px with 8 px between them.
"""

from __future__ import annotations

from collections.abc import Callable

from PySide6.QtCore import Qt, Signal
from PySide6.QtGui import QMouseEvent
from PySide6.QtWidgets import QDialog, QGridLayout, QLabel, QLineEdit, QPushButton, QVBoxLayout, QWidget

from hmi.i18n import Translator
from hmi.kiosk import TOUCH_PX
from hmi.lifetime import delete_later, delete_on_close

KEY_SIZE = 64
KEY_SPACING = 8

LAYOUTS: dict[str, list[str]] = {
    "tr": ["1234567890", "qwertyuıopğü", "asdfghjklşi", "zxcvbnmöç.", "-_@"],
    "en": ["1234567890", "qwertyuiop", "asdfghjkl", "zxcvbnm.", "-_@"],
}
SHIFT, BACKSPACE, SPACE, CLEAR, LANGUAGE, OK, CANCEL = "⇧", "⌫", "␣", "C", "lang", "OK", "Cancel"


def upper(char: str, lang: str) -> str:
    if lang == "tr":
        return {"i": "İ", "ı": "I"}.get(char, char.upper())
    return char.upper()


class LetterKeyboard(QDialog):
    entered = Signal(str)

    def __init__(self, title: str, *, initial: str = "", lang: str = "en", password: bool = False,
                 parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setObjectName("LetterKeyboard")
        self.setWindowTitle(title)
        self.setModal(False)
        delete_on_close(self)
        self._text = initial
        self._shift = False
        self._lang = lang if lang in LAYOUTS else "en"
        self.title_label = QLabel(title, self)
        self.title_label.setObjectName("KeypadTitle")
        self.display = QLineEdit(initial, self)
        self.display.setObjectName("KeyboardDisplay")
        self.display.setReadOnly(True)
        self.display.setMinimumHeight(KEY_SIZE)
        if password:
            self.display.setEchoMode(QLineEdit.EchoMode.Password)
        self.grid = QGridLayout()
        self.grid.setSpacing(KEY_SPACING)
        self.keys: dict[str, QPushButton] = {}
        layout = QVBoxLayout(self)
        layout.setSpacing(KEY_SPACING)
        layout.addWidget(self.title_label)
        layout.addWidget(self.display)
        layout.addLayout(self.grid)
        self._build()

    # --- what a finger does --------------------------------------------------------------

    def text(self) -> str:
        return self._text

    def language(self) -> str:
        return self._lang

    def press(self, key: str) -> None:
        if key == OK:
            self.entered.emit(self._text)
            self.close()
            return
        if key == CANCEL:
            self.close()
            return
        if key == SHIFT:
            self._shift = not self._shift
            self._label_keys()
            return
        if key == LANGUAGE:
            self._lang = "en" if self._lang == "tr" else "tr"
            self._build()
            return
        if key == BACKSPACE:
            self._text = self._text[:-1]
        elif key == CLEAR:
            self._text = ""
        elif key == SPACE:
            self._text += " "
        else:
            self._text += upper(key, self._lang) if self._shift else key
            if self._shift:  # one capital, as phones do
                self._shift = False
                self._label_keys()
        self.display.setText(self._text)

    # --- building ------------------------------------------------------------------------

    def _build(self) -> None:
        for button in self.keys.values():
            self.grid.removeWidget(button)
            delete_later(button)
        self.keys = {}
        rows = [list(row) for row in LAYOUTS[self._lang]]
        rows[-1] += [SPACE, BACKSPACE]
        rows.append([SHIFT, CLEAR, LANGUAGE, CANCEL, OK])
        for r, row in enumerate(rows):
            column = 0
            for key in row:
                button = QPushButton(self)
                button.setObjectName("KeypadOk" if key == OK else "KeypadKey")
                button.setMinimumSize(KEY_SIZE, KEY_SIZE)
                button.setFocusPolicy(Qt.FocusPolicy.NoFocus)
                button.clicked.connect(lambda _checked=False, k=key: self.press(k))
                span = 3 if key == SPACE else 2 if key in (OK, CANCEL, CLEAR, LANGUAGE, SHIFT) else 1
                self.grid.addWidget(button, r, column, 1, span)
                column += span
                self.keys[key] = button
        self._label_keys()

    def _label_keys(self) -> None:
        names = {SPACE: self.tr("space"), CLEAR: self.tr("Clear"), CANCEL: self.tr("Cancel"), OK: self.tr("OK"),
                 LANGUAGE: "EN" if self._lang == "tr" else "TR", SHIFT: SHIFT, BACKSPACE: BACKSPACE}
        for key, button in self.keys.items():
            if key in names:
                button.setText(names[key])
            else:
                button.setText(upper(key, self._lang) if self._shift else key)
        self.keys[SHIFT].setCheckable(True)
        self.keys[SHIFT].setChecked(self._shift)


class TextEntry(QLineEdit):
    """A text field that opens the letter keyboard on touch while ``touch`` is on (kiosk).

    ``touch`` is a bool, or a callable asked at each tap (a page that follows the window's kiosk
    mode); ``lang`` None takes the screen's language when the keyboard opens.
    """

    def __init__(self, title: str, *, touch: bool | Callable[[], bool], lang: str | None = None,
                 password: bool = False, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self._title = title
        self._touch = touch
        self._lang = lang
        self._password = password
        self.keyboard: LetterKeyboard | None = None
        self.setMinimumHeight(TOUCH_PX)
        if password:
            self.setEchoMode(QLineEdit.EchoMode.Password)
        if touch is True:
            self.setReadOnly(True)  # no physical keyboard: the on-screen one edits

    def set_title(self, title: str) -> None:
        self._title = title

    def touch(self) -> bool:
        return bool(self._touch() if callable(self._touch) else self._touch)

    def mousePressEvent(self, event: QMouseEvent) -> None:
        super().mousePressEvent(event)
        if self.touch():
            self.open_keyboard()

    def open_keyboard(self) -> LetterKeyboard:
        if self.keyboard is not None:
            self.keyboard.raise_()
            return self.keyboard
        lang = self._lang
        if lang is None:
            translator = Translator.current()
            lang = translator.language if translator is not None else "en"
        keyboard = LetterKeyboard(self._title, initial=self.text(), lang=lang, password=self._password,
                                  parent=self.window())
        keyboard.entered.connect(self._entered)
        keyboard.finished.connect(self._keyboard_closed)  # a bound slot: dropped if this field goes first
        keyboard.show()
        self.keyboard = keyboard
        return keyboard

    def _keyboard_closed(self, _result: int = 0) -> None:
        self.keyboard = None

    def _entered(self, text: str) -> None:
        self.setText(text)
        self.editingFinished.emit()
