"""The chip-thickness policy: hold the chip in the grade's window, under the band's load limit.

Each decision, from the PLC's registers only (:mod:`core.control.chip_model`):

1. band speed: once per cut, the feed-forward (the learned speed model, from the hardness class
   and the section's size) or, without one, the band speed the cut started with;
2. chip aim: ``aim`` x the top of the chip window of the bar's hardness class (the lowest top of
   the grades of that class the table was made from), lowered while the band deviates;
3. load cap: the chip at which the measured load coefficient K puts the torque at
   ``torque_target_pct`` over the largest contact of the next ``lookahead_s`` of the cut; before
   K is measured, ``entry_fraction`` of the aim;
4. descent speed: the head speed that gives the smaller of the two at the band speed the band
   actually runs (never the faster of set and actual), corrected for the measured feed loss of a
   worn band (actual / set head speed).

It only proposes speeds; the controller sends them through the same safety layer as any ML
decision (envelope, ceiling, guard, competence, operator overrides, stale-data hold, trips).
"""

from __future__ import annotations

import math
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any

from core.control.chip_model import Geometry, LoadEstimate, chip_mm, descent_for_chip
from core.texts import (
    D_CHIP,
    D_CHIP_BOTTOM,
    D_CHIP_ENTRY,
    D_CHIP_LOAD,
    D_CHIP_WINDOW,
    D_GRADE,
    D_HARDNESS_CLASS,
    D_INPUTS_UNKNOWN,
    D_NO_SECTION,
    D_NO_WINDOW,
)

SPEED_INPUTS = ("material_hardness", "mean_chord", "material_width")


@dataclass(frozen=True, slots=True)
class ChipSettings:
    """The policy's table and constants (the manifest's ``chip`` section)."""

    windows: Mapping[int, tuple[float, float]]  # hardness code -> (chip low, chip top), mm
    aim: float = 0.8
    # Grades whose own window is known (material code -> window, mm), held at grade_aim of their top.
    grade_windows: Mapping[int, tuple[float, float]] = field(default_factory=dict)
    grade_aim: float = 0.95
    torque_target_pct: float = 95.0
    entry_fraction: float = 0.5
    idle_torque_pct: float = 10.0
    lookahead_s: float = 4.0
    lookahead_min_mm: float = 3.0
    deviation_start_mm: float = 0.3
    deviation_full_mm: float = 0.5
    deviation_min_factor: float = 0.7
    floor_margin_pct: float = 10.0  # no thinner chip than the window's bottom while the load is this far below target
    descent_up_mm_min: float = 0.5  # raise the descent when this far below the aim
    descent_down_mm_min: float = 0.15  # lower it when this far above
    speed_inputs: tuple[str, ...] = SPEED_INPUTS

    @classmethod
    def from_json(cls, data: Mapping[str, Any]) -> ChipSettings:
        windows = _windows(data["windows"], "windows")
        grade_windows = _windows(data.get("grade_windows") or {}, "grade_windows", empty=True)
        tables = {"windows", "grade_windows", "speed_inputs"}
        names = set(cls.__dataclass_fields__) - tables
        values = {k: float(v) for k, v in data.items() if k in names}
        unknown = set(data) - names - tables
        if unknown:
            raise ValueError(f"chip: unknown keys {', '.join(sorted(unknown))}")
        defaults: dict[str, float] = {n: float(f.default) for n, f in cls.__dataclass_fields__.items()
                                      if isinstance(f.default, int | float)}
        if not 0.3 <= values.get("aim", defaults["aim"]) <= 1.0 \
                or not 0.3 <= values.get("grade_aim", defaults["grade_aim"]) <= 1.0:
            raise ValueError("chip.aim and chip.grade_aim must lie in 0.3..1")
        if not 20.0 <= values.get("torque_target_pct", defaults["torque_target_pct"]) <= 100.0:
            raise ValueError("chip.torque_target_pct must lie in 20..100")
        inputs = tuple(str(s) for s in data.get("speed_inputs", SPEED_INPUTS))
        if set(inputs) - set(SPEED_INPUTS):
            raise ValueError(f"chip.speed_inputs must be among {SPEED_INPUTS}")
        return cls(windows=windows, grade_windows=grade_windows, speed_inputs=inputs, **values)

    def to_json(self) -> dict[str, Any]:
        out: dict[str, Any] = {f: getattr(self, f) for f in self.__dataclass_fields__}
        for table in ("windows", "grade_windows"):
            out[table] = {str(k): [lo, hi] for k, (lo, hi) in sorted(getattr(self, table).items())}
        out["speed_inputs"] = list(self.speed_inputs)
        return out

    def window(self, material: float | None, hardness: float) -> tuple[tuple[float, float], float, str] | None:
        """(window, aim, where from) for a bar: its grade's own, else its hardness class's."""
        if material is not None and round(material) in self.grade_windows:
            return self.grade_windows[round(material)], self.grade_aim, str(D_GRADE(grade=material))
        window = self.windows.get(round(hardness))
        return (window, self.aim, str(D_HARDNESS_CLASS(hardness=hardness))) if window is not None else None


def _windows(data: Any, name: str, *, empty: bool = False) -> dict[int, tuple[float, float]]:
    windows = {int(k): (float(v[0]), float(v[1])) for k, v in dict(data).items()}
    if (not windows and not empty) or any(not (0.0 < lo < hi < 0.1) for lo, hi in windows.values()):
        raise ValueError(f"chip.{name} must map codes to 0 < low < top < 0.1 mm")
    return windows


@dataclass(slots=True)
class ChipDecision:
    targets: dict[str, float] = field(default_factory=dict)
    reason: str = ""
    hold: str = ""  # non-empty: nothing to decide (why)
    load_capped: bool = False  # the descent is what the band's load allows (not the chip window)


SpeedModel = Callable[[Sequence[float]], float]


class ChipPolicy:
    def __init__(self, settings: ChipSettings, speed_model: SpeedModel | None = None) -> None:
        self.settings = settings
        self._speed_model = speed_model
        self.load = LoadEstimate()
        self.begin_cut()

    def begin_cut(self) -> None:
        self.load.reset()
        self.geometry: Geometry | None = None
        self.band_target: float | None = None
        self.efficiency = 1.0
        self.idle = self.settings.idle_torque_pct
        self.deviation = 0.0
        self.chip_now = 0.0
        self._last_feed: float | None = None

    # --- every snapshot of the cut --------------------------------------------------------

    def observe(self, values: Mapping[str, float | None]) -> None:
        """Update the estimates from one poll while cutting (missing values are skipped)."""
        if self.geometry is None:
            self.geometry = Geometry.from_values(values)
        feed, band, pitch = (values.get(n) for n in ("descent_speed_actual", "cutting_speed_actual", "tooth_pitch"))
        setpoint, torque, dev = (values.get(n) for n in ("descent_speed", "band_torque", "band_deviation"))
        if dev is not None and math.isfinite(dev):
            self.deviation += 0.2 * (abs(dev) - self.deviation)
        if feed is None or band is None or pitch is None:
            return
        self.chip_now = chip_mm(feed, band, pitch)
        steady = self._last_feed is not None and abs(feed - self._last_feed) < 0.02
        self._last_feed = feed
        if steady and setpoint is not None and setpoint > 5.0 and feed > 0.0:
            ratio = min(max(feed / setpoint, 0.5), 1.0)
            self.efficiency += 0.3 * (ratio - self.efficiency)
        depth = self._depth(values)
        if torque is None or self.geometry is None or depth is None:
            return
        if depth < -0.5 and band > 1.0:  # the band runs in air: its idle torque
            self.idle += 0.2 * (torque - self.idle)
        elif depth > 0.0:
            self.load.update(torque, self.idle, self.geometry.contact_now(depth), self.chip_now)

    @staticmethod
    def _depth(values: Mapping[str, float | None]) -> float | None:
        width, head = values.get("material_width"), values.get("head_height")
        if width is None or head is None:
            return None
        return width - head

    # --- one decision -----------------------------------------------------------------

    def decide(
        self, values: Mapping[str, float | None], cutting_limits: tuple[float, float],
        descent_limits: tuple[float, float],
    ) -> ChipDecision:
        s = self.settings
        hardness, pitch = values.get("material_hardness"), values.get("tooth_pitch")
        live_descent, live_cutting = values.get("descent_speed"), values.get("cutting_speed")
        band = values.get("cutting_speed_actual")
        depth = self._depth(values)
        if hardness is None or pitch is None or pitch <= 0 or live_descent is None or live_cutting is None \
                or band is None or depth is None:
            return ChipDecision(hold=str(D_INPUTS_UNKNOWN()))
        known = s.window(values.get("material_type"), hardness)
        if known is None:
            return ChipDecision(hold=str(D_NO_WINDOW(hardness=hardness)))
        window, aim_fraction, source = known
        if self.geometry is None:
            self.geometry = Geometry.from_values(values)
        if self.geometry is None:
            return ChipDecision(hold=str(D_NO_SECTION()))
        if self.band_target is None:
            self.band_target = self._band_speed(values, live_cutting, cutting_limits)
        band_now = min(self.band_target, band) if band > 1.0 else self.band_target
        aim = aim_fraction * window[1] * self._deviation_factor()
        ahead = max(s.lookahead_min_mm, max(values.get("descent_speed_actual") or 0.0, live_descent)
                    / 60.0 * s.lookahead_s)
        if self.load.k is None:
            # Until the load is measured: between the window's bottom and the aim.
            chip = max(s.entry_fraction * aim, min(aim, window[0] + s.entry_fraction * (aim - window[0])))
            why = str(D_CHIP_ENTRY())
        else:
            cap = self.load.chip_for_torque(s.torque_target_pct, self.idle, self.geometry.contact_ahead(depth, ahead))
            load = str(D_CHIP_LOAD(percent=s.torque_target_pct))
            chip, why = (aim, str(D_CHIP_WINDOW())) if aim <= cap else (cap, load)
            floor = min(window[0] * 1.1, aim)
            torque = values.get("band_torque")
            if chip < floor and torque is not None and torque < s.torque_target_pct - s.floor_margin_pct:
                # The look-ahead's worst case (a profile of unknown kind) would rub the teeth
                # while the band is far from its load: the window's bottom, the load watched.
                chip, why = floor, str(D_CHIP_BOTTOM())
        descent = descent_for_chip(chip, band_now, pitch) / max(self.efficiency, 0.5)
        descent = min(max(descent, descent_limits[0]), descent_limits[1])
        targets: dict[str, float] = {}
        if live_descent > descent + s.descent_down_mm_min or live_descent < descent - s.descent_up_mm_min:
            targets["descent_speed"] = round(descent, 2)
        if abs(live_cutting - self.band_target) >= 1.0:
            targets["cutting_speed"] = self.band_target
        reason = str(D_CHIP(now=self.chip_now * 1000, chip=chip * 1000, detail=why, top=window[1] * 1000,
                            source=source, band=self.band_target))
        return ChipDecision(targets, reason, load_capped=why.startswith("load"))

    def _band_speed(self, values: Mapping[str, float | None], live: float, limits: tuple[float, float]) -> float:
        speed = live
        if self._speed_model is not None and self.geometry is not None:
            inputs = {"material_hardness": values.get("material_hardness"), "mean_chord": self.geometry.mean_chord(),
                      "material_width": values.get("material_width")}
            wanted = self.settings.speed_inputs
            row = [float(v) for name in wanted if (v := inputs[name]) is not None and math.isfinite(v)]
            if len(row) == len(wanted):
                predicted = float(self._speed_model(row))
                if math.isfinite(predicted):
                    speed = predicted
        return float(round(min(max(speed, limits[0]), limits[1])))

    def _deviation_factor(self) -> float:
        s = self.settings
        if self.deviation <= s.deviation_start_mm:
            return 1.0
        span = max(s.deviation_full_mm - s.deviation_start_mm, 1e-6)
        x = min((self.deviation - s.deviation_start_mm) / span, 1.0)
        return 1.0 - x * (1.0 - s.deviation_min_factor)
