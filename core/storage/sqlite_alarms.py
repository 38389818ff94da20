"""Alarm keys of the storage package, and conditions shared by several databases.

Several databases report the same kind of trouble under one key (``storage.write_failed`` while
raw.db or log.db cannot be written): the alarm is active while any of them reports it, and its
text names each of them. Call from the event loop thread (AlarmManager is not thread-safe).
"""

from __future__ import annotations

import asyncio
import weakref

from core.analysis.alarms import AlarmManager, Priority

ALARM_WRITE_FAILED = "storage.write_failed"
ALARM_BACKPRESSURE = "storage.backpressure"
ALARM_ROWS_DROPPED = "storage.rows_dropped"
ALARM_ROWS_REJECTED = "storage.rows_rejected"
ALARM_DB_REPLACED = "storage.db_replaced"  # + ".<db>", one per database
ALARM_DB_VANISHED = "storage.db_vanished"  # + ".<db>": its data is gone, restore offered

_latched: weakref.WeakKeyDictionary[AlarmManager, set[str]] = weakref.WeakKeyDictionary()
_conditions: weakref.WeakKeyDictionary[AlarmManager, dict[str, dict[str, str]]] = weakref.WeakKeyDictionary()


def report_condition(
    alarms: AlarmManager, key: str, part: str, active: bool, text: str, *, priority: Priority
) -> None:
    """Database ``part`` reports condition ``key`` active (with ``text``) or clear."""
    parts = _conditions.setdefault(alarms, {}).setdefault(key, {})
    if active:
        if parts.get(part) == text:
            return
        parts[part] = text
    elif parts.pop(part, None) is None:
        return
    if parts:
        alarms.update(key, True, "; ".join(parts[name] for name in sorted(parts)), priority=priority, source="storage")
    else:
        current = alarms.get(key)
        alarms.update(key, False, current.text if current else key, priority=priority, source="storage")


def one_shot(alarms: AlarmManager, key: str, text: str, *, priority: Priority) -> None:
    """An event that needs acknowledging: raised and cleared at once, listed until acknowledged."""
    alarms.update(key, True, text, priority=priority, source="storage")
    alarms.update(key, False, text, priority=priority, source="storage")


def latch(alarms: AlarmManager, key: str, text: str, *, priority: Priority) -> None:
    """An event that stays active until someone acknowledges it (then it clears).

    Unlike :func:`one_shot` the alarm is shown active, not returned-unacknowledged: a replaced
    or vanished file is a condition a person must see and confirm, not a blip.
    """
    keys = _latched.get(alarms)
    if keys is None:
        keys = _latched[alarms] = set()
        alarms.subscribe(lambda transition: _on_transition(alarms, transition))
    keys.add(key)
    alarms.update(key, True, text, priority=priority, source="storage")


def _on_transition(alarms: AlarmManager, transition: object) -> None:
    alarm = getattr(transition, "alarm", None)
    if getattr(transition, "action", "") != "acknowledge" or alarm is None:
        return
    keys = _latched.get(alarms, set())
    if alarm.key not in keys or not alarm.condition:
        return
    keys.discard(alarm.key)

    def clear() -> None:
        alarms.update(alarm.key, False, alarm.text, priority=alarm.priority, source="storage")

    try:  # after the acknowledge has reached every listener (the alarm log keeps the order)
        asyncio.get_running_loop().call_soon(clear)
    except RuntimeError:
        clear()
