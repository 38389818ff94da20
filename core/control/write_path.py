"""The ML controller's write path: every ML write through the envelope and the Writer.

The envelope (:class:`~core.control.envelope.SafetyEnvelope`) checks the decision's snapshot;
the prechecks here run under the Writer's lock right before each write, on the newest poll: the
mode is still ML, the data still fresh, the cut still on, no raise while the PLC reports a trip,
and the speed still the one the decision was built on. Any "no" stops the rest of the decision.
"""

from __future__ import annotations

from core.control.envelope import EnvelopeOutcome, Fault, LiveCheck, Precheck
from core.control.journal import DecisionRow
from core.control.load_watch import plc_trip
from core.control.ml_parts import SPEEDS, USER, MlParts
from core.snapshot import Quality, SawState, Snapshot
from core.texts import F_WRITE_FAILED


class WritePath(MlParts):
    """ML's writes and their re-checks under the Writer's lock (a part of the controller)."""

    async def _write(
        self, targets: dict[str, float], snap: Snapshot, now: float, action: str, reason: str,
        *, coefficient: float | None = None,
    ) -> DecisionRow:
        """Move the PLC to ``targets`` through the envelope and the Writer; record the decision."""
        before = {name: snap.value(name) for name in SPEEDS}
        written: dict[str, float] = {}
        if targets:
            # The operator's speeds are in ml.db before ML moves one (a crash cannot lose them).
            why = await self._sync_handover()
            if why:
                return self._fault(Fault.STORAGE, why, snap)
        for name, target in targets.items():
            base = self.watch.base(name, snap)
            if base is None or self.watch.same(name, target, base):
                continue
            outcome = await self.envelope.write(
                self._writer, name, target, snapshot=snap, now=now, user=USER, reason=f"ML {action}",
                precheck=self._still_ml(name, base, target), live_check=self._on_plc(name, base),
            )
            if outcome.stopped:
                # A person's change read from the PLC under the lock: journalled as an override now.
                self._take_overrides(snap)
                # The mode, the data, the cut or the speed changed while this decision was being
                # written: nothing more of it is written; the next tick decides afresh.
                return self._record("stopped", outcome.stopped, snap, coefficient=coefficient, before=before,
                                    written=written)
            if outcome.fault is not None:
                person = self._person_during_write(name, base, outcome)
                if person:
                    self._take_overrides(snap)  # the person's value: journalled, the one restored
                    return self._fault(Fault.PERSON, person, snap)
                detail = outcome.result.reason if outcome.result is not None else outcome.verdict.reason
                self._unconfirmed(name, outcome)
                return self._fault(outcome.fault, str(F_WRITE_FAILED(name=name, detail=detail)), snap)
            if outcome.ok and outcome.result is not None and outcome.result.written is not None:
                written[name] = outcome.result.written
                self.watch.wrote(name, outcome.result.written, self._clock())
        if written and action == "model":
            action = "write"
        return self._record(action, reason, snap, coefficient=coefficient, before=before, written=written)

    def _person_during_write(self, name: str, base: float, outcome: EnvelopeOutcome) -> str:
        """The read-back shows neither ML's value nor ``base`` (the value read right before the write):
        a person set the speed at the panel between ML's write and its read-back. Their value becomes
        an override (journalled, kept by the restore); "" when the read-back is not such a value.

        ML stops for the cut (a fault with its alarm): a person at the panel around the write may
        also have set a value in the moment before it, which ML's write overwrote unseen (the gap
        between the Writer's read and its write: see core.modbus.writer).
        """
        result = outcome.result
        if result is None or result.read_back is None or result.written is None:
            return ""
        seen, wrote = result.read_back, result.written
        if self.watch.same(name, seen, wrote) or self.watch.same(name, seen, base):
            return ""
        self.watch.read_live(name, wrote, seen, self._clock())
        return (f"a person changed {name} at the PLC during ML's write: read back {seen:g}, "
                f"ML wrote {wrote:g} over {base:g}; their value stands")

    def _unconfirmed(self, name: str, outcome: EnvelopeOutcome) -> None:
        """A write sent but not confirmed (no answer, read-back failed) may have landed: the next read
        showing its value is not taken for a person's change (which a restore would leave standing)."""
        result = outcome.result
        if result is not None and not result.ok and result.written is not None:
            self.watch.unconfirmed(name, result.written, self._clock())

    def _still_fresh(self) -> str:
        """Run under the Writer's lock right before each write: is the newest data still fresh?"""
        if not self.envelope.is_fresh(self._latest, self._clock()):
            return "data went stale before the write"
        return ""

    def _no_raise_on_trip(self, name: str, base: float, target: float) -> str:
        """Under the Writer's lock: refuse a raise of ``name`` when the newest poll shows a PLC trip.

        The envelope checks the trip on the snapshot the decision was made on; a poll arriving
        while the write waits for the lock is only seen here.
        """
        snap = self._latest
        if snap is None or snap.quality is Quality.COMM_ERROR:
            return ""  # the freshness check refuses the write
        trip = plc_trip(snap)
        if trip and target > base and not self.watch.same(name, target, base):
            return f"{trip}: no speed is raised while the PLC is tripped"
        return ""

    def _still_ml(self, name: str, base: float, target: float) -> Precheck:
        def check() -> str:
            """Under the Writer's lock, right before the write: mode, data, cut, trip and base still hold?"""
            if not self.modes.is_ml:
                return "ML mode ended before the write"
            why = self._still_fresh()
            if why:
                return why
            snap = self._latest
            if snap is None or snap.saw_state is not SawState.CUTTING:
                return "the cut ended before the write"
            return self._no_raise_on_trip(name, base, target) or self.watch.still(name, base, snap)

        return check

    def _on_plc(self, name: str, base: float) -> LiveCheck:
        def check(live: float) -> str:
            """Under the Writer's lock, on the value just read from the PLC: still the decision's base?

            A poll is up to a period old; an operator's change at the panel after it is seen here
            only. It yields: the person's value stands (an override), nothing is written.
            """
            return self.watch.read_live(name, base, live, self._clock())

        return check

    def _restore_on_plc(self, name: str, current: float | None) -> LiveCheck:
        def check(live: float) -> str:
            """Under the Writer's lock, on the value just read from the PLC: still what ML last wrote?

            A person who set the speed at the panel since the last poll keeps it: not restored.
            """
            expected = self.watch.expected(name)
            base = expected if expected is not None else current
            if base is None:
                return ""
            return self.watch.read_live(name, base, live, self._clock())

        return check

    def _still_ours(self, name: str, current: float | None, target: float) -> Precheck:
        def check() -> str:
            """Under the Writer's lock: fresh data, no trip if raising, the speed still the one ML last wrote."""
            why = self._still_fresh()
            if why:
                return why
            expected = self.watch.expected(name)
            base = expected if expected is not None else current
            if base is None:
                return ""
            why = self._no_raise_on_trip(name, base, target)
            if why or expected is None:
                return why
            return self.watch.still(name, expected, self._latest)

        return check
