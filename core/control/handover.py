"""What the operator's speeds were while ML holds the PLC's: kept in ml.db, so a crash loses nothing.

When ML takes a cut it saves the operator's speeds (and restores them when it lets go). Held only
in memory, a kill -9 of the engine in ML mode left the PLC with ML's speeds and nobody knew what
the operator had. The controller now writes them, before its first write of a control period, to
ml.db table ``ml_handover`` (one row, replaced in one statement: atomic; a committed row survives
a process crash with WAL), updates the row when a person's change becomes the speed to restore,
and deletes it once the operator's speeds are back (or a person set them). A row found at start
means the previous run ended with ML in charge: the controller compares it with the PLC and, if
the PLC holds other speeds, raises :data:`ALARM_LEFT` and offers a restore (core.api).
"""

from __future__ import annotations

import sqlite3
from collections.abc import Awaitable, Callable, Mapping
from dataclasses import dataclass, field
from typing import Protocol, TypeVar

R = TypeVar("R")

ALARM_LEFT = "control.ml_speeds_left"

# ml.db v4: the operator's speeds while ML holds the PLC's (at most one row, id 1).
HANDOVER_TABLE = """
CREATE TABLE ml_handover (
    id INTEGER PRIMARY KEY CHECK (id = 1),
    ts_ms INTEGER NOT NULL,          -- when ML took the speeds (or the saved speeds last changed)
    descent_speed REAL,              -- the operator's descent (mm/min) to restore
    cutting_speed REAL,              -- the operator's band speed (m/min) to restore
    model TEXT                       -- the model that held the speeds
);
"""


@dataclass(frozen=True, slots=True)
class Handover:
    """The operator's speeds while ML holds the PLC (what a restore puts back)."""

    ts_ms: int
    speeds: Mapping[str, float] = field(default_factory=dict)
    model: str = ""


class HandoverStore(Protocol):
    """Where the handover lives; ``save`` and ``clear`` return once the change is committed."""

    async def load(self) -> Handover | None: ...

    async def save(self, handover: Handover) -> None: ...

    async def clear(self) -> None: ...


class MemoryHandover:
    """In memory: for tests and tools without the engine's ml.db (survives only the object)."""

    def __init__(self, handover: Handover | None = None) -> None:
        self.handover = handover
        self.saves = 0
        self.fail: Exception | None = None

    async def load(self) -> Handover | None:
        return self.handover

    async def save(self, handover: Handover) -> None:
        if self.fail is not None:
            raise self.fail
        self.handover = handover
        self.saves += 1

    async def clear(self) -> None:
        if self.fail is not None:
            raise self.fail
        self.handover = None


class Executor(Protocol):
    """core.storage.sqlite_writer.BatchWriter.execute (``SqliteStorage.ml``): runs on the writer thread."""

    def execute(self, fn: Callable[[sqlite3.Connection], R]) -> Awaitable[R]: ...


class SqliteHandover:
    """The handover in ml.db, on the engine's one ml.db writer (autocommit: each statement commits)."""

    def __init__(self, writer: Executor) -> None:
        self._writer = writer

    async def load(self) -> Handover | None:
        return await self._writer.execute(_load)

    async def save(self, handover: Handover) -> None:
        await self._writer.execute(lambda conn: _save(conn, handover))

    async def clear(self) -> None:
        await self._writer.execute(_clear)


def _load(conn: sqlite3.Connection) -> Handover | None:
    row = conn.execute("SELECT ts_ms, descent_speed, cutting_speed, model FROM ml_handover WHERE id = 1").fetchone()
    if row is None:
        return None
    speeds = {name: float(v) for name, v in (("descent_speed", row[1]), ("cutting_speed", row[2])) if v is not None}
    return Handover(int(row[0]), speeds, row[3] or "")


def _save(conn: sqlite3.Connection, handover: Handover) -> None:
    conn.execute(
        "INSERT OR REPLACE INTO ml_handover (id, ts_ms, descent_speed, cutting_speed, model) VALUES (1, ?, ?, ?, ?)",
        (handover.ts_ms, handover.speeds.get("descent_speed"), handover.speeds.get("cutting_speed"), handover.model),
    )


def _clear(conn: sqlite3.Connection) -> None:
    conn.execute("DELETE FROM ml_handover WHERE id = 1")
