"""The alarms page with pytest-qt (offscreen): order, colours, acknowledge, shelve, history, CSV."""

from __future__ import annotations

import asyncio
import csv
import time
from collections.abc import Callable

import pytest
from hmi_testing import Clock, QLoop
from PySide6.QtCore import Qt
from PySide6.QtWidgets import QApplication, QPushButton
from pytestqt.qtbot import QtBot

from core.analysis.alarms import AlarmState, Priority
from core.security.permissions import Role
from core.security.testing import login_as
from core.storage.logdb import LogWriter
from core.testing.standin_engine import StandInEngine
from hmi.bridge import EngineBridge
from hmi.pages.alarms import PRIORITY_COLOURS, AlarmsPage
from tests.waiting import wait_until

pytestmark = pytest.mark.gui


@pytest.fixture
def page(qtbot: QtBot, alarm_bridge: EngineBridge, alarm_engine: StandInEngine) -> AlarmsPage:
    page = AlarmsPage(alarm_bridge, alarm_engine)
    page.set_user(login_as(alarm_engine.access, "alice", Role.OPERATOR))
    qtbot.addWidget(page)
    page.resize(1280, 800)
    page.show()
    return page


def state(engine: StandInEngine, key: str) -> AlarmState | None:
    alarm = engine.alarms.get(key)
    return None if alarm is None else alarm.state


def raise_three(engine: StandInEngine, clock: Clock,
                deliver: Callable[[], object] = QApplication.processEvents) -> None:
    """Four alarms a second apart; ``deliver`` hands the bridge's queued alarm events to the widgets
    (inside a qasync task pass ``bridge.flush``: processEvents there re-enters the loop)."""
    alarms = engine.alarms
    alarms.update("old.low", True, "Low, oldest", priority=Priority.LOW)
    deliver()
    clock.now += 1
    alarms.update("mid.old", True, "Medium, older", priority=Priority.MEDIUM)
    deliver()
    clock.now += 1
    alarms.update("crit", True, "Critical", priority=Priority.CRITICAL)
    deliver()
    clock.now += 1
    alarms.update("mid.new", True, "Medium, newest", priority=Priority.MEDIUM)
    deliver()


def test_active_list_sorted_and_coloured(page: AlarmsPage, alarm_engine: StandInEngine, clock: Clock) -> None:
    assert page.active_model.rowCount() == 0 and page.summary_label.text() == "No alarms"
    raise_three(alarm_engine, clock)
    model = page.active_model
    assert [model.key_at(r) for r in range(model.rowCount())] == ["crit", "mid.new", "mid.old", "old.low"]
    # Priority by shape + number + name (the icon carries the banner's colour), never a coloured cell alone.
    assert model.data(model.index(0, 0), Qt.ItemDataRole.DisplayRole) == "1 Critical"
    icon = model.data(model.index(0, 0), Qt.ItemDataRole.DecorationRole)
    assert icon is not None and not icon.isNull()
    centre = icon.pixmap(30, 30).toImage().pixelColor(15, 15).name()
    assert centre in (PRIORITY_COLOURS[Priority.CRITICAL][0], "#ffffff")  # the red diamond (its white number)
    assert model.data(model.index(0, 2), Qt.ItemDataRole.BackgroundRole) is None  # text cells stay grey
    assert model.data(model.index(0, 2), Qt.ItemDataRole.FontRole).bold()
    assert page.summary_label.text() == "4 new"

def test_touch_sizes(page: AlarmsPage, alarm_engine: StandInEngine, clock: Clock) -> None:
    raise_three(alarm_engine, clock)
    for button in page.findChildren(QPushButton):
        assert button.minimumHeight() >= 48, button.text()
    assert page.active_view.rowHeight(0) >= 48


def test_acknowledge_selected_and_all(
    page: AlarmsPage, alarm_engine: StandInEngine, clock: Clock, qtbot: QtBot
) -> None:
    raise_three(alarm_engine, clock)
    assert not page.ack_button.isEnabled()
    page.active_view.selectRow(0)
    assert page.ack_button.isEnabled()
    qtbot.mouseClick(page.ack_button, Qt.MouseButton.LeftButton)
    assert state(alarm_engine, "crit") is AlarmState.ACKNOWLEDGED
    selected = page.selected_alarm()
    assert page.active_model.key_at(0) == "crit" and selected is not None and selected.key == "crit"  # selection kept
    assert not page.ack_button.isEnabled()
    alarm_engine.alarms.update("old.low", False, "Low, oldest")
    QApplication.processEvents()  # the bridge delivers alarm events queued
    qtbot.mouseClick(page.ack_all_button, Qt.MouseButton.LeftButton)
    assert alarm_engine.alarms.summary().unacknowledged == 0
    assert [page.active_model.key_at(r) for r in range(page.active_model.rowCount())] == [
        "crit", "mid.new", "mid.old"]  # the cleared one, once acknowledged, is gone


def test_shelve_with_reason_then_expiry(
    page: AlarmsPage, alarm_engine: StandInEngine, clock: Clock, qtbot: QtBot
) -> None:
    raise_three(alarm_engine, clock)
    page.active_view.selectRow(1)
    dialog = page.open_shelve_dialog()
    assert dialog is not None and not dialog.isModal() and dialog.isVisible()
    assert not dialog.shelve_button.isEnabled()  # no reason yet
    dialog.choose("Sensor fault", 0)  # 15 min
    qtbot.mouseClick(dialog.shelve_button, Qt.MouseButton.LeftButton)
    alarm = alarm_engine.alarms.get("mid.new")
    assert alarm is not None and alarm.state is AlarmState.SHELVED and alarm.shelve_reason == "Sensor fault"
    assert "mid.new" not in [page.active_model.key_at(r) for r in range(page.active_model.rowCount())]
    assert page.shelved_model.key_at(0) == "mid.new" and "1 shelved" in page.summary_label.text()
    qtbot.waitUntil(lambda: page.shelve_dialog is None, timeout=5000)
    clock.now += 15 * 60
    alarm_engine.alarms.tick()
    QApplication.processEvents()  # the bridge delivers alarm events queued
    assert state(alarm_engine, "mid.new") is AlarmState.UNACKNOWLEDGED
    assert page.shelved_model.rowCount() == 0
    assert "mid.new" in [page.active_model.key_at(r) for r in range(page.active_model.rowCount())]


def test_unshelve_and_return_to_service(page: AlarmsPage, alarm_engine: StandInEngine, clock: Clock) -> None:
    raise_three(alarm_engine, clock)
    alarm_engine.alarms.shelve("crit", "bob", 600, "maintenance")
    QApplication.processEvents()  # the bridge delivers alarm events queued
    alarm_engine.alarms.remove_from_service("old.low", "bob", "sensor removed")
    QApplication.processEvents()  # the bridge delivers alarm events queued
    page.tabs.setCurrentIndex(1)
    row = page.shelved_model.row_of("crit")
    page.shelved_view.selectRow(row)
    assert page.unshelve_button.isEnabled() and not page.return_button.isEnabled()
    assert page.unshelve_selected()
    page.shelved_view.selectRow(page.shelved_model.row_of("old.low"))
    assert page.return_selected()
    assert page.shelved_model.rowCount() == 0
    assert state(alarm_engine, "crit") is AlarmState.UNACKNOWLEDGED


# The two history tests run on qasync (as the HMI does: the reload timer is Qt's) and never run Qt's
# event loop inside their task: the bridge's alarm events are handed over with bridge.flush() and
# the timer is awaited (wait_until), so no processEvents re-enters the loop and loses a task's step.


def test_history_filters_and_export(
    qtbot: QtBot, qloop: QLoop, alarm_bridge: EngineBridge, alarm_engine: StandInEngine, clock: Clock
) -> None:
    clock.now = time.time() - 600  # inside the page's default period (last 24 h)

    async def log_alarms() -> None:
        writer = LogWriter.from_settings(alarm_engine.settings, alarm_engine.alarms)
        await writer.start()
        try:
            raise_three(alarm_engine, clock, alarm_bridge.flush)
            alarm_engine.alarms.acknowledge("crit", "alice")
            alarm_engine.alarms.shelve("mid.old", "bob", 600, "known")
            alarm_bridge.flush()
        finally:
            await writer.stop()

    qloop.run(log_alarms())
    page = AlarmsPage(alarm_bridge, alarm_engine)
    qtbot.addWidget(page)
    page.set_user(login_as(alarm_engine.access, "erin", Role.ENGINEER))  # exports are an engineer's
    history = page.history

    def rows_after(action: Callable[[], object]) -> int:
        """Do ``action`` on the loop (the history read it starts needs one) and wait for the read."""
        async def act() -> None:
            action()
            await settled(page)
        qloop.run(act())
        return history.history_model.rowCount()

    def show_history() -> None:
        page.show()
        page.tabs.setCurrentIndex(2)  # the tab shown reads the history

    assert rows_after(show_history) == 6
    assert rows_after(lambda: history.priority_combo.setCurrentIndex(1)) == 2  # critical only
    history.priority_combo.setCurrentIndex(0)  # no loop running: no read started (the next one reads)
    rows_after(lambda: history.action_combo.setCurrentIndex(3))  # acknowledged
    assert [e.user for e in history.history_model.entries] == ["alice"]
    history.action_combo.setCurrentIndex(0)
    history.search_edit.setText("medium")
    assert qloop.run(history.load_history()) == 3  # two raises and a shelve
    history.search_edit.setText("")
    target = qloop.run(history.export_history())
    assert target is not None and target.parent == alarm_engine.settings.data_dir / "exports"
    with target.open(encoding="utf-8") as handle:
        rows = list(csv.DictReader(handle))
    assert len(rows) == 6 and {r["alarm_key"] for r in rows} == {"old.low", "mid.old", "crit", "mid.new"}
    assert "Exported 6 rows" in page.message_label.text()
    page.hide()


def test_history_refreshes_by_itself(
    qtbot: QtBot, qloop: QLoop, alarm_bridge: EngineBridge, alarm_engine: StandInEngine, clock: Clock
) -> None:
    """The reviewer's kiosk: the History tab stayed empty until "Refresh" was pressed."""
    clock.now = time.time() - 600
    page = AlarmsPage(alarm_bridge, alarm_engine)
    qtbot.addWidget(page)
    page.set_user(login_as(alarm_engine.access, "alice", Role.OPERATOR))
    history = page.history
    reads: list[object] = []

    async def scenario() -> None:
        page.show()
        page.tabs.setCurrentIndex(2)
        await settled(page)
        assert history.history_model.rowCount() == 0
        page.hide()  # the operator looks at the overview; alarms come and go meanwhile
        writer = LogWriter.from_settings(alarm_engine.settings, alarm_engine.alarms)
        await writer.start()
        try:
            raise_three(alarm_engine, clock, alarm_bridge.flush)
        finally:
            await writer.stop()
        assert not history.reload_timer.isActive()  # hidden: no reads for nobody
        page.show()  # back on the Alarms page, History still the current tab: read without a tap
        await settled(page)
        assert history.history_model.rowCount() == 4
        history.history_model.modelReset.connect(lambda: reads.append(1))
        writer = LogWriter.from_settings(alarm_engine.settings, alarm_engine.alarms)
        await writer.start()
        try:
            for key in ("crit", "mid.new", "mid.old"):  # a burst of transitions while the tab is shown
                alarm_engine.alarms.update(key, False, "gone")
                alarm_bridge.flush()
        finally:
            await writer.stop()
        assert history.reload_timer.isActive() and reads == []  # one read after a pause, not one each
        history.reload_timer.setInterval(1)
        history.reload_timer.start()  # the timer is Qt's: qasync fires it while this task waits
        await wait_until(lambda: reads, "the re-read the timer starts")
        await settled(page)

    qloop.run(scenario())
    assert history.history_model.rowCount() == 7 and len(reads) == 1
    page.hide()


async def test_history_without_log_db(page: AlarmsPage, alarm_engine: StandInEngine) -> None:
    page.tabs.setCurrentIndex(2)
    await settled(page)
    assert page.history.history_model.rowCount() == 0
    assert await page.history.export_history() is None  # alice is an operator: exports are refused, with why
    assert "export needs engineer rights" in page.message_label.text()
    page.set_user(login_as(alarm_engine.access, "erin", Role.ENGINEER))
    assert await page.history.export_history() is not None


async def settled(page: AlarmsPage) -> None:
    """Let the history read a click or a filter change started come back."""
    for _ in range(10):
        task = page.history.history_task
        if task is None or task.done():
            await asyncio.sleep(0)
            if page.history.history_task is task:
                return
            continue
        await task
