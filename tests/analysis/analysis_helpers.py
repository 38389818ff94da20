"""Synthetic snapshots of a saw going through cuts (shared by the analysis tests)."""

from __future__ import annotations

from dataclasses import dataclass, field

from core.snapshot import Quality, SawState, Snapshot

BASE_VALUES: dict[str, float | None] = {
    "saw_state": float(SawState.IDLE),
    "head_height": 120.0,
    "band_current": 6.0,
    "band_torque": 20.0,
    "band_power": 1.0,
    "energy_total": 100.0,
    "descent_speed_actual": 30.0,
    "cutting_speed_actual": 70.0,
    "band_deviation": 0.0,
    "vibration_x": 0.1,
    "vibration_y": 0.1,
    "vibration_z": 0.1,
    "material_type": 3.0,
    "material_hardness": 200.0,
    "cross_section": 0.0,  # round bar
    "dimension_a": 100.0,
    "dimension_b": 0.0,
    "dimension_c": 0.0,
    "dimension_d": 0.0,
    "material_width": 100.0,
    "band_id": 7.0,
    "cut_count": 10.0,
    "alarm_status": 0.0,
    "alarm_info": 0.0,
}


@dataclass
class SawFeed:
    """Builds snapshots 100 ms apart (10 Hz) from a mutable set of values."""

    ts_ms: int = 1_700_000_000_000
    seq: int = 0
    values: dict[str, float | None] = field(default_factory=lambda: dict(BASE_VALUES))

    def snap(self, quality: Quality = Quality.GOOD, step_ms: int = 100, **changes: float | None) -> Snapshot:
        self.values.update(changes)
        self.ts_ms += step_ms
        self.seq += 1
        values = dict(self.values) if quality is not Quality.COMM_ERROR else dict.fromkeys(self.values)
        return Snapshot(self.seq, self.ts_ms, self.seq / 10, values, {}, quality)

    def cut(self, seconds: float = 20.0, *, end: SawState = SawState.COMPLETED, through: float = 1.0,
            current: float = 10.0) -> list[Snapshot]:
        """Prepare, cut from the top of a 100 mm bar to ``through`` of it, then ``end``."""
        snaps = [self.snap(saw_state=float(SawState.READY), head_height=101.0)]
        steps = int(seconds * 10)
        for i in range(steps + 1):
            head = 100.0 - 100.0 * through * i / steps
            energy = self.values["energy_total"] or 0.0
            snaps.append(self.snap(saw_state=float(SawState.CUTTING), head_height=head, band_current=current,
                                   band_torque=50.0, band_power=3.6, energy_total=energy + 0.0001))
        count = (self.values["cut_count"] or 0.0) + (1 if end is SawState.COMPLETED else 0)
        snaps.append(self.snap(saw_state=float(end), cut_count=count, band_current=6.0, band_power=1.0))
        snaps.append(self.snap(saw_state=float(SawState.IDLE), head_height=120.0))
        return snaps
