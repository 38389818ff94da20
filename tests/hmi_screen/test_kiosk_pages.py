"""Kiosk mode: every page and dialog walked, in English and Turkish, no visible interactive element
below 48 x 48 px or closer than 8 px.

Not only outer boxes: the parts a finger must hit inside them (a combo's drop-down arrow and the
rows of its open list, check-box indicators, spin-box buttons, a date edit's calendar and its
cells, scroll bars, slider handles, a tab bar's scroll arrows) and tabs that do not fit their bar
(hmi.kiosk.touch_violations, popup_violations).
"""

from __future__ import annotations

import os
import subprocess
import sys
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

import pytest
from PySide6.QtWidgets import QApplication, QDialog, QWidget

from hmi.i18n import Translator
from hmi.kiosk import popup_violations, touch_violations
from hmi.main_window import MainWindow
from hmi.pages.audit import AuditPage
from hmi.permissions import set_policy
from hmi.session import Session
from hmi.theme import apply_theme


@pytest.fixture(params=["en", "tr"])
def lang(request: pytest.FixtureRequest, translator: Translator) -> str:
    assert translator.switch(request.param)
    return str(request.param)


@pytest.fixture
def kiosk(qapp: QApplication, lang: str, fake_engine: Any,
          push: Callable[..., None]) -> Iterator[MainWindow]:
    apply_theme(qapp)
    window = MainWindow(fake_engine, Session.default(kiosk=True))
    window.resize(1280, 800)
    window.show()
    window.set_kiosk(True, full_screen=False)
    push({"saw_state": 3.0, "head_height": 50.0, "dimension_a": 100.0})
    yield window
    set_policy(window.sessions.policy)
    for dialog in window.findChildren(QDialog):
        dialog.close()
    window.finish()
    window.close()
    window.deleteLater()
    qapp.setStyleSheet("")
    qapp.processEvents()


def _check(root: QWidget, qapp: QApplication, where: str) -> list[str]:
    qapp.processEvents()
    return [f"{where}: {v}" for v in [*touch_violations(root), *popup_violations(root)]]


def _walk_pages(window: MainWindow, qapp: QApplication) -> tuple[list[str], list[str]]:
    """Every page the role may open, reached as a finger would: its button in the row, or More and
    then its button in the drop-down panel. ``isHidden()`` is the role's check; a button under More
    is not visible until the panel opens (``isVisible()`` skipped those pages). The open panel
    (its pages, Leave kiosk) is checked too. Returns the pages walked and the problems found."""
    problems: list[str] = []
    walked: list[str] = []
    nav = window.nav_bar
    for name, button in window.nav_buttons.items():
        if button.isHidden():
            continue
        if button in nav.in_more():
            nav.more_button.click()
            qapp.processEvents()
            assert nav.more_panel.isVisible(), name
            problems += _check(nav.more_panel, qapp, f"More panel ({name})")
        assert button.isVisible(), name
        button.click()
        qapp.processEvents()
        assert window.stack.currentWidget() is window.pages[name], name
        assert not nav.more_panel.isVisible(), name  # a page chosen closes the panel
        problems += _check(window, qapp, name)
        walked.append(name)
    if nav.more_button.isVisible() and not nav.in_more():  # More holds Leave kiosk only
        nav.more_button.click()
        problems += _check(nav.more_panel, qapp, "More panel")
        nav.more_panel.hide()
    return walked, problems


def test_every_page_for_the_operator(kiosk: MainWindow, qapp: QApplication) -> None:
    walked, problems = _walk_pages(kiosk, qapp)
    assert walked == [key for key, button in kiosk.nav_buttons.items() if not button.isHidden()]
    assert not problems, "\n".join(problems)


def test_every_page_for_an_administrator(kiosk: MainWindow, qapp: QApplication) -> None:
    set_policy(lambda _user, _action: True)
    kiosk._user_changed("alice", "admin")
    walked, problems = _walk_pages(kiosk, qapp)
    assert walked == list(kiosk.pages)  # every page, those under More too (Turkish: users, audit)
    assert not problems, "\n".join(problems)


def test_the_audit_filter_shows_its_hint_whole(kiosk: MainWindow, qapp: QApplication) -> None:
    """The text filter's placeholder is the only label the field has: it was cut to "hedef veya ayr…"
    in the Turkish kiosk (the action list as wide as its longest category)."""
    set_policy(lambda _user, _action: True)
    kiosk._user_changed("alice", "admin")
    kiosk.show_page("audit")
    qapp.processEvents()
    field = kiosk.pages["audit"].text_field  # type: ignore[attr-defined]
    hint = field.placeholderText()
    assert hint and field.isVisible()
    assert field.width() >= field.fontMetrics().horizontalAdvance(hint) + 8, (hint, field.width())
    assert kiosk.width() <= 1280
    page = kiosk.pages["audit"]
    assert isinstance(page, AuditPage)
    for button in (page.refresh_button, page.export_button):  # the room not taken from the buttons
        assert button.width() >= button.sizeHint().width(), (button.text(), button.width())
    assert page.user_box.width() >= page.user_box.minimumSizeHint().width()


def _dialogs(window: MainWindow, tmp_path: Path) -> Iterator[tuple[str, Callable[[], QWidget | None]]]:
    from core.api import Alarm, Priority
    from hmi.dialogs.alarm_shelve import ShelveDialog
    from hmi.dialogs.confirm import ConfirmDialog
    from hmi.dialogs.login_admin import CreateAdminDialog
    from hmi.widgets.keypad import NumericKeypad
    from hmi.widgets.letter_keyboard import LetterKeyboard
    from hmi.widgets.replay_bar import ReplayChooser
    from hmi.widgets.touch_file_picker import TouchFilePicker

    pages: Any = window.pages
    (tmp_path / "cuts.csv").write_text("x")
    yield "letter keyboard", lambda: LetterKeyboard("Name", lang="tr", parent=window)
    yield "numeric keypad", lambda: NumericKeypad("Descent speed", parent=window)
    yield "file picker", lambda: TouchFilePicker("Export", tmp_path, mounts=lambda: [tmp_path], parent=window)
    yield "confirm", lambda: ConfirmDialog("Mode", "Switch?", yes="Switch", no="Cancel", parent=window)
    yield "shelve", lambda: ShelveDialog(Alarm("plc.bit.4", "PLC: chatter", Priority.MEDIUM, "plc"), pages["alarms"])
    yield "first admin", lambda: CreateAdminDialog(window.engine, kiosk=True, parent=window)
    yield "login", window.login_button.open_dialog

    def pin_keypad() -> QWidget:
        return window.login_button.open_dialog().pin_field.open_keypad()

    yield "PIN keypad", pin_keypad
    yield "replay", lambda: ReplayChooser(window.bridge, window.session, window)  # its lists load on a loop
    yield "leave kiosk", window.request_leave_kiosk

    def write() -> QWidget | None:
        window.show_page("registers")
        pages["registers"].select("descent_speed")
        return pages["registers"].open_write_for_selection()

    def on_page(key: str, method: str) -> Callable[[], QWidget | None]:
        def opened() -> QWidget | None:
            window.show_page(key)
            return getattr(pages[key], method)()
        return opened

    yield "write", write
    yield "export", on_page("data", "open_export")
    yield "import", on_page("data", "open_import")
    yield "audit export", on_page("audit", "request_export")


# The dialog walk runs in a pytest of its own. In the full suite it crashed the whole run about one
# time in two (SIGSEGV in Shiboken's releaseWrapper while a closed ExportDialog was deleted after
# the walk had opened its calendar pop-ups with synthetic presses; gdb: a wrapper freed twice). Not
# root-caused and not seen outside the walk: isolated so one crash is this test's failure, not the
# end of every other test's run; a crash is retried once and reported, two fail.
CHILD = "BANDSAW_DIALOG_WALK_CHILD"
SEGFAULT = (-11, 139)


def test_every_dialog_in_its_own_process(tmp_path: Path) -> None:
    if os.environ.get(CHILD):
        pytest.skip("the child runs the walk itself")
    command = [sys.executable, "-m", "pytest", "-q", "-p", "no:cacheprovider", "--basetemp", str(tmp_path / "walk"),
               f"{Path(__file__)}::test_every_dialog"]
    env = {**os.environ, CHILD: "1"}
    codes = []
    for _attempt in range(2):
        done = subprocess.run(command, env=env, capture_output=True, text=True, timeout=600, check=False)
        codes.append(done.returncode)
        if done.returncode not in SEGFAULT:
            break
        print(f"the dialog walk crashed (exit {done.returncode}); once more:\n{done.stdout[-2000:]}")
    assert codes[-1] == 0, f"exit codes {codes}\n{done.stdout[-4000:]}\n{done.stderr[-2000:]}"
    assert "2 passed" in done.stdout, done.stdout[-2000:]  # English and Turkish both walked


def test_every_dialog(kiosk: MainWindow, qapp: QApplication, tmp_path: Path) -> None:
    if not os.environ.get(CHILD):
        pytest.skip("run in its own process by test_every_dialog_in_its_own_process")
    kiosk._user_changed("alice", "admin")
    set_policy(lambda _user, _action: True)
    problems = _walk_dialogs(kiosk, qapp, tmp_path)
    assert not problems, "\n".join(problems)


def _walk_dialogs(kiosk: MainWindow, qapp: QApplication, tmp_path: Path) -> list[str]:
    problems: list[str] = []
    for name, make in _dialogs(kiosk, tmp_path):
        dialog = make()
        assert dialog is not None, name
        if not dialog.isVisible():
            dialog.show()
        qapp.processEvents()
        problems += _check(dialog, qapp, name)
        for open_dialog in kiosk.findChildren(QDialog):
            open_dialog.close()
        dialog.close()
    return problems
