"""The raw recorder: every GOOD and STALE snapshot becomes one row of raw.db ``samples``.

The engine calls :meth:`Recorder.record` from its fan-out after every poll: it appends a tuple
to the writer's queue and returns at once (the poll loop never waits on storage). COMM_ERROR
snapshots carry no data and are not recorded: the gap is logged as an event in log.db by the
engine (link_lost / link_restored), never as invented samples. A STALE snapshot's missing
values (None) become NULL.
"""

from __future__ import annotations

import operator
import sqlite3
import time
from collections.abc import Callable, Mapping, Sequence
from itertools import chain
from pathlib import Path
from typing import Any

from core.analysis.alarms import AlarmManager
from core.config import Settings, SqliteSettings
from core.registers import RegisterMap
from core.snapshot import Quality, Snapshot
from core.storage.schema import check_column_name
from core.storage.sqlite_open import database_path
from core.storage.sqlite_writer import BatchWriter

MAX_VARIABLES = 32766 if sqlite3.sqlite_version_info >= (3, 32, 0) else 999  # SQLITE_MAX_VARIABLE_NUMBER
Row = tuple[Any, ...]  # (ts_ms, value of each column in order)


def row_bytes(columns: int) -> int:
    """Memory one queued row takes, for the memory budget (CPython 3.11, 64-bit).

    tuple header 40 + 8 per slot, a float object (24) per value (shared with the Snapshot while
    that lives, the tuple's alone after), an int for ts_ms (32), a deque slot (8).
    """
    return 40 + 8 * (columns + 1) + 24 * columns + 32 + 8


class Recorder(BatchWriter[Row]):
    """Single writer of raw.db. ``record`` from the event loop; ``start``/``stop`` around it."""

    def __init__(
        self,
        path: Path,
        columns: Sequence[str],
        *,
        alarms: AlarmManager,
        sqlite: SqliteSettings,
        clock: Callable[[], float] = time.time,
        **options: Any,
    ) -> None:
        names = tuple(dict.fromkeys(check_column_name(name) for name in columns))
        super().__init__(
            "raw", path, alarms=alarms, sqlite=sqlite, row_bytes=row_bytes(len(names)),
            sample_columns=names, clock=clock, **options,
        )
        self.columns = names
        placeholders = ", ".join("?" * (len(names) + 1))
        quoted = "".join(f', "{name}"' for name in names)
        self._insert = f"INSERT INTO samples (ts_ms{quoted}) VALUES ({placeholders})"
        self._insert_head = f"INSERT INTO samples (ts_ms{quoted}) VALUES "
        self._one_row = f"({placeholders})"
        self._rows_per_statement = max(1, MAX_VARIABLES // (len(names) + 1))
        self._multi: dict[int, str] = {}
        self.skipped_comm_error = 0
        # itemgetter of one name returns the bare value, of several a tuple: always a tuple here.
        getter = operator.itemgetter(*names) if names else None
        self._get: Callable[[Mapping[str, Any]], tuple[Any, ...]] = (
            (lambda values: ()) if getter is None
            else (lambda values: (getter(values),)) if len(names) == 1
            else getter
        )

    @classmethod
    def from_settings(
        cls, settings: Settings, register_map: RegisterMap, alarms: AlarmManager, **options: Any
    ) -> Recorder:
        """raw.db under ``<data_dir>/databases`` with a column per register of the map."""
        return cls(
            database_path(settings.data_dir, "raw"), register_map.names,
            alarms=alarms, sqlite=settings.database.sqlite, **options,
        )

    def record(self, snapshot: Snapshot) -> bool:
        """Queue ``snapshot`` for raw.db; never blocks.

        Returns False when nothing was queued: a COMM_ERROR snapshot (no data, by design), or the
        memory budget is exhausted (counted in ``rows_dropped``, alarm storage.rows_dropped).
        """
        if snapshot.quality is Quality.COMM_ERROR:
            self.skipped_comm_error += 1
            return False
        values = snapshot.values
        try:
            row = (snapshot.ts_ms, *self._get(values))  # C speed when every register is present
        except KeyError:
            row = (snapshot.ts_ms, *map(values.get, self.columns))
        return self.submit(row)

    def journal_form(self, item: Row) -> tuple[str, Row]:
        return self._insert, item

    def _write_batch(self, conn: Any, items: list[Row]) -> None:
        # One multi-row INSERT per chunk instead of executemany: executemany releases and
        # re-takes the GIL around every row, and each re-take waits for the producer thread
        # (up to the 5 ms switch interval) when the event loop is busy.
        per = self._rows_per_statement
        for start in range(0, len(items), per):
            chunk = items[start : start + per]
            conn.execute(self._multi_insert(len(chunk)), list(chain.from_iterable(chunk)))

    def _multi_insert(self, rows: int) -> str:
        sql = self._multi.get(rows)
        if sql is None:
            sql = self._multi[rows] = self._insert_head + ", ".join([self._one_row] * rows)
        return sql
