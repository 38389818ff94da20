"""Torque guard figures from config; modes from config, persisted, told to listeners."""

from __future__ import annotations

import pytest

from core.config import Settings, TorqueGuardSettings
from core.control.journal import MemoryJournal
from core.control.modes import Mode, ModeChange, ModeManager
from core.control.torque_guard import GuardEvent, TorqueGuard


def _descend(
    guard: TorqueGuard, t: float, h: float, torque: float, mm: float
) -> tuple[float, float, list[GuardEvent]]:
    """Feed a sample every 0.05 mm (0.1 s) for ``mm`` mm; returns (t, h, events)."""
    step = 0.05
    events: list[GuardEvent] = []
    for _ in range(round(mm / step)):
        t, h = t + 0.1, h - step
        event = guard.update(t, h, torque)
        if event is not None:
            events.append(event)
    return t, h, events


def test_trips_on_a_fast_rise_once_and_rearms() -> None:
    guard = TorqueGuard(TorqueGuardSettings(), averaging=1)
    guard.begin_cut(0.0, 100.0)
    t, h, events = _descend(guard, 0.0, 100.0, 10.0, 2.0)  # free running above the material
    t, h, events = _descend(guard, t, h, 30.0, 10.0)  # engaged, steady
    assert events == []
    t, h, events = _descend(guard, t, h, 50.0, 3.0)  # +67 %
    assert len(events) == 1
    event = events[0]
    assert event.descent_factor == pytest.approx(0.75)
    assert event.rise_pct == pytest.approx(66.7, abs=0.5)
    assert "67 %" in event.describe()
    t, h, events = _descend(guard, t, h, 50.0, 10.0)  # steady at the new level: no repeat
    assert events == []


def test_quiet_before_activation_and_on_entry() -> None:
    settings = TorqueGuardSettings(activation_delay_s=5.0, activation_descent_mm=2.5)
    guard = TorqueGuard(settings, averaging=1)
    guard.begin_cut(0.0, 100.0)
    # Torque climbs from free running as a round bar's chord grows: never a trip.
    t, h = 0.0, 100.0
    for _ in range(400):
        t, h = t + 0.1, h - 0.05
        depth = max(0.0, 98.0 - h)
        torque = 10.0 + 2.0 * (depth * (60.0 - depth)) ** 0.5 if depth > 0 else 10.0
        assert guard.update(t, h, torque) is None, f"tripped at depth {depth:.1f}"


def test_disabled_guard_never_trips() -> None:
    guard = TorqueGuard(TorqueGuardSettings(enabled=False), averaging=1)
    guard.begin_cut(0.0, 100.0)
    t, h, _ = _descend(guard, 0.0, 100.0, 30.0, 10.0)
    _, _, events = _descend(guard, t, h, 90.0, 5.0)
    assert events == []


def test_mode_default_from_config_and_every_switch_recorded(settings: Settings) -> None:
    journal = MemoryJournal()
    modes = ModeManager(settings.control.default_mode, journal, wall_clock=lambda: 12.5)
    assert modes.mode is Mode.MANUAL
    seen: list[ModeChange] = []
    unsubscribe = modes.subscribe(seen.append)
    assert modes.set_mode("ml", user="anna", reason="batch of C45")
    assert not modes.set_mode(Mode.ML, user="anna")  # no change, nothing recorded
    assert modes.fault("stale data")
    unsubscribe()
    modes.set_mode("ml", user="anna")
    assert [(r.old_mode, r.new_mode, r.user) for r in journal.mode_changes] == [
        ("manual", "ml", "anna"), ("ml", "manual", "system"), ("manual", "ml", "anna"),
    ]
    assert journal.mode_changes[0].ts_ms == 12500 and journal.mode_changes[1].reason == "stale data"
    assert [c.new for c in seen] == [Mode.ML, Mode.MANUAL]
    with pytest.raises(ValueError):
        modes.set_mode("auto", user="x")
