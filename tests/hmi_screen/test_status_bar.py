"""The status bar: one alarm count, engineering fields for engineers, no old poll rate during a link loss."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from hmi.bridge import EngineBridge
from hmi.widgets.status_bar import HmiStatusBar


def test_status_bar(qtbot: object, bridge: EngineBridge, fake_engine: Any, push: Callable[..., None]) -> None:
    bar = HmiStatusBar(bridge, "operator")
    qtbot.addWidget(bar)  # type: ignore[attr-defined]
    bar.show()
    assert not bar.rate.isVisibleTo(bar) and not bar.queue.isVisibleTo(bar)  # operators: no Hz, no rows
    bar.set_user("erin", "engineer")
    assert bar.rate.isVisibleTo(bar) and bar.queue.isVisibleTo(bar)
    push({"saw_state": 3.0})
    bridge.refresh()
    bar._on_status(fake_engine.status())
    assert bar.rate.text() == "poll 10.0 Hz"
    push(fail=True)
    bridge.refresh()
    bar._on_status(fake_engine.status())
    assert bar.rate.text() == "PLC link lost" and bar.rate.property("state") == "fault"
    alarms = fake_engine.alarms
    alarms.update("plc.bit.3", True, "deviation")
    alarms.update("plc.bit.5", True, "worn")
    alarms.update("plc.bit.5", False, "worn")
    alarms.acknowledge("plc.bit.3", "erin")
    bar._show_alarms()
    counts = alarms.counts()
    assert bar.alarms.text() == f"alarms {counts.attention} ({counts.unacknowledged} unacknowledged)" \
        == "alarms 2 (1 unacknowledged)"
