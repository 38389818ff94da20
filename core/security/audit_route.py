"""Who an audit record is for: people's actions go to the audit trail, the machine's writes to the ML journal.

The ML controller and its torque guard write setpoints about twice a second. Kept in the
human audit trail (log.db ``audit``) they would bury what people did, so the Writer hands
their write records to a second sink, the ML journal: ml.db table ``ml_writes``
(:class:`MlWriteJournal`). The trail keeps what a person decided about them: switching ML on
or off, the model loaded or activated (with its identity), guard settings.

Use :class:`AuditRouter` as the one audit callback wherever records of both kinds come out
(the Writer does this itself with its ``journal`` argument); :func:`is_automatic_write` is the
rule. ``AUTOMATIC_USERS`` are the names of the engine's own actors: the Audit page's "hide
automatic actions" filter (``AuditFilter(automatic=False)``) leaves their rows out.
"""

from __future__ import annotations

import logging
from collections.abc import Mapping
from typing import Any, Protocol

from core.security.audit import AuditRecord, AuditSink

log = logging.getLogger("bandsaw.security")

# Writers whose setpoint writes are journalled with ML, not in the human trail.
AUTOMATIC_WRITERS = frozenset({"ml", "guard", "torque_guard"})
# Every name under which the engine acts on its own (heartbeat, automatic mode revert, schedules).
AUTOMATIC_USERS = AUTOMATIC_WRITERS | frozenset({"system", "engine", "scheduler"})

# ml.db migration: the ML journal of writes (appended in core/storage/schema.py).
ML_WRITES_TABLE = """
CREATE TABLE ml_writes (
    id INTEGER PRIMARY KEY AUTOINCREMENT,
    ts_ms INTEGER NOT NULL,
    user TEXT NOT NULL,          -- ml or guard
    target TEXT NOT NULL,        -- register name
    old_value REAL,              -- the PLC's value before, where known
    new_value REAL,              -- the value sent (NULL when nothing was sent)
    result TEXT NOT NULL,        -- accepted, clamped, refused, failed
    detail TEXT
);
CREATE INDEX ml_writes_ts_ms ON ml_writes(ts_ms);
"""


def is_automatic(user: str) -> bool:
    return user in AUTOMATIC_USERS


def is_automatic_write(record: AuditRecord) -> bool:
    """A setpoint write attempt by the ML controller or the torque guard."""
    return record.action == "write" and record.user in AUTOMATIC_WRITERS


class RowInserter(Protocol):
    """core.storage.sqlite_tables.SqlWriter (the engine's ml.db writer, ``SqliteStorage.ml``)."""

    def insert(self, table: str, row: Mapping[str, Any]) -> bool: ...


class MlWriteJournal:
    """An AuditSink that puts write records into ml.db ``ml_writes`` (never blocks)."""

    def __init__(self, writer: RowInserter) -> None:
        self._writer = writer

    def __call__(self, record: AuditRecord) -> bool:
        return self._writer.insert("ml_writes", {
            "ts_ms": int(record.ts_ms), "user": record.user, "target": record.target,
            "old_value": _number(record.old_value), "new_value": _number(record.new_value),
            "result": str(record.result), "detail": record.detail,
        })


class AuditRouter:
    """One audit callback that sends automatic writes to ``journal`` and everything else to ``trail``."""

    def __init__(self, trail: AuditSink | None, journal: AuditSink | None) -> None:
        self.trail = trail
        self.journal = journal

    def __call__(self, record: AuditRecord) -> None:
        sink = self.journal if is_automatic_write(record) else self.trail
        if sink is None:
            return
        try:
            sink(record)
        except Exception:  # a failing sink must not turn the audited action into an error
            log.exception("audit sink failed for: %s", record.describe())


def _number(value: float | str | None) -> float | None:
    if value is None or isinstance(value, str):
        return None
    return float(value)
