"""Reading the audit trail (read-only connection), exporting it as CSV, and appending from outside the engine.

The HMI's audit page and ``bandsaw users`` use these. Inside the running engine rows are written
by log.db's single writer (``LogWriter.audit``); a separate process (the command line) appends
its few rows with :func:`append_audit` in one short transaction (WAL lets both coexist).
"""

from __future__ import annotations

import csv
import sqlite3
from collections.abc import Callable, Iterable, Iterator
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path

from core.security.audit import AuditRecord
from core.security.audit_chain import insert_chained
from core.security.audit_route import AUTOMATIC_USERS

COLUMNS = ("id", "ts_ms", "user", "action", "target", "old_value", "new_value", "result", "detail")
BUSY_TIMEOUT_MS = 5000


@dataclass(frozen=True, slots=True)
class AuditFilter:
    start_ms: int | None = None  # inclusive
    end_ms: int | None = None  # exclusive
    user: str = ""  # exact login name
    actions: tuple[str, ...] = ()  # any of: an exact action, or a prefix ending in "_" ("alarm_", "user_")
    text: str = ""  # substring of target or detail
    result: str = ""  # accepted, clamped, refused, failed
    automatic: bool = True  # False: hide the engine's own rows (users in audit_route.AUTOMATIC_USERS)

    def where(self) -> tuple[str, list[object]]:
        clauses: list[str] = []
        values: list[object] = []
        if not self.automatic:
            clauses.append(f"user NOT IN ({', '.join('?' * len(AUTOMATIC_USERS))})")
            values.extend(sorted(AUTOMATIC_USERS))
        if self.start_ms is not None:
            clauses.append("ts_ms >= ?")
            values.append(self.start_ms)
        if self.end_ms is not None:
            clauses.append("ts_ms < ?")
            values.append(self.end_ms)
        if self.user:
            clauses.append("user = ?")
            values.append(self.user)
        if self.actions:
            either: list[str] = []
            for action in self.actions:
                if action.endswith("_"):
                    either.append("substr(action, 1, ?) = ?")
                    values.extend((len(action), action))
                else:
                    either.append("action = ?")
                    values.append(action)
            clauses.append("(" + " OR ".join(either) + ")")
        if self.text:
            clauses.append("(instr(lower(target), ?) > 0 OR instr(lower(coalesce(detail, '')), ?) > 0)")
            values.extend((self.text.lower(), self.text.lower()))
        if self.result:
            clauses.append("result = ?")
            values.append(self.result)
        return (" WHERE " + " AND ".join(clauses) if clauses else ""), values


@dataclass(frozen=True, slots=True)
class AuditRow:
    id: int
    ts_ms: int
    user: str
    action: str
    target: str
    old_value: object
    new_value: object
    result: str
    detail: str


def open_read_only(path: Path) -> sqlite3.Connection:
    """A read-only connection: this side can never change the trail. OperationalError if no file."""
    uri = Path(path).resolve().as_uri() + "?mode=ro"
    conn = sqlite3.connect(uri, uri=True, timeout=BUSY_TIMEOUT_MS / 1000)
    conn.execute(f"PRAGMA busy_timeout = {BUSY_TIMEOUT_MS:d}")
    return conn


def query_audit(path: Path, where: AuditFilter = AuditFilter(), *, limit: int = 1000) -> list[AuditRow]:
    """The newest ``limit`` matching rows, newest first; [] when log.db does not exist yet."""
    if not Path(path).exists():
        return []
    conn = open_read_only(path)
    try:
        sql, values = where.where()
        rows = conn.execute(
            f"SELECT {', '.join(COLUMNS)} FROM audit{sql} ORDER BY id DESC LIMIT ?", (*values, int(limit))
        ).fetchall()
    finally:
        conn.close()
    return [_row(row) for row in rows]


def distinct_values(path: Path, column: str) -> list[str]:
    """Users or actions seen in the trail (for the filter lists)."""
    if column not in ("user", "action", "result") or not Path(path).exists():
        return []
    conn = open_read_only(path)
    try:
        return [str(r[0]) for r in conn.execute(f"SELECT DISTINCT {column} FROM audit ORDER BY 1").fetchall()]
    finally:
        conn.close()


def export_csv(
    path: Path,
    out: Path,
    where: AuditFilter = AuditFilter(),
    *,
    cancel: Callable[[], bool] | None = None,
    page_rows: int = 5000,
) -> int:
    """Write every matching row, oldest first, to ``out`` (UTF-8 CSV with an ISO UTC time column).

    Written to ``out.part`` and renamed when complete; returns the number of rows.
    Raises InterruptedError when ``cancel()`` turns true (the partial file is removed).
    """
    out = Path(out)
    part = out.with_name(out.name + ".part")
    count = 0
    try:
        with part.open("w", newline="", encoding="utf-8") as handle:
            writer = csv.writer(handle)
            writer.writerow(("time_utc", *COLUMNS))
            for row in _iter_rows(path, where, page_rows):
                if cancel is not None and cancel():
                    raise InterruptedError("export cancelled")
                writer.writerow((_iso(row[1]), *row))
                count += 1
        part.replace(out)
    except BaseException:
        part.unlink(missing_ok=True)
        raise
    return count


def _iter_rows(path: Path, where: AuditFilter, page_rows: int) -> Iterator[tuple[object, ...]]:
    if not Path(path).exists():
        return
    conn = open_read_only(path)
    try:
        sql, values = where.where()
        last = 0
        joiner = " AND " if sql else " WHERE "
        while True:
            page = conn.execute(
                f"SELECT {', '.join(COLUMNS)} FROM audit{sql}{joiner}id > ? ORDER BY id LIMIT ?",
                (*values, last, page_rows),
            ).fetchall()
            if not page:
                return
            yield from page
            last = int(page[-1][0])
    finally:
        conn.close()


def append_audit(path: Path, records: Iterable[AuditRecord]) -> int:
    """Append rows from a process other than the engine (the command line); returns how many.

    log.db must exist with its ``audit`` table (the engine or ``bandsaw`` created it); the
    caller creates it first with core.storage.sqlite_open.open_writer when it does not.
    """
    rows = [
        (r.ts_ms, r.user, r.action, r.target, r.old_value, r.new_value, str(r.result), r.detail) for r in records
    ]
    conn = sqlite3.connect(path, timeout=BUSY_TIMEOUT_MS / 1000, isolation_level=None)
    try:
        conn.execute(f"PRAGMA busy_timeout = {BUSY_TIMEOUT_MS:d}")
        conn.execute("BEGIN IMMEDIATE")  # the chain's last hash and our rows in one transaction
        try:
            insert_chained(conn, rows)
            conn.execute("COMMIT")
        except BaseException:
            conn.execute("ROLLBACK")
            raise
    finally:
        conn.close()
    return len(rows)


def _iso(ts_ms: object) -> str:
    return datetime.fromtimestamp(int(ts_ms) / 1000, UTC).isoformat(timespec="milliseconds")  # type: ignore[call-overload]


def _row(row: tuple[object, ...]) -> AuditRow:
    return AuditRow(
        id=int(row[0]), ts_ms=int(row[1]), user=str(row[2]), action=str(row[3]),  # type: ignore[call-overload]
        target=str(row[4]), old_value=row[5], new_value=row[6], result=str(row[7]), detail=str(row[8] or ""),
    )
