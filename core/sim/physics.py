"""The simulated saw PLC: state machine and physics, stepped in simulated time.

No wall clock and one seeded ``random.Random``: the same seed and the same sequence of
``step`` calls give the same values. ``step(dt)`` splits dt into substeps of at most
1/physics_hz, so the trainer can run hours of cutting in-process without a server.

Alarm codes (register alarm_status) and bits (alarm_info) are in :class:`AlarmCode` and
:class:`AlarmBit`. The heartbeat watchdog (code 3) arms once the heartbeat register has been
seen changing and trips when it stays unchanged for ``heartbeat_timeout_s`` while cutting;
a fault reset disarms it until it changes again.

Speed is not free (SIMULATOR.md, "Band life"). The band wears by a Taylor-type tool-life law,
in :mod:`core.sim.cutting`::

    A_life(v_c, h_z) = C * (V_REF / v_c)^(1/n) * g(h_z)          cut area in cm^2 per band
    g(h_z) = (h_z / h_min)^2            below the grade's window (rubbing)
           = 1                          inside [h_min, h_max]
           = exp(-4 * (h_z / h_max - 1)) above it (chipped, overloaded teeth)
    wear += (cut area of the step) / A_life(v_c, h_z)             (fraction of band life)

with V_REF = 60 m/min and per grade (:data:`core.sim.materials.GRADES`) C from 1,200 cm^2
(Hardox 400) over 6,000 (42CrMo4) and 9,500 (C45) to 60,000 cm^2 (EN AW-6082), and n = 0.25
(stainless, tool steel, wear plate), 0.27-0.32 (steels), 0.40 (aluminium, brass). So a band
at 90 m/min on C45 lasts (60/90)^(1/0.3) = 0.26 of its life at 60 m/min.

A worn band (wear w, 0 new, 1 end of life) costs three ways: cutting force x (1 + w/2 + w^3/2)
(Kienzle, :func:`~core.sim.cutting.wear_factor`); the head feeds only (1 - 0.25 w^2) of the set
descent speed (dull teeth do not bite; :func:`~core.sim.cutting.feed_efficiency`), so it cuts
slower; and the band deviates (1 + 2 w) times as fast. Teeth break (alarm code 2, +5 % wear)
at a rate of 0.5 * (h_z / h_max - 1.1)^2 * (1 + 3 w) per second once the chip is more than
10 % above the window. Sustained torque above 120 % for 2 s trips (code 1).

The oracle (:mod:`core.sim.oracle`) uses the same functions to find the band and descent
speeds that minimise cost per cut = machine rate x cut time + band price x band life used.
"""

from __future__ import annotations

import math
import random
from enum import IntEnum, IntFlag

from core.sim import cutting as cm
from core.sim.environment import Environment
from core.sim.materials import LIVE_STOCK, MaterialFeed, Stock
from core.sim.outputs import compute_outputs
from core.snapshot import SawState

RAPID = 300.0  # mm/min, hydraulic head approach and return
CLEARANCE = 30.0  # mm the head parks above the material
APPROACH_GAP = 2.0  # mm above the material where the feed takes over
VICE_CLOSED = 60.0  # bar
BAND_TENSION = 120.0  # bar on the gauge at nominal tension
FEED_RAMP = 15.0  # mm/min per s, descent drive acceleration
BAND_RAMP = 25.0  # m/min per s, band drive acceleration
BAND_BRAKE = 60.0  # m/min per s


class AlarmCode(IntEnum):
    NONE = 0
    TORQUE_OVERLOAD = 1  # band torque above overload_torque for overload_time
    TOOTH_BREAKAGE = 2  # chip far above the grade's window broke teeth
    HEARTBEAT_LOST = 3  # HMI heartbeat unchanged too long while cutting: feed stopped


class AlarmBit(IntFlag):
    TORQUE_HIGH = 1  # torque above the overload level now
    TOOTH_BREAKAGE = 2
    HEARTBEAT_LOST = 4
    DEVIATION_HIGH = 8  # |band deviation| above 0.5 mm
    CHATTER = 16  # band speed inside the grade's chatter band while cutting
    BAND_WORN = 32  # band wear above 90 %
    CHIP_TOO_THICK = 64  # h_z above the grade's window


WRITABLE = ("descent_speed", "cutting_speed", "heartbeat", "fault_reset")


def _approach(value: float, target: float, rate: float, dt: float) -> float:
    step = rate * dt
    return target if abs(target - value) <= step else value + math.copysign(step, target - value)


class SawPlc:
    """Band saw and its PLC. Values in engineering units by register name."""

    def __init__(
        self,
        *,
        seed: int = 1,
        physics_hz: float = 20.0,
        current_polynomial: tuple[float, float, float] = (0.015, -0.278, 15.656),
        machine: cm.Machine | None = None,
        machine_id: int = 1,
        stock: tuple[Stock, ...] = LIVE_STOCK,
        heartbeat_timeout_s: float = 5.0,
    ) -> None:
        if physics_hz < 20.0:
            raise ValueError(f"physics_hz must be at least 20, got {physics_hz}")
        self.rng = random.Random(seed)
        self.max_dt = 1.0 / physics_hz
        self.polynomial = current_polynomial
        self.machine = machine or cm.Machine()
        self.machine_id = machine_id
        self.heartbeat_timeout_s = heartbeat_timeout_s
        self.feed = MaterialFeed(self.rng, stock)
        self.env = Environment(self.rng)
        self.auto = True  # run cut after cut unattended
        self.operator_cutting, self.operator_descent = 70.0, 30.0
        self.operator_each_piece = False  # True: the operator reloads his speeds at every piece

        self.time = 0.0
        self.state = SawState.IDLE
        self._state_time = 0.0
        self.piece = self.feed.next_piece()
        self.head = self.piece.section.height + CLEARANCE
        self.head_speed = 0.0  # mm/min, positive down
        self.descent_sp, self.cutting_sp = self.operator_descent, self.operator_cutting
        self.feed_speed = 0.0  # descent drive, mm/min
        self.band_speed = 0.0  # m/min
        self.vice = 0.0
        self.contact = 0.0
        self.force = 0.0
        self.h_z = 0.0
        self.wear = 0.0  # fraction of band life used
        self.band_id = 4711
        self.area_cut_cm2 = 0.0
        self.energy_kwh = 0.0
        self.run_hours = 0.0
        self.cut_count = 0
        self.deviation = 0.0
        self._dev_dir = 1.0
        self.alarm_code = AlarmCode.NONE
        self._latched = AlarmBit(0)
        self._overload_time = 0.0
        self.heartbeat = 0
        self._hb_armed = False
        self._hb_age = 0.0
        self._noise = [0.0] * 6
        self._cache: dict[str, float] | None = None

    # --- inputs -----------------------------------------------------------------------

    def set_operator_speeds(self, cutting_speed: float, descent_speed: float, *, each_piece: bool = False) -> None:
        """The simulated operator sets these speeds now (and again at every piece if each_piece)."""
        self.operator_cutting, self.operator_descent = cutting_speed, descent_speed
        self.operator_each_piece = each_piece
        self.set_value("cutting_speed", cutting_speed)
        self.set_value("descent_speed", descent_speed)

    def set_value(self, name: str, value: float) -> None:
        """Write a writable register as a client would (engineering units, clamped)."""
        if name == "descent_speed":
            self.descent_sp = min(max(value, self.machine.descent_min), self.machine.descent_max)
        elif name == "cutting_speed":
            self.cutting_sp = min(max(value, 20.0), 120.0)
        elif name == "heartbeat":
            new = int(value) & 0xFFFF
            if new != self.heartbeat:
                self._hb_armed, self._hb_age = True, 0.0
            self.heartbeat = new
        elif name == "fault_reset":
            if int(value) == 1:
                self.reset()
        else:
            raise KeyError(f"{name!r} is not writable; writable: {', '.join(WRITABLE)}")
        self._cache = None

    def reset(self) -> None:
        """Fault reset: error -> idle, latched alarms cleared, heartbeat watchdog disarmed."""
        self.alarm_code = AlarmCode.NONE
        self._latched = AlarmBit(0)
        self._overload_time = 0.0
        self._hb_armed = False
        if self.state is SawState.ERROR:
            self._enter(SawState.IDLE)

    # --- stepping -----------------------------------------------------------------------

    def step(self, dt: float) -> None:
        """Advance simulated time by dt seconds (in substeps of at most 1/physics_hz)."""
        if dt <= 0.0:
            return
        n = max(1, math.ceil(dt / self.max_dt - 1e-9))
        sub = dt / n
        for _ in range(n):
            self._substep(sub)
        self._cache = None

    def run(self, seconds: float) -> None:
        self.step(seconds)

    def _enter(self, state: SawState) -> None:
        self.state, self._state_time = state, 0.0

    def _substep(self, dt: float) -> None:
        self.time += dt
        self._state_time += dt
        self._hb_age += dt
        section = self.piece.section
        home = section.height + CLEARANCE
        state = self.state
        band_target = 0.0
        self.head_speed = 0.0
        if state is SawState.IDLE:
            self._move_head(home, dt)
            self.vice = _approach(self.vice, 0.0, 40.0, dt)
            if self.wear >= 1.0:  # the operator fits a new band
                self.band_id, self.wear, self.area_cut_cm2 = self.band_id + 1, 0.0, 0.0
            if self.auto and self._state_time >= 1.5 and self.head == home:
                if self.operator_each_piece:
                    self.descent_sp, self.cutting_sp = self.operator_descent, self.operator_cutting
                self._enter(SawState.PREPARING)
        elif state is SawState.PREPARING:
            band_target = self.cutting_sp
            self._move_head(section.height + APPROACH_GAP, dt)
            self.vice = _approach(self.vice, VICE_CLOSED, 30.0, dt)
            if self.vice >= VICE_CLOSED and self.head == section.height + APPROACH_GAP:
                self._enter(SawState.READY)
        elif state is SawState.READY:
            band_target = self.cutting_sp
            if self._state_time >= 1.0 and abs(self.band_speed - self.cutting_sp) < 0.5:
                self._start_cut()
        elif state is SawState.CUTTING:
            band_target = self.cutting_sp
            feed_target = self.descent_sp * cm.feed_efficiency(self.wear)
            self.feed_speed = _approach(self.feed_speed, feed_target, FEED_RAMP, dt)
        elif state is SawState.COMPLETED:
            self._move_head(home, dt)
            self.vice = _approach(self.vice, 0.0, 40.0, dt)
            if self._state_time >= 2.0 and self.head == home:
                self.piece = self.feed.next_piece()
                self._enter(SawState.IDLE)
        if state is not SawState.CUTTING:
            self.feed_speed = 0.0
        rate = BAND_RAMP if band_target > 0.0 else BAND_BRAKE
        self.band_speed = _approach(self.band_speed, band_target, rate, dt)
        self._cut(dt)
        self._counters(dt)
        self.env.step(dt, self.power_w(), self.state is not SawState.IDLE)
        self._noise = [self.rng.gauss(0.0, 1.0) for _ in range(6)]

    def _move_head(self, target: float, dt: float) -> None:
        before = self.head
        self.head = _approach(self.head, target, RAPID / 60.0, dt)
        self.head_speed = (before - self.head) / dt * 60.0

    def _start_cut(self) -> None:
        self._enter(SawState.CUTTING)
        self.deviation = self.rng.gauss(0.0, 0.02)
        self._dev_dir = self.rng.choice((-1.0, 1.0))
        self._overload_time = 0.0

    def _cut(self, dt: float) -> None:
        """Head feed, contact, force, wear, deviation and the trips while cutting."""
        machine, grade, section = self.machine, self.piece.grade, self.piece.section
        if self.state is not SawState.CUTTING:
            self.contact = self.force = self.h_z = 0.0
            self.deviation *= math.exp(-dt / 2.0)
            return
        advance = self.feed_speed / 60.0 * dt
        self.head = max(0.0, self.head - advance)
        self.head_speed = self.feed_speed
        depth = section.height - self.head
        self.contact = section.chord(depth)
        self.h_z = cm.chip_thickness(self.feed_speed, self.band_speed, machine.tooth_pitch)
        self.force = cm.cutting_force(grade, machine, self.contact, self.h_z, self.wear)
        if self.contact > 0.0 and self.h_z > 0.0:
            area_cm2 = self.contact * advance / 100.0
            self.wear += area_cm2 * cm.wear_per_cm2(grade, self.band_speed, self.h_z)
            self.area_cut_cm2 += area_cm2
        self._deviate(dt)
        self._trips(dt)
        if self.state is SawState.CUTTING and self.head <= 0.0:
            self.cut_count += 1
            self._enter(SawState.COMPLETED)

    def _deviate(self, dt: float) -> None:
        grade = self.piece.grade
        excess = max(0.0, self.h_z / grade.h_max - 1.0)
        tension = self.tension() / BAND_TENSION
        drift = 0.0006 * self.force / 100.0 / tension * (1.0 + 2.0 * self.wear) * (1.0 + 4.0 * excess)
        self.deviation += (self._dev_dir * drift - 0.01 * self.deviation) * dt
        self.deviation += 0.01 * math.sqrt(dt) * self.rng.gauss(0.0, 1.0)

    def _trips(self, dt: float) -> None:
        machine, grade = self.machine, self.piece.grade
        torque = cm.band_torque(machine, self.force)
        self._overload_time = self._overload_time + dt if torque > machine.overload_torque else 0.0
        hazard = cm.breakage_hazard(grade, machine, self.h_z, self.wear) if self.contact > 0.0 else 0.0
        if self._overload_time >= machine.overload_time:
            self._trip(AlarmCode.TORQUE_OVERLOAD, AlarmBit.TORQUE_HIGH)
        elif hazard > 0.0 and self.rng.random() < hazard * dt:
            self.wear += machine.breakage_wear
            self._trip(AlarmCode.TOOTH_BREAKAGE, AlarmBit.TOOTH_BREAKAGE)
        elif self._hb_armed and self._hb_age > self.heartbeat_timeout_s:
            self._trip(AlarmCode.HEARTBEAT_LOST, AlarmBit.HEARTBEAT_LOST)

    def _trip(self, code: AlarmCode, bit: AlarmBit) -> None:
        self.alarm_code = code
        self._latched |= bit
        self.feed_speed = 0.0
        self._enter(SawState.ERROR)

    def _counters(self, dt: float) -> None:
        power = self.power_w()
        self.energy_kwh += power / 1000.0 * dt / 3600.0
        if self.band_speed > 1.0:
            self.run_hours += dt / 3600.0

    # --- outputs ------------------------------------------------------------------------

    def torque(self) -> float:
        if self.band_speed <= 0.5:
            return 0.0
        return cm.band_torque(self.machine, self.force)

    def power_w(self) -> float:
        return cm.band_power_w(self.machine, self.torque(), self.band_speed)

    def tension(self) -> float:
        return BAND_TENSION * (1.0 - 0.04 * min(self.wear, 1.0)) - 0.002 * self.force

    def oracle_descent_speed(self, descent_range: tuple[float, float] | None = None) -> float:
        """Descent speed (mm/min) an expert would set now at the present band speed.

        Contact length is the largest chord over the next 5 mm of the cut (the whole section
        when not cutting); band speed is the actual one while it runs, else the setpoint.
        :mod:`core.sim.oracle` also chooses the band speed that minimises cost per cut.
        """
        contact = self.lookahead_contact()
        speed = self.band_speed if self.band_speed > 1.0 else self.cutting_sp
        return cm.oracle_descent(self.piece.grade, self.machine, contact, speed, self.wear, descent_range=descent_range)

    def lookahead_contact(self, ahead_mm: float = 5.0) -> float:
        """Largest chord over the next ``ahead_mm`` of the cut (the whole section if not cutting)."""
        section = self.piece.section
        if self.state is SawState.CUTTING:
            depth = section.height - self.head
            return section.max_chord(depth, depth + ahead_mm)
        return section.max_chord()

    def alarm_info(self) -> AlarmBit:
        bits = self._latched
        grade = self.piece.grade
        cutting = self.state is SawState.CUTTING
        if self.torque() > self.machine.overload_torque:
            bits |= AlarmBit.TORQUE_HIGH
        if abs(self.deviation) > 0.5:
            bits |= AlarmBit.DEVIATION_HIGH
        if cutting and grade.chatter_low <= self.band_speed <= grade.chatter_high:
            bits |= AlarmBit.CHATTER
        if self.wear > 0.9:
            bits |= AlarmBit.BAND_WORN
        if cutting and self.h_z > grade.h_max:
            bits |= AlarmBit.CHIP_TOO_THICK
        return bits

    def value(self, name: str) -> float:
        """Engineering value of register ``name`` now."""
        return self._outputs()[name]

    def values(self) -> dict[str, float]:
        """Every register's engineering value now (a copy)."""
        return dict(self._outputs())

    def _outputs(self) -> dict[str, float]:
        if self._cache is None:
            self._cache = compute_outputs(self, self._noise)
        return self._cache
