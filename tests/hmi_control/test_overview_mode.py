"""The dashboard says in words who sets the speeds: a reviewer saw ML in control as a darker button only.

The mode line reads "Manual: operator's speeds" or, in ML mode, whether ML controls the speeds now,
waits for the cut or is paused in this cut; framed while ML is on. A change made anywhere (the
dashboard, the Control page, another screen, ML falling back to manual) shows at the next status
tick (<= 2 s).
"""

from __future__ import annotations

from collections.abc import Iterator

import pytest
from control_helpers import make_bridge
from PySide6.QtWidgets import QApplication
from pytestqt.qtbot import QtBot

from core.api import ANONYMOUS_USER, ControllerStatus, UserSession
from core.testing.standin_engine import StandInEngine
from hmi.bridge import EngineBridge
from hmi.i18n import Translator
from hmi.pages.overview import OverviewPage, mode_text
from hmi.session import Session

pytestmark = pytest.mark.gui


@pytest.fixture
def translator(qapp: QApplication, tmp_path_factory: pytest.TempPathFactory) -> Iterator[Translator]:
    translator = Translator.install(qapp, cache=tmp_path_factory.mktemp("qm"))
    yield translator
    translator.switch("en")


@pytest.fixture
def bridge(engine_with_model: StandInEngine) -> Iterator[EngineBridge]:
    bridge = make_bridge(engine_with_model)
    yield bridge
    bridge.detach()
    bridge.deleteLater()


def _page(qtbot: QtBot, bridge: EngineBridge) -> OverviewPage:
    page = OverviewPage(bridge, Session.default(kiosk=True))
    qtbot.addWidget(page)
    page.resize(1280, 690)
    page.show()
    return page


def test_the_mode_is_said_in_words_within_a_status_tick(
    qtbot: QtBot, bridge: EngineBridge, engine_with_model: StandInEngine
) -> None:
    page = _page(qtbot, bridge)
    bridge.refresh()
    assert page.mode_label.isVisible()
    assert page.mode_label.text() == "Manual: operator's speeds" and page.mode_label.property("state") == "manual"
    operator = UserSession.anonymous()
    assert operator.user == ANONYMOUS_USER
    # Switched elsewhere (the Control page, another screen): the dashboard follows on its status tick.
    assert engine_with_model.set_mode(operator, "ml", reason="test").ok
    assert bridge._timer.interval() <= 2000  # the status tick: within two seconds
    bridge.refresh()
    assert page.mode_label.text() == "ML on: waits for the cut"  # not cutting: ML has nothing to set yet
    assert page.mode_label.property("state") == "ml" and page.ml_toggle.isChecked()
    # From the dashboard itself: at once, without waiting for the tick.
    assert page.set_mode("manual")
    assert page.mode_label.text() == "Manual: operator's speeds" and page.mode_label.property("state") == "manual"


def test_the_mode_line_in_each_case_and_in_turkish(qtbot: QtBot, bridge: EngineBridge, translator: Translator) -> None:
    cases = [
        ("manual", None, "Manual: operator's speeds", "Manuel: operatörün hızları"),
        ("ml", ControllerStatus(mode="ml", controlling=True), "ML controls the speeds", "Hızları ML ayarlıyor"),
        ("ml", ControllerStatus(mode="ml"), "ML on: waits for the cut", "ML açık: kesimi bekliyor"),
        (
            "ml",
            ControllerStatus(mode="ml", controlling=True, paused_reason="the operator changed the speeds"),
            "ML paused in this cut",
            "ML bu kesimde duraklatıldı",
        ),
    ]
    page = _page(qtbot, bridge)
    for lang, column in (("en", 2), ("tr", 3)):
        assert translator.switch(lang)
        for mode, control, *texts in cases:
            assert mode_text(mode, control) == texts[column - 2]
            page._show_mode(mode, control)
            assert page.mode_label.text() == texts[column - 2]
