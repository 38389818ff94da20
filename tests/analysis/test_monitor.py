"""AnomalyMonitor with the band-aware profile detector, fed by a CutTracker as the engine does."""

from __future__ import annotations

from analysis_helpers import SawFeed

from core.analysis.cuts import CutTracker
from core.analysis.detectors import AnomalyEvent, Status
from core.analysis.monitor import AnomalyMonitor
from core.analysis.settings import AnalysisSettings, CutSettings, DetectorSettings
from core.analysis.store import BatchedSqliteWriter, read_rows
from core.snapshot import SawState

PROFILE = DetectorSettings(signal="band_current", kind="profile", threshold=3.0, bins=10, reference_cuts=5,
                           min_reference_cuts=3, rel_floor=0.05, hysteresis=0.2)


class Rig:
    """The engine's per-snapshot order: tracker first, then the detectors with its progress."""

    def __init__(self, monitor: AnomalyMonitor) -> None:
        self.tracker = CutTracker(CutSettings())
        self.monitor = monitor
        self.tracker.subscribe(monitor.on_cut)
        self.events: list[AnomalyEvent] = []

    def run(self, snaps: list) -> None:
        for snap in snaps:
            self.tracker.feed(snap)
            self.events += self.monitor.feed(snap, self.tracker.progress)


def test_profile_learns_good_cuts_then_flags_an_odd_one(feed: SawFeed, anomaly_db: BatchedSqliteWriter) -> None:
    monitor = AnomalyMonitor([PROFILE], anomaly_db)
    rig = Rig(monitor)
    profile = monitor.detectors[0]
    rig.run(feed.cut(5.0, current=10.0))
    assert profile.status is Status.IDLE
    rig.run(feed.cut(5.0, current=10.0))
    third = feed.cut(5.0, current=10.0)
    rig.run(third[:20])
    assert profile.status is Status.NO_REFERENCE  # two references so far, three needed
    rig.run(third[20:])
    rig.run(feed.cut(2.0, current=10.0, end=SawState.IDLE, through=0.3))  # aborted: never a reference
    rig.run(feed.cut(5.0, current=10.2))
    assert rig.events == []
    rig.run(feed.cut(5.0, current=14.0))
    phases = [(e.kind, e.phase) for e in rig.events]
    assert phases[0] == ("profile", "onset") and phases[-1] == ("profile", "end")
    assert rig.events[0].cut_start_ms is not None
    assert anomaly_db.flush()
    rows = read_rows(anomaly_db.path, "SELECT kind, phase, severity FROM anomalies ORDER BY id")
    assert (rows[0]["kind"], rows[0]["phase"]) == ("profile", "onset")
    profiles = read_rows(anomaly_db.path, "SELECT material_key FROM cut_profiles")
    assert len(profiles) == 4  # the good cuts; not the aborted one, not the odd one

    restored = AnomalyMonitor([PROFILE])
    assert restored.restore_profiles(anomaly_db.path) == 4
    rig2 = Rig(restored)
    rig2.run(feed.cut(5.0, current=14.0))
    assert rig2.events and rig2.events[0].phase == "onset"


def test_other_material_has_its_own_reference(feed: SawFeed) -> None:
    monitor = AnomalyMonitor([PROFILE])
    rig = Rig(monitor)
    for _ in range(3):
        rig.run(feed.cut(3.0, current=10.0))
    feed.values["dimension_a"] = 150.0
    rig.run(feed.cut(3.0, current=20.0)[:15])
    assert monitor.detectors[0].status is Status.NO_REFERENCE and rig.events == []


def test_cutting_only_detectors_pause_between_cuts(feed: SawFeed) -> None:
    iqr = DetectorSettings(signal="band_current", kind="iqr", threshold=3.0, min_samples=10, min_spread=0.1)
    monitor = AnomalyMonitor([iqr])
    rig = Rig(monitor)
    rig.run(feed.cut(3.0, current=10.0))
    rig.run([feed.snap(saw_state=float(SawState.CUTTING), head_height=100.0 - i, band_current=10.0)
             for i in range(15)])
    assert rig.events == []
    rig.run([feed.snap(band_current=50.0)])
    assert [(e.phase, e.value) for e in rig.events] == [("onset", 50.0)]
    rig.run([feed.snap(saw_state=float(SawState.IDLE))])  # the cut stops: the episode ends
    assert [e.phase for e in rig.events] == ["onset", "end"]
    assert monitor.detectors[0].status is Status.IDLE


def test_unknown_signals_are_reported_not_fatal(feed: SawFeed) -> None:
    bad = DetectorSettings(signal="no_such_register", kind="zscore", threshold=3.0)
    monitor = AnomalyMonitor([bad, PROFILE], known_signals={"band_current", "saw_state"})
    assert monitor.unknown_signals == ["no_such_register"]
    Rig(monitor).run(feed.cut(2.0))
    states = {s.key: s for s in monitor.states()}
    assert states["no_such_register.zscore"].status is Status.UNKNOWN_SIGNAL


def test_default_detector_set_runs_on_a_cut(feed: SawFeed) -> None:
    monitor = AnomalyMonitor(AnalysisSettings().detectors)
    rig = Rig(monitor)
    for _ in range(4):
        rig.run(feed.cut(5.0))
    statuses = {s.key: s.status for s in monitor.states()}
    assert statuses["band_current.zscore"] is Status.IDLE
    assert statuses["hydraulic_temp.rate"] is Status.INVALID  # not in the synthetic feed
