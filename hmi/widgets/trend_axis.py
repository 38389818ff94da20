"""The Trends time axis in plant time (machine.time_zone), whatever zone the computer runs in.

pyqtgraph's DateAxisItem labels ticks in the computer's zone. Here a tick is a UTC instant whose
plant wall time is a round multiple of the step (every 5 s, every 10 min, each hour, each
midnight). Across a daylight-saving change each offset in force contributes the ticks that
fall while it holds: a spring-forward day shows 23 hourly ticks (no 02:00), a fall-back day 25
(02:00 twice), and the axis stays evenly spaced in real time, as the data is.
"""

from __future__ import annotations

import math

import pyqtgraph as pg
from PySide6.QtCore import QDateTime, QTimeZone

from hmi.formatting import plant_time, plant_zone

# Tick steps in seconds; each divides a day (or is whole days), so wall ticks line up with midnight.
STEPS = (0.1, 0.2, 0.5, 1, 2, 5, 10, 15, 30, 60, 120, 300, 600, 900, 1800, 3600, 7200, 10800, 21600, 43200,
         86400, 2 * 86400, 7 * 86400)
LABEL_EXAMPLE = "00:00:00"  # the widest label of the steps most used (live windows)
LABEL_PADDING_PX = 16


def offset_at(zone: QTimeZone, t_s: float) -> int:
    """The plant's UTC offset (s) in force at epoch second ``t_s``."""
    return zone.offsetFromUtc(QDateTime.fromMSecsSinceEpoch(math.floor(t_s * 1000), QTimeZone.utc()))


def offsets_between(zone: QTimeZone, start_s: float, end_s: float) -> list[int]:
    """Every UTC offset the plant's clock shows in [start, end] (two around a DST change)."""
    found = [offset_at(zone, start_s)]
    if zone.hasTransitions():
        begin = QDateTime.fromMSecsSinceEpoch(int(start_s * 1000), QTimeZone.utc())
        finish = QDateTime.fromMSecsSinceEpoch(int(end_s * 1000), QTimeZone.utc())
        for transition in zone.transitions(begin, finish):
            if transition.offsetFromUtc not in found:
                found.append(transition.offsetFromUtc)
    end = offset_at(zone, end_s)
    if end not in found:
        found.append(end)
    return found


def plant_ticks(start_s: float, end_s: float, step_s: float, zone: QTimeZone | None = None) -> list[float]:
    """UTC instants in [start, end] whose plant wall time is a multiple of ``step_s``."""
    if not (math.isfinite(start_s) and math.isfinite(end_s)) or end_s < start_s or step_s <= 0:
        return []
    zone = zone or plant_zone()
    offsets = offsets_between(zone, start_s, end_s)
    ticks: set[float] = set()
    for offset in offsets:
        first = math.ceil((start_s + offset) / step_s - 1e-9)
        last = math.floor((end_s + offset) / step_s + 1e-9)
        for k in range(first, last + 1):
            t = round(k * step_s - offset, 3)
            # With one offset in the range every candidate holds it; otherwise keep each tick
            # only under the offset in force at that instant (the other offset's wall time).
            if len(offsets) == 1 or offset_at(zone, t) == offset:
                ticks.add(t)
    return sorted(ticks)


def tick_format(step_s: float) -> str:
    if step_s < 60:
        return "HH:mm:ss"
    if step_s < 86400:
        return "HH:mm"
    return "dd.MM"


class PlantTimeAxis(pg.AxisItem):
    """A bottom axis of UTC epoch seconds labelled in plant wall time."""

    def __init__(self, orientation: str = "bottom", **kwargs: object) -> None:
        super().__init__(orientation, **kwargs)
        self.enableAutoSIPrefix(False)
        self._label_px: int | None = None

    def step_for(self, start_s: float, end_s: float, size_px: float) -> float:
        """The finest step whose labels do not overlap at ``size_px`` for the range."""
        if self._label_px is None:
            font = self.style.get("tickFont")
            metrics = pg.QtGui.QFontMetrics(font) if font is not None else pg.QtGui.QFontMetrics(self.font())
            self._label_px = metrics.horizontalAdvance(LABEL_EXAMPLE) + LABEL_PADDING_PX
        per_px = (end_s - start_s) / max(size_px, 1.0)
        wanted = per_px * self._label_px
        for step in STEPS:
            if step >= wanted:
                return float(step)
        weeks = math.ceil(wanted / STEPS[-1])
        return float(weeks * STEPS[-1])

    def tickValues(self, minVal: float, maxVal: float, size: float) -> list[tuple[float, list[float]]]:
        if not (math.isfinite(minVal) and math.isfinite(maxVal)) or maxVal <= minVal or size <= 0:
            return []
        step = self.step_for(minVal, maxVal, size)
        return [(step, plant_ticks(minVal, maxVal, step))]

    def tickStrings(self, values: list[float], scale: float, spacing: float) -> list[str]:
        if spacing < 1:
            return [plant_time(v * 1000, "HH:mm:ss", tenths=True) for v in values]
        fmt = tick_format(spacing)
        return [plant_time(round(v * 1000), fmt) for v in values]
