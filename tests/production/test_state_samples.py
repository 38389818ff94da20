"""The samples fallback (state time line from raw samples) sees changes of state CLASS only: a noisy
or flickering saw_state gives a few spans, the same time line as classifying every sample, in
SQLite (the saw) and PostgreSQL (the fleet)."""

from __future__ import annotations

import asyncio
import math
import random
import sqlite3
from collections.abc import Sequence
from pathlib import Path

import asyncpg
from hypothesis import given, settings
from hypothesis import strategies as st
from production_helpers import PG

from core.production.fleet import _sample_spans
from core.production.states import SAMPLE_CHANGES_SQL, classify, spans_from_changes, spans_from_samples
from core.production.values import StateClass, StateSpan

# The per-code query of the previous release: a change row for every change of the raw code.
PER_CODE_SQL = (
    "SELECT ts_ms, saw_state, prev_ts FROM ("
    " SELECT ts_ms, saw_state, LAG(saw_state) OVER w AS prev_state, LAG(ts_ms) OVER w AS prev_ts"
    " FROM samples WHERE ts_ms >= ? AND ts_ms < ? WINDOW w AS (ORDER BY ts_ms))"
    " WHERE prev_ts IS NULL OR saw_state IS NOT prev_state OR ts_ms - prev_ts > ?"
)
GAP_MS = 5_000


def write_raw(path: Path, samples: Sequence[tuple[int, float | None]]) -> None:
    conn = sqlite3.connect(path)
    conn.execute("CREATE TABLE samples (id INTEGER PRIMARY KEY, ts_ms INTEGER NOT NULL, saw_state REAL)")
    conn.executemany("INSERT INTO samples (ts_ms, saw_state) VALUES (?, ?)", samples)
    conn.commit()
    conn.close()


def per_code_spans(path: Path, start_ms: int, end_ms: int) -> list[StateSpan]:
    conn = sqlite3.connect(path)
    try:
        changes = list(conn.execute(PER_CODE_SQL, (start_ms - GAP_MS, end_ms, GAP_MS)))
        tail = conn.execute("SELECT max(ts_ms) FROM samples WHERE ts_ms >= ? AND ts_ms < ?",
                            (start_ms - GAP_MS, end_ms)).fetchone()[0]
    finally:
        conn.close()
    return spans_from_changes(changes, tail, start_ms, end_ms, gap_ms=GAP_MS)


codes = st.one_of(st.none(), st.integers(-2, 8).map(float),
                  st.floats(-1.0, 9.0, allow_nan=False, allow_infinity=False))


@settings(max_examples=150, deadline=None)
@given(st.lists(st.tuples(st.integers(1, 8_000), codes), min_size=0, max_size=60),
       st.integers(0, 20_000), st.integers(1, 400_000))
def test_class_changes_give_the_per_code_time_line(tmp_path_factory, steps, start_ms, length) -> None:  # type: ignore[no-untyped-def]
    path = tmp_path_factory.mktemp("raw") / "raw.db"
    ts, samples = 0, []
    for step, code in steps:
        ts += step
        samples.append((ts, code))
    write_raw(path, samples)
    assert spans_from_samples(path, start_ms, start_ms + length) == per_code_spans(path, start_ms, start_ms + length)


def test_a_noisy_saw_state_gives_few_spans_not_one_a_sample(tmp_path: Path) -> None:
    rng = random.Random(3)
    samples: list[tuple[int, float | None]] = [(i * 100, round(rng.uniform(0, 500), 2)) for i in range(36_000)]
    path = tmp_path / "raw.db"
    write_raw(path, samples)
    spans = spans_from_samples(path, 0, 3_600_000)
    assert spans == per_code_spans(path, 0, 3_600_000)
    # What Python must walk: a code in 0..5 comes one sample in ~80, so about 900 class changes, not 36,000.
    conn = sqlite3.connect(path)
    changes = conn.execute(SAMPLE_CHANGES_SQL, (-GAP_MS, 3_600_000, GAP_MS)).fetchall()
    conn.close()
    assert len(changes) < 1_500
    assert sum(s.end_ms - s.start_ms for s in spans) == 3_600_000


def test_infinite_or_nan_state_reads_as_not_known(tmp_path: Path) -> None:
    assert classify(math.inf, "up") is StateClass.LINK_LOST
    assert classify(math.nan, "up") is StateClass.LINK_LOST
    path = tmp_path / "raw.db"
    write_raw(path, [(0, 3.0), (100, math.inf), (200, -math.inf), (300, 3.0), (400, 3.0)])
    assert [(s.start_ms, s.state) for s in spans_from_samples(path, 0, 450)] == [
        (0, StateClass.CUTTING), (100, StateClass.LINK_LOST), (300, StateClass.CUTTING), (401, StateClass.NO_DATA)]


def test_postgresql_gives_the_same_time_line_as_sqlite(tmp_path: Path, pg_database: str) -> None:
    rng = random.Random(5)
    samples: list[tuple[int, float | None]] = []
    ts = 0
    for _ in range(3_000):
        ts += rng.choice((100, 100, 100, 7_000))
        samples.append((ts, rng.choice((None, 0.0, 2.0, 2.7, 3.0, 3.9, 5.0, 6.0, -0.5, 250.25))))
    path = tmp_path / "raw.db"
    write_raw(path, samples)
    start, end = 10_000, ts - 5_000

    async def from_pg() -> list[StateSpan]:
        conn = await asyncpg.connect(**PG, database=pg_database)
        try:
            await conn.execute("CREATE TABLE samples (machine_id INTEGER, ts_ms BIGINT, saw_state DOUBLE PRECISION)")
            await conn.executemany("INSERT INTO samples VALUES (7, $1, $2)", samples)
            await conn.execute("INSERT INTO samples VALUES (8, 20000, 3.0)")  # another saw: not this one's
            return await _sample_spans(conn, 7, start, end)
        finally:
            await conn.close()

    spans = asyncio.run(from_pg())
    assert spans == spans_from_samples(path, start, end) == per_code_spans(path, start, end)
