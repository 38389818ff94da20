"""The safety envelope: the one gate between every controller and the Writer.

A controller never calls the Writer itself; it asks :meth:`SafetyEnvelope.write`, which
checks, in this order, that the data the decision was made on is fresh, that the value is a
number, that the register's write rate is respected, and then clamps the value into the
limits (register map min/max intersected with the control config) and into the largest step
the register allows since its last write. Only then does the Writer see it.

Time is the caller's monotonic clock (``now``), so tests can run years of decisions in
milliseconds.
"""

from __future__ import annotations

import math
from collections.abc import Awaitable, Callable
from dataclasses import dataclass
from enum import StrEnum
from typing import Protocol

from core.config import ControlSettings
from core.control.load_watch import plc_trip
from core.modbus.envelope import Limits, StepWindow, limits_for
from core.registers import DataType, RegisterMap
from core.snapshot import Quality, Snapshot
from core.values import WriteResult

# The reference system's speed limits (issue #14): the defaults of control.<name>_min/_max, which
# bind ML whether set or not; people's writes are bound only by the map and what the config sets.
ML_DEFAULT_LIMITS: dict[str, tuple[float, float]] = {"cutting_speed": (40.0, 90.0), "descent_speed": (10.0, 60.0)}

# A step limit is granted for at most this much elapsed time: after a long pause a
# register still moves no more than one second's worth of step per write.
STEP_WINDOW_CAP_S = 1.0


Precheck = Callable[[], str]  # "" to go ahead, else why the write must not happen
# Given the register's value the Writer read from the PLC under its lock, right before the write:
# "" to go ahead, else why the write must not happen (a person changed it at the panel).
LiveCheck = Callable[[float], str]


class WriteFn(Protocol):
    """The Writer's entry point (core/modbus/writer.py); ``precheck`` and ``live_check`` run under its lock."""

    def __call__(
        self, name: str, value: float, *, user: str, reason: str, precheck: Precheck | None = None,
        live_check: LiveCheck | None = None,
    ) -> Awaitable[WriteResult]: ...


class Fault(StrEnum):
    """Why control must go back to the operator."""

    STALE_DATA = "stale_data"
    COMMS = "comms"
    MODEL = "model"
    TRIP = "plc_trip"  # the PLC stopped the cut (overload, breakage, error state)
    CEILING = "load_ceiling"  # the load stayed above the absolute ceiling
    CONFIG = "config"  # the configured limits leave ML no allowed speed
    STORAGE = "storage"  # the operator's speeds cannot be recorded in ml.db (ML must not hold them then)
    # The read-back after ML's write showed neither ML's value nor the one read before it: a person
    # set the speed at the panel around the write (one set just before it may have been overwritten).
    PERSON = "person_during_write"


@dataclass(frozen=True, slots=True)
class Verdict:
    """What the envelope lets through for one requested write."""

    name: str
    requested: float
    allowed: bool
    value: float | None = None  # what may be written; None when refused
    clamped: bool = False
    reason: str = ""
    fault: Fault | None = None  # set when the refusal means control must stop
    retry: bool = False  # refused for now only (write rate, value not read yet): ask again later


@dataclass(frozen=True, slots=True)
class EnvelopeOutcome:
    verdict: Verdict
    result: WriteResult | None = None  # None when the envelope refused before the Writer
    stopped: str = ""  # the caller's precheck refused the write under the Writer's lock (why)

    @property
    def ok(self) -> bool:
        return self.result is not None and self.result.ok

    @property
    def fault(self) -> Fault | None:
        if self.verdict.fault is not None:
            return self.verdict.fault
        if self.stopped:
            return None  # the controller's own re-check said no: nothing was sent
        if self.result is not None and not self.result.ok:
            return Fault.COMMS
        return None


@dataclass(slots=True)
class _LastWrite:
    value: float
    at: float


class SafetyEnvelope:
    """Limits, step per second, write rate and freshness for controller writes."""

    def __init__(
        self,
        register_map: RegisterMap,
        control: ControlSettings,
        *,
        read_rate_hz: float,
        write_rate_hz: float,
        clock: Callable[[], float] | None = None,
    ) -> None:
        # The caller's monotonic clock, read when the Writer has answered: the Writer counts a
        # change in its one-second window from when the write was done, so the envelope must not
        # count it from the (earlier) decision time, or it would see allowance the Writer has not.
        self._clock = clock
        self._map = register_map
        self.max_age_s = control.stale_after_periods / read_rate_hz
        self.min_interval_s = 1.0 / write_rate_hz
        # People's limits: the same the Writer enforces (map min/max tightened by what the control
        # section sets). A restore of the operator's speeds keeps to these, never to ML's.
        self._people: dict[str, Limits] = {reg.name: limits_for(reg, control) for reg in register_map.writable()}
        self._limits: dict[str, Limits] = dict(self._people)  # ML's: tightened by the reference defaults
        for name in ML_DEFAULT_LIMITS:
            limits = self._limits.get(name)
            if limits is None:
                continue
            # control.<name>_min/_max (default: the reference limits) bind ML whether set or not.
            low, high = control.ml_limit(f"{name}_min"), control.ml_limit(f"{name}_max")
            if low is not None:
                limits = Limits(max(limits.low, low), limits.high, limits.max_step_per_s)
            if high is not None:
                limits = Limits(limits.low, min(limits.high, high), limits.max_step_per_s)
            self._limits[name] = limits
        # A conflict in the limits disables ML (the controller faults with this text when ML is
        # chosen); it never stops acquisition. `bandsaw config check` reports the same.
        self.conflict = "; ".join(limit_conflicts(register_map, control))
        self._last: dict[str, _LastWrite] = {}  # the last value the PLC accepted
        self._attempt_at: dict[str, float] = {}  # the last attempt, accepted or not (write rate)
        # The Writer's sliding one-second step allowance, kept the same way here: a step the
        # time since the last write would allow may still exceed what the window has left,
        # and the Writer refusing it would end ML (a write failure).
        self._windows: dict[str, StepWindow] = {
            name: StepWindow(limits.max_step_per_s) for name, limits in self._limits.items()
            if limits.max_step_per_s is not None
        }
        self._reference: dict[str, float] = {}  # the step reference of the last admitted value

    def limits(self, name: str) -> Limits:
        """ML's limits of ``name``."""
        return self._limits[name]

    def people_limits(self, name: str) -> Limits:
        """People's limits of ``name`` (the register map tightened by what the config sets)."""
        return self._people[name]

    def is_fresh(self, snapshot: Snapshot | None, now: float) -> bool:
        """Fresh: read completely enough to act on, and at most ``max_age_s`` old, counted from when
        its read began (a read that took longer than ``max_age_s`` is stale when it arrives)."""
        return (
            snapshot is not None
            and snapshot.quality is not Quality.COMM_ERROR
            and snapshot.monotonic <= now
            and now - snapshot.read_started <= self.max_age_s
        )

    def admit(
        self, name: str, requested: float, snapshot: Snapshot | None, now: float, *, people: bool = False
    ) -> Verdict:
        """Decide what of ``requested`` may be written now; pure apart from reading history.

        ``people``: the write puts back a person's value (a restore) and keeps to people's limits;
        otherwise it is ML's and keeps to ML's. Either way the value written lies within those
        limits and within the step from the live value. ML never moves a speed that is outside
        its limits (a person's choice): it holds it, writing nothing, until the speed is inside
        again; so no ML write ever lies outside ML's limits (stepping toward the range from
        outside, the Writer would write a value beyond them). A restore whose live value is
        outside people's limits by more than a step is refused. While the PLC reports a trip,
        no write raises a speed.
        """
        table = self._people if people else self._limits
        limits = table.get(name)
        if limits is None:
            return Verdict(name, requested, False, reason=f"{name} is not a writable register")
        if not self.is_fresh(snapshot, now):
            return Verdict(name, requested, False, reason="data is stale", fault=Fault.STALE_DATA)
        assert snapshot is not None
        if not math.isfinite(requested):
            return Verdict(name, requested, False, reason=f"{requested!r} is not a number", fault=Fault.MODEL)
        if limits.low > limits.high:
            return Verdict(name, requested, False, reason=self.conflict or f"no allowed range for {name}")
        last = self._last.get(name)
        attempted = self._attempt_at.get(name)
        if attempted is not None and now - attempted < self.min_interval_s:
            return Verdict(name, requested, False, reason="write rate limit", retry=True)
        value = min(max(requested, limits.low), limits.high)
        reason = "clamped to limits" if value != requested else ""
        reference, window = self._step_reference(name, snapshot, now, last)
        if limits.max_step_per_s is not None:
            if reference is None:
                return Verdict(name, requested, False, reason=f"current {name} unknown", retry=True)
            max_step = limits.max_step_per_s * window
            budget = self._windows.get(name)
            if budget is not None:
                max_step = min(max_step, budget.remaining(now))
            if not people and not limits.low <= reference <= limits.high:
                # A person's speed outside ML's limits: ML holds it (writes nothing), never pushes
                # it into its range; it acts again once the speed is inside.
                return Verdict(name, requested, False, reason=(
                    f"{name} {reference:g} is outside ML's limits {limits.low:g}..{limits.high:g}: ML holds it"))
            self._reference[name] = reference
            stepped = min(max(value, reference - max_step), reference + max_step)
            register = self._map.by_name.get(name)
            integral = register is not None and register.type is not DataType.FLOAT32 and register.scale > 0
            step_of_register = register.scale if integral and register is not None else 0.0
            if value != reference and abs(stepped - reference) < step_of_register - 1e-9:
                # What the allowance has left is less than one step of the register: the Writer's
                # rounding toward the present value would write the value it holds (moving nothing).
                stepped = reference
            if stepped == reference and value != reference:
                # The last second's allowance is used up: a write now would move nothing (and
                # the Writer would refuse it). Ask again on a later decision.
                return Verdict(name, requested, False, reason=f"step allowance of {name} used up", retry=True)
            if not limits.low <= stepped <= limits.high:
                # The live value is outside the limits and one step does not reach them.
                whose = "people's" if people else "ML's"
                return Verdict(name, requested, False, reason=(
                    f"{name} {reference:g} is outside {whose} limits {limits.low:g}..{limits.high:g} "
                    f"and one step ({max_step:g}) does not reach them"))
            if stepped != value:
                value, reason = stepped, "step limited"
        trip = plc_trip(snapshot) if snapshot.quality is not Quality.COMM_ERROR else ""
        if trip and reference is not None and value > reference:
            return Verdict(name, requested, False, reason=f"{trip}: no speed is raised while the PLC is tripped")
        return Verdict(name, requested, True, value=value, clamped=value != requested, reason=reason)

    def _step_reference(
        self, name: str, snapshot: Snapshot, now: float, last: _LastWrite | None
    ) -> tuple[float | None, float]:
        # Our own recent accepted write is the truth until a read begun after it shows the
        # PLC's value (which may be a person's change since: then that is the reference).
        current = snapshot.value(name)
        read_after = last is not None and snapshot.monotonic - snapshot.read_s > last.at
        if last is not None and now - last.at < STEP_WINDOW_CAP_S:
            if read_after and current is not None and math.isfinite(current):
                return current, max(0.0, now - last.at)
            return last.value, max(0.0, now - last.at)
        if current is None or not math.isfinite(current):
            return (last.value if last is not None else None), self.min_interval_s
        if last is None:
            # Nothing known about the last change: grant one write period's worth.
            return current, self.min_interval_s
        return current, STEP_WINDOW_CAP_S

    def record(self, name: str, value: float, now: float) -> None:
        """The PLC accepted ``value`` for ``name`` at ``now``."""
        self._last[name] = _LastWrite(value, now)
        self._attempt_at[name] = now

    async def write(
        self,
        writer: WriteFn,
        name: str,
        requested: float,
        *,
        snapshot: Snapshot | None,
        now: float,
        user: str,
        reason: str,
        precheck: Precheck | None = None,
        live_check: LiveCheck | None = None,
        people: bool = False,
    ) -> EnvelopeOutcome:
        """The one way a controller writes: admit, then the Writer, then remember the write.

        ``precheck`` is handed to the Writer, which runs it under its lock right before the write;
        ``live_check`` too, with the register's value the Writer reads from the PLC after it.
        ``people``: a restore of a person's value (people's limits, see :meth:`admit`).
        """
        verdict = self.admit(name, requested, snapshot, now, people=people)
        if not verdict.allowed or verdict.value is None:
            return EnvelopeOutcome(verdict)
        # Count the attempt against the rate even if the Writer fails: a failing link must
        # not be hammered. Only an accepted value becomes the step reference.
        stopped: list[str] = []

        def checked() -> str:
            why = precheck() if precheck is not None else ""
            if why:
                stopped.append(why)
            return why

        def checked_live(live: float) -> str:
            why = live_check(live) if live_check is not None else ""
            if why:
                stopped.append(why)
            return why

        previous = self._attempt_at.get(name)
        self._attempt_at[name] = now
        if live_check is None:
            result = await writer(name, verdict.value, user=user, reason=reason,
                                  precheck=checked if precheck is not None else None)
        else:
            result = await writer(name, verdict.value, user=user, reason=reason,
                                  precheck=checked if precheck is not None else None, live_check=checked_live)
        if stopped:
            # Nothing was sent: not a comms fault, and no write to count against the rate.
            if previous is None:
                self._attempt_at.pop(name, None)
            else:
                self._attempt_at[name] = previous
            return EnvelopeOutcome(verdict, result, stopped=stopped[0])
        if result.ok:
            written = result.written if result.written is not None else verdict.value
            reference, window = self._reference.get(name), self._windows.get(name)
            if reference is not None and window is not None:
                done = self._clock() if self._clock is not None else now
                window.spend(max(now, done), abs(written - reference))
            self.record(name, written, now)
        return EnvelopeOutcome(verdict, result)



def limit_conflicts(register_map: RegisterMap, control: ControlSettings) -> list[str]:
    """Speed limits that leave no allowed range, each naming the keys involved ([] when none).

    People's limits: the register map's min/max and ``control.<name>_min/_max`` where set. ML's:
    those tightened by ``control.<name>_min/_max`` or, unset, the reference defaults.
    """
    problems: list[str] = []
    for reg in register_map.writable():
        people = limits_for(reg, control)
        span = f"the register map's {reg.min:g}..{reg.max:g}" if reg.min is not None and reg.max is not None \
            else "the register map's range"
        if people.low > people.high:
            problems.append(f"control.{reg.name}_min/_max ({people.low:g}/{people.high:g}) leave no value "
                            f"within {span}")
            continue
        if reg.name not in ML_DEFAULT_LIMITS:
            continue
        default_low, default_high = ML_DEFAULT_LIMITS[reg.name]
        low, high = control.ml_limit(f"{reg.name}_min"), control.ml_limit(f"{reg.name}_max")
        ml_low = max(people.low, low) if low is not None else people.low
        ml_high = min(people.high, high) if high is not None else people.high
        if ml_low <= ml_high:
            continue
        keys = []
        for key, value, default in ((f"{reg.name}_min", low, default_low), (f"{reg.name}_max", high, default_high)):
            setting = "set" if control.people_limit(key) is not None else f"default {default:g}"
            keys.append(f"control.{key} = {value:g} ({setting})" if value is not None else f"control.{key} unset")
        problems.append(f"ML limits for {reg.name} leave no allowed speed: {' and '.join(keys)}, "
                        f"within {span} ({ml_low:g} > {ml_high:g})")
    return problems
