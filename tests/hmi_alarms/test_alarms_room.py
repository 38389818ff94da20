"""The alarms page on the 1280x800 panel: the alarm and what to do read whole (the table cut them to
"Torque guard slowed the descent: ban…" and "No action needed; if it repeats, choos…" in English
and Turkish), and no empty band: the selected alarm's detail line only when there is an alarm,
the page's message beside the tabs instead of a 48 px line of its own under them."""

from __future__ import annotations

from collections.abc import Iterator

import pytest
from PySide6.QtCore import QPoint, QRect, Qt
from PySide6.QtGui import QFontMetrics
from PySide6.QtWidgets import QApplication, QMainWindow, QStyle, QTableView, QWidget
from pytestqt.qtbot import QtBot

from core.analysis.alarms import Priority
from core.security.permissions import Role
from core.security.testing import login_as
from core.testing.standin_engine import StandInEngine
from hmi.bridge import EngineBridge
from hmi.i18n import Translator
from hmi.kiosk import apply_touch_sizes
from hmi.pages.alarms import AlarmsPage
from hmi.theme import apply_theme
from hmi.widgets.alarm_table import AlarmTableModel

pytestmark = pytest.mark.gui

PAGE = (1280, 713)  # the page's room in the 1280x800 kiosk window


@pytest.fixture(params=[False, True], ids=["desktop", "kiosk"])
def kiosk(request: pytest.FixtureRequest) -> bool:
    return bool(request.param)


@pytest.fixture(params=["en", "tr"])
def lang(request: pytest.FixtureRequest, qapp: QApplication, tmp_path_factory: pytest.TempPathFactory) -> Iterator[str]:
    translator = Translator.install(qapp, cache=tmp_path_factory.mktemp("qm"))
    assert translator.switch(str(request.param))
    yield str(request.param)
    translator.switch("en")


@pytest.fixture
def page(
    qtbot: QtBot, qapp: QApplication, alarm_bridge: EngineBridge, alarm_engine: StandInEngine, kiosk: bool, lang: str
) -> Iterator[AlarmsPage]:
    apply_theme(qapp)
    main = QMainWindow()
    main.setProperty("kiosk", "true" if kiosk else "false")
    page = AlarmsPage(alarm_bridge, alarm_engine)
    page.set_user(login_as(alarm_engine.access, "alice", Role.OPERATOR))
    main.setCentralWidget(page)
    main.resize(*PAGE)
    if kiosk:
        apply_touch_sizes(main, True)
    main.show()
    qtbot.waitExposed(main)
    try:
        yield page
    finally:
        apply_touch_sizes(main, False)
        main.close()
        main.deleteLater()
        qapp.setStyleSheet("")
        qapp.processEvents()


def _where(widget: QWidget) -> QRect:
    return QRect(widget.mapTo(widget.window(), QPoint(0, 0)), widget.size())


def cut_cells(view: QTableView) -> list[str]:
    """Cells whose text the view cannot show whole: wider than its column on one line, or (wrapping)
    taller than its row."""
    model = view.model()
    margin = 2 * (view.style().pixelMetric(QStyle.PixelMetric.PM_FocusFrameHMargin, None, view) + 1)
    found = []
    for row in range(model.rowCount()):
        for column in (AlarmTableModel.TEXT, AlarmTableModel.RESPONSE):
            text = str(model.data(model.index(row, column), Qt.ItemDataRole.DisplayRole) or "")
            font = model.data(model.index(row, column), Qt.ItemDataRole.FontRole) or view.font()
            metrics = QFontMetrics(font)
            width = view.columnWidth(column) - margin
            if not view.wordWrap():
                if metrics.horizontalAdvance(text) > width:
                    found.append(f"{text!r}: one line of {metrics.horizontalAdvance(text)} px in {width}")
                continue
            needed = metrics.boundingRect(QRect(0, 0, width, 10_000), int(Qt.TextFlag.TextWordWrap), text).height()
            if needed > view.rowHeight(row):
                found.append(f"{text!r}: {needed} px tall in a {view.rowHeight(row)} px row")
    return found


def test_the_alarm_and_what_to_do_read_whole(page: AlarmsPage, alarm_engine: StandInEngine, qapp: QApplication) -> None:
    alarm_engine.alarms.update(
        "control.torque_guard",
        True,
        "Torque guard slowed the descent: band torque 95 %",
        priority=Priority.MEDIUM,
        value=95.0,
    )
    alarm_engine.alarms.update(
        "band_life.low",
        True,
        "Band life low",
        priority=Priority.HIGH,
        value=4.0,
        params={"threshold": 5.0, "detail": "estimated from the rise of the band load"},
    )
    qapp.processEvents()
    qapp.processEvents()
    view = page.active_view
    assert page.active_model.rowCount() == 2
    assert cut_cells(view) == []
    assert all(view.rowHeight(row) >= (56 if page.session.kiosk else 48) - 8 for row in range(2))


def test_no_empty_band_under_the_table(page: AlarmsPage) -> None:
    """No alarm: the table reaches down to the buttons; the page's last widget is the tab widget."""
    assert page.active_model.rowCount() == 0
    assert not page.detail_label.isVisible() and not page.message_label.isVisible()
    gap = _where(page.ack_button).top() - _where(page.active_view).bottom() - 1
    assert gap <= 16, gap
    assert page.height() - (page.tabs.geometry().bottom() + 1) <= 12


def test_the_message_stands_beside_the_tabs(page: AlarmsPage, qapp: QApplication) -> None:
    before = _where(page.active_view), _where(page.ack_button)
    page._say("%1 alarms acknowledged", "3")
    qapp.processEvents()
    message, bar = _where(page.message_label), _where(page.tabs.tabBar())
    assert page.message_label.isVisible() and page.message_label.text()
    assert message.left() > bar.right() and bar.top() <= message.top() and message.bottom() <= bar.bottom()
    assert page.message_label.shown_text() == page.message_label.text()
    assert (_where(page.active_view), _where(page.ack_button)) == before
