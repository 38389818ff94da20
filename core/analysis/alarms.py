"""Alarm management in the ISA-18.2 style: conditions, states, acknowledgement, shelving.

Every part of the engine reports a condition with :meth:`AlarmManager.update` (active or not);
the manager turns conditions into alarm states and tells subscribers of each transition (the
log.db recorder, the HMI bridge, telemetry). Time comes from an injectable clock.
"""

from __future__ import annotations

import logging
import time
from collections.abc import Callable, Mapping
from dataclasses import dataclass, replace
from enum import StrEnum

from core.analysis.alarm_policy import AlarmPolicy, Audience, Priority

__all__ = ["Alarm", "AlarmCounts", "AlarmManager", "AlarmState", "AlarmSummary", "AlarmTransition", "Audience",
           "Priority"]

log = logging.getLogger("bandsaw.alarms")


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
    audience: Audience = Audience.OPERATOR
    detail: str = ""  # what the raising code said (error message, PLC text); the catalogue may use it
    texts: tuple[tuple[str, str, str], ...] = ()  # (language, text, response) from the message catalogue
    members: tuple[str, ...] = ()  # a group alarm: the keys of its sources now active
    repeats: int = 0  # raises counted on this item within its off-delay (not raised anew)
    repeated_ms: int = 0  # when the last of those came

    def text_for(self, lang: str) -> str:
        return next((text for code, text, _ in self.texts if code == lang), self.text)

    def response_for(self, lang: str) -> str:
        return next((response for code, _, response in self.texts if code == lang), "")

    @property
    def response(self) -> str:
        return self.response_for("en")

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

TEXT_EVERY_MS = 10_000  # a group alarm's text change is logged at most this often
DEFAULT_MAX_SHELVE_S = 8 * 3600.0  # a shift: shelving is time-limited (ISA-18.2), never open-ended


@dataclass(frozen=True, slots=True)
class AlarmCounts:
    """The one count definition (ISA-18.2 states) that the banner, the alarm page and the status bar show.

    Operator alarms only; ``engineer`` counts the engineer's queue (items needing attention).
    """

    active_unacknowledged: int = 0
    active_acknowledged: int = 0
    cleared_unacknowledged: int = 0
    shelved: int = 0
    out_of_service: int = 0
    engineer: int = 0
    highest: Priority | None = None  # highest priority among the operator alarms that need attention
    newest: Alarm | None = None  # the top of the operator's list (highest priority, newest)

    @property
    def attention(self) -> int:
        """Alarms in the operator's list: active (acknowledged or not) and cleared-unacknowledged."""
        return self.active_unacknowledged + self.active_acknowledged + self.cleared_unacknowledged

    @property
    def unacknowledged(self) -> int:
        return self.active_unacknowledged + self.cleared_unacknowledged

    @property
    def active(self) -> int:
        """Condition active now (acknowledged or not)."""
        return self.active_unacknowledged + self.active_acknowledged


AlarmSummary = AlarmCounts  # the earlier name


class AlarmManager:
    def __init__(
        self,
        clock: Callable[[], float] = time.time,
        *,
        max_shelve_s: float = DEFAULT_MAX_SHELVE_S,
        policy: AlarmPolicy | None = None,
    ) -> None:
        self._clock = clock
        self._max_shelve_s = max_shelve_s
        self.policy = policy if policy is not None else AlarmPolicy()
        self._alarms: dict[str, Alarm] = {}
        self._listeners: list[Listener] = []
        self._members: dict[str, dict[str, tuple[str, float | None, Mapping[str, object]]]] = {}
        self._values: Mapping[str, float | None] = {}
        self._text_sent_ms: dict[str, int] = {}  # when each group alarm's last "text" transition went out
        self._text_pending: dict[str, Alarm] = {}  # group alarms whose text change waits: the alarm before it
        # Engineer items whose condition ended, held raised for their off-delay: key -> (when the
        # item clears, the clear to make then).
        self._off_pending: dict[str, tuple[int, Callable[[], None]]] = {}

    # --- subscription ------------------------------------------------------------------

    def subscribe(self, listener: Listener) -> Callable[[], None]:
        self._listeners.append(listener)
        return lambda: self._listeners.remove(listener) if listener in self._listeners else None

    def observe(self, values: Mapping[str, float | None]) -> None:
        """The latest poll's values: a catalogue entry naming a ``signal`` shows its value at raise."""
        self._values = values

    # --- queries -----------------------------------------------------------------------

    def get(self, key: str) -> Alarm | None:
        return self._alarms.get(key)

    def all(self) -> list[Alarm]:
        """Highest priority first; within a priority what still needs acknowledging, then newest."""
        return sorted(self._alarms.values(),
                      key=lambda a: (a.priority, a.state is AlarmState.ACKNOWLEDGED, -a.raised_ms))

    def active(self) -> list[Alarm]:
        """The operator's alarms that need attention, highest priority and newest first."""
        return [a for a in self.all() if a.needs_attention and a.audience is Audience.OPERATOR]

    def engineer_queue(self) -> list[Alarm]:
        """Engineer items (statistical detectors, diagnostics) that need attention; never on the banner."""
        return [a for a in self.all() if a.needs_attention and a.audience is Audience.ENGINEER]

    def suppressed(self) -> list[Alarm]:
        """Shelved and out-of-service alarms (hidden from :meth:`active`, shown on their own)."""
        return [a for a in self.all() if a.state in (AlarmState.SHELVED, AlarmState.OUT_OF_SERVICE)]

    def counts(self) -> AlarmCounts:
        operator = [a for a in self._alarms.values() if a.audience is Audience.OPERATOR]
        attention = self.active()

        def count(state: AlarmState) -> int:
            return sum(a.state is state for a in operator)

        return AlarmCounts(
            active_unacknowledged=count(AlarmState.UNACKNOWLEDGED),
            active_acknowledged=count(AlarmState.ACKNOWLEDGED),
            cleared_unacknowledged=count(AlarmState.RETURNED_UNACKNOWLEDGED),
            shelved=count(AlarmState.SHELVED),
            out_of_service=count(AlarmState.OUT_OF_SERVICE),
            engineer=len(self.engineer_queue()),
            highest=attention[0].priority if attention else None,
            newest=attention[0] if attention else None,
        )

    def summary(self) -> AlarmCounts:
        return self.counts()

    def is_active(self, key: str) -> bool:
        """Is the condition behind ``key`` active (a group or family member counts on its own; an item
        held raised for its off-delay is not)."""
        for holder in (self.policy.group_of(key), self.policy.family_of(key)):
            if holder is not None and key in self._members.get(holder, {}):
                return True
        alarm = self._alarms.get(key)
        return alarm is not None and alarm.condition and key not in self._off_pending

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
        params: Mapping[str, object] | None = None,
    ) -> None:
        """Report the condition behind alarm ``key``; only changes cause transitions.

        ``text`` is the raising code's own wording (kept as the detail); the operator sees the
        message catalogue's text. ``priority`` is a fallback for keys the configuration does not name.
        """
        self._expire_off_delays(self._now_ms())
        group = self.policy.group_of(key)
        if group is not None and not self._stands_alone(group, key):
            self._update_member(group, key, active, text, source, value, params or {})
            return
        family = self.policy.family_of(key)
        if family is not None:
            # One engineer item for the signal family (vibration X, Y, Z): worded as its leading member.
            self._update_member(family, key, active, text, source, value, params or {})
            return
        self._update_alarm(key, active, text, self.policy.priority(key, priority), source, value, params or {},
                           self.policy.audience(key))

    def _stands_alone(self, group: str, key: str) -> bool:
        """A statistical member of an operator's group (process.band_overload: the PLC's overload bit,
        the current alarm, torque and current z-scores) is its own engineer item, under its own key,
        unless the operator holds the group: a z-score alone is no "band overload", in the queue nor in
        the history. Once its own item runs, it stays its own until it ends."""
        if key in self._members.get(group, {}):
            return False
        own = self._alarms.get(key)
        family = self.policy.family_of(key)
        if (own is not None and own.condition) or (family is not None and key in self._members.get(family, {})):
            return True
        if self.policy.audience(key) is Audience.OPERATOR or self.policy.engineer_group(group):
            return False
        held = self._alarms.get(group)
        return held is None or not held.condition or held.audience is not Audience.OPERATOR

    def _update_member(self, group: str, key: str, active: bool, text: str, source: str,  # noqa: PLR0917
                       value: float | None, params: Mapping[str, object]) -> None:
        members = self._members.setdefault(group, {})
        if active:
            members[key] = (text, value, params)
        elif members.pop(key, None) is None:
            return
        current = self._alarms.get(group)
        operator = [k for k in members if self.policy.audience(k) is Audience.OPERATOR]
        # Once the operator has it, the operator keeps it until it clears (no vanishing alarms).
        sticky = current is not None and current.condition and current.audience is Audience.OPERATOR
        audience = Audience.OPERATOR if operator or sticky else Audience.ENGINEER
        lead = operator[0] if operator else next(iter(members), key)
        detail, lead_value, lead_params = members.get(lead, (text, value, params))
        # The operator's group is worded as the group (its text, limit and priority), or as its leading
        # member where that member is named under the group (process.band_overload.current: "Band current
        # 205 A over the 198 A limit", not the torque's words). A group of statistical members only (a
        # plant's) is an engineer item worded and ranked as its detector.
        wording = lead if audience is Audience.ENGINEER or lead.startswith(group + ".") else group
        self._update_alarm(group, bool(members), detail, self.policy.priority(wording), source, lead_value,
                           lead_params, audience, tuple(sorted(members)), wording=wording)

    def _update_alarm(  # noqa: PLR0917
        self, key: str, active: bool, detail: str, priority: Priority, source: str, value: float | None,
        params: Mapping[str, object], audience: Audience, members: tuple[str, ...] = (), wording: str | None = None,
        *, settled: bool = False,
    ) -> None:
        now = self._now_ms()
        self._expire_shelving(now)
        alarm = self._alarms.get(key) or Alarm(key, detail, priority, source, detail=detail, audience=audience)
        if active and self._off_pending.pop(key, None) is not None:
            # Back within its off-delay (ISA-18.2 chattering): counted on the standing item, not raised
            # anew; its words and value follow the new raise below.
            alarm = replace(alarm, repeats=alarm.repeats + 1, repeated_ms=now)
            self._alarms[key] = alarm
        elif not active and alarm.condition and not settled and audience is Audience.ENGINEER:
            delay_ms = int(self.policy.off_delay_s(key) * 1000)
            if delay_ms > 0:
                if key not in self._off_pending:  # the delay runs from the first end, never extended

                    def settle() -> None:
                        self._update_alarm(key, False, detail, priority, source, value, params, audience, members,
                                           wording, settled=True)

                    self._off_pending[key] = (now + delay_ms, settle)
                self._alarms[key] = replace(alarm, members=members)
                return
        wording = wording or key  # the catalogue entry the text comes from
        signal = self.policy.catalogue.signal(wording, params) if active else None
        if signal is not None:  # the catalogue shows this register's value at the moment of the raise
            value = self._values.get(signal)
        if alarm.condition == active:
            if active and (alarm.detail != detail or alarm.members != members):
                # Same condition, new detail (e.g. a new PLC alarm code): keep state, tell listeners.
                if key in self.policy.groups and alarm.audience is Audience.OPERATOR:
                    # The operator's group alarm keeps the words and the value of its raise: a member that
                    # comes or goes after the cut must not re-word it with the stopped saw's "band speed
                    # 0 m/min", nor another member with its own figure ("Band current 120 %").
                    self._alarms[key] = replace(alarm, detail=detail, members=members)
                    return
                if audience is Audience.OPERATOR and alarm.value is not None:
                    value = alarm.value  # the value seen at the raise, as above (a new PLC code keeps it)
                texts = self._texts(wording, detail, value, params)
                updated = replace(alarm, detail=detail, members=members, texts=texts, text=texts[0][1], value=value,
                                  priority=priority)
                self._text_change(alarm, updated, now)
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
        texts = self._texts(wording, detail, value, params) if active else alarm.texts or self._texts(
            key, detail, value, params)
        updated = replace(
            alarm,
            text=texts[0][1],
            texts=texts,
            detail=detail if active else alarm.detail,
            priority=priority,
            source=source,
            condition=active,
            state=new_state,
            raised_ms=now if active else alarm.raised_ms,
            value=value if active else alarm.value,
            audience=audience if active or new_state is AlarmState.NORMAL else alarm.audience,
            members=members,
            repeats=0 if active else alarm.repeats,  # a new raise is a new item
            repeated_ms=0 if active else alarm.repeated_ms,
        )
        self._commit(alarm, updated, now, "system", "raise" if active else "clear")

    def _text_change(self, before: Alarm, after: Alarm, now: int) -> None:
        """A new detail or members: a group alarm logs a "text" transition only when the operator's words
        change, at most one per TEXT_EVERY_MS (members coming and going, e.g. vibration axes)."""
        group = after.key in self.policy.groups or after.key in self.policy.families
        if after.texts == before.texts and (group or after.detail == before.detail):
            # Nothing new to read: a member came or went, or a member's own wording changed under the
            # group's text. (Elsewhere a new detail is news: each torque-guard action is counted by it.)
            self._alarms[after.key] = after
            return
        if group and now - self._text_sent_ms.get(after.key, -TEXT_EVERY_MS) < TEXT_EVERY_MS:
            self._alarms[after.key] = after
            self._text_pending[after.key] = before  # told at the next tick once the interval has passed
            return
        self._text_pending.pop(after.key, None)
        self._text_sent_ms[after.key] = now
        self._commit(before, after, now, "system", "text")

    def _flush_texts(self, now: int) -> None:
        for key, before in list(self._text_pending.items()):
            alarm = self._alarms.get(key)
            if alarm is None or not alarm.condition or alarm.texts == before.texts:
                self._text_pending.pop(key, None)
            elif now - self._text_sent_ms.get(key, -TEXT_EVERY_MS) >= TEXT_EVERY_MS:
                self._text_change(before, alarm, now)

    def _texts(self, key: str, detail: str, value: float | None,
               params: Mapping[str, object]) -> tuple[tuple[str, str, str], ...]:
        return self.policy.catalogue.render_all(key, detail, value, params)

    def raise_alarm(self, key: str, text: str, **kwargs: object) -> None:
        self.update(key, True, text, **kwargs)  # type: ignore[arg-type]

    def clear(self, key: str) -> None:
        if self.is_active(key):
            alarm = self._alarms.get(key)
            self.update(key, False, alarm.detail if alarm else key, source=alarm.source if alarm else "engine")

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
        """Let time-limited shelving, off-delays and held-back text changes run out; call periodically."""
        now = self._now_ms()
        self._expire_shelving(now)
        self._expire_off_delays(now)
        self._flush_texts(now)

    # --- internals ---------------------------------------------------------------------

    def _restore(self, alarm: Alarm, now: int, user: str, action: str) -> None:
        # Back from suppression: an active condition must be seen and acknowledged again.
        state = AlarmState.UNACKNOWLEDGED if alarm.condition else AlarmState.NORMAL
        self._commit(alarm, replace(alarm, state=state, shelved_until_ms=None, shelve_reason=""), now, user, action)

    def _expire_off_delays(self, now: int) -> None:
        for key, (clear_ms, settle) in list(self._off_pending.items()):
            if now >= clear_ms and self._off_pending.pop(key, None) is not None:
                settle()

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
