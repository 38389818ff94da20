"""The ML controller's journal (ml.db) as front ends read it: newest decisions, mode changes, guard events.

One short read-only connection per call (the engine runs it in a worker thread); a busy, missing
or old database gives an empty journal with ``error`` set, never an exception.
"""

from __future__ import annotations

import sqlite3
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from core.storage.sqlite_open import database_path, open_reader

# Actions that changed something (or refused to): an ML write, a guard or load-ceiling cut, a person's
# override, a write stopped part-way, a fault, a restore or its giving up. The rest (wait, hold, model,
# restore_held, previous_run) is the 5 Hz routine or a note.
CHANGE_ACTIONS = ("write", "guard", "ceiling", "override", "stopped", "fault", "restore", "restore_abandoned",
                  "refused")
READ_BUSY_MS = 100  # a locked database is reported, not waited on

_DECISION_COLUMNS = ("id", "ts_ms", "mode", "action", "reason", "coefficient", "descent_before",
                     "descent_speed", "cutting_before", "cutting_speed", "applied", "torque", "model")


@dataclass(frozen=True, slots=True)
class DecisionView:
    """One row of ml.db ``decisions``."""

    id: int
    ts_ms: int
    mode: str
    action: str
    reason: str
    coefficient: float | None
    descent_before: float | None
    descent_after: float | None  # the setpoint after the decision (ml.db descent_speed)
    cutting_before: float | None
    cutting_after: float | None
    applied: bool
    torque: float | None
    model: str


@dataclass(frozen=True, slots=True)
class ModeChangeView:
    ts_ms: int
    mode: str
    previous_mode: str
    user: str
    reason: str


@dataclass(frozen=True, slots=True)
class GuardEventView:
    ts_ms: int
    reason: str
    torque: float | None


@dataclass(frozen=True, slots=True)
class MlJournal:
    decisions: list[DecisionView] = field(default_factory=list)  # newest first
    last_mode_change: ModeChangeView | None = None
    last_guard_event: GuardEventView | None = None
    error: str = ""  # why it is empty or incomplete ("" when read)


def read_journal(data_dir: Path, limit: int = 50, *, changes_only: bool = False) -> MlJournal:
    path = database_path(data_dir, "ml")
    if not path.exists():
        return MlJournal(error=f"{path.name} not created yet (no decisions recorded)")
    try:
        conn = open_reader(path)
    except sqlite3.Error as exc:
        return MlJournal(error=f"cannot open {path.name}: {exc}")
    try:
        conn.execute(f"PRAGMA busy_timeout = {READ_BUSY_MS:d}")
        return MlJournal(_decisions(conn, limit, changes_only), _last_mode_change(conn), _last_guard_event(conn))
    except sqlite3.Error as exc:  # locked, or a schema older than v2: say so, try again later
        return MlJournal(error=f"{path.name}: {exc}")
    finally:
        conn.close()


def _decisions(conn: sqlite3.Connection, limit: int, changes_only: bool) -> list[DecisionView]:
    where = f"WHERE action IN ({', '.join('?' * len(CHANGE_ACTIONS))})" if changes_only else ""
    params: tuple[Any, ...] = (*CHANGE_ACTIONS, limit) if changes_only else (limit,)
    sql = f"SELECT {', '.join(_DECISION_COLUMNS)} FROM decisions {where} ORDER BY id DESC LIMIT ?"
    return [
        DecisionView(
            id=int(r[0]), ts_ms=int(r[1]), mode=r[2] or "", action=r[3] or "", reason=r[4] or "",
            coefficient=r[5], descent_before=r[6], descent_after=r[7], cutting_before=r[8],
            cutting_after=r[9], applied=bool(r[10]), torque=r[11], model=r[12] or "",
        )
        for r in conn.execute(sql, params).fetchall()
    ]


def _last_mode_change(conn: sqlite3.Connection) -> ModeChangeView | None:
    row = conn.execute("SELECT ts_ms, mode, previous_mode, user, reason FROM mode_changes "
                       "ORDER BY id DESC LIMIT 1").fetchone()
    if row is None:
        return None
    return ModeChangeView(int(row[0]), row[1] or "", row[2] or "", row[3] or "", row[4] or "")


def _last_guard_event(conn: sqlite3.Connection) -> GuardEventView | None:
    # decisions_action(action, ts_ms) serves this without a table scan.
    row = conn.execute("SELECT ts_ms, reason, torque FROM decisions WHERE action = 'guard' "
                       "ORDER BY ts_ms DESC LIMIT 1").fetchone()
    return None if row is None else GuardEventView(int(row[0]), row[1] or "", row[2])
