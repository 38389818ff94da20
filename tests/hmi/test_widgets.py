"""Widgets on the StandInEngine: values shown, staleness greyed, lamps, banner, keypad."""

from __future__ import annotations

import time

from PySide6.QtWidgets import QApplication
from pytestqt.qtbot import QtBot

from core.analysis.alarms import Priority
from core.testing.standin_engine import StandInEngine
from hmi.bridge import EngineBridge
from hmi.formatting import plain_text
from hmi.widgets.banners import AlarmBanner, LinkBanner
from hmi.widgets.keypad import NumericEntry, NumericKeypad, parse_number
from hmi.widgets.status_lamp import LampState, StatusLamp
from hmi.widgets.value_tile import ValueTile


def test_tile_shows_value_with_register_resolution(
    qtbot: QtBot, bridge: EngineBridge, fake_engine: StandInEngine
) -> None:
    tile = ValueTile(bridge, "band_current", title="Band current")
    qtbot.addWidget(tile)
    assert tile.state == "nodata"
    fake_engine.push({"band_current": 14.25})
    QApplication.processEvents()  # the bridge shows it after the poll cycle
    assert tile.text() == "14.2" or tile.text() == "14.3"  # scale 0.1: one decimal
    fake_engine.push({"band_current": 15.0})
    QApplication.processEvents()  # the bridge shows it after the poll cycle
    assert tile.text() == "15.0"
    assert tile.unit_label.text() == "A"
    assert tile.state == "normal"


def test_tile_shows_target_beside_actual(qtbot: QtBot, bridge: EngineBridge, fake_engine: StandInEngine) -> None:
    tile = ValueTile(bridge, "cutting_speed_actual", target="cutting_speed")
    qtbot.addWidget(tile)
    fake_engine.push({"cutting_speed_actual": 69.8, "cutting_speed": 70})
    QApplication.processEvents()  # the bridge shows it after the poll cycle
    assert tile.text() == "69.8"
    assert tile.target_label.text() == "target 70.0"  # at the resolution of the actual


def test_tile_greys_stale_value_with_its_age(qtbot: QtBot, bridge: EngineBridge, fake_engine: StandInEngine) -> None:
    tile = ValueTile(bridge, "band_torque")
    qtbot.addWidget(tile)
    now = time.monotonic()
    fake_engine.push({"band_torque": 50.0}, monotonic=now)
    QApplication.processEvents()  # the bridge shows it after the poll cycle
    bridge.tick.emit(now + 0.5)
    assert tile.state == "normal" and tile.age_label.text() == ""
    bridge.tick.emit(now + 2.5)  # older than hmi.stale_after_s (1 s)
    assert tile.state == "stale"
    assert tile.text() == "50.0"  # the last value stays, greyed
    assert plain_text(tile.age_label.text()) == "2.5 s old"
    fake_engine.push({"band_torque": 51.0}, monotonic=now + 2.6)
    QApplication.processEvents()  # the bridge shows it after the poll cycle
    assert tile.state == "normal"


def test_failed_poll_keeps_last_value_greyed(qtbot: QtBot, bridge: EngineBridge, fake_engine: StandInEngine) -> None:
    tile = ValueTile(bridge, "band_torque")
    qtbot.addWidget(tile)
    fake_engine.push({"band_torque": 40.0})
    QApplication.processEvents()  # the bridge shows it after the poll cycle
    fake_engine.fail()
    QApplication.processEvents()  # the bridge shows it after the poll cycle
    assert tile.state == "stale" and tile.text() == "40.0"
    assert not bridge.link_ok


def test_lamp_states_are_spelled_out(qtbot: QtBot) -> None:
    lamp = StatusLamp("PLC")
    qtbot.addWidget(lamp)
    lamp.set_state(LampState.FAULT, "LINK LOST")
    assert lamp.state is LampState.FAULT
    assert lamp.text() == "PLC: LINK LOST"
    assert lamp.minimumHeight() >= 48


def test_link_banner_follows_the_link(qtbot: QtBot, bridge: EngineBridge, fake_engine: StandInEngine) -> None:
    banner = LinkBanner(bridge)
    qtbot.addWidget(banner)
    fake_engine.push()
    QApplication.processEvents()  # the bridge shows it after the poll cycle
    bridge.refresh()
    assert banner.isHidden()
    fake_engine.fail()
    QApplication.processEvents()  # the bridge shows it after the poll cycle
    assert not banner.isHidden()  # at once, not at the next status tick
    bridge.refresh()
    assert "PLC LINK LOST" in banner.text() and "connection refused" in banner.text()
    fake_engine.recover()
    fake_engine.push()
    QApplication.processEvents()  # the bridge shows it after the poll cycle
    bridge.refresh()
    assert banner.isHidden()


def test_alarm_banner_shows_newest_active_alarm(qtbot: QtBot, bridge: EngineBridge, fake_engine: StandInEngine) -> None:
    clock = [1000.0]
    fake_engine.alarms._clock = lambda: clock[0]
    banner = AlarmBanner(bridge)
    qtbot.addWidget(banner)
    assert banner.text() == "No active alarms"
    fake_engine.alarms.update("a.one", True, "Coolant low", priority=Priority.LOW)
    QApplication.processEvents()  # the bridge delivers alarm events queued
    clock[0] += 5
    fake_engine.alarms.update("a.two", True, "Torque above limit", priority=Priority.HIGH)
    QApplication.processEvents()  # the bridge delivers alarm events queued
    assert "Torque above limit" in banner.text()
    assert banner.property("state") == "high"
    assert banner.count_label.text() == "2 active"
    fake_engine.alarms.update("a.two", False, "Torque above limit")
    QApplication.processEvents()  # the bridge delivers alarm events queued
    fake_engine.alarms.acknowledge("a.two", "op")  # returned + acknowledged -> normal
    QApplication.processEvents()  # the bridge delivers alarm events queued
    assert "Coolant low" in banner.text()


def test_keypad_entry(qtbot: QtBot) -> None:
    keypad = NumericKeypad("Descent speed", initial="30", limits="1 … 60 mm/min")
    qtbot.addWidget(keypad)
    entered: list[float] = []
    keypad.entered.connect(entered.append)
    for key in ("4", "2", ".", "5", "⌫", "7"):
        keypad.press(key)
    assert keypad.text() == "42.7"
    keypad.press("±")
    assert keypad.value() == -42.7
    keypad.press("±")
    assert min(b.minimumHeight() for b in keypad.keys.values()) >= 48
    keypad.keys["OK"].click()
    assert entered == [42.7]


def test_keypad_rejects_nonsense() -> None:
    assert parse_number("1e400") is None
    assert parse_number("abc") is None
    assert parse_number("3,5") == 3.5


def test_kiosk_entry_opens_keypad_on_tap(qtbot: QtBot) -> None:
    entry = NumericEntry("New value", kiosk=True)
    qtbot.addWidget(entry)
    entry.show()
    assert entry.isReadOnly()
    from PySide6.QtCore import Qt

    qtbot.mouseClick(entry, Qt.MouseButton.LeftButton)
    keypad = entry.keypad
    assert keypad is not None and keypad.isVisible()
    got: list[float] = []
    entry.value_entered.connect(got.append)
    for key in ("5", "5", "OK"):
        keypad.press(key)
    assert entry.text() == "55" and got == [55.0]
    assert entry.keypad is None
