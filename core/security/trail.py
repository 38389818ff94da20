"""The audit trail's producer side: one call per security-relevant event, and alarm operator actions.

:class:`AuditTrail` stamps records with the injected clock and hands them to the sink the
engine gives (``LogWriter.audit``, so they land in log.db ``audit``). Alarm acknowledge/shelve
and the other operator transitions are audited by subscribing to the AlarmManager.
"""

from __future__ import annotations

import logging
import time
from collections.abc import Callable

from core.analysis.alarms import AlarmManager, AlarmTransition
from core.security.audit import AuditRecord, AuditResult, AuditSink

log = logging.getLogger("bandsaw.security")

# AlarmManager transition actions that a person does (raise/clear/text are the engine's own).
OPERATOR_ALARM_ACTIONS = frozenset({"acknowledge", "shelve", "unshelve", "remove_from_service", "return_to_service"})


class AuditTrail:
    def __init__(self, sink: AuditSink | None, *, clock: Callable[[], float] = time.time) -> None:
        self._sink = sink
        self._clock = clock

    def now_ms(self) -> int:
        return int(self._clock() * 1000)

    def record(
        self,
        user: str,
        action: str,
        target: str = "",
        *,
        old: float | str | None = None,
        new: float | str | None = None,
        result: AuditResult = AuditResult.ACCEPTED,
        detail: str = "",
        ts_ms: int | None = None,
    ) -> AuditRecord:
        record = AuditRecord(
            ts_ms=self.now_ms() if ts_ms is None else ts_ms, user=user, action=action, target=target,
            old_value=old, new_value=new, result=result, detail=detail,
        )
        self.emit(record)
        return record

    def emit(self, record: AuditRecord) -> None:
        log.info("audit: %s", record.describe())
        if self._sink is None:
            return
        try:
            self._sink(record)
        except Exception:  # a failing sink must not turn the audited action into an error
            log.exception("audit sink failed for: %s", record.describe())

    def setting_changed(self, user: str, key: str, old: object, new: object, detail: str = "") -> AuditRecord:
        """A configuration value changed at run time (e.g. ``control.torque_guard.limit``)."""
        return self.record(user, "setting", key, old=_value(old), new=_value(new), detail=detail)

    def attach_alarms(self, alarms: AlarmManager) -> Callable[[], None]:
        """Audit every acknowledge/shelve/unshelve/service transition; returns the unsubscribe."""
        return alarms.subscribe(self.alarm_transition)

    def alarm_transition(self, transition: AlarmTransition) -> None:
        if transition.action not in OPERATOR_ALARM_ACTIONS:
            return
        alarm = transition.alarm
        detail = alarm.text
        if transition.action == "shelve":
            until = "" if alarm.shelved_until_ms is None else f" until {alarm.shelved_until_ms}"
            detail = f"{alarm.text}; reason: {alarm.shelve_reason}{until}"
        self.record(
            transition.user, f"alarm_{transition.action}", alarm.key, old=transition.previous.value,
            new=alarm.state.value, detail=detail, ts_ms=transition.ts_ms,
        )


def _value(value: object) -> float | str | None:
    if value is None or isinstance(value, str):
        return value
    if isinstance(value, bool):
        return str(value).lower()
    if isinstance(value, int | float):
        return float(value)
    return str(value)
