"""The saw-state time line: recorder rows (changes, alive marks, link, stop) and spans read back."""

from __future__ import annotations

import sqlite3
from pathlib import Path

from core.analysis.store import BatchedSqliteWriter, migrator
from core.production.states import (
    StateRecorder,
    StateRow,
    read_state_rows,
    spans_from_rows,
    spans_from_samples,
)
from core.production.values import StateClass, StateSpan
from core.snapshot import Quality, SawState, Snapshot


def snap(ts_ms: int, state: SawState | None, quality: Quality = Quality.GOOD) -> Snapshot:
    values = {} if quality is Quality.COMM_ERROR else {"saw_state": None if state is None else float(state)}
    return Snapshot(1, ts_ms, 0.0, values, {}, quality)


class ListSink:
    def __init__(self) -> None:
        self.rows: list[tuple[object, ...]] = []

    def submit(self, sql: str, params: object = ()) -> None:
        self.rows.append(tuple(params))  # type: ignore[arg-type]


def test_recorder_writes_changes_alive_marks_link_and_stop() -> None:
    sink = ListSink()
    rec = StateRecorder(sink, alive_s=60, link_timeout_s=5)
    for ts in range(0, 30_000, 100):  # READY for 30 s at 10 Hz: one row
        rec.feed(snap(ts, SawState.READY))
    for ts in range(30_000, 100_000, 100):  # CUTTING 70 s: a change and one alive mark
        rec.feed(snap(ts, SawState.CUTTING))
    rec.feed(snap(100_000, None, Quality.COMM_ERROR))
    rec.feed(snap(100_100, None, Quality.COMM_ERROR))
    rec.feed(snap(101_000, SawState.READY))
    rec.tick(101_500)  # within the timeout: nothing
    rec.tick(107_000)  # no snapshot for 6 s: link down at last seen + 5 s
    rec.stop(110_000)
    assert sink.rows == [
        (0, 2, "up", "change"),
        (30_000, 3, "up", "change"),
        (90_000, 3, "up", "alive"),
        (100_000, None, "down", "change"),
        (101_000, 2, "up", "change"),
        (106_000, None, "down", "change"),
        (110_000, None, "off", "change"),
    ]


def test_spans_merge_and_stale_rows_become_no_data() -> None:
    rows = [StateRow(1_000, StateClass.READY_IDLE), StateRow(2_000, StateClass.CUTTING),
            StateRow(62_000, StateClass.CUTTING), StateRow(70_000, StateClass.READY_IDLE)]
    spans = spans_from_rows(rows, 0, 500_000, stale_ms=150_000)
    assert spans == [
        StateSpan(0, 1_000, StateClass.NO_DATA),
        StateSpan(1_000, 2_000, StateClass.READY_IDLE),
        StateSpan(2_000, 70_000, StateClass.CUTTING),
        StateSpan(70_000, 220_000, StateClass.READY_IDLE),  # the engine stopped without a word
        StateSpan(220_000, 500_000, StateClass.NO_DATA),
    ]
    assert sum(s.seconds for s in spans) == 500.0


def test_rows_through_total_db_writer(tmp_path: Path) -> None:
    writer = BatchedSqliteWriter(tmp_path / "total.db", migrator("total"), batch_rows=50, batch_ms=50)
    writer.open()
    try:
        rec = StateRecorder(writer)
        rec.feed(snap(1_000, SawState.IDLE))
        rec.feed(snap(5_000, SawState.ERROR))
        rec.stop(9_000)
        assert writer.flush()
    finally:
        writer.close()
    conn = sqlite3.connect(tmp_path / "total.db")
    try:
        before, rows = read_state_rows(conn, 2_000, 20_000)
    finally:
        conn.close()
    assert before == StateRow(1_000, StateClass.READY_IDLE)
    spans = spans_from_rows(rows, 2_000, 20_000, before=before)
    assert spans == [StateSpan(2_000, 5_000, StateClass.READY_IDLE), StateSpan(5_000, 9_000, StateClass.ALARM_STOPPED),
                     StateSpan(9_000, 20_000, StateClass.NO_DATA)]


def test_samples_fallback_gives_the_same_spans(tmp_path: Path) -> None:
    raw = tmp_path / "raw.db"
    conn = sqlite3.connect(raw)
    conn.execute("CREATE TABLE samples (id INTEGER PRIMARY KEY, ts_ms INTEGER NOT NULL, saw_state REAL)")
    data = [(ts, 2.0) for ts in range(0, 10_000, 100)] + [(ts, 3.0) for ts in range(10_000, 40_000, 100)]
    data += [(ts, 2.0) for ts in range(60_000, 70_000, 100)]  # a 20 s hole: no data
    conn.executemany("INSERT INTO samples (ts_ms, saw_state) VALUES (?, ?)", data)
    conn.commit()
    conn.close()
    spans = spans_from_samples(raw, 5_000, 80_000)
    assert [(s.start_ms, s.state) for s in spans] == [
        (5_000, StateClass.READY_IDLE), (10_000, StateClass.CUTTING), (39_901, StateClass.NO_DATA),
        (60_000, StateClass.READY_IDLE), (69_901, StateClass.NO_DATA)]
    assert spans[-1].end_ms == 80_000
    assert spans_from_samples(tmp_path / "missing.db", 0, 1_000) == [StateSpan(0, 1_000, StateClass.NO_DATA)]


def test_runs_of_rows_give_the_same_time_line_as_the_rows() -> None:
    import random

    from core.production.states import classify, segments_of, spans_from_segments

    rng = random.Random(4)
    for _ in range(200):
        raw: list[tuple[int, int | None, str]] = []
        ts = rng.randrange(0, 50_000)
        for _ in range(rng.randrange(0, 60)):
            ts += rng.choice((100, 5_000, 60_000, 60_000, 149_000, 151_000, 400_000))
            raw.append((ts, rng.choice((2, 2, 3, 3, 5, None)), rng.choice(("up", "up", "up", "down", "off"))))
        start, end = rng.randrange(0, 200_000), rng.randrange(200_000, 3_000_000)
        before_rows = [r for r in raw if r[0] < start]
        inside = [r for r in raw if start <= r[0] < end]
        before = StateRow(before_rows[-1][0], classify(before_rows[-1][1], before_rows[-1][2])) if before_rows else None
        rows = [StateRow(t, classify(s, link)) for t, s, link in inside]
        assert spans_from_segments(segments_of(inside), start, end, before=before) == \
            spans_from_rows(rows, start, end, before=before)


def test_the_tick_writes_alive_rows_when_no_snapshot_comes() -> None:
    """A link down without snapshots: the engine still records, so alive rows go on (else the
    shorter STALE_AFTER_S would turn a long link loss into no data)."""
    sink = ListSink()
    rec = StateRecorder(sink, alive_s=60, link_timeout_s=5)
    rec.feed(snap(0, SawState.READY))
    for now in range(1_000, 200_001, 1_000):
        rec.tick(now)
    assert sink.rows == [(0, 2, "up", "change"), (5_000, None, "down", "change"),
                         (65_000, None, "down", "alive"), (125_000, None, "down", "alive"),
                         (185_000, None, "down", "alive")]


def test_the_last_row_stands_only_the_alive_period_and_a_margin() -> None:
    from core.production.states import ALIVE_S, STALE_AFTER_S

    assert ALIVE_S < STALE_AFTER_S <= ALIVE_S + 10
    rows = [StateRow(0, StateClass.READY_IDLE), StateRow(10_000, StateClass.CUTTING)]  # then a kill -9
    spans = spans_from_rows(rows, 0, 600_000)
    assert spans == [StateSpan(0, 10_000, StateClass.READY_IDLE),
                     StateSpan(10_000, 10_000 + int(STALE_AFTER_S * 1000), StateClass.CUTTING),
                     StateSpan(10_000 + int(STALE_AFTER_S * 1000), 600_000, StateClass.NO_DATA)]


def test_runs_from_columns_equal_runs_from_rows() -> None:
    """The fleet's numpy runs (three arrays from PostgreSQL) are the rows' runs, NULL states and gaps included."""
    import random

    from core.production.states import segments_of, segments_of_columns

    rng = random.Random(5)
    for _ in range(50):
        rows: list[tuple[int, int | None, str]] = []
        ts = 0
        for _ in range(rng.randrange(0, 300)):
            ts += rng.choice((0, 100, 1_000, 60_000, 65_000, 65_001, 200_000))
            rows.append((ts, rng.choice((None, 0, 2, 3, 3, 3, 5, 9)), rng.choice(("up", "up", "up", "down", "off"))))
        columns = ([r[0] for r in rows], [r[1] for r in rows], [r[2] for r in rows])
        assert segments_of_columns(*columns) == segments_of(rows)
