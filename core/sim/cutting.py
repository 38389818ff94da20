"""Cutting mechanics (SIMULATOR.md): chip thickness, Kienzle force, band torque, the oracle.

Pure functions of the machine constants, the grade and the contact length, shared by the
physics step and the oracle so both use exactly the same model.
"""

from __future__ import annotations

from dataclasses import dataclass

from core.sim.materials import Grade


@dataclass(frozen=True, slots=True)
class Machine:
    """Constants of the simulated saw and its fitted band."""

    tooth_pitch: float = 6.0  # mm, mean of a variable-pitch band
    kerf: float = 1.3  # mm
    rated_force: float = 700.0  # N of cutting force at 100 % band torque (P_rated*60/v_rated)
    rated_speed: float = 90.0  # m/min, band speed at rated power
    idle_torque: float = 10.0  # % band torque when running without load
    torque_limit: float = 100.0  # % the oracle respects
    overload_torque: float = 120.0  # % that trips the saw when sustained
    overload_time: float = 2.0  # s
    feed_force_ratio: float = 0.4  # feed force / cutting force
    rated_feed_force: float = 600.0  # N at 100 % descent torque
    descent_idle_torque: float = 5.0  # %
    band_life_cm2: float = 20_000.0  # cut area that uses up a new band on a grade of 200 HB
    descent_max: float = 60.0  # mm/min, the setpoint range of the register map
    descent_min: float = 1.0
    breakage_ratio: float = 1.3  # h_z / h_max above which teeth start to break
    breakage_rate: float = 0.5  # hazard per s per (ratio - breakage_ratio)^2

    @property
    def rated_power_w(self) -> float:
        return self.rated_force * self.rated_speed / 60.0


def chip_thickness(descent: float, cutting: float, pitch: float) -> float:
    """Feed per tooth h_z (mm) for descent mm/min and band speed m/min."""
    if cutting <= 0.0:
        return 0.0
    return max(descent, 0.0) * pitch / (1000.0 * cutting)


def wear_factor(wear_fraction: float) -> float:
    """Force multiplier of a worn band: 1.0 new, 2.0 at end of life."""
    w = min(max(wear_fraction, 0.0), 1.5)
    return 1.0 + 0.5 * w + 0.5 * w**3


def cutting_force(grade: Grade, machine: Machine, contact: float, h_z: float, wear: float) -> float:
    """Kienzle: F_c = n * k_c * w * h_z^(1 - m_c) * wear_factor, with n = b / p engaged teeth."""
    if contact <= 0.0 or h_z <= 0.0:
        return 0.0
    teeth = contact / machine.tooth_pitch
    per_tooth = grade.k_c * machine.kerf * h_z ** (1.0 - grade.m_c)
    return teeth * per_tooth * wear_factor(wear)


def band_torque(machine: Machine, force: float) -> float:
    """Band torque % of rated: the cutting share (P/P_rated * v_rated/v_c) plus the idle share."""
    return machine.idle_torque + force / machine.rated_force * 100.0


def band_power_w(machine: Machine, torque_pct: float, cutting: float) -> float:
    return torque_pct / 100.0 * machine.rated_power_w * cutting / machine.rated_speed


def motor_current(polynomial: tuple[float, float, float], torque_pct: float) -> float:
    """Current (A) from torque % through a2*x^2 + a1*x + a0; never negative."""
    a2, a1, a0 = polynomial
    return max(0.0, a2 * torque_pct**2 + a1 * torque_pct + a0)


def oracle_descent(grade: Grade, machine: Machine, contact: float, cutting: float, wear: float) -> float:
    """The best descent (mm/min) at band speed ``cutting`` over contact length ``contact``.

    It puts h_z at the top of the grade's window unless that exceeds the torque limit, in
    which case it is the h_z where the torque reaches the limit; within the setpoint range.
    """
    if cutting <= 0.0:
        return machine.descent_min
    h_best = grade.h_max
    if contact > 0.0:
        allowed_force = (machine.torque_limit - machine.idle_torque) / 100.0 * machine.rated_force
        teeth = contact / machine.tooth_pitch
        per_tooth = allowed_force / (teeth * grade.k_c * machine.kerf * wear_factor(wear))
        h_torque = per_tooth ** (1.0 / (1.0 - grade.m_c))
        h_best = min(h_best, h_torque)
    descent = h_best * 1000.0 * cutting / machine.tooth_pitch
    return min(max(descent, machine.descent_min), machine.descent_max)
