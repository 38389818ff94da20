"""The navigation bar in one row for every role, in English and Turkish, desktop and kiosk, at 1280 px.

An administrator's kiosk bar (nine pages, replay, language, "alice (yönetici) · Çıkış", leave
kiosk) wrapped to two rows: the overview and production scrolled and the right column was
clipped at x 1226. The pages that do not fit go under More as the same 48 px buttons, one tap away.
"""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest
from hmi_testing import QLoop
from PySide6.QtCore import QRect
from PySide6.QtWidgets import QAbstractButton, QApplication

from core.config import Settings
from core.registers import RegisterMap
from core.security.access import AccessControl
from core.security.passwords import FAST_PARAMS
from core.testing.standin_engine import StandInEngine
from hmi.i18n import Translator
from hmi.kiosk import TOUCH_PX, touch_violations
from hmi.main_window import MainWindow
from hmi.permissions import Action, can, set_policy
from hmi.session import Session
from hmi.theme import apply_theme

PINS = {"alice": "1357", "erin": "2468", "otto": "3690"}
PANEL = (1280, 800)


@pytest.fixture
def themed(qapp: QApplication, tmp_path_factory: pytest.TempPathFactory) -> Iterator[Translator]:
    apply_theme(qapp)
    translator = Translator.install(qapp, cache=tmp_path_factory.mktemp("qm"))
    yield translator
    translator.switch("en")
    qapp.setStyleSheet("")


@pytest.fixture
def engine(settings: Settings, register_map: RegisterMap, tmp_path: Path) -> StandInEngine:
    access = AccessControl.from_settings(settings, kdf=FAST_PARAMS)
    access.create_first_admin("alice", PINS["alice"])
    access.store.add("erin", "engineer", PINS["erin"])
    access.store.add("otto", "operator", PINS["otto"])
    return StandInEngine(settings, register_map, access=access)


@pytest.fixture
def window(qapp: QApplication, engine: StandInEngine) -> Iterator[list[MainWindow]]:
    made: list[MainWindow] = []
    yield made
    for window in made:
        set_policy(window.sessions.policy)
        if window.sessions.logged_in:
            window.sessions.logout()
        window.nav_bar.more_panel.hide()
        window.finish()
        window.deleteLater()
    qapp.processEvents()


def _inside(rect: QRect, outer: QRect) -> bool:
    return outer.contains(rect)


@pytest.mark.parametrize("kiosk", [False, True], ids=["desktop", "kiosk"])
@pytest.mark.parametrize("lang", ["en", "tr"])
@pytest.mark.parametrize("who", ["otto", "erin", "alice"])
def test_one_row_every_page_reachable(qapp: QApplication, qloop: QLoop, themed: Translator, engine: StandInEngine,
                                      window: list[MainWindow], who: str, lang: str, kiosk: bool) -> None:
    assert themed.switch(lang)
    shown = MainWindow(engine, Session.default(kiosk=kiosk))
    window.append(shown)
    shown.resize(*PANEL)
    shown.show()
    shown.set_kiosk(kiosk, full_screen=False)
    qloop.run(shown.sessions.login(who, PINS[who]))
    shown.resize(*PANEL)
    qapp.processEvents()
    nav = shown.nav_bar
    problems = []
    if nav.height() >= 2 * TOUCH_PX:
        problems.append(f"the bar is {nav.height()} px tall: two rows")
    panel_rect = QRect(0, 0, PANEL[0], PANEL[1])
    in_row = [b for b in nav.findChildren(QAbstractButton) if b.isVisible() and b.window() is shown]
    for button in in_row:
        rect = QRect(button.mapTo(shown, button.rect().topLeft()), button.size())
        if not _inside(rect, panel_rect) or rect.right() >= shown.width() - 6:
            problems.append(f"{button.text()!r} at {rect} leaves the panel")
        if button.width() < button.sizeHint().width() - 2:
            problems.append(f"{button.text()!r} cut to {button.width()} px")
        if button.height() < TOUCH_PX:
            problems.append(f"{button.text()!r} {button.height()} px tall")
    assert not problems, "\n".join(problems)
    allowed = [key for key, button in shown.nav_buttons.items() if not button.isHidden()]
    if who == "alice":
        assert {"users", "audit"} <= set(allowed)
    elif who == "otto":
        assert "users" not in allowed and "audit" not in allowed
    in_more = [key for key in allowed if shown.nav_buttons[key].parentWidget() is nav.more_panel]
    for key in allowed:
        if key not in in_more and not shown.nav_buttons[key].isVisible():
            problems.append(f"{key}: neither in the row nor under More")
    assert nav.more_button.isVisible() == bool(in_more), (in_more, nav.more_button.isVisible())
    if kiosk and in_row:
        problems += [str(v) for v in touch_violations(nav)]
    # Every page under More: the panel opens on the panel, its buttons touch-sized; a tap shows the page.
    for key in in_more:
        panel = nav.open_more()
        qapp.processEvents()
        geometry = QRect(shown.mapFromGlobal(panel.geometry().topLeft()), panel.size())
        if not _inside(geometry, panel_rect):
            problems.append(f"the More panel at {geometry} leaves the panel")
        if kiosk:
            problems += [f"More: {v}" for v in touch_violations(panel)]
        button = shown.nav_buttons[key]
        assert button.isVisible() and button.height() >= TOUCH_PX, (key, button.height())
        button.click()
        qapp.processEvents()
        assert shown.stack.currentWidget() is shown.pages[key]
        assert not panel.isVisible() and nav.more_button.isChecked(), key
    leave = shown.leave_kiosk_button  # an engineer's or administrator's, in kiosk: under More, after the pages
    assert leave.isHidden() == (not (kiosk and can(who, Action.LEAVE_KIOSK))), who
    if not leave.isHidden():
        assert leave.parentWidget() is nav.more_panel and nav.more_button.isVisible()
        nav.open_more()
        qapp.processEvents()
        assert leave.isVisible() and leave.height() >= TOUCH_PX
        nav.more_panel.hide()
    if in_more:
        shown.nav_buttons["dashboard"].click()
        assert not nav.more_button.isChecked()
    assert not problems, "\n".join(problems)
    # The overview does not scroll under the bar (the two-row bar made it).
    shown.show_page("dashboard")
    qapp.processEvents()
    area = shown.page_area
    assert not area.verticalScrollBar().isVisible() and not area.horizontalScrollBar().isVisible()


@pytest.mark.parametrize("kiosk", [False, True], ids=["desktop", "kiosk"])
def test_the_split_follows_a_live_switch_and_not_the_page_shown(qapp: QApplication, qloop: QLoop, themed: Translator,
                                                                 engine: StandInEngine, window: list[MainWindow],
                                                                 kiosk: bool) -> None:
    """EN -> TR -> EN on every page of an administrator's bar. The Qt layout got the LayoutRequest
    before the bar re-split the row: Turkish texts in nine buttons, each cut by 2-4 px ('Diğer ▾' to
    72 px). A checked button's 2 px border made it 2 px wider once its text was set again: back in
    English on the users page Audit no longer fitted the row (under More, where it was not before)."""
    assert themed.switch("en")
    shown = MainWindow(engine, Session.default(kiosk=kiosk))
    window.append(shown)
    shown.resize(*PANEL)
    shown.show()
    shown.set_kiosk(kiosk, full_screen=False)
    qloop.run(shown.sessions.login("alice", PINS["alice"]))
    shown.resize(*PANEL)
    qapp.processEvents()
    nav = shown.nav_bar

    def split() -> list[str]:
        return [key for key, button in shown.nav_buttons.items() if button.parentWidget() is nav.more_panel]

    def cut() -> list[str]:
        return [f"{b.text()!r} {b.width()} px of {b.sizeHint().width()}" for b in nav.findChildren(QAbstractButton)
                if b.isVisible() and b.window() is shown and b.width() < b.sizeHint().width() - 2]

    english = split()
    problems: list[str] = []
    turkish: list[str] | None = None
    for key in shown.pages:
        shown.show_page(key)
        qapp.processEvents()
        for lang in ("tr", "en"):
            shown.language_button.click()
            qapp.processEvents()  # one turn of the loop: the texts, the split and the row's geometry
            assert shown.translator_language() == lang
            problems += [f"{key} ({lang}): {c}" for c in cut()]
            if lang == "tr":
                turkish = split() if turkish is None else turkish
                if split() != turkish:
                    problems.append(f"{key} (tr): under More {split()}, on the first page {turkish}")
            elif split() != english:
                problems.append(f"{key} (en): under More {split()}, before {english}")
    assert not problems, "\n".join(problems)


@pytest.mark.parametrize("kiosk", [False, True], ids=["desktop", "kiosk"])
def test_a_page_button_is_as_wide_checked_as_not(qapp: QApplication, themed: Translator, engine: StandInEngine,
                                                 window: list[MainWindow], kiosk: bool) -> None:
    """The checked border is 2 px, the plain one 1 px: a button measured checked (its text set while
    its page was shown) was 2 px wider, and the bar's split depended on the page shown."""
    shown = MainWindow(engine, Session.default(kiosk=kiosk))
    window.append(shown)
    shown.resize(*PANEL)
    shown.show()
    shown.set_kiosk(kiosk, full_screen=False)
    qapp.processEvents()
    nav = shown.nav_bar
    shown.nav_group.setExclusive(False)  # the shown page's button unchecked too
    widths: dict[str, tuple[int, int]] = {}
    for button in [*shown.nav_buttons.values(), nav.more_button]:
        text = button.text()
        measured = []
        for checked in (False, True):
            button.setChecked(checked)
            button.setText("")  # a new text: the button measures itself again, in its state now
            button.setText(text)
            measured.append(button.sizeHint().width())
        widths[text] = (measured[0], measured[1])
    assert all(plain == checked for plain, checked in widths.values()), widths
