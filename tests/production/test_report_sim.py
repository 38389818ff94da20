"""Report figures on a recorded simulator run, against an independent computation from the tables."""

from __future__ import annotations

import sqlite3

import pytest
from production_helpers import RecordedRun

from core.production.service import report_set
from core.production.values import StateClass

pytestmark = [pytest.mark.integration, pytest.mark.slow]


def rows(run: RecordedRun, db: str, sql: str, params: tuple[object, ...] = ()) -> list[sqlite3.Row]:
    conn = sqlite3.connect(run.settings.data_dir / "databases" / f"{db}.db")
    conn.row_factory = sqlite3.Row
    try:
        return list(conn.execute(sql, params))
    finally:
        conn.close()


def test_report_matches_the_cut_and_state_tables(recorded_run: RecordedRun) -> None:
    run = recorded_run
    start, end = run.start_ms - 1000, run.end_ms + 5000
    now = end + 1
    report = report_set(run.settings, start, end, now_ms=now).total

    cuts = rows(run, "total", "SELECT * FROM cuts WHERE end_ms >= ? AND end_ms < ?", (start, end))
    assert len(cuts) >= 4
    assert report.cuts == len(cuts)
    assert report.pieces == sum(c["outcome"] == "completed" for c in cuts)
    assert report.interrupted_cuts == sum(c["outcome"] != "completed" for c in cuts) >= 1  # the trip
    assert report.cut_time_s == pytest.approx(sum(max(c["duration_s"] - c["gap_s"], 0) for c in cuts), abs=0.01)
    assert report.area_cm2 == pytest.approx(sum(c["area_cm2"] for c in cuts), abs=0.01)
    assert report.area_unknown_cuts == 0
    normal = run.settings.control.presets["normal"].descent_speed
    ideal = sum(c["depth_mm"] / normal * 60 for c in cuts if c["depth_mm"] and c["duration_s"] - c["gap_s"] > 0)
    assert report.ideal_cut_time_s == pytest.approx(ideal, rel=1e-6)

    # Time by state, straight from the rows: each row holds until the next one.
    states = rows(run, "total", "SELECT ts_ms, saw_state, link FROM saw_states ORDER BY ts_ms, id")
    assert states[-1]["link"] == "off" and any(r["link"] == "down" for r in states)
    expect = dict.fromkeys(StateClass, 0.0)
    for row, nxt in zip(states, [*states[1:], None], strict=True):
        a = max(row["ts_ms"], start)
        b = min(nxt["ts_ms"] if nxt else end, end)
        if b <= a:
            continue
        if row["link"] == "off":
            kind = StateClass.NO_DATA
        elif row["link"] == "down" or row["saw_state"] is None:
            kind = StateClass.LINK_LOST
        else:
            kind = {3: StateClass.CUTTING, 5: StateClass.ALARM_STOPPED}.get(row["saw_state"], StateClass.READY_IDLE)
        expect[kind] += (b - a) / 1000
    expect[StateClass.NO_DATA] += (states[0]["ts_ms"] - start) / 1000
    for state in StateClass:
        assert report.time_by_state[state] == pytest.approx(expect[state], abs=0.01), state
    assert report.planned_s == pytest.approx((end - start) / 1000)  # three shifts cover the day
    # availability is over the planned time with data (no-data time shown apart, its share in the notes)
    assert report.availability == pytest.approx(
        expect[StateClass.CUTTING] / (report.planned_s - expect[StateClass.NO_DATA]))
    assert report.time_by_state[StateClass.ALARM_STOPPED] > 0 and report.time_by_state[StateClass.LINK_LOST] > 0

    # Downtime: the PLC alarm stood while the saw did not cut.
    keys = [cause.key for cause in report.downtime]
    assert "plc.alarm" in keys
    seconds = [cause.seconds for cause in report.downtime]
    assert seconds == sorted(seconds, reverse=True)
    assert report.availability is not None and report.performance is not None and report.quality is not None
    if report.performance > 1.0:  # the simulator cuts faster than the chart speeds: flagged, no OEE number
        assert report.oee is None and any(n.startswith("OEE not given") for n in report.notes)
    else:
        assert report.oee == pytest.approx(report.availability * report.performance * report.quality)
    assert report.state_source == "state table"
