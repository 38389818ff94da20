"""The raw recorder: every GOOD and STALE snapshot becomes one row of raw.db ``samples``.

The engine calls :meth:`Recorder.record` from its fan-out after every poll: it appends a tuple
to the writer's queue and returns at once (the poll loop never waits on storage). COMM_ERROR
snapshots carry no data and are not recorded: the gap is logged as an event in log.db by the
engine (link_lost / link_restored), never as invented samples. A STALE snapshot's missing
values (None) become NULL.
"""

from __future__ import annotations

import operator
import time
from collections.abc import Callable, Mapping, Sequence
from pathlib import Path
from typing import Any

from core.analysis.alarms import AlarmManager
from core.config import Settings, SqliteSettings
from core.registers import RegisterMap
from core.snapshot import Quality, Snapshot
from core.storage.schema import check_column_name
from core.storage.sqlite_open import database_path
from core.storage.sqlite_writer import BatchWriter

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

    def _write_batch(self, conn: Any, items: list[Row]) -> None:
        conn.executemany(self._insert, items)
