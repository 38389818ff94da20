"""The ML speed controller: a model nudges the speeds during a cut, behind guard, ceiling and envelope.

Wiring: the engine calls :meth:`MlController.feed` with every snapshot (cheap, synchronous)
and runs :meth:`MlController.run` as a task (``rate_hz``, 5 Hz by default); each tick,
:meth:`MlController.step` makes one decision. The controller acts only when the mode is ML,
the saw is CUTTING, the newest snapshot is fresh and the initial delay has passed.

Order of precedence within a tick: a PLC trip (ends ML), pending restores, stale data,
operator overrides (the person's speed becomes the base; too many in one cut pause ML for the
cut), the absolute load ceiling (cuts descent at once, ends ML if it persists), the torque guard,
then the model, which acts only inside its training envelope (outside it ML holds the speeds).

Every decision builds on the PLC's live speeds (:class:`~core.control.operator_watch.OperatorWatch`),
never on a stored target, so nothing ML writes reverts a person's change. Every write goes
through :class:`~core.control.envelope.SafetyEnvelope` and the Writer, which re-checks under its
lock, right before the write, that the mode is still ML, the data still fresh, the cut still on
and the speed still what the decision was built on.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
import math
import time
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any, Protocol

from core.analysis.alarms import AlarmManager, Priority
from core.config import Settings
from core.control.chip_policy import ChipPolicy, ChipSettings
from core.control.competence import Competence
from core.control.envelope import Fault, Precheck, SafetyEnvelope, WriteFn
from core.control.journal import ControlJournal, DecisionRow
from core.control.load_watch import CeilingBreach, LoadCeiling, plc_trip
from core.control.model_turn import ModelTurn
from core.control.modes import ModeManager
from core.control.operator_watch import OperatorWatch, Override
from core.control.status import ControllerStatus, ControlState
from core.control.torque_guard import GuardEvent, TorqueGuard
from core.ml.artefact import ModelRefused, load_model
from core.ml.features import FeatureError, FeatureExtractor
from core.ml.signing import ModelKey, SigningKeyError, load_key
from core.registers import RegisterMap
from core.snapshot import Quality, SawState, Snapshot

log = logging.getLogger("bandsaw.control")

USER = "ml"  # who the Writer's records name for controller writes
SPEEDS = ("descent_speed", "cutting_speed")
ALARM_FAULT = "control.ml_fault"
ALARM_GUARD = "control.torque_guard"
ALARM_MODEL = "control.model_refused"
ALARM_OUTSIDE = "control.ml_outside_envelope"
ALARM_TRIP = "control.plc_trip"
ALARM_CEILING = "control.load_ceiling"
# A restore of the operator's speeds is abandoned (alarm) when not done this long after the time
# its step-limited writes need.
RESTORE_MARGIN_S = 3.0

__all__ = ["ALARM_CEILING", "ALARM_FAULT", "ALARM_GUARD", "ALARM_MODEL", "ALARM_OUTSIDE", "ALARM_TRIP",
           "ControlState", "ControllerStatus", "MlController", "Policy"]


class Policy(Protocol):
    """What the controller needs of a model (core.ml.artefact.LoadedModel)."""

    name: str
    features: tuple[str, ...]
    steps: dict[str, float]
    envelope: Mapping[str, Any]  # the training envelope ({} = none recorded)

    def predict(self, x: Sequence[float]) -> float: ...


class ChipModel(Policy, Protocol):
    """A model whose output kind is "chip": the chip policy's table and band-speed feed-forward."""

    chip: ChipSettings | None

    def predict_speed(self, row: Sequence[float]) -> float: ...


@dataclass(slots=True)
class _Cut:
    start_t: float  # snapshot monotonic time when CUTTING began
    start_height: float | None


class MlController(ModelTurn):
    def __init__(
        self,
        settings: Settings,
        register_map: RegisterMap,
        *,
        writer: WriteFn,
        alarms: AlarmManager,
        modes: ModeManager,
        journal: ControlJournal,
        model: Policy | None = None,
        clock: Callable[[], float] = time.monotonic,
        wall_clock: Callable[[], float] = time.time,
        model_key: ModelKey | None = None,
    ) -> None:
        self.settings = settings
        self._model_key = model_key
        self.control = settings.control
        self.register_map = register_map
        self.envelope = SafetyEnvelope(
            register_map,
            settings.control,
            read_rate_hz=settings.modbus.read_rate_hz,
            write_rate_hz=settings.modbus.write_rate_hz,
            clock=clock,
        )
        self.guard = TorqueGuard(settings.control.torque_guard, settings.ml.averaging_samples)
        self.ceiling = LoadCeiling(settings.control, settings.ml.averaging_samples)
        self.watch = OperatorWatch(SPEEDS, {n: register_map[n].scale for n in SPEEDS if n in register_map})
        self.modes = modes
        self._writer = writer
        self._alarms = alarms
        self._journal = journal
        self._clock = clock
        self._wall_clock = wall_clock
        self._latest: Snapshot | None = None
        self._cut: _Cut | None = None
        self._cut_ended = False
        self._guard_event: GuardEvent | None = None
        self._controlling = False
        self._saved: dict[str, float] = {}
        self._accum: dict[str, float] = dict.fromkeys(SPEEDS, 0.0)
        self._restore: dict[str, float] = {}
        self._restore_until: float | None = None  # the pending restore is abandoned after this
        self._paused = ""  # why ML pauses for the rest of this cut
        self._overrides = 0
        self._human_set: set[str] = set()  # speeds a person changed during this cut (the chip policy leaves them)
        self._ceiling_cut_at: float | None = None
        # A descent cut by the guard or the ceiling is driven home over the next ticks (the step
        # limit may take more than one write); an operator's change of descent cancels it.
        self._descent_goal: tuple[float, str] | None = None
        self._task: asyncio.Task[None] | None = None
        self.overruns = 0
        self.status = ControllerStatus(mode=modes.mode.value)
        self.model: Policy | None = None
        self.features: FeatureExtractor | None = None
        self.competence: Competence | None = None
        self.chip: ChipPolicy | None = None  # the chip-thickness policy of a "chip" model
        self.model_error = ""  # why the last model was refused, for the HMI
        if self.envelope.conflict:
            # The limits leave ML no allowed speed: ML is unavailable (acquisition runs on).
            log.error("ML unavailable: %s", self.envelope.conflict)
            self._alarms.update(ALARM_FAULT, True, f"ML unavailable: {self.envelope.conflict}",
                                priority=Priority.HIGH, source="control")
        if model is not None:
            self.set_model(model)

    # --- model -------------------------------------------------------------------------

    def set_model(self, model: Policy | None) -> bool:
        """Use ``model`` (None: no model; ML mode then faults). False if its features are unusable."""
        if model is None:
            self.model, self.features, self.competence, self.chip = None, None, None, None
            self.status.model = ""
            return True
        try:
            features = FeatureExtractor(
                model.features,
                averaging=self.settings.ml.averaging_samples,
                polynomial=self.settings.ml.current_polynomial,
                available=self.register_map.names,
            )
        except FeatureError as exc:
            self._refuse_model(f"model {model.name}: {exc}")
            return False
        self.model, self.features = model, features
        chip: ChipSettings | None = getattr(model, "chip", None)
        self.chip = ChipPolicy(chip, getattr(model, "predict_speed", None)) if chip is not None else None
        self.competence = Competence(model.envelope, model.features, self.settings.ml.envelope_margin_pct)
        self.model_error = ""
        self.status.model = model.name
        self._alarms.update(ALARM_MODEL, False, "ML model refused", priority=Priority.HIGH, source="control")
        return True

    def load_model(self, path: Path) -> bool:
        """Load and verify a model file; a refused model raises an alarm and leaves ML mode."""
        try:
            model = load_model(path, self._key())
        except ModelRefused as exc:
            self._refuse_model(str(exc))
            return False
        return self.set_model(model)

    def model_key(self) -> ModelKey | None:
        """The installation's signing key (created on first need); None: only shipped models load."""
        if self._model_key is None:
            try:
                self._model_key = load_key(self.settings.data_dir)
            except SigningKeyError as exc:
                log.error("%s", exc)
                return None
        return self._model_key

    _key = model_key

    def _refuse_model(self, reason: str) -> None:
        log.error("ML model refused: %s", reason)
        self.model_error = reason
        self.model, self.features, self.competence, self.chip = None, None, None, None
        self.status.model = ""
        self._alarms.update(ALARM_MODEL, True, f"ML model refused: {reason}", priority=Priority.HIGH,
                            source="control")
        if self.modes.is_ml:
            self._fault(Fault.MODEL, f"model refused: {reason}")

    # --- feeding -----------------------------------------------------------------------

    def feed(self, snapshot: Snapshot) -> None:
        """Every snapshot, from the engine's fan-out: cut tracking, feature buffers, guard history."""
        latest = self._latest
        if latest is not None and snapshot.seq == latest.seq and snapshot.monotonic == latest.monotonic:
            return  # the same poll twice
        self._latest = snapshot
        state = snapshot.saw_state
        height = snapshot.value("head_height")
        if state is SawState.CUTTING and self._cut is None:
            self._cut = _Cut(snapshot.monotonic, height)
            self._cut_ended = False
            self.guard.begin_cut(snapshot.monotonic, height if height is not None else 0.0)
            self.ceiling.reset()
            if self.features is not None:
                self.features.reset()
            if self.chip is not None:
                self.chip.begin_cut()
            self._accum = dict.fromkeys(SPEEDS, 0.0)
        elif state is not None and state is not SawState.CUTTING and self._cut is not None:
            self._cut = None
            self._cut_ended = True
            self.guard.end_cut()
            self.ceiling.reset()
            self._guard_event = None
        if self.features is not None:
            self.features.push(snapshot)
        if self._cut is not None:
            if self._cut.start_height is None and height is not None:
                self._cut.start_height = height
            self.ceiling.update(snapshot)
            if self.chip is not None:
                self.chip.observe(snapshot.values)
            event = self.guard.update(snapshot.monotonic, height, snapshot.value("band_torque"))
            if event is not None:
                self._guard_event = event
        self.status.in_cut = self._cut is not None

    def human_wrote(self, name: str, value: float) -> None:
        """A person's write went through the Writer (HMI, preset): the new base for ML at once."""
        self.watch.human_wrote(name, value, self._clock())

    # --- the loop ----------------------------------------------------------------------

    async def start(self) -> None:
        if self._task is None:
            self._task = asyncio.create_task(self.run(), name="ml-controller")

    async def stop(self, restore_within_s: float = 3.0) -> None:
        """Stop deciding; if ML holds the speeds, put the operator's back first (best effort).

        Call it before the Writer and the poller stop: the restore needs both.
        """
        task, self._task = self._task, None
        if task is not None:
            task.cancel()
            with contextlib.suppress(asyncio.CancelledError):
                await task
        self._end_control(restore=True)
        loop = asyncio.get_running_loop()
        deadline = loop.time() + restore_within_s
        while self._restore and loop.time() < deadline:
            snap = self._latest
            if snap is not None:
                await self._step_restore(snap, self._clock(), self.envelope.is_fresh(snap, self._clock()))
            if self._restore:
                await asyncio.sleep(min(self.envelope.min_interval_s, 0.1))
        if self._restore:
            log.warning("ML stopped before the operator speeds were restored: %s", self._restore)

    async def run(self) -> None:
        """Tick at ``control.rate_hz`` on deadlines (no drift); an overrun skips slots."""
        loop = asyncio.get_running_loop()
        period = 1.0 / self.control.rate_hz
        deadline = loop.time()
        while True:
            try:
                await self.step()
            except Exception as exc:  # a bug in one decision must not leave the PLC in ML hands
                log.exception("ML controller step failed")
                self._fault(Fault.MODEL, f"controller error: {type(exc).__name__}: {exc}")
            deadline += period
            late = loop.time() - deadline
            if late > 0:
                skipped = int(late // period) + 1
                self.overruns += skipped
                deadline += skipped * period
            await asyncio.sleep(max(0.0, deadline - loop.time()))

    async def step(self) -> DecisionRow | None:
        """One decision; returns what was recorded (None when there was nothing to decide)."""
        now = self._clock()
        snap = self._latest
        fresh = self.envelope.is_fresh(snap, now)
        self.status.mode = self.modes.mode.value
        if snap is None:
            return None  # nothing read yet since start: nothing to control, nothing to restore
        if self.envelope.conflict and self.modes.is_ml:
            return self._fault(Fault.CONFIG, f"ML unavailable: {self.envelope.conflict}", snap)
        trip = plc_trip(snap) if snap.quality is not Quality.COMM_ERROR else ""
        if trip and self.modes.is_ml:
            return self._fault(Fault.TRIP, trip, snap, alarm=ALARM_TRIP, downward_only=True)
        if self._cut_ended:
            self._cut_ended = False
            self._end_control(restore=self.control.restore_speeds_after_cut)
            self._end_of_cut_alarms()
        if self.modes.is_ml and (not fresh or snap.saw_state is None):
            age = now - snap.monotonic
            late_poll = snap.quality is not Quality.COMM_ERROR and snap.saw_state is not None
            if late_poll and age <= max(self.envelope.max_age_s, self.control.stale_fault_after_s):
                self._set_state(ControlState.STALE)
                return None  # a late poll: decide nothing, write nothing, wait for fresh data
            detail = f"newest sample {age:.2f} s old, {snap.quality.value}" if not fresh else "saw state unknown"
            return self._fault(Fault.STALE_DATA, f"stale data ({detail})", snap)
        if self._restore:
            return await self._step_restore(snap, now, fresh)
        if not self.modes.is_ml:
            self._set_state(ControlState.OFF)
            if self._controlling:
                self._end_control(restore=True)
                return self._record("restore", "operator chose manual", snap)
            return None
        self._alarms.update(ALARM_FAULT, False, "ML control fault", priority=Priority.HIGH, source="control")
        self._alarms.update(ALARM_TRIP, False, "PLC trip", priority=Priority.HIGH, source="control")
        if self._cut is None:
            self._set_state(ControlState.IDLE)
            return None
        if not self._controlling:
            self._begin_control(snap)
        overridden = self._take_overrides(snap)
        if self._paused:
            self._set_state(ControlState.PAUSED)
            return overridden
        breach = self.ceiling.breach(now)
        if breach is not None:
            return await self._apply_ceiling(breach, snap, now)
        self._alarms.update(ALARM_CEILING, False, "load ceiling", priority=Priority.HIGH, source="control")
        if self._guard_event is not None:
            event, self._guard_event = self._guard_event, None
            return await self._apply_guard(event, snap, now)
        if self._descent_goal is not None:
            goal, action = self._descent_goal
            base = self.watch.base("descent_speed", snap)
            if base is not None and base > goal and not self.watch.same("descent_speed", base, goal):
                return await self._write({"descent_speed": goal}, snap, now, action, f"descent to {goal:g}")
            self._descent_goal = None
        return await self._decide(snap, now) or overridden

    # --- pieces of a decision ----------------------------------------------------------

    def _begin_control(self, snap: Snapshot) -> None:
        self.watch.begin(snap)  # the live speeds, or a person's write the snapshot predates
        self._saved = {name: v for name in SPEEDS if (v := self.watch.base(name, snap)) is not None}
        self._accum = dict.fromkeys(SPEEDS, 0.0)
        self._human_set = set()
        self._controlling = True
        self.status.controlling = True
        self.status.saved_speeds = dict(self._saved)
        log.info("ML control of cut begins; operator speeds saved: %s", self._saved)

    def _end_control(self, *, restore: bool, downward_only: bool = False) -> None:
        if self._controlling and restore:
            self._restore = dict(self._saved)
            self._restore_until = None
            live = self._latest.value("descent_speed") if self._latest is not None else None
            if downward_only and live is not None and self._restore.get("descent_speed", -math.inf) > live:
                # After a trip or an overload the saw does not get a faster descent back from ML.
                self._restore.pop("descent_speed")
        if not self._restore:
            self.watch.end()
        self._controlling = False
        self._descent_goal = None
        self._accum = dict.fromkeys(SPEEDS, 0.0)
        self.status.controlling = False

    def _end_of_cut_alarms(self) -> None:
        self._paused, self._overrides, self._descent_goal = "", 0, None
        self._human_set = set()
        self.status.paused_reason, self.status.overrides_this_cut = "", 0
        self._ceiling_cut_at = None
        self._alarms.update(ALARM_GUARD, False, "torque guard", source="control")
        self._alarms.update(ALARM_CEILING, False, "load ceiling", priority=Priority.HIGH, source="control")
        self._set_competence("")

    def _set_state(self, state: ControlState) -> None:
        self.status.state = state

    def _set_competence(self, outside: str) -> None:
        if outside == self.status.competence:
            return
        self.status.competence = outside
        if outside:
            log.warning("ML holds the speeds: %s", outside)
        else:
            log.info("ML back inside the model's experience")
        self._alarms.update(ALARM_OUTSIDE, bool(outside), f"ML holds: {outside}" if outside else "ML holds",
                            priority=Priority.LOW, source="control")

    def _take_overrides(self, snap: Snapshot) -> DecisionRow | None:
        """A person changed a speed: their value is the new base and the speed restored later."""
        row = None
        for change in self.watch.check(snap):
            row = self._override(change, snap)
        return row

    def _override(self, change: Override, snap: Snapshot) -> DecisionRow:
        self._overrides += 1
        self._human_set.add(change.register)
        self._saved[change.register] = change.new
        if change.register == "descent_speed":
            self._descent_goal = None  # the person's descent stands
        self._accum[change.register] = 0.0
        self.status.saved_speeds = dict(self._saved)
        self.status.overrides_this_cut = self._overrides
        where = "on the PLC panel" if change.source == "plc" else "in the HMI"
        reason = f"operator set {change.register} {change.old:g} -> {change.new:g} {where}"
        if self._overrides >= self.control.max_overrides_per_cut and not self._paused:
            self._paused = f"the operator changed the speeds {self._overrides} times in this cut"
            self.status.paused_reason = self._paused
            log.warning("ML pauses for this cut: %s", self._paused)
            reason += f"; ML pauses for this cut ({self._overrides} overrides)"
        log.info("operator override: %s", reason)
        before = {change.register: change.old}
        return self._record("override", reason, snap, before=before, observed={change.register: change.new})

    def _descent_cut(self, snap: Snapshot, factor: float) -> dict[str, float]:
        base = self.watch.base("descent_speed", snap)
        if base is None:
            return {}
        self._accum = dict.fromkeys(SPEEDS, 0.0)
        goal = max(self.envelope.limits("descent_speed").low, base * factor)
        if self._descent_goal is not None:
            goal = min(goal, self._descent_goal[0])
        return {"descent_speed": goal}

    async def _apply_guard(self, event: GuardEvent, snap: Snapshot, now: float) -> DecisionRow:
        self.status.guard_events = self.guard.events
        text = event.describe()
        log.warning("torque guard: %s", text)
        self._alarms.update(ALARM_GUARD, True, f"Torque guard: {text}", priority=Priority.MEDIUM,
                            source="control", value=event.rise_pct)
        targets = self._descent_cut(snap, event.descent_factor)
        if targets:
            self._descent_goal = (targets["descent_speed"], "guard")
        return await self._write(targets, snap, now, "guard", text)

    async def _apply_ceiling(self, breach: CeilingBreach, snap: Snapshot, now: float) -> DecisionRow:
        text = breach.describe()
        if breach.for_s >= self.control.ceiling_end_after_s:
            return self._fault(Fault.CEILING, f"load stayed above the ceiling: {text}", snap, alarm=ALARM_CEILING,
                               downward_only=True)
        self._alarms.update(ALARM_CEILING, True, f"Load ceiling: {text}; descent cut", priority=Priority.HIGH,
                            source="control", value=breach.value)
        if self._ceiling_cut_at is not None and now - self._ceiling_cut_at < 1.0:
            return self._record("ceiling", f"{text}; descent already cut", snap)
        self._ceiling_cut_at = now
        self.ceiling.events += 1
        self.status.ceiling_events = self.ceiling.events
        log.warning("load ceiling: %s", text)
        targets = self._descent_cut(snap, 1.0 - self.control.ceiling_descent_cut_pct / 100.0)
        if targets:
            self._descent_goal = (targets["descent_speed"], "ceiling")
        return await self._write(targets, snap, now, "ceiling", text)

    async def _write(
        self, targets: dict[str, float], snap: Snapshot, now: float, action: str, reason: str,
        *, coefficient: float | None = None,
    ) -> DecisionRow:
        """Move the PLC to ``targets`` through the envelope and the Writer; record the decision."""
        before = {name: snap.value(name) for name in SPEEDS}
        written: dict[str, float] = {}
        for name, target in targets.items():
            base = self.watch.base(name, snap)
            if base is None or self.watch.same(name, target, base):
                continue
            outcome = await self.envelope.write(
                self._writer, name, target, snapshot=snap, now=now, user=USER, reason=f"ML {action}",
                precheck=self._still_ml(name, base, target),
            )
            if outcome.stopped:
                # The mode, the data, the cut or the speed changed while this decision was being
                # written: nothing more of it is written; the next tick decides afresh.
                return self._record("stopped", outcome.stopped, snap, coefficient=coefficient, before=before,
                                    written=written)
            if outcome.fault is not None:
                detail = outcome.result.reason if outcome.result is not None else outcome.verdict.reason
                return self._fault(outcome.fault, f"write of {name} failed: {detail}", snap)
            if outcome.ok and outcome.result is not None and outcome.result.written is not None:
                written[name] = outcome.result.written
                self.watch.wrote(name, outcome.result.written, self._clock())
        if written and action == "model":
            action = "write"
        return self._record(action, reason, snap, coefficient=coefficient, before=before, written=written)

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
            self._record("override", f"operator set {change.register} {change.old:g} -> {change.new:g}; "
                         "not restored", snap)
        before = {name: snap.value(name) for name in SPEEDS}
        written: dict[str, float] = {}
        abandoned: list[DecisionRow] = []
        for name, target in list(self._restore.items()):
            current = self.watch.base(name, snap)
            if current is not None and self.watch.same(name, current, target):
                del self._restore[name]  # already there: no write needed
                continue
            outcome = await self.envelope.write(
                self._writer, name, target, snapshot=snap, now=now, user=USER, reason="restore operator speed",
                precheck=self._still_ours(name, current, target), people=True,
            )
            if outcome.stopped:
                break  # stale data or a person's change meanwhile: the next tick looks again
            if outcome.fault is not None:
                # The restore stays pending (until its time is up); ML (if someone chose it meanwhile) ends.
                detail = outcome.result.reason if outcome.result is not None else outcome.verdict.reason
                return self._fault(outcome.fault, f"restore of {name} failed: {detail}", snap)
            if not outcome.verdict.allowed and not outcome.verdict.retry:
                abandoned.append(self._abandon_restore([name], outcome.verdict.reason, snap))
                continue
            if outcome.ok and outcome.result is not None and outcome.result.written is not None:
                written[name] = outcome.result.written
                self.watch.wrote(name, outcome.result.written, self._clock())
                if self.watch.same(name, outcome.result.written, target):
                    del self._restore[name]
        if not self._restore:
            self._restore_until = None
            if not self._controlling:
                self.watch.end()
        if not written:
            return abandoned[-1] if abandoned else None
        done = "" if self._restore else " (done)"
        return self._record("restore", f"operator speeds{done}", snap, before=before, written=written)

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

    def _fault(
        self, fault: Fault, reason: str, snap: Snapshot | None = None, *,
        alarm: str = ALARM_FAULT, downward_only: bool = False,
    ) -> DecisionRow:
        was_ml = self.modes.is_ml
        self._end_control(restore=True, downward_only=downward_only)
        self.modes.fault(reason)
        self.status.mode = self.modes.mode.value
        self.status.state = ControlState.OFF
        self.status.last_fault = f"{fault.value}: {reason}"
        text = f"ML control stopped ({fault.value}): {reason}"
        if fault in (Fault.TRIP, Fault.CEILING):
            text += "; switch ML on again when the saw is ready"
        self._alarms.update(alarm, True, text, priority=Priority.HIGH, source="control")
        if was_ml:
            log.warning("ML control stopped, back to manual: %s", reason)
        return self._record("fault", f"{fault.value}: {reason}", snap)

    def _record(
        self,
        action: str,
        reason: str,
        snap: Snapshot | None,
        *,
        coefficient: float | None = None,
        before: Mapping[str, float | None] | None = None,
        written: Mapping[str, float] | None = None,
        observed: Mapping[str, float] | None = None,
    ) -> DecisionRow:
        before = before or {}
        after = dict(written or {}) | dict(observed or {})
        row = DecisionRow(
            ts_ms=snap.ts_ms if snap is not None else int(self._wall_clock() * 1000),
            mode=self.modes.mode.value,
            action=action,
            reason=reason,
            seq=snap.seq if snap is not None else None,
            coefficient=coefficient,
            features=self.status.features if coefficient is not None else {},
            descent_before=before.get("descent_speed"),
            descent_after=after.get("descent_speed"),
            cutting_before=before.get("cutting_speed"),
            cutting_after=after.get("cutting_speed"),
            torque=snap.value("band_torque") if snap is not None else None,
            model=self.model.name if self.model is not None else "",
        )
        self._journal.decision(row)
        self.status.last_action, self.status.last_reason = action, reason
        return row
