"""What ends or limits ML regardless of the model: a PLC trip, and the absolute load ceiling.

* A trip: the saw in the ERROR state, or the PLC's alarm code / alarm bits for a torque overload
  or a tooth breakage. ML ends with an alarm; the operator switches it on again.
* The ceiling: band torque (and, where configured, band current) averaged over the last few
  samples above ``control.torque_ceiling_pct`` / ``control.current_ceiling_a`` (set below the
  PLC's own overload limit). The controller cuts the descent speed at once, at every decision
  while it stays above; if it is still above after ``control.ceiling_end_after_s``, ML ends.
"""

from __future__ import annotations

import math
from collections import deque
from dataclasses import dataclass

from core.config import ControlSettings
from core.snapshot import SawState, Snapshot
from core.texts import C_BREACH

# PLC alarm codes (alarm_status) and bits (alarm_info) that mean the cut was stopped by overload
# or breakage (config/config.yaml analysis.alarms.plc_alarm_codes / plc_alarm_bits).
TRIP_CODES = {1: "band torque overload", 2: "tooth breakage"}
TRIP_BITS = {0: "band torque above the overload level", 1: "tooth breakage"}


def plc_trip(snapshot: Snapshot) -> str:
    """Why the PLC says the cut tripped, or ""."""
    code = snapshot.value("alarm_status")
    info = snapshot.value("alarm_info")
    code_text = TRIP_CODES.get(int(code)) if code is not None and math.isfinite(code) else None
    if snapshot.saw_state is SawState.ERROR:
        return f"PLC in the error state ({code_text or f'alarm code {code:g}' if code else 'no alarm code'})"
    if code_text:
        return f"PLC alarm: {code_text}"
    if info is not None and math.isfinite(info):
        for bit, text in TRIP_BITS.items():
            if int(info) >> bit & 1:
                return f"PLC alarm bit: {text}"
    return ""


@dataclass(frozen=True, slots=True)
class CeilingBreach:
    signal: str
    value: float
    limit: float
    for_s: float  # how long it has been above without a break

    def describe(self) -> str:
        unit = "%" if self.signal == "band_torque" else " A"
        return str(C_BREACH(signal=self.signal, value=self.value, unit=unit, limit=self.limit, for_s=self.for_s))


class LoadCeiling:
    def __init__(self, control: ControlSettings, averaging: int = 3) -> None:
        self._limits = {"band_torque": control.torque_ceiling_pct}
        if control.current_ceiling_a is not None:
            self._limits["band_current"] = control.current_ceiling_a
        self._recent = {name: deque[float](maxlen=max(1, averaging)) for name in self._limits}
        self._since: float | None = None
        self.events = 0

    def reset(self) -> None:
        for recent in self._recent.values():
            recent.clear()
        self._since = None

    def update(self, snapshot: Snapshot) -> None:
        for name, recent in self._recent.items():
            value = snapshot.value(name)
            if value is None or not math.isfinite(value):
                recent.clear()
            else:
                recent.append(value)

    def breach(self, now: float) -> CeilingBreach | None:
        """The worst signal above its ceiling now (None when all are below)."""
        worst: CeilingBreach | None = None
        for name, limit in self._limits.items():
            recent = self._recent[name]
            if not recent:
                continue
            value = sum(recent) / len(recent)
            if value > limit and (worst is None or value / limit > worst.value / worst.limit):
                worst = CeilingBreach(name, value, limit, 0.0)
        if worst is None:
            self._since = None
            return None
        if self._since is None:
            self._since = now
        return CeilingBreach(worst.signal, worst.value, worst.limit, now - self._since)
