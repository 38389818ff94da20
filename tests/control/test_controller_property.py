"""#14.8: the ML controller under random sequences of what happens at a saw.

Events: polls, late polls, stale stretches, comm errors, operator changes on the PLC panel and
through the HMI, PLC trips and resets, mode flips (also in the middle of a decision's writes),
write failures, inputs outside the model's envelope, loads above the ceiling, model outputs,
cut ends. After every event the controller makes one decision; these must hold throughout:

1. no write of any kind on stale data or after a failed poll;
2. no ML decision write (model, guard, ceiling) unless the mode is ML and the saw cutting;
3. the model is consulted only in ML mode, on fresh data, inside its envelope;
4. a model write moves a speed at most one decision's nudge from the PLC's live value (it is
   built on the live speeds: never a revert of a person's change); the chip policy moves a speed
   at most one second's step from the live value and never touches a speed a person set during
   the cut, except to lower the descent for the band's load; guard and ceiling only lower;
   a restore writes the operator's latest choice (a descent may stay lower after an overload);
6. every ML write lies within ML's limits and one second's step of the live value (from a live
   value outside the limits ML holds until one step brings it inside);
7. a restore keeps to people's limits: each write moves strictly toward the operator's value (a
   descent: the lower of it and a guard's or ceiling's cut while that cut lasts), it
   reaches that value within the step-limited number of writes, or it ends with an alarm (a PLC
   trip: handed to the operator; data stale too long); once it has ended, nothing is written in
   manual mode;
8. no speed is raised while the PLC reports a trip.

Panel and HMI events span the whole register range (descent 1-60 mm/min, cutting 20-120 m/min),
beyond ML's limits (10-60, 40-90).
5. a failed write in ML mode ends ML; data stale beyond the grace ends ML; a single late poll
   does not; a PLC trip ends ML with its alarm.

Both kinds of model run: a coefficient model (``FakeModel``) and the chip-thickness policy (the
shipped kind, with its real :class:`~core.control.chip_policy.ChipPolicy`). CI runs 300 examples
of each; ``HYPOTHESIS_PROFILE=soak`` (``make soak``) runs 10,000 of each and prints counts.
"""

from __future__ import annotations

import asyncio
import math
import os
from collections import Counter
from collections.abc import Sequence
from dataclasses import dataclass, field

import pytest
from hypothesis import HealthCheck, Phase, given, settings
from hypothesis import strategies as st

from core.config import PROJECT_ROOT, Settings, load_settings
from core.control.chip_policy import ChipDecision, ChipSettings
from core.control.handover import MemoryHandover
from core.control.ml_controller import ALARM_FAULT, ALARM_TRIP, SPEEDS
from core.control.modes import Mode
from core.registers import RegisterMap, load_register_map
from core.snapshot import Quality, SawState
from tests.control.control_rig import FakeChipModel, FakeModel, Rig, WriteLog, make_rig

PROFILE = os.environ.get("HYPOTHESIS_PROFILE", "ci")
EXAMPLES = {"ci": 300, "soak": 10_000}.get(PROFILE, 300)
ML_DECISIONS = ("ML model", "ML guard", "ML ceiling")
# Both speeds move by 1 per unit coefficient, so most decisions write both registers (a mode flip
# between the two writes of one decision is then common).
STEPS = {"descent_speed": 1.0, "cutting_speed": 1.0}
NUDGE = {"descent_speed": 1.0 + 1.0, "cutting_speed": 0.9 + 1.0}  # threshold + one decision's step
CHIP_STEP = {"descent_speed": 10.0, "cutting_speed": 20.0}  # the register map's max_step_per_s x 1 s
# The bar the chip policy sees: C45 (code 1, hardness class 2), a 100 x 80 rectangle, 6 mm pitch.
BAR = {"material_type": 1.0, "material_hardness": 2.0, "tooth_pitch": 6.0, "cross_section": 1.0,
       "dimension_a": 100.0, "dimension_b": 80.0, "dimension_c": 0.0, "dimension_d": 0.0, "material_width": 100.0}
EPS = 1e-6
COUNTS: Counter[str] = Counter()

Event = tuple[str, float]
EVENTS = st.one_of(
    st.tuples(st.just("poll"), st.sampled_from([0.1, 0.2])),
    st.tuples(st.just("late"), st.floats(0.25, 0.9)),
    st.tuples(st.just("stale"), st.floats(1.1, 3.0)),
    st.tuples(st.just("comm_error"), st.just(0.0)),
    # What a person can set: values the registers hold (descent in 0.01, cutting speed in 1).
    # The whole register range, beyond ML's limits on both sides.
    st.tuples(st.just("panel_descent"), st.integers(100, 6000).map(lambda v: v / 100)),
    st.tuples(st.just("panel_cutting"), st.integers(20, 120).map(float)),
    st.tuples(st.just("hmi_descent"), st.integers(100, 6000).map(lambda v: v / 100)),
    st.tuples(st.just("hmi_cutting"), st.integers(20, 120).map(float)),
    # A person at the panel after the last poll, right before the next write of that register
    # (seen only by the Writer's read under its lock).
    st.tuples(st.just("late_panel_descent"), st.integers(100, 6000).map(lambda v: v / 100)),
    st.tuples(st.just("late_panel_cutting"), st.integers(20, 120).map(float)),
    st.tuples(st.just("trip"), st.sampled_from([0.0, 1.0, 2.0])),
    st.tuples(st.just("reset"), st.just(0.0)),
    st.tuples(st.just("mode"), st.sampled_from([0.0, 1.0])),
    st.tuples(st.just("flip_during_write"), st.just(0.0)),
    st.tuples(st.just("write_failure"), st.just(0.0)),
    st.tuples(st.just("lost_answer"), st.just(0.0)),  # the next write lands, its answer is lost
    st.tuples(st.just("deviation"), st.sampled_from([0.05, 0.1, 0.8])),
    st.tuples(st.just("torque"), st.sampled_from([40.0, 60.0, 110.0])),
    st.tuples(st.just("coefficient"), st.floats(-1.0, 1.0)),
    st.tuples(st.just("cut_end"), st.just(0.0)),
)


@dataclass
class Harness:
    rig: Rig
    human: dict[str, float] = field(default_factory=lambda: {"descent_speed": 30.0, "cutting_speed": 70.0})
    grace: float = 1.0  # a poll this late only pauses ML
    flip_on_write: bool = False
    failed_in_ml: bool = False
    chip: bool = False
    touched: set[str] = field(default_factory=set)  # speeds a person set while ML controlled this cut
    violations: list[str] = field(default_factory=list)
    # name -> (target, distance, writes); a new target (a guard's hold lifted at the cut's end) starts a new count
    restoring: dict[str, tuple[float, float, int]] = field(default_factory=dict)
    settled: bool = False  # manual mode, nothing pending: no write may follow
    journal_seen: int = 0
    late_panel: tuple[str, float] | None = None  # lands right before the next write of that register
    store: MemoryHandover = field(default_factory=MemoryHandover)

    @property
    def max_age(self) -> float:
        return self.rig.controller.envelope.max_age_s

    def on_write(self, log: WriteLog) -> None:
        rig = self.rig
        COUNTS[log.reason] += 1
        stale = log.snapshot_age is None or log.snapshot_age > self.max_age + EPS
        if stale or log.snapshot_quality is not Quality.GOOD:
            self.violations.append(f"write on stale data: {log}")
        if log.reason in ML_DECISIONS and not (rig.modes.is_ml and rig.saw.state is SawState.CUTTING):
            self.violations.append(f"ML decision write in {rig.modes.mode} / {rig.saw.state.name}: {log}")
        if log.reason in ML_DECISIONS:
            saved = self.store.handover
            if saved is None or dict(saved.speeds) != rig.controller._saved:
                self.violations.append(f"ML write, ml.db holds {saved}, saved {rig.controller._saved}: {log}")
        step = CHIP_STEP if self.chip else NUDGE
        if log.reason == "ML model" and log.before is not None and abs(log.value - log.before) > step[log.name] + EPS:
            self.violations.append(f"model write not built on the live value: {log}")
        lowers = log.name == "descent_speed" and log.before is not None and log.value < log.before
        if self.chip and log.reason == "ML model" and log.name in self.touched and not lowers:
            self.violations.append(f"chip policy moved a speed a person set in this cut: {log}")
        lowered = log.before is not None and log.value <= log.before + EPS  # unknown before: not shown to lower
        if log.reason in ("ML guard", "ML ceiling") and (log.name != "descent_speed" or not lowered):
            self.violations.append(f"guard/ceiling write that does not lower descent: {log}")
        if log.reason in ML_DECISIONS:
            limits = rig.controller.envelope.limits(log.name)
            if not limits.low - EPS <= log.value <= limits.high + EPS:
                self.violations.append(f"ML write outside ML's limits {limits.low:g}..{limits.high:g}: {log}")
            if log.before is not None and abs(log.value - log.before) > CHIP_STEP[log.name] + EPS:
                self.violations.append(f"ML write beyond one second's step from the live value: {log}")
        tripped = rig.saw.state is SawState.ERROR or rig.saw.alarm_status in (1.0, 2.0)
        if tripped and log.before is not None and log.value > log.before + EPS:
            self.violations.append(f"speed raised while the PLC is tripped: {log}")
        if not rig.modes.is_ml and log.reason != "restore operator speed":
            self.violations.append(f"write in manual mode that is not a restore: {log}")
        if not rig.modes.is_ml and self.settled:
            self.violations.append(f"write in manual mode after the restore ended: {log}")
        if log.reason == "restore operator speed":
            human = self.human[log.name]
            cap = rig.controller._cut_cap
            if log.name == "descent_speed" and cap is not None and rig.controller._cut is not None:
                human = min(human, cap[0])  # a guard's or ceiling's cut stands while its cut lasts
            limits = rig.controller.envelope.people_limits(log.name)
            if not limits.low - EPS <= log.value <= limits.high + EPS:
                self.violations.append(f"restore outside people's limits: {log}")
            if log.before is None or not abs(log.value - human) < abs(log.before - human) - EPS \
                    or not min(log.before, human) - 0.01 <= log.value <= max(log.before, human) + 0.01:
                self.violations.append(f"restore write not strictly toward the operator's {human:g}: {log}")
            target, distance, writes = self.restoring.get(log.name, (human, abs((log.before or 0.0) - human), 0))
            if abs(target - human) > EPS:
                distance, writes = abs((log.before or 0.0) - human), 0
            # Only writes the PLC takes move the speed: one it refuses (fail_writes, applied after
            # this hook) does not count toward the restore's step-limited number of writes.
            if rig.saw.fail_writes == 0:
                writes += 1
            self.restoring[log.name] = (human, distance, writes)
            # Writes are at least one write period apart; each may move max_step x that period.
            per_write = CHIP_STEP[log.name] * rig.controller.envelope.min_interval_s
            if writes > math.ceil(distance / per_write - EPS) + 2:
                self.violations.append(f"restore of {log.name} over {distance:g} takes {writes} writes: {log}")
        if (rig.saw.fail_writes > 0 or rig.saw.lose_answers > 0) and rig.modes.is_ml:
            self.failed_in_ml = True
        if self.flip_on_write:
            self.flip_on_write = False
            rig.modes.set_mode(Mode.MANUAL, user="anna", reason="pressed mid-decision")

    def before_live_read(self, name: str) -> None:
        """The Writer reads ``name`` under its lock: a person's late panel change lands now."""
        if self.late_panel is None or self.late_panel[0] != name:
            return
        rig, saw = self.rig, self.rig.saw
        _, value = self.late_panel
        self.late_panel = None
        attribute = "cutting" if name == "cutting_speed" else "descent"
        if getattr(saw, attribute) != value:
            self.human[name] = value
            if rig.modes.is_ml and rig.controller._controlling and saw.state is SawState.CUTTING:
                self.touched.add(name)
        setattr(saw, attribute, value)

    def on_predict(self, vector: Sequence[float]) -> None:
        c = self.rig.controller
        if not c.modes.is_ml:
            self.violations.append("model consulted in manual mode")
        if not c.envelope.is_fresh(c._latest, self.rig.clock()):
            self.violations.append("model consulted on stale data")
        if c.competence is not None and c.competence.check(vector):
            self.violations.append(f"model consulted outside its envelope: {c.competence.check(vector)}")

    def on_decide(self) -> None:
        c = self.rig.controller
        self.on_predict(c.features.vector() or [] if c.features is not None else [])

    def poll(self, dt: float, quality: Quality = Quality.GOOD) -> None:
        saw = self.rig.saw
        saw.advance(dt)
        if self.chip:
            cutting = saw.state is SawState.CUTTING
            saw.extra |= BAR | {"descent_speed_actual": saw.descent if cutting else 0.0,
                                "cutting_speed_actual": saw.cutting}
        self.rig.controller.feed(saw.snapshot(quality))

    async def apply(self, kind: str, value: float) -> None:
        rig, saw = self.rig, self.rig.saw
        was_ml = rig.modes.is_ml
        late = False
        if kind == "poll":
            self.poll(value)
        elif kind == "late":
            saw.advance(value)
            late = value <= self.grace
        elif kind == "stale":
            saw.advance(value)
        elif kind == "comm_error":
            self.poll(0.1, Quality.COMM_ERROR)
        elif kind in ("panel_descent", "hmi_descent", "panel_cutting", "hmi_cutting"):
            name = "cutting_speed" if kind.endswith("cutting") else "descent_speed"
            attribute = "cutting" if name == "cutting_speed" else "descent"
            if getattr(saw, attribute) != value:  # setting what the PLC already holds changes nothing
                self.human[name] = value
                if rig.modes.is_ml and rig.controller._controlling and saw.state is SawState.CUTTING:
                    self.touched.add(name)
            setattr(saw, attribute, value)
            if kind.startswith("hmi"):
                rig.controller.human_wrote(name, value)
            self.poll(0.1)
        elif kind in ("late_panel_descent", "late_panel_cutting"):
            self.late_panel = ("cutting_speed" if kind.endswith("cutting") else "descent_speed", value)
            self.poll(0.1)
        elif kind == "trip":
            self.touched.clear()
            saw.state, saw.alarm_status = SawState.ERROR, value
            self.poll(0.1)
        elif kind == "reset":
            saw.state, saw.alarm_status, saw.height = SawState.CUTTING, 0.0, 100.0
            self.poll(0.1)
        elif kind == "mode":
            self.touched.clear()
            self.settled = False
            rig.modes.set_mode(Mode.ML if value else Mode.MANUAL, user="anna")
            self.poll(0.1)
        elif kind == "flip_during_write":
            self.flip_on_write = True
            self.poll(0.1)
        elif kind == "write_failure":
            saw.fail_writes = 1
            self.poll(0.1)
        elif kind == "lost_answer":
            saw.lose_answers = 1
            self.poll(0.1)
        elif kind == "deviation":
            saw.deviation = value
            self.poll(0.1)
        elif kind == "torque":
            saw.torque = value
            self.poll(0.1)
        elif kind == "coefficient":
            rig.model.coefficient = value
            if self.chip:  # a band-speed feed-forward anywhere in (and beyond) the limits
                assert isinstance(rig.model, FakeChipModel)
                rig.model.speed = 65.0 + 40.0 * value
            self.poll(0.1)
        elif kind == "cut_end":
            self.touched.clear()
            saw.state = SawState.COMPLETED
            self.poll(0.1)
            saw.state, saw.height = SawState.CUTTING, 100.0
        self.failed_in_ml = False
        stale_age = rig.clock() - (saw.latest.monotonic if saw.latest else rig.clock())
        pending = set(rig.controller._restore)
        await rig.controller.step()
        self.after_restore(pending)
        self.after_step(kind, was_ml, late, stale_age)

    def after_restore(self, pending: set[str]) -> None:
        """A restore ended: at the operator's value, or abandoned with an alarm (theirs is then the live value)."""
        c, saw = self.rig.controller, self.rig.saw
        rows = self.rig.journal.decisions[self.journal_seen:]
        self.journal_seen = len(self.rig.journal.decisions)
        abandoned = " ".join(row.reason for row in rows if row.action == "restore_abandoned")
        started = not pending and c._restore
        if started:
            for name in SPEEDS:
                if name not in c._restore:  # not restored (a lower descent after an overload): theirs now
                    self.human[name] = saw.descent if name == "descent_speed" else saw.cutting
        for name in pending - set(c._restore):
            live = saw.descent if name == "descent_speed" else saw.cutting
            self.restoring.pop(name, None)
            if name in abandoned:
                if "tripped" not in abandoned and "in time" not in abandoned:
                    self.violations.append(f"restore abandoned without a trip or a timeout: {abandoned}")
                if not self.rig.alarms.is_active(ALARM_FAULT):
                    self.violations.append(f"restore abandoned without an alarm: {abandoned}")
                self.human[name] = live  # handed to the operator
            elif abs(live - self.human[name]) > 0.01:
                self.violations.append(f"restore of {name} ended at {live:g}, the operator's is {self.human[name]:g}")
        self.settled = not self.rig.modes.is_ml and not c._restore and not c._controlling

    def after_step(self, kind: str, was_ml: bool, late: bool, stale_age: float) -> None:
        rig = self.rig
        if self.failed_in_ml and rig.modes.is_ml:
            self.violations.append("a failed write in ML mode did not end ML")
        if was_ml and late and not rig.modes.is_ml and rig.saw.state is not SawState.ERROR:
            self.violations.append(f"one late poll ({stale_age:.2f} s) ended ML: {rig.modes.last_fault}")
        if was_ml and kind == "stale" and (rig.modes.is_ml or not rig.alarms.is_active(ALARM_FAULT)):
            self.violations.append(f"data {stale_age:.2f} s old did not end ML with an alarm")
        if was_ml and rig.saw.state is SawState.ERROR and (rig.modes.is_ml or not rig.alarms.is_active(ALARM_TRIP)):
            self.violations.append("a PLC trip did not end ML with its alarm")


def _settings() -> Settings:
    settings = load_settings(PROJECT_ROOT / "config" / "config.yaml", env={}, env_file=PROJECT_ROOT / "no.env",
                             overrides={"paths": {"data_dir": "/nonexistent-bandsaw-data"}})
    settings.control.initial_delay_min_s = 0.5
    settings.control.initial_descent_mm = 0.1
    return settings


SETTINGS = _settings()
REGISTER_MAP: RegisterMap = load_register_map(PROJECT_ROOT / "config" / "registers.yaml")


CHIP = ChipSettings(windows={2: (0.0015, 0.0036)}, grade_windows={1: (0.0015, 0.0040)})


async def _run(events: list[Event], policy: str = "coefficient") -> Harness:
    store = MemoryHandover()
    rig = make_rig(SETTINGS.model_copy(deep=True), REGISTER_MAP, handover=store)
    harness = Harness(rig, grace=max(rig.controller.envelope.max_age_s, SETTINGS.control.stale_fault_after_s),
                      chip=policy == "chip", store=store)
    model: FakeModel = FakeChipModel(CHIP) if harness.chip else rig.model
    rig.model = model
    model.steps = {} if harness.chip else dict(STEPS)
    model.envelope = {"ranges": {"band_deviation": [0.0, 0.3]}, "codes": {}}
    model.on_predict = harness.on_predict
    rig.controller.set_model(model)
    chip = rig.controller.chip
    if chip is not None:
        decide = chip.decide

        def checked(*args: object, **kwargs: object) -> ChipDecision:
            harness.on_decide()  # the same conditions as consulting a model
            return decide(*args, **kwargs)  # type: ignore[arg-type]

        chip.decide = checked  # type: ignore[method-assign]
    rig.saw.on_write = harness.on_write
    rig.saw.before_live_read = harness.before_live_read
    rig.saw.state = SawState.CUTTING
    harness.poll(0.1)
    for kind, value in events:
        COUNTS[f"event {kind}"] += 1
        await harness.apply(kind, value)
        if harness.violations:
            break
    for row in rig.journal.decisions:
        COUNTS[f"decision {row.action}"] += 1
    return harness


# The mutation check (see the closing note of #14) only needs to know that an example fails.
PHASES = [Phase.explicit, Phase.reuse, Phase.generate] if os.environ.get("BANDSAW_NO_SHRINK") else list(Phase)


@settings(max_examples=EXAMPLES, deadline=None, suppress_health_check=[HealthCheck.too_slow],
          derandomize=PROFILE == "ci", phases=PHASES)
@given(st.lists(EVENTS, min_size=20, max_size=80), st.lists(st.just(("poll", 0.2)), min_size=0, max_size=40))
def test_controller_invariants(events: list[Event], polls: list[Event]) -> None:
    # Stretches of plain polls let cuts get past the initial delay so ML really acts.
    mixed = [e for pair in zip(events, polls + [("poll", 0.1)] * len(events), strict=False) for e in pair]
    harness = asyncio.run(_run(mixed))
    assert harness.violations == [], harness.violations[:3]


@settings(max_examples=EXAMPLES, deadline=None, suppress_health_check=[HealthCheck.too_slow],
          derandomize=PROFILE == "ci", phases=PHASES)
@given(st.lists(EVENTS, min_size=20, max_size=80), st.lists(st.just(("poll", 0.2)), min_size=0, max_size=40))
def test_chip_controller_invariants(events: list[Event], polls: list[Event]) -> None:
    """The same events and invariants with the shipped kind of model, the chip-thickness policy."""
    mixed = [e for pair in zip(events, polls + [("poll", 0.1)] * len(events), strict=False) for e in pair]
    harness = asyncio.run(_run(mixed, "chip"))
    assert harness.violations == [], harness.violations[:3]


@pytest.fixture(scope="module", autouse=True)
def _print_counts() -> object:
    yield
    if COUNTS:  # shown with -s (make soak)
        print(f"\ncontroller property test, profile {PROFILE}, {EXAMPLES} examples:")
        for key, count in sorted(COUNTS.items()):
            print(f"  {key:<40} {count:>9}")


def test_failed_restore_attempts_do_not_count_toward_the_restore_s_writes() -> None:
    """The soak profile's falsifying case: PLC-refused restore writes counted toward the write limit.

    Only writes the PLC took move the speed; a restore retried after failures still needs only the
    step-limited number of successful writes.
    """
    events: list[Event] = [("coefficient", -1.0)] + [("poll", 0.2)] * 40 + [("mode", 0.0)]
    events += [("write_failure", 0.0), ("poll", 0.2)] * 5 + [("poll", 0.2)] * 10
    harness = asyncio.run(_run(events))
    failed = [w for w in harness.rig.saw.writes if w.reason == "restore operator speed" and not w.ok]
    assert len(failed) >= 2  # the restore really was refused by the PLC and retried
    assert harness.violations == [], harness.violations[:3]
    assert harness.rig.controller._restore == {}


# Found by a 10,000-example run: a load-ceiling cut to 13.485 mm/min (17.98 x 0.75), which no 0.01
# register holds, had the restore write 13.49 over 13.49 at every tick (the cap is now a held value).
CEILING_CAP_OFF_GRID: list[Event] = [
    ("panel_descent", 1.14), ("coefficient", -0.6906233545941642), ("write_failure", 0.0), ("hmi_descent", 40.32),
    ("trip", 0.0), ("poll", 0.2), ("torque", 40.0), ("coefficient", 0.0025), ("trip", 2.0), ("hmi_descent", 13.04),
    ("torque", 110.0), ("flip_during_write", 0.0), ("late_panel_descent", 17.98), ("hmi_descent", 18.0),
    ("cut_end", 0.0), ("panel_cutting", 64.0), ("reset", 0.0), ("mode", 1.0), ("torque", 110.0),
    ("panel_cutting", 37.0), ("deviation", 0.1), ("panel_cutting", 37.0), ("write_failure", 0.0), ("torque", 40.0),
    ("poll", 0.1), ("panel_cutting", 114.0), ("coefficient", 0.8269179453818762), ("poll", 0.2),
]


# And (chip policy): a restore step of 0.004 mm/min, what the second's allowance had left, which the
# register (0.01) rounds back to the value it holds: a write that moved nothing (the envelope now
# waits for a step the register can take).
SUB_RESOLUTION_STEP: list[Event] = [
    ("hmi_descent", 10.24), ("late", 0.75), ("torque", 60.0), ("late", 0.75), ("poll", 0.2),
    ("stale", 1.9486606810430276), ("stale", 1.1), ("poll", 0.1), ("write_failure", 0.0), ("poll", 0.2),
    ("deviation", 0.8), ("trip", 0.0), ("trip", 1.0), ("flip_during_write", 0.0), ("lost_answer", 0.0),
    ("write_failure", 0.0), ("hmi_descent", 16.99), ("torque", 40.0), ("hmi_descent", 29.07),
    ("late_panel_descent", 2.29), ("flip_during_write", 0.0), ("coefficient", 0.0), ("write_failure", 0.0),
    ("reset", 0.0), ("panel_cutting", 92.0), ("torque", 40.0), ("trip", 0.0), ("hmi_cutting", 44.0),
    ("late_panel_cutting", 75.0), ("late_panel_descent", 15.11), ("comm_error", 0.0), ("poll", 0.2),
    ("late_panel_descent", 31.24), ("write_failure", 0.0), ("mode", 1.0),
]


# And: a ceiling cut in a cut whose write never went out, then a comms fault: the restore drives the
# descent to the ceiling's 22.5 while the cut lasts, then to the operator's 30 (two targets, each
# within its step-limited number of writes; the harness counted both as one).
HELD_THEN_LIFTED: list[Event] = [
    ("mode", 0.0), ("torque", 110.0), ("mode", 1.0), ("coefficient", -2.469971655601443e-21),
    ("late", 0.2756437752856651), ("cut_end", 0.0), ("torque", 110.0), ("flip_during_write", 0.0),
    ("comm_error", 0.0), ("comm_error", 0.0), ("mode", 1.0), ("late_panel_cutting", 38.0), ("cut_end", 0.0),
    ("hmi_cutting", 45.0), ("lost_answer", 0.0), ("reset", 0.0), ("mode", 1.0), ("poll", 0.2), ("trip", 1.0),
    ("torque", 40.0), ("reset", 0.0), ("deviation", 0.1), ("late", 0.2889873028441658), ("mode", 0.0),
]


# And (chip policy): ML's write of 60 landed unconfirmed over 57; a person then chose 57 in the HMI,
# the value ML had before: taken for no change, the restore went to the older 47 over the person's 57.
HMI_AFTER_UNCONFIRMED: list[Event] = [
    ("late_panel_descent", 2.71), ("panel_cutting", 47.0), ("cut_end", 0.0), ("deviation", 0.1), ("lost_answer", 0.0),
    ("late_panel_descent", 5.3), ("hmi_cutting", 57.0), ("deviation", 0.1), ("mode", 1.0), ("poll", 0.2),
    ("write_failure", 0.0),
]


@pytest.mark.parametrize(("events", "polls", "policy"), [
    (HMI_AFTER_UNCONFIRMED, [("poll", 0.2)], "chip"),
    (HELD_THEN_LIFTED, [], "coefficient"),
    (CEILING_CAP_OFF_GRID, [], "coefficient"),
    (SUB_RESOLUTION_STEP, [("poll", 0.2)] * 3, "chip"),
])
def test_found_sequences_hold_the_invariants(events: list[Event], polls: list[Event], policy: str) -> None:
    mixed = [e for pair in zip(events, polls + [("poll", 0.1)] * len(events), strict=False) for e in pair]
    harness = asyncio.run(_run(mixed, policy))
    assert harness.violations == [], harness.violations[:3]
