"""log.db: events (comm faults, gaps, storage incidents), the alarm log and the audit trail.

One :class:`LogWriter` is the single writer of log.db. Its producers are synchronous and never
block: ``event(...)`` from any engine part, ``alarm_transition(t)`` (subscribed to the
AlarmManager on start, so every alarm transition is logged), ``audit(record)`` from the
security layer.
"""

from __future__ import annotations

import json
import time
from collections.abc import Callable
from pathlib import Path
from typing import Any, Protocol

from core.analysis.alarms import AlarmManager, AlarmTransition
from core.config import Settings, SqliteSettings
from core.storage.sqlite_open import OpenReport, database_path
from core.storage.sqlite_tables import SqlWriter

_EVENT = "INSERT INTO events (ts_ms, kind, source, message, data) VALUES (?, ?, ?, ?, ?)"
_ALARM = (
    "INSERT INTO alarm_log (ts_ms, alarm_key, action, state, previous_state, priority, text, value, user)"
    " VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?)"
)
_AUDIT = (
    "INSERT INTO audit (ts_ms, user, action, target, old_value, new_value, result, detail)"
    " VALUES (?, ?, ?, ?, ?, ?, ?, ?)"
)


class AuditLike(Protocol):
    """core.security.audit.AuditRecord, or any object with these attributes."""

    @property
    def ts_ms(self) -> int: ...
    @property
    def user(self) -> str: ...
    @property
    def action(self) -> str: ...
    @property
    def target(self) -> str: ...
    @property
    def old_value(self) -> Any: ...
    @property
    def new_value(self) -> Any: ...
    @property
    def result(self) -> str: ...
    @property
    def detail(self) -> str: ...


class LogWriter(SqlWriter):
    def __init__(
        self,
        path: Path,
        *,
        alarms: AlarmManager,
        sqlite: SqliteSettings,
        subscribe_alarms: bool = True,
        clock: Callable[[], float] = time.time,
        **options: Any,
    ) -> None:
        super().__init__("log", path, alarms=alarms, sqlite=sqlite, clock=clock, **options)
        self._subscribe = subscribe_alarms
        self._unsubscribe: Callable[[], None] | None = None

    @classmethod
    def from_settings(cls, settings: Settings, alarms: AlarmManager, **options: Any) -> LogWriter:
        return cls(database_path(settings.data_dir, "log"), alarms=alarms, sqlite=settings.database.sqlite, **options)

    async def start(self) -> OpenReport:
        """Subscribe to the alarm manager (transitions queue even before the file is open), open, run."""
        if self._subscribe and self._unsubscribe is None:
            self._unsubscribe = self._alarms.subscribe(self._on_transition)
        try:
            return await super().start()
        except BaseException:
            self._detach()
            raise

    async def stop(self, timeout_s: float = 30.0) -> int:
        """Flush and close; stop the other writers first so their last alarms are logged."""
        self._detach()
        return await super().stop(timeout_s)

    def _detach(self) -> None:
        if self._unsubscribe is not None:
            self._unsubscribe()
            self._unsubscribe = None

    # --- producers (sync, non-blocking) -------------------------------------------------

    def event(
        self,
        kind: str,
        message: str,
        *,
        source: str = "engine",
        data: Any = None,
        ts_ms: int | None = None,
    ) -> bool:
        """Log an event, e.g. ``event("link_restored", "PLC answers again", source="modbus",
        data={"gap_ms": 5300})``. ``data`` is stored as JSON (anything else as its str())."""
        payload = None if data is None else json.dumps(data, default=str, separators=(",", ":"))
        ts = self._now_ms() if ts_ms is None else int(ts_ms)
        return self.submit((_EVENT, (ts, kind, source, message, payload)))

    def alarm_transition(self, transition: AlarmTransition) -> bool:
        """One alarm_log row per AlarmManager transition (subscribed automatically on start)."""
        alarm = transition.alarm
        return self.submit((
            _ALARM,
            (
                transition.ts_ms, alarm.key, transition.action, alarm.state.value, transition.previous.value,
                int(alarm.priority), alarm.text, alarm.value, transition.user,
            ),
        ))

    def audit(self, record: AuditLike) -> bool:
        """One audit row: who changed what, from what, to what, and whether it worked."""
        return self.submit((
            _AUDIT,
            (
                int(record.ts_ms), record.user, record.action, record.target, _plain(record.old_value),
                _plain(record.new_value), str(record.result), record.detail,
            ),
        ))

    def _on_transition(self, transition: AlarmTransition) -> None:
        self.alarm_transition(transition)

    def _now_ms(self) -> int:
        return int(self._clock() * 1000)


def _plain(value: Any) -> Any:
    """A value SQLite can store as is; anything else as JSON."""
    if value is None or isinstance(value, str | int | float):
        return value
    return json.dumps(value, default=str, separators=(",", ":"))
