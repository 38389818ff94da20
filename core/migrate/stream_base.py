"""One import stream: a source table of the older system mapped row by row into a target table."""

from __future__ import annotations

import math
import sqlite3
from collections.abc import Sequence
from typing import Any

from core.migrate.localtime import LocalTimeConverter, LocalTimeError

Row = tuple[Any, ...]


class Reject(Exception):
    """This source row cannot be mapped; the message says why (it goes to the reject file)."""


class Duplicate(Exception):
    """This source row repeats the sample already at its time, value for value: skipped, counted."""


class ImportStream:
    """Subclasses set the names and ``wanted``, and implement ``map_row`` (and ``insert_sql``)."""

    source_db = ""  # total, ml, anomaly, log (the older system's file stems)
    table = ""
    target_db = ""  # raw, total, ml, anomaly, log (this project's)
    target_table = ""
    wanted: tuple[str, ...] = ()  # source columns, the first is the timestamp

    def __init__(self, times: LocalTimeConverter) -> None:
        self.times = times
        self.columns: tuple[str, ...] = ()
        self.missing: tuple[str, ...] = ()
        self.first_ms: int | None = None
        self.last_ms: int | None = None

    @property
    def name(self) -> str:
        return f"{self.source_db}.{self.table} -> {self.target_db}.{self.target_table}"

    def bind(self, available: Sequence[str]) -> None:
        """The source table's columns are known: older versions of that system lack some."""
        present = set(available)
        self.columns = tuple(name for name in self.wanted if name in present)
        self.missing = tuple(name for name in self.wanted if name not in present)
        if self.wanted and self.wanted[0] not in present:
            raise Reject(f"{self.source_db}.db {self.table} has no {self.wanted[0]} column")

    def select_sql(self) -> str:
        names = ", ".join(f'"{name}"' for name in self.columns)
        return f'SELECT rowid, {names} FROM "{self.table}" WHERE rowid > ? ORDER BY rowid'

    # --- per row --------------------------------------------------------------------------

    def map_row(self, row: Row) -> Row | None:
        """Target parameters for one source row (rowid first in ``row``), None to skip; or Reject."""
        raise NotImplementedError

    def insert_sql(self) -> str:
        raise NotImplementedError

    def write(self, conn: sqlite3.Connection, rows: list[Row]) -> int:
        """Insert ``rows`` (inside the batch's transaction); returns how many were new."""
        return max(conn.executemany(self.insert_sql(), rows).rowcount, 0)

    def attach(self, source: sqlite3.Connection) -> None:
        """The source file's connection, for streams that read more of it than their table."""

    def prepare(self, conn: sqlite3.Connection) -> None:
        """Called once with the target connection before the first batch (schema checks)."""

    def state(self) -> dict[str, Any] | None:
        """Carried to the next run in the ledger."""
        return None

    def restore(self, state: dict[str, Any] | None) -> None:
        """The state the ledger carried from the previous run."""

    # --- helpers --------------------------------------------------------------------------

    def timestamp(self, text: object) -> int:
        try:
            ms = self.times.to_utc_ms(text)
        except LocalTimeError as exc:
            raise Reject(str(exc)) from None
        if self.first_ms is None or ms < self.first_ms:
            self.first_ms = ms
        if self.last_ms is None or ms > self.last_ms:
            self.last_ms = ms
        return ms

    def period(self) -> tuple[int | None, int | None]:
        """The first and last time of the rows mapped in this run."""
        return self.first_ms, self.last_ms

    def as_dict(self, row: Row) -> dict[str, Any]:
        return dict(zip(("rowid", *self.columns), row, strict=False))


def number(value: object, column: str) -> float | None:
    """A REAL/INTEGER source value; text where a number belongs (or inf) is a Reject."""
    if value is None:
        return None
    if type(value) is float:
        if math.isfinite(value):
            return value
        raise Reject(f"{column}: {value!r} is not a finite number")
    if type(value) is int:
        return float(value)
    if isinstance(value, str):
        try:
            parsed = float(value.strip().replace(",", "."))
        except ValueError:
            raise Reject(f"{column}: text {value!r} where a number belongs") from None
        if math.isfinite(parsed):
            return parsed
    raise Reject(f"{column}: {value!r} where a number belongs")


def text(value: object) -> str | None:
    if value is None:
        return None
    return value if isinstance(value, str) else str(value)


def parse_code(value: object, enum: dict[str, float]) -> tuple[float | None, int]:
    """A code column's value: a number (also written as text) kept, a name its enum code or NULL.

    ``enum``: the register's names, stripped and casefolded -> code. The second item is 1 when
    the value was a name the enum does not know (counted in the summary), else 0.
    """
    if value is None or isinstance(value, int | float):
        return (None if value is None else float(value)), 0
    text_ = str(value).strip()
    try:
        number_ = float(text_.replace(",", "."))
    except ValueError:
        number_ = math.nan
    if math.isfinite(number_):
        return number_, 0
    if text_.casefold() in enum:
        return enum[text_.casefold()], 0
    return None, int(bool(text_))
