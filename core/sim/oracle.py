"""The oracle: the band and descent speeds that minimise cost per cut (SIMULATOR.md, "The oracle").

cost per cut = machine rate x cut time + band price x band life the cut uses. The simulator
knows k_c, the chip window, the life law and the torque limit, so for a piece (grade, section,
band wear) it can integrate both terms over the depth of the cut for every band speed in the
allowed range and pick the cheapest: the ceiling an expert operator could reach. Per band speed
the best descent at each depth puts the chip at the top of the grade's window, or lower where
the torque limit binds (:func:`core.sim.cutting.oracle_descent`).

Inside the window band life does not depend on the chip, so time cost alone pushes the chip to
h_max; band speed trades time (~ 1/v_c) against band life (~ v_c^(1/n)), which gives the
interior optimum: at it the band cost is about n x the time cost.
"""

from __future__ import annotations

from dataclasses import dataclass

from core.sim import cutting as cm
from core.sim.materials import Grade, Section

# The reference system's speed limits for automatic control (issue #14): the oracle stays in
# the same box as ML so that it is a ceiling ML could reach.
CUTTING_RANGE = (40.0, 90.0)  # m/min
DESCENT_RANGE = (10.0, 60.0)  # mm/min
WINDOW_MARGIN = 0.99  # aim just under h_max: a band wearing during the cut feeds a little less


@dataclass(frozen=True, slots=True)
class Economics:
    """What machine time and bands cost (config ``cost``)."""

    machine_rate_per_hour: float = 60.0
    band_price: float = 80.0

    def cost(self, cut_s: float, band_life_used: float) -> float:
        """Cost of one cut of ``cut_s`` seconds using ``band_life_used`` (fraction) of a band."""
        return self.machine_rate_per_hour * cut_s / 3600.0 + self.band_price * band_life_used


@dataclass(frozen=True, slots=True)
class Plan:
    """The oracle's choice for a piece and what it predicts."""

    cutting_speed: float  # m/min
    cut_s: float  # predicted time in the material
    band_life_used: float  # predicted fraction of band life
    cost: float
    peak_torque: float = 0.0  # predicted band torque %, above machine.torque_limit: not feasible

    def feasible(self, machine: cm.Machine) -> bool:
        return self.peak_torque <= machine.torque_limit + 1e-6


def descent_for(
    grade: Grade, machine: cm.Machine, contact: float, cutting: float, wear: float,
    *, descent_range: tuple[float, float] = DESCENT_RANGE,
) -> float:
    """Best descent setpoint (mm/min) at ``cutting`` over ``contact`` (a little under h_max)."""
    raw = cm.oracle_descent(grade, machine, contact, cutting, wear, descent_range=(0.0, descent_range[1]))
    return min(max(raw * WINDOW_MARGIN, descent_range[0]), descent_range[1])


def predict(
    grade: Grade, section: Section, wear: float, cutting: float, economics: Economics,
    *, machine: cm.Machine | None = None, descent_range: tuple[float, float] = DESCENT_RANGE,
    step_mm: float = 1.0,
) -> Plan:
    """Integrate cut time and band wear over the depth at band speed ``cutting``."""
    machine = machine or cm.Machine()
    efficiency = cm.feed_efficiency(wear)
    seconds = used = peak = 0.0
    n = max(1, round(section.height / step_mm))
    dy = section.height / n
    for i in range(n):
        y = i * dy
        contact_ahead = section.max_chord(y, y + 5.0, step=max(dy / 2.0, 0.25))
        descent = descent_for(grade, machine, contact_ahead, cutting, wear, descent_range=descent_range)
        feed = descent * efficiency  # mm/min actually achieved
        h_z = cm.chip_thickness(feed, cutting, machine.tooth_pitch)
        seconds += dy / feed * 60.0
        area_cm2 = section.chord(y + dy / 2.0) * dy / 100.0
        used += area_cm2 * cm.wear_per_cm2(grade, cutting, h_z)
        # The descent floor may hold the chip above what the torque limit allows.
        peak = max(peak, cm.band_torque(machine, cm.cutting_force(grade, machine, contact_ahead, h_z, wear)))
    return Plan(cutting, seconds, used, economics.cost(seconds, used), peak)


def best_plan(
    grade: Grade, section: Section, wear: float, economics: Economics,
    *, machine: cm.Machine | None = None,
    cutting_range: tuple[float, float] = CUTTING_RANGE,
    descent_range: tuple[float, float] = DESCENT_RANGE,
    step: float = 1.0,
) -> Plan:
    """The band speed (grid of ``step`` m/min over ``cutting_range``) with the lowest cost per cut.

    Only speeds whose cut stays within the torque limit count; if none does (a section too wide
    for the descent floor), the one with the lowest peak torque.
    """
    low, high = cutting_range
    if not 0.0 < low <= high:
        raise ValueError(f"bad cutting speed range {cutting_range}")
    machine = machine or cm.Machine()
    plans = []
    speed = low
    while speed <= high + 1e-9:
        plans.append(predict(grade, section, wear, speed, economics, machine=machine, descent_range=descent_range,
                             step_mm=2.0))
        speed += step
    feasible = [p for p in plans if p.feasible(machine)]
    best = min(feasible, key=lambda p: p.cost) if feasible else min(plans, key=lambda p: p.peak_torque)
    # Refine the winner with the fine depth step the simulator will actually cut.
    return predict(grade, section, wear, best.cutting_speed, economics, machine=machine,
                   descent_range=descent_range)
