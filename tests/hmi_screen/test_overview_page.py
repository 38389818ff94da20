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
