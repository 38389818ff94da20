"""The QSS theme from resources/themes (ISA-101 high-performance palette)."""

from __future__ import annotations

import logging
from pathlib import Path

from PySide6.QtWidgets import QApplication

log = logging.getLogger("bandsaw.hmi.theme")

RESOURCES = Path(__file__).resolve().parent.parent / "resources"
DEFAULT_THEME = RESOURCES / "themes" / "high_performance.qss"


def apply_theme(app: QApplication, path: Path = DEFAULT_THEME) -> bool:
    """Style the application; a missing theme leaves Qt's default look (logged, never fatal)."""
    try:
        app.setStyleSheet(path.read_text(encoding="utf-8"))
    except OSError as exc:
        log.warning("theme %s not loaded: %s", path, exc)
        return False
    app.setStyle("Fusion")
    return True
