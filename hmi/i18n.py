"""English and Turkish: Qt's translation system, the locale for numbers and dates, the remembered choice.

Sources are Qt Linguist files kept in the repository (``resources/translations/bandsaw_<lang>.ts``,
refreshed from the code with ``make translations``); the compiled ``.qm`` files are built by
``pyside6-lrelease`` at build time (``make translations``, and the wheel build when lrelease is at
hand) or, when missing, at the first start into a user cache directory (the installed code is never
written).

A compiled file is named by the content hash of its source (``bandsaw_tr-<sha8>.qm``), so two
versions of the translations (two checkouts, an old and a new install, a test) never share a file;
it is written to a temporary file in the same folder and renamed over (``os.replace``), never
rewritten in place; and the HMI loads a private copy of it (unlinked once loaded), so nothing
another process does to the shared file afterwards can turn a running screen back to English or
crash it.
Qt's own strings (dialog buttons, the calendar) come from the ``qtbase_<lang>.qm`` PySide6 ships,
so a Turkish screen is Turkish throughout and an English one English throughout, whatever the
system locale.
"""

from __future__ import annotations

import atexit
import hashlib
import logging
import os
import shutil
import subprocess
import sys
import tempfile
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


QM_MAGIC = bytes.fromhex("3cb86418caef9c95cd211cbf60a1bddd")  # the first 16 bytes of every .qm


def qm_name(lang: str, ts_bytes: bytes) -> str:
    """The compiled file's name for this exact source: ``bandsaw_<lang>-<sha256[:8]>.qm``."""
    return f"bandsaw_{lang}-{hashlib.sha256(ts_bytes).hexdigest()[:8]}.qm"


def build_qm(ts: Path, qm: Path) -> bool:
    """Compile one .ts into ``qm`` with lrelease; False (logged) when it cannot.

    lrelease writes a temporary file beside ``qm``, which is then renamed over it: a reader that has
    the old file open or mapped keeps the old file intact (never a half-written or rewritten one)."""
    program = lrelease_program()
    if program is None:
        log.error("pyside6-lrelease not found: %s not compiled", ts)
        return False
    try:
        qm.parent.mkdir(parents=True, exist_ok=True)
        handle, temp_name = tempfile.mkstemp(prefix=f".{qm.stem}-", suffix=".qm.tmp", dir=qm.parent)
        os.close(handle)
    except OSError as exc:
        log.error("cannot write %s: %s", qm.parent, exc)
        return False
    temp = Path(temp_name)
    try:
        try:
            result = subprocess.run([program, "-silent", str(ts), "-qm", str(temp)], capture_output=True,
                                    text=True, timeout=60, check=False)
        except (OSError, subprocess.TimeoutExpired) as exc:
            log.error("lrelease failed on %s: %s", ts, exc)
            return False
        if result.returncode != 0 or not _is_qm(temp):
            log.error("lrelease failed on %s: %s", ts, (result.stderr or result.stdout).strip())
            return False
        try:
            os.replace(temp, qm)
        except OSError as exc:
            log.error("cannot put %s in place: %s", qm, exc)
            return False
        return True
    finally:
        temp.unlink(missing_ok=True)


def _is_qm(path: Path) -> bool:
    try:
        with path.open("rb") as handle:
            return handle.read(len(QM_MAGIC)) == QM_MAGIC
    except OSError:
        return False


def default_cache() -> Path:
    where = QStandardPaths.StandardLocation.GenericCacheLocation
    return Path(QStandardPaths.writableLocation(where)) / "bandsaw-hmi"


def compiled_qm(lang: str, cache: Path | None = None) -> Path | None:
    """The .qm built from the current ``bandsaw_<lang>.ts``: shipped beside it (the wheel, ``make
    translations``), else from the cache, else built into the cache. Each name holds the source's hash."""
    ts = ts_file(lang)
    try:
        source = ts.read_bytes()
    except OSError:
        return None
    name = qm_name(lang, source)
    beside = ts.with_name(name)
    if _is_qm(beside):
        return beside
    target = (default_cache() if cache is None else cache) / "translations" / name
    if _is_qm(target):
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
        # English too: the source strings are English, but its catalogue holds the English plural
        # forms of the %n texts ("1 cut", "2 cuts"); without it they read "1 cuts".
        ours = QTranslator(self._app)
        if _load_private_copy(ours, compiled_qm(lang, self._cache)):
            self._installed.append(ours)
        elif lang != DEFAULT_LANGUAGE:
            log.error("translation %s could not be loaded: texts stay English", lang)
        else:
            log.error("English plural forms could not be loaded: counts read '1 cuts'")
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


def _load_private_copy(translator: QTranslator, qm: Path | None) -> bool:
    """Load ``qm`` through a copy only this process knows (unlinked once loaded where the system
    allows): Qt maps the file it loads, and nothing another process does to the shared file (replace,
    rewrite in place, remove) can reach the copy a running screen reads."""
    if qm is None:
        return False
    try:
        data = qm.read_bytes()
    except OSError as exc:
        log.error("cannot read %s: %s", qm, exc)
        return False
    if not data.startswith(QM_MAGIC):
        log.error("%s is not a compiled translation", qm)
        return False
    try:
        handle, name = tempfile.mkstemp(prefix=f"{qm.stem}-{os.getpid()}-", suffix=".qm")
        with os.fdopen(handle, "wb") as out:
            out.write(data)
    except OSError as exc:
        log.error("cannot copy %s for loading: %s", qm, exc)
        return False
    loaded = translator.load(name)
    try:
        os.unlink(name)  # a mapped file stays readable until unmapped (POSIX)
    except OSError:
        atexit.register(lambda: Path(name).unlink(missing_ok=True))  # Windows: still open
    return loaded


_current: Translator | None = None


def current_language() -> str:
    """The screen's language now ("en" before a translator is installed): for texts that come with
    their translations from config (registers.yaml, the alarm catalogue) rather than from the .ts."""
    return _current.language if _current is not None else DEFAULT_LANGUAGE


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


def build_beside(folder: Path = SOURCES) -> list[Path]:
    """Compile every ``bandsaw_<lang>.ts`` in ``folder`` to its hash-named .qm beside it (``make
    translations``); stale .qm files of earlier sources there are removed (a running HMI holds its
    translations in memory). Returns the files built; raises SystemExit when one cannot be."""
    built = []
    for ts in sorted(folder.glob("bandsaw_*.ts")):
        lang = ts.stem.removeprefix("bandsaw_")
        qm = ts.with_name(qm_name(lang, ts.read_bytes()))
        if not _is_qm(qm) and not build_qm(ts, qm):
            raise SystemExit(f"could not compile {ts}")
        for stale in folder.glob(f"bandsaw_{lang}*.qm"):
            if stale != qm:
                stale.unlink(missing_ok=True)
        built.append(qm)
    return built


if __name__ == "__main__":
    for path in build_beside(Path(sys.argv[1]) if len(sys.argv) > 1 else SOURCES):
        print(path)
