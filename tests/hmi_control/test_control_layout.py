"""The control page never moves under the operator's finger: the ML confirmation is a non-modal dialog,
messages have a fixed place, touch sizes hold in kiosk mode, and the texts follow the language."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest
from control_helpers import make_bridge
from hmi_testing import kiosk_sized
from PySide6.QtCore import QPoint, QRect, Qt
from PySide6.QtWidgets import QApplication, QLabel, QWidget
from pytestqt.qtbot import QtBot

from core.api import Role
from core.security.testing import login_as
from core.testing.standin_engine import StandInEngine
from hmi.i18n import Translator
from hmi.kiosk import touch_violations
from hmi.pages.control import ControlPage
from hmi.session import Session
from hmi.theme import apply_theme

pytestmark = pytest.mark.gui


@pytest.fixture
def shown(qtbot: QtBot, engine_with_model: StandInEngine) -> Iterator[ControlPage]:
    login_as(engine_with_model.access, "anna", Role.ENGINEER)
    bridge = make_bridge(engine_with_model)
    page = ControlPage(bridge, engine_with_model, session=Session("anna", kiosk=False))
    qtbot.addWidget(page)
    page.resize(1280, 700)
    page.show()
    qtbot.waitExposed(page)
    yield page
    page.stop()
    bridge.detach()


def _where(widget: QWidget) -> QRect:
    return QRect(widget.mapTo(widget.window(), QPoint(0, 0)), widget.size())


def test_asking_for_ml_moves_nothing_and_the_next_tap_lands_where_aimed(
    qtbot: QtBot, shown: ControlPage, engine_with_model: StandInEngine
) -> None:
    page = shown
    before = {name: _where(w) for name, w in (("tabs", page.tabs), ("toggle", page.toggle),
                                             ("features", page.features), ("tabbar", page.tabs.tabBar()))}
    assert page.request_ml_on()
    QApplication.processEvents()
    dialog = page.confirm_dialog
    assert dialog is not None and dialog.isVisible()
    assert not dialog.isModal()  # no nested event loop inside qasync
    assert dialog.isWindow()  # floats over the page, takes no room in its layout
    assert {name: _where(w) for name, w in (("tabs", page.tabs), ("toggle", page.toggle),
                                           ("features", page.features), ("tabbar", page.tabs.tabBar()))} == before
    # A tap on the second tab where it was before the question: it reaches that tab.
    bar = page.tabs.tabBar()
    qtbot.mouseClick(bar, Qt.MouseButton.LeftButton, pos=bar.tabRect(1).center())
    assert page.tabs.currentIndex() == 1
    # A refusal message appears in its reserved place: still nothing moves.
    dialog.no_button.click()
    page.engine.settings.ml.model_path = None
    page._say("refused", "ML refused: a long reason " * 6)
    QApplication.processEvents()
    assert page.message.isVisible()
    assert _where(page.tabs) == before["tabs"] and _where(page.features) == before["features"]
    assert engine_with_model.control is not None and engine_with_model.control.mode.value == "manual"


def test_a_second_request_brings_the_same_question_forward(shown: ControlPage) -> None:
    assert shown.request_ml_on()
    first = shown.confirm_dialog
    assert shown.request_ml_on()
    assert shown.confirm_dialog is first
    shown.switch_ml_off()  # the safe direction closes the question
    assert shown.confirm_dialog is None


def test_kiosk_touch_sizes_with_the_dialog_open(qtbot: QtBot, qapp: QApplication,
                                                 engine_with_model: StandInEngine) -> None:
    login_as(engine_with_model.access, "anna", Role.OPERATOR)
    apply_theme(qapp)
    bridge = make_bridge(engine_with_model)
    page = ControlPage(bridge, engine_with_model, session=Session("anna", kiosk=True))
    qtbot.addWidget(page)
    try:
        with kiosk_sized(qtbot, qapp, page, 1280, 700):
            page.refresh()
            assert page.decisions_tab.view.verticalHeader().defaultSectionSize() >= 48
            assert page.decisions_tab.view.horizontalHeader().height() <= 2 * 48  # two-line headers, no more
            assert page.request_ml_on()
            dialog = page.confirm_dialog
            assert dialog is not None
            QApplication.processEvents()
            problems = [str(v) for v in touch_violations(page)] + [f"dialog: {v}" for v in touch_violations(dialog)]
            assert problems == []
    finally:
        page.stop()
        bridge.detach()


def test_turkish_texts_and_back(shown: ControlPage, qapp: QApplication, tmp_path: Path) -> None:
    translator = Translator.install(qapp, cache=tmp_path)
    try:
        assert translator.switch("tr")
        QApplication.processEvents()
        assert shown.tabs.tabText(0) == "Kararlar"
        assert shown.mode_label.text() == "MANUEL"
        assert shown.toggle.text() == "ML'yi aç"
        assert shown.guard_panel.apply_button.text() == "Uygula"
        assert shown.model_panel.load_button.text() == "Seçili modeli yükle"
        assert shown.decisions.headerData(0, Qt.Orientation.Horizontal) == "Zaman"
        header = shown.features.horizontalHeaderItem(0)
        assert header is not None and header.text() == "Model girdisi"
        assert shown.request_ml_on()
        dialog = shown.confirm_dialog
        assert dialog is not None and dialog.yes_button.text() == "Evet, ML'yi aç"
        shown.cancel_confirmation()
    finally:
        translator.switch("en")
    QApplication.processEvents()
    assert shown.tabs.tabText(0) == "Decisions" and shown.toggle.text() == "Switch ML on"
    assert shown.guard_panel.apply_button.text() == "Apply"


def test_kiosk_texts_are_a_whole_line_tall(qtbot: QtBot, qapp: QApplication, engine_with_model: StandInEngine,
                                           tmp_path: Path) -> None:
    """'daha yavaş' under the model output bar read 'daha vavas' at a real Turkish kiosk (#15 review): the
    bar's scale had a fixed 16 px row. Every shown text box on the page, the bar's scale included, is at
    least one line of its own font tall."""
    from hmi.widgets.control_output import CoefficientBar

    login_as(engine_with_model.access, "anna", Role.OPERATOR)
    apply_theme(qapp)
    bridge = make_bridge(engine_with_model)
    page = ControlPage(bridge, engine_with_model, session=Session("anna", kiosk=True))
    qtbot.addWidget(page)
    translator = Translator.install(qapp, cache=tmp_path)
    try:
        translator.switch("tr")
        with kiosk_sized(qtbot, qapp, page, 1280, 700):
            page.refresh()
            QApplication.processEvents()
            bar = page.coefficient_bar
            assert isinstance(bar, CoefficientBar)
            line = bar.fontMetrics().height()
            scale = bar.label_rect()
            assert line > 16 and scale.height() >= line and scale.bottom() <= bar.height(), (line, scale)
            short = [f"{w.objectName() or type(w).__name__} {w.text()!r}: {w.height()} < {w.fontMetrics().height()}"
                     for w in page.findChildren(QLabel) if w.isVisible() and w.text().strip()
                     and w.height() < w.fontMetrics().height()]
            assert short == []
    finally:
        translator.switch("en")
        page.stop()
        bridge.detach()
