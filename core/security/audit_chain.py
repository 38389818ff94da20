"""The audit trail's hash chain: each row carries sha256(previous row's hash + this row's content).

Rewriting, deleting or inserting a row anywhere but at the end breaks the chain at that row
(the stored hash no longer matches, or no longer follows the row before it), and
:func:`verify_chain` names the first such row. What the chain cannot show by itself is the
newest rows cut off the end; the AUTOINCREMENT counter (``sqlite_sequence``) is checked for
that. Someone holding the file can still recompute the whole chain (sha256 has no key): the
backups and the PostgreSQL mirror keep earlier copies to compare with.

Rows are chained inside the writing transaction (``BEGIN IMMEDIATE``): the engine's log.db
writer and the command line (another process) both append through :func:`insert_chained`, so
the chain stays one line whoever writes. The triggers that make the table append-only are
recreated at every engine start (:func:`protect`): a dropped or replaced trigger does not survive it.

This module must import nothing from core.storage (core.storage.schema imports it, via
core.security.audit_schema).
"""

from __future__ import annotations

import hashlib
import json
import math
import sqlite3
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

APPEND_ONLY_MESSAGE = "the audit trail is append-only"
HASH_REQUIRED_MESSAGE = "audit rows are appended with their chain hash (core.security.audit_chain)"
GENESIS = ""  # the "previous hash" of the first row
CONTENT_COLUMNS = ("ts_ms", "user", "action", "target", "old_value", "new_value", "result", "detail")
_INSERT = (
    "INSERT INTO audit (ts_ms, user, action, target, old_value, new_value, result, detail, hash)"
    " VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?)"
)
BUSY_TIMEOUT_MS = 5000

TRIGGERS = {
    "audit_no_update": f"""
        CREATE TRIGGER audit_no_update BEFORE UPDATE ON audit
        BEGIN
            SELECT RAISE(ABORT, '{APPEND_ONLY_MESSAGE}');
        END
    """,
    "audit_no_delete": f"""
        CREATE TRIGGER audit_no_delete BEFORE DELETE ON audit
        BEGIN
            SELECT RAISE(ABORT, '{APPEND_ONLY_MESSAGE}');
        END
    """,
    # A row without a well-formed hash would silently end the chain: refuse it.
    "audit_hash_required": f"""
        CREATE TRIGGER audit_hash_required BEFORE INSERT ON audit
        WHEN NEW.hash IS NULL OR length(NEW.hash) != 64
        BEGIN
            SELECT RAISE(ABORT, '{HASH_REQUIRED_MESSAGE}');
        END
    """,
}


# --- content and hash ------------------------------------------------------------------


def stored_value(value: Any) -> Any:
    """``old_value``/``new_value`` as the TEXT column keeps them (so the hash of what was
    written equals the hash of what is read back): text, or None."""
    if value is None or isinstance(value, str):
        return value
    if isinstance(value, bool):
        return str(int(value))
    if isinstance(value, int | float):
        return repr(value) if not isinstance(value, float) or math.isfinite(value) else str(value)
    return json.dumps(value, default=str, separators=(",", ":"))


def row_values(row: Sequence[Any]) -> tuple[Any, ...]:
    """One row's content columns (see CONTENT_COLUMNS) in the types they are stored with."""
    if len(row) != len(CONTENT_COLUMNS):
        raise ValueError(f"an audit row has {len(CONTENT_COLUMNS)} content columns, not {len(row)}")
    ts_ms, user, action, target, old, new, result, detail = row
    return (int(ts_ms), str(user), str(action), str(target), stored_value(old), stored_value(new), str(result),
            None if detail is None else str(detail))


def _tagged(value: Any) -> str:
    # Type and value, so '1' (text) and 1 (integer) hash differently.
    if type(value) is str:  # the common case first: this runs for every column of every row
        return "t:" + value
    if value is None:
        return "n:"
    if isinstance(value, bool | int):
        return f"i:{int(value)}"
    if isinstance(value, float):
        return f"r:{value!r}"
    if isinstance(value, bytes):
        return f"b:{value.hex()}"
    return f"t:{value}"


def canonical(values: Sequence[Any]) -> bytes:
    """The bytes a row's hash covers: its content columns, each typed and length-prefixed
    (``<length>:<type>:<text>``, so no choice of text can make two rows read alike)."""
    return "".join(f"{len(tagged)}:{tagged}" for tagged in map(_tagged, values)).encode("utf-8", "surrogatepass")


def chain_hash(previous: str, values: Sequence[Any]) -> str:
    # A tampered stored hash may hold any text: encode it whatever it is, never fail on it.
    return hashlib.sha256(previous.encode("utf-8", "surrogatepass") + b"\n" + canonical(values)).hexdigest()


# --- writing ---------------------------------------------------------------------------


def last_hash(conn: sqlite3.Connection) -> str:
    row = conn.execute("SELECT hash FROM audit ORDER BY id DESC LIMIT 1").fetchone()
    return GENESIS if row is None or row[0] is None else str(row[0])


def insert_chained(conn: sqlite3.Connection, rows: Iterable[Sequence[Any]]) -> int:
    """Append rows (content columns, see :func:`row_values`) with their chain hashes.

    Call inside the writing transaction (BEGIN IMMEDIATE): the last hash read here is the one
    the next row follows, whoever else appends. Returns how many rows were appended.
    """
    previous = last_hash(conn)
    count = 0

    def chained() -> Iterable[tuple[Any, ...]]:
        nonlocal previous, count
        for row in rows:
            values = row_values(row)
            previous = chain_hash(previous, values)
            count += 1
            yield (*values, previous)

    conn.executemany(_INSERT, chained())
    return count


def protect(conn: sqlite3.Connection) -> None:
    """Drop and recreate the append-only triggers (one transaction; the caller's if one is open)."""
    own = not conn.in_transaction
    if own:
        conn.execute("BEGIN IMMEDIATE")
    try:
        for name, sql in TRIGGERS.items():
            conn.execute(f"DROP TRIGGER IF EXISTS {name}")
            conn.execute(sql)
        if own:
            conn.execute("COMMIT")
    except BaseException:
        if own and conn.in_transaction:
            conn.execute("ROLLBACK")
        raise


def rechain_all(conn: sqlite3.Connection) -> int:
    """Give every row its hash, in id order (schema upgrade of a trail that had none).

    Inside the caller's transaction; the triggers are dropped for it and recreated after.
    """
    for name in TRIGGERS:
        conn.execute(f"DROP TRIGGER IF EXISTS {name}")
    previous = GENESIS
    count = 0
    cursor = conn.execute(f"SELECT id, {', '.join(CONTENT_COLUMNS)} FROM audit ORDER BY id")
    updates: list[tuple[str, int]] = []
    for row in cursor:
        previous = chain_hash(previous, row[1:])
        updates.append((previous, int(row[0])))
        count += 1
    conn.executemany("UPDATE audit SET hash = ? WHERE id = ?", updates)
    for sql in TRIGGERS.values():
        conn.execute(sql)
    return count


# --- verifying -------------------------------------------------------------------------


@dataclass(frozen=True, slots=True)
class ChainBreak:
    row_id: int  # the first row that does not verify (0: rows are missing after the last one)
    reason: str

    def describe(self) -> str:
        return f"row {self.row_id}: {self.reason}" if self.row_id else self.reason


@dataclass(frozen=True, slots=True)
class Anchor:
    """Where the trail stood at the last good check, kept outside log.db (core.security.audit_anchor):
    a trail cut short, emptied, replaced by an older copy or re-chained from scratch no longer
    holds this row with this hash."""

    row_id: int
    hash: str
    first_hash: str
    ts_ms: int = 0


@dataclass(frozen=True, slots=True)
class ChainReport:
    rows: int  # rows checked
    last_id: int
    breaks: tuple[ChainBreak, ...] = ()
    error: str = ""  # the trail could not be read at all
    last_hash: str = GENESIS
    first_hash: str = GENESIS

    @property
    def ok(self) -> bool:
        return not self.breaks and not self.error

    @property
    def first(self) -> ChainBreak | None:
        return self.breaks[0] if self.breaks else None

    def describe(self) -> str:
        if self.error:
            return f"audit trail not verified: {self.error}"
        if self.ok:
            return f"audit trail intact: {self.rows} row{'' if self.rows == 1 else 's'}, last id {self.last_id}"
        more = f" ({len(self.breaks)} breaks in all)" if len(self.breaks) > 1 else ""
        assert self.first is not None
        # "BROKEN at row 12: ...", but a break without a row (rows missing at the end, an emptied
        # or replaced trail) is a sentence of its own: "BROKEN: rows 56..61 were deleted ...".
        where = " at " if self.first.row_id else ": "
        return f"audit trail BROKEN{where}{self.first.describe()}{more}"


def verify_rows(conn: sqlite3.Connection, *, anchor: Anchor | None = None, max_breaks: int = 100) -> ChainReport:
    """Check every row in id order, in one read transaction (a consistent snapshot), and that
    the trail still holds the ``anchor`` row of the last good check."""
    breaks: list[ChainBreak] = []
    previous, previous_id, rows, first = GENESIS, 0, 0, GENESIS
    anchored: str | None = None
    conn.execute("BEGIN")
    try:
        cursor = conn.execute(f"SELECT id, hash, {', '.join(CONTENT_COLUMNS)} FROM audit ORDER BY id")
        for row in cursor:
            row_id, stored = int(row[0]), row[1]
            rows += 1
            expected = chain_hash(previous, row[2:])
            if stored != expected and len(breaks) < max_breaks:
                breaks.append(ChainBreak(row_id, _why(row_id, previous_id, stored)))
            # Go on from what is stored: a later, separate tampering is reported as well.
            previous, previous_id = (str(stored) if stored is not None else expected), row_id
            if rows == 1:
                first = previous
            if anchor is not None and row_id == anchor.row_id:
                anchored = previous
        seq = conn.execute("SELECT seq FROM sqlite_sequence WHERE name = 'audit'").fetchone()
    finally:
        conn.execute("COMMIT")
    if seq is not None and int(seq[0]) > previous_id:
        breaks.append(ChainBreak(0, f"rows {previous_id + 1}..{int(seq[0])} were deleted from the end of the trail"))
    if anchor is not None:
        found = _against_anchor(anchor, rows, first, anchored)
        if found is not None:
            breaks.append(found)
    return ChainReport(rows, previous_id, tuple(breaks), last_hash=previous, first_hash=first)


def verify_tail(conn: sqlite3.Connection, anchor: Anchor) -> ChainReport:
    """Check only what was appended since ``anchor`` (cheap: run it every minute and at a stop).

    The trail must still hold the anchor row with its hash and the same first row; every row
    after it must follow the chain; the AUTOINCREMENT counter must not be past the last row. An ok
    report (``rows``: the rows after the anchor) is where the trail stands now; re-anchor there.
    A break here says where, but the full :func:`verify_rows` names the first broken row.
    """
    breaks: list[ChainBreak] = []
    conn.execute("BEGIN")
    try:
        head = conn.execute("SELECT hash FROM audit ORDER BY id LIMIT 1").fetchone()
        held = conn.execute(f"SELECT hash, {', '.join(CONTENT_COLUMNS)} FROM audit WHERE id = ?",
                            (anchor.row_id,)).fetchone()
        total = 0 if head is None else 1
        first = GENESIS if head is None or head[0] is None else str(head[0])
        anchored = None if held is None else (str(held[0]) if held[0] is not None else GENESIS)
        found = _against_anchor(anchor, total, first, anchored)
        if found is None and held is not None:  # the anchor row's own content, against the row before it
            before = conn.execute("SELECT hash FROM audit WHERE id < ? ORDER BY id DESC LIMIT 1",
                                  (anchor.row_id,)).fetchone()
            if chain_hash(GENESIS if before is None or before[0] is None else str(before[0]), held[1:]) != anchored:
                found = ChainBreak(anchor.row_id, _why(anchor.row_id, anchor.row_id - 1, held[0]))
        if found is not None:
            breaks.append(found)
        previous, previous_id, rows = anchor.hash, anchor.row_id, 0
        if found is None:
            cursor = conn.execute(f"SELECT id, hash, {', '.join(CONTENT_COLUMNS)} FROM audit WHERE id > ? ORDER BY id",
                                  (anchor.row_id,))
            for row in cursor:
                row_id, stored = int(row[0]), row[1]
                rows += 1
                expected = chain_hash(previous, row[2:])
                if stored != expected and not breaks:
                    breaks.append(ChainBreak(row_id, _why(row_id, previous_id, stored)))
                previous, previous_id = (str(stored) if stored is not None else expected), row_id
        seq = conn.execute("SELECT seq FROM sqlite_sequence WHERE name = 'audit'").fetchone()
    finally:
        conn.execute("COMMIT")
    if seq is not None and int(seq[0]) > previous_id:
        breaks.append(ChainBreak(0, f"rows {previous_id + 1}..{int(seq[0])} were deleted from the end of the trail"))
    return ChainReport(rows, previous_id, tuple(breaks), last_hash=previous, first_hash=first)


def _against_anchor(anchor: Anchor, rows: int, first: str, anchored: str | None) -> ChainBreak | None:
    if anchor.row_id <= 0:
        return None
    if rows == 0:
        return ChainBreak(0, f"the trail is empty, although it had {anchor.row_id} rows at the last check")
    if first != anchor.first_hash:
        return ChainBreak(0, "the first row is not the one of the last check: the trail was replaced or re-chained")
    if anchored is None:
        return ChainBreak(0, f"row {anchor.row_id}, checked before, is gone: rows were cut off the end "
                             "(or an older copy of log.db is in place)")
    if anchored != anchor.hash:
        return ChainBreak(anchor.row_id, "its hash differs from the last check: the chain up to it was recomputed")
    return None


def _why(row_id: int, previous_id: int, stored: Any) -> str:
    if stored is None:
        return "has no chain hash (appended around the program, or the chain was removed)"
    if row_id != previous_id + 1:
        return f"rows {previous_id + 1}..{row_id - 1} before it are missing (deleted)"
    return "its content, or the row before it, was changed (the hash does not match)"


def open_read_only(path: Path) -> sqlite3.Connection:
    uri = Path(path).resolve().as_uri() + "?mode=ro"
    conn = sqlite3.connect(uri, uri=True, timeout=BUSY_TIMEOUT_MS / 1000, isolation_level=None)
    conn.execute(f"PRAGMA busy_timeout = {BUSY_TIMEOUT_MS:d}")
    return conn


def verify_file(path: Path, anchor: Anchor | None = None, *, tail_only: bool = False) -> ChainReport:
    """Verify log.db's trail from a read-only connection (any thread, any process); ``tail_only``
    (with an anchor): only the rows after it (:func:`verify_tail`)."""
    if not Path(path).exists():
        return ChainReport(0, 0, error=f"{path} does not exist")
    try:
        conn = open_read_only(path)
    except sqlite3.Error as exc:
        return ChainReport(0, 0, error=f"{path}: {exc}")
    try:
        columns = {row[1] for row in conn.execute("PRAGMA table_info(audit)")}
        if not columns:
            return ChainReport(0, 0, error=f"{path} has no audit table")
        if "hash" not in columns:
            return ChainReport(0, 0, error=f"{path} has no hash chain yet (start the engine once to upgrade it)")
        if tail_only and anchor is not None:
            return verify_tail(conn, anchor)
        return verify_rows(conn, anchor=anchor)
    except (sqlite3.Error, ValueError, TypeError, OverflowError) as exc:  # a damaged file: said, never a crash
        return ChainReport(0, 0, error=f"{path}: {type(exc).__name__}: {exc}")
    finally:
        conn.close()
