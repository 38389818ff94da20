"""Alarm management in the ISA-18.2 style: conditions, states, acknowledgement, shelving.

Every part of the engine reports a condition with :meth:`AlarmManager.update` (active or not);
the manager turns conditions into alarm states and tells subscribers of each transition (the
log.db recorder, the HMI bridge, telemetry). Time comes from an injectable clock.
"""

from __future__ import annotations

import logging
import time
from collections.abc import Callable
from dataclasses import dataclass, replace
from enum import IntEnum, StrEnum

log = logging.getLogger("bandsaw.alarms")


class Priority(IntEnum):
    """Lower number sorts first."""

    CRITICAL = 1
    HIGH = 2
    MEDIUM = 3
    LOW = 4


class AlarmState(StrEnum):
    NORMAL = "normal"  # condition clear, nothing to acknowledge
    UNACKNOWLEDGED = "unacknowledged"  # condition active, not acknowledged
    ACKNOWLEDGED = "acknowledged"  # condition active, acknowledged
    RETURNED_UNACKNOWLEDGED = "returned_unacknowledged"  # condition clear, never acknowledged
    SHELVED = "shelved"  # suppressed by an operator for a limited time
    OUT_OF_SERVICE = "out_of_service"  # suppressed by maintenance until returned to service


@dataclass(frozen=True, slots=True)
class Alarm:
    key: str  # stable identifier, e.g. "modbus.link_lost"
    text: str
    priority: Priority
    source: str
    state: AlarmState = AlarmState.NORMAL
    condition: bool = False  # is the underlying condition active now
    raised_ms: int = 0  # when the condition last became active
    changed_ms: int = 0  # when the state last changed
    shelved_until_ms: int | None = None
    shelve_reason: str = ""
    value: float | None = None

    @property
    def needs_attention(self) -> bool:
        return self.state in (
            AlarmState.UNACKNOWLEDGED,
            AlarmState.ACKNOWLEDGED,
            AlarmState.RETURNED_UNACKNOWLEDGED,
        )


@dataclass(frozen=True, slots=True)
class AlarmTransition:
    alarm: Alarm
    previous: AlarmState
    ts_ms: int
    user: str  # "system" for transitions the engine made
    action: str  # raise, clear, acknowledge, shelve, unshelve, remove_from_service, return_to_service, text


Listener = Callable[[AlarmTransition], None]

DEFAULT_MAX_SHELVE_S = 8 * 3600.0  # a shift: shelving is time-limited (ISA-18.2), never open-ended


@dataclass(frozen=True, slots=True)
class AlarmSummary:
    """Counts for the status bar and the dashboard banner."""

    unacknowledged: int = 0  # unacknowledged + returned-unacknowledged
    active: int = 0  # condition active and not suppressed
    shelved: int = 0
    out_of_service: int = 0
    highest: Priority | None = None  # highest priority among the alarms that need attention
    newest: Alarm | None = None  # the top of the active list (highest priority, newest)


class AlarmManager:
    def __init__(self, clock: Callable[[], float] = time.time, *, max_shelve_s: float = DEFAULT_MAX_SHELVE_S) -> None:
        self._clock = clock
        self._max_shelve_s = max_shelve_s
        self._alarms: dict[str, Alarm] = {}
        self._listeners: list[Listener] = []

    # --- subscription ------------------------------------------------------------------

    def subscribe(self, listener: Listener) -> Callable[[], None]:
        self._listeners.append(listener)
        return lambda: self._listeners.remove(listener) if listener in self._listeners else None

    # --- queries -----------------------------------------------------------------------

    def get(self, key: str) -> Alarm | None:
        return self._alarms.get(key)

    def all(self) -> list[Alarm]:
        return sorted(self._alarms.values(), key=lambda a: (a.priority, -a.raised_ms))

    def active(self) -> list[Alarm]:
        """Alarms that need attention, highest priority and newest first."""
        return [alarm for alarm in self.all() if alarm.needs_attention]

    def suppressed(self) -> list[Alarm]:
        """Shelved and out-of-service alarms (hidden from :meth:`active`, shown on their own)."""
        return [a for a in self.all() if a.state in (AlarmState.SHELVED, AlarmState.OUT_OF_SERVICE)]

    def summary(self) -> AlarmSummary:
        attention = self.active()
        return AlarmSummary(
            unacknowledged=sum(
                a.state in (AlarmState.UNACKNOWLEDGED, AlarmState.RETURNED_UNACKNOWLEDGED) for a in attention
            ),
            active=sum(a.condition for a in attention),
            shelved=sum(a.state is AlarmState.SHELVED for a in self._alarms.values()),
            out_of_service=sum(a.state is AlarmState.OUT_OF_SERVICE for a in self._alarms.values()),
            highest=attention[0].priority if attention else None,
            newest=attention[0] if attention else None,
        )

    def is_active(self, key: str) -> bool:
        alarm = self._alarms.get(key)
        return alarm is not None and alarm.condition

    # --- condition updates from the engine ---------------------------------------------

    def update(
        self,
        key: str,
        active: bool,
        text: str,
        *,
        priority: Priority = Priority.MEDIUM,
        source: str = "engine",
        value: float | None = None,
    ) -> None:
        """Report the condition behind alarm ``key``; only changes cause transitions."""
        now = self._now_ms()
        self._expire_shelving(now)
        alarm = self._alarms.get(key) or Alarm(key, text, priority, source)
        if alarm.condition == active:
            if active and alarm.text != text:
                # Same condition, new detail (e.g. a new PLC alarm code): keep state, tell listeners.
                self._commit(alarm, replace(alarm, text=text, value=value), now, "system", "text")
            return
        state = alarm.state
        new_state: AlarmState
        if state in (AlarmState.SHELVED, AlarmState.OUT_OF_SERVICE):
            new_state = state
        elif active:
            new_state = AlarmState.UNACKNOWLEDGED
        elif state is AlarmState.UNACKNOWLEDGED:
            new_state = AlarmState.RETURNED_UNACKNOWLEDGED
        else:
            new_state = AlarmState.NORMAL
        updated = replace(
            alarm,
            text=text,
            priority=priority,
            source=source,
            condition=active,
            state=new_state,
            raised_ms=now if active else alarm.raised_ms,
            value=value,
        )
        self._commit(alarm, updated, now, "system", "raise" if active else "clear")

    def raise_alarm(self, key: str, text: str, **kwargs: object) -> None:
        self.update(key, True, text, **kwargs)  # type: ignore[arg-type]

    def clear(self, key: str) -> None:
        alarm = self._alarms.get(key)
        if alarm is not None and alarm.condition:
            self.update(key, False, alarm.text, priority=alarm.priority, source=alarm.source)

    # --- operator actions --------------------------------------------------------------

    def acknowledge(self, key: str, user: str) -> bool:
        alarm = self._alarms.get(key)
        if alarm is None:
            return False
        if alarm.state is AlarmState.UNACKNOWLEDGED:
            new_state = AlarmState.ACKNOWLEDGED
        elif alarm.state is AlarmState.RETURNED_UNACKNOWLEDGED:
            new_state = AlarmState.NORMAL
        else:
            return False
        self._commit(alarm, replace(alarm, state=new_state), self._now_ms(), user, "acknowledge")
        return True

    def acknowledge_all(self, user: str) -> int:
        return sum(self.acknowledge(alarm.key, user) for alarm in self.active())

    def shelve(self, key: str, user: str, duration_s: float, reason: str) -> bool:
        alarm = self._alarms.get(key)
        if alarm is None or not reason.strip() or duration_s <= 0:
            return False
        if alarm.state in (AlarmState.SHELVED, AlarmState.OUT_OF_SERVICE):
            return False
        now = self._now_ms()
        duration_s = min(duration_s, self._max_shelve_s)
        shelved = replace(
            alarm, state=AlarmState.SHELVED, shelved_until_ms=now + int(duration_s * 1000), shelve_reason=reason
        )
        self._commit(alarm, shelved, now, user, "shelve")
        return True

    def unshelve(self, key: str, user: str) -> bool:
        alarm = self._alarms.get(key)
        if alarm is None or alarm.state is not AlarmState.SHELVED:
            return False
        self._restore(alarm, self._now_ms(), user, "unshelve")
        return True

    def remove_from_service(self, key: str, user: str, reason: str) -> bool:
        alarm = self._alarms.get(key)
        if alarm is None or alarm.state is AlarmState.OUT_OF_SERVICE or not reason.strip():
            return False
        updated = replace(alarm, state=AlarmState.OUT_OF_SERVICE, shelved_until_ms=None, shelve_reason=reason)
        self._commit(alarm, updated, self._now_ms(), user, "remove_from_service")
        return True

    def return_to_service(self, key: str, user: str) -> bool:
        alarm = self._alarms.get(key)
        if alarm is None or alarm.state is not AlarmState.OUT_OF_SERVICE:
            return False
        self._restore(alarm, self._now_ms(), user, "return_to_service")
        return True

    def tick(self) -> None:
        """Let time-limited shelving run out; call periodically."""
        self._expire_shelving(self._now_ms())

    # --- internals ---------------------------------------------------------------------

    def _restore(self, alarm: Alarm, now: int, user: str, action: str) -> None:
        # Back from suppression: an active condition must be seen and acknowledged again.
        state = AlarmState.UNACKNOWLEDGED if alarm.condition else AlarmState.NORMAL
        self._commit(alarm, replace(alarm, state=state, shelved_until_ms=None, shelve_reason=""), now, user, action)

    def _expire_shelving(self, now: int) -> None:
        for alarm in list(self._alarms.values()):
            expired = alarm.shelved_until_ms is not None and now >= alarm.shelved_until_ms
            if alarm.state is AlarmState.SHELVED and expired:
                self._restore(alarm, now, "system", "unshelve")

    def _commit(self, before: Alarm, after: Alarm, now: int, user: str, action: str) -> None:
        if after.state is not before.state:
            after = replace(after, changed_ms=now)
        self._alarms[after.key] = after
        transition = AlarmTransition(after, before.state, now, user, action)
        if action in ("raise", "clear"):
            log.log(
                logging.WARNING if after.condition else logging.INFO,
                "alarm %s %s: %s", after.key, "raised" if after.condition else "cleared", after.text,
            )
        for listener in list(self._listeners):
            try:
                listener(transition)
            except Exception:  # a broken listener must not stop the others or the caller
                log.exception("alarm listener %r failed", listener)

    def _now_ms(self) -> int:
        return int(self._clock() * 1000)
