"""The band-current profile detector on the simulated saw: no anomaly where the band enters or
leaves the piece (or crosses a flange), one where the current really departs from the good cuts.

The simulator's physics run in simulated time (no server, no wall clock); each poll goes through
the simulator's register image and fault injector and is decoded with the register map, as the
poller would see it. The cut tracker and the anomaly monitor run in the engine's order.
"""

from __future__ import annotations

import pytest

from core.analysis.cuts import CutTracker
from core.analysis.detectors import AnomalyEvent
from core.analysis.monitor import AnomalyMonitor
from core.analysis.settings import AnalysisSettings, CutSettings
from core.registers import RegisterMap
from core.sim.faults import FaultInjector
from core.sim.image import RegisterImage
from core.sim.physics import SawPlc
from core.snapshot import Quality, SawState, Snapshot

T0_MS = 1_767_225_600_000
PROFILE_KEY = "band_current.profile"


class SimRig:
    def __init__(self, register_map: RegisterMap, poll_s: float, seed: int = 1) -> None:
        self.plc = SawPlc(seed=seed)
        self.faults = FaultInjector(register_map, clock=lambda: self.plc.time)
        self.image = RegisterImage(register_map)
        self.blocks = register_map.plan()
        self.poll_s = poll_s
        self.tracker = CutTracker(CutSettings())
        self.monitor = AnomalyMonitor(AnalysisSettings().detectors)  # the shipped detector set
        self.tracker.subscribe(self.monitor.on_cut)
        self.cuts = 0
        self.tracker.subscribe(lambda _record: setattr(self, "cuts", self.cuts + 1))
        self.events: list[tuple[AnomalyEvent, float]] = []  # profile events, head position
        self.seq = 0

    def poll(self) -> None:
        if self.plc.state is SawState.ERROR:
            self.plc.reset()
        self.plc.step(self.poll_s)
        self.image.refresh(self.plc.values(), self.faults.overrides)
        values: dict[str, float | None] = {}
        for block in self.blocks:
            values.update(block.decode(self.image.read(block.address, block.count)))
        self.seq += 1
        snapshot = Snapshot(self.seq, T0_MS + int(self.plc.time * 1000), self.plc.time, values, {}, Quality.GOOD)
        self.tracker.feed(snapshot)
        progress = self.tracker.progress
        for event in self.monitor.feed(snapshot, progress):
            if event.key == PROFILE_KEY:
                self.events.append((event, progress.position if progress is not None else -1.0))

    def run_cuts(self, n: int) -> None:
        target = self.cuts + n
        while self.cuts < target:
            self.poll()

    def profile_status(self) -> str:
        return next(s.status.value for s in self.monitor.states() if s.key == PROFILE_KEY)


@pytest.mark.parametrize("poll_s", [0.25, 3.0])  # about the poll at speed 1, and at the alarm bench's speedup 30
def test_cuts_without_faults_raise_no_profile_anomaly(register_map: RegisterMap, poll_s: float) -> None:
    rig = SimRig(register_map, poll_s)
    judged = 0
    while rig.cuts < 20:
        rig.poll()
        judged += rig.profile_status() == "ok"
    assert judged > 100, "the profile detector never judged a sample: the test would prove nothing"
    assert rig.events == [], [(e.phase, round(e.value or 0, 1), round(pos, 3)) for e, pos in rig.events]


def test_an_injected_current_fault_mid_cut_is_still_flagged(register_map: RegisterMap) -> None:
    rig = SimRig(register_map, 0.5)
    rig.run_cuts(20)
    assert rig.events == []
    # The next cut of a material with references: the band current read 60 % high through the middle.
    injected_at: float | None = None
    while rig.cuts < 40 and not rig.events:
        progress = rig.tracker.progress
        in_middle = progress is not None and 0.4 <= progress.position <= 0.6
        known = progress is not None and rig.profile_status() in ("ok", "anomaly")
        if in_middle and known and injected_at is None:
            injected_at = progress.position if progress is not None else None
            current = rig.plc.values()["band_current"]
            rig.faults.override("band_current", raw=round(current * 1.6 / 0.1))
        if injected_at is not None and (progress is None or progress.position > 0.6):
            rig.faults.clear_override("band_current")
        rig.poll()
    assert injected_at is not None, "no cut with references reached its middle"
    onsets = [(e, pos) for e, pos in rig.events if e.phase == "onset"]
    assert onsets, "the injected fault went unnoticed"
    event, position = onsets[0]
    assert 0.4 <= position <= 0.6 and event.score > event.threshold


def test_references_kept_before_the_in_bin_range_still_load() -> None:
    """anomaly.db rows written before the range was kept hold a bare mean per bin."""
    from core.analysis.profile import ProfileDetector
    from core.analysis.settings import DetectorSettings

    detector = ProfileDetector(DetectorSettings(signal="band_current", kind="profile", threshold=3.0, bins=4))
    detector.add_reference("k", [10.0, None, 12.0, 11.0])
    detector.add_reference("k", [[10.0, 0.5], None, [12.0, 4.0], "junk"])
    assert detector.reference_count("k") == 2
