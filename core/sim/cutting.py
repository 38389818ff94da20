"""Cutting mechanics (SIMULATOR.md): chip thickness, Kienzle force, band torque, band life.

Pure functions of the machine constants, the grade and the contact length, shared by the
physics step and the oracle (:mod:`core.sim.oracle`) so both use exactly the same model.
The band-life law and its constants are documented in :mod:`core.sim.physics`.
"""

from __future__ import annotations

import math
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
    descent_max: float = 60.0  # mm/min, the setpoint range of the register map
    descent_min: float = 1.0
    breakage_ratio: float = 1.1  # h_z / h_max above which teeth start to break
    breakage_rate: float = 0.5  # hazard per s per (ratio - breakage_ratio)^2, new band
    breakage_wear_gain: float = 3.0  # a worn band breaks teeth (1 + gain * wear) times sooner
    breakage_wear: float = 0.05  # band life a tooth breakage costs

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


def torque_chip(grade: Grade, machine: Machine, contact: float, wear: float, torque_pct: float) -> float:
    """The chip thickness h_z (mm) at which band torque reaches ``torque_pct`` over ``contact``."""
    if contact <= 0.0:
        return math.inf
    allowed_force = max(torque_pct - machine.idle_torque, 0.0) / 100.0 * machine.rated_force
    teeth = contact / machine.tooth_pitch
    per_tooth = allowed_force / (teeth * grade.k_c * machine.kerf * wear_factor(wear))
    return float(per_tooth ** (1.0 / (1.0 - grade.m_c)))


def oracle_descent(
    grade: Grade, machine: Machine, contact: float, cutting: float, wear: float,
    *, descent_range: tuple[float, float] | None = None,
) -> float:
    """The best descent setpoint (mm/min) at band speed ``cutting`` over contact length ``contact``.

    Inside the window band life does not depend on h_z and cut time falls with it, so the best
    chip is the top of the grade's window, unless that exceeds the torque limit, in which case
    it is the h_z where the torque reaches the limit. The setpoint allows for a worn band's
    feed loss; it is kept within ``descent_range`` (default: the machine's setpoint range).
    """
    low, high = descent_range or (machine.descent_min, machine.descent_max)
    if cutting <= 0.0:
        return low
    h_best = min(grade.h_max, torque_chip(grade, machine, contact, wear, machine.torque_limit))
    descent = h_best * 1000.0 * cutting / machine.tooth_pitch / feed_efficiency(wear)
    return min(max(descent, low), high)


# --- band life (Taylor) ----------------------------------------------------------------------

V_REF = 60.0  # m/min, the band speed at which Grade.life_c is stated
RUBBING_EXPONENT = 2.0  # life factor (h_z / h_min)^2 below the window
OVERLOAD_DECAY = 4.0  # life factor exp(-4 (h_z / h_max - 1)) above the window
FEED_LOSS = 0.25  # a worn band feeds (1 - 0.25 * wear^2) of the set descent speed


def chip_life_factor(grade: Grade, h_z: float) -> float:
    """g(h_z): 1 inside the window, falling steeply below (rubbing) and above (chipped teeth)."""
    if h_z <= 0.0:
        return 1.0
    if h_z < grade.h_min:
        return (h_z / grade.h_min) ** RUBBING_EXPONENT
    if h_z > grade.h_max:
        return math.exp(-OVERLOAD_DECAY * (h_z / grade.h_max - 1.0))
    return 1.0


def band_life_cm2(grade: Grade, cutting: float, h_z: float) -> float:
    """Taylor: A_life = C * (V_REF / v_c)^(1/n) * g(h_z), cut area (cm^2) a new band lasts."""
    speed = max(cutting, 1.0)
    return grade.life_c * (V_REF / speed) ** (1.0 / grade.taylor_n) * chip_life_factor(grade, h_z)


def wear_per_cm2(grade: Grade, cutting: float, h_z: float) -> float:
    """Fraction of the band's life one cm^2 of cut uses at these conditions."""
    return 1.0 / band_life_cm2(grade, cutting, h_z)


def feed_efficiency(wear_fraction: float) -> float:
    """Actual / set descent speed: dull teeth do not bite, the head lags its setpoint."""
    w = min(max(wear_fraction, 0.0), 1.5)
    return max(0.5, 1.0 - FEED_LOSS * w * w)


def breakage_hazard(grade: Grade, machine: Machine, h_z: float, wear: float) -> float:
    """Tooth-breakage rate (1/s) at chip h_z: zero up to breakage_ratio * h_max, then quadratic."""
    excess = h_z / grade.h_max - machine.breakage_ratio
    if excess <= 0.0:
        return 0.0
    return machine.breakage_rate * excess**2 * (1.0 + machine.breakage_wear_gain * max(wear, 0.0))
