"""Kiosk mode: every page and dialog walked, no visible interactive element below 48 x 48 px or closer than 8 px."""

from __future__ import annotations

from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

import pytest
from PySide6.QtWidgets import QApplication, QDialog

from hmi.kiosk import touch_violations
from hmi.main_window import MainWindow
from hmi.session import Session
from hmi.theme import apply_theme


@pytest.fixture
def kiosk(qapp: QApplication, fake_engine: Any, push: Callable[..., None]) -> Iterator[MainWindow]:
    apply_theme(qapp)
    window = MainWindow(fake_engine, Session.default(kiosk=True))
    window.resize(1280, 800)
    window.show()
    window.set_kiosk(True, full_screen=False)
    push({"saw_state": 3.0, "head_height": 50.0, "dimension_a": 100.0})
    yield window
    for dialog in window.findChildren(QDialog):
        dialog.close()
    shutdown = getattr(window, "shutdown", None)
    if callable(shutdown):
        shutdown()
    finish = getattr(window, "finish", None)
    if callable(finish):
        finish()
    window.close()
    window.deleteLater()
    qapp.setStyleSheet("")
    qapp.processEvents()


def _check(window: MainWindow, qapp: QApplication, where: str) -> list[str]:
    qapp.processEvents()
    return [f"{where}: {v}" for v in touch_violations(window)]


def test_every_page_in_kiosk_mode(kiosk: MainWindow, qapp: QApplication) -> None:
    problems: list[str] = []
    for name in kiosk.pages:
        kiosk.show_page(name)
        problems += _check(kiosk, qapp, name)
    assert problems == []


def test_dialogs_in_kiosk_mode(kiosk: MainWindow, qapp: QApplication, tmp_path: Path) -> None:
    from hmi.dialogs.confirm import ConfirmDialog
    from hmi.widgets.letter_keyboard import LetterKeyboard
    from hmi.widgets.touch_file_picker import TouchFilePicker

    problems: list[str] = []
    (tmp_path / "cuts.csv").write_text("x")
    for make in (lambda: LetterKeyboard("Name", lang="tr", parent=kiosk),
                 lambda: TouchFilePicker("Export", tmp_path, mounts=lambda: [tmp_path], parent=kiosk),
                 lambda: ConfirmDialog("Mode", "Switch?", yes="Switch", no="Cancel", parent=kiosk)):
        dialog = make()
        dialog.show()
        problems += [f"{type(dialog).__name__}: {v}" for v in touch_violations(dialog)]
        dialog.close()
    registers = kiosk.pages["registers"]
    kiosk.show_page("registers")
    select = getattr(registers, "select", None)
    if callable(select):
        select("descent_speed")
        opened = registers.open_write_for_selection()  # type: ignore[attr-defined]
        qapp.processEvents()
        for dialog in kiosk.findChildren(QDialog):
            if dialog.isVisible():
                problems += [f"{type(dialog).__name__}: {v}" for v in touch_violations(dialog)]
                dialog.close()
        del opened
    assert problems == []
