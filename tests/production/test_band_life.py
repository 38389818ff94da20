"""Band life: the estimate against the simulator's true wear, the alarm, band history, band id 0.

The simulator runs in simulated time through the real cut tracker (tests/production/band_life_sim.py);
its band_wear register, which the real PLC does not have, is only the truth the estimate is checked
against: the estimate reads the cut rows (torque, speeds, area) and nothing else.
"""

from __future__ import annotations

import math
import sqlite3
from collections.abc import Iterator, Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pytest
from band_life_sim import T0_MS, SimCut, run_cuts

from core.analysis.alarm_policy import AlarmPolicy
from core.analysis.alarms import AlarmManager
from core.analysis.band_life import read_band_life
from core.analysis.cut_stats import CutRecord
from core.analysis.settings import AnalysisSettings
from core.analysis.store import BatchedSqliteWriter, migrator
from core.analysis.tables import CUT_COLUMNS, INSERT_CUT
from core.config import Settings
from core.production.band_life_estimate import estimate
from core.production.band_life_history import BandHistoryTracker, read_history
from core.production.band_life_monitor import ALARM_KEY, BandLifeMonitor
from core.production.band_life_settings import BandLifeSettings
from core.snapshot import Quality, Snapshot

# The stated error of the trend estimate (life used, percentage points) once the band is 30 % or
# more worn, over the cuts of a whole band on the simulator's mixed stock (bench/band_life.py):
# seeds 1-5, on which the defaults were chosen, RMS 7-8 and at most 26 points; held-out seeds
# 6-10 RMS 7-15 and at most 41 points (a band whose material mix changes late). The test runs
# seed 1 and the held-out seed 6.
STATED_RMS_PTS = 16.0
STATED_MAX_PTS = 45.0
BLADE_LIFE_CM2 = 5000.0  # the area fallback's blade life, near a band's life on this stock


@dataclass
class Run:
    cuts: list[SimCut]
    total_db: Path


@pytest.fixture(scope="module")
def run(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Run]:
    """Seed 1: every cut of the first band, then three of the next, through the band history and
    the monitor writing total.db as in the engine (analysis service wiring)."""
    total = BatchedSqliteWriter(tmp_path_factory.mktemp("bandlife") / "total.db", migrator("total"),
                                batch_rows=50, batch_ms=50)
    total.open()
    monitor = BandLifeMonitor(BandLifeSettings(), AlarmManager(), total.path, blade_life_area_cm2=BLADE_LIFE_CM2)
    history = BandHistoryTracker(total, breakage_window_s=3600, worn_at_remaining_pct=10.0, life=monitor.life,
                                 on_change=monitor.on_band)

    def cut(record: CutRecord) -> None:
        total.submit(INSERT_CUT, record.row())
        monitor.on_cut(record)

    cuts = run_cuts(400, seed=1, on_snapshot=history.feed, on_cut=cut,
                    stop=lambda cuts: sum(c.band_id != cuts[0].band_id for c in cuts) >= 3)
    total.flush()
    yield Run(cuts, total.path)
    total.close()


@pytest.fixture(scope="module")
def first_band(run: Run) -> list[SimCut]:
    return run.cuts


def _errors(cuts: list[SimCut], settings: BandLifeSettings) -> list[float]:
    band = [c for c in cuts if c.band_id == cuts[0].band_id]
    errors = []
    for n in range(5, len(band) + 1, 3):
        found = estimate(band[0].band_id, [c.row for c in band[:n]], settings, blade_life_area_cm2=BLADE_LIFE_CM2)
        truth = 100.0 * band[n - 1].true_wear
        if found.method == "trend" and truth >= 30.0:
            assert found.life_used_pct is not None
            errors.append(found.life_used_pct - truth)
    return errors


def test_the_estimate_is_within_the_stated_error_of_the_true_wear(first_band: list[SimCut]) -> None:
    settings = BandLifeSettings()
    errors = _errors(first_band, settings) + _errors(run_cuts(400, seed=6, max_bands=1), settings)
    rms = math.sqrt(sum(e * e for e in errors) / len(errors))
    print(f"\nband life error (true wear >= 30 %): {len(errors)} estimates, RMS {rms:.1f} points, "
          f"max {max(abs(e) for e in errors):.1f} points")
    assert len(errors) >= 60
    assert rms <= STATED_RMS_PTS
    assert max(abs(e) for e in errors) <= STATED_MAX_PTS


def test_too_few_cuts_fall_back_to_the_area_and_say_so(first_band: list[SimCut]) -> None:
    rows: list[Mapping[str, Any]] = [c.row for c in first_band[:10]]  # as estimate reads them
    found = estimate(4711, rows, BandLifeSettings(), blade_life_area_cm2=BLADE_LIFE_CM2)
    area = sum(float(r["area_cm2"]) for r in rows)
    assert found.method == "area" and "10 usable cuts, the trend needs 20" in found.note
    assert found.life_used_pct == pytest.approx(100.0 * area / BLADE_LIFE_CM2)
    assert found.remaining_cm2 == pytest.approx(BLADE_LIFE_CM2 - area)
    assert found.cuts == 10 and found.run_s > 0


def test_the_alarm_comes_at_the_threshold_and_not_before(first_band: list[SimCut]) -> None:
    alarms = AlarmManager()
    monitor = BandLifeMonitor(BandLifeSettings(alarm_remaining_pct=10.0), alarms, Path("/nonexistent/total.db"),
                              blade_life_area_cm2=BLADE_LIFE_CM2)
    seen: list[tuple[float | None, bool, float]] = []
    for cut in first_band:
        if cut.band_id != first_band[0].band_id:
            break
        monitor.on_cut(_record(cut))
        assert monitor.current is not None
        seen.append((monitor.current.remaining_pct, alarms.is_active(ALARM_KEY), cut.true_wear))
    raised = next(i for i, (_, active, _) in enumerate(seen) if active)
    assert all(remaining is not None and remaining > 10.0 for remaining, _, _ in seen[:raised])
    remaining_at, _, truth_at = seen[raised]
    assert remaining_at is not None and remaining_at <= 10.0
    assert all(active for _, active, _ in seen[raised:])  # no chatter once raised (hysteresis)
    assert 0.7 <= truth_at <= 1.0  # raised late in the band's true life, before its end
    alarm = alarms.get(ALARM_KEY)
    assert alarm is not None and alarm.value == pytest.approx(remaining_at)
    # A new band: the alarm clears with its first figures.
    monitor.on_band(first_band[-1].band_id)
    assert not alarms.is_active(ALARM_KEY)


def _record(cut: SimCut) -> CutRecord:
    return CutRecord(**cut.row)  # type: ignore[arg-type]


@pytest.fixture
def total(tmp_path: Path) -> Iterator[BatchedSqliteWriter]:
    writer = BatchedSqliteWriter(tmp_path / "total.db", migrator("total"), batch_rows=1, batch_ms=1)
    writer.open()
    yield writer
    writer.close()


def test_history_on_the_simulators_band_change(run: Run) -> None:
    """The simulator fits a new band at 100 % wear: one removal (worn, with its life used), one install."""
    rows = read_history(run.total_db)
    old, new = run.cuts[0].band_id, run.cuts[-1].band_id
    assert [(r.band_id, r.removed_ms is None, r.reason) for r in rows] == [(new, True, ""), (old, False, "worn")]
    assert rows[1].life_used_pct is not None and rows[1].life_used_pct >= 90.0 and rows[1].method == "trend"
    assert rows[1].installed_ms is not None and rows[1].removed_ms == rows[0].installed_ms
    view = read_band_life(run.total_db, AnalysisSettings())
    assert view.band_id == new and view.estimate is not None and view.estimate.cuts == 3
    assert view.problem == "" and view.history == rows


def _snap(seq: int, band: float | None, *, code: int = 0, bits: int = 0,
          quality: Quality = Quality.GOOD) -> Snapshot:
    values: dict[str, float | None] = {"band_id": band, "alarm_status": float(code), "alarm_info": float(bits)}
    return Snapshot(seq, T0_MS + seq * 1000, float(seq), values, dict(values), quality)


def test_history_breakage_flicker_restart_and_band_zero(total: BatchedSqliteWriter) -> None:
    history = BandHistoryTracker(total, breakage_window_s=600, worn_at_remaining_pct=10.0)
    seq = 0

    def feed(band: float | None, n: int = 1, **kw: object) -> None:
        nonlocal seq
        for _ in range(n):
            seq += 1
            history.feed(_snap(seq, band, **kw))  # type: ignore[arg-type]

    feed(11, 5)
    feed(12, 2)  # two odd reads: not a band change
    feed(None, 3)  # a failed block says nothing
    feed(11, 3, quality=Quality.COMM_ERROR)
    feed(11, 2, code=2)  # tooth breakage: one event while it stands
    feed(11, 2, bits=2)
    feed(11, 2)
    feed(12, 3)  # changed within the breakage window
    feed(0, 3)  # someone cleared the band id
    total.flush()
    rows = read_history(total.path)
    assert [(r.band_id, r.reason, r.breakages, r.removed_ms is None) for r in rows] == [
        (0, "", 0, True), (12, "band_id_changed", 0, False), (11, "tooth_breakage", 1, False)]
    events = sqlite3.connect(total.path).execute("SELECT band_id, event, reason FROM band_history ORDER BY id")
    assert [tuple(e) for e in events] == [
        (11, "installed", "first_seen"), (11, "breakage", None), (11, "removed", "tooth_breakage"),
        (12, "installed", "band_id_changed"), (12, "removed", "band_id_changed"), (0, "installed", "no_band_id")]
    # A restart picks up the band on the saw: the same band id is no change.
    again = BandHistoryTracker(total, breakage_window_s=600, worn_at_remaining_pct=10.0)
    again.restore(total.path)
    assert again.band == 0
    for i in range(5):
        again.feed(_snap(100 + i, 0))
    total.flush()
    assert len(read_history(total.path)) == 3


def test_band_zero_is_said_plainly_never_given_a_life(total: BatchedSqliteWriter, first_band: list[SimCut]) -> None:
    for cut in first_band[:30]:
        record = _record(cut)
        total.submit(INSERT_CUT, (*record.row()[:12], 0, *record.row()[13:]))
    total.flush()
    view = read_band_life(total.path, AnalysisSettings())
    assert view.band_id == 0 and view.estimate is not None
    assert view.estimate.method == "none" and view.estimate.life_used_pct is None
    assert view.estimate.remaining_pct is None and view.estimate.cuts == 30
    assert "band id 0" in view.problem and "no band id is set on the PLC" in view.problem
    alarms = AlarmManager()
    monitor = BandLifeMonitor(BandLifeSettings(alarm_remaining_pct=100.0), alarms, total.path,
                              blade_life_area_cm2=1.0)
    monitor.on_band(0)
    assert monitor.current is not None and monitor.current.method == "none"
    assert monitor.current.cuts == 0  # band 0's rows (every unidentified cut ever made) are not read
    assert not alarms.is_active(ALARM_KEY)  # even a 100 % threshold: band 0 has no remaining life to judge


def test_nothing_recorded_and_bad_rows_give_a_clear_result(tmp_path: Path) -> None:
    view = read_band_life(tmp_path / "absent.db", AnalysisSettings())
    assert view.band_id is None and view.estimate is None and "no band seen yet" in view.problem
    rows: list[dict[str, object]] = [
        {"outcome": "completed", "area_cm2": "x", "band_torque_mean": math.nan, "start_ms": 1},
        {"outcome": "error", "area_cm2": None}, {}]
    found = estimate(5, rows, BandLifeSettings(), blade_life_area_cm2=1000.0)
    assert found.method == "area" and found.usable_cuts == 0 and found.area_cm2 == 0.0


def _plain_cut(i: int, area_cm2: float) -> CutRecord:
    """A completed cut of band 7 with only its area known (no signal: the area-based figure)."""
    row: dict[str, object] = dict.fromkeys(CUT_COLUMNS)
    row.update(ts_ms=i, start_ms=i, end_ms=i, duration_s=60.0, outcome="completed", band_id=7, depth_mm=0.0,
               area_cm2=area_cm2, energy_method="none", control_mode="manual", guard_events=0, samples=0, gap_s=0.0)
    return CutRecord(**row)  # type: ignore[arg-type]


def test_the_alarm_text_says_what_unit_and_action_in_both_languages(settings: Settings) -> None:
    alarms = AlarmManager(policy=AlarmPolicy.from_settings(settings))
    monitor = BandLifeMonitor(BandLifeSettings(alarm_remaining_pct=10.0), alarms, Path("/nonexistent/total.db"),
                              blade_life_area_cm2=100.0)
    for i in range(9):
        monitor.on_cut(_plain_cut(i, 9.3))
        assert not alarms.is_active(ALARM_KEY)  # 9 x 9.3 of 100 cm²: 16.3 % left at most
    monitor.on_cut(_plain_cut(9, 9.3))
    alarm = alarms.get(ALARM_KEY)
    assert alarm is not None and alarm.priority == 3
    assert alarm.text_for("en") == "Band life low: 7 % of the band's life left, alarm at 10 % (band 7, area)"
    assert alarm.response_for("en") == "Have a new band ready and change the band at the end of a cut"
    assert alarm.text_for("tr").startswith("Şerit ömrü azaldı: şerit ömrünün %7 kadarı kaldı, alarm sınırı %10")
    assert alarm.response_for("tr")
