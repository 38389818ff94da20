"""The control page uses its room: no empty band between the top strip and the tables (a 44 px
message line was kept there for a message shown now and then), the message beside the tabs where
it moves nothing, every model input in view in kiosk (7 of 17 at 56 px touch rows: the rows are
read, never tapped), and kiosk box titles that read from the saw ("Kontrol modu" had 10 px of ink).
"""

from __future__ import annotations

from collections.abc import Iterator

import pytest
from control_helpers import make_bridge
from PySide6.QtCore import QPoint, QRect
from PySide6.QtGui import QFontMetrics
from PySide6.QtWidgets import QApplication, QLabel, QMainWindow, QWidget
from pytestqt.qtbot import QtBot

from core.api import Role
from core.security.testing import login_as
from core.testing.standin_engine import StandInEngine
from hmi.kiosk import apply_touch_sizes, touch_violations
from hmi.pages.control import ControlPage
from hmi.session import Session
from hmi.theme import apply_theme

pytestmark = pytest.mark.gui

PAGE = (1280, 713)  # the page's room in the 1280x800 kiosk window (navigation and status bars off)
INPUTS = tuple(f"input_{i}" for i in range(17))


@pytest.fixture(params=[False, True], ids=["desktop", "kiosk"])
def window(
    request: pytest.FixtureRequest, qtbot: QtBot, qapp: QApplication, engine_with_model: StandInEngine
) -> Iterator[ControlPage]:
    """The page in a themed main window as hmi.main_window shows it (kiosk: its property and touch sizes)."""
    kiosk = bool(request.param)
    login_as(engine_with_model.access, "anna", Role.OPERATOR)
    apply_theme(qapp)
    bridge = make_bridge(engine_with_model)
    main = QMainWindow()
    main.setProperty("kiosk", "true" if kiosk else "false")
    page = ControlPage(bridge, engine_with_model, session=Session("anna", kiosk=kiosk))
    main.setCentralWidget(page)
    main.resize(*PAGE)
    if kiosk:
        apply_touch_sizes(main, True)
    main.show()
    qtbot.waitExposed(main)
    try:
        yield page
    finally:
        page.stop()
        bridge.detach()
        apply_touch_sizes(main, False)
        main.close()
        main.deleteLater()
        qapp.setStyleSheet("")
        qapp.processEvents()


def _where(widget: QWidget) -> QRect:
    return QRect(widget.mapTo(widget.window(), QPoint(0, 0)), widget.size())


def test_the_tables_follow_the_top_strip(window: ControlPage) -> None:
    page = window
    assert not page.handover.isVisible()
    mode_box = page.mode_label.parentWidget()
    assert mode_box is not None
    strip_bottom = max(_where(box).bottom() for box in (mode_box, page.switch_box))
    gap = _where(page.inputs_box).top() - strip_bottom - 1
    assert 0 <= gap <= 12, gap
    assert _where(page.tabs).top() == _where(page.inputs_box).top()


def test_the_message_stands_beside_the_tabs_and_moves_nothing(window: ControlPage, qapp: QApplication) -> None:
    page = window
    before = {
        name: _where(w)
        for name, w in (
            ("tabs", page.tabs),
            ("features", page.features),
            ("toggle", page.toggle),
            ("tabbar", page.tabs.tabBar()),
        )
    }
    page._say("refused", "ML refused: the PLC link is down")
    qapp.processEvents()
    message, bar = _where(page.message), _where(page.tabs.tabBar())
    assert page.message.isVisible()
    assert message.left() > bar.right() and message.top() >= bar.top() and message.bottom() <= bar.bottom()
    assert message.right() <= _where(page.tabs).right()
    assert page.message.shown_text() == "ML refused: the PLC link is down"
    long = "ML refused: " + "a long reason that goes on and on " * 8
    page._say("refused", long)
    qapp.processEvents()
    assert page.message.shown_text().endswith("…") and page.message.toolTip() == long
    after = {
        name: _where(w)
        for name, w in (
            ("tabs", page.tabs),
            ("features", page.features),
            ("toggle", page.toggle),
            ("tabbar", page.tabs.tabBar()),
        )
    }
    assert after == before
    page._say("none", "")
    assert not page.message.isVisible()


def test_every_model_input_in_view(window: ControlPage, qapp: QApplication) -> None:
    page = window
    page.features.set_features(INPUTS, {name: float(i) for i, name in enumerate(INPUTS)}, held=False)
    qapp.processEvents()
    table = page.features
    assert table.rowCount() == 17
    assert table.verticalScrollBar().maximum() == 0, table.verticalScrollBar().maximum()
    line = table.fontMetrics().height()
    assert all(table.rowHeight(row) >= line for row in range(17))
    assert touch_violations(page) == []  # read-only rows are no touch targets; the rest still holds


def test_kiosk_box_titles_read_from_the_saw(window: ControlPage) -> None:
    page = window
    titles = [label for label in page.findChildren(QLabel, "BoxTitle") if label.isVisible()]
    assert len(titles) >= 5
    if page.session.kiosk:
        for label in titles:
            ink = QFontMetrics(label.font()).tightBoundingRect(label.text()).height()
            assert label.fontInfo().pixelSize() >= 20 and label.height() >= 18 and ink >= 14, (label.text(), ink)
