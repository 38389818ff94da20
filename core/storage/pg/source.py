"""Read-only access to the SQLite databases the mirror copies from.

Each source database has exactly one writer elsewhere in the engine; the mirror only ever opens
``file:...?mode=ro`` connections, so it cannot write to them even by mistake. All methods are
blocking and run on the mirror's own SQLite thread, never on the event loop.
"""

from __future__ import annotations

import logging
import sqlite3
from pathlib import Path
from typing import Any

from core.storage.generation import LEGACY, Generation, read_generation
from core.storage.pg.tables import TableSpec, quote_ident

log = logging.getLogger("bandsaw.storage.postgres")

Row = tuple[Any, ...]


class SourceReader:
    def __init__(self, databases_dir: Path) -> None:
        self._dir = databases_dir
        self._connections: dict[str, sqlite3.Connection] = {}
        self._inodes: dict[str, tuple[int, int]] = {}  # the file each connection opened
        self._contract_warned: set[str] = set()

    def path(self, spec: TableSpec) -> Path:
        return self._dir / f"{spec.database}.db"

    def _connection(self, spec: TableSpec) -> sqlite3.Connection | None:
        conn = self._connections.get(spec.database)
        if conn is not None:
            return conn
        path = self.path(spec)
        try:
            stat = path.stat()
        except OSError:
            return None
        try:
            conn = sqlite3.connect(f"{path.as_uri()}?mode=ro", uri=True, timeout=5.0, isolation_level=None)
            conn.execute("PRAGMA query_only = 1")
        except sqlite3.Error as exc:
            log.warning("cannot open %s read-only: %s", path, exc)
            return None
        self._connections[spec.database] = conn
        self._inodes[spec.database] = (stat.st_dev, stat.st_ino)
        return conn

    def _drop_if_replaced(self, spec: TableSpec) -> None:
        """Forget the connection when the file at the path is no longer the one it opened."""
        if spec.database not in self._connections:
            return
        try:
            stat = self.path(spec).stat()
            current: tuple[int, int] | None = (stat.st_dev, stat.st_ino)
        except OSError:
            current = None
        if current != self._inodes.get(spec.database):
            log.info("%s was replaced or removed: reopening", self.path(spec))
            self._forget(spec)

    def _forget(self, spec: TableSpec) -> None:
        conn = self._connections.pop(spec.database, None)
        self._inodes.pop(spec.database, None)
        if conn is not None:
            conn.close()

    def columns(self, spec: TableSpec) -> list[tuple[str, str]] | None:
        """(name, declared type) in mirror order (id, ts_ms, the rest), or None: not there yet."""
        self._drop_if_replaced(spec)  # checked once per cycle: columns() opens every table's turn
        conn = self._connection(spec)
        if conn is None:
            return None
        try:
            info = conn.execute(f"PRAGMA table_info({quote_ident(spec.table)})").fetchall()
        except sqlite3.Error as exc:
            log.warning("cannot read the columns of %s: %s", spec.name, exc)
            self._forget(spec)
            return None
        if not info:
            return None  # the table is not created yet
        by_name = {row[1]: str(row[2] or "") for row in info}
        if "id" not in by_name or "ts_ms" not in by_name:
            if spec.name not in self._contract_warned:
                self._contract_warned.add(spec.name)
                log.error("%s lacks the id/ts_ms columns of the storage contract; not mirrored", spec.name)
            return None
        rest = [(row[1], str(row[2] or "")) for row in info if row[1] not in ("id", "ts_ms")]
        return [("id", by_name["id"]), ("ts_ms", by_name["ts_ms"]), *rest]

    def generation(self, spec: TableSpec) -> Generation | None:
        """The source file's generation (``legacy`` for a file without one); None: not there."""
        conn = self._connection(spec)
        if conn is None:
            return None
        try:
            found = read_generation(conn)
        except sqlite3.Error as exc:
            log.warning("cannot read the generation of %s: %s", self.path(spec), exc)
            self._forget(spec)
            return None
        return found if found is not None else Generation(LEGACY)

    def read(self, spec: TableSpec, columns: list[str], after_id: int, limit: int) -> list[Row] | None:
        """Up to ``limit`` rows with id > ``after_id``, oldest first; row[0] is the id.

        None when the table's columns are no longer ``columns`` (a column was added): rows
        written since would lose the new value, so the caller re-plans first. The check and
        the read share one read transaction, so they see the same schema.
        """
        conn = self._connection(spec)
        if conn is None:
            return []
        names = ", ".join(quote_ident(name) for name in columns)
        sql = f"SELECT {names} FROM {quote_ident(spec.table)} WHERE id > ? ORDER BY id LIMIT ?"
        try:
            conn.execute("BEGIN")
            try:
                info = conn.execute(f"PRAGMA table_info({quote_ident(spec.table)})").fetchall()
                if sorted(row[1] for row in info) != sorted(columns):
                    return None
                return conn.execute(sql, (after_id, limit)).fetchall()
            finally:
                conn.execute("COMMIT")
        except sqlite3.Error:
            self._forget(spec)  # e.g. the file was replaced by a restore: reopen next time
            raise

    def read_ids(self, spec: TableSpec, columns: list[str], ids: list[int]) -> dict[int, Row]:
        conn = self._connection(spec)
        if conn is None or not ids:
            return {}
        names = ", ".join(quote_ident(name) for name in columns)
        marks = ", ".join("?" for _ in ids)
        sql = f"SELECT {names} FROM {quote_ident(spec.table)} WHERE id IN ({marks})"
        return {row[0]: row for row in conn.execute(sql, ids).fetchall()}

    def backlog(self, spec: TableSpec, after_id: int) -> tuple[int, int | None, int | None]:
        """(rows after the cursor, ts_ms of the oldest of them, the highest id ever given).

        The highest id comes from sqlite_sequence (AUTOINCREMENT's memory, which deleting old
        rows does not lower); None when the table is not there.
        """
        conn = self._connection(spec)
        if conn is None:
            return 0, None, None
        table = quote_ident(spec.table)
        try:
            newest = conn.execute(f"SELECT max(id) FROM {table}").fetchone()[0] or 0
            oldest = conn.execute(
                f"SELECT ts_ms FROM {table} WHERE id > ? ORDER BY id LIMIT 1", (after_id,)
            ).fetchone()
            try:
                seq = conn.execute("SELECT seq FROM sqlite_sequence WHERE name = ?", (spec.table,)).fetchone()
            except sqlite3.OperationalError:  # no AUTOINCREMENT table in this file yet
                seq = None
        except sqlite3.Error:
            self._forget(spec)
            return 0, None, None
        high = max(newest, seq[0] if seq else 0)
        return max(0, newest - after_id), (oldest[0] if oldest else None), high

    def close(self) -> None:
        for conn in self._connections.values():
            conn.close()
        self._connections.clear()
