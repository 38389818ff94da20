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

This module is the loop and the order of a tick; the pieces of a decision live in the parts
:mod:`core.control.ml_parts` lists (model slot, safety turn, model's turn, write path, restore).
"""

from __future__ import annotations

import asyncio
import logging
import math
import time
from collections.abc import Callable, Mapping

from core.analysis.alarms import AlarmManager, Priority
from core.config import Settings
from core.control.envelope import Fault, SafetyEnvelope, WriteFn
from core.control.handover import ALARM_LEFT, Handover, HandoverStore
from core.control.journal import ControlJournal, DecisionRow
from core.control.load_watch import LoadCeiling, plc_trip
from core.control.ml_parts import (
    ALARM_CEILING,
    ALARM_FAULT,
    ALARM_GUARD,
    ALARM_MODEL,
    ALARM_OUTSIDE,
    ALARM_TRIP,
    SPEEDS,
    ChipModel,
    CutStart,
    Policy,
)
from core.control.model_slot import ModelSlot
from core.control.model_turn import ModelTurn
from core.control.modes import ModeManager
from core.control.operator_watch import OperatorWatch
from core.control.restore import RESTORE_MARGIN_S, RestoreTurn
from core.control.safety_turn import SafetyTurn
from core.control.status import ControllerStatus, ControlState
from core.control.torque_guard import TorqueGuard
from core.control.write_path import WritePath
from core.ml.signing import ModelKey
from core.registers import RegisterMap
from core.snapshot import Quality, SawState, Snapshot
from core.texts import D_DESCENT_TO, D_OPERATOR_MANUAL, F_STALE, F_STALE_AGE, F_STATE_UNKNOWN

log = logging.getLogger("bandsaw.control")

__all__ = ["ALARM_CEILING", "ALARM_FAULT", "ALARM_GUARD", "ALARM_MODEL", "ALARM_OUTSIDE", "ALARM_TRIP",
           "RESTORE_MARGIN_S", "SPEEDS", "ChipModel", "ControlState", "ControllerStatus", "MlController", "Policy"]


class MlController(ModelSlot, SafetyTurn, ModelTurn, RestoreTurn, WritePath):
    """The decision loop: feed it every snapshot, run it as a task; its parts do the rest."""

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
        handover: HandoverStore | None = None,
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
        self._latest = None
        self._cut = None
        self._cut_ended = False
        self._guard_event = None
        self._controlling = False
        self._saved = {}
        self._accum = dict.fromkeys(SPEEDS, 0.0)
        self._restore = {}
        self._restore_until = None  # the pending restore is abandoned after this
        self._paused = ""  # why ML pauses for the rest of this cut
        self._overrides = 0
        self._human_set = set()  # speeds a person changed during this cut (the chip policy leaves them)
        self._ceiling_cut_at = None
        # A descent cut by the guard or the ceiling is driven home over the next ticks (the step
        # limit may take more than one write); an operator's change of descent cancels it.
        self._descent_goal = None
        # The lowest descent the guard or the ceiling set in this cut (None: none): a restore puts
        # back no faster descent while the cut lasts (core.control.restore), a person's descent lifts it.
        self._cut_cap = None
        self._restore_note = ""  # what the last "restore_held" row said (journalled once)
        # The operator's speeds while ML holds the PLC's, in ml.db (core.control.handover): what
        # the row should say (None: no row) and what it says; the previous run's row, unanswered.
        self._handover = handover
        self._handover_want: Handover | None = None
        self._handover_written: Handover | None = None
        self._handover_error = ""  # the last failure to record it (logged once, not at every tick)
        self.previous: Handover | None = None
        self._previous_checked = False
        # While the question is open: the speeds the PLC held at the start check (ML's, left), and
        # those a person has set since (theirs stand: a restore leaves them); HMI writes seen first.
        self._left: dict[str, float] = {}
        self._left_changed: dict[str, float] = {}
        self._left_hmi: dict[str, float] = {}
        self._task: asyncio.Task[None] | None = None
        self.overruns = 0
        self.status = ControllerStatus(mode=modes.mode.value)
        self.model = None
        self.features = None
        self.competence = None
        self.chip = None  # the chip-thickness policy of a "chip" model
        self.model_error = ""  # why the last model was refused, for the HMI
        if self.envelope.conflict:
            # The limits leave ML no allowed speed: ML is unavailable (acquisition runs on).
            log.error("ML unavailable: %s", self.envelope.conflict)
            self._alarms.update(ALARM_FAULT, True, f"ML unavailable: {self.envelope.conflict}",
                                priority=Priority.HIGH, source="control")
        if model is not None:
            self.set_model(model)

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
            self._cut = CutStart(snapshot.monotonic, height)
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
        if self.previous is not None and self._previous_checked and name in self._left:
            self._left_hmi[name] = value  # the open question learns it at the next tick

    # --- the loop ----------------------------------------------------------------------

    async def start(self) -> None:
        if self._handover is not None and self._task is None:
            try:
                self.previous = await self._handover.load()
            except Exception as exc:  # an unreadable row must not stop acquisition
                log.exception("ml.db: the ML handover could not be read")
                self._alarms.update(ALARM_FAULT, True, f"ML: the operator's speeds of the previous run cannot be "
                                    f"read from ml.db: {exc}", priority=Priority.HIGH, source="control")
            self._handover_want = self._handover_written = self.previous
            self._previous_checked = False
            if self.previous is not None:
                log.warning("the previous run ended with ML holding the speeds; the operator's were %s",
                            dict(self.previous.speeds))
                if self.modes.is_ml:
                    self.modes.fault("the previous run ended with ML holding the speeds: "
                                     "answer on the Control page first")
        if self._task is None:
            self._task = asyncio.create_task(self.run(), name="ml-controller")

    async def stop(self, restore_within_s: float = 3.0) -> None:
        """Stop deciding; if ML holds the speeds, put the operator's back first (best effort).

        Call it before the Writer and the poller stop: the restore needs both.
        """
        task, self._task = self._task, None
        if task is not None:
            task.cancel()  # a task that already ended by an error: logged, and the restore still runs
            for error in await asyncio.gather(task, return_exceptions=True):
                if isinstance(error, Exception):
                    log.error("the ML task had ended by an error: %r", error, exc_info=error)
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
        await self._sync_handover()

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
        row = await self._step()
        why = await self._sync_handover()
        if why and self.modes.is_ml:
            return self._fault(Fault.STORAGE, why, self._latest)
        return row

    async def _step(self) -> DecisionRow | None:
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
            self._close_cut()
        if self.modes.is_ml and (not fresh or snap.saw_state is None):
            age = now - snap.monotonic
            late_poll = snap.quality is not Quality.COMM_ERROR and snap.saw_state is not None
            if late_poll and age <= max(self.envelope.max_age_s, self.control.stale_fault_after_s):
                self._set_state(ControlState.STALE)
                return None  # a late poll: decide nothing, write nothing, wait for fresh data
            detail = F_STALE_AGE(age=age, quality=snap.quality.value) if not fresh else F_STATE_UNKNOWN()
            return self._fault(Fault.STALE_DATA, str(F_STALE(detail=str(detail))), snap)
        if self.previous is not None and fresh:
            if not self._previous_checked:
                self._check_previous(snap)
            else:
                self._follow_previous(snap)
        if self._restore:
            return await self._step_restore(snap, now, fresh)
        if not self.modes.is_ml:
            self._set_state(ControlState.OFF)
            if self._controlling:
                self._end_control(restore=True)
                return self._record("restore", str(D_OPERATOR_MANUAL()), snap)
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
                return await self._write({"descent_speed": goal}, snap, now, action,
                                         str(D_DESCENT_TO(speed=goal)))
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
        self._want_handover()
        log.info("ML control of cut begins; operator speeds saved: %s", self._saved)

    def _end_control(self, *, restore: bool, downward_only: bool = False) -> None:
        ended = self._controlling and restore
        if ended:
            self._restore = dict(self._saved)
            self._restore_until = None
            self._restore_note = ""
            live = self._latest.value("descent_speed") if self._latest is not None else None
            if downward_only and live is not None and self._restore.get("descent_speed", -math.inf) > live:
                # After a trip or an overload the saw does not get a faster descent back from ML.
                self._restore.pop("descent_speed")
        if not self._restore:
            self.watch.end()
            if ended:
                self._handover_want = None  # nothing to put back: the operator's speeds are the PLC's
        self._controlling = False
        self._descent_goal = None
        self._accum = dict.fromkeys(SPEEDS, 0.0)
        self.status.controlling = False

    # --- the operator's speeds in ml.db (core.control.handover) ---------------------------

    def _want_handover(self) -> None:
        """ML holds the speeds: the row should say what the operator's are (written before ML writes)."""
        model = self.model.name if self.model is not None else ""
        self._handover_want = Handover(int(self._wall_clock() * 1000), dict(self._saved), model)

    async def _sync_handover(self) -> str:
        """Bring the ml.db row to what it should say; "" when it does, else why it could not."""
        if self._handover is None or self._handover_want == self._handover_written:
            return ""
        want = self._handover_want
        try:
            if want is None:
                await self._handover.clear()
            else:
                await self._handover.save(want)
        except Exception as exc:
            why = f"the operator's speeds could not be recorded in ml.db: {exc}"
            if why != self._handover_error:
                log.exception("ml.db: the operator's speeds could not be recorded")
            self._handover_error = why
            return why
        if self._handover_error:
            log.info("ml.db: the operator's speeds are recorded again")
        self._handover_written, self._handover_error = want, ""
        return ""

    def _check_previous(self, snap: Snapshot) -> None:
        """The previous run ended with ML in charge: does the PLC hold the operator's speeds?"""
        previous = self.previous
        assert previous is not None
        live = {name: v for name in SPEEDS if (v := snap.value(name)) is not None and math.isfinite(v)}
        if len(live) < len([n for n in SPEEDS if n in previous.speeds]):
            return  # not read yet: look again at the next poll
        self._previous_checked = True
        differ = {name: v for name, v in live.items()
                  if name in previous.speeds and not self.watch.same(name, v, previous.speeds[name])}
        if not differ:
            log.info("the previous run ended in ML mode; the PLC holds the operator's speeds again")
            self._resolve_previous()
            self._record("previous_run", "the previous run ended with ML in charge; the PLC holds the "
                         "operator's speeds", snap)
            return
        self._left = {name: v for name, v in live.items() if name in previous.speeds}
        self._left_changed, self._left_hmi = {}, {}
        self.status.left_speeds = dict(live)
        self.status.left_operator = dict(previous.speeds)
        self.status.left_changed = {}
        text = (f"The PLC still holds speeds ML set before the engine stopped: {_speeds(live)}; "
                f"the operator's were {_speeds(previous.speeds)}. Restore them? (Control page)")
        log.warning("%s", text)
        self._alarm_left(live)
        self._record("previous_run", text, snap, before=live, observed=previous.speeds)

    def _alarm_left(self, live: Mapping[str, float]) -> None:
        """The 'speeds left' alarm, naming the speeds a restore would still change."""
        previous = self.previous
        assert previous is not None
        units = {name: self.register_map[name].unit if name in self.register_map else "" for name in SPEEDS}
        detail = "; ".join(f"{live[name]:g} -> {previous.speeds[name]:g} {units[name]}".rstrip()
                           for name in ("cutting_speed", "descent_speed")
                           if name in live and name in previous.speeds and name not in self._left_changed)
        self._alarms.update(ALARM_LEFT, True, detail, priority=Priority.HIGH, source="control")

    def _follow_previous(self, snap: Snapshot) -> None:
        """The question is open: the speeds shown are the PLC's now, and a speed the PLC no longer
        holds at the value ML left was set by a person since the start (HMI or panel): theirs stands,
        a restore leaves it. When every speed is a person's, the question is answered by itself."""
        previous = self.previous
        assert previous is not None
        live = {name: v for name in SPEEDS if (v := snap.value(name)) is not None and math.isfinite(v)}
        changed = dict(self._left_hmi)
        self._left_hmi = {}
        for name, left in self._left.items():
            value = live.get(name)
            if name not in changed and value is not None and not self.watch.same(name, value, left):
                changed[name] = value
        changed = {name: v for name, v in changed.items()
                   if name not in self._left_changed and not self.watch.same(name, v, self._left[name])}
        self.status.left_speeds = {**live, **{n: v for n, v in changed.items() if n not in live}}
        if not changed:
            return
        self._left_changed.update(changed)
        self.status.left_changed = dict(self._left_changed)
        text = "; ".join(f"a person set {name} {self._left[name]:g} -> {value:g} since the start: theirs "
                         f"stands, the operator's {previous.speeds[name]:g} is not restored"
                         for name, value in changed.items())
        log.info("previous run: %s", text)
        self._record("previous_run", text, snap, before={n: self._left[n] for n in changed}, observed=changed)
        if all(name in self._left_changed for name in previous.speeds):
            self._resolve_previous()
            self._record("previous_run", "the question of the previous run's speeds is answered: a person set "
                         f"every speed since the start ({_speeds(self._left_changed)}); nothing is restored", snap)
        else:
            self._alarm_left(live)
            # The person's value is the operator's now: a crash before the answer does not ask about it again.
            self._handover_want = Handover(int(self._wall_clock() * 1000), {**previous.speeds, **self._left_changed},
                                           previous.model)

    def _resolve_previous(self) -> None:
        self.previous = None
        self._handover_want = None
        self.status.left_speeds, self.status.left_operator, self.status.left_changed = {}, {}, {}
        self._alarms.update(ALARM_LEFT, False, "ML speeds left", priority=Priority.HIGH, source="control")

    def restore_previous(self, user: str) -> tuple[bool, str]:
        """Put back the operator's speeds the previous run saved (a person's command; the engine audits)."""
        if self.previous is None:
            return False, "no speeds of a previous run to restore"
        if self._controlling:
            return False, "ML is controlling a cut"
        latest = self._latest
        if latest is not None and self._previous_checked:
            self._follow_previous(latest)  # a person's change the last tick has not seen yet stands too
        previous = self.previous
        if previous is None:
            return False, "nothing to restore: a person set every speed since the start"
        kept = dict(self._left_changed)
        self.previous = None
        self.status.left_speeds, self.status.left_operator, self.status.left_changed = {}, {}, {}
        self._alarms.update(ALARM_LEFT, False, "ML speeds left", priority=Priority.HIGH, source="control")
        # The row stays until the speeds are back (a crash meanwhile asks again).
        self._restore = {name: v for name, v in previous.speeds.items() if name not in kept}
        self._restore_until = None
        self._restore_note = ""
        if latest is not None:
            self.watch.begin(latest)  # a person's change from here on is theirs: not restored
        held = self._hold_in_cut(latest)
        text = f"{user} restores the previous run's operator speeds {_speeds(self._restore)}"
        if kept:
            text += f"; a person's {_speeds(kept)} set since the start stays"
        if held is not None:
            text += f"; the descent stays at {held:g} while the saw cuts (the operator's comes back when the cut ends)"
        self._record("restore", text, latest)
        return True, _speeds(self._restore)

    def keep_previous(self, user: str) -> tuple[bool, str]:
        """The PLC's present speeds stay (a person's answer; the engine audits): the question is closed."""
        previous = self.previous
        if previous is None:
            return False, "no speeds of a previous run to answer for"
        self._resolve_previous()
        self._record("previous_run", f"{user} keeps the PLC's speeds (the operator's were "
                     f"{_speeds(previous.speeds)})", self._latest)
        return True, ""

    def _close_cut(self) -> None:
        """The cut is over: what ML counted in it (overrides, pause, a person's speeds, the descent
        goal, the ceiling's last cut) starts again; its guard, ceiling and outside-experience alarms clear."""
        self._paused, self._overrides, self._descent_goal = "", 0, None
        self._cut_cap = None  # the cut that tripped the guard is over: the operator's descent may return
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
        # Stamped with the time of the fault: the sample may be long stale (a link down for minutes).
        return self._record("fault", f"{fault.value}: {reason}", snap, at_ms=int(self._wall_clock() * 1000))

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
        at_ms: int | None = None,
    ) -> DecisionRow:
        """Journal one decision, stamped with its sample's time (``at_ms``: the time it happened)."""
        before = before or {}
        after = dict(written or {}) | dict(observed or {})
        row = DecisionRow(
            ts_ms=at_ms if at_ms is not None else snap.ts_ms if snap is not None else int(self._wall_clock() * 1000),
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


def _speeds(speeds: Mapping[str, float]) -> str:
    names = {"cutting_speed": "cutting", "descent_speed": "descent"}
    return ", ".join(f"{names.get(name, name)} {speeds[name]:g}" for name in ("cutting_speed", "descent_speed")
                     if name in speeds)
