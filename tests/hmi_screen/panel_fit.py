"""The 1280x800 panel for the screen tests of #15's fit findings: the main window as at the saw
(theme, kiosk or desktop, an admin logged in), and lines as a word-wrapped label breaks them."""

from __future__ import annotations

import asyncio
from collections.abc import Callable, Iterator
from contextlib import contextmanager

from PySide6.QtGui import QFont, QTextLayout, QTextOption
from PySide6.QtWidgets import QApplication, QDialog

from core.testing.standin_engine import StandInEngine
from hmi.lifetime import delete_later
from hmi.main_window import MainWindow
from hmi.permissions import set_policy
from hmi.session import Session
from hmi.theme import apply_theme

PANEL = (1280, 800)


@contextmanager
def panel_window(qapp: QApplication, engine: StandInEngine, push: Callable[..., None], *, kiosk: bool,
                 admin: bool) -> Iterator[MainWindow]:
    """The main window at 1280x800 under the theme; the admin logged in as at the screen."""
    apply_theme(qapp)
    window = MainWindow(engine, Session.default(kiosk=kiosk))
    try:
        window.bridge.attach()
        window.resize(*PANEL)
        window.show()
        if kiosk:
            window.set_kiosk(True, full_screen=False)
        if admin:
            engine.access.create_first_admin("alice", "1357", by="test")
            assert asyncio.run(window.sessions.login("alice", "1357")).ok
        push({"saw_state": 3.0, "head_height": 50.0, "descent_speed": 45.85, "cutting_speed": 70.0})
        window.bridge.refresh()
        qapp.processEvents()
        yield window
    finally:
        set_policy(window.sessions.policy)
        close_window(qapp, window)


def close_window(qapp: QApplication, window: MainWindow) -> None:
    """As the application closes it: the open dialogs, the bridge, the window (held until Qt deleted
    it, hmi.lifetime), the theme's style sheet."""
    for dialog in window.findChildren(QDialog):
        dialog.close()
    window.bridge.detach()
    window.finish()
    delete_later(window)
    qapp.setStyleSheet("")
    qapp.processEvents()


def wrapped_lines(text: str, font: QFont, width: int) -> list[str]:
    """``text`` broken into lines at ``width`` as a word-wrapped QLabel breaks it (QTextLayout)."""
    layout = QTextLayout(text, font)
    option = QTextOption()
    option.setWrapMode(QTextOption.WrapMode.WordWrap)
    layout.setTextOption(option)
    layout.beginLayout()
    lines = []
    while True:
        line = layout.createLine()
        if not line.isValid():
            break
        line.setLineWidth(width)
        lines.append(text[line.textStart():line.textStart() + line.textLength()])
    layout.endLayout()
    return lines
