"""What the audit trail (log.db, hash-chained and anchored) remembers about users.db and losses.

Files beside log.db can be deleted or swapped for older copies by whoever holds the data
directory; the trail's rows cannot be removed without breaking its chain (and the anchor). So the
facts that must survive a deleted marker or a stripped MAC column are read back from the trail:

- ``users_sealed`` (accepted): users.db's rows carry MACs in this installation; rows without a
  MAC after that are MACs removed, never "a file from before" to seal again;
- ``audit_missing`` / ``audit_loss_accepted``: a loss of the trail was found at a start (a row of
  the new trail says so) and whether it was accepted since (core.security.audit_missing re-derives
  the finding from these when its marker file is gone, and checks each acceptance's MAC: a row
  appended by hand, with a correct chain hash, accepts nothing).

Every reader opens log.db read-only and says "" / None when it does not exist.
"""

from __future__ import annotations

import sqlite3
from datetime import UTC, datetime
from pathlib import Path

from core.security.audit_chain import open_read_only


def _rows(log_db: Path, sql: str, values: tuple[object, ...]) -> list[tuple[object, ...]]:
    if not Path(log_db).exists():
        return []
    try:
        conn = open_read_only(log_db)
        try:
            return list(conn.execute(sql, values).fetchall())
        finally:
            conn.close()
    except sqlite3.Error:
        return []  # an unreadable trail is the integrity check's to report


def first_row(db: Path, sql: str, values: tuple[object, ...] = ()) -> tuple[object, ...] | None:
    """The first row ``sql`` gives from the SQLite file ``db``, opened read-only; None when it
    gives none, or the file does not exist or cannot be read."""
    rows = _rows(db, sql, values)
    return rows[0] if rows else None


def _when(ts_ms: object) -> str:
    try:
        return datetime.fromtimestamp(int(ts_ms) / 1000, UTC).strftime("%Y-%m-%d %H:%M UTC")  # type: ignore[call-overload]
    except (TypeError, ValueError, OverflowError, OSError):
        return "?"


def sealed_before(log_db: Path) -> str:
    """The trail's first accepted ``users_sealed`` row ("row N, <time>"), or ""."""
    rows = _rows(log_db, "SELECT id, ts_ms FROM audit WHERE action = 'users_sealed' AND result = 'accepted'"
                         " ORDER BY id LIMIT 1", ())
    return f"row {rows[0][0]}, {_when(rows[0][1])}" if rows else ""


def trail_covers_anchor(log_db: Path, users_db: Path) -> str:
    """"" when users.db keeps no audit anchor or the trail reaches it; else why not (an anchor
    beyond the trail: this users.db has seen a trail that is not this one)."""
    anchor = first_row(users_db, "SELECT row_id FROM audit_anchor WHERE id = 1")
    if anchor is None:
        return ""
    top = first_row(log_db, "SELECT MAX(id) FROM audit")
    highest = int(top[0]) if top and top[0] is not None else 0  # type: ignore[call-overload]
    if highest < int(anchor[0]):  # type: ignore[call-overload]
        return f"users.db's audit anchor (row {anchor[0]}) is beyond the trail (last row {highest})"
    return ""


def newest_finding(log_db: Path) -> tuple[int, str] | None:
    """The newest ``audit_missing`` row: (id, detail), or None."""
    found = _rows(log_db, "SELECT id, detail FROM audit WHERE action = 'audit_missing' ORDER BY id DESC LIMIT 1", ())
    return (int(found[0][0]), str(found[0][1] or "audit trail missing")) if found else None  # type: ignore[call-overload]


def acceptances(log_db: Path, after_id: int = 0) -> list[tuple[str, str]]:
    """Accepted ``audit_loss_accepted`` rows after row ``after_id``: (user, detail), oldest first."""
    rows = _rows(log_db, "SELECT user, detail FROM audit WHERE action = 'audit_loss_accepted'"
                         " AND result = 'accepted' AND id > ? ORDER BY id", (int(after_id),))
    return [(str(user), str(detail or "")) for user, detail in rows]


def unreported_users_loss(log_db: Path) -> tuple[int, str, str] | None:
    """The newest accepted ``users_loss_accepted`` row after the newest ``users_loss_reported``
    one: (id, user, detail), or None."""
    found = _rows(log_db, "SELECT id, user, detail FROM audit WHERE action = 'users_loss_accepted'"
                          " AND result = 'accepted' AND id > (SELECT COALESCE(MAX(id), 0) FROM audit"
                          " WHERE action = 'users_loss_reported') ORDER BY id DESC LIMIT 1", ())
    return (int(found[0][0]), str(found[0][1]), str(found[0][2] or "")) if found else None  # type: ignore[call-overload]


def failures_in_a_row(log_db: Path, name: str) -> tuple[int, int]:
    """Counted failed logins of ``name`` (rows saying "N in a row") since its last successful
    login or PIN change, and the newest one's time: (count, ts_ms). The trail keeps them when
    users.db's counter is reset (an older copy put back)."""
    found = _rows(log_db, "SELECT COUNT(*), MAX(ts_ms) FROM audit WHERE action = 'login_failed' AND user = ?"
                          " AND detail LIKE '%in a row%' AND id > (SELECT COALESCE(MAX(id), 0) FROM audit"
                          " WHERE (action = 'login' AND user = ? AND result = 'accepted')"
                          " OR (action = 'user_passwd' AND target = ? AND result = 'accepted'))",
                  (name, name, name))
    if not found or not found[0][0]:
        return 0, 0
    return int(found[0][0]), int(found[0][1] or 0)  # type: ignore[call-overload]


USER_CHANGES = ("user_add", "user_role", "user_enable", "user_disable", "user_passwd")


def last_user_changes(log_db: Path) -> dict[str, tuple[int, str]]:
    """Per user name: (time, action) of the trail's newest accepted change of that user's row."""
    marks = ", ".join("?" * len(USER_CHANGES))
    rows = _rows(log_db, f"SELECT target, action, MAX(ts_ms) FROM audit WHERE action IN ({marks})"
                         " AND result = 'accepted' GROUP BY target", USER_CHANGES)
    return {str(target): (int(ts), str(action)) for target, action, ts in rows}  # type: ignore[call-overload]


def when(ts_ms: object) -> str:
    return _when(ts_ms)
