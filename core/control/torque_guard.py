"""Torque guard: cuts the descent speed when torque climbs too fast down the cut.

After an activation delay (time from the start of the cut, distance from where the band
engaged the material) the guard records a height history and compares the band torque now
with the torque recorded ``lookback_mm`` higher up. The band counts as engaged once torque stands
``min_reference_torque_pct`` points above the lowest torque of the cut so far (the band
running free above the material), and the reference must stand that high too: a relative
rise from next to nothing (the band entering a round bar, where the chord grows like a square
root) is not an overload and would trip on every piece. A rise of
more than ``rise_threshold_pct`` asks for the descent speed to drop by ``descent_cut_pct``.
After a trigger the history starts again, so the next comparison needs another full
``lookback_mm`` of descent: one event per rise, not one per sample.
All figures come from ``control.torque_guard``.
"""

from __future__ import annotations

import math
from collections import deque
from dataclasses import dataclass

from core.config import TorqueGuardSettings
from core.texts import D_GUARD


@dataclass(frozen=True, slots=True)
class GuardEvent:
    height_mm: float
    torque_now: float
    torque_ref: float  # torque lookback_mm higher up
    rise_pct: float
    descent_factor: float  # multiply the descent speed by this
    lookback_mm: float

    def describe(self) -> str:
        return str(D_GUARD(rise=self.rise_pct, lookback=self.lookback_mm, before=self.torque_ref, now=self.torque_now,
                           factor=self.descent_factor * 100))


class TorqueGuard:
    def __init__(self, settings: TorqueGuardSettings, averaging: int = 3) -> None:
        self.settings = settings
        self._averaging = max(1, averaging)
        self._recent: deque[float] = deque(maxlen=self._averaging)
        self._history: deque[tuple[float, float]] = deque()  # (height, averaged torque), top first
        self._start: tuple[float, float] | None = None  # (time, height) when the cut began
        self._free_torque = math.inf  # lowest averaged torque this cut: the band running free
        self._engaged_height: float | None = None
        self.events = 0

    @property
    def cutting(self) -> bool:
        return self._start is not None

    def begin_cut(self, now: float, height_mm: float) -> None:
        self._start = (now, height_mm)
        self._reset()

    def end_cut(self) -> None:
        self._start = None
        self._reset()

    def _reset(self) -> None:
        self._recent.clear()
        self._history.clear()
        self._free_torque = math.inf
        self._engaged_height = None

    def active(self, now: float, height_mm: float) -> bool:
        """Past the activation delay: time since the cut began, distance since the band engaged."""
        if self._start is None or self._engaged_height is None:
            return False
        s = self.settings
        return now - self._start[0] >= s.activation_delay_s and (
            self._engaged_height - height_mm >= s.activation_descent_mm
        )

    def update(self, now: float, height_mm: float | None, torque_pct: float | None) -> GuardEvent | None:
        """Feed one sample taken during the cut; returns an event when the guard trips."""
        if self._start is None or height_mm is None or torque_pct is None:
            return None
        if not (math.isfinite(height_mm) and math.isfinite(torque_pct)):
            return None
        self._recent.append(torque_pct)
        torque = sum(self._recent) / len(self._recent)
        s = self.settings
        self._free_torque = min(self._free_torque, torque)
        engaged_at = self._free_torque + s.min_reference_torque_pct
        if self._engaged_height is None:
            if torque < engaged_at:
                return None  # still above the material: no history worth comparing with
            self._engaged_height = height_mm
        if not s.enabled or not self.active(now, height_mm):
            return None
        # The height history starts once the guard is active: the first comparison is made
        # lookback_mm later, with both samples well inside the material.
        self._history.append((height_mm, torque))
        target = height_mm + s.lookback_mm
        # Keep exactly one sample at or above the look-back height: the reference.
        while len(self._history) >= 2 and self._history[1][0] >= target:
            self._history.popleft()
        ref_height, ref_torque = self._history[0]
        if ref_height < target or ref_torque < engaged_at:
            return None
        rise = (torque - ref_torque) / ref_torque * 100.0
        if rise <= s.rise_threshold_pct:
            return None
        self.events += 1
        self._history.clear()
        self._history.append((height_mm, torque))
        return GuardEvent(height_mm, torque, ref_torque, rise, 1.0 - s.descent_cut_pct / 100.0, s.lookback_mm)
