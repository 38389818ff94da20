"""Where the audit trail stood at its last good check, kept in users.db (not in log.db).

The hash chain shows a row changed or removed in the middle of the trail; it cannot show the
trail emptied, cut off at the end, swapped for an older copy or re-chained from scratch by
someone who recomputes every hash. The anchor can: the row id and hash of the last row and the
hash of the first row at the last good check, in another file (users.db: owner-only, beside
the PIN hashes). The next check requires the trail to still hold that row with that hash.

A restore never puts an older log.db in place (core.storage.restore keeps the live trail);
:func:`reset_after_restore` is for a trail legitimately replaced by hand.
"""

from __future__ import annotations

import logging
import sqlite3
import time
from pathlib import Path

from core.security.audit_chain import Anchor, ChainReport, verify_file
from core.security.users import BUSY_TIMEOUT_MS, UserStore

log = logging.getLogger("bandsaw.security")


class AuditAnchor:
    def __init__(self, users_db: Path) -> None:
        self.path = Path(users_db)

    def _connect(self) -> sqlite3.Connection:
        UserStore(self.path).count()  # creates or upgrades users.db (the anchor table is its v2)
        conn = sqlite3.connect(self.path, timeout=BUSY_TIMEOUT_MS / 1000, isolation_level=None)
        conn.execute(f"PRAGMA busy_timeout = {BUSY_TIMEOUT_MS:d}")
        return conn

    def load(self) -> Anchor | None:
        conn = self._connect()
        try:
            row = conn.execute("SELECT row_id, hash, first_hash, ts_ms FROM audit_anchor WHERE id = 1").fetchone()
        finally:
            conn.close()
        return None if row is None else Anchor(int(row[0]), str(row[1]), str(row[2]), int(row[3]))

    def save(self, report: ChainReport) -> None:
        """Anchor at a trail just verified intact."""
        if not report.ok:
            raise ValueError("only an intact trail is anchored")
        conn = self._connect()
        try:
            conn.execute(
                "INSERT INTO audit_anchor (id, ts_ms, row_id, hash, first_hash) VALUES (1, ?, ?, ?, ?)"
                " ON CONFLICT (id) DO UPDATE SET ts_ms = excluded.ts_ms, row_id = excluded.row_id,"
                " hash = excluded.hash, first_hash = excluded.first_hash",
                (int(time.time() * 1000), report.last_id, report.last_hash, report.first_hash),
            )
        finally:
            conn.close()

    def reset(self) -> None:
        """Forget the anchor (after a restore put another log.db in place)."""
        conn = self._connect()
        try:
            conn.execute("DELETE FROM audit_anchor")
        finally:
            conn.close()


def advance_anchor(data_dir: Path) -> ChainReport | None:
    """Move the anchor to the newest row after rows were appended (the command line does this after
    its own rows): only when an anchor exists and the rows after it follow the chain (a break is
    left for ``audit verify`` and the engine's check to report). Never raises; None when not moved."""
    path = Path(data_dir) / "databases" / "users.db"  # core.security.access.users_db_path
    log_db = Path(data_dir) / "databases" / "log.db"
    if not path.exists() or not log_db.exists():
        return None
    try:
        anchor = AuditAnchor(path)
        held = anchor.load()
        if held is None:  # none kept (never checked, or reset by a restore): the engine's next check anchors
            return None
        report = verify_file(log_db, held, tail_only=True)
        if not report.ok or not report.rows:
            return None
        anchor.save(report)
        return report
    except Exception as exc:  # said, not fatal: the anchor stays where it was
        log.warning("the audit anchor was not moved forward: %s", exc)
        return None


def reset_after_restore(data_dir: Path) -> None:
    """A restore put another log.db in place under ``data_dir``: its old anchor no longer applies."""
    path = Path(data_dir) / "databases" / "users.db"  # core.security.access.users_db_path
    if not path.exists():
        return
    try:
        AuditAnchor(path).reset()
    except Exception as exc:  # said, not fatal: the next check then reports the trail against the old anchor
        log.error("the audit anchor could not be reset after the restore: %s", exc)
