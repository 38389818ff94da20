"""English and Turkish: Qt's translation system, the locale for numbers and dates, the remembered choice.

Sources are Qt Linguist files kept in the repository (``resources/translations/bandsaw_<lang>.ts``,
refreshed from the code with ``make translations``); the compiled ``.qm`` files are built by
``pyside6-lrelease`` at build time (``make translations``) or, when missing or older than their
source, at the first start into a user cache directory (the installed code is never written).
Qt's own strings (dialog buttons, the calendar) come from the ``qtbase_<lang>.qm`` PySide6 ships,
so a Turkish screen is Turkish throughout and an English one English throughout, whatever the
system locale.
"""

from __future__ import annotations

import logging
import shutil
import subprocess
import sys
from collections.abc import Callable
from pathlib import Path

from PySide6.QtCore import QCoreApplication, QLibraryInfo, QLocale, QSettings, QStandardPaths, QTranslator

from core.config import resource_path

log = logging.getLogger("bandsaw.hmi.i18n")

LANGUAGES: dict[str, str] = {"en": "English", "tr": "Türkçe"}
DEFAULT_LANGUAGE = "en"
# The checkout's resources/translations, or the installed wheel's packaged copy (never written).
SOURCES = resource_path("translations")
_LOCALES = {"en": QLocale(QLocale.Language.English, QLocale.Country.UnitedKingdom),
            "tr": QLocale(QLocale.Language.Turkish, QLocale.Country.Turkey)}


def ts_file(lang: str) -> Path:
    return SOURCES / f"bandsaw_{lang}.ts"


def lrelease_program() -> str | None:
    """pyside6-lrelease beside this Python, on PATH, or the lrelease inside the PySide6 wheel."""
    here = Path(sys.executable).parent
    for candidate in (here / "pyside6-lrelease", here / "pyside6-lrelease.exe"):
        if candidate.exists():
            return str(candidate)
    found = shutil.which("pyside6-lrelease")
    if found:
        return found
    bundled = Path(QLibraryInfo.path(QLibraryInfo.LibraryPath.LibraryExecutablesPath)) / "lrelease"
    return str(bundled) if bundled.exists() else None


def build_qm(ts: Path, qm: Path) -> bool:
    """Compile one .ts into .qm with lrelease; False (logged) when it cannot."""
    program = lrelease_program()
    if program is None:
        log.error("pyside6-lrelease not found: %s not compiled", ts)
        return False
    qm.parent.mkdir(parents=True, exist_ok=True)
    try:
        result = subprocess.run([program, "-silent", str(ts), "-qm", str(qm)], capture_output=True, text=True,
                                timeout=60, check=False)
    except (OSError, subprocess.TimeoutExpired) as exc:
        log.error("lrelease failed on %s: %s", ts, exc)
        return False
    if result.returncode != 0 or not qm.exists():
        log.error("lrelease failed on %s: %s", ts, (result.stderr or result.stdout).strip())
        return False
    return True


def compiled_qm(lang: str, cache: Path | None = None) -> Path | None:
    """The .qm for ``lang``: beside its source when built and current, else built into the cache."""
    ts = ts_file(lang)
    if not ts.exists():
        return None
    beside = ts.with_suffix(".qm")
    if beside.exists() and beside.stat().st_mtime >= ts.stat().st_mtime:
        return beside
    if cache is None:
        where = QStandardPaths.StandardLocation.GenericCacheLocation
        cache = Path(QStandardPaths.writableLocation(where)) / "bandsaw-hmi"
    target = cache / "translations" / beside.name
    if target.exists() and target.stat().st_mtime >= ts.stat().st_mtime:
        return target
    return target if build_qm(ts, target) else None


def locale_for(lang: str) -> QLocale:
    locale = QLocale(_LOCALES.get(lang, _LOCALES[DEFAULT_LANGUAGE]))
    locale.setNumberOptions(QLocale.NumberOption.OmitGroupSeparator)  # 1234,5 - a reading, not a sum
    return locale


class Translator:
    """Installs the chosen language on the application; switching retranslates the open window."""

    def __init__(self, app: QCoreApplication, cache: Path | None = None) -> None:
        self._app = app
        self._cache = cache
        self._installed: list[QTranslator] = []
        self.language = DEFAULT_LANGUAGE
        self._listeners: list[Callable[[str], None]] = []

    @classmethod
    def install(cls, app: QCoreApplication, cache: Path | None = None) -> Translator:
        """The application's one translator (created on first use, kept on the application object)."""
        global _current
        if _current is None or _current._app is not app:
            _current = cls(app, cache)
        return _current

    @staticmethod
    def current() -> Translator | None:
        return _current

    def subscribe(self, listener: Callable[[str], None]) -> None:
        self._listeners.append(listener)

    def unsubscribe(self, listener: Callable[[str], None]) -> None:
        if listener in self._listeners:
            self._listeners.remove(listener)

    def switch(self, lang: str) -> bool:
        """Use ``lang`` from now on (Qt sends LanguageChange to every widget); False if unknown."""
        if lang not in LANGUAGES:
            log.warning("language %r unknown; allowed %s", lang, ", ".join(LANGUAGES))
            return False
        for translator in self._installed:
            self._app.removeTranslator(translator)
        self._installed.clear()
        if lang != "en":  # the source strings are English
            ours = QTranslator(self._app)
            qm = compiled_qm(lang, self._cache)
            if qm is not None and ours.load(str(qm)):
                self._installed.append(ours)
            else:
                log.error("translation %s could not be loaded: texts stay English", lang)
        qt_own = QTranslator(self._app)
        qt_dir = QLibraryInfo.path(QLibraryInfo.LibraryPath.TranslationsPath)
        if qt_own.load(f"qtbase_{lang}", qt_dir):
            self._installed.append(qt_own)
        for translator in self._installed:
            self._app.installTranslator(translator)
        QLocale.setDefault(locale_for(lang))
        self.language = lang
        for listener in list(self._listeners):
            listener(lang)
        return True


_current: Translator | None = None


class LanguageMemory:
    """The language each HMI user chose last (an INI file in the data directory)."""

    def __init__(self, path: Path) -> None:
        self._settings = QSettings(str(path), QSettings.Format.IniFormat)

    def get(self, user: str) -> str | None:
        value = self._settings.value(f"language/{user or 'operator'}")
        return str(value) if value in LANGUAGES else None

    def set(self, user: str, lang: str) -> None:
        if lang in LANGUAGES:
            self._settings.setValue(f"language/{user or 'operator'}", lang)
            self._settings.sync()



def QT_TRANSLATE_NOOP(context: str, text: str) -> str:
    """Mark ``text`` for lupdate in ``context`` without translating it (translate it where shown)."""
    del context
    return text


def translate(context: str, text: str) -> str:
    """Translate outside a QObject; write the call literally so lupdate finds it: translate("Ctx", "text")."""
    return QCoreApplication.translate(context, text)
