"""The status bar: one alarm count, engineering fields for engineers, no old poll rate during a link loss."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from hmi.bridge import EngineBridge
from hmi.widgets.status_bar import HmiStatusBar


def test_status_bar(qtbot: object, bridge: EngineBridge, fake_engine: Any, push: Callable[..., None]) -> None:
    bar = HmiStatusBar(bridge, "operator")
    qtbot.addWidget(bar)  # type: ignore[attr-defined]
    bar.resize(1280, 30)  # the panel's width: every field fits (a narrower bar drops some: test_fields_step_aside)
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


def test_fields_step_aside_rather_than_widen_the_window(qtbot: object, bridge: EngineBridge) -> None:
    """REPLAY, an alarm and an admin in Turkish on the kiosk asked for 1292 px: the window grew past the
    1280 px panel. The bar never asks for more than alarms, user and what the window adds; the storage
    queue steps aside first, then the poll rate, then the sample age; all come back with the room."""
    from PySide6.QtWidgets import QLabel

    bar = HmiStatusBar(bridge, "alice")
    qtbot.addWidget(bar)  # type: ignore[attr-defined]
    wide = QLabel("REPLAY " * 8, bar)
    bar.addWidget(wide)
    bar.set_user("alice", "admin")
    bar.resize(2000, 30)
    bar.show()
    fields = (bar.rate, bar.age, bar.queue, bar.alarms, bar.user, wide)
    needed = sum(label.sizeHint().width() for label in fields)
    order = (bar.queue, bar.rate, bar.age)
    seen = set()
    kept = sum(label.sizeHint().width() for label in (bar.alarms, bar.user, wide))
    for room in [*range(needed + 300, kept + 100, -20), 2000]:
        bar.resize(room, 30)
        bar.fit()
        hidden = tuple(label for label in order if not label.isVisible())
        assert hidden == order[:len(hidden)], room  # least needed first
        assert bar.alarms.isVisible() and bar.user.isVisible() and wide.isVisible()
        assert sum(label.sizeHint().width() for label in fields if label.isVisible()) <= room, room
        seen.add(len(hidden))
    assert seen == {0, 1, 2, 3}  # every step taken, and all back with the room
    assert all(label.isVisible() for label in fields)
    assert bar.minimumSizeHint().width() < needed - sum(label.sizeHint().width() for label in order) + 60
