"""AlarmManager (ISA-18.2 states) with an injected clock: every transition, shelving expiry."""

from __future__ import annotations

from core.analysis.alarms import AlarmManager, AlarmState, AlarmTransition, Priority


class Clock:
    def __init__(self) -> None:
        self.now = 1_700_000_000.0

    def __call__(self) -> float:
        return self.now


def manager() -> tuple[AlarmManager, Clock, list[AlarmTransition]]:
    clock = Clock()
    alarms = AlarmManager(clock=clock, max_shelve_s=3600)
    seen: list[AlarmTransition] = []
    alarms.subscribe(seen.append)
    return alarms, clock, seen


def states(seen: list[AlarmTransition]) -> list[tuple[str, str, str]]:
    return [(t.action, t.previous.value, t.alarm.state.value) for t in seen]


def test_raise_ack_clear_and_return_unacknowledged() -> None:
    alarms, clock, seen = manager()
    alarms.update("a", True, "A", priority=Priority.HIGH)
    clock.now += 1
    assert alarms.acknowledge("a", "op1")
    alarms.update("a", False, "A")
    alarms.update("b", True, "B")
    alarms.update("b", False, "B")  # returned unacknowledged
    assert alarms.get("b").state is AlarmState.RETURNED_UNACKNOWLEDGED  # type: ignore[union-attr]
    assert alarms.acknowledge("b", "op2")
    assert not alarms.acknowledge("b", "op2")  # nothing left to acknowledge
    assert states(seen) == [
        ("raise", "normal", "unacknowledged"),
        ("acknowledge", "unacknowledged", "acknowledged"),
        ("clear", "acknowledged", "normal"),
        ("raise", "normal", "unacknowledged"),
        ("clear", "unacknowledged", "returned_unacknowledged"),
        ("acknowledge", "returned_unacknowledged", "normal"),
    ]
    assert [t.user for t in seen if t.action == "acknowledge"] == ["op1", "op2"]
    assert seen[1].ts_ms == 1_700_000_001_000


def test_shelving_is_time_limited_and_needs_a_reason() -> None:
    alarms, clock, seen = manager()
    alarms.update("a", True, "A")
    assert not alarms.shelve("a", "op", 60, "   ")
    assert alarms.shelve("a", "op", 60, "sensor being replaced")
    shelved = alarms.get("a")
    assert shelved is not None and shelved.state is AlarmState.SHELVED
    assert shelved.shelved_until_ms == 1_700_000_060_000 and shelved.shelve_reason == "sensor being replaced"
    assert alarms.active() == [] and [a.key for a in alarms.suppressed()] == ["a"]
    clock.now += 59
    alarms.tick()
    assert alarms.get("a").state is AlarmState.SHELVED  # type: ignore[union-attr]
    clock.now += 1
    alarms.tick()
    back = alarms.get("a")
    assert back is not None and back.state is AlarmState.UNACKNOWLEDGED  # still active: seen again
    assert seen[-1].action == "unshelve" and seen[-1].user == "system"


def test_shelved_condition_clears_then_expiry_returns_to_normal() -> None:
    alarms, clock, _ = manager()
    alarms.update("a", True, "A")
    alarms.shelve("a", "op", 10, "known")
    alarms.update("a", False, "A")
    assert alarms.get("a").state is AlarmState.SHELVED  # type: ignore[union-attr]
    clock.now += 11
    alarms.update("other", True, "X")  # any update also lets shelving run out
    assert alarms.get("a").state is AlarmState.NORMAL  # type: ignore[union-attr]


def test_shelve_duration_is_capped() -> None:
    alarms, _, _ = manager()
    alarms.update("a", True, "A")
    alarms.shelve("a", "op", 10**9, "forever?")
    assert alarms.get("a").shelved_until_ms == 1_700_000_000_000 + 3600 * 1000  # type: ignore[union-attr]


def test_out_of_service_and_summary() -> None:
    alarms, clock, _ = manager()
    alarms.update("low", True, "L", priority=Priority.LOW)
    clock.now += 1
    alarms.update("crit", True, "C", priority=Priority.CRITICAL)
    alarms.update("oos", True, "O")
    assert alarms.remove_from_service("oos", "maint", "sensor removed")
    summary = alarms.summary()
    assert (summary.unacknowledged, summary.active, summary.out_of_service) == (2, 2, 1)
    assert summary.highest is Priority.CRITICAL and summary.newest is not None and summary.newest.key == "crit"
    alarms.acknowledge_all("op")
    assert alarms.summary().unacknowledged == 0
    assert alarms.return_to_service("oos", "maint")
    assert alarms.get("oos").state is AlarmState.UNACKNOWLEDGED  # type: ignore[union-attr]


def test_text_change_keeps_state() -> None:
    alarms, _, seen = manager()
    alarms.update("plc", True, "code 1")
    alarms.acknowledge("plc", "op")
    alarms.update("plc", True, "code 2")
    assert alarms.get("plc").state is AlarmState.ACKNOWLEDGED  # type: ignore[union-attr]
    assert seen[-1].action == "text"
