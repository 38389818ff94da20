"""The saw-state time line: total.db ``saw_states``, its recorder and its reader.

The engine writes one row on every change of (saw_state, link) and an ``alive`` row every
``ALIVE_S`` while nothing changes (from a snapshot, or from the once-a-second tick when no
snapshot comes), through total.db's batched writer (never a commit per poll). A row holds from
its time until the next row, but never longer than ``STALE_AFTER_S`` (the alive period plus a
small margin): a row is the last evidence that the engine was recording, so after a crash or a
power cut (no closing "off" row), or in PostgreSQL before the last rows were mirrored, the last
state is carried on for at most that long and the rest is "no data", never the last state carried
on. An orderly stop writes link "off".

Before the table existed (files from earlier releases, imported smart-saw data) the time line
is derived from raw.db ``samples`` (column saw_state): the changes only, by SQLite's window
functions, and a gap between samples longer than ``SAMPLE_GAP_S`` is "no data". The table is the
fast path; samples are read only for time before its first row.
"""

from __future__ import annotations

import logging
import math
import sqlite3
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from pathlib import Path

import numpy as np

from core.analysis.store import SqlSink
from core.production.values import StateClass, StateSpan
from core.snapshot import Quality, SawState, Snapshot

log = logging.getLogger("bandsaw.production.states")

ALIVE_S = 60.0  # an unchanged state is written again this often
ALIVE_MARGIN_S = 5.0  # the alive row comes at the first snapshot or tick after ALIVE_S: slack for both
STALE_AFTER_S = ALIVE_S + ALIVE_MARGIN_S  # no row for this long: the engine was not recording
SAMPLE_GAP_S = 5.0  # samples fallback: a gap this long between samples is "no data"

# total.db v3 (core.storage.schema appends it). Mirrored (core.storage.pg.tables).
TOTAL_V3 = """
CREATE TABLE saw_states (
    id INTEGER PRIMARY KEY AUTOINCREMENT,
    ts_ms INTEGER NOT NULL,
    saw_state INTEGER,           -- core.snapshot.SawState code, NULL: not known (link down, unreadable, stopped)
    link TEXT NOT NULL,          -- up, down (no answer from the PLC), off (engine stopped recording)
    kind TEXT NOT NULL           -- change, or alive (the same state again, every ALIVE_S)
);
CREATE INDEX saw_states_ts_ms ON saw_states(ts_ms);
"""
INSERT_STATE = "INSERT INTO saw_states (ts_ms, saw_state, link, kind) VALUES (?, ?, ?, ?)"

_CUTTING = int(SawState.CUTTING)
_ERROR = int(SawState.ERROR)
_KNOWN = {int(state) for state in SawState}


def classify(saw_state: int | float | None, link: str) -> StateClass:
    key = (saw_state, link)
    known = _CLASSES.get(key)
    if known is None:
        known = _CLASSES[key] = _classify(saw_state, link)
    return known


_CLASSES: dict[tuple[int | float | None, str], StateClass] = {}


def _classify(saw_state: int | float | None, link: str) -> StateClass:
    if link == "off":
        return StateClass.NO_DATA
    if link != "up" or saw_state is None:
        return StateClass.LINK_LOST
    if not math.isfinite(saw_state):  # a float register's inf or NaN: no state (int() would raise)
        return StateClass.LINK_LOST
    code = int(saw_state)
    if code == _CUTTING:
        return StateClass.CUTTING
    if code == _ERROR:
        return StateClass.ALARM_STOPPED
    if code in _KNOWN:
        return StateClass.READY_IDLE
    return StateClass.LINK_LOST  # a code the PLC should not send: the state is not known


class StateRecorder:
    """Follows every snapshot (cheap: a compare per poll); writes changes and alive marks."""

    def __init__(self, sink: SqlSink | None, *, alive_s: float = ALIVE_S, link_timeout_s: float = 5.0) -> None:
        self._sink = sink
        self._alive_ms = int(alive_s * 1000)
        self._timeout_ms = int(link_timeout_s * 1000)
        self._last: tuple[int | None, str] | None = None
        self._last_row_ms = 0
        self._last_seen_ms: int | None = None

    def feed(self, snapshot: Snapshot) -> None:
        if snapshot.quality is Quality.COMM_ERROR:
            key: tuple[int | None, str] = (None, "down")
        else:
            state = snapshot.saw_state
            key = (None if state is None else int(state), "up")
        self._last_seen_ms = snapshot.ts_ms
        self._note(key, snapshot.ts_ms)

    def tick(self, now_ms: int) -> None:
        """About once a second: no snapshot at all for a while is a lost link too."""
        if self._last is None or self._last_seen_ms is None or self._last[1] != "up":
            self._alive(now_ms)
            return
        if now_ms - self._last_seen_ms > self._timeout_ms:
            self._note((None, "down"), self._last_seen_ms + self._timeout_ms)
        self._alive(now_ms)

    def _alive(self, now_ms: int) -> None:
        """The engine is recording: an alive row even when no snapshot comes (a link down)."""
        if self._last is not None and now_ms - self._last_row_ms >= self._alive_ms:
            self._write(now_ms, self._last, "alive")

    def stop(self, now_ms: int) -> None:
        """The engine stops recording: the time after this is no data."""
        if self._last is not None:
            self._write(now_ms, (None, "off"), "change")
        self._last = None
        self._last_seen_ms = None

    def recover(self, total_db: Path, raw_db: Path) -> int | None:
        """At start, before the first snapshot: close a time line the last run left open (a kill -9,
        a power cut: no "off" row) where its evidence ends (:func:`crash_end_ms`), so the state it
        was in is not carried on past the last recorded sample. Returns the "off" row's time."""
        end_ms = crash_end_ms(total_db, raw_db)
        if end_ms is not None:
            log.info("the last run ended without stopping: its saw-state time line closes at %d "
                     "(the last recorded sample)", end_ms)
            self._write(end_ms, (None, "off"), "change")
            self._last = None
        return end_ms

    def _note(self, key: tuple[int | None, str], ts_ms: int) -> None:
        if key != self._last:
            self._write(ts_ms, key, "change")
        elif ts_ms - self._last_row_ms >= self._alive_ms:
            self._write(ts_ms, key, "alive")

    def _write(self, ts_ms: int, key: tuple[int | None, str], kind: str) -> None:
        self._last = key
        self._last_row_ms = ts_ms
        if self._sink is not None:
            self._sink.submit(INSERT_STATE, (ts_ms, key[0], key[1], kind))


# --- reading -----------------------------------------------------------------------------------

@dataclass(frozen=True, slots=True)
class StateRow:
    ts_ms: int
    state: StateClass


def spans_from_rows(rows: Iterable[StateRow], start_ms: int, end_ms: int, *,
                    stale_ms: int = int(STALE_AFTER_S * 1000), before: StateRow | None = None) -> list[StateSpan]:
    """Spans over [start_ms, end_ms) from time-ordered rows; ``before`` is the last row earlier
    than start_ms. Time not covered by a fresh row is NO_DATA. Neighbouring equal spans merge."""
    # Each row is a run of one row: the same time line as the runs of rows give.
    return spans_from_segments(((row.ts_ms, row.ts_ms, row.state) for row in rows), start_ms, end_ms,
                               stale_ms=stale_ms, before=before)


def spans_from_segments(segments: Iterable[tuple[int, int, StateClass]], start_ms: int, end_ms: int, *,
                        stale_ms: int = int(STALE_AFTER_S * 1000), before: StateRow | None = None) -> list[StateSpan]:
    """Spans over [start_ms, end_ms) from runs of rows (:func:`segments_of`); ``before`` is the
    last row earlier than start_ms. A run's state stands from its first row until the next run,
    but never longer than ``stale_ms`` after its last row (then NO_DATA). Equal neighbours merge."""
    spans: list[StateSpan] = []

    def add(a: int, b: int, state: StateClass) -> None:
        a, b = max(a, start_ms), min(b, end_ms)
        if b <= a:
            return
        if spans and spans[-1].state is state and spans[-1].end_ms == a:
            spans[-1] = StateSpan(spans[-1].start_ms, b, state)
        else:
            spans.append(StateSpan(a, b, state))

    def fill(a: int, b: int, fresh_until: int | None, state: StateClass) -> None:
        if fresh_until is None:
            add(a, b, StateClass.NO_DATA)
            return
        add(a, min(b, fresh_until), state)
        if fresh_until < b:
            add(max(a, fresh_until), b, StateClass.NO_DATA)

    cursor = start_ms
    fresh: int | None = before.ts_ms + stale_ms if before is not None else None
    current = before.state if before is not None else StateClass.NO_DATA
    for first, last, state in segments:
        if first >= end_ms:
            break
        fill(cursor, first, fresh, current)
        cursor, fresh, current = max(first, start_ms), last + stale_ms, state
    fill(cursor, end_ms, fresh, current)
    return spans


def segments_of(rows: Iterable[tuple[int, int | float | None, str]],
                stale_ms: int = int(STALE_AFTER_S * 1000)) -> list[tuple[int, int, StateClass]]:
    """Runs of time-ordered (ts_ms, saw_state, link) rows: the same state and link, no gap longer
    than ``stale_ms`` inside; (first ts, last ts, state class) each."""
    segments: list[tuple[int, int, StateClass]] = []
    first = last = -1
    key: tuple[int | float | None, str] | None = None
    for ts, state, link in rows:
        if key is not None and state == key[0] and link == key[1] and ts - last <= stale_ms:
            last = ts
            continue
        if key is not None:
            segments.append((first, last, classify(*key)))
        first = last = ts
        key = (state, link)
    if key is not None:
        segments.append((first, last, classify(*key)))
    return segments


def segments_of_columns(ts: Sequence[int], states: Sequence[int | None], links: Sequence[str],
                        stale_ms: int = int(STALE_AFTER_S * 1000)) -> list[tuple[int, int, StateClass]]:
    """:func:`segments_of` over the rows as three columns (PostgreSQL's array_agg): the runs found
    by numpy, so a month of one saw (~80,000 rows) costs milliseconds, not a Python loop a row."""
    count = len(ts)
    if count == 0:
        return []
    times = np.asarray(ts, dtype=np.int64)
    codes = np.asarray([_NULL_STATE if v is None else v for v in states], dtype=np.int64)
    link_names = sorted(set(links))
    link_codes = np.searchsorted(np.asarray(link_names), np.asarray(links))
    new_run = np.ones(count, dtype=bool)
    new_run[1:] = (codes[1:] != codes[:-1]) | (link_codes[1:] != link_codes[:-1]) | (np.diff(times) > stale_ms)
    firsts = np.flatnonzero(new_run)
    lasts = np.append(firsts[1:] - 1, count - 1)
    return [(int(times[a]), int(times[b]),
             classify(None if codes[a] == _NULL_STATE else int(codes[a]), link_names[link_codes[a]]))
            for a, b in zip(firsts.tolist(), lasts.tolist(), strict=True)]


_NULL_STATE = -(2**62)  # a saw_state no PLC sends: NULL in the arrays


def read_state_segments(conn: sqlite3.Connection, start_ms: int,
                        end_ms: int) -> tuple[StateRow | None, list[tuple[int, int, StateClass]]]:
    """The row before start_ms and the runs of rows in [start_ms, end_ms) of total.db saw_states
    (grouped in Python: SQLite's window functions are slower than this loop)."""
    row = conn.execute("SELECT ts_ms, saw_state, link FROM saw_states WHERE ts_ms < ? "
                       "ORDER BY ts_ms DESC, id DESC LIMIT 1", (start_ms,)).fetchone()
    before = StateRow(int(row[0]), classify(row[1], row[2])) if row else None
    rows = conn.execute("SELECT ts_ms, saw_state, link FROM saw_states WHERE ts_ms >= ? AND ts_ms < ? "
                        "ORDER BY ts_ms, id", (start_ms, end_ms))
    return before, segments_of(rows)


def read_state_rows(conn: sqlite3.Connection, start_ms: int, end_ms: int) -> tuple[StateRow | None, list[StateRow]]:
    """The row before start_ms and the rows in [start_ms, end_ms) of total.db saw_states."""
    row = conn.execute("SELECT ts_ms, saw_state, link FROM saw_states WHERE ts_ms < ? "
                       "ORDER BY ts_ms DESC, id DESC LIMIT 1", (start_ms,)).fetchone()
    before = StateRow(int(row[0]), classify(row[1], row[2])) if row else None
    rows = [StateRow(int(ts), classify(state, link)) for ts, state, link in conn.execute(
        "SELECT ts_ms, saw_state, link FROM saw_states WHERE ts_ms >= ? AND ts_ms < ? ORDER BY ts_ms, id",
        (start_ms, end_ms))]
    return before, rows


def crash_end_ms(total_db: Path, raw_db: Path, *, stale_ms: int = int(STALE_AFTER_S * 1000)) -> int | None:
    """Where a time line left open by a crash ends, None when it is closed (or empty).

    The last row is the last certain evidence; raw.db's samples after it (one per good poll, up
    to the batch a kill lost) say how much longer the engine recorded. A row stands at most
    ``stale_ms``, so a sample later than that belongs to no state of this row."""
    try:
        conn = sqlite3.connect(f"file:{total_db}?mode=ro", uri=True, timeout=10.0)
    except sqlite3.Error:
        return None
    try:
        row = conn.execute("SELECT ts_ms, link FROM saw_states ORDER BY ts_ms DESC, id DESC LIMIT 1").fetchone()
    except sqlite3.Error:  # no file yet (a first start) or no table
        return None
    finally:
        conn.close()
    if row is None or row[1] == "off":
        return None
    last_row = int(row[0])
    return max(last_row, _last_sample_ms(raw_db, last_row, last_row + stale_ms) or last_row)


def _last_sample_ms(raw_db: Path, from_ms: int, to_ms: int) -> int | None:
    if not raw_db.exists():
        return None
    try:
        conn = sqlite3.connect(f"file:{raw_db}?mode=ro", uri=True, timeout=10.0)
        try:
            found = conn.execute("SELECT max(ts_ms) FROM samples WHERE ts_ms >= ? AND ts_ms <= ?",
                                 (from_ms, to_ms)).fetchone()
        finally:
            conn.close()
    except sqlite3.Error as exc:
        log.warning("%s: cannot read the last sample (%s): the time line closes at its last row", raw_db, exc)
        return None
    return int(found[0]) if found and found[0] is not None else None


def samples_after(raw_db: Path, after_ms: int, *,
                  within_ms: int = int(STALE_AFTER_S * 1000)) -> list[dict[str, float | None]]:
    """raw.db's samples after ``after_ms`` (at most ``within_ms`` later), oldest first, each as
    {column: value} with ``ts_ms``: after a crash, what was recorded past a state saved earlier
    (the open cut is saved every ``persist_every_s``; the samples go on until the kill)."""
    if not raw_db.exists():
        return []
    try:
        conn = sqlite3.connect(f"file:{raw_db}?mode=ro", uri=True, timeout=10.0)
        try:
            cursor = conn.execute("SELECT * FROM samples WHERE ts_ms > ? AND ts_ms <= ? ORDER BY ts_ms",
                                  (after_ms, after_ms + within_ms))
            names = [d[0] for d in cursor.description]
            return [dict(zip(names, row, strict=True)) for row in cursor.fetchall()]
        finally:
            conn.close()
    except sqlite3.Error as exc:
        log.warning("%s: cannot read the samples after %d (%s)", raw_db, after_ms, exc)
        return []


def first_state_ms(conn: sqlite3.Connection) -> int | None:
    """When the state table begins (None: empty or absent)."""
    try:
        row = conn.execute("SELECT min(ts_ms) FROM saw_states").fetchone()
    except sqlite3.OperationalError:
        return None
    return int(row[0]) if row and row[0] is not None else None


def state_class_sql(code: str) -> str:
    """SQL for a sample's state class, as one representative saw_state code (NULL: not known), so
    a window function sees a change only where the class changes. A PLC that sends noise, or codes
    that flicker within one class, gives a handful of changes, not one a sample (a day of a noisy
    saw_state at 10 Hz had been 864,000 spans built in Python inside the engine's process).
    ``code``: the saw_state truncated to an integer in the dialect (as :func:`classify` does)."""
    ready = ", ".join(str(int(s)) for s in SawState if int(s) not in (_CUTTING, _ERROR))
    return (f"CASE WHEN saw_state IS NULL THEN NULL WHEN {code} = {_CUTTING} THEN {_CUTTING} "
            f"WHEN {code} = {_ERROR} THEN {_ERROR} WHEN {code} IN ({ready}) THEN {int(SawState.IDLE)} END")


SAMPLE_CHANGES_SQL = (
    "SELECT ts_ms, cls, prev_ts FROM ("
    f" SELECT ts_ms, cls, LAG(cls) OVER w AS prev_cls, LAG(ts_ms) OVER w AS prev_ts FROM ("
    f"  SELECT ts_ms, {state_class_sql('CAST(saw_state AS INTEGER)')} AS cls"
    "   FROM samples WHERE ts_ms >= ? AND ts_ms < ?) WINDOW w AS (ORDER BY ts_ms))"
    " WHERE prev_ts IS NULL OR cls IS NOT prev_cls OR ts_ms - prev_ts > ?"
)


def spans_from_changes(changes: Iterable[tuple[int, float | None, int | None]], tail_ms: int | None,
                       start_ms: int, end_ms: int, *, gap_ms: int = int(SAMPLE_GAP_S * 1000)) -> list[StateSpan]:
    """Spans from sample change rows (ts_ms, saw_state, previous sample's ts_ms) as
    :data:`SAMPLE_CHANGES_SQL` gives them; ``tail_ms`` the last sample's time. A gap longer than
    ``gap_ms`` between samples, and the time after the last sample, are NO_DATA."""
    rows: list[StateRow] = []
    last_ts: int | None = None
    for ts, state, prev_ts in changes:
        if prev_ts is not None and ts - prev_ts > gap_ms:
            rows.append(StateRow(int(prev_ts) + 1, StateClass.NO_DATA))
        rows.append(StateRow(int(ts), classify(state, "up")))
        last_ts = int(ts)
    if tail_ms is not None and (last_ts is None or tail_ms > last_ts):
        last_ts = int(tail_ms)
    if last_ts is not None and last_ts + 1 < end_ms:
        rows.append(StateRow(last_ts + 1, StateClass.NO_DATA))
    before = None
    first = 0
    while first < len(rows) and rows[first].ts_ms < start_ms:
        before = rows[first]
        first += 1
    # A sample stands until the next change; the NO_DATA rows mark where the recording stopped.
    return spans_from_rows(rows[first:], start_ms, end_ms, stale_ms=max(end_ms - start_ms, 1) + gap_ms, before=before)


def spans_from_samples(raw_db: Path, start_ms: int, end_ms: int, *,
                       gap_ms: int = int(SAMPLE_GAP_S * 1000)) -> list[StateSpan]:
    """The fallback: spans derived from raw.db samples (saw_state column); no file or no column:
    the whole stretch is NO_DATA."""
    if end_ms <= start_ms:
        return []
    changes: list[tuple[int, float | None, int | None]] = []
    tail: int | None = None
    if raw_db.exists():
        conn = sqlite3.connect(f"file:{raw_db}?mode=ro", uri=True, timeout=10.0)
        try:
            columns = {r[1] for r in conn.execute("PRAGMA table_info(samples)")}
            if "saw_state" in columns:
                changes = list(conn.execute(SAMPLE_CHANGES_SQL, (start_ms - gap_ms, end_ms, gap_ms)))
                row = conn.execute("SELECT max(ts_ms) FROM samples WHERE ts_ms >= ? AND ts_ms < ?",
                                   (start_ms - gap_ms, end_ms)).fetchone()
                tail = int(row[0]) if row and row[0] is not None else None
        finally:
            conn.close()
    return spans_from_changes(changes, tail, start_ms, end_ms, gap_ms=gap_ms)
