"""The report for many saws from the central PostgreSQL (the mirror's tables, keyed by machine_id).

The same tables as on the saw (cuts, saw_states, alarm_log, anomalies, samples only before a
saw's state table began), read per machine into :class:`PeriodData` and computed by the same
code as the local report. A table or column no saw has mirrored yet reads as empty / unknown.
Rows a restored saw sent again under a new generation are counted once (cuts by start time).
"""

from __future__ import annotations

import asyncio
import multiprocessing
import os
import time
from collections.abc import Awaitable, Callable, Sequence
from concurrent.futures import ProcessPoolExecutor
from dataclasses import dataclass
from functools import partial
from multiprocessing.context import BaseContext
from typing import TypeVar

import asyncpg

from core.config import Settings
from core.production.data import STOPPING_PRIORITY, PeriodData, alarm_spans, cut_row, stopping
from core.production.service import ReportError, report_set
from core.production.states import (
    SAMPLE_GAP_S,
    StateRow,
    classify,
    segments_of_columns,
    spans_from_changes,
    spans_from_segments,
    state_class_sql,
)
from core.production.values import ProductionReport, StateClass, StateSpan
from core.storage.pg.connection import describe_error, target_from_settings

FLEET_CONNECTIONS = 2  # per process
MAX_PROCESSES = 4
MIN_SAWS_PER_PROCESS = 2
# A month of one saw's state rows (~80,000) sorts in memory, not on disk (4 MB, the default: an
# external merge, measured with EXPLAIN ANALYZE); for the report's connections only.
SERVER_SETTINGS = {"work_mem": "32MB"}
T = TypeVar("T")
CUT_FIELDS = ("start_ms", "end_ms", "duration_s", "gap_s", "outcome", "band_id", "material_type",
              "cross_section", "dimension_a", "depth_mm", "area_cm2")


async def _columns(conn: asyncpg.Connection, table: str) -> set[str]:
    rows = await conn.fetch("SELECT attname FROM pg_attribute WHERE attrelid = to_regclass($1) AND attnum > 0 "
                            "AND NOT attisdropped", f'"{table}"')
    return {row[0] for row in rows}


async def machines(conn: asyncpg.Connection) -> list[int]:
    found: set[int] = set()
    for table in ("cuts", "saw_states", "samples"):
        if await _columns(conn, table):
            found |= {int(r[0]) for r in await conn.fetch(f'SELECT DISTINCT machine_id FROM "{table}"')}
    return sorted(found)


async def load_pg(conn: asyncpg.Connection, machine_id: int, start_ms: int, end_ms: int) -> PeriodData:
    data = PeriodData(start_ms, end_ms)
    cut_cols = await _columns(conn, "cuts")
    if cut_cols:
        select = ", ".join(name if name in cut_cols else "NULL" for name in CUT_FIELDS)
        rows = await conn.fetch(
            f"SELECT DISTINCT ON (start_ms) {select} FROM cuts WHERE machine_id = $1 AND end_ms >= $2 "
            "AND end_ms < $3 ORDER BY start_ms, generation DESC", machine_id, start_ms, end_ms)
        data.cuts = [cut_row(tuple(r)) for r in rows]
        band = await conn.fetchval("SELECT band_id FROM cuts WHERE machine_id = $1 AND end_ms < $2 AND band_id IS "
                                   "NOT NULL AND band_id <> 0 ORDER BY end_ms DESC LIMIT 1", machine_id, start_ms)
        data.band_before = int(band) if band is not None else None
    first_state = None
    if await _columns(conn, "saw_states"):
        first_state = await conn.fetchval("SELECT min(ts_ms) FROM saw_states WHERE machine_id = $1", machine_id)
    table_from = end_ms if first_state is None else max(start_ms, min(int(first_state), end_ms))
    if table_from < end_ms:
        prev = await conn.fetchrow("SELECT ts_ms, saw_state, link FROM saw_states WHERE machine_id = $1 AND "
                                   "ts_ms < $2 ORDER BY ts_ms DESC, id DESC LIMIT 1", machine_id, table_from)
        before = StateRow(int(prev[0]), classify(prev[1], prev[2])) if prev else None
        # The rows, grouped into runs here: measured (bench/report.py), PostgreSQL's window functions
        # over a month of one saw took 0.75 s where sending the rows took 0.3 s.
        # As three arrays (one row): decoded in asyncpg's C code, the runs found by numpy.
        ts, states, links = await conn.fetchrow(
            "SELECT coalesce(array_agg(ts_ms ORDER BY ts_ms, id), '{}'), coalesce(array_agg(saw_state ORDER BY ts_ms, "
            "id), '{}'), coalesce(array_agg(link ORDER BY ts_ms, id), '{}') FROM saw_states WHERE machine_id = $1 "
            "AND ts_ms >= $2 AND ts_ms < $3", machine_id, table_from, end_ms)
        data.spans = spans_from_segments(segments_of_columns(ts, states, links), table_from, end_ms, before=before)
    from_samples = False
    if table_from > start_ms:
        derived = await _sample_spans(conn, machine_id, start_ms, table_from)
        from_samples = any(span.state is not StateClass.NO_DATA for span in derived)
        data.spans = derived + data.spans
    table = table_from < end_ms
    data.state_source = ("state table + samples" if table and from_samples else "state table" if table
                         else "samples" if from_samples else "none")
    if {"alarm_key", "action", "text", "priority"} <= await _columns(conn, "alarm_log"):
        last = await conn.fetch(
            "SELECT DISTINCT ON (alarm_key) alarm_key, action, ts_ms, text FROM alarm_log WHERE machine_id = $1 "
            "AND action IN ('raise', 'clear') AND priority <= $3 AND ts_ms < $2 ORDER BY alarm_key, ts_ms DESC, "
            "id DESC", machine_id, start_ms, STOPPING_PRIORITY)
        changes = await conn.fetch(
            "SELECT alarm_key, action, ts_ms, text FROM alarm_log WHERE machine_id = $1 AND action IN "
            "('raise', 'clear') AND priority <= $4 AND ts_ms >= $2 AND ts_ms < $3 ORDER BY ts_ms, id", machine_id,
            start_ms, end_ms, STOPPING_PRIORITY)
        data.alarms = alarm_spans(stopping(tuple(r) for r in last), stopping(tuple(r) for r in changes),
                                  start_ms, end_ms)
    if data.cuts and {"kind", "phase", "cut_start_ms"} <= await _columns(conn, "anomalies"):
        rows = await conn.fetch(
            "SELECT DISTINCT cut_start_ms FROM anomalies WHERE machine_id = $1 AND kind = 'profile' AND "
            "phase = 'onset' AND cut_start_ms >= $2 AND cut_start_ms <= $3", machine_id, data.cuts[0].start_ms,
            max(c.start_ms for c in data.cuts))
        data.flagged = {int(r[0]) for r in rows}
    return data


async def _sample_spans(conn: asyncpg.Connection, machine_id: int, start_ms: int, end_ms: int) -> list[StateSpan]:
    gap_ms = int(SAMPLE_GAP_S * 1000)
    if "saw_state" not in await _columns(conn, "samples"):
        return spans_from_changes([], None, start_ms, end_ms)
    rows = await conn.fetch(
        "SELECT ts_ms, cls, prev_ts FROM (SELECT ts_ms, cls, LAG(cls) OVER w AS prev_cls, LAG(ts_ms) OVER w AS "
        f"prev_ts FROM (SELECT ts_ms, {state_class_sql('trunc(saw_state)')} AS cls FROM samples WHERE "
        "machine_id = $1 AND ts_ms >= $2 AND ts_ms < $3) c WINDOW w AS (ORDER BY ts_ms)) s "
        "WHERE prev_ts IS NULL OR cls IS DISTINCT FROM prev_cls OR ts_ms - prev_ts > $4",
        machine_id, start_ms - gap_ms, end_ms, gap_ms)
    tail = await conn.fetchval("SELECT max(ts_ms) FROM samples WHERE machine_id = $1 AND ts_ms >= $2 AND ts_ms < $3",
                               machine_id, start_ms - gap_ms, end_ms)
    changes = [(int(r[0]), r[1], None if r[2] is None else int(r[2])) for r in rows]
    return spans_from_changes(changes, None if tail is None else int(tail), start_ms, end_ms, gap_ms=gap_ms)


async def fleet_reports(settings: Settings, start_ms: int, end_ms: int, *, shift: str | None = None,
                        machine_ids: Sequence[int] | None = None, now_ms: int | None = None,
                        timeline: bool = False, processes: int | None = None) -> list[ProductionReport]:
    """One report per saw (planned time from this configuration's shifts), in machine id order.

    ``processes``: how many processes compute the saws (None: one per core, at most
    MAX_PROCESSES, only for fleets of at least two saws a process)."""
    pg = settings.database.postgresql
    if not pg.enabled and pg.url is None:
        raise ReportError("PostgreSQL is not configured (database.postgresql.enabled / DATABASE_URL)")
    now = int(time.time() * 1000) if now_ms is None else now_ms
    report_set(settings, start_ms, end_ms, shift=shift, now_ms=now, loader=PeriodData)  # bad input: the same errors
    job = _Job(settings, start_ms, end_ms, shift, now, timeline)
    wanted = list(machine_ids) if machine_ids else (await _on_pool(job, 1, _machines))[0]
    if not wanted:
        raise ReportError(f"no saw has mirrored any data to {target_from_settings(pg).display}")
    count = _process_count(len(wanted)) if processes is None else max(1, min(processes, len(wanted)))
    if count == 1:
        return await job.reports(wanted)
    # The report's own computation is Python (about a third of a second of CPU for a month of one
    # saw, measured in bench/report.py): the saws are shared out to processes, one a core.
    groups = [wanted[i::count] for i in range(count)]
    loop = asyncio.get_running_loop()
    with ProcessPoolExecutor(count, mp_context=_context()) as pool:
        parts = await asyncio.gather(*(loop.run_in_executor(pool, job.run, group) for group in groups))
    by_id = {machine_id: report for group, part in zip(groups, parts, strict=True)
             for machine_id, report in zip(group, part, strict=True)}
    return [by_id[machine_id] for machine_id in wanted]


def _process_count(saws: int) -> int:
    return max(1, min(os.cpu_count() or 1, MAX_PROCESSES, saws // MIN_SAWS_PER_PROCESS))


def _context() -> BaseContext:
    # fork: the worker has everything imported already (a spawned one imports the engine's
    # modules first: about a second on a loaded saw PC). The report is run from the CLI's one thread.
    return multiprocessing.get_context("fork" if "fork" in multiprocessing.get_all_start_methods() else "spawn")


async def _machines(conn: asyncpg.Connection, _job: _Job) -> list[int]:
    return await machines(conn)


@dataclass(frozen=True)
class _Job:
    """What every saw's report is computed with (sent to the worker processes)."""

    settings: Settings
    start_ms: int
    end_ms: int
    shift: str | None
    now_ms: int
    timeline: bool

    def run(self, machine_ids: list[int]) -> list[ProductionReport]:
        """In a worker process: its saws' reports, on its own connections and event loop."""
        return asyncio.run(self.reports(machine_ids))

    async def reports(self, machine_ids: list[int]) -> list[ProductionReport]:
        return await _on_pool(self, FLEET_CONNECTIONS, *(partial(self.one, m) for m in machine_ids))

    async def one(self, machine_id: int, conn: asyncpg.Connection, _job: _Job) -> ProductionReport:
        data = await load_pg(conn, machine_id, self.start_ms, min(self.end_ms, self.now_ms))
        return report_set(self.settings, self.start_ms, self.end_ms, shift=self.shift, now_ms=self.now_ms,
                          loader=lambda _a, _b: data, machine=f"machine {machine_id}", timeline=self.timeline,
                          per_shift=False).total


async def _on_pool(job: _Job, size: int, *steps: Callable[[asyncpg.Connection, _Job], Awaitable[T]]) -> list[T]:
    """Each step on a connection of one pool (several at once: one saw's rows travel while another's
    report is computed); PostgreSQL's failures as one-line ReportErrors."""
    pg = job.settings.database.postgresql
    target = target_from_settings(pg)
    try:
        pool = await asyncpg.create_pool(**target.connect_kwargs(), min_size=1, max_size=size,
                                         timeout=min(pg.command_timeout_s, 10.0), command_timeout=pg.command_timeout_s,
                                         server_settings=SERVER_SETTINGS)
    except (OSError, asyncpg.PostgresError, TimeoutError) as exc:
        raise ReportError(f"cannot reach PostgreSQL at {target.display}: {describe_error(exc, target)}") from None
    assert pool is not None

    async def step(fn: Callable[[asyncpg.Connection, _Job], Awaitable[T]]) -> T:
        async with pool.acquire() as conn:
            return await fn(conn, job)

    try:
        return list(await asyncio.gather(*(step(fn) for fn in steps)))
    except (asyncpg.PostgresConnectionError, OSError, TimeoutError) as exc:  # no answer, not a refusal
        raise ReportError(f"lost the connection to PostgreSQL during the report: {describe_error(exc, target)}") \
            from None
    except asyncpg.PostgresError as exc:
        raise ReportError(f"PostgreSQL refused the report query: {describe_error(exc, target)}") from None
    finally:
        await pool.close()
