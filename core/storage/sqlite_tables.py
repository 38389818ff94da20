"""A batched writer for databases of ordinary tables (total, ml, anomaly, and log via LogWriter).

Rows are (SQL, parameters) pairs queued by the producers; a batch groups consecutive rows of the
same statement into one ``executemany``, all in one transaction (see sqlite_writer).
"""

from __future__ import annotations

import re
import sqlite3
from collections.abc import Mapping
from itertools import groupby
from pathlib import Path
from typing import Any

from core.storage.sqlite_writer import BatchWriter

SqlRow = tuple[str, tuple[Any, ...]]
_IDENTIFIER = re.compile(r"^[a-z_][a-z0-9_]*$")


class SqlWriter(BatchWriter[SqlRow]):
    """The single writer of one database with ordinary tables.

    ``insert("cuts", {"ts_ms": ..., "start_ms": ...})`` queues one row; it is written with the
    next batch. Use ``execute(fn)`` for anything that is not an insert (e.g. updating counters).
    """

    def __init__(self, db: str, path: Path, **options: Any) -> None:
        super().__init__(db, path, **options)
        self._statements: dict[tuple[str, tuple[str, ...]], str] = {}

    def insert(self, table: str, row: Mapping[str, Any]) -> bool:
        """Queue one row; False only when the queue's memory budget is exhausted (alarm raised)."""
        columns = tuple(row)
        key = (table, columns)
        cache = self._statements
        sql = cache.get(key)
        if sql is None:
            for name in (table, *columns):
                if not _IDENTIFIER.match(name):
                    raise ValueError(f"{self.db}.db: {name!r} is not a valid table or column name")
            names = ", ".join(f'"{name}"' for name in columns)
            sql = cache[key] = f'INSERT INTO "{table}" ({names}) VALUES ({", ".join("?" * len(columns))})'
        return self.submit((sql, tuple(row.values())))

    def journal_form(self, item: SqlRow) -> SqlRow:
        return item

    def _write_batch(self, conn: sqlite3.Connection, items: list[SqlRow]) -> None:
        for sql, group in groupby(items, key=lambda item: item[0]):
            conn.executemany(sql, [params for _, params in group])
