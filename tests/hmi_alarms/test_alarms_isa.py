"""The alarms page against ISA-18.2 / ISA-101 (issue #15): one count with the banner and the status bar,
acknowledge from the banner, cleared-unacknowledged apart from live alarms, priority by shape and
number, the engineer queue, an empty table that says so, kiosk sizes and Turkish."""

from __future__ import annotations

from pathlib import Path

import pytest
from hmi_testing import Clock, kiosk_sized
from PySide6.QtCore import Qt
from PySide6.QtGui import QImage
from PySide6.QtWidgets import QApplication
from pytestqt.qtbot import QtBot

from core.analysis.alarm_policy import AlarmPolicy
from core.analysis.alarms import AlarmState, Priority
from core.config import Settings
from core.registers import RegisterMap
from core.security.permissions import Role
from core.security.testing import login_as
from core.testing.standin_engine import StandInEngine
from hmi.bridge import EngineBridge
from hmi.i18n import Translator
from hmi.kiosk import touch_violations
from hmi.pages.alarms import ACTIVE, ENGINEER, AlarmsPage
from hmi.theme import apply_theme
from hmi.widgets.alarm_strip import AlarmStrip
from hmi.widgets.alarm_table import AlarmTableModel, priority_icon
from hmi.widgets.status_bar import HmiStatusBar

pytestmark = pytest.mark.gui


@pytest.fixture
def alarm_engine(settings: Settings, register_map: RegisterMap, clock: Clock) -> StandInEngine:
    """Here (over conftest's): the stand-in with the engine's alarm policy: configured priorities,
    texts, groups, engineer queue. conftest's alarm_bridge attaches to it."""
    units = {register.name: register.unit for register in register_map}
    return StandInEngine(settings, register_map, clock=clock, alarm_policy=AlarmPolicy.from_settings(settings, units))


@pytest.fixture
def engine(alarm_engine: StandInEngine) -> StandInEngine:
    return alarm_engine


@pytest.fixture
def bridge(alarm_bridge: EngineBridge) -> EngineBridge:
    return alarm_bridge


@pytest.fixture
def page(qtbot: QtBot, bridge: EngineBridge, engine: StandInEngine) -> AlarmsPage:
    page = AlarmsPage(bridge, engine)
    page.set_user(login_as(engine.access, "alice", Role.OPERATOR))
    qtbot.addWidget(page)
    page.resize(1280, 700)
    page.show()
    qtbot.waitExposed(page)
    return page


def _deliver() -> None:
    QApplication.processEvents()  # the bridge delivers alarm events queued


def _keys(model: AlarmTableModel) -> list[str | None]:
    return [model.key_at(r) for r in range(model.rowCount())]


def test_banner_page_and_status_bar_count_alike(qtbot: QtBot, page: AlarmsPage, engine: StandInEngine,
                                               bridge: EngineBridge, clock: Clock) -> None:
    strip = AlarmStrip(engine.alarm_summary, lambda key: engine.acknowledge_alarm(page.session.actor(), key))
    status = HmiStatusBar(bridge, "alice")
    for widget in (strip, status):
        qtbot.addWidget(widget)
    bridge.alarms_changed.connect(lambda _alarms: strip.refresh())
    alarms = engine.alarms
    alarms.update("modbus.link_lost", True, "no answer")  # configured critical
    clock.now += 1
    alarms.update("storage.disk_low", True, "disk 96 % full", priority=Priority.HIGH)
    clock.now += 1
    alarms.update("x.medium", True, "something", priority=Priority.MEDIUM)
    _deliver()
    engine.acknowledge_alarm(page.session.actor(), "storage.disk_low")  # active, acknowledged
    alarms.update("modbus.link_lost", False, "back")  # cleared, not acknowledged
    alarms.shelve("x.medium", "alice", 600, "known")
    _deliver()
    counts = engine.alarm_summary()
    assert (counts.active_unacknowledged, counts.active_acknowledged, counts.cleared_unacknowledged,
            counts.shelved) == (0, 1, 1, 1)
    assert page.summary_label.text() == strip.count_label.text() == "1 acknowledged · 1 cleared · 1 shelved"
    assert page.tabs.tabText(ACTIVE) == "Alarms (2)"
    assert status.alarms.text() == "alarms 2 (1 unacknowledged)"
    assert _keys(page.active_model) == ["modbus.link_lost", "storage.disk_low"]
    # The whole text and what to do, readable without hovering (the table cells are elided).
    link = engine.alarms.get("modbus.link_lost")
    assert link is not None and page.detail_label.text().startswith(link.text_for("en"))
    page.active_view.selectRow(1)
    disk = engine.alarms.get("storage.disk_low")
    assert disk is not None and disk.response_for("en") in page.detail_label.text()


def test_acknowledge_from_the_banner_shows_on_the_page(page: AlarmsPage, engine: StandInEngine,
                                                       bridge: EngineBridge, qtbot: QtBot) -> None:
    login_as(engine.access, "alice", Role.OPERATOR)
    strip = AlarmStrip(engine.alarm_summary, lambda key: engine.acknowledge_alarm(page.session.actor(), key))
    qtbot.addWidget(strip)
    page.session.user = "alice"
    engine.alarms.update("modbus.link_lost", True, "no answer")
    _deliver()
    strip.refresh()
    assert strip.ack_button.isVisible() or strip.ack_button.isVisibleTo(strip)
    strip.acknowledge_shown()
    _deliver()
    alarm = engine.alarms.get("modbus.link_lost")
    assert alarm is not None and alarm.state is AlarmState.ACKNOWLEDGED
    model = page.active_model
    assert model.data(model.index(0, AlarmTableModel.STATE)) == "Active, acknowledged"
    assert page.summary_label.text() == "1 acknowledged"


def test_cleared_unacknowledged_is_not_shown_like_a_live_alarm(page: AlarmsPage, engine: StandInEngine,
                                                               clock: Clock, qtbot: QtBot) -> None:
    engine.alarms.update("x.live", True, "live", priority=Priority.HIGH)
    clock.now += 1
    engine.alarms.update("x.gone", True, "gone", priority=Priority.HIGH)
    engine.alarms.update("x.gone", False, "gone")
    _deliver()
    model = page.active_model
    live, gone = model.row_of("x.live"), model.row_of("x.gone")
    assert model.data(model.index(gone, AlarmTableModel.STATE)) == "Cleared, not acknowledged"
    assert model.data(model.index(live, AlarmTableModel.STATE)) == "Active, not acknowledged"
    assert model.icon_style(model.alarms[gone]) == "hollow"  # an outline, never solid like a live alarm
    assert model.data(model.index(gone, AlarmTableModel.TEXT), Qt.ItemDataRole.ForegroundRole).color().name() \
        == "#5f6366"
    assert model.data(model.index(gone, AlarmTableModel.TEXT), Qt.ItemDataRole.FontRole) is None
    # The live unacknowledged one flashes (filled / hollow); the cleared one stays an outline.
    assert page.flash.isActive()
    styles = set()
    for _ in range(2):
        page._toggle_flash()
        styles.add(model.icon_style(model.alarms[live]))
        assert model.icon_style(model.alarms[gone]) == "hollow"
    assert styles == {"filled", "hollow"}
    engine.acknowledge_alarm(page.session.actor(), "x.live")
    _deliver()
    assert not page.flash.isActive() and model.icon_style(model.alarms[model.row_of("x.live")]) == "filled"
    page.hide()
    assert not page.flash.isActive()


def _mask(priority: Priority) -> QImage:
    image = priority_icon(priority, "filled").pixmap(30, 30).toImage()
    return image.convertToFormat(QImage.Format.Format_Alpha8)


def test_priority_is_shape_and_number_not_colour_alone() -> None:
    masks = {p: _mask(p) for p in Priority}
    shapes = {bytes(m.constBits()) for m in masks.values()}
    assert len(shapes) == 4  # four outlines: told apart without any colour
    model = AlarmTableModel()
    from core.analysis.alarms import Alarm

    model.set_alarms([Alarm(f"k{p}", "t", p, "s", state=AlarmState.UNACKNOWLEDGED, condition=True) for p in Priority])
    texts = [model.data(model.index(r, 0)) for r in range(4)]
    assert texts == ["1 Critical", "2 High", "3 Medium", "4 Low"]


def test_engineer_queue_for_engineers_only(page: AlarmsPage, engine: StandInEngine, qtbot: QtBot) -> None:
    engine.alarms.update("anomaly.hydraulic_temp", True, "zscore 5.1 > 4", value=61.0)
    _deliver()
    assert engine.alarm_summary().newest is None  # never the banner's
    assert page.active_model.rowCount() == 0 and page.summary_label.text() == "No alarms"
    assert not page.tabs.isTabVisible(ENGINEER)  # alice is an operator
    page.set_user(login_as(engine.access, "erin", Role.ENGINEER))
    assert page.tabs.isTabVisible(ENGINEER)
    assert page.tabs.tabText(ENGINEER) == "Engineer queue (1)"
    assert page.summary_label.text() == "No alarms · engineer queue 1"
    assert _keys(page.engineer_model) == ["anomaly.hydraulic_temp"]
    page.tabs.setCurrentIndex(ENGINEER)
    page.engineer_view.selectRow(0)
    assert page.engineer_ack_button.isEnabled()
    assert page.acknowledge_engineer_selected()
    item = engine.alarms.get("anomaly.hydraulic_temp")
    assert item is not None and item.state is AlarmState.ACKNOWLEDGED
    page.set_user(login_as(engine.access, "alice", Role.OPERATOR))
    assert not page.tabs.isTabVisible(ENGINEER) and page.tabs.currentIndex() == ACTIVE
    # A login over the page (the window's session changes, no alarm changes): the tab follows at once.
    page._user = None
    page.session.user = "erin"
    login_as(engine.access, "erin", Role.ENGINEER)
    QApplication.processEvents()
    assert page.tabs.isTabVisible(ENGINEER)
    page.stop()


def test_an_empty_table_says_so_with_sane_columns(page: AlarmsPage, engine: StandInEngine) -> None:
    _deliver()
    view, hint = page.active_view, page.active_hint
    assert hint.isVisible() and hint.text() == "No alarms"
    assert hint.geometry() == view.viewport().rect()
    header = view.horizontalHeader()
    widths = [header.sectionSize(c) for c in range(page.active_model.columnCount())]
    metrics = view.fontMetrics()
    assert widths[AlarmTableModel.RAISED] >= metrics.horizontalAdvance("2026-12-31 23:59:59")
    assert widths[AlarmTableModel.STATE] >= metrics.horizontalAdvance("Cleared, not acknowledged")
    assert widths[AlarmTableModel.TEXT] >= 200 and widths[AlarmTableModel.RESPONSE] >= 150
    assert sum(widths) <= view.viewport().width() + 2  # no horizontal scrolling on a 1280 px page
    for other in (page.shelved_hint, page.history.history_hint):
        assert other.text()
    engine.alarms.update("x.one", True, "one")
    _deliver()
    assert not hint.isVisible()
    assert [header.sectionSize(c) for c in range(page.active_model.columnCount())] == widths  # rows move nothing


def test_kiosk_sizes(qtbot: QtBot, qapp: QApplication, bridge: EngineBridge, engine: StandInEngine,
                     clock: Clock) -> None:
    apply_theme(qapp)
    page = AlarmsPage(bridge, engine)
    page.set_user(login_as(engine.access, "erin", Role.ENGINEER))
    qtbot.addWidget(page)
    with kiosk_sized(qtbot, qapp, page, 1280, 700):
        for i, priority in enumerate(Priority):
            engine.alarms.update(f"x.{i}", True, f"alarm {i}", priority=priority)
            clock.now += 1
        _deliver()
        # Rows are touch-sized; the header is not (it was 164 px: the row rule hit the header view too).
        assert page.active_view.rowHeight(0) >= 48
        assert 48 <= page.active_view.horizontalHeader().height() <= 72
        # The kiosk font is larger: the time column is measured again and shows the whole time.
        metrics = page.active_view.fontMetrics()
        width = page.active_view.horizontalHeader().sectionSize(AlarmTableModel.RAISED)
        assert width >= metrics.horizontalAdvance("2026-12-02 11:14:55") + 8
        for index in range(page.tabs.count()):
            page.tabs.setCurrentIndex(index)
            QApplication.processEvents()
            assert [str(v) for v in touch_violations(page)] == [], page.tabs.tabText(index)


def test_turkish(page: AlarmsPage, engine: StandInEngine, qapp: QApplication, tmp_path: Path) -> None:
    translator = Translator.install(qapp, cache=tmp_path)
    try:
        assert translator.switch("tr")
        _deliver()
        assert page.summary_label.text() == "Alarm yok"
        assert page.active_hint.text() == "Alarm yok"
        assert page.ack_all_button.text() == "Tümünü onayla"
        engine.alarms.update("modbus.link_lost", True, "no answer")
        _deliver()
        model = page.active_model
        assert model.data(model.index(0, AlarmTableModel.PRIORITY)) == "1 Kritik"
        assert model.data(model.index(0, AlarmTableModel.STATE)) == "Etkin, onaylanmadı"
        assert model.headerData(AlarmTableModel.RESPONSE, Qt.Orientation.Horizontal) == "Ne yapılmalı"
        assert page.summary_label.text() == "1 yeni"
    finally:
        translator.switch("en")
    _deliver()
    assert page.ack_all_button.text() == "Acknowledge all"
