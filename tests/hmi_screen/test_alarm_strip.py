"""The ISA-18.2 alarm banner: one count, priority shape + number, flashing only while unacknowledged."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest
from PySide6.QtCore import QPointF, QRectF, Qt
from PySide6.QtWidgets import QApplication, QLabel, QMainWindow, QVBoxLayout, QWidget
from pytestqt.qtbot import QtBot

from core.analysis.alarm_policy import AlarmPolicy
from core.analysis.alarms import AlarmManager, Priority
from core.analysis.messages import load_catalogue
from core.config import PROJECT_ROOT
from hmi.i18n import Translator
from hmi.theme import apply_theme
from hmi.widgets.alarm_strip import AlarmStrip, counts_text, priority_polygon


class Clock:
    now = 1_700_000_000.0

    def __call__(self) -> float:
        return self.now


@pytest.fixture
def alarms() -> AlarmManager:
    catalogue = load_catalogue(PROJECT_ROOT / "config" / "alarm_messages.yaml")
    policy = AlarmPolicy(priorities={"modbus.link_lost": 1, "plc.bit.3": 3}, catalogue=catalogue)
    return AlarmManager(clock=Clock(), policy=policy)


def strip_for(qtbot: object, alarms: AlarmManager) -> AlarmStrip:
    strip = AlarmStrip(alarms.counts, lambda key: alarms.acknowledge(key, "operator"))
    qtbot.addWidget(strip)  # type: ignore[attr-defined]
    alarms.subscribe(lambda _t: strip.refresh())
    return strip


def test_states_flash_ack_cleared(qtbot: object, alarms: AlarmManager) -> None:
    strip = strip_for(qtbot, alarms)
    assert strip.text_label.text() == "No alarms" and not strip.ack_button.isVisibleTo(strip)
    alarms.update("modbus.link_lost", True, "timeout")
    assert strip.property("state") == "unack" and strip.property("priority") == "1" and strip.flashing()
    assert "PLC link lost" in strip.full_text() and strip.response_label.text().startswith("→ Check")
    assert strip.badge.priority is Priority.CRITICAL and not strip.badge.hollow
    assert strip.count_label.text() == "1 new"
    qtbot.waitUntil(lambda: strip.property("flash") == "off", timeout=2000)  # type: ignore[attr-defined]
    strip.show()
    qtbot.mouseClick(strip.ack_button, Qt.MouseButton.LeftButton)  # type: ignore[attr-defined]
    assert strip.property("state") == "ack" and not strip.flashing() and strip.property("flash") == "on"
    assert strip.count_label.text() == "1 acknowledged" and not strip.ack_button.isVisibleTo(strip)
    alarms.update("modbus.link_lost", False, "")
    assert strip.text_label.text() == "No alarms"  # acknowledged and cleared: gone
    alarms.update("modbus.link_lost", True, "timeout")
    alarms.update("modbus.link_lost", False, "")  # cleared before anyone saw it
    assert strip.property("state") == "cleared" and strip.badge.hollow and not strip.flashing()
    assert strip.full_text().endswith("(cleared)") and strip.ack_button.isVisibleTo(strip)
    strip.acknowledge_shown()
    assert strip.alarm is None


def test_counts_are_the_managers_one_definition(qtbot: object, alarms: AlarmManager) -> None:
    strip = strip_for(qtbot, alarms)
    alarms.update("modbus.link_lost", True, "x")
    alarms.update("plc.bit.3", True, "x")
    alarms.acknowledge("plc.bit.3", "op")
    alarms.update("plc.bit.5", True, "x")
    alarms.update("plc.bit.5", False, "x")
    alarms.update("plc.bit.6", True, "x")
    alarms.shelve("plc.bit.6", "op", 60, "sensor")
    counts = alarms.counts()
    assert strip.count_label.text() == counts_text(counts) == "1 new · 1 acknowledged · 1 cleared · 1 shelved"
    assert strip.alarm is not None and strip.alarm.key == "modbus.link_lost"  # highest priority on top


@pytest.mark.parametrize("priority", list(Priority))
def test_each_priority_has_its_own_shape(priority: Priority) -> None:
    box = QRectF(0, 0, 40, 40)
    shape = priority_polygon(priority, box)
    probes = [QPointF(20, 2), QPointF(20, 38), QPointF(2, 20), QPointF(5, 5)]
    rule = Qt.FillRule.OddEvenFill
    inside = tuple(shape.containsPoint(p, rule) for p in probes)
    others = {
        p: tuple(priority_polygon(p, box).containsPoint(x, rule) for x in probes) for p in Priority if p != priority
    }
    assert all(inside != other for other in others.values())


@pytest.fixture
def panel_strip(qtbot: QtBot, qapp: QApplication, alarms: AlarmManager) -> Iterator[AlarmStrip]:
    """The banner as the kiosk dashboard lays it out at 1280x800: themed, 1252 px wide, with its count
    and its Acknowledge button."""
    apply_theme(qapp)
    main = QMainWindow()
    main.setProperty("kiosk", "true")
    strip = AlarmStrip(alarms.counts, lambda key: alarms.acknowledge(key, "operator"))
    alarms.subscribe(lambda _t: strip.refresh())
    holder = QWidget()
    layout = QVBoxLayout(holder)
    layout.setContentsMargins(14, 0, 14, 0)
    layout.addWidget(strip)
    layout.addStretch(1)
    main.setCentralWidget(holder)
    main.resize(1280, 713)
    main.show()
    qtbot.waitExposed(main)
    try:
        yield strip
    finally:
        main.close()
        main.deleteLater()
        qapp.setStyleSheet("")
        qapp.processEvents()


def _shown(label: QLabel) -> str:
    """The headline as drawn (a label without shown_text() drew its text cut at its width, as before)."""
    shown = getattr(label, "shown_text", None)
    if callable(shown):
        return str(shown())
    return label.fontMetrics().elidedText(label.text(), Qt.TextElideMode.ElideRight, label.width())


@pytest.mark.parametrize("lang", ["en", "tr"])
def test_a_cleared_guard_alarm_reads_whole_on_the_panel(
    panel_strip: AlarmStrip, alarms: AlarmManager, qapp: QApplication, tmp_path: Path, lang: str
) -> None:
    """'13:44  Torque guard slowed the descent: band torque 95 % (cl…' on the real kiosk: the headline is
    drawn a little smaller rather than cut (never below 3/4 of its 24 px)."""
    translator = Translator.install(qapp, cache=tmp_path)
    try:
        assert translator.switch(lang)
        alarms.update("control.torque_guard", True, "", value=95.0)
        alarms.update("control.torque_guard", False, "", value=95.0)
        qapp.processEvents()
        label = panel_strip.text_label
        assert label.text().endswith("(temizlendi)" if lang == "tr" else "(cleared)"), label.text()
        assert _shown(label) == label.text()
        drawn = label.drawn_font() if hasattr(label, "drawn_font") else label.font()
        assert drawn.pixelSize() >= 18, drawn.pixelSize()
        assert _shown(panel_strip.response_label) == panel_strip.response_label.text()
    finally:
        translator.switch("en")


def test_a_headline_too_long_keeps_its_state_and_tells_the_rest(
    panel_strip: AlarmStrip, alarms: AlarmManager, qapp: QApplication
) -> None:
    alarms.update("test.long", True, "Test: " + "a condition above the limit for far too long, " * 4)
    alarms.update("test.long", False, "")
    qapp.processEvents()
    label = panel_strip.text_label
    shown = _shown(label)
    assert shown != label.text() and shown.endswith("… (cleared)"), shown
    assert label.toolTip() == label.text()
