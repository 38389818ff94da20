"""The ML speed controller: a model nudges the speeds during a cut, behind guard and envelope.

Wiring: the engine calls :meth:`MlController.feed` with every snapshot (cheap, synchronous)
and runs :meth:`MlController.run` as a task (``rate_hz``, 5 Hz by default); each tick,
:meth:`MlController.step` makes one decision. The controller acts only when the mode is ML,
the saw is CUTTING, the newest snapshot is fresh and the initial delay has passed. Order of
precedence within a tick: pending restores, faults, the torque guard, then the model.
Every write goes through :class:`~core.control.envelope.SafetyEnvelope`; a stale snapshot, a
failed write or a model error returns control to the operator with their saved speeds.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
import math
import time
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Protocol

from core.analysis.alarms import AlarmManager, Priority
from core.config import Settings
from core.control.envelope import Fault, SafetyEnvelope, WriteFn
from core.control.journal import ControlJournal, DecisionRow
from core.control.modes import Mode, ModeManager
from core.control.torque_guard import GuardEvent, TorqueGuard
from core.ml.artefact import ModelRefused, load_model
from core.ml.features import FeatureError, FeatureExtractor
from core.ml.signing import ModelKey, SigningKeyError, load_key
from core.registers import RegisterMap
from core.snapshot import Quality, SawState, Snapshot

log = logging.getLogger("bandsaw.control")

USER = "ml"  # who the audit trail names for controller writes
SPEEDS = ("descent_speed", "cutting_speed")
ALARM_FAULT = "control.ml_fault"
ALARM_GUARD = "control.torque_guard"
ALARM_MODEL = "control.model_refused"
_EPS = 1e-6


class Policy(Protocol):
    """What the controller needs of a model (core.ml.artefact.LoadedModel)."""

    name: str
    features: tuple[str, ...]
    steps: dict[str, float]

    def predict(self, x: Sequence[float]) -> float: ...


@dataclass(slots=True)
class ControllerStatus:
    """The controller as the HMI's control page shows it."""

    mode: str = Mode.MANUAL.value
    in_cut: bool = False
    controlling: bool = False
    model: str = ""
    coefficient: float | None = None
    features: dict[str, float] = field(default_factory=dict)
    saved_speeds: dict[str, float] = field(default_factory=dict)
    guard_events: int = 0
    last_action: str = ""
    last_reason: str = ""


@dataclass(slots=True)
class _Cut:
    start_t: float  # snapshot monotonic time when CUTTING began
    start_height: float | None


class MlController:
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
        )
        self.guard = TorqueGuard(settings.control.torque_guard, settings.ml.averaging_samples)
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
        self._desired: dict[str, float] = {}
        self._accum: dict[str, float] = dict.fromkeys(SPEEDS, 0.0)
        self._restore: dict[str, float] = {}
        self._task: asyncio.Task[None] | None = None
        self.overruns = 0
        self.status = ControllerStatus(mode=modes.mode.value)
        self.model: Policy | None = None
        self.features: FeatureExtractor | None = None
        self.model_error = ""  # why the last model was refused, for the HMI
        if model is not None:
            self.set_model(model)

    # --- model -------------------------------------------------------------------------

    def set_model(self, model: Policy | None) -> bool:
        """Use ``model`` (None: no model; ML mode then faults). False if its features are unusable."""
        if model is None:
            self.model, self.features = None, None
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
        return self._key()

    def _key(self) -> ModelKey | None:
        """The installation's signing key (created on first need); None: only shipped models load."""
        if self._model_key is None:
            try:
                self._model_key = load_key(self.settings.data_dir)
            except SigningKeyError as exc:
                log.error("%s", exc)
                return None
        return self._model_key

    def _refuse_model(self, reason: str) -> None:
        log.error("ML model refused: %s", reason)
        self.model_error = reason
        self.model, self.features = None, None
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
            if self.features is not None:
                self.features.reset()
            self._accum = dict.fromkeys(SPEEDS, 0.0)
        elif state is not None and state is not SawState.CUTTING and self._cut is not None:
            self._cut = None
            self._cut_ended = True
            self.guard.end_cut()
            self._guard_event = None
        if self.features is not None:
            self.features.push(snapshot)
        if self._cut is not None:
            if self._cut.start_height is None and height is not None:
                self._cut.start_height = height
            event = self.guard.update(snapshot.monotonic, height, snapshot.value("band_torque"))
            if event is not None:
                self._guard_event = event
        self.status.in_cut = self._cut is not None

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
        if self._cut_ended:
            self._cut_ended = False
            self._end_control(restore=self.control.restore_speeds_after_cut)
            self._alarms.update(ALARM_GUARD, False, "torque guard", source="control")
        if snap is None:
            return None  # nothing read yet since start: nothing to control, nothing to restore
        if self.modes.is_ml and (not fresh or snap.saw_state is None):
            age = now - snap.monotonic
            late_poll = snap.quality is not Quality.COMM_ERROR and snap.saw_state is not None
            if late_poll and age <= max(self.envelope.max_age_s, self.control.stale_fault_after_s):
                return None  # a late poll: decide nothing, write nothing, wait for fresh data
            detail = f"newest sample {age:.2f} s old, {snap.quality.value}" if not fresh else "saw state unknown"
            return self._fault(Fault.STALE_DATA, f"stale data ({detail})", snap)
        if self._restore:
            return await self._step_restore(snap, now, fresh)
        if not self.modes.is_ml:
            if self._controlling:
                self._end_control(restore=True)
                return self._record("restore", "operator chose manual", snap)
            return None
        self._alarms.update(ALARM_FAULT, False, "ML control fault", priority=Priority.HIGH, source="control")
        if self._cut is None:
            return None
        if not self._controlling:
            self._begin_control(snap)
        if self._guard_event is not None:
            event, self._guard_event = self._guard_event, None
            return await self._apply_guard(event, snap, now)
        waiting = self._initial_delay_left(snap)
        if waiting:
            return await self._apply(snap, now, "wait", waiting)
        if self.model is None or self.features is None:
            return self._fault(Fault.MODEL, "no model loaded", snap)
        vector = self.features.vector()
        if vector is None:
            return await self._apply(snap, now, "hold", "features not ready")
        try:
            coefficient = self.model.predict(vector)
            if not math.isfinite(coefficient):
                raise ValueError(f"output {coefficient!r}")
        except Exception as exc:  # any model failure is a model fault, never a crash
            return self._fault(Fault.MODEL, f"model failed: {type(exc).__name__}: {exc}", snap)
        coefficient = min(1.0, max(-1.0, coefficient))
        self.status.coefficient = coefficient
        self.status.features = self.features.as_dict(vector)
        self._accumulate(coefficient)
        return await self._apply(snap, now, "model", "", coefficient=coefficient)

    # --- pieces of a decision ----------------------------------------------------------

    def _begin_control(self, snap: Snapshot) -> None:
        self._saved = {name: v for name in SPEEDS if (v := snap.value(name)) is not None}
        self._desired = dict(self._saved)
        self._accum = dict.fromkeys(SPEEDS, 0.0)
        self._controlling = True
        self.status.controlling = True
        self.status.saved_speeds = dict(self._saved)
        log.info("ML control of cut begins; operator speeds saved: %s", self._saved)

    def _end_control(self, *, restore: bool) -> None:
        if self._controlling and restore:
            self._restore = dict(self._saved)
        self._controlling = False
        self._desired = {}
        self._accum = dict.fromkeys(SPEEDS, 0.0)
        self.status.controlling = False

    def _initial_delay_left(self, snap: Snapshot) -> str:
        assert self._cut is not None
        descent = snap.value("descent_speed") or 0.0
        height = snap.value("head_height")
        c = self.control
        needed_s = max(c.initial_delay_min_s, c.initial_descent_mm / descent * 60.0 if descent > 0 else math.inf)
        elapsed = snap.monotonic - self._cut.start_t
        if elapsed < needed_s:
            return f"initial delay {elapsed:.1f}/{needed_s:.1f} s"
        if self._cut.start_height is None or height is None:
            return "head height unknown"
        descended = self._cut.start_height - height
        if descended < c.initial_descent_mm:
            return f"initial descent {descended:.1f}/{c.initial_descent_mm:.1f} mm"
        return ""

    def _accumulate(self, coefficient: float) -> None:
        assert self.model is not None
        thresholds = {"descent_speed": self.control.write_threshold_descent,
                      "cutting_speed": self.control.write_threshold_cutting}
        for name in SPEEDS:
            step = self.model.steps.get(name, 0.0)
            if step == 0.0 or name not in self._desired:
                continue
            self._accum[name] += coefficient * self.control.global_factor * step
            if abs(self._accum[name]) >= thresholds[name]:
                limits = self.envelope.limits(name)
                target = self._desired[name] + self._accum[name]
                # Desired speeds never run away past what the envelope would allow anyway.
                self._desired[name] = min(max(target, limits.low), limits.high)
                self._accum[name] = 0.0

    async def _apply_guard(self, event: GuardEvent, snap: Snapshot, now: float) -> DecisionRow:
        current = self._desired.get("descent_speed", snap.value("descent_speed") or 0.0)
        limits = self.envelope.limits("descent_speed")
        self._desired["descent_speed"] = max(limits.low, current * event.descent_factor)
        self._accum = dict.fromkeys(SPEEDS, 0.0)
        self.status.guard_events = self.guard.events
        text = event.describe()
        log.warning("torque guard: %s", text)
        self._alarms.update(ALARM_GUARD, True, f"Torque guard: {text}", priority=Priority.MEDIUM,
                            source="control", value=event.rise_pct)
        return await self._apply(snap, now, "guard", text)

    async def _apply(
        self, snap: Snapshot, now: float, action: str, reason: str, *, coefficient: float | None = None
    ) -> DecisionRow:
        """Move the PLC toward the desired speeds through the envelope and record the decision."""
        before = {name: snap.value(name) for name in SPEEDS}
        written: dict[str, float] = {}
        for name, target in self._desired.items():
            current = self.envelope.last_value(name)
            if current is None:
                current = snap.value(name)
            if current is not None and abs(target - current) < _EPS:
                continue
            outcome = await self.envelope.write(
                self._writer, name, target, snapshot=snap, now=now, user=USER, reason=f"ML {action}",
                precheck=self._still_ml,
            )
            if outcome.stopped:
                # The mode, the data or the cut changed while this decision was being written:
                # nothing more of it is written; the next tick decides afresh.
                return self._record("stopped", outcome.stopped, snap, coefficient=coefficient, before=before,
                                    written=written)
            if outcome.fault is not None:
                detail = outcome.result.reason if outcome.result is not None else outcome.verdict.reason
                return self._fault(outcome.fault, f"write of {name} failed: {detail}", snap)
            if outcome.ok and outcome.result is not None and outcome.result.written is not None:
                written[name] = outcome.result.written
        if written and action == "model":
            action = "write"
        return self._record(action, reason, snap, coefficient=coefficient, before=before, written=written)

    def _still_fresh(self) -> str:
        """Run under the Writer's lock right before each write: is the newest data still fresh?"""
        if not self.envelope.is_fresh(self._latest, self._clock()):
            return "data went stale before the write"
        return ""

    def _still_ml(self) -> str:
        """Run under the Writer's lock right before each ML write: mode, data and cut still hold?"""
        if not self.modes.is_ml:
            return "ML mode ended before the write"
        why = self._still_fresh()
        if why:
            return why
        snap = self._latest
        if snap is None or snap.saw_state is not SawState.CUTTING:
            return "the cut ended before the write"
        return ""

    async def _step_restore(self, snap: Snapshot, now: float, fresh: bool) -> DecisionRow | None:
        if not fresh:
            return None  # never write on stale data; try again when the data is back
        before = {name: snap.value(name) for name in SPEEDS}
        written: dict[str, float] = {}
        for name, target in list(self._restore.items()):
            current = snap.value(name)
            last = self.envelope.last_value(name)
            if current is not None and abs(current - target) < 1e-3 and last in (None, current):
                del self._restore[name]  # already there: no write needed
                continue
            outcome = await self.envelope.write(
                self._writer, name, target, snapshot=snap, now=now, user=USER, reason="restore operator speed",
                precheck=self._still_fresh,
            )
            if outcome.stopped:
                break  # stale data meanwhile: the restore stays pending
            if outcome.fault is not None:
                # The restore stays pending; ML (if someone chose it meanwhile) ends.
                detail = outcome.result.reason if outcome.result is not None else outcome.verdict.reason
                return self._fault(outcome.fault, f"restore of {name} failed: {detail}", snap)
            if outcome.ok and outcome.result is not None and outcome.result.written is not None:
                written[name] = outcome.result.written
                if abs(outcome.result.written - target) < 1e-3:
                    del self._restore[name]
        if not written:
            return None
        done = "" if self._restore else " (done)"
        return self._record("restore", f"operator speeds{done}", snap, before=before, written=written)

    def _fault(self, fault: Fault, reason: str, snap: Snapshot | None = None) -> DecisionRow:
        was_ml = self.modes.is_ml
        self._end_control(restore=True)
        self.modes.fault(reason)
        self.status.mode = self.modes.mode.value
        self._alarms.update(ALARM_FAULT, True, f"ML control stopped ({fault.value}): {reason}",
                            priority=Priority.HIGH, source="control")
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
        before: dict[str, float | None] | None = None,
        written: dict[str, float] | None = None,
    ) -> DecisionRow:
        before = before or {}
        written = written or {}
        row = DecisionRow(
            ts_ms=snap.ts_ms if snap is not None else int(self._wall_clock() * 1000),
            mode=self.modes.mode.value,
            action=action,
            reason=reason,
            seq=snap.seq if snap is not None else None,
            coefficient=coefficient,
            features=self.status.features if coefficient is not None else {},
            descent_before=before.get("descent_speed"),
            descent_after=written.get("descent_speed"),
            cutting_before=before.get("cutting_speed"),
            cutting_after=written.get("cutting_speed"),
            torque=snap.value("band_torque") if snap is not None else None,
            model=self.model.name if self.model is not None else "",
        )
        self._journal.decision(row)
        self.status.last_action, self.status.last_reason = action, reason
        return row
