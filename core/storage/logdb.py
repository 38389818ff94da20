"""log.db: events (comm faults, gaps, storage incidents), the alarm log and the audit trail.

One :class:`LogWriter` is the single writer of log.db. Its producers are synchronous and never
block: ``event(...)`` from any engine part, ``alarm_transition(t)`` (subscribed to the
AlarmManager on start, so every alarm transition is logged), ``audit(record)`` from the
security layer. Audit rows are appended with their hash chain (core.security.audit_chain), and
the trail's append-only triggers are recreated each time the file is opened.
"""

from __future__ import annotations

import json
import sqlite3
import time
from collections.abc import Callable
from itertools import groupby
from pathlib import Path
from typing import Any, Protocol

from core.analysis.alarms import AlarmManager, AlarmTransition
from core.config import Settings, SqliteSettings
from core.security.audit_chain import insert_chained, protect
from core.storage.sqlite_open import OpenReport, database_path
from core.storage.sqlite_tables import SqlWriter

_EVENT = "INSERT INTO events (ts_ms, kind, source, message, data) VALUES (?, ?, ?, ?, ?)"
_ALARM = (
    "INSERT INTO alarm_log (ts_ms, alarm_key, action, state, previous_state, priority, text, value, user)"
    " VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?)"
)
_AUDIT = "-- audit row, appended by core.security.audit_chain.insert_chained"


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

    async def stop(self, timeout_s: float = 30.0, *, grace_s: float = 1.0) -> int:
        """Flush and close; stop the other writers first so their last alarms are logged."""
        self._detach()
        return await super().stop(timeout_s, grace_s=grace_s)

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
                int(record.ts_ms), record.user, record.action, record.target, record.old_value,
                record.new_value, str(record.result), record.detail,
            ),
        ))

    def _opened(self, conn: sqlite3.Connection) -> None:
        protect(conn)  # whatever happened to the triggers while the engine was not running

    def _write_batch(self, conn: sqlite3.Connection, items: list[tuple[str, tuple[Any, ...]]]) -> None:
        for sql, group in groupby(items, key=lambda item: item[0]):
            if sql == _AUDIT:
                insert_chained(conn, [params for _, params in group])
            else:
                conn.executemany(sql, [params for _, params in group])

    def _on_transition(self, transition: AlarmTransition) -> None:
        self.alarm_transition(transition)

    def _now_ms(self) -> int:
        return int(self._clock() * 1000)

