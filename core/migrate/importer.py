"""``import smart-saw``: the older system's databases into this project's, streamed and resumable.

    summary = import_smart_saw(source_dir, settings, register_map, progress=print_progress)

Sources are opened read-only (``mode=ro``) and never changed. Each stream reads its source table
in rowid order, ``batch_rows`` at a time, and writes each batch in ONE transaction together with
its ledger row (core.migrate.ledger): memory stays bounded by the batch, an interruption
(cancel, crash, power cut) resumes after the last commit, and a second run adds nothing.
Rows that cannot be mapped are counted and written to the reject file with the reason.

Targets are the same tables the engine records into (raw.db samples, total.db cuts, ml.db
decisions, anomaly.db anomalies, log.db events and alarm_log), so imported data shows in Trends
history, exports and the PostgreSQL mirror (which follows new ids) like recorded data.
"""

from __future__ import annotations

import logging
import sqlite3
import time
from collections.abc import Callable
from dataclasses import dataclass
from functools import partial
from pathlib import Path
from typing import TypeVar

from core.config import Settings
from core.migrate import ledger
from core.migrate.localtime import LocalTimeConverter, resolve_zone
from core.migrate.record_streams import SOURCE, AnomaliesStream, CutsStream, DecisionsStream, EventsStream
from core.migrate.samples_bulk import DEFAULT_CHUNK_ROWS, BulkSamples, open_bulk
from core.migrate.samples_stream import SamplesStream
from core.migrate.stream_base import Duplicate, ImportStream, Reject, Row
from core.migrate.summary import (
    CancelToken,
    ImportSummary,
    Progress,
    SourceError,
    StreamResult,
)
from core.registers import RegisterMap
from core.storage.schema import ensure_sample_columns
from core.storage.sqlite_open import BUSY_TIMEOUT_MS, database_path, open_writer

log = logging.getLogger("bandsaw.migrate")

SOURCE_FILES = ("total", "ml", "anomaly", "log")
DEFAULT_BATCH_ROWS = 10_000
T = TypeVar("T")


class ImportRefused(Exception):
    """The import cannot start (no source files, a mapping problem); the message says why."""


def _read(fn: Callable[[], T]) -> T:
    """Run a read of a source file; its SQLite errors become SourceError (targets' errors stay)."""
    try:
        return fn()
    except sqlite3.DatabaseError as exc:
        raise SourceError(str(exc)) from exc


def find_sources(source_dir: Path) -> dict[str, Path]:
    """The older system's database files in DIR, DIR/databases or DIR/data/databases."""
    for folder in (source_dir, source_dir / "databases", source_dir / "data" / "databases"):
        found = {name: folder / f"{name}.db" for name in SOURCE_FILES if (folder / f"{name}.db").is_file()}
        if found:
            return found
    return {}


def open_source(path: Path) -> sqlite3.Connection:
    """Read-only: SQLite refuses any write on this connection, so the source cannot change."""
    conn = sqlite3.connect(path.resolve().as_uri() + "?mode=ro", uri=True, timeout=BUSY_TIMEOUT_MS / 1000)
    conn.execute("PRAGMA query_only = ON")
    return conn


def import_smart_saw(
    source_dir: Path,
    settings: Settings,
    register_map: RegisterMap,
    *,
    data_dir: Path | None = None,
    machine_id: int | None = None,
    dry_run: bool = False,
    progress: Callable[[Progress], None] | None = None,
    cancel: CancelToken | None = None,
    reject_path: Path | None = None,
    batch_rows: int = DEFAULT_BATCH_ROWS,
    engine_running: bool = False,
    bulk: bool = True,
    bulk_rows: int = DEFAULT_CHUNK_ROWS,
) -> ImportSummary:
    """Run the import (blocking; run it off the event loop). Raises ImportRefused when it cannot start.

    ``engine_running``: the engine has the databases open (the HMI path); they are then opened
    without the start-up checks (which may move a damaged file aside) - the engine did those.
    ``bulk``: sensor_data is copied inside SQLite (core.migrate.samples_bulk), ``bulk_rows`` rows a
    transaction (``batch_rows`` beside a running engine), a dry run counting instead of writing;
    False maps every row in Python (the reference the bulk path is tested against).
    """
    started = time.monotonic()
    data_dir = data_dir or settings.data_dir
    sources = find_sources(source_dir)
    if not sources:
        raise ImportRefused(f"no smart-saw databases (total.db, ml.db, anomaly.db, log.db) in {source_dir}")
    try:
        zone = resolve_zone(settings.machine.time_zone)
    except ValueError as exc:
        raise ImportRefused(str(exc)) from None
    alarm_codes = dict(settings.analysis.alarms.plc_alarm_codes)
    streams: list[ImportStream] = [
        SamplesStream(LocalTimeConverter(zone), register_map, machine_id=machine_id, alarm_codes=alarm_codes),
        CutsStream(LocalTimeConverter(zone), register_map),
        DecisionsStream(LocalTimeConverter(zone)),
        AnomaliesStream(LocalTimeConverter(zone)),
        EventsStream(LocalTimeConverter(zone)),
    ]
    stamp = time.strftime("%Y%m%dT%H%M%SZ", time.gmtime())
    rejects = ledger.RejectFile(reject_path or data_dir / "import" / f"smart-saw-rejects-{stamp}.csv",
                                dry_run=dry_run)
    summary = ImportSummary(source_dir, dry_run)
    run = _Run(settings, register_map, data_dir, dry_run=dry_run, engine_running=engine_running, rejects=rejects,
               progress=progress, cancel=cancel, batch_rows=batch_rows, bulk=bulk, bulk_rows=bulk_rows)
    try:
        for stream in streams:
            path = sources.get(stream.source_db)
            result = StreamResult(stream.name)
            summary.streams.append(result)
            if path is None:
                result.notes.append(f"{stream.source_db}.db not found: skipped")
                continue
            run.stream(stream, path, result)
            if run.cancelled:
                summary.cancelled = True
                break
    finally:
        rejects.close()
        run.close()
    raw_note = _raw_registers_note(next(iter(sources.values())).parent / "raw.db")
    if raw_note:
        summary.notes.append(raw_note)
    summary.rejected = rejects.count
    summary.reject_file = rejects.path if rejects.count and not dry_run else None
    summary.first_rejects = list(rejects.first)
    summary.elapsed_s = time.monotonic() - started
    return summary


@dataclass(slots=True)
class _At:
    """Where one stream stands: its ledger rows, the alarm history's target, the rows to read."""

    entry: ledger.LedgerEntry
    side_conn: sqlite3.Connection | None
    side_entry: ledger.LedgerEntry | None
    start: int
    total: int
    target: sqlite3.Connection | None


class _Run:
    def __init__(
        self, settings: Settings, register_map: RegisterMap, data_dir: Path, *, dry_run: bool,
        engine_running: bool, rejects: ledger.RejectFile, progress: Callable[[Progress], None] | None,
        cancel: CancelToken | None, batch_rows: int, bulk: bool = True, bulk_rows: int = DEFAULT_CHUNK_ROWS,
    ) -> None:
        self.settings = settings
        self.register_map = register_map
        self.data_dir = data_dir
        self.dry_run = dry_run
        self.engine_running = engine_running
        self.rejects = rejects
        self.progress = progress
        self.cancel = cancel
        self.batch_rows = batch_rows
        self.bulk = bulk
        self.bulk_rows = bulk_rows
        self.targets: dict[str, sqlite3.Connection | None] = {}
        self.cancelled = False

    def close(self) -> None:
        for conn in self.targets.values():
            if conn is not None:
                conn.close()
        self.targets.clear()

    def target(self, db: str) -> sqlite3.Connection | None:
        """The target database (None in a dry run when it does not exist yet)."""
        if db in self.targets:
            return self.targets[db]
        path = database_path(self.data_dir, db)
        conn: sqlite3.Connection | None
        if self.dry_run:
            conn = open_source(path) if path.is_file() else None
        elif self.engine_running and path.is_file() and path.stat().st_size > 0:
            # The engine has this file open (checked and migrated): no start-up checks here, they
            # may move a damaged file aside under the engine's feet. Its new registers' columns
            # are added like the recorder does (idempotent).
            conn = sqlite3.connect(str(path), isolation_level=None, timeout=BUSY_TIMEOUT_MS / 1000)
            conn.execute(f"PRAGMA busy_timeout = {BUSY_TIMEOUT_MS:d}")
            if db == "raw":
                ensure_sample_columns(conn, self.register_map.names)
        else:  # no engine, or a database nobody has created yet
            conn, report = open_writer(db, path, self.settings.database.sqlite.synchronous,
                                       sample_columns=self.register_map.names)
            if report.recovered:
                log.error("%s.db was unusable and was moved aside to %s", db, report.moved_to)
        if conn is not None and not self.dry_run:
            ledger.ensure(conn)
        self.targets[db] = conn
        return conn

    def stream(self, stream: ImportStream, path: Path, result: StreamResult) -> None:
        """Import one stream; a damaged source file ends this stream (what was committed stays)."""
        try:
            source = _read(lambda: open_source(path))
        except SourceError as exc:
            result.failed = f"{path}: {exc}"
            return
        try:
            self._stream(stream, source, path, result)
        except SourceError as exc:
            result.failed = f"{path}: cannot be read ({exc}) after {result.read} rows; what was read is kept"
        finally:
            source.close()

    def _stream(self, stream: ImportStream, source: sqlite3.Connection, path: Path, result: StreamResult) -> None:
        table = stream.table
        columns = _read(lambda: [row[1] for row in source.execute(f'PRAGMA table_info("{table}")')])
        if not columns:
            result.notes.append(f"{stream.source_db}.db has no table {table}: skipped")
            return
        try:
            stream.bind(columns)
        except Reject as exc:
            result.notes.append(f"{exc}: skipped")
            return
        if stream.missing:
            result.notes.append(f"columns not in this source (left empty): {', '.join(stream.missing)}")
        _read(lambda: stream.attach(source))
        fp = _read(lambda: ledger.fingerprint(source, table))
        if fp is None:
            result.notes.append("source table is empty")
            return
        target = self.target(stream.target_db)
        if target is not None:
            stream.prepare(target)
        entry = ledger.load(target, SOURCE, stream.name, fp) if target is not None else ledger.LedgerEntry(
            SOURCE, stream.name, fp)
        stream.restore(entry.state)
        side_conn: sqlite3.Connection | None = None
        side_entry: ledger.LedgerEntry | None = None
        start = entry.last_rowid
        if isinstance(stream, SamplesStream):
            side_conn = self.target(stream.side_db)
            side_entry = (ledger.load(side_conn, SOURCE, stream.side_name, fp) if side_conn is not None
                          else ledger.LedgerEntry(SOURCE, stream.side_name, fp))
            stream.restore_side(side_entry.state)
            stream.side_from = side_entry.last_rowid
            start = min(start, side_entry.last_rowid)
        total = int(_read(lambda: source.execute(f'SELECT count(*) FROM "{table}" WHERE rowid > ?',
                                                 (start,)).fetchone()[0]))
        if entry.last_rowid:
            result.notes.append(f"resumed after source row {entry.last_rowid} (imported before)")
        if isinstance(stream, SamplesStream):
            stream.remember = not self.dry_run
        if isinstance(stream, SamplesStream) and target is not None:
            lookup_sql = stream.lookup_sql()
            stream.lookup = lambda ts_ms: target.execute(lookup_sql, (ts_ms,)).fetchone()
        if self.bulk and isinstance(stream, SamplesStream) and side_entry is not None:
            self._bulk(stream, path, _At(entry, side_conn, side_entry, start, total, target), result)
        else:
            self._rows(stream, source, _At(entry, side_conn, side_entry, start, total, target), result)
        result.first_ms, result.last_ms = stream.period()
        if isinstance(stream, SamplesStream):
            if stream.unmapped_registers:
                result.notes.append(f"not in the register map (left out): {', '.join(stream.unmapped_registers)}")
            result.notes.extend(stream.unconvertible)
            if stream.named_codes:
                result.notes.append(f"{stream.named_codes} code values were names the register map does not "
                                    "know (left empty)")
            if stream.duplicates:
                result.notes.append(f"{stream.duplicates} duplicate rows with the same time skipped")
            if self.dry_run:
                result.notes.append("dry run: a time is checked against the row before and raw.db as it is; "
                                    "a repeat of an earlier row of this import is found by the import itself")
            if side_entry is not None:
                result.notes.append(f"PLC alarm history: {side_entry.imported} alarm_log transitions in all")
        if isinstance(stream, CutsStream):
            result.notes.extend(stream.notes())
        if stream.times.ambiguous:
            result.notes.append(f"{stream.times.ambiguous} rows in a repeated DST hour (placed by their order)")

    def _bulk(self, stream: SamplesStream, path: Path, at: _At, result: StreamResult) -> None:
        """sensor_data through SQLite (core.migrate.samples_bulk): same rows, a chunk per transaction."""
        entry, side_conn, side_entry, start, total = at.entry, at.side_conn, at.side_entry, at.start, at.total
        assert side_entry is not None
        target_path = None if self.dry_run else database_path(self.data_dir, stream.target_db)
        prior = database_path(self.data_dir, stream.target_db) if self.dry_run else None
        conn = _read(lambda: open_bulk(target_path, path, self.settings.database.sqlite.synchronous, prior))
        try:
            bulk = BulkSamples(stream, conn, run_start=start, read=_read, dry_run=self.dry_run)
            chunk_rows = self.batch_rows if self.engine_running else self.bulk_rows
            began = time.monotonic()
            done = 0
            for lo, hi in bulk.chunks(start, chunk_rows):
                if self.cancel is not None and self.cancel.cancelled:
                    self.cancelled = True
                    break
                skip_upto = entry.last_rowid
                saved = (entry.last_rowid, entry.rejected, entry.imported, entry.state)
                conn.execute("BEGIN IMMEDIATE")  # one snapshot of the source for the stats and the copy
                try:
                    stats = bulk.stats(lo, hi)
                    read = stats.read if lo > skip_upto else _count(conn, max(lo, skip_upto + 1), hi)
                    chunk = bulk.write(lo, hi, stats, skip_upto=skip_upto, rejects=self.rejects)
                    bulk.settle(hi)
                    bulk.end_chunk()
                    self.rejects.flush()
                    self._write_side(stream, side_conn, side_entry, hi)
                    if hi > entry.last_rowid:
                        entry.last_rowid = hi
                        entry.rejected += chunk.rejected
                        entry.imported += chunk.imported
                        entry.state = stream.state()
                        if not self.dry_run:
                            ledger.save(conn, entry)
                    conn.execute("COMMIT")
                except BaseException:
                    if conn.in_transaction:
                        conn.execute("ROLLBACK")
                    entry.last_rowid, entry.rejected, entry.imported, entry.state = saved
                    raise
                done += stats.read
                result.read += read
                result.rejected += chunk.rejected
                result.imported += chunk.imported
                self._report(stream.name, done, total, began)
        finally:
            conn.close()

    def _rows(self, stream: ImportStream, source: sqlite3.Connection, at: _At, result: StreamResult) -> None:
        """Row by row in Python: every stream but the bulk samples."""
        entry, side_conn, side_entry, start, total, target = (
            at.entry, at.side_conn, at.side_entry, at.start, at.total, at.target)
        cursor = _read(lambda: source.execute(stream.select_sql(), (start,)))
        began = time.monotonic()
        done = 0
        while True:
            if self.cancel is not None and self.cancel.cancelled:
                self.cancelled = True
                break
            rows = _read(lambda: cursor.fetchmany(self.batch_rows))
            if not rows:
                break
            skip_upto = entry.last_rowid
            out, rejected = self._map_batch(stream, rows, skip_upto)
            last = int(rows[-1][0])
            done += len(rows)
            result.read += len(rows) if rows[0][0] > skip_upto else sum(1 for row in rows if row[0] > skip_upto)
            result.rejected += rejected
            self.rejects.flush()
            if side_entry is not None and isinstance(stream, SamplesStream):
                self._write_side(stream, side_conn, side_entry, last)
            if last > entry.last_rowid:
                imported = self._write(target, stream, out, entry, last=last, rejected=rejected)
                result.imported += imported
                result.already_there += len(out) - imported
            self._report(stream.name, done, total, began)

    def _map_batch(self, stream: ImportStream, rows: list[Row], skip_upto: int) -> tuple[list[Row], int]:
        """Mapped rows after ``skip_upto`` (rows up to it were imported before) and how many were rejected."""
        out: list[Row] = []
        rejected = 0
        for row in rows:
            try:
                mapped = stream.map_row(row)
            except Duplicate:
                if row[0] > skip_upto and isinstance(stream, SamplesStream):
                    stream.duplicates += 1
                continue
            except Reject as exc:
                if row[0] > skip_upto:
                    rejected += 1
                    self.rejects.write(stream.name, row[0], str(exc), stream.as_dict(row))
                continue
            if mapped is not None and row[0] > skip_upto:
                out.append(mapped)
        return out, rejected

    def _write_side(self, stream: SamplesStream, conn: sqlite3.Connection | None, entry: ledger.LedgerEntry,
                    last: int) -> None:
        """The alarm history found in this batch, with its own ledger row in log.db (committed first)."""
        side_rows = stream.take_side()
        if conn is not None and not self.dry_run and last > entry.last_rowid:
            entry.imported += len(side_rows)
            entry.last_rowid = last
            entry.state = stream.side_state()
            _commit(conn, partial(stream.write_side, rows=side_rows), entry)
        elif self.dry_run:
            entry.imported += len(side_rows)
        stream.side_from = max(stream.side_from, last)

    def _write(self, target: sqlite3.Connection | None, stream: ImportStream, rows: list[Row],
               entry: ledger.LedgerEntry, *, last: int, rejected: int) -> int:
        if self.dry_run or target is None:
            entry.last_rowid = last
            if isinstance(stream, SamplesStream):
                stream.written()  # bounded memory: a dry run checks against raw.db and its batch
            return len(rows)
        counted: list[int] = []

        def write(conn: sqlite3.Connection) -> None:
            counted.append(stream.write(conn, rows) if rows else 0)
            entry.imported += counted[0]

        saved = (entry.last_rowid, entry.rejected, entry.imported, entry.state)
        entry.last_rowid = last
        entry.rejected += rejected
        entry.state = stream.state()
        try:
            _commit(target, write, entry)
        except BaseException:
            entry.last_rowid, entry.rejected, entry.imported, entry.state = saved
            raise
        return counted[0]

    def _report(self, name: str, done: int, total: int, began: float) -> None:
        if self.progress is None:
            return
        elapsed = max(time.monotonic() - began, 1e-9)
        rate = done / elapsed
        eta = max(total - done, 0) / rate if rate > 0 else None
        self.progress(Progress(name, done, total, rate, eta))


def _raw_registers_note(path: Path) -> str:
    """Why raw.db ``raw_registers`` is not imported (empty when there is no such table)."""
    if not path.is_file():
        return ""
    try:
        conn = open_source(path)
        try:
            columns = [row[1] for row in conn.execute("PRAGMA table_info(raw_registers)")]
            rows = int(conn.execute("SELECT count(*) FROM raw_registers").fetchone()[0]) if columns else 0
        finally:
            conn.close()
    except sqlite3.DatabaseError as exc:
        return f"raw.db not imported (cannot be read: {exc})"
    if not columns:
        return ""
    registers = sum(1 for name in columns if name.startswith("reg_"))
    # SMART-SAW.md: one INTEGER column per register, reg_<address>_<name>, unscaled words, the
    # addresses differing between versions. It says nothing of each word's scale, sign or width,
    # nor which of this project's registers a name is: any value made from them would be a guess.
    return (f"raw.db raw_registers ({rows} rows, {registers} register columns) not imported: it holds the PLC's "
            "unscaled words, and the older system's records give neither their scale factors and word formats "
            "nor which register each name is; the scaled values of the same readings come from total.db "
            "sensor_data")


def _count(conn: sqlite3.Connection, lo: int, hi: int) -> int:
    """Source rows in a rowid range (the part of a chunk an earlier run had not imported)."""
    row = _read(lambda: conn.execute("SELECT count(*) FROM src.sensor_data WHERE rowid BETWEEN ? AND ?",
                                     (lo, hi)).fetchone())
    return int(row[0])


def _commit(conn: sqlite3.Connection, write: Callable[[sqlite3.Connection], object], entry: ledger.LedgerEntry) -> None:
    conn.execute("BEGIN IMMEDIATE")
    try:
        write(conn)
        ledger.save(conn, entry)
        conn.execute("COMMIT")
    except BaseException:
        conn.execute("ROLLBACK")
        raise
