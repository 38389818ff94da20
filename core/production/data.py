"""What a report is computed from, read once per period: cuts, state spans, alarm spans, flags.

:class:`PeriodData` is plain data; :func:`load_local` fills it from the saw's own SQLite files
(total.db cuts and saw_states, log.db alarm_log, anomaly.db anomalies; raw.db samples only for
time before the state table began). core.production.fleet fills it from PostgreSQL.
"""

from __future__ import annotations

import math
import sqlite3
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from pathlib import Path

from core.analysis.alarm_policy import can_stop_the_saw
from core.production.states import first_state_ms, read_state_segments, spans_from_samples, spans_from_segments
from core.production.values import StateClass, StateSpan


@dataclass(frozen=True, slots=True)
class CutRow:
    start_ms: int
    end_ms: int
    duration_s: float
    gap_s: float
    outcome: str
    band_id: int | None
    material_type: int | None
    cross_section: int | None
    dimension_a: float | None
    depth_mm: float | None
    area_cm2: float | None

    @property
    def cut_s(self) -> float:
        """Band in the material: duration less the time without data."""
        return max(self.duration_s - max(self.gap_s, 0.0), 0.0)

    @property
    def section_known(self) -> bool:
        return (self.cross_section is not None and self.dimension_a is not None and self.dimension_a > 0
                and self.area_cm2 is not None)


@dataclass(frozen=True, slots=True)
class AlarmSpan:
    key: str
    text: str
    start_ms: int
    end_ms: int  # the clear, or the end of the loaded period while it still stood
    raised_in_period: bool


@dataclass
class PeriodData:
    start_ms: int
    end_ms: int
    cuts: list[CutRow] = field(default_factory=list)  # ended in [start, end), by start time
    band_before: int | None = None  # the last known band before the period
    spans: list[StateSpan] = field(default_factory=list)
    alarms: list[AlarmSpan] = field(default_factory=list)
    flagged: set[int] = field(default_factory=set)  # start_ms of cuts the profile detector flagged
    state_source: str = "none"


# Downtime causes are the alarms that stop a saw: critical and high (core.analysis.alarms.Priority);
# medium and low ones are warnings (chatter, deviation, a worn band) that may stand between cuts.
# Of those, only the kinds that can stop the saw (PLC, process, link: core.analysis.alarm_policy.
# can_stop_the_saw): a tampered audit trail or a full disk is critical but never stops a cut.
STOPPING_PRIORITY = 2


def stopping(rows: Iterable[Sequence[object]]) -> list[Sequence[object]]:
    """The alarm rows (alarm_key first) of alarms that can stop the saw."""
    return [row for row in rows if can_stop_the_saw(str(row[0]))]

CUT_SQL = ("SELECT start_ms, end_ms, duration_s, coalesce(gap_s, 0), outcome, band_id, material_type, "
           "cross_section, dimension_a, depth_mm, area_cm2 FROM cuts WHERE end_ms >= ? AND end_ms < ? "
           "ORDER BY start_ms")
BAND_BEFORE_SQL = ("SELECT band_id FROM cuts WHERE end_ms < ? AND band_id IS NOT NULL AND band_id != 0 "
                   "ORDER BY end_ms DESC LIMIT 1")


def _int(value: object) -> int | None:
    if value is None:
        return None
    try:
        return int(float(value))  # type: ignore[arg-type]
    except (TypeError, ValueError):
        return None


def _float(value: object) -> float | None:
    if value is None:
        return None
    try:
        number = float(value)  # type: ignore[arg-type]
    except (TypeError, ValueError):
        return None
    return number if math.isfinite(number) else None


def cut_row(row: Sequence[object]) -> CutRow:
    return CutRow(
        start_ms=int(row[0]), end_ms=int(row[1]),  # type: ignore[call-overload]
        duration_s=_float(row[2]) or 0.0, gap_s=_float(row[3]) or 0.0, outcome=str(row[4]),
        band_id=_int(row[5]), material_type=_int(row[6]), cross_section=_int(row[7]),
        dimension_a=_float(row[8]), depth_mm=_float(row[9]), area_cm2=_float(row[10]),
    )


def alarm_spans(before: Iterable[Sequence[object]], rows: Iterable[Sequence[object]], start_ms: int,
                end_ms: int) -> list[AlarmSpan]:
    """Raise/clear rows to spans. ``before``: (key, action, ts_ms, text) of each alarm's last
    raise/clear before the period; ``rows``: the raises and clears inside it, in time order."""
    open_: dict[str, tuple[int, str, bool]] = {}
    for key, action, ts, text in before:
        if action == "raise":
            open_[str(key)] = (int(ts), str(text), False)  # type: ignore[call-overload]
    spans: list[AlarmSpan] = []
    for raw_key, action, ts, text in rows:
        key, ts_ms = str(raw_key), int(ts)  # type: ignore[call-overload]
        if action == "raise":
            if key not in open_:
                open_[key] = (ts_ms, str(text), True)
        elif key in open_:
            start, first_text, raised = open_.pop(key)
            spans.append(AlarmSpan(key, first_text, start, ts_ms, raised))
    for key, (start, text, raised) in open_.items():
        spans.append(AlarmSpan(key, text, start, end_ms, raised))
    return spans


def _ro(path: Path) -> sqlite3.Connection | None:
    if not path.exists():
        return None
    return sqlite3.connect(f"file:{path}?mode=ro", uri=True, timeout=10.0)


def _has_table(conn: sqlite3.Connection, table: str) -> bool:
    sql = "SELECT 1 FROM sqlite_master WHERE type = 'table' AND name = ?"
    return conn.execute(sql, (table,)).fetchone() is not None


def load_local(data_dir: Path, start_ms: int, end_ms: int) -> PeriodData:
    """The period's data from the saw's SQLite files (a missing file reads as no data)."""
    folder = Path(data_dir) / "databases"
    data = PeriodData(start_ms, end_ms)
    total = _ro(folder / "total.db")
    first_state: int | None = None
    if total is not None:
        try:
            if _has_table(total, "cuts"):
                data.cuts = [cut_row(r) for r in total.execute(CUT_SQL, (start_ms, end_ms))]
                row = total.execute(BAND_BEFORE_SQL, (start_ms,)).fetchone()
                data.band_before = _int(row[0]) if row else None
            first_state = first_state_ms(total) if _has_table(total, "saw_states") else None
            if first_state is not None and first_state < end_ms:
                table_from = max(start_ms, first_state)
                before, segments = read_state_segments(total, table_from, end_ms)
                data.spans = spans_from_segments(segments, table_from, end_ms, before=before)
        finally:
            total.close()
    table_from = end_ms if first_state is None else max(start_ms, min(first_state, end_ms))
    from_samples = False
    if table_from > start_ms:  # before the state table: from the samples
        derived = spans_from_samples(folder / "raw.db", start_ms, table_from)
        from_samples = any(span.state is not StateClass.NO_DATA for span in derived)
        data.spans = derived + data.spans
    data.state_source = _source(table_from < end_ms, from_samples)
    log_db = _ro(folder / "log.db")
    if log_db is not None:
        try:
            if _has_table(log_db, "alarm_log"):
                last = log_db.execute(
                    "SELECT alarm_key, action, max(ts_ms), text FROM alarm_log WHERE action IN ('raise', 'clear') "
                    "AND priority <= ? AND ts_ms < ? GROUP BY alarm_key", (STOPPING_PRIORITY, start_ms)).fetchall()
                changes = log_db.execute(
                    "SELECT alarm_key, action, ts_ms, text FROM alarm_log WHERE action IN ('raise', 'clear') "
                    "AND priority <= ? AND ts_ms >= ? AND ts_ms < ? ORDER BY ts_ms, id",
                    (STOPPING_PRIORITY, start_ms, end_ms)).fetchall()
                data.alarms = alarm_spans(stopping(last), stopping(changes), start_ms, end_ms)
        finally:
            log_db.close()
    anomaly = _ro(folder / "anomaly.db")
    if anomaly is not None and data.cuts:
        try:
            if _has_table(anomaly, "anomalies"):
                data.flagged = {int(r[0]) for r in anomaly.execute(
                    "SELECT DISTINCT cut_start_ms FROM anomalies WHERE kind = 'profile' AND phase = 'onset' "
                    "AND cut_start_ms >= ? AND cut_start_ms <= ?",
                    (data.cuts[0].start_ms, max(c.start_ms for c in data.cuts)))}
        finally:
            anomaly.close()
    return data


def _source(table: bool, samples: bool) -> str:
    if table and samples:
        return "state table + samples"
    return "state table" if table else "samples" if samples else "none"
