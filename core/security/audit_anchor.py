"""Where the audit trail stood at its last good check, kept in users.db (not in log.db).

The hash chain shows a row changed or removed in the middle of the trail; it cannot show the
trail emptied, cut off at the end, swapped for an older copy or re-chained from scratch by
someone who recomputes every hash. The anchor can: the row id and hash of the last row and the
hash of the first row at the last good check, in another file (users.db: owner-only, beside
the PIN hashes). The next check requires the trail to still hold that row with that hash.

A restore never puts an older log.db in place (core.storage.restore keeps the live trail);
:func:`reset_after_restore` is for a trail legitimately replaced by hand.

users.db can be written by whoever holds the data directory, so the anchor carries an HMAC under
users.db's key (core.security.users_mac) and users.db's seal says that an anchor is kept: an
anchor edited, stripped of its MAC or deleted (to let a re-chained trail be anchored afresh) is
:class:`AnchorTampered`, which the integrity check reports as a broken trail (critical). An anchor
from before anchors were MAC'd is taken as it is while the seal does not say "anchored" yet, and
gets its MAC at the next save.
"""

from __future__ import annotations

import logging
import sqlite3
import time
from pathlib import Path

from core.security.audit_chain import Anchor, ChainReport, verify_file
from core.security.users import BUSY_TIMEOUT_MS, SEAL_UNSEALED, UserStore, write_seal
from core.security.users_mac import anchor_mac, matches

log = logging.getLogger("bandsaw.security")


class AnchorTampered(Exception):
    """users.db's audit anchor was changed, stripped of its MAC or deleted outside the program."""


class AuditAnchor:
    def __init__(self, users_db: Path) -> None:
        self.path = Path(users_db)
        self._store = UserStore(self.path)

    def _connect(self) -> sqlite3.Connection:
        self._store.count()  # creates or upgrades users.db (the anchor table is its v2)
        conn = sqlite3.connect(self.path, timeout=BUSY_TIMEOUT_MS / 1000, isolation_level=None)
        conn.execute(f"PRAGMA busy_timeout = {BUSY_TIMEOUT_MS:d}")
        return conn

    def load(self) -> Anchor | None:
        """The anchor, None when none is kept; :class:`AnchorTampered` when it cannot be trusted."""
        conn = self._connect()
        try:
            row = conn.execute("SELECT row_id, hash, first_hash, ts_ms, mac FROM audit_anchor WHERE id = 1").fetchone()
            seal, anchored = self._store.seal_state(conn)
        finally:
            conn.close()
        if seal and seal != SEAL_UNSEALED:
            raise AnchorTampered(f"the audit anchor in {self.path.name} cannot be trusted: {seal}")
        if row is None:
            if anchored:
                raise AnchorTampered(f"the audit anchor was deleted from {self.path.name} (its seal says one is kept)")
            return None
        anchor = Anchor(int(row[0]), str(row[1]), str(row[2]), int(row[3]))
        if row[4] is None:
            if anchored:
                raise AnchorTampered(f"the audit anchor in {self.path.name} lost its MAC")
            return anchor  # kept before anchors were MAC'd: MAC'd at the next save
        if not matches(anchor_mac(self._store.mac_key(), anchor.row_id, anchor.hash, anchor.first_hash,
                                  anchor.ts_ms), row[4]):
            raise AnchorTampered(f"the audit anchor in {self.path.name} was changed outside the program "
                                 f"(row {anchor.row_id}; its MAC does not match)")
        return anchor

    def save(self, report: ChainReport) -> None:
        """Anchor at a trail just verified intact (with its MAC; the seal then says one is kept).
        Refused (:class:`AnchorTampered`) while users.db's seal fails."""
        if not report.ok:
            raise ValueError("only an intact trail is anchored")
        key = self._store.mac_key()
        now_ms = int(time.time() * 1000)
        mac = anchor_mac(key, report.last_id, report.last_hash, report.first_hash, now_ms)
        conn = self._connect()
        try:
            conn.execute("BEGIN IMMEDIATE")
            try:
                seal, anchored = self._store.seal_state(conn)
                if seal and seal != SEAL_UNSEALED:
                    raise AnchorTampered(f"the audit anchor is not moved: {seal}")
                conn.execute(
                    "INSERT INTO audit_anchor (id, ts_ms, row_id, hash, first_hash, mac) VALUES (1, ?, ?, ?, ?, ?)"
                    " ON CONFLICT (id) DO UPDATE SET ts_ms = excluded.ts_ms, row_id = excluded.row_id,"
                    " hash = excluded.hash, first_hash = excluded.first_hash, mac = excluded.mac",
                    (now_ms, report.last_id, report.last_hash, report.first_hash, mac),
                )
                if not seal and not anchored:  # from now on an anchor must be there
                    write_seal(conn, key, now_ms, anchored=True)
                conn.execute("COMMIT")
            except BaseException:
                if conn.in_transaction:
                    conn.execute("ROLLBACK")
                raise
        finally:
            conn.close()

    def reset(self) -> None:
        """Forget the anchor (after a restore put another log.db in place); the seal says so."""
        key = self._store.mac_key()
        conn = self._connect()
        try:
            conn.execute("BEGIN IMMEDIATE")
            try:
                conn.execute("DELETE FROM audit_anchor")
                seal, anchored = self._store.seal_state(conn)
                if not seal and anchored:
                    write_seal(conn, key, int(time.time() * 1000), anchored=False)
                conn.execute("COMMIT")
            except BaseException:
                if conn.in_transaction:
                    conn.execute("ROLLBACK")
                raise
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
