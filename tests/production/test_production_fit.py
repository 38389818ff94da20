"""The Production page on the 1280x800 panel with every figure, stop and note filled: no scroll bar
and nothing cut, in English and Turkish, desktop and kiosk, for the operator and the engineer; the
OEE says why it is blank; the kiosk's section titles read from the saw.

The reviewer's window (1280x800, kiosk and desktop) scrolled: the band history below the fold, a
32 px empty line under the title, tiles as tall as their font's line; "Life used (estimated from
the cuts)" wrapped out of line with "Life remaining"; OEE read "—" beside Performance 110 % with
no word why; "Saw state this shift" was 13 pt in kiosk.
"""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

import pytest
from hmi_testing import no_leaked_qt
from production_screen import band_view, clipped, report, scrolls, view
from PySide6.QtGui import QFontMetrics
from PySide6.QtWidgets import QApplication, QLabel

from core.config import Settings
from core.registers import RegisterMap
from core.testing.standin_engine import StandInEngine
from hmi.formatting import plain_text
from hmi.i18n import Translator
from hmi.main_window import MainWindow
from hmi.pages.production import ProductionPage, oee_note
from hmi.permissions import set_policy
from hmi.session import Session
from hmi.theme import apply_theme

pytestmark = pytest.mark.gui


@pytest.fixture(autouse=True)
def _no_leaked_qt(qapp: QApplication) -> Iterator[None]:
    with no_leaked_qt(qapp):
        yield


@pytest.fixture
def window_for(
    qapp: QApplication, settings: Settings, register_map: RegisterMap, tmp_path_factory: pytest.TempPathFactory
) -> Iterator[Any]:
    """``window_for(lang, kiosk, engineer)``: the main window at 1280x800 on the Production page,
    the full shift and band of production_screen shown."""
    translator = Translator.install(qapp, cache=tmp_path_factory.mktemp("qm"))
    apply_theme(qapp)
    windows: list[MainWindow] = []

    def make(lang: str, kiosk: bool, engineer: bool) -> tuple[MainWindow, ProductionPage]:
        assert translator.switch(lang)
        window = MainWindow(StandInEngine(settings, register_map), Session.default(kiosk=kiosk))
        windows.append(window)
        window.resize(1280, 800)
        window.show()
        if kiosk:
            window.set_kiosk(True, full_screen=False)
        page = window.pages["production"]
        assert isinstance(page, ProductionPage)
        if engineer:
            set_policy(lambda _user, _action: True)
            window._user_changed("erin", "engineer")
            page.set_user("erin")
            page.update_permissions()
        window.show_page("production")
        page.show_view(view())
        page.band_life.show_view(band_view())
        qapp.processEvents()
        return window, page

    yield make
    set_policy(None)
    for window in windows:
        window.finish()
        window.close()
        window.deleteLater()
    translator.switch("en")
    qapp.setStyleSheet("")
    qapp.processEvents()


@pytest.mark.parametrize("engineer", [False, True], ids=["operator", "engineer"])
@pytest.mark.parametrize("kiosk", [False, True], ids=["desktop", "kiosk"])
@pytest.mark.parametrize("lang", ["en", "tr"])
def test_the_page_fits_the_panel_whole(
    window_for: Any, qapp: QApplication, lang: str, kiosk: bool, engineer: bool
) -> None:
    window, page = window_for(lang, kiosk, engineer)
    assert page.band_life.isVisible()  # beside the stops, in view without a tap
    problems = [f"{where}: {problem}" for where, problem in _every_tab(window, page, qapp)]
    assert not problems, "\n".join(problems)


def _every_tab(window: Any, page: ProductionPage, qapp: QApplication) -> Iterator[tuple[str, str]]:
    tabs = getattr(page, "tabs", None)
    for index in range(tabs.count()) if tabs is not None else [None]:
        if tabs is not None and index is not None:
            if not tabs.isTabVisible(index):
                continue
            tabs.setCurrentIndex(index)
            qapp.processEvents()
        where = tabs.tabText(index) if tabs is not None and index is not None else "page"
        for problem in [*scrolls(window), *clipped(page)]:
            yield where, problem


@pytest.mark.parametrize("kiosk", [False, True], ids=["desktop", "kiosk"])
@pytest.mark.parametrize("lang", ["en", "tr"])
def test_the_band_life_captions_stand_on_one_line(window_for: Any, lang: str, kiosk: bool) -> None:
    """Each caption on one line over its figure: "Life used (estimated from the cuts)" wrapped to two
    beside a one-line "Life remaining" in the 619 px half page."""
    _window, page = window_for(lang, kiosk, False)
    panel = page.band_life
    for caption in (panel.used_caption, panel.remaining_caption):
        line = caption.fontMetrics().lineSpacing()
        assert caption.heightForWidth(caption.width()) <= line + 2, (caption.text(), caption.width())
    assert panel.used_caption.geometry().bottom() == panel.remaining_caption.geometry().bottom()


def test_kiosk_section_titles_read_from_the_saw(window_for: Any) -> None:
    """At least 18 px of label height, 20 px type (the theme's 13 pt gave 'Saw state this shift' 12 px of ink)."""
    _window, page = window_for("tr", True, False)
    titles = [label for label in page.findChildren(QLabel, "SectionTitle") if label.isVisible()]
    assert titles
    for label in titles:
        assert label.fontInfo().pixelSize() >= 20 and label.height() >= 18, (label.text(), label.fontInfo().pixelSize())
        ink = QFontMetrics(label.font()).tightBoundingRect(label.text()).height()
        assert ink >= 14, (label.text(), ink)


def test_a_blank_oee_says_why_beside_its_parts(window_for: Any) -> None:
    """Performance 110 % (cut faster than the chart or preset speed): core gives no OEE (the product
    would overstate it, core.production.values.DEFINITIONS); the tile says so where the dash is."""
    _window, page = window_for("en", False, False)
    assert page.oee.text() == "—"
    assert [plain_text(value.text()) for value in page.part_values] == ["77 %", "110 %", "75 %"]
    assert page.oee_tile.note.isVisible()
    assert page.oee_tile.note.text() == "not given: performance above 100 % would overstate it"
    assert "faster" in page.tiles[4].note.text()  # Performance's own note
    assert page.tiles[3].note.text() == "" and not page.tiles[3].note.isVisible()
    known = report(0, "Early 2026-12-03", performance=0.9)
    assert known.oee is not None and oee_note(known) == ""
