"""The on-screen language switch (English / Türkçe): one touch, remembered per user.

The button shows the other language's code (TR on an English screen, EN on a Turkish one; the
tool tip names it in that language), compact enough for the navigation row at 1280 px. A tap switches the
application's translator (Qt's own texts and the locale for numbers and dates follow), maps the
fixed texts of the open window (hmi.retranslate) and remembers the choice for whoever is logged
in (hmi.i18n.LanguageMemory). A login switches to that user's language; a log-out back to the
operator view's.
"""

from __future__ import annotations

import logging
from functools import partial
from pathlib import Path

from PySide6.QtCore import QCoreApplication, Signal
from PySide6.QtWidgets import QPushButton, QWidget

from hmi.i18n import DEFAULT_LANGUAGE, LANGUAGES, LanguageMemory, Translator
from hmi.kiosk import TOUCH_PX
from hmi.retranslate import retranslate_tree

log = logging.getLogger("bandsaw.hmi.language")

MEMORY_FILE = "hmi-languages.ini"


class LanguageSwitch(QPushButton):
    """``language_changed(lang)`` after the screen changed its language."""

    language_changed = Signal(str)

    def __init__(self, memory: LanguageMemory | None, *, user: str, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setObjectName("LanguageButton")
        self.setMinimumSize(64, TOUCH_PX)
        self.memory = memory
        self.user = user
        app = QCoreApplication.instance()
        assert app is not None
        self.translator = Translator.current() or Translator.install(app)
        self.shown = self.translator.language  # the language the window's texts are in
        self._listener = self._switched
        self.translator.subscribe(self._listener)
        self.destroyed.connect(partial(self.translator.unsubscribe, self._listener))
        self.clicked.connect(self.tap)
        self._label()

    @classmethod
    def in_data_dir(cls, data_dir: Path, *, user: str, parent: QWidget | None = None) -> LanguageSwitch:
        try:
            data_dir.mkdir(parents=True, exist_ok=True)
            memory: LanguageMemory | None = LanguageMemory(data_dir / MEMORY_FILE)
        except OSError as exc:  # a read-only data directory: switching still works, it is not remembered
            log.warning("language choices cannot be remembered in %s: %s", data_dir, exc)
            memory = None
        return cls(memory, user=user, parent=parent)

    def detach(self) -> None:
        """Stop following the translator (the window closes)."""
        self.translator.unsubscribe(self._listener)

    def other(self) -> str:
        return next((lang for lang in LANGUAGES if lang != self.translator.language), DEFAULT_LANGUAGE)

    def tap(self) -> bool:
        """The tap: the other language, remembered for the user at the screen."""
        lang = self.other()
        if not self.switch(lang):
            return False
        if self.memory is not None:
            self.memory.set(self.user, lang)
        return True

    def switch(self, lang: str) -> bool:
        if lang == self.translator.language:
            return True
        return self.translator.switch(lang)

    def follow_user(self, user: str) -> None:
        """Someone logged in or out: their remembered language, if they chose one."""
        self.user = user
        remembered = self.memory.get(user) if self.memory is not None else None
        if remembered is not None:
            self.switch(remembered)

    def _switched(self, lang: str) -> None:
        """The translator changed language (this button or anyone else): the window follows."""
        old, self.shown = self.shown, lang
        window = self.window()
        if old != lang:
            changed = retranslate_tree(window, old, lang)
            log.info("screen language %s -> %s (%d fixed texts)", old, lang, changed)
        self._label()
        self.language_changed.emit(lang)

    def _label(self) -> None:
        other = self.other()
        self.setText(other.upper())  # the language code: never translated
        self.setToolTip(f"{LANGUAGES[self.translator.language]} → {LANGUAGES[other]}")  # each in its own words
        self.setAccessibleName(LANGUAGES[other])
