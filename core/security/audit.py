"""The audit trail's record: who did what to which target, from what to what, and how it ended.

The Writer hands one :class:`AuditRecord` per setpoint attempt to a callback the engine gives
(which stores it in log.db); other security events (logins, user changes) use the same shape.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from enum import StrEnum


class AuditResult(StrEnum):
    ACCEPTED = "accepted"  # done as asked
    CLAMPED = "clamped"  # done, with the value changed by the safety envelope
    REFUSED = "refused"  # not attempted: the request broke a rule
    FAILED = "failed"  # attempted, but the PLC did not take it (or the read-back differed)


@dataclass(frozen=True, slots=True)
class AuditRecord:
    ts_ms: int  # Unix epoch ms (UTC) of the attempt
    user: str  # a login name, or "system" for the engine's own actions
    action: str  # e.g. "write"
    target: str  # e.g. the register name
    old_value: float | str | None  # the PLC's value before, where known (text for settings, states)
    new_value: float | str | None  # the value sent; None when nothing was sent
    result: AuditResult
    detail: str = ""  # requested value, reason given, why clamped/refused/failed

    def describe(self) -> str:
        """One line for the log."""
        old = "?" if self.old_value is None else _text(self.old_value)
        new = "-" if self.new_value is None else _text(self.new_value)
        text = f"{self.action} {self.target} by {self.user}: {old} -> {new} {self.result.value}"
        return f"{text} ({self.detail})" if self.detail else text


def _text(value: float | str) -> str:
    return value if isinstance(value, str) else f"{value:g}"


AuditSink = Callable[[AuditRecord], object]  # the return value (e.g. LogWriter.audit's bool) is ignored
