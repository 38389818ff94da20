"""The on-screen language switch: every page's texts follow at once, back and forth, in both modes.

After a tap on "TR" no visible text may still be an English text the catalogue translates,
and every page must show texts it did not show before; a tap on "EN" brings back exactly the
texts of before. The kiosk sizes hold with the longer Turkish texts. The choice is remembered for
whoever is at the screen.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator
from typing import Any

import pytest
from PySide6.QtWidgets import (
    QAbstractButton,
    QApplication,
    QDialog,
    QGroupBox,
    QHeaderView,
    QLabel,
    QLineEdit,
    QTabBar,
    QWidget,
)

from hmi.i18n import LanguageMemory, Translator
from hmi.kiosk import touch_violations
from hmi.main_window import MainWindow
from hmi.permissions import set_policy
from hmi.retranslate import catalogue, contexts_of
from hmi.session import Session
from hmi.theme import apply_theme
from hmi.widgets.language_switch import MEMORY_FILE


@pytest.fixture(params=[False, True], ids=["desktop", "kiosk"])
def window(request: pytest.FixtureRequest, qapp: QApplication, fake_engine: Any, push: Callable[..., None],
           translator: Translator) -> Iterator[MainWindow]:
    apply_theme(qapp)
    kiosk = bool(request.param)
    window = MainWindow(fake_engine, Session.default(kiosk=kiosk))
    window.resize(1280, 800)
    window.show()
    if kiosk:
        window.set_kiosk(True, full_screen=False)
    push({"saw_state": 3.0, "head_height": 50.0, "dimension_a": 100.0})
    yield window
    for dialog in window.findChildren(QDialog):
        dialog.close()
    window.finish()
    window.deleteLater()
    qapp.setStyleSheet("")
    qapp.processEvents()


def shown(root: QWidget) -> list[tuple[str, QWidget]]:
    """What a person reads on the page (labels, buttons, tabs, group titles, headers, place-holders),
    each with the widget showing it."""
    found: list[tuple[str, QWidget]] = []
    for widget in [root, *root.findChildren(QWidget)]:
        if not widget.isVisible():
            continue
        texts: list[str] = []
        if isinstance(widget, QLabel | QAbstractButton):
            texts.append(widget.text())
        elif isinstance(widget, QGroupBox):
            texts.append(widget.title())
        elif isinstance(widget, QLineEdit):
            texts.append(widget.placeholderText())
        elif isinstance(widget, QTabBar):
            texts += [widget.tabText(i) for i in range(widget.count())]
        elif isinstance(widget, QHeaderView) and widget.model() is not None:
            model = widget.model()
            texts += [str(model.headerData(i, widget.orientation())) for i in range(widget.count())]
        found += [(t, widget) for t in texts if t and t.strip()]
    return found


def visible_texts(root: QWidget) -> list[str]:
    return [text for text, _widget in shown(root)]


def _nav_buttons(window: MainWindow) -> list[QAbstractButton]:
    return [b for b in window.nav_bar.findChildren(QAbstractButton) if b.isVisible()]


def clipped(button: QAbstractButton) -> bool:
    """Narrower than its text needs (the layout squeezed it)."""
    return button.width() < button.sizeHint().width() - 2


def _switch(window: MainWindow, qapp: QApplication) -> None:
    window.language_button.click()
    qapp.processEvents()  # Qt posts LanguageChange to the windows


def test_every_page_follows_the_switch(window: MainWindow, qapp: QApplication) -> None:
    english_to_turkish = catalogue("en", "tr")
    problems: list[str] = []
    set_policy(lambda _user, _action: True)  # an admin's view: the users and audit pages too
    window._user_changed("alice", "admin")
    for key in window.pages:
        window.show_page(key)
        qapp.processEvents()
        assert window.stack.currentWidget() is window.pages[key]
        before = visible_texts(window)
        page_before = visible_texts(window.pages[key])
        assert window.language_button.text() == "TR"
        _switch(window, qapp)
        assert window.translator_language() == "tr"
        after = visible_texts(window)
        assert window.language_button.text() == "EN"
        # A text its own widget marks for translation (its class's context) must be Turkish now.
        leftovers = sorted({t for t, w in shown(window)
                            if english_to_turkish.map(t, contexts_of(w), strict=True) not in (None, t)})
        if leftovers:
            problems.append(f"{key}: still English: {leftovers}")
        if set(after) == set(before):
            problems.append(f"{key}: nothing changed")
        if any(english_to_turkish.map(t) not in (None, t) for t in page_before) and \
                set(visible_texts(window.pages[key])) == set(page_before):
            problems.append(f"{key}: the page itself did not change")
        if window.session.kiosk:
            problems += [f"{key} (tr): {v}" for v in touch_violations(window)]
        if window.minimumSizeHint().width() > 1280:
            problems.append(f"{key}: {window.minimumSizeHint().width()} px wide in Turkish")
        problems += [f"{key}: {b.text()!r} cut to {b.width()} px" for b in _nav_buttons(window) if clipped(b)]
        _switch(window, qapp)
        again = visible_texts(window)
        if sorted(again) != sorted(before):
            problems.append(f"{key}: back in English differs: {sorted(set(before) ^ set(again))}")
    set_policy(window.sessions.policy)
    assert problems == []


def test_the_choice_is_remembered_per_user(window: MainWindow, qapp: QApplication) -> None:
    memory_path = window.engine.settings.data_dir / MEMORY_FILE
    _switch(window, qapp)  # the operator view chooses Turkish
    assert LanguageMemory(memory_path).get("operator") == "tr"
    LanguageMemory(memory_path).set("erin", "en")
    window.language_button.memory = LanguageMemory(memory_path)
    window._user_changed("erin", "engineer")  # erin logs in: her English
    qapp.processEvents()
    assert window.translator_language() == "en" and window.language_button.text() == "TR"
    window._user_changed("operator", "operator")  # log-out: the operator view's Turkish again
    qapp.processEvents()
    assert window.translator_language() == "tr"
    _switch(window, qapp)
