"""total.db ``sensor_data`` -> raw.db ``samples`` (and the PLC alarm history -> log.db ``alarm_log``).

The hot path of an import (millions of rows): SQLite checks each row's types in the SELECT
itself (a flag column), so a clean row is one timestamp conversion and a tuple copy in Python;
only a flagged row is examined value by value to say why it is rejected.

While the samples go by, changes of ``alarm_status`` become alarm_log transitions (key
``plc.alarm``, user ``smart-saw``) like the engine logs them from the PLC's alarm register.
"""

from __future__ import annotations

import math
import sqlite3
from collections.abc import Callable, Sequence
from typing import Any

from core.migrate import units
from core.migrate.localtime import LocalTimeConverter, LocalTimeError
from core.migrate.smart_saw_columns import CODE_COLUMNS, NUMERIC_COLUMNS
from core.migrate.stream_base import Duplicate, ImportStream, Reject, Row, number, parse_code
from core.registers import RegisterMap
from core.storage.recorder import MAX_VARIABLES

PLC_ALARM = "plc.alarm"
DUPLICATE_TIME = "duplicate timestamp, different values"
_INF = math.inf
_NEG_INF = -math.inf
_NUMBER_TYPES = frozenset((float, int, type(None)))
ALARM_USER = "smart-saw"
_INSERT_ALARM = (
    "INSERT INTO alarm_log (ts_ms, alarm_key, action, state, previous_state, priority, text, value, user) "
    "VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?)"
)


class MappingError(ValueError):
    """The register map cannot take the older system's columns (e.g. a unit with no conversion)."""


class SamplesStream(ImportStream):
    source_db = "total"
    table = "sensor_data"
    target_db = "raw"
    target_table = "samples"
    side_db = "log"
    side_name = "total.sensor_data -> log.alarm_log"

    def __init__(
        self,
        times: LocalTimeConverter,
        register_map: RegisterMap,
        *,
        machine_id: int | None = None,
        alarm_codes: dict[int, str] | None = None,
        alarm_priority: int = 1,
    ) -> None:
        super().__init__(times)
        self._map = register_map
        self._machine_id = machine_id
        self._alarm_codes = alarm_codes or {}
        self._alarm_priority = alarm_priority
        self.wanted = ("timestamp", *NUMERIC_COLUMNS, *CODE_COLUMNS)
        self.registers: tuple[str, ...] = ()
        self._numeric: tuple[str, ...] = ()
        self._codes: tuple[str, ...] = ()
        self._convert: list[tuple[int, units.Linear]] = []
        self._machine_index: int | None = None
        self._status_index: int | None = None
        self.unmapped_registers: tuple[str, ...] = ()  # columns whose register is not in the map
        self.unconvertible: list[str] = []  # columns whose unit has no conversion to the register's
        self._enums: list[dict[str, float]] = []
        self.named_codes = 0  # code values given as names (material "St37"): NULL in samples
        self._split = 2
        self._to_utc_ms = times.to_utc_ms
        self._first_seen = 2**62
        self._last_seen = -(2**62)
        self._code_cache: dict[tuple[Any, ...], tuple[tuple[float | None, ...], int]] = {}
        self._rows_per_statement = 1
        self._sql: dict[int, str] = {}
        # alarm history
        self.side_from = 0  # alarm rows only after this source rowid (the side ledger's)
        self._side: list[Row] = []
        self._alarm_code = 0
        self._alarm_text = ""
        # One sample per ts_ms (the engine never records two; the PostgreSQL mirror keys samples
        # on (machine_id, ts_ms)): the last sample mapped, those mapped but not yet written, and
        # ``lookup`` (ts_ms -> the values raw.db already holds there, set by the importer).
        self.duplicates = 0  # rows skipped: the same time and values as the sample already there
        self.lookup: Callable[[int], tuple[Any, ...] | None] | None = None
        self._last: tuple[int, tuple[Any, ...]] | None = None
        self._pending: dict[int, tuple[Any, ...]] = {}
        self.remember = True  # False (a dry run): nothing kept but the last sample, memory bounded

    def bind(self, available: Sequence[str]) -> None:
        super().bind(available)
        numeric: list[str] = []
        codes: list[str] = []
        unmapped: list[str] = []
        converters: dict[str, units.Linear] = {}
        for column in self.columns[1:]:
            spec = NUMERIC_COLUMNS.get(column) or CODE_COLUMNS[column]
            if spec.register not in self._map:
                unmapped.append(spec.register)
                continue
            register = self._map[spec.register]
            try:
                converters[column] = units.conversion(spec.unit, register.unit)
            except units.UnitError as exc:
                # A value in the wrong unit is worse than none: leave the column out, say so.
                self.unconvertible.append(f"sensor_data.{column} -> {spec.register}: {exc}; left out")
                continue
            (numeric if column in NUMERIC_COLUMNS else codes).append(column)
        self._numeric, self._codes = tuple(numeric), tuple(codes)
        self.columns = (self.columns[0], *numeric, *codes)
        registers = [(NUMERIC_COLUMNS.get(c) or CODE_COLUMNS[c]).register for c in self.columns[1:]]
        self._convert = [(i, converters[c]) for i, c in enumerate(self.columns[1:]) if not converters[c].identity]
        # A code column's text may be one of the register's names (enum): "C45" -> its code.
        self._enums = [{name.strip().casefold(): float(code) for code, name in self._map[r].enum}
                       for r in registers[len(numeric):]]
        self.registers = tuple(registers)
        self.unmapped_registers = tuple(unmapped)
        index_of = {name: i for i, name in enumerate(registers)}
        self._machine_index = index_of.get("machine_id")
        self._status_index = index_of.get("alarm_status")
        self._rows_per_statement = max(1, MAX_VARIABLES // (len(registers) + 1))
        self._split = 2 + len(self._numeric)

    # --- what the bulk path (core.migrate.samples_bulk) builds its SQL from -----------------

    @property
    def numeric_columns(self) -> tuple[str, ...]:
        """Source columns read as numbers, in ``registers`` order (the first ones)."""
        return self._numeric

    @property
    def code_columns(self) -> tuple[str, ...]:
        """Source columns read as codes, in ``registers`` order (after the numeric ones)."""
        return self._codes

    @property
    def conversions(self) -> dict[int, units.Linear]:
        """Index into ``registers`` -> the unit conversion applied to that numeric column."""
        return {index: linear for index, linear in self._convert if index < len(self._numeric)}

    @property
    def machine_override(self) -> tuple[int, float] | None:
        """(index into ``registers``, value) when ``--machine-id`` replaces the source's makine_id."""
        if self._machine_id is None or self._machine_index is None:
            return None
        return self._machine_index, float(self._machine_id)

    @property
    def status_column(self) -> str | None:
        """The source column of alarm_status when it is imported (the alarm history follows it)."""
        return self._numeric[self._status_index] if self._status_index is not None \
            and self._status_index < len(self._numeric) else None

    @property
    def alarm_code(self) -> int:
        """The PLC alarm code in force after the last row seen."""
        return self._alarm_code

    def note_period(self, first_ms: int, last_ms: int) -> None:
        """Rows mapped elsewhere (in SQLite) widen the period like ``map_row`` does."""
        self._first_seen = min(self._first_seen, first_ms)
        self._last_seen = max(self._last_seen, last_ms)

    def select_sql(self) -> str:
        values = ", ".join(f'"{c}"' for c in (*self._numeric, *self._codes)) or "NULL"
        text_info = '"alarm_bilgisi"' if "alarm_bilgisi" in self._codes else "NULL"
        return f'SELECT rowid, "timestamp", {values}, {text_info} FROM sensor_data WHERE rowid > ? ORDER BY rowid'

    def prepare(self, conn: sqlite3.Connection) -> None:
        present = {row[1] for row in conn.execute("PRAGMA table_info(samples)")}
        missing = [name for name in self.registers if name not in present]
        if missing:
            raise MappingError(f"raw.db samples lacks columns {missing}: open it once with the current register map")

    # --- rows -------------------------------------------------------------------------------

    def map_row(self, row: Row) -> Row | None:
        try:
            ts_ms = self._to_utc_ms(row[1])
        except LocalTimeError as exc:
            raise Reject(str(exc)) from None
        # The period's ends: a compare is cheaper than a min()/max() call on this path.
        if ts_ms > self._last_seen:  # noqa: PLR1730
            self._last_seen = ts_ms
        if ts_ms < self._first_seen:  # noqa: PLR1730
            self._first_seen = ts_ms
        split = self._split
        numbers = row[2:split]
        # Clean rows (nearly all) take C-speed checks only: every type a number or None, no inf.
        if not _NUMBER_TYPES.issuperset(map(type, numbers)) or _INF in numbers or _NEG_INF in numbers:
            self._explain(row)
        codes = row[split:-1]
        parsed = self._code_cache.get(codes)
        if parsed is None:
            parsed = self._parse_codes(codes)
        self.named_codes += parsed[1]
        if self._convert or self._machine_id is not None:
            values = list(numbers)
            for index, linear in self._convert:
                if values[index] is not None:
                    values[index] = linear(values[index])
            if self._machine_id is not None and self._machine_index is not None:
                values[self._machine_index] = float(self._machine_id)
            numbers = tuple(values)
        mapped = (*numbers, *parsed[0])
        self._one_per_time(ts_ms, mapped)
        status = self._status_index
        # NULL says nothing about the alarm (not a clear): only a number changes its state.
        if status is not None and numbers[status] != self._alarm_code and numbers[status] is not None \
                and row[0] > self.side_from:
            self._alarm(ts_ms, numbers[status], row[-1])
        return (ts_ms, *mapped)

    def _one_per_time(self, ts_ms: int, values: tuple[Any, ...]) -> None:
        """Raise Duplicate (same values) or Reject (others) when a sample is already at ``ts_ms``."""
        last = self._last
        if last is not None and last[0] == ts_ms:
            there: tuple[Any, ...] | None = last[1]
        else:
            there = self._pending.get(ts_ms)
            if there is None and self.lookup is not None:
                there = self.lookup(ts_ms)
        if there is not None:
            if tuple(there) == values:
                raise Duplicate
            raise Reject(DUPLICATE_TIME)
        self._last = (ts_ms, values)
        if self.remember:
            self._pending[ts_ms] = values

    def follow_sample(self, ts_ms: int, values: tuple[Any, ...]) -> None:
        """The last sample written was mapped elsewhere (the bulk path's SQL): it is the row before."""
        self._last = (ts_ms, values)

    def written(self) -> None:
        """The rows mapped so far are in raw.db (or, in a dry run, given up): ``lookup`` has them."""
        self._pending.clear()

    def _parse_codes(self, codes: tuple[Any, ...]) -> tuple[tuple[float | None, ...], int]:
        """Code columns' values: numbers (also written as text) kept, names counted and left NULL."""
        values: list[float | None] = []
        names = 0
        for value, enum in zip(codes, self._enums, strict=True):
            code, named = parse_code(value, enum)
            values.append(code)
            names += named
        parsed = (tuple(values), names)
        if len(self._code_cache) > 10_000:  # free text everywhere: do not grow without bound
            self._code_cache.clear()
        self._code_cache[codes] = parsed
        return parsed

    def code_value(self, index: int, value: object) -> tuple[float | None, int]:
        """The code of one value of code column ``index`` (of ``codes``) and 1 if it was a name."""
        return parse_code(value, self._enums[index])

    def _explain(self, row: Row) -> None:
        for column, value in zip(self._numeric, row[2:], strict=False):
            number(value, column)  # raises Reject with the reason
        raise Reject("a value that is not a number")

    def as_dict(self, row: Row) -> dict[str, Any]:
        return dict(zip(("rowid", *self.columns), row, strict=False))

    def insert_sql(self) -> str:
        return self._multi(1)

    def write(self, conn: sqlite3.Connection, rows: list[Row]) -> int:
        # One multi-row INSERT per chunk (as the recorder does): far fewer calls than executemany.
        per = self._rows_per_statement
        for start in range(0, len(rows), per):
            chunk = rows[start:start + per]
            conn.execute(self._multi(len(chunk)), [value for item in chunk for value in item])
        self.written()
        return len(rows)

    def lookup_sql(self, schema: str = "main") -> str:
        """The values of the sample at a ts_ms, in ``registers`` order (for ``lookup``)."""
        names = ", ".join(f'"{name}"' for name in self.registers) or "NULL"
        return f"SELECT {names} FROM {schema}.samples WHERE ts_ms = ? ORDER BY id LIMIT 1"

    def _multi(self, count: int) -> str:
        sql = self._sql.get(count)
        if sql is None:
            names = "".join(f', "{name}"' for name in self.registers)
            one = "(" + ", ".join("?" * (len(self.registers) + 1)) + ")"
            sql = self._sql[count] = f"INSERT INTO samples (ts_ms{names}) VALUES " + ", ".join([one] * count)
        return sql

    # --- the PLC alarm history --------------------------------------------------------------

    def alarm_row(self, rowid: int, ts_ms: int, value: object, info: object) -> None:
        """One row's alarm_status, as ``map_row`` takes it (the bulk path's rows that SQLite mapped)."""
        if value != self._alarm_code and value is not None and rowid > self.side_from:
            self._alarm(ts_ms, value, info)

    def _alarm(self, ts_ms: int, value: object, info: object) -> None:
        code = int(value) if isinstance(value, int | float) else 0
        if code == self._alarm_code:
            return
        text = self._alarm_codes.get(code) or (info.strip() if isinstance(info, str) and info.strip() else "")
        text = f"PLC: {text or f'PLC alarm code {code}'}"
        if code:
            previous = "unacknowledged" if self._alarm_code else "normal"
            self._side.append((ts_ms, PLC_ALARM, "raise", "unacknowledged", previous, self._alarm_priority,
                               text, float(code), ALARM_USER))
        else:
            self._side.append((ts_ms, PLC_ALARM, "clear", "normal", "unacknowledged", self._alarm_priority,
                               self._alarm_text or "PLC alarm", 0.0, ALARM_USER))
        self._alarm_code, self._alarm_text = code, text

    def state(self) -> dict[str, Any] | None:
        # The last row's time goes with the ledger: a run resumed inside a repeated DST hour
        # places its rows as one uninterrupted run would.
        last = self.times.last_ms
        return None if last is None else {"last_ms": last}

    def restore(self, state: dict[str, Any] | None) -> None:
        if state and isinstance(state.get("last_ms"), int):
            self.times.follow(state["last_ms"])

    def period(self) -> tuple[int | None, int | None]:
        if self._last_seen < self._first_seen:
            return None, None
        return self._first_seen, self._last_seen

    def take_side(self) -> list[Row]:
        rows, self._side = self._side, []
        return rows

    def write_side(self, conn: sqlite3.Connection, rows: list[Row]) -> None:
        conn.executemany(_INSERT_ALARM, rows)

    def side_state(self) -> dict[str, Any]:
        return {"alarm_code": self._alarm_code, "alarm_text": self._alarm_text}

    def restore_side(self, state: dict[str, Any] | None) -> None:
        if state:
            self._alarm_code = int(state.get("alarm_code", 0))
            self._alarm_text = str(state.get("alarm_text", ""))

