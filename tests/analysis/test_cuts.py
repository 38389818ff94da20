"""CutTracker on synthetic snapshot sequences: outcomes, figures, gaps, restarts, counters."""

from __future__ import annotations

import math
from pathlib import Path

import pytest
from analysis_helpers import SawFeed

from core.analysis.band_life import band_life
from core.analysis.cuts import CutTracker, load_open_cut
from core.analysis.settings import CutSettings
from core.analysis.store import BatchedSqliteWriter, migrator, read_rows
from core.analysis.tables import INSERT_CUT
from core.snapshot import Quality, SawState

ROUND_100_CM2 = math.pi * 50**2 / 100


def run(tracker: CutTracker, snaps: list) -> list:
    return [record for snap in snaps if (record := tracker.feed(snap)) is not None]


def test_completed_cut_figures(feed: SawFeed, total_db: BatchedSqliteWriter) -> None:
    modes = iter(["manual"] * 100 + ["ml"] * 1000)
    tracker = CutTracker(CutSettings(), total_db, mode=lambda: next(modes))
    tracker.feed(feed.snap())
    records = run(tracker, feed.cut(20.0))
    tracker.note_guard_event()  # after the cut: counts for nothing
    assert len(records) == 1
    cut = records[0]
    assert cut.outcome == "completed"
    assert cut.duration_s == pytest.approx(20.1, abs=0.01)
    assert cut.area_cm2 == pytest.approx(ROUND_100_CM2, rel=1e-3)
    assert cut.band_current_mean == pytest.approx(10.0, rel=0.05)
    assert cut.band_current_peak == 10.0
    assert cut.band_torque_peak == 50.0
    assert cut.energy_method == "integrated"
    assert cut.energy_kwh == pytest.approx(3.6 * 20.1 / 3600, rel=0.02)
    assert cut.control_mode == "manual+ml"
    assert cut.band_id == 7 and cut.material_type == 3 and cut.cross_section == 0
    assert cut.gap_s == 0
    assert total_db.flush()
    rows = read_rows(total_db.path, "SELECT * FROM cuts")
    assert len(rows) == 1 and rows[0]["outcome"] == "completed"
    counters = read_rows(total_db.path, "SELECT * FROM band_counters")
    assert [(r["band_id"], r["cuts"]) for r in counters] == [(7, 1)]
    assert counters[0]["area_mm2"] == pytest.approx(ROUND_100_CM2 * 100, rel=1e-3)
    assert read_rows(total_db.path, "SELECT * FROM cut_open_state") == []


@pytest.mark.parametrize(
    ("end", "through", "outcome"),
    [
        (SawState.ERROR, 0.4, "error"),
        (SawState.IDLE, 0.5, "aborted"),
        (SawState.READY, 0.99, "completed"),  # COMPLETED fell between two polls
    ],
)
def test_outcomes(feed: SawFeed, end: SawState, through: float, outcome: str) -> None:
    tracker = CutTracker(CutSettings())
    records = run(tracker, feed.cut(5.0, end=end, through=through))
    assert [r.outcome for r in records] == [outcome]
    if outcome == "aborted":
        assert records[0].area_cm2 == pytest.approx(ROUND_100_CM2 / 2, rel=1e-3)


def test_cut_counter_marks_completion(feed: SawFeed) -> None:
    tracker = CutTracker(CutSettings())
    snaps = feed.cut(5.0, end=SawState.IDLE, through=0.5)
    snaps[-2] = feed.snap(saw_state=float(SawState.IDLE), cut_count=11.0)
    records = run(tracker, snaps[:-1])
    assert [r.outcome for r in records] == ["completed"]


def test_guard_events_and_stale_values(feed: SawFeed) -> None:
    tracker = CutTracker(CutSettings())
    tracker.feed(feed.snap(saw_state=float(SawState.CUTTING), head_height=100.0))
    tracker.note_guard_event()
    tracker.note_guard_event()
    tracker.feed(feed.snap(Quality.STALE, band_current=None, band_torque=float("nan")))
    record = tracker.feed(feed.snap(saw_state=float(SawState.COMPLETED)))
    assert record is not None and record.guard_events == 2
    assert record.samples == 3


def test_short_comm_error_is_no_gap(feed: SawFeed) -> None:
    tracker = CutTracker(CutSettings(comm_loss_timeout_s=5))
    tracker.feed(feed.snap(saw_state=float(SawState.CUTTING), head_height=100.0))
    tracker.feed(feed.snap(head_height=60.0))
    for _ in range(20):  # 2 s of failed polls
        tracker.feed(feed.snap(Quality.COMM_ERROR))
    assert not tracker.suspended
    tracker.feed(feed.snap(head_height=20.0))
    record = tracker.feed(feed.snap(saw_state=float(SawState.COMPLETED), head_height=0.0))
    assert record is not None and record.gap_s == 0 and record.outcome == "completed"


def test_comm_loss_then_same_piece_resumes(feed: SawFeed) -> None:
    tracker = CutTracker(CutSettings(comm_loss_timeout_s=2))
    feed.values["energy_total"] = 50.0
    tracker.feed(feed.snap(saw_state=float(SawState.CUTTING), head_height=100.0))
    tracker.feed(feed.snap(head_height=90.0, energy_total=50.01))
    for _ in range(50):
        tracker.feed(feed.snap(Quality.COMM_ERROR))
    assert tracker.suspended and tracker.progress is None
    tracker.feed(feed.snap(head_height=40.0, energy_total=50.05))
    assert not tracker.suspended
    record = tracker.feed(feed.snap(saw_state=float(SawState.COMPLETED), head_height=0.0))
    assert record is not None and record.outcome == "completed"
    assert record.gap_s == pytest.approx(5.1, abs=0.01)
    assert record.energy_method == "counter" and record.energy_kwh == pytest.approx(0.05)


def test_comm_loss_then_other_state_closes_interrupted(feed: SawFeed) -> None:
    tracker = CutTracker(CutSettings(comm_loss_timeout_s=2))
    tracker.feed(feed.snap(saw_state=float(SawState.CUTTING), head_height=100.0))
    last = feed.snap(head_height=70.0)
    tracker.feed(last)
    for _ in range(30):
        tracker.feed(feed.snap(Quality.COMM_ERROR))
    # The link comes back on the next piece, already cutting: the old one is interrupted and the
    # new one starts (head rose above where the old cut was).
    record = tracker.feed(feed.snap(saw_state=float(SawState.CUTTING), head_height=100.0))
    assert record is not None and record.outcome == "interrupted"
    assert record.end_ms == last.ts_ms
    assert record.depth_mm == pytest.approx(30.0)
    assert tracker.open_cut is not None and tracker.open_cut.start_ms == feed.ts_ms


def test_tick_without_snapshots_suspends(feed: SawFeed) -> None:
    tracker = CutTracker(CutSettings(comm_loss_timeout_s=1))
    tracker.feed(feed.snap(saw_state=float(SawState.CUTTING), head_height=100.0))
    tracker.tick(feed.ts_ms + 500)
    assert not tracker.suspended
    tracker.tick(feed.ts_ms + 1500)
    assert tracker.suspended
    record = tracker.feed(feed.snap(step_ms=3000, saw_state=float(SawState.IDLE)))
    assert record is not None and record.outcome == "interrupted"


@pytest.mark.parametrize("still_cutting", [True, False])
def test_restart_never_counts_twice(feed: SawFeed, tmp_path: Path, still_cutting: bool) -> None:
    path = tmp_path / "total.db"
    snaps = feed.cut(10.0)
    first = BatchedSqliteWriter(path, migrator("total"), batch_ms=10)
    first.open()
    tracker = CutTracker(CutSettings(persist_every_s=1), first)
    assert run(tracker, snaps[:60]) == []
    tracker.shutdown()
    first.close()

    second = BatchedSqliteWriter(path, migrator("total"), batch_ms=10)
    second.open()
    try:
        restarted = CutTracker(CutSettings(persist_every_s=1), second)
        restarted.restore(load_open_cut(path))
        assert restarted.suspended
        rest = snaps[80:] if still_cutting else [feed.snap(saw_state=float(SawState.IDLE))]
        records = run(restarted, rest)
        assert len(records) == 1
        assert records[0].outcome == ("completed" if still_cutting else "interrupted")
        assert records[0].start_ms == snaps[1].ts_ms
        # A replay of the same cut (crash between insert and clean-up) changes nothing.
        second.submit(INSERT_CUT, records[0].row())
        assert second.flush()
        assert len(read_rows(path, "SELECT * FROM cuts")) == 1
        assert [r["cuts"] for r in read_rows(path, "SELECT cuts FROM band_counters")] == [1]
        assert load_open_cut(path) is None
    finally:
        second.close()


def test_band_counters_accumulate(feed: SawFeed, total_db: BatchedSqliteWriter) -> None:
    tracker = CutTracker(CutSettings(), total_db)
    run(tracker, feed.cut(5.0))
    run(tracker, feed.cut(5.0, end=SawState.IDLE, through=0.5))
    feed.values["band_id"] = 8.0
    run(tracker, feed.cut(5.0))
    assert total_db.flush()
    rows = read_rows(total_db.path, "SELECT band_id, cuts, area_mm2, run_time_s FROM band_counters ORDER BY id")
    assert [(r["band_id"], r["cuts"]) for r in rows] == [(7, 1), (7, 2), (8, 1)]
    assert rows[1]["area_mm2"] == pytest.approx(ROUND_100_CM2 * 150, rel=1e-3)
    assert rows[1]["run_time_s"] == pytest.approx(2 * 5.1, abs=0.05)


def test_bad_saved_state_is_dropped() -> None:
    tracker = CutTracker(CutSettings())
    tracker.restore("{not json")
    assert tracker.open_cut is None


def test_band_life(feed: SawFeed, total_db: BatchedSqliteWriter) -> None:
    tracker = CutTracker(CutSettings(), total_db)
    run(tracker, feed.cut(5.0))
    run(tracker, feed.cut(5.0))
    assert total_db.flush()
    life = band_life(total_db.path, 7, blade_life_area_cm2=1000.0)
    assert life is not None and life.cuts == 2
    assert life.area_cm2 == pytest.approx(2 * ROUND_100_CM2, rel=1e-3)
    assert life.life_used_pct == pytest.approx(100 * 2 * ROUND_100_CM2 / 1000, rel=1e-3)
    assert band_life(total_db.path, 99, 1000.0) is None
    assert band_life(total_db.path.with_name("absent.db"), 7, 1000.0) is None


def test_resume_tolerates_a_missing_material_block(feed: SawFeed) -> None:
    tracker = CutTracker(CutSettings(comm_loss_timeout_s=1))
    tracker.feed(feed.snap(saw_state=float(SawState.CUTTING), head_height=100.0))
    for _ in range(20):
        tracker.feed(feed.snap(Quality.COMM_ERROR))
    assert tracker.suspended
    assert tracker.feed(feed.snap(Quality.STALE, head_height=80.0, material_type=None, cross_section=None)) is None
    assert not tracker.suspended and tracker.open_cut is not None


def test_a_cut_a_crash_left_open_takes_the_samples_recorded_after_its_last_save(
        feed: SawFeed, tmp_path: Path) -> None:
    """kill -9 mid-cut: the open cut was saved at most persist_every_s before the last sample; the
    samples raw.db holds after that are the cut's too, up to the first that is not cutting."""
    path = tmp_path / "total.db"
    snaps = feed.cut(10.0)
    first = BatchedSqliteWriter(path, migrator("total"), batch_ms=10)
    first.open()
    tracker = CutTracker(CutSettings(persist_every_s=5, comm_loss_timeout_s=1), first)
    run(tracker, snaps[:60])  # saved at the start and 5 s in; killed 5.9 s in (no shutdown)
    first.close()
    saved = CutTracker(CutSettings(comm_loss_timeout_s=1))
    saved.restore(load_open_cut(path))
    assert saved.open_cut is not None
    saved_last = saved.open_cut.last_ms
    assert saved_last < snaps[59].ts_ms

    recorded = [{"ts_ms": float(s.ts_ms), **s.values} for s in snaps[:60]]
    after = [{**recorded[-1], "ts_ms": float(snaps[59].ts_ms) + 5_000}]  # a later run's sample: not this cut
    taken = saved.follow_recorded([*recorded, *after])
    assert taken == sum(1 for s in snaps[:60] if s.ts_ms > saved_last)
    assert saved.open_cut.last_ms == snaps[59].ts_ms
    records = run(saved, [feed.snap(saw_state=float(SawState.IDLE))])
    assert len(records) == 1 and records[0].outcome == "interrupted"
    assert records[0].end_ms == snaps[59].ts_ms
    assert records[0].samples == 59  # snaps[0] is before the cut


def test_follow_recorded_stops_at_the_first_sample_not_cutting(feed: SawFeed) -> None:
    tracker = CutTracker(CutSettings(comm_loss_timeout_s=1))
    snaps = feed.cut(3.0)
    run(tracker, snaps[:10])
    assert tracker.open_cut is not None
    later = [{"ts_ms": float(s.ts_ms), **s.values} for s in snaps[10:20]]
    later[5]["saw_state"] = float(SawState.IDLE)
    assert tracker.follow_recorded(later) == 5
    assert tracker.open_cut.last_ms == snaps[14].ts_ms
