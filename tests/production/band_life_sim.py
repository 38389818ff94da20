"""Many cuts on the simulated saw in simulated time (no server, no wall clock), through the real cut tracker.

Each closed cut is returned with the simulator's true band wear at that moment (register band_wear,
which the real PLC does not have): the truth the band-life estimate is checked against.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass

from core.analysis.cut_stats import CutRecord
from core.analysis.cuts import CutTracker
from core.analysis.settings import CutSettings
from core.analysis.tables import CUT_COLUMNS
from core.sim.physics import SawPlc
from core.snapshot import Quality, Snapshot

POLL_S = 0.5  # the tracker sees the saw every 0.5 s of simulated time
T0_MS = 1_767_225_600_000  # 2026-01-01 00:00 UTC


@dataclass(frozen=True, slots=True)
class SimCut:
    row: dict[str, object]  # the cut as total.db stores it
    true_wear: float  # fraction of band life used when the cut closed (simulator truth)
    band_id: int


def run_cuts(cuts: int, *, seed: int = 3, max_bands: int | None = None,
             speeds: tuple[float, float] = (70.0, 30.0),
             on_snapshot: Callable[[Snapshot], None] | None = None,
             on_cut: Callable[[CutRecord], None] | None = None,
             stop: Callable[[list[SimCut]], bool] = lambda cuts: False) -> list[SimCut]:
    """Up to ``cuts`` closed cuts of the unattended simulator (it fits a new band at 100 % wear),
    stopping when band number ``max_bands + 1`` comes on. ``on_snapshot`` sees every poll and
    ``on_cut`` every closed cut, as the engine's consumers would."""
    plc = SawPlc(seed=seed)
    plc.set_operator_speeds(*speeds)
    tracker = CutTracker(CutSettings())
    out: list[SimCut] = []

    def closed(record: CutRecord) -> None:
        out.append(SimCut(dict(zip(CUT_COLUMNS, record.row(), strict=True)), plc.wear, plc.band_id))

    tracker.subscribe(closed)
    if on_cut is not None:
        tracker.subscribe(on_cut)
    seq = 0
    bands = {plc.band_id}
    while len(out) < cuts and not stop(out):
        if plc.state.name == "ERROR":
            plc.reset()  # the operator clears a trip (tooth breakage, overload) a poll later and goes on
        plc.step(POLL_S)
        bands.add(plc.band_id)
        if max_bands is not None and len(bands) > max_bands:
            break
        seq += 1
        values = plc.values()
        snapshot = Snapshot(seq, T0_MS + int(plc.time * 1000), plc.time, values, dict(values), Quality.GOOD)
        tracker.feed(snapshot)
        if on_snapshot is not None:
            on_snapshot(snapshot)
    return out
