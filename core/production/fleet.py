"""The report for many saws from the central PostgreSQL (the mirror's tables, keyed by machine_id).

The same tables as on the saw (cuts, saw_states, alarm_log, anomalies, samples only before a
saw's state table began), read per machine into :class:`PeriodData` and computed by the same
code as the local report. A table or column no saw has mirrored yet reads as empty / unknown.
Rows a restored saw sent again under a new generation are counted once (cuts by start time).
"""

from __future__ import annotations

import asyncio
import time
from collections.abc import Sequence

import asyncpg

from core.config import Settings
from core.production.data import STOPPING_PRIORITY, PeriodData, alarm_spans, cut_row
from core.production.service import ReportError, report_set
from core.production.states import (
    SAMPLE_GAP_S,
    StateRow,
    classify,
    segments_of,
    spans_from_changes,
    spans_from_segments,
)
from core.production.values import ProductionReport, StateClass, StateSpan
from core.storage.pg.connection import describe_error, target_from_settings

FLEET_CONNECTIONS = 4
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
        rows = await conn.fetch("SELECT ts_ms, saw_state, link FROM saw_states WHERE machine_id = $1 AND ts_ms >= $2 "
                                "AND ts_ms < $3 ORDER BY ts_ms, id", machine_id, table_from, end_ms)
        data.spans = spans_from_segments(segments_of((int(r[0]), r[1], r[2]) for r in rows), table_from, end_ms,
                                         before=before)
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
        data.alarms = alarm_spans([tuple(r) for r in last], [tuple(r) for r in changes], start_ms, end_ms)
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
        "SELECT ts_ms, saw_state, prev_ts FROM (SELECT ts_ms, saw_state, LAG(saw_state) OVER w AS prev_state, "
        "LAG(ts_ms) OVER w AS prev_ts FROM samples WHERE machine_id = $1 AND ts_ms >= $2 AND ts_ms < $3 "
        "WINDOW w AS (ORDER BY ts_ms)) s WHERE prev_ts IS NULL OR saw_state IS DISTINCT FROM prev_state "
        "OR ts_ms - prev_ts > $4", machine_id, start_ms - gap_ms, end_ms, gap_ms)
    tail = await conn.fetchval("SELECT max(ts_ms) FROM samples WHERE machine_id = $1 AND ts_ms >= $2 AND ts_ms < $3",
                               machine_id, start_ms - gap_ms, end_ms)
    changes = [(int(r[0]), r[1], None if r[2] is None else int(r[2])) for r in rows]
    return spans_from_changes(changes, None if tail is None else int(tail), start_ms, end_ms, gap_ms=gap_ms)


async def fleet_reports(settings: Settings, start_ms: int, end_ms: int, *, shift: str | None = None,
                        machine_ids: Sequence[int] | None = None, now_ms: int | None = None,
                        timeline: bool = False) -> list[ProductionReport]:
    """One report per saw (planned time from this configuration's shifts), in machine id order."""
    pg = settings.database.postgresql
    if not pg.enabled and pg.url is None:
        raise ReportError("PostgreSQL is not configured (database.postgresql.enabled / DATABASE_URL)")
    target = target_from_settings(pg)
    now = int(time.time() * 1000) if now_ms is None else now_ms
    report_set(settings, start_ms, end_ms, shift=shift, now_ms=now, loader=PeriodData)  # bad input: the same errors
    try:
        pool = await asyncpg.create_pool(**target.connect_kwargs(), min_size=1, max_size=FLEET_CONNECTIONS,
                                         timeout=min(pg.command_timeout_s, 10.0), command_timeout=pg.command_timeout_s)
    except (OSError, asyncpg.PostgresError, TimeoutError) as exc:
        raise ReportError(f"cannot reach PostgreSQL at {target.display}: {describe_error(exc, target)}") from None
    assert pool is not None
    try:
        async with pool.acquire() as conn:
            wanted = list(machine_ids) if machine_ids else await machines(conn)
        if not wanted:
            raise ReportError(f"no saw has mirrored any data to {target.display}")
        until = min(end_ms, now)

        async def one(machine_id: int) -> ProductionReport:
            # Saws are read on several connections at once: one saw's rows travel while another's
            # report is computed.
            async with pool.acquire() as conn:
                data = await load_pg(conn, machine_id, start_ms, until)
            return report_set(settings, start_ms, end_ms, shift=shift, now_ms=now, loader=lambda _a, _b: data,
                              machine=f"machine {machine_id}", timeline=timeline, per_shift=False).total

        return list(await asyncio.gather(*(one(machine_id) for machine_id in wanted)))
    except asyncpg.PostgresError as exc:
        raise ReportError(f"PostgreSQL refused the report query: {describe_error(exc, target)}") from None
    finally:
        await pool.close()
