"""What the PLC shows: every register's engineering value, computed from the model's state.

Measurement noise comes from the per-step samples the model drew, so reading the values does
not consume randomness and does not change the trajectory.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import TYPE_CHECKING

from core.sim import cutting as cm

if TYPE_CHECKING:
    from core.sim.physics import SawPlc

BAND_TYPE_BIMETAL = 0
BAND_BRAND = 3
BAND_MATERIAL_M42 = 0
VIBRATION_FLOOR = 0.004  # g, sensor noise floor with the band stopped
CHATTER_GAIN = 5.0


def _vibration(plc: SawPlc, noise: Sequence[float]) -> dict[str, float]:
    grade, machine = plc.piece.grade, plc.machine
    speed = plc.band_speed
    if speed <= 0.5:
        zero = {f"vibration_{axis}": VIBRATION_FLOOR for axis in "xyz"}
        return zero | {f"vibration_{axis}_freq": 0.0 for axis in "xyz"} | {"vibration_max_freq": 0.0}
    tooth = 1000.0 * speed / (60.0 * machine.tooth_pitch)  # tooth-passing frequency, Hz
    centre = (grade.chatter_low + grade.chatter_high) / 2.0
    half = (grade.chatter_high - grade.chatter_low) / 2.0
    bump = max(0.0, 1.0 - abs(speed - centre) / half) if plc.contact > 0.0 and half > 0.0 else 0.0
    base = 0.015 + 0.5 * plc.force / 1000.0
    amplitude = base * (1.0 + CHATTER_GAIN * bump) * (1.0 + 0.05 * noise[4])
    # Inside the chatter band the band's own mode (near 1.6 x tooth frequency) dominates.
    chatter_freq = 1.6 * tooth
    amps = {"x": amplitude, "y": 0.6 * amplitude, "z": 0.35 * amplitude}
    freqs = {
        "x": chatter_freq if bump > 0.3 else tooth,
        "y": chatter_freq if bump > 0.3 else 2.0 * tooth,
        "z": tooth,
    }
    out = {f"vibration_{axis}": max(VIBRATION_FLOOR, amps[axis]) for axis in "xyz"}
    out |= {f"vibration_{axis}_freq": freqs[axis] for axis in "xyz"}
    out["vibration_max_freq"] = freqs[max(amps, key=lambda axis: amps[axis])]
    return out


def compute_outputs(plc: SawPlc, noise: Sequence[float]) -> dict[str, float]:
    machine, piece, env = plc.machine, plc.piece, plc.env
    running = plc.band_speed > 0.5
    torque = plc.torque()
    if running:
        torque = max(0.0, torque + 0.8 * noise[0])
    feed_force = machine.feed_force_ratio * plc.force
    descent_torque = 0.0
    if plc.feed_speed > 0.0 or plc.head_speed != 0.0:
        descent_torque = machine.descent_idle_torque + feed_force / machine.rated_feed_force * 100.0
        descent_torque = max(0.0, descent_torque + 0.5 * noise[1])
    section = piece.section
    vice = plc.vice + (0.3 * noise[3] if plc.vice > 1.0 else 0.0)
    out = {
        "head_height": plc.head,
        "band_current": cm.motor_current(plc.polynomial, torque) if running else 0.0,
        "band_torque": torque,
        "descent_current": 0.8 + 0.06 * descent_torque if descent_torque > 0.0 else 0.0,
        "descent_torque": descent_torque,
        "band_power": cm.band_power_w(machine, torque, plc.band_speed) / 1000.0,
        "band_tension": plc.tension() + 0.3 * noise[2],
        "band_deviation": plc.deviation + 0.005 * noise[5],
        "vice_pressure": max(0.0, vice),
        "saw_state": float(plc.state),
        "alarm_status": float(plc.alarm_code),
        "alarm_info": float(plc.alarm_info()),
        "heartbeat": float(plc.heartbeat),
        "fault_reset": 0.0,  # the PLC clears the reset request once handled
        "ambient_temp": env.ambient,
        "descent_speed": plc.descent_sp,
        "humidity": env.humidity,
        "descent_speed_actual": plc.head_speed,
        "coolant_temp": env.coolant,
        "hydraulic_temp": env.hydraulic,
        "cutting_speed": plc.cutting_sp,
        "cutting_speed_actual": plc.band_speed,
        "material_type": float(piece.grade.code),
        "material_hardness": float(piece.grade.hardness_code),
        "cross_section": float(section.shape),
        "dimension_a": section.a,
        "dimension_b": section.b,
        "dimension_c": section.c,
        "dimension_d": section.d,
        "material_width": section.height,
        "band_id": float(plc.band_id),
        "band_type": float(BAND_TYPE_BIMETAL),
        "band_brand": float(BAND_BRAND),
        "band_material": float(BAND_MATERIAL_M42),
        "tooth_pitch": machine.tooth_pitch,
        "band_wear": min(plc.wear, 6.0) * 100.0,
        "cut_count": float(plc.cut_count % 0x10000),
        "machine_id": float(plc.machine_id),
        "energy_total": plc.energy_kwh,
        "run_hours": plc.run_hours,
        "band_area_cut": plc.area_cut_cm2,
    }
    out |= _vibration(plc, noise)
    return out
