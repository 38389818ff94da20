"""total.db ``sensor_data`` -> raw.db ``samples`` inside SQLite: the bulk path of a large import.

The row-by-row path (``SamplesStream.map_row``) costs a Python call per row. Here SQLite does the
work for the rows that need no judgement: the source is ATTACHed read-only (``mode=ro``) to the
target's connection and each chunk of rowids is copied with one ``INSERT … SELECT`` that maps
the columns, scales the units (``value * factor + offset``, bound as the same doubles Python
uses), turns local time into UTC ms through a small hour table and the code texts into codes
through small code tables. Both tables are filled in Python, by the same functions the
row-by-row path uses, with only the hours and texts the chunk holds:

- hour table: ``YYYY-MM-DDTHH`` -> UTC ms of that local hour's start when the hour has one UTC
  offset in the configured zone (``LocalTimeConverter.hour_base_ms``, zoneinfo); an hour that
  holds a DST change (or is no date) gets NULL, and its rows go the row-by-row way, which places
  a repeated hour's rows by their order;
- code tables: each distinct text of a code column -> its code (``SamplesStream.code_value``).

A row SQLite does not map is an *exception*: timestamp not ``datetime.isoformat()`` text (19 or
26 characters) or in a DST-change hour, text or inf where a number belongs, a code column
holding a number or a blob. Exceptions are read in rowid order and given to ``map_row``: mapped,
or rejected into the reject file with its reason, as on the row-by-row path. The chunk is written in rowid order
(SQL ranges between the exception rows), so the samples get the same ids as the row-by-row path.

Changes of ``alarm_status`` (the PLC alarm history) are found in SQL too: only rows whose status
differs from the row before's (or whose row before was not SQLite's) are read into Python.

One sample per ts_ms: a chunk whose rows' times do not strictly rise from row to row (by their
text), or whose period already holds samples in raw.db, gets a table of the rows whose time is
not above every earlier row's of the chunk or is already in raw.db: those become exceptions, and
``map_row`` skips (same values) or rejects (others) each exactly as the row-by-row path does. A
dry run writes into an in-memory copy of the samples table (emptied after each chunk but for its
last row) and looks into an existing raw.db read-only (ATTACHed as ``prior``).

Memory: one chunk's distinct (hour, code texts) groups, the chunk's exception rows read in
pages, and the hour/code tables (restarted when they grow past a bound).
"""

from __future__ import annotations

import heapq
import sqlite3
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from core.config import Synchronous
from core.migrate.ledger import RejectFile
from core.migrate.samples_stream import SamplesStream
from core.migrate.stream_base import Duplicate, Reject, Row
from core.storage.sqlite_open import BUSY_TIMEOUT_MS

DEFAULT_CHUNK_ROWS = 50_000
_TABLE_BOUND = 100_000  # hour or code entries kept before a table starts again
_FETCH = 2_000  # exception rows read at a time
_CASE_TEXTS = 16  # distinct texts of a code column in a chunk written into its CASE
_DIGITS2 = "[0-9][0-9]"
ISO_SECONDS = f"{_DIGITS2}{_DIGITS2}-{_DIGITS2}-{_DIGITS2}T{_DIGITS2}:[0-5][0-9]:[0-5][0-9]"
ISO_MICROS = ISO_SECONDS + ".[0-9][0-9][0-9][0-9][0-9][0-9]"
_EXCEPTION, _CANDIDATE = 0, 1


def open_bulk(target: Path | None, source: Path, synchronous: Synchronous,
              prior: Path | None = None) -> sqlite3.Connection:
    """A connection to raw.db (None: a dry run's empty in-memory database) with the source file
    ATTACHed read-only as ``src`` (and a dry run's existing raw.db read-only as ``prior``)."""
    uri = target.resolve().as_uri() if target is not None else "file:smart-saw-dry-run?mode=memory"
    conn = sqlite3.connect(uri, uri=True, isolation_level=None, timeout=BUSY_TIMEOUT_MS / 1000)
    try:
        conn.execute(f"PRAGMA busy_timeout = {BUSY_TIMEOUT_MS:d}")
        conn.execute(f"PRAGMA synchronous = {Synchronous(synchronous).value}")
        conn.execute("PRAGMA temp_store = MEMORY")  # the hour/code tables and one chunk's grouping
        conn.execute("ATTACH DATABASE ? AS src", (source.resolve().as_uri() + "?mode=ro",))
        if target is None and prior is not None and prior.is_file():
            conn.execute("ATTACH DATABASE ? AS prior", (prior.resolve().as_uri() + "?mode=ro",))
    except BaseException:
        conn.close()
        raise
    return conn


@dataclass(slots=True)
class ChunkStats:
    read: int = 0
    exceptions: int = 0
    status_changes: bool = False
    times_checked: bool = False  # some rows' times may repeat a sample's: temp.import_dup holds them


@dataclass(slots=True)
class ChunkResult:
    imported: int = 0
    rejected: int = 0


class BulkSamples:
    """One import of sensor_data through ``conn`` (see :func:`open_bulk`); ``stream`` is bound."""

    def __init__(self, stream: SamplesStream, conn: sqlite3.Connection, *, run_start: int,
                 read: Callable[[Callable[[], Any]], Any], dry_run: bool = False) -> None:
        self.stream = stream
        self.dry_run = dry_run  # count what would be written, write nothing
        self.conn = conn
        self._read = read  # runs a read of the source: its errors become SourceError
        self._run_start = run_start
        self._last_exception: int | None = None
        self._hours: dict[str, int | None] = {}
        self._codes: list[dict[str, tuple[float | None, int]]] = [{} for _ in stream.code_columns]
        self._params: dict[str, Any] = {}
        schemas = [row[1] for row in conn.execute("PRAGMA database_list")]
        if dry_run and "samples" not in {row[0] for row in conn.execute(
                "SELECT name FROM main.sqlite_master WHERE type = 'table'")}:
            names = "".join(f', "{name}" REAL' for name in stream.registers)
            conn.execute(f"CREATE TABLE main.samples (id INTEGER PRIMARY KEY AUTOINCREMENT, ts_ms INTEGER NOT NULL"
                         f"{names})")
            conn.execute("CREATE INDEX main.samples_ts_ms ON samples(ts_ms)")
        self._sample_schemas = ["main", *(["prior"] if "prior" in schemas else [])]
        # A dry run's own rows are known to map_row by the last one only (as on the row-by-row path).
        self._lookups = [stream.lookup_sql(schema) for schema in self._sample_schemas
                         if not (dry_run and schema == "main")]
        stream.lookup = self._lookup
        conn.execute("CREATE TEMP TABLE IF NOT EXISTS import_dup (rid INTEGER PRIMARY KEY)")
        conn.execute("DELETE FROM temp.import_dup")
        conn.execute("CREATE TEMP TABLE IF NOT EXISTS import_hours (hk TEXT PRIMARY KEY, base INTEGER) WITHOUT ROWID")
        conn.execute("DELETE FROM temp.import_hours")
        for i in range(len(self._codes)):
            conn.execute(f"CREATE TEMP TABLE IF NOT EXISTS import_code_{i} "
                         "(v TEXT PRIMARY KEY, code REAL) WITHOUT ROWID")
            conn.execute(f"DELETE FROM temp.import_code_{i}")
        self._build_sql()

    # --- SQL --------------------------------------------------------------------------------

    def _build_sql(self) -> None:
        stream = self.stream
        ts = 's."timestamp"'
        ts_ok = f"(typeof({ts}) = 'text' AND ({ts} GLOB '{ISO_SECONDS}' OR {ts} GLOB '{ISO_MICROS}'))"
        # A finite number, without a function call (this check is most of the cost): ``+c`` has
        # no affinity, so text and blobs compare above every number and fail the range, as do
        # inf and -inf. The few finite values beyond 1e308 go to map_row, which takes them.
        num_ok = " AND ".join(f'(s."{c}" IS NULL OR +s."{c}" BETWEEN -1e308 AND 1e308)'
                              for c in stream.numeric_columns) or "1"
        codes_ok = " AND ".join(f"typeof(s.\"{c}\") IN ('text', 'null')" for c in stream.code_columns) or "1"
        clean = (f"(h.base IS NOT NULL AND {ts_ok} AND {codes_ok} AND {num_ok} "
                 "AND s.rowid NOT IN (SELECT rid FROM temp.import_dup))")
        ms = (f"h.base + CAST(substr({ts}, 15, 2) AS INTEGER) * 60000 + CAST(substr({ts}, 18, 2) AS INTEGER) * 1000"
              f" + CASE WHEN length({ts}) = 26 THEN CAST(substr({ts}, 21, 3) AS INTEGER) ELSE 0 END")
        conversions = stream.conversions
        override = stream.machine_override
        values: list[str] = []
        for i, column in enumerate(stream.numeric_columns):
            if override is not None and override[0] == i:
                values.append(":machine_id")
                self._params["machine_id"] = override[1]
            elif i in conversions:
                values.append(f'(s."{column}" * :f{i} + :o{i})')
                self._params[f"f{i}"], self._params[f"o{i}"] = conversions[i].factor, conversions[i].offset
            else:
                values.append(f's."{column}"')
        for i in range(len(stream.code_columns)):
            values.append(f"{{code_{i}}}")  # filled per chunk (_code_sql)
        names = "".join(f', "{name}"' for name in stream.registers)
        hours = "CROSS JOIN temp.import_hours h ON h.hk = substr(s.\"timestamp\", 1, 13)"
        insert = (f"INSERT INTO main.samples (ts_ms{names}) SELECT {ms}{''.join(f', {v}' for v in values)} "
                  f"FROM src.sensor_data s {hours} WHERE s.rowid BETWEEN :lo AND :hi")
        self._insert_template = f"{insert} AND {clean} ORDER BY s.rowid"
        # A chunk whose every row the stats found clean (same transaction, same snapshot of the
        # source): no checks again.
        self._insert_all_template = f"{insert} ORDER BY s.rowid"
        self._insert = self._insert_all = ""
        self._code_params: dict[str, Any] = {}
        codes = "".join(f', s."{c}"' for c in stream.code_columns)
        status = stream.status_column
        status_sql = f's."{status}"' if status else "NULL"
        # Per chunk: its (hour, timestamp shape, code texts) groups, how many rows of each have
        # only numbers where numbers belong, the period and the alarm status range. A code
        # column's type is the same for a whole group (it is a group key), so Python checks it.
        # Rows whose time does not rise above the row before's: texts of one length, greater to
        # the millisecond rise (ISO texts of one shape sort as their times; a chunk whose texts all
        # rise cannot repeat a time among its rows, whatever rows SQLite leaves to map_row).
        self._falls = (
            "SELECT count(*) FROM (SELECT rowid AS rid, \"timestamp\" AS t, lag(\"timestamp\") OVER (ORDER BY rowid) "
            "AS pt FROM src.sensor_data WHERE rowid BETWEEN :lo - 1 AND :hi) WHERE rid >= :lo "
            "AND NOT (length(t) = length(pt) AND substr(t, 1, 23) > substr(pt, 1, 23))")
        self._stats = (f"SELECT substr({ts}, 1, 13), CASE WHEN {ts_ok} THEN 1 ELSE 0 END{codes}, count(*), "
                       f"sum(CASE WHEN {num_ok} THEN 1 ELSE 0 END), min({ts}), max({ts}), "
                       f"min({status_sql}), max({status_sql}) FROM src.sensor_data s "
                       "WHERE s.rowid BETWEEN :lo AND :hi "
                       f"GROUP BY 1, 2{''.join(f', {3 + i}' for i in range(len(stream.code_columns)))}")
        # The rows whose time is not above every earlier row's of the chunk, or is in raw.db already.
        there = " OR ".join(f"EXISTS (SELECT 1 FROM {schema}.samples m WHERE m.ts_ms = t.ms)"
                            for schema in self._sample_schemas)
        self._dups = (
            "INSERT INTO temp.import_dup (rid) SELECT rid FROM (SELECT rid, ms, max(ms) OVER "
            "(ORDER BY rid ROWS BETWEEN UNBOUNDED PRECEDING AND 1 PRECEDING) AS before FROM "
            f"(SELECT s.rowid AS rid, CASE WHEN {ts_ok} AND h.base IS NOT NULL THEN {ms} END AS ms "
            f"FROM src.sensor_data s LEFT JOIN temp.import_hours h ON h.hk = substr({ts}, 1, 13) "
            f"WHERE s.rowid BETWEEN :lo AND :hi)) t WHERE t.ms IS NOT NULL AND (t.ms <= t.before OR {there})")
        # The dup rows the stats took for SQLite's (their code names counted there): map_row counts them.
        self._dup_codes = (
            f"SELECT 1{codes} FROM temp.import_dup d JOIN src.sensor_data s ON s.rowid = d.rid "
            f"LEFT JOIN temp.import_hours h ON h.hk = substr({ts}, 1, 13) "
            f"WHERE h.base IS NOT NULL AND {ts_ok} AND {codes_ok} AND {num_ok}")
        self._overlap = " UNION ALL ".join(
            f"SELECT 1 FROM (SELECT 1 FROM {schema}.samples WHERE ts_ms BETWEEN :first AND :last LIMIT 1)"
            for schema in self._sample_schemas)
        source_values = ", ".join(f's."{c}"' for c in (*stream.numeric_columns, *stream.code_columns)) or "NULL"
        info = 's."alarm_bilgisi"' if "alarm_bilgisi" in stream.code_columns else "NULL"
        before = "FROM src.sensor_data p WHERE p.rowid < s.rowid ORDER BY p.rowid DESC LIMIT 1"
        after = "SELECT n.rowid FROM src.sensor_data n WHERE n.rowid > s.rowid ORDER BY n.rowid LIMIT 1"
        self._exceptions = (
            f'SELECT s.rowid, s."timestamp", {source_values}, {info}, ({after}), (SELECT p.rowid {before}), '
            f'(SELECT p."timestamp" {before}) FROM src.sensor_data s '
            f'LEFT JOIN temp.import_hours h ON h.hk = substr(s."timestamp", 1, 13) '
            f"WHERE s.rowid BETWEEN :lo AND :hi AND NOT {clean} ORDER BY s.rowid")
        # Rows whose status differs from the row before's; the row after an exception is added
        # in Python (its row before may not have counted), so the state machine sees every change.
        # (The row before is rowid - 1: where rowids have gaps that only adds candidates.)
        self._candidates = (
            f'SELECT s.rowid, s."timestamp", {status_sql}, {info} FROM src.sensor_data s '
            "LEFT JOIN src.sensor_data p ON p.rowid = s.rowid - 1 WHERE s.rowid BETWEEN :lo AND :hi "
            f'AND {status_sql} IS NOT NULL AND (s.rowid = :lo OR {status_sql} IS NOT p."{status}") ORDER BY s.rowid'
        ) if status else ""

    # --- chunks -----------------------------------------------------------------------------

    def chunks(self, start: int, rows: int) -> Iterator[tuple[int, int]]:
        """Rowid ranges after ``start`` holding at most ``rows`` rows each, up to today's last row."""
        top = self._read(lambda: self.conn.execute("SELECT max(rowid) FROM src.sensor_data").fetchone()[0])
        lo = start + 1
        while top is not None and lo <= top:
            first = self._first_from(lo)
            if first is None or first > top:
                return
            hi = min(first + rows - 1, top)
            yield first, hi
            lo = hi + 1

    def stats(self, lo: int, hi: int) -> ChunkStats:
        """Read the chunk's hours and code texts into the tables; count what SQLite will not map."""
        stream = self.stream
        codes_n = len(self._codes)
        groups = self._read(lambda: self.conn.execute(self._stats, {"lo": lo, "hi": hi}).fetchall())
        if len(self._hours) > _TABLE_BOUND:
            self._hours.clear()
            self.conn.execute("DELETE FROM temp.import_hours")
        for i, table in enumerate(self._codes):
            if len(table) > _TABLE_BOUND:
                table.clear()
                self.conn.execute(f"DELETE FROM temp.import_code_{i}")
        new_hours: list[tuple[str, int | None]] = []
        new_codes: list[list[tuple[str, float | None]]] = [[] for _ in range(codes_n)]
        seen: list[set[str]] = [set() for _ in range(codes_n)]
        result = ChunkStats()
        code = stream.alarm_code
        falls = int(self._read(lambda: self.conn.execute(self._falls, {"lo": lo, "hi": hi}).fetchone()[0]))
        first_ms, last_ms = 2**62, -(2**62)
        self.conn.execute("DELETE FROM temp.import_dup")
        for group in groups:
            key, ts_ok, texts = group[0], group[1], group[2:2 + codes_n]
            count, numbers_ok, first, last, low, high = group[2 + codes_n:]
            result.read += count
            if not ts_ok:
                result.exceptions += count
                continue
            if key not in self._hours:
                base = self._hours[key] = stream.times.hour_base_ms(key)
                new_hours.append((key, base))
            base = self._hours[key]
            if base is None:
                result.exceptions += count
                continue
            if not all(value is None or isinstance(value, str) for value in texts):
                result.exceptions += count  # a number or blob in a code column: map_row decides
                continue
            stream.note_period(_clean_ms(first, base), _clean_ms(last, base))
            first_ms, last_ms = min(first_ms, _clean_ms(first, base)), max(last_ms, _clean_ms(last, base))
            result.exceptions += count - numbers_ok
            named = 0
            for i, value in enumerate(texts):
                if value is None:
                    continue
                seen[i].add(value)
                parsed = self._codes[i].get(value)
                if parsed is None:
                    parsed = self._codes[i][value] = stream.code_value(i, value)
                    new_codes[i].append((value, parsed[0]))
                named += parsed[1]
            stream.named_codes += named * numbers_ok
            if low is not None and (low != code or high != code):
                result.status_changes = True
        self._code_sql(seen)
        if new_hours:
            self.conn.executemany("INSERT INTO temp.import_hours (hk, base) VALUES (?, ?)", new_hours)
        for i, rows in enumerate(new_codes):
            if rows:
                self.conn.executemany(f"INSERT INTO temp.import_code_{i} (v, code) VALUES (?, ?)", rows)
        overlap = first_ms <= last_ms and self.conn.execute(
            self._overlap, {"first": first_ms, "last": last_ms}).fetchone() is not None
        if falls or overlap:  # a time may repeat: find the rows (static for the chunk), map_row judges them
            self._read(lambda: self.conn.execute(self._dups, {"lo": lo, "hi": hi}))
            result.times_checked = True
            result.exceptions += int(self.conn.execute("SELECT count(*) FROM temp.import_dup").fetchone()[0])
            for row in self._read(lambda: self.conn.execute(self._dup_codes).fetchall()):
                stream.named_codes -= sum(self._codes[i][value][1] for i, value in enumerate(row[1:])
                                          if value is not None)
        return result

    def write(self, lo: int, hi: int, stats: ChunkStats, *, skip_upto: int, rejects: RejectFile) -> ChunkResult:
        """Import the chunk inside the caller's transaction; exceptions go through ``map_row``."""
        stream = self.stream
        result = ChunkResult()
        params = {**self._params, "lo": lo, "hi": hi}
        sources: list[Iterator[tuple[int, int, Row]]] = []
        inserts = {**params, **self._code_params}
        if stats.exceptions:
            sources.append(self._rows(self._exceptions, params, _EXCEPTION))
        if self._candidates and (stats.exceptions or stats.status_changes):
            sources.append(self._rows(self._candidates, params, _CANDIDATE))
        segment = max(lo, skip_upto + 1)  # the first rowid not yet written by SQL
        if not stats.exceptions:  # every row clean: the alarm changes, then one copy
            for rowid, _kind, fetched in heapq.merge(*sources, key=lambda item: item[0]):
                stream.alarm_row(rowid, self._ms(fetched[1]), fetched[2], fetched[3])
            if segment <= hi:
                result.imported += self._copy(inserts, segment, hi, every=True)
            return result
        pending: list[Row] = []
        after: int | None = None  # the row after the last exception: a candidate whatever its status
        last_exception: int | None = None
        for rowid, kind, fetched in heapq.merge(*sources, key=lambda item: item[0]):
            if after is not None and rowid >= after:
                if rowid > after:  # a clean row the candidates did not hold
                    self._after_exception(after)
                after = None
            if kind == _CANDIDATE:
                if rowid != last_exception:  # an exception's status is map_row's business
                    stream.alarm_row(rowid, self._ms(fetched[1]), fetched[2], fetched[3])
                continue
            last_exception = rowid
            after = fetched[-3] if fetched[-3] is not None and fetched[-3] <= hi else None
            self._follow(rowid, fetched[-2], fetched[-1])
            row = fetched[:-3]
            if rowid > skip_upto:
                # The rows before are written first: map_row looks for a sample at this row's time.
                if segment < rowid:
                    result.imported += self._flush(pending)
                    result.imported += self._copy(inserts, segment, rowid - 1)
                segment = rowid + 1
            try:
                mapped = stream.map_row(row)
            except Duplicate:
                mapped = None
                if rowid > skip_upto:
                    stream.duplicates += 1
            except Reject as exc:
                mapped = None
                if rowid > skip_upto:
                    result.rejected += 1
                    rejects.write(stream.name, rowid, str(exc), stream.as_dict(row))
            if rowid <= skip_upto:
                continue
            if mapped is not None:
                pending.append(mapped)
        if after is not None:
            self._after_exception(after)
        result.imported += self._flush(pending)
        if segment <= hi:
            result.imported += self._copy(inserts, segment, hi)
        return result

    # --- helpers ----------------------------------------------------------------------------

    def _code_sql(self, seen: list[set[str]]) -> None:
        """This chunk's code columns as CASE over the texts it holds (cheaper than a lookup per
        row); a chunk with many texts in a column, and any text not listed, look up the table."""
        parts: dict[str, str] = {}
        params: dict[str, Any] = {}
        for i, column in enumerate(self.stream.code_columns):
            lookup = f'(SELECT code FROM temp.import_code_{i} WHERE v = s."{column}")'
            texts = sorted(seen[i]) if len(seen[i]) <= _CASE_TEXTS else []
            whens = []
            for k, value in enumerate(texts):
                params[f"t{i}_{k}"], params[f"c{i}_{k}"] = value, self._codes[i][value][0]
                whens.append(f"WHEN :t{i}_{k} THEN :c{i}_{k}")
            parts[f"code_{i}"] = f'CASE s."{column}" {" ".join(whens)} ELSE {lookup} END' if whens else lookup
        self._insert = self._insert_template.format(**parts)
        self._insert_all = self._insert_all_template.format(**parts)
        self._code_params = params

    def _after_exception(self, rowid: int) -> None:
        """The clean row right after an exception: its status counts against the state machine's."""
        if not self._candidates:
            return
        status = self.stream.status_column
        text_info = '"alarm_bilgisi"' if "alarm_bilgisi" in self.stream.code_columns else "NULL"
        row = self._read(lambda: self.conn.execute(
            f'SELECT "timestamp", "{status}", {text_info} FROM src.sensor_data WHERE rowid = ?', (rowid,)).fetchone())
        if row is not None:
            self.stream.alarm_row(rowid, self._ms(row[0]), row[1], row[2])

    def _ms(self, ts: object) -> int:
        """UTC ms of a row SQLite maps (its hour is in the hour table)."""
        text = str(ts)
        base = self._hours.get(text[:13])
        if base is None:
            base = self.stream.times.hour_base_ms(text[:13])
        assert base is not None, text
        return _clean_ms(text, base)

    def _first_from(self, lo: int) -> int | None:
        row = self._read(lambda: self.conn.execute("SELECT min(rowid) FROM src.sensor_data WHERE rowid >= ?",
                                                   (lo,)).fetchone())
        return None if row is None or row[0] is None else int(row[0])

    def _rows(self, sql: str, params: dict[str, Any], kind: int) -> Iterator[tuple[int, int, Row]]:
        cursor = self._read(lambda: self.conn.execute(sql, params))
        while rows := self._read(lambda: cursor.fetchmany(_FETCH)):
            for row in rows:
                yield row[0], kind, row

    def _lookup(self, ts_ms: int) -> tuple[Any, ...] | None:
        """The values of the sample already at ``ts_ms`` (this run's, raw.db's) or None."""
        for sql in self._lookups:
            row = self.conn.execute(sql, (ts_ms,)).fetchone()
            if row is not None:
                return tuple(row)
        return None

    def end_chunk(self) -> None:
        """A dry run keeps only the last sample in memory (as the row-by-row dry run does)."""
        if self.dry_run:
            self.conn.execute("DELETE FROM main.samples WHERE id < (SELECT max(id) FROM main.samples)")

    def _copy(self, params: dict[str, Any], lo: int, hi: int, *, every: bool = False) -> int:
        cursor = self.conn.execute(self._insert_all if every else self._insert, {**params, "lo": lo, "hi": hi})
        count = max(cursor.rowcount, 0)
        if count:  # the last sample is the one a repeated time is first compared with (map_row)
            names = ", ".join(f'"{name}"' for name in self.stream.registers) or "NULL"
            last = self.conn.execute(f"SELECT ts_ms, {names} FROM main.samples ORDER BY id DESC LIMIT 1").fetchone()
            self.stream.follow_sample(int(last[0]), tuple(last[1:]))
        self.end_chunk()
        return count

    def _flush(self, pending: list[Row]) -> int:
        if not pending:
            return 0
        count = self.stream.write(self.conn, pending)
        pending.clear()
        self.end_chunk()
        return count

    def _follow(self, rowid: int, before_rowid: int | None, before_ts: object) -> None:
        """Give the converter the time of the row before, as the row-by-row path would have it."""
        if before_rowid is not None and before_rowid == self._last_exception:
            pass  # converted (or refused) by map_row just before: the converter has it
        elif before_rowid is None or before_rowid <= self._run_start:
            pass  # the first row of this run: the converter has what the ledger carried
        else:  # a row SQLite mapped: its time from the hour table
            self._follow_clean(before_ts)
        self._last_exception = rowid

    def settle(self, hi: int) -> None:
        """After a chunk: the converter holds its last row's time (carried in the ledger's state)."""
        row = self._read(lambda: self.conn.execute(
            'SELECT rowid, "timestamp" FROM src.sensor_data WHERE rowid <= ? ORDER BY rowid DESC LIMIT 1',
            (hi,)).fetchone())
        if row is None or row[0] == self._last_exception or row[0] <= self._run_start:
            return
        self._follow_clean(row[1])

    def _follow_clean(self, ts: object) -> None:
        text = str(ts)
        base = self._hours.get(text[:13])
        if base is None:
            base = self.stream.times.hour_base_ms(text[:13])
        self.stream.times.follow(_clean_ms(text, base) if base is not None else None)


def _clean_ms(text: str, base: int) -> int:
    """UTC ms of an ISO text SQLite maps (19 or 26 characters), given its hour's base."""
    ms = base + int(text[14:16]) * 60_000 + int(text[17:19]) * 1000
    return ms + int(text[20:23]) if len(text) == 26 else ms

