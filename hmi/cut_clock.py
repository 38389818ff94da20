"""The cut as the operator follows it: state, how far through, time taken, time left, what comes next.

Plain Python (no Qt) fed with each poll's values and timestamp. Progress is the head's depth into
the section (A = the section's height; the material width when A is not known); a completed cut
is 100 %. Remaining time is the height left divided by the measured descent speed, smoothed so
the figure does not jump with every noisy sample; it is shown only once it means something (5 % of
the section cut or 5 s into the cut: at the entry the descent runs at approach speed and the first
second read "12:48 left"). The "next" line reacts only to the alarms that stop the saw.
"""

from __future__ import annotations

import math
from collections.abc import Iterable, Mapping
from dataclasses import dataclass

from core.api import Alarm
from core.snapshot import SawState

# The PLC's alarm_status (core.analysis.alarm_sources PLC_ALARM): every code means the PLC stopped the cut.
SAW_STOPPING_ALARM = "plc.alarm"


def stops_the_saw(alarms: Iterable[Alarm]) -> bool:
    """Is any of ``alarms`` a condition, active now, that has stopped the saw (not a warning like chatter)."""
    return any(alarm.condition and (alarm.key == SAW_STOPPING_ALARM or alarm.key.startswith(SAW_STOPPING_ALARM + "."))
               for alarm in alarms)


@dataclass(frozen=True, slots=True)
class CutView:
    state: int | None  # SawState code, None before the first good poll
    fraction: float | None  # 0..1 through the section, None when unknown
    elapsed_s: float | None  # since the cut started (CUTTING), None outside a cut
    remaining_s: float | None  # estimated; None when not cutting, descent ~0 or too early to tell
    depth_mm: float | None
    height_mm: float | None


def _finite(value: float | None) -> float | None:
    return value if value is not None and math.isfinite(value) else None


class CutClock:
    SMOOTHING = 0.2  # weight of the newest descent-speed sample in the running estimate
    ESTIMATE_FROM_FRACTION = 0.05  # remaining time shown from 5 % of the section cut ...
    ESTIMATE_FROM_S = 5.0  # ... or 5 s into the cut, whichever comes first

    def __init__(self) -> None:
        self._state: int | None = None
        self._start_ms: int | None = None
        self._last_elapsed_s: float | None = None
        self._speed: float | None = None  # smoothed descent speed, mm/min
        self.view = CutView(None, None, None, None, None, None)

    def feed(self, values: Mapping[str, float | None], ts_ms: int) -> CutView:
        state_value = _finite(values.get("saw_state"))
        state = int(state_value) if state_value is not None else self._state
        height = _finite(values.get("dimension_a")) or _finite(values.get("material_width"))
        head = _finite(values.get("head_height"))
        if state == SawState.CUTTING:
            if self._state != SawState.CUTTING or self._start_ms is None:
                self._start_ms, self._speed = ts_ms, None
            self._last_elapsed_s = max(0.0, (ts_ms - self._start_ms) / 1000.0)
        elif state != SawState.COMPLETED:  # completed keeps the cut's final time on screen
            self._start_ms, self._last_elapsed_s = None, None
        self._state = state
        fraction = depth = None
        if height is not None and height > 0 and head is not None:
            depth = min(max(height - head, 0.0), height)
            fraction = depth / height
        if state == SawState.COMPLETED:
            fraction, depth = 1.0, height  # done is done, wherever the head has gone since
        elif state == SawState.IDLE:
            fraction = depth = None  # no piece being cut
        remaining = None
        speed = _finite(values.get("descent_speed_actual"))
        if state == SawState.CUTTING and speed is not None and speed > 0:
            self._speed = speed if self._speed is None else self._speed + self.SMOOTHING * (speed - self._speed)
            meaningful = (fraction is not None and fraction >= self.ESTIMATE_FROM_FRACTION) or (
                self._last_elapsed_s is not None and self._last_elapsed_s >= self.ESTIMATE_FROM_S)
            if meaningful and depth is not None and height is not None and self._speed > 0.05:
                remaining = (height - depth) / self._speed * 60.0
        elapsed = self._last_elapsed_s if state in (SawState.CUTTING, SawState.COMPLETED) else None
        self.view = CutView(state, fraction, elapsed, remaining, depth, height)
        return self.view


def format_duration(seconds: float | None) -> str:
    """m:ss (or h:mm:ss); an em dash when unknown."""
    if seconds is None or not math.isfinite(seconds) or seconds < 0:
        return "—"
    whole = round(seconds)
    hours, rest = divmod(whole, 3600)
    minutes, secs = divmod(rest, 60)
    return f"{hours}:{minutes:02d}:{secs:02d}" if hours else f"{minutes}:{secs:02d}"
