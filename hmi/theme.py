"""The QSS theme shipped in resources/themes (ISA-101 high-performance palette).

An unthemed HMI (Qt's default widgets, 13 px values) is not fit for the saw's panel: a theme that
cannot be read is an error naming the file, never a warning and a default look.
"""

from __future__ import annotations

import logging
from pathlib import Path

from PySide6.QtCore import QMessageLogContext, QtMsgType, qInstallMessageHandler
from PySide6.QtWidgets import QApplication, QWidget

from core.config import resource_path
from hmi.lifetime import delete_later

log = logging.getLogger("bandsaw.hmi.theme")

DEFAULT_THEME = resource_path("themes", "high_performance.qss")


class ThemeError(Exception):
    """The theme could not be loaded; the message names the file and the reason."""


def apply_theme(app: QApplication, path: Path = DEFAULT_THEME) -> Path:
    """Style the application with the QSS at ``path``; raises ThemeError if it cannot be read."""
    try:
        style = path.read_text(encoding="utf-8")
    except (OSError, UnicodeDecodeError) as exc:
        reason = exc.strerror if isinstance(exc, OSError) and exc.strerror else str(exc)
        raise ThemeError(f"theme {path} cannot be read: {reason}") from None
    if not style.strip():
        raise ThemeError(f"theme {path} is empty")
    app.setStyle("Fusion")
    problems = _style_problems(app, style)
    if problems:
        app.setStyleSheet("")
        raise ThemeError(f"theme {path} is not a valid Qt style sheet: {problems[0]}")
    log.info("theme %s loaded", path)
    return path


def _style_problems(app: QApplication, style: str) -> list[str]:
    """Set the style sheet and return Qt's complaints about it. Qt parses it lazily, when the
    first widget is polished, and a sheet it cannot parse is dropped with a warning only (an
    unthemed panel): polish a probe widget while Qt's messages are captured."""
    problems: list[str] = []

    def capture(kind: QtMsgType, _context: QMessageLogContext, message: str) -> None:
        if "stylesheet" in message.lower() or "style sheet" in message.lower():
            problems.append(message)

    previous = qInstallMessageHandler(capture)
    try:
        app.setStyleSheet(style)
        probe = QWidget()
        probe.ensurePolished()
        delete_later(probe)
    finally:
        qInstallMessageHandler(previous)
    return problems
