"""The overview page: fits the 1280 px panel in both languages, confirmations in dialogs, role-based lamps."""

from __future__ import annotations

from collections.abc import Callable, Iterator
from typing import Any

import pytest
from hmi_testing import checked_qloop
from PySide6.QtWidgets import QApplication

from hmi.bridge import EngineBridge
from hmi.dialogs.confirm import ConfirmDialog
from hmi.i18n import Translator
from hmi.pages.overview import OverviewPage
from hmi.permissions import Action, set_policy
from hmi.session import Session
from hmi.theme import apply_theme
from tests.hmi_screen.panel_fit import close_window


@pytest.fixture
def operator_only() -> Iterator[None]:
    engineer_actions = {Action.CHANGE_CONTROL_SETTINGS, Action.WRITE_REGISTER}
    set_policy(lambda user, action: user != "operator" or action not in engineer_actions)
    yield
    set_policy(None)


def _page(qtbot: object, bridge: EngineBridge, user: str) -> OverviewPage:
    page = OverviewPage(bridge, Session(user, kiosk=True))
    qtbot.addWidget(page)  # type: ignore[attr-defined]
    page.resize(1280, 690)
    page.show()
    return page


def test_operator_sees_what_he_can_use(qtbot: object, bridge: EngineBridge, operator_only: None) -> None:
    page = _page(qtbot, bridge, "operator")
    assert all(b.isVisible() for b in page.preset_buttons.values()) and page.ml_toggle.isVisible()
    assert not any(lamp.isVisible() for lamp in page.lamps.values())  # poll Hz, queue: engineers only
    page.session.user = "eng"
    page.update_role()
    assert all(lamp.isVisible() for lamp in page.lamps.values())


def test_ml_switch_is_confirmed_in_a_dialog_without_moving_the_page(qtbot: object, bridge: EngineBridge,
                                                                    fake_engine: Any) -> None:
    page = _page(qtbot, bridge, "operator")
    page.ml_toggle.setEnabled(True)
    before = [b.geometry() for b in page.preset_buttons.values()]
    page._on_ml_clicked(True)
    dialogs = page.findChildren(ConfirmDialog)
    assert len(dialogs) == 1 and dialogs[0].isVisible()
    assert [b.geometry() for b in page.preset_buttons.values()] == before
    assert not page.ml_toggle.isChecked()  # nothing changes before the answer
    dialogs[0].no_button.click()
    assert fake_engine.status().mode == "manual"


@pytest.mark.parametrize("lang", ["en", "tr"])
def test_fits_the_panel(qtbot: object, bridge: EngineBridge, push: Callable[..., None], qapp: QApplication,
                        tmp_path_factory: pytest.TempPathFactory, lang: str) -> None:
    apply_theme(qapp)
    translator = Translator.install(qapp, cache=tmp_path_factory.mktemp("qm"))
    try:
        translator.switch(lang)
        page = _page(qtbot, bridge, "operator")
        push({"saw_state": 3.0, "head_height": 40.0, "dimension_a": 100.0, "cross_section": 1.0,
                          "dimension_b": 60.0})
        page.ensurePolished()
        assert page.minimumSizeHint().width() <= 1280
        assert page.minimumSizeHint().height() <= 800 - 110  # nav bar, status bar, link banner room
    finally:
        translator.switch("en")
        qapp.setStyleSheet("")


def test_refusals_are_shown_in_the_screens_language(qtbot: object, bridge: EngineBridge, qapp: QApplication,
                                                   tmp_path_factory: pytest.TempPathFactory) -> None:
    """The mode and a preset refused on a Turkish screen: the mode by its name, why in Turkish (core's
    code), not core's English reason ("ml", "erin is not logged in")."""
    translator = Translator.install(qapp, cache=tmp_path_factory.mktemp("qm"))
    try:
        assert translator.switch("tr")
        page = _page(qtbot, bridge, "erin")  # not logged in on the engine
        assert not page.set_mode("ml")
        assert page.message.text() == "Mod ML reddedildi: erin oturum açmamış"
        with checked_qloop(qapp) as loop:
            loop.run(page._apply("slow"))
        assert page.message.text() == "Ön ayar Yavaş uygulanmadı: erin oturum açmamış"
    finally:
        translator.switch("en")


@pytest.mark.parametrize("first", ["tr", "en"])
def test_a_live_switch_leaves_no_word_of_the_other_language(qapp: QApplication, fake_engine: Any,
                                                            translator: Translator, first: str) -> None:
    """Started in Turkish, switched to English: the section's shape ("dikdörtgen") and the lamp
    "Veritabanı: ok" stayed Turkish (composed texts the catalogue cannot map back). Both ways, and
    back: every composed text of the dashboard in the language shown."""
    import asyncio

    from hmi.main_window import MainWindow

    texts = {
        "en": {"shape": "rectangle", "database": "Database: ok", "mode": "Manual: operator's speeds",
               "row": "Band speed", "state": "CUTTING"},
        "tr": {"shape": "dikdörtgen", "database": "Veritabanı: tamam", "mode": "Manuel: operatörün hızları",
               "row": "Şerit hızı", "state": "KESİYOR"},
    }
    assert translator.switch(first)
    apply_theme(qapp)
    window = MainWindow(fake_engine, Session.default(kiosk=False))
    try:
        window.resize(1280, 800)
        window.show()
        fake_engine.access.create_first_admin("alice", "1357", by="test")
        assert asyncio.run(window.sessions.login("alice", "1357")).ok  # the lamps are for engineers
        window.bridge.attach()
        fake_engine.push({"saw_state": 3.0, "head_height": 50.0, "cross_section": 1.0, "dimension_a": 40.0,
                          "dimension_b": 100.0})
        window.bridge.refresh()
        page: Any = window.pages["dashboard"]

        def shown() -> dict[str, str]:
            return {"shape": page.cut.section_label.text().split("\u00a0")[0].split(" ")[0],
                    "database": page.lamps["database"].text(), "mode": page.mode_label.text(),
                    "row": page.cut.rows["cutting_speed_actual"].title.text(),
                    "state": page.cut.state_label.text()}

        assert shown() == texts[first]
        other = "en" if first == "tr" else "tr"
        for lang in (other, first):
            window.language_button.click()
            qapp.processEvents()  # Qt posts LanguageChange to the windows
            assert window.translator_language() == lang
            assert shown() == texts[lang], lang
            window.bridge.refresh()  # a status tick later: still so
            assert shown() == texts[lang], lang
    finally:
        close_window(qapp, window)
