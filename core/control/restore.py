"""Putting the operator's speeds back when ML lets go (manual chosen, a fault, the end of a cut).

A restore keeps to people's limits (never ML's), writes only on fresh data, yields to a
person's change, and is abandoned with an alarm when it cannot finish: refused for good, or not
done in the time its step-limited writes need plus :data:`RESTORE_MARGIN_S`.

A restore never undoes a descent cut of the torque guard or the load ceiling while the cut in
which it tripped lasts (the guard's condition: torque rising down this piece; the guard re-arms
with the next cut). Until the cut ends the descent is restored to the lower of the operator's
value and the guard's (journalled once: "held by the torque guard"); when the saw leaves CUTTING
the rest of the operator's value is put back, unless a person set the descent meanwhile (their
value stands, and lifts the hold at once). The time allowed for the restore starts when the hold
lifts.

The previous run's speeds, restored on an engineer's command after a restart (core.control.handover),
are held the same way while the saw cuts: the guard's cut of the previous run was in its memory
only, so the PLC's descent is taken as such a cut and not raised before the cut ends.
"""

from __future__ import annotations

import logging
import math
from collections.abc import Sequence

from core.analysis.alarms import Priority
from core.control.journal import DecisionRow
from core.control.ml_parts import ALARM_FAULT, SPEEDS, USER, MlParts
from core.snapshot import Snapshot
from core.texts import D_NOT_RESTORED, D_OPERATOR_SPEEDS, D_OPERATOR_SPEEDS_DONE, D_SET, F_RESTORE_FAILED

log = logging.getLogger("bandsaw.control")

# A restore of the operator's speeds is abandoned (alarm) when not done this long after the time
# its step-limited writes need.
RESTORE_MARGIN_S = 3.0

# Why a restore holds the descent (ml_parts._cut_cap): the engine restarted during the cut.
HELD_RESTART = "restart during the cut"


class RestoreTurn(MlParts):
    """The pending restore of the operator's speeds (a part of the controller)."""

    async def _step_restore(self, snap: Snapshot, now: float, fresh: bool) -> DecisionRow | None:
        """One step of putting the operator's speeds back, within people's limits (never ML's).

        A restore ends: done, or taken over by a person's change, or abandoned (alarm and journal)
        when the envelope refuses it for good (the PLC tripped: no speed is raised) or when it has
        not finished in the time its step-limited writes need plus a margin (stale data, a link
        down). Nothing is written after it ends.
        """
        if self._restore_until is None:
            self._restore_until = now + self._restore_time(snap)
        if now > self._restore_until:
            return self._abandon_restore(list(self._restore), "it did not finish in time", snap)
        if not fresh:
            return None  # never write on stale data; try again when the data is back
        for change in self.watch.check(snap):
            # The operator set this speed after ML let go: theirs stands, nothing to restore.
            self._restore.pop(change.register, None)
            if change.register == "descent_speed":
                self._cut_cap = None  # a person's descent lifts a hold (the guard's, or the restart's)
            set_by = D_SET(name=change.register, old=change.old, new=change.new)
            self._record("override", f"{set_by}; {D_NOT_RESTORED()}", snap)
        before = {name: snap.value(name) for name in SPEEDS}
        written: dict[str, float] = {}
        abandoned: list[DecisionRow] = []
        held: dict[str, float] = {}  # restored only as far as the guard's cut allows, for now
        for name, wanted in list(self._restore.items()):
            target = self._guard_held(name, wanted)
            current = self.watch.base(name, snap)
            if current is not None and self.watch.same(name, current, target):
                if target < wanted:
                    held[name] = target  # the rest when the cut ends
                else:
                    del self._restore[name]  # already there: no write needed
                continue
            outcome = await self.envelope.write(
                self._writer, name, target, snapshot=snap, now=now, user=USER, reason="restore operator speed",
                precheck=self._still_ours(name, current, target), people=True,
                live_check=self._restore_on_plc(name, current),
            )
            if outcome.stopped:
                break  # stale data or a person's change meanwhile: the next tick looks again
            if outcome.fault is not None:
                # The restore stays pending (until its time is up); ML (if someone chose it meanwhile) ends.
                detail = outcome.result.reason if outcome.result is not None else outcome.verdict.reason
                self._unconfirmed(name, outcome)
                return self._fault(outcome.fault, str(F_RESTORE_FAILED(name=name, detail=detail)), snap)
            if not outcome.verdict.allowed and not outcome.verdict.retry:
                abandoned.append(self._abandon_restore([name], outcome.verdict.reason, snap))
                continue
            if outcome.ok and outcome.result is not None and outcome.result.written is not None:
                written[name] = outcome.result.written
                self.watch.wrote(name, outcome.result.written, self._clock())
                if self.watch.same(name, outcome.result.written, target):
                    if target < wanted:
                        held[name] = target
                    else:
                        del self._restore[name]
        if not self._restore:
            self._restore_until = None
            if not self._controlling:
                self.watch.end()
                self._handover_want = None  # the operator's speeds are back (or a person's): ml.db forgets them
        note = None
        if held and set(held) == set(self._restore):
            self._restore_until = None  # only the guard's hold is left: its time starts when the hold lifts
            note = self._note_held(held, snap)
        if not written:
            return abandoned[-1] if abandoned else note
        done = D_OPERATOR_SPEEDS() if self._restore else D_OPERATOR_SPEEDS_DONE()
        return self._record("restore", str(done), snap, before=before, written=written)

    def _guard_held(self, name: str, wanted: float) -> float:
        """What a restore of ``name`` may put back now: no faster descent than the guard's or the
        ceiling's cut while the cut in which it tripped lasts."""
        if name != "descent_speed" or self._cut_cap is None or self._cut is None:
            return wanted
        return min(wanted, self._cut_cap[0])

    def _hold_in_cut(self, snap: Snapshot | None) -> float | None:
        """The previous run's speeds are restored while the saw cuts: the descent is not raised
        above the PLC's until the cut ends (the held descent; None when nothing is held).

        The engine restarted: a torque-guard or ceiling cut of the previous run, held only in its
        memory, may be what the PLC holds, in the cut that tripped it. Not knowing, the restore
        treats the PLC's descent as such a cut.
        """
        wanted = self._restore.get("descent_speed")
        live = snap.value("descent_speed") if snap is not None else None
        if self._cut is None or wanted is None or live is None or not math.isfinite(live) or live >= wanted:
            return None
        if self._cut_cap is None or live < self._cut_cap[0]:
            self._cut_cap = (live, HELD_RESTART)
        return self._cut_cap[0]

    def _note_held(self, held: dict[str, float], snap: Snapshot) -> DecisionRow | None:
        """Journal (once per hold) that the operator's descent waits for the end of the cut."""
        assert self._cut_cap is not None
        why = self._cut_cap[1]
        if why == HELD_RESTART:
            text = "; ".join(f"{name} held at {value:g} (the PLC's) while the saw cuts: the engine restarted "
                             "during a cut and a torque-guard cut of the previous run may hold it; the operator's "
                             f"{self._restore[name]:g} is put back when the cut ends" for name, value in held.items())
        else:
            text = "; ".join(f"{name} held at {value:g} by the {why} until the cut ends; the operator's "
                             f"{self._restore[name]:g} is put back then" for name, value in held.items())
        if text == self._restore_note:
            return None
        self._restore_note = text
        log.info("restore: %s", text)
        return self._record("restore_held", text, snap)

    def _restore_time(self, snap: Snapshot) -> float:
        """How long the pending restore may take: its step-limited writes, at the write rate, plus a margin."""
        longest = 0.0
        for name, target in self._restore.items():
            limits = self.envelope.people_limits(name)
            live = snap.value(name)
            if live is None or not math.isfinite(live) or limits.max_step_per_s is None:
                continue
            per_write = limits.max_step_per_s * min(self.envelope.min_interval_s, 1.0)
            writes = math.ceil(abs(live - target) / per_write) + 1
            longest = max(longest, writes * max(self.envelope.min_interval_s, 1.0 / self.control.rate_hz))
        return longest + RESTORE_MARGIN_S

    def _abandon_restore(self, names: Sequence[str], why: str, snap: Snapshot | None) -> DecisionRow:
        """Give the restore of ``names`` up: the operator sets those speeds; alarm and journal say so."""
        parts = []
        for name in names:
            target = self._restore.pop(name, None)
            live = snap.value(name) if snap is not None else None
            if target is not None:
                parts.append(f"{name} {live if live is not None else float('nan'):g} (operator's {target:g})")
        if not self._restore:
            self._restore_until = None
            if not self._controlling:
                self.watch.end()
        text = f"operator speeds not restored: {', '.join(parts)}: {why}; set them on the panel"
        log.warning("%s", text)
        self._alarms.update(ALARM_FAULT, True, f"ML: {text}", priority=Priority.HIGH, source="control")
        return self._record("restore_abandoned", text, snap)
