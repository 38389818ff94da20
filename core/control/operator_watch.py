"""Who changed the speeds: the controller's own writes, or a person (PLC panel or HMI).

The controller builds every decision on the PLC's live speeds. For each speed register it
knows what the PLC should hold (the live value when control began, then each value ML wrote or
a person wrote through the HMI). A snapshot read after ML's last write that shows another
value means someone changed it on the PLC panel: that value becomes the new base (and the
speed restored when ML lets go), and the change counts as an operator override.
"""

from __future__ import annotations

import math
from collections.abc import Iterable, Mapping
from dataclasses import dataclass

from core.snapshot import Snapshot


@dataclass(frozen=True, slots=True)
class Override:
    register: str
    old: float
    new: float
    source: str  # "plc" (seen in a snapshot) or "hmi" (a person's write through the Writer)


class OperatorWatch:
    def __init__(self, registers: Iterable[str], resolution: Mapping[str, float]) -> None:
        self.registers = tuple(registers)
        # Two values closer than half a register step are the same setpoint.
        self._tolerance = {name: max(resolution.get(name, 0.0) * 0.5, 1e-6) for name in self.registers}
        self._expected: dict[str, float] = {}
        self._written_at: dict[str, float] = {}  # monotonic time of the last write we know of
        self._pending: list[Override] = []  # HMI writes reported between decisions
        # The last value a person wrote through the Writer per register, and when (monotonic),
        # kept whether or not ML controls: a poll read before it cannot show it.
        self._human: dict[str, tuple[float, float]] = {}
        # A write sent whose outcome is unknown (no answer, read-back failed): the PLC holds this
        # value or the one before; a later read showing either is no person's change.
        self._maybe: dict[str, float] = {}

    def begin(self, snapshot: Snapshot) -> None:
        """Control begins: the live speeds are what the PLC holds.

        Except a speed a person wrote through the Writer after ``snapshot``'s reads began: the
        snapshot cannot show it, and the person's value is the base until a newer poll does.
        """
        self._expected = {name: v for name in self.registers if (v := _live(snapshot, name)) is not None}
        self._written_at.clear()
        self._pending.clear()
        for name, (value, at) in self._human.items():
            if snapshot.monotonic - snapshot.read_s <= at:
                self._expected[name] = value
                self._written_at[name] = at

    def end(self) -> None:
        self._expected.clear()
        self._written_at.clear()
        self._pending.clear()
        self._maybe.clear()

    def same(self, name: str, a: float, b: float) -> bool:
        return abs(a - b) <= self._tolerance.get(name, 1e-6)

    def expected(self, name: str) -> float | None:
        return self._expected.get(name)

    def wrote(self, name: str, value: float, at: float) -> None:
        """ML's write of ``value`` was accepted at monotonic ``at``."""
        self._expected[name] = value
        self._written_at[name] = at

    def unconfirmed(self, name: str, value: float, at: float) -> None:
        """A write of ``value`` was sent at monotonic ``at`` but not confirmed (the link failed): the PLC
        holds it or the value before; the next read says which (neither: a person's change)."""
        if name in self.registers and self._expected:
            self._maybe[name] = value
            self._written_at[name] = at  # a snapshot read before it cannot show it

    def _settle(self, name: str, live: float) -> bool:
        """A read after an unconfirmed write: True when ``live`` is what it or the value before left."""
        maybe = self._maybe.pop(name, None)
        if maybe is None:
            return False
        if self.same(name, live, maybe):
            self._expected[name] = live  # the write landed
            return True
        expected = self._expected.get(name)
        return expected is not None and self.same(name, live, expected)  # it did not

    def human_wrote(self, name: str, value: float, at: float) -> None:
        """A person's write through the Writer (HMI, preset) at monotonic ``at``: the new base at once."""
        if name not in self.registers:
            return
        self._human[name] = (value, at)
        if not self._expected:
            return  # not controlling: begin() takes it as the base
        old = self._expected.get(name)
        # After an unconfirmed write the PLC may hold that value instead: the person's is a change from it.
        maybe = self._maybe.pop(name, None)
        if old is not None and self.same(name, old, value) and maybe is not None:
            old = maybe
        self._expected[name] = value
        self._written_at[name] = at  # a snapshot read before it cannot show it
        if old is not None and not self.same(name, old, value):
            self._pending.append(Override(name, old, value, "hmi"))

    def read_live(self, name: str, base: float, live: float, at: float) -> str:
        """The PLC holds ``live`` for ``name``, read under the Writer's lock at monotonic ``at`` right
        before a write built on ``base``: "" when they agree, else why the write must not happen.

        A difference is a person's change at the panel since the last poll: their value becomes the
        base at once (an override the next decision takes, like a change seen in a snapshot); a
        snapshot read before ``at`` cannot contradict it.
        """
        if name not in self.registers or self.same(name, live, base):
            return ""
        if self._settle(name, live):  # our unconfirmed write landed after all: decide again on it
            return f"{name} is {live:g} on the PLC (an unconfirmed write landed), not the {base:g} it was built on"
        old = self._expected.get(name, base)
        if self._expected:  # controlling or restoring: the person's value is the new base
            self._expected[name] = live
            self._written_at[name] = at
            if not self.same(name, old, live):
                self._pending.append(Override(name, old, live, "plc"))
        return f"{name} is {live:g} on the PLC (read right before the write), not the {base:g} it was built on"

    def shows_own_write(self, name: str, snapshot: Snapshot) -> bool:
        """The snapshot's reads began before ML's last write of ``name``: it cannot show that write."""
        at = self._written_at.get(name)
        return at is not None and snapshot.monotonic - snapshot.read_s <= at

    def check(self, snapshot: Snapshot) -> list[Override]:
        """Changes by a person since the last check (HMI writes first, then what the PLC shows)."""
        found, self._pending = self._pending, []
        for name in self.registers:
            live = _live(snapshot, name)
            expected = self._expected.get(name)
            if live is None or expected is None or self.shows_own_write(name, snapshot):
                continue
            if self._settle(name, live):
                continue
            if not self.same(name, live, expected):
                found.append(Override(name, expected, live, "plc"))
                self._expected[name] = live
        return found

    def base(self, name: str, snapshot: Snapshot) -> float | None:
        """The speed a decision builds on: the PLC's, or ML's own write the snapshot predates."""
        if self.shows_own_write(name, snapshot):
            return self._expected.get(name)
        return _live(snapshot, name)

    def still(self, name: str, base: float, snapshot: Snapshot | None) -> str:
        """"" when ``base`` is still what the PLC holds for ``name`` (checked under the Writer's lock)."""
        expected = self._expected.get(name)
        if self._pending or (expected is not None and not self.same(name, expected, base)):
            return f"{name} was changed by a person since the decision"
        if snapshot is not None and not self.shows_own_write(name, snapshot):
            live = _live(snapshot, name)
            if live is not None and not self.same(name, live, base):
                return f"{name} is {live:g} on the PLC, not the {base:g} the decision was built on"
        return ""


def _live(snapshot: Snapshot, name: str) -> float | None:
    value = snapshot.value(name)
    return value if value is not None and math.isfinite(value) else None
