"""The band-aware detector: this cut's signal profile against the last good cuts of the material.

As machine-tool process monitors do, the reference is learnt, not set: the signal (band current
by default) is averaged in bins along the normalised head position (0 at the top of the
section, 1 through it) for every completed cut without an anomaly of its own, and the last
``reference_cuts`` such profiles per material key are the reference. A sample scores
|value - reference mean| / spread, the spread being the largest of the references' standard
deviation in that bin, half the widest range the signal swept inside the bin in those cuts,
``rel_floor`` x |mean| and ``min_spread``.

The in-bin range is there because a bin averages what happens across it: where the band meets
a flange or leaves a tube wall the current steps inside one bin, the same way in every good cut,
and a sample either side of the step sits far from the bin's mean. Judged against the mean alone
such a bin alarmed at the same place in every cut (#15). A steady bin sweeps only its noise, so
the detector keeps its sensitivity there. Entry and exit of the piece are not judged at all
(core.analysis.monitor: the transient skip).
"""

from __future__ import annotations

import math
from collections import deque
from collections.abc import Sequence

from core.analysis.cut_stats import CutRecord
from core.analysis.cuts import CutProgress
from core.analysis.detectors import Detector, Status
from core.analysis.settings import DetectorSettings

BinStats = tuple[float, float]  # (mean, half the range swept) of one bin in one cut
Profile = tuple[BinStats | None, ...]
MIN_COVERAGE = 0.5  # a profile with fewer bins filled than this is not a reference


class ProfileDetector(Detector):
    kind = "profile"

    def __init__(self, settings: DetectorSettings) -> None:
        super().__init__(settings)
        self._bins = settings.bins
        self._references: dict[str, deque[Profile]] = {}
        self._cut_start: int | None = None
        self._material = ""
        self._sums = [0.0] * self._bins
        self._counts = [0] * self._bins
        self._lows = [math.inf] * self._bins
        self._highs = [-math.inf] * self._bins
        self._ref_mean: list[float | None] = [None] * self._bins
        self._ref_spread: list[float] = [0.0] * self._bins
        self._bin = 0
        self._anomalous_in_cut = False

    # --- the cut -------------------------------------------------------------------------

    def set_progress(self, progress: CutProgress | None) -> None:
        """Where the head is in which cut; call before ``update`` on every sample of a cut."""
        if progress is None:
            return
        if progress.start_ms != self._cut_start:
            self._cut_start = progress.start_ms
            self._material = progress.material_key
            self._sums = [0.0] * self._bins
            self._counts = [0] * self._bins
            self._lows = [math.inf] * self._bins
            self._highs = [-math.inf] * self._bins
            self._anomalous_in_cut = False
            self._reference_stats()
        position = progress.position
        self._bin = min(max(int(position * self._bins), 0), self._bins - 1)

    def finish_cut(self, record: CutRecord) -> Profile | None:
        """Learn a closed cut; returns its profile when it became a reference (to persist)."""
        if record.start_ms != self._cut_start:
            return None
        self._cut_start = None
        if record.outcome != "completed" or self._anomalous_in_cut:
            return None
        profile: Profile = tuple(
            (self._sums[i] / self._counts[i], (self._highs[i] - self._lows[i]) / 2.0) if self._counts[i] else None
            for i in range(self._bins)
        )
        if sum(item is not None for item in profile) < MIN_COVERAGE * self._bins:
            return None
        self.add_reference(record.material_key, profile)
        return profile

    def add_reference(self, material_key: str, profile: Sequence[object]) -> None:
        """A good cut's profile (from finish_cut, or restored from anomaly.db cut_profiles: per bin
        [mean, half range], or a bare mean as kept before the range was)."""
        if len(profile) != self._bins:
            return  # learnt with another bin count: not comparable
        refs = self._references.setdefault(material_key, deque(maxlen=self.settings.reference_cuts))
        refs.append(tuple(_bin_stats(item) for item in profile))
        if material_key == self._material:
            self._reference_stats()

    def reference_count(self, material_key: str) -> int:
        return len(self._references.get(material_key, ()))

    # --- Detector ------------------------------------------------------------------------

    def _score(self, value: float, ts_ms: int) -> float | None:
        if self._cut_start is None:
            self.status = Status.IDLE
            return None
        mean = self._ref_mean[self._bin]
        if mean is None:
            self.status = Status.NO_REFERENCE
            return None
        spread = self._ref_spread[self._bin]
        if spread <= 0.0:
            self.status = Status.CONSTANT
            return None
        score = abs(value - mean) / spread
        if score > self.threshold:
            self._anomalous_in_cut = True
        return score

    def _learn(self, value: float, ts_ms: int) -> None:
        if self._cut_start is not None:
            index = self._bin
            self._sums[index] += value
            self._counts[index] += 1
            self._lows[index] = min(self._lows[index], value)
            self._highs[index] = max(self._highs[index], value)

    def _reference_stats(self) -> None:
        refs = self._references.get(self._material, ())
        minimum = self.settings.min_reference_cuts
        for index in range(self._bins):
            stats = [b for b in (p[index] for p in refs) if b is not None]
            if len(stats) < minimum:
                self._ref_mean[index] = None
                continue
            means = [m for m, _half in stats]
            mean = math.fsum(means) / len(means)
            std = math.sqrt(math.fsum((v - mean) ** 2 for v in means) / (len(means) - 1)) if len(means) > 1 else 0.0
            swept = max(half for _m, half in stats)
            self._ref_mean[index] = mean
            self._ref_spread[index] = max(std, swept, self.settings.rel_floor * abs(mean), self.settings.min_spread)


def _bin_stats(item: object) -> BinStats | None:
    """One bin of a stored profile: [mean, half range], a bare mean (older rows), or nothing."""
    if isinstance(item, (int, float)) and math.isfinite(item):
        return float(item), 0.0
    if isinstance(item, (list, tuple)) and len(item) == 2 and all(isinstance(v, (int, float)) for v in item):
        mean, half = float(item[0]), float(item[1])
        if math.isfinite(mean) and math.isfinite(half):
            return mean, abs(half)
    return None
