"""The running figures of one cut and the record it becomes.

Kept apart from the tracker's state machine: ``OpenCut`` only accumulates (cheap per sample)
and round-trips through JSON so a cut in progress survives an engine restart.
"""

from __future__ import annotations

import json
import math
from dataclasses import asdict, dataclass, field, fields
from typing import Any

from core.analysis.geometry import Piece
from core.analysis.tables import CUT_COLUMNS

# Registers the cut record reads, by role.
MATERIAL_FIELDS = ("material_type", "material_hardness", "cross_section",
                   "dimension_a", "dimension_b", "dimension_c", "dimension_d")
VIBRATION_FIELDS = ("vibration_x", "vibration_y", "vibration_z")
COUNTER_MIN_KWH = 0.05  # energy_total delta from which the counter beats the integral (2 % at 1 Wh)


@dataclass(frozen=True, slots=True)
class CutRecord:
    """One row of total.db ``cuts``."""

    ts_ms: int  # when the record was closed (= end_ms)
    start_ms: int
    end_ms: int
    duration_s: float
    outcome: str  # completed, aborted, error, interrupted
    material_type: int | None
    material_hardness: float | None
    cross_section: int | None
    dimension_a: float | None
    dimension_b: float | None
    dimension_c: float | None
    dimension_d: float | None
    band_id: int | None
    height_mm: float | None
    depth_mm: float
    area_cm2: float
    band_current_mean: float | None
    band_current_peak: float | None
    band_torque_mean: float | None
    band_torque_peak: float | None
    descent_speed_mean: float | None
    cutting_speed_mean: float | None
    energy_kwh: float | None
    energy_method: str  # counter (PLC energy_total), integrated (band_power), none
    vibration_peak: float | None
    deviation_abs_mean: float | None
    control_mode: str
    guard_events: int
    samples: int
    gap_s: float  # time inside the cut with no data (comm loss, engine down)

    def row(self) -> tuple[Any, ...]:
        return tuple(getattr(self, name) for name in CUT_COLUMNS)

    @property
    def material_key(self) -> str:
        return material_key(self.material_type, self.cross_section, self.dimension_a, self.dimension_b)


def material_key(material: float | None, section: float | None, a: float | None, b: float | None) -> str:
    """Cuts of the same grade and section size are comparable (the profile detector's key)."""
    def text(value: float | None) -> str:
        return "?" if value is None or not math.isfinite(value) else f"{value:g}"

    return f"{text(material)}/{text(section)}/{text(a)}x{text(b)}"


@dataclass(slots=True)
class _Mean:
    total: float = 0.0
    count: int = 0
    peak: float | None = None

    def add(self, value: float) -> None:
        self.total += value
        self.count += 1
        if self.peak is None or value > self.peak:
            self.peak = value

    @property
    def mean(self) -> float | None:
        return self.total / self.count if self.count else None


@dataclass(slots=True)
class OpenCut:
    start_ms: int
    material: dict[str, float | None]
    band_id: int | None
    head_start: float | None
    height_mm: float | None
    cut_count_start: float | None
    energy_start: float | None
    last_ms: int = 0  # newest sample seen in this cut
    head_last: float | None = None
    depth_mm: float = 0.0
    samples: int = 0
    gap_ms: int = 0
    guard_events: int = 0
    modes: list[str] = field(default_factory=list)
    energy_last: float | None = None
    energy_integrated_kwh: float = 0.0
    power_last: float | None = None
    band_current: _Mean = field(default_factory=_Mean)
    band_torque: _Mean = field(default_factory=_Mean)
    descent_speed: _Mean = field(default_factory=_Mean)
    cutting_speed: _Mean = field(default_factory=_Mean)
    deviation_abs: _Mean = field(default_factory=_Mean)
    vibration_peak: float | None = None

    # --- progress ----------------------------------------------------------------------

    def depth_at(self, head: float) -> float:
        # Against the table when the section height is known (right even if the start was
        # missed); otherwise the head travel since the start.
        if self.height_mm:
            return min(max(self.height_mm - head, 0.0), self.height_mm)
        if self.head_start is not None:
            return max(self.head_start - head, 0.0)
        return 0.0

    @property
    def position(self) -> float:
        """Normalised head position through the section, 0 at the top, 1 at the bottom."""
        if not self.height_mm:
            return 0.0
        return min(self.depth_mm / self.height_mm, 1.0)

    @property
    def material_key(self) -> str:
        m = self.material
        return material_key(m.get("material_type"), m.get("cross_section"), m.get("dimension_a"),
                            m.get("dimension_b"))

    def note_mode(self, mode: str) -> None:
        if mode not in self.modes:
            self.modes.append(mode)

    # --- closing -----------------------------------------------------------------------

    def record(self, end_ms: int, outcome: str) -> CutRecord:
        m = self.material
        piece = Piece(int(m.get("cross_section") or 0), m.get("dimension_a") or 0.0, m.get("dimension_b") or 0.0,
                      m.get("dimension_c") or 0.0, m.get("dimension_d") or 0.0)
        energy, method = self._energy()
        return CutRecord(
            ts_ms=end_ms,
            start_ms=self.start_ms,
            end_ms=end_ms,
            duration_s=max(end_ms - self.start_ms, 0) / 1000.0,
            outcome=outcome,
            material_type=_int(m.get("material_type")),
            material_hardness=m.get("material_hardness"),
            cross_section=_int(m.get("cross_section")),
            dimension_a=m.get("dimension_a"),
            dimension_b=m.get("dimension_b"),
            dimension_c=m.get("dimension_c"),
            dimension_d=m.get("dimension_d"),
            band_id=self.band_id,
            height_mm=self.height_mm,
            depth_mm=round(self.depth_mm, 2),
            area_cm2=round(piece.area_cm2(self.depth_mm), 3),
            band_current_mean=self.band_current.mean,
            band_current_peak=self.band_current.peak,
            band_torque_mean=self.band_torque.mean,
            band_torque_peak=self.band_torque.peak,
            descent_speed_mean=self.descent_speed.mean,
            cutting_speed_mean=self.cutting_speed.mean,
            energy_kwh=energy,
            energy_method=method,
            vibration_peak=self.vibration_peak,
            deviation_abs_mean=self.deviation_abs.mean,
            control_mode="+".join(self.modes) or "unknown",
            guard_events=self.guard_events,
            samples=self.samples,
            gap_s=self.gap_ms / 1000.0,
        )

    def _energy(self) -> tuple[float | None, str]:
        counter = None
        if self.energy_start is not None and self.energy_last is not None:
            delta = self.energy_last - self.energy_start
            counter = delta if delta >= 0 else None
        integrated = self.energy_integrated_kwh if self.power_last is not None else None
        # The PLC's counter runs on through gaps and is exact once it has moved enough for its
        # 1 Wh resolution; the integral of band_power is finer on short cuts.
        if counter is not None and (self.gap_ms > 0 or integrated is None or counter >= COUNTER_MIN_KWH):
            return round(counter, 6), "counter"
        if integrated is not None:
            return round(integrated, 6), "integrated"
        return None, "none"

    # --- persistence -------------------------------------------------------------------

    def to_json(self) -> str:
        return json.dumps(asdict(self), separators=(",", ":"))

    @classmethod
    def from_json(cls, text: str) -> OpenCut:
        data = json.loads(text)
        means = {f.name for f in fields(cls) if f.type in ("_Mean", _Mean)}
        for name in means:
            data[name] = _Mean(**data[name])
        return cls(**data)


def _int(value: float | None) -> int | None:
    return None if value is None or not math.isfinite(value) else int(value)
