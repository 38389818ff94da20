"""The band-aware detector: this cut's signal profile against the last good cuts of the material.

As machine-tool process monitors do, the reference is learnt, not set: the signal (band current
by default) is averaged in bins along the normalised head position (0 at the top of the
section, 1 through it) for every completed cut without an anomaly of its own, and the last
``reference_cuts`` such profiles per material key are the reference. A sample scores
|value - reference mean| / spread, the spread being the larger of the references' standard
deviation in that bin, ``rel_floor`` x |mean| and ``min_spread``.
"""

from __future__ import annotations

import math
from collections import deque
from collections.abc import Sequence

from core.analysis.cut_stats import CutRecord
from core.analysis.cuts import CutProgress
from core.analysis.detectors import Detector, Status
from core.analysis.settings import DetectorSettings

Profile = tuple[float | None, ...]
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
        profile: Profile = tuple(s / c if c else None for s, c in zip(self._sums, self._counts, strict=True))
        if sum(value is not None for value in profile) < MIN_COVERAGE * self._bins:
            return None
        self.add_reference(record.material_key, profile)
        return profile

    def add_reference(self, material_key: str, profile: Sequence[float | None]) -> None:
        """A good cut's profile (from finish_cut, or restored from anomaly.db cut_profiles)."""
        if len(profile) != self._bins:
            return  # learnt with another bin count: not comparable
        refs = self._references.setdefault(material_key, deque(maxlen=self.settings.reference_cuts))
        refs.append(tuple(profile))
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
            self._sums[self._bin] += value
            self._counts[self._bin] += 1

    def _reference_stats(self) -> None:
        refs = self._references.get(self._material, ())
        minimum = self.settings.min_reference_cuts
        for index in range(self._bins):
            values = [p[index] for p in refs if p[index] is not None]
            if len(values) < minimum:
                self._ref_mean[index] = None
                continue
            clean = [v for v in values if v is not None]
            mean = math.fsum(clean) / len(clean)
            std = math.sqrt(math.fsum((v - mean) ** 2 for v in clean) / (len(clean) - 1)) if len(clean) > 1 else 0.0
            self._ref_mean[index] = mean
            self._ref_spread[index] = max(std, self.settings.rel_floor * abs(mean), self.settings.min_spread)
