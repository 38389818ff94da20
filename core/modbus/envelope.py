"""The safety envelope of a setpoint write, as pure functions (property-tested).

A value to write must lie within the register map's min/max intersected with the tighter
limits of ``control`` (``<register>_min``/``<register>_max`` where set), must not move more
than ``max_step_per_s`` x (seconds since the last write, at most :data:`STEP_WINDOW_S`) from
the PLC's current value, and must be a value the register can hold exactly: rounding to the
register's resolution never pushes it back outside those bounds.

The step is always measured from the PLC's value, also when that lies outside the limits (a
value set at the panel before a limit was tightened, a PLC that powered up with 0): the value
written is then the nearest within both the limits and one step, and when no value is (the PLC
sits more than a second's step outside), the write is refused and the reason says to set the
value at the panel. Nothing in normal operation starts outside (the simulator starts at 70/30,
the presets lie inside, a restore keeps to people's limits), so no ramp from outside is offered.
"""

from __future__ import annotations

import math
from collections import deque
from dataclasses import dataclass

from core.config import ControlSettings
from core.registers import EncodeError, Register
from core.texts import W_OUTSIDE, W_OUTSIDE_WAIT

# A write may move a setpoint by at most this many seconds' worth of max_step_per_s, however
# long ago the last write was: a long pause does not license a jump.
STEP_WINDOW_S = 1.0


@dataclass(frozen=True, slots=True)
class Limits:
    low: float
    high: float
    max_step_per_s: float | None = None


@dataclass(frozen=True, slots=True)
class Decision:
    value: float | None  # what to write (exactly representable); None when refused
    clamped: bool = False  # the envelope or the step limit changed the value
    reason: str = ""  # for the operator: why refused, or how the value was changed
    step_base: float | None = None  # the value the step limit was measured from

    @property
    def refused(self) -> bool:
        return self.value is None


class StepWindow:
    """The changes granted to one register over the last ``window_s`` seconds (a sliding window).

    Times are those of the monotonic clock at which a write was *done* (sent and answered or
    failed): a write can land at the PLC any time until then, and the next write starts after
    it (the Writer's lock). Counting a change until ``done + window_s`` inclusive therefore
    covers every window of ``window_s`` seconds of PLC time.

    A write sent without an answer (:meth:`spend_unconfirmed`) may land at the PLC any time later
    (a request held in a queue): its change counts, without expiring, until a read that began
    after it confirms what the PLC holds (:meth:`confirm`); from then it counts until
    ``window_s`` after that read's answer, the latest moment the PLC can have applied it.
    """

    def __init__(self, max_step_per_s: float, window_s: float = STEP_WINDOW_S) -> None:
        self.allowance = max_step_per_s * window_s
        self.window_s = window_s
        self._granted: deque[tuple[float, float]] = deque()  # (done at, |change|)
        self._pending: list[tuple[float, float]] = []  # (sent at, |change|): no answer yet

    def spend_unconfirmed(self, sent_at: float, change: float) -> None:
        """A write sent at ``sent_at`` got no answer: its change counts until :meth:`confirm`."""
        if change > 0:
            self._pending.append((sent_at, change))

    def confirm(self, read_started: float, answered_at: float) -> None:
        """A read that began at ``read_started`` and was answered at ``answered_at`` shows what the
        PLC holds: the writes sent before it were applied (or lost) by ``answered_at``."""
        settled = [change for sent_at, change in self._pending if sent_at < read_started]
        if not settled:
            return
        self._pending = [entry for entry in self._pending if entry[0] >= read_started]
        self._granted.extend((answered_at, change) for change in settled)
        self._granted = deque(sorted(self._granted))

    @property
    def unconfirmed(self) -> bool:
        return bool(self._pending)

    def _expire(self, now: float) -> None:
        granted = self._granted
        while granted and granted[0][0] < now - self.window_s:
            granted.popleft()

    def used(self, now: float) -> float:
        self._expire(now)
        return sum(change for _, change in self._granted) + sum(change for _, change in self._pending)

    def remaining(self, now: float) -> float:
        """What may still change at ``now`` without breaking the allowance of any window."""
        return max(0.0, self.allowance - self.used(now))

    def free_in(self, now: float) -> float:
        """Seconds until the oldest change counted at ``now`` leaves the window (0 if none; inf while
        an unconfirmed write's change counts)."""
        self._expire(now)
        if self._pending:
            return math.inf
        return max(0.0, self._granted[0][0] + self.window_s - now) if self._granted else 0.0

    def spend(self, done_at: float, change: float) -> None:
        if change > 0:
            self._granted.append((done_at, abs(change)))


def limits_for(register: Register, control: ControlSettings | None = None) -> Limits:
    """The map's limits, tightened by the control section where the config sets ``<name>_min/_max``
    (the reference defaults of those keys bind ML alone: :class:`core.control.envelope.SafetyEnvelope`)."""
    low = register.min if register.min is not None else -math.inf
    high = register.max if register.max is not None else math.inf
    if control is not None:
        config_low = control.people_limit(f"{register.name}_min")
        config_high = control.people_limit(f"{register.name}_max")
        if isinstance(config_low, int | float):
            low = max(low, float(config_low))
        if isinstance(config_high, int | float):
            high = min(high, float(config_high))
    return Limits(low, high, register.max_step_per_s)


def decide(
    register: Register,
    limits: Limits,
    requested: float,
    current: float | None,
    since_last_write_s: float | None,
    *,
    budget: float | None = None,
) -> Decision:
    """The value to write for ``requested``, or a refusal with the reason.

    ``budget``: the change still allowed in the current one-second window (StepWindow.remaining);
    the step is limited to the smaller of it and the per-write step.
    """
    unit = f" {register.unit}" if register.unit else ""
    if not math.isfinite(requested):
        return Decision(None, reason=f"{requested!r} is not a number")
    if not limits.low <= limits.high:
        return Decision(None, reason=f"no allowed range: minimum {limits.low:g} is above maximum {limits.high:g}")
    low, high = limits.low, limits.high
    target = requested
    reasons: list[str] = []
    if target < low:
        target = low
        reasons.append(f"raised to the minimum {low:g}{unit}")
    elif target > high:
        target = high
        reasons.append(f"lowered to the maximum {high:g}{unit}")
    base: float | None = None
    if limits.max_step_per_s is not None:
        if current is None or not math.isfinite(current):
            return Decision(None, reason="the PLC's current value is unknown, so the step cannot be limited")
        # Every step is measured from what the PLC holds, also when that lies outside the limits:
        # the value written must be within the limits AND within one step of the PLC's value.
        base = current
        per_second = limits.max_step_per_s * STEP_WINDOW_S
        distance = low - base if base < low else base - high if base > high else 0.0
        if distance > per_second:
            # No value is within both: refused (never a jump, never a value outside the limits).
            # Normal operation never starts here (the simulator, the presets and a restore keep
            # setpoints inside); a person puts the setpoint inside at the panel.
            return Decision(None, reason=str(W_OUTSIDE(
                name=register.name, current=base, unit=unit, low=low, high=high, distance=distance, step=per_second,
            )), step_base=base)
        window = STEP_WINDOW_S if since_last_write_s is None else min(max(since_last_write_s, 0.0), STEP_WINDOW_S)
        allowed = limits.max_step_per_s * window
        if budget is not None:
            allowed = min(allowed, max(budget, 0.0))
            if allowed <= 0.0 and target != base:
                return Decision(None, reason=(
                    f"step limit: the {limits.max_step_per_s:g}{unit} allowed per second is used up"
                ), step_base=base)
        if distance > allowed:
            # Within a second's step of the limits, but not within what may change now.
            return Decision(None, reason=str(W_OUTSIDE_WAIT(
                name=register.name, current=base, unit=unit, low=low, high=high, distance=distance, allowed=allowed,
            )), step_base=base)
        if target > base + allowed:
            target = base + allowed
            reasons.append(f"step limited to +{allowed:g}{unit} ({limits.max_step_per_s:g}{unit}/s)")
        elif target < base - allowed:
            target = base - allowed
            reasons.append(f"step limited to -{allowed:g}{unit} ({limits.max_step_per_s:g}{unit}/s)")
        low, high = max(low, base - allowed), min(high, base + allowed)
    value = representable_within(register, target, low, high)
    if value is None:
        reason = f"no value {register.name} can hold lies in {low:g}..{high:g}{unit}"
        return Decision(None, reason=reason, step_base=base)
    return Decision(value, clamped=bool(reasons), reason="; ".join(reasons), step_base=base)


def representable_within(register: Register, target: float, low: float, high: float) -> float | None:
    """The value nearest ``target`` that the register holds exactly and that lies in low..high."""
    if register.is_float:
        candidates = [target, target - math.copysign(abs(target) * 1e-6, target - (low + high) / 2)]
    else:
        nearest = round(target / register.scale)
        candidates = [(nearest + delta) * register.scale for delta in (0, -1, 1, -2, 2)]
        candidates.sort(key=lambda candidate: abs(candidate - target))
    for candidate in candidates:
        try:
            value = register.decode(register.encode(candidate))
        except (EncodeError, OverflowError, ValueError):
            continue
        if low <= value <= high:
            return value
    return None
