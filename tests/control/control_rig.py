"""A synthetic saw for control tests: setpoints, a descending head, snapshots on a fake clock."""

from __future__ import annotations

import asyncio
import math
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any

from core.analysis.alarms import AlarmManager
from core.api import WriteResult
from core.config import Settings
from core.control.chip_policy import ChipSettings
from core.control.envelope import LiveCheck, Precheck
from core.control.handover import HandoverStore
from core.control.journal import DecisionRow, MemoryJournal
from core.control.ml_controller import MlController
from core.control.modes import Mode, ModeManager
from core.registers import RegisterMap
from core.snapshot import Quality, SawState, Snapshot


class FakeClock:
    """Moves only when told; with ``follow_loop`` it also moves with the event loop's clock."""

    def __init__(self, start: float = 1000.0) -> None:
        self.t = start
        self.follow_loop = False

    def __call__(self) -> float:
        if self.follow_loop:
            return self.t + asyncio.get_running_loop().time()
        return self.t

    def advance(self, dt: float) -> None:
        self.t += dt


RESOLUTION = {"descent_speed": 0.01, "cutting_speed": 1.0}  # config/registers.yaml scales


@dataclass
class WriteLog:
    name: str
    value: float
    at: float
    snapshot_age: float | None
    snapshot_quality: Quality | None
    ok: bool = True
    reason: str = ""
    before: float | None = None  # the PLC's value just before this write


@dataclass
class FakeSaw:
    """Setpoints and a head that descends at the descent speed while CUTTING."""

    clock: FakeClock
    descent: float = 30.0
    cutting: float = 70.0
    height: float = 100.0
    torque: float = 40.0
    deviation: float = 0.05
    alarm_status: float = 0.0
    alarm_info: float = 0.0
    state: SawState = SawState.IDLE
    seq: int = 0
    fail_writes: int = 0
    lose_answers: int = 0  # writes that land but whose answer is lost (the Writer reports a failure)
    writes: list[WriteLog] = field(default_factory=list)
    latest: Snapshot | None = None
    extra: dict[str, float | None] = field(default_factory=dict)  # more registers in every snapshot
    # Called with each write before it lands (tests check invariants there; may raise).
    on_write: Callable[[WriteLog], None] | None = None
    # Called with the register's name under the "lock", before the read of a live check (a person
    # at the panel changes the speed after the last poll).
    before_live_read: Callable[[str], None] | None = None
    live_reads: int = 0
    # A person at the panel right after a write lands, before its read-back: given the register and
    # the value written, the value they set (the read-back shows it), or None.
    panel_after_write: Callable[[str, float], float | None] | None = None

    def snapshot(self, quality: Quality = Quality.GOOD, values: dict[str, float | None] | None = None) -> Snapshot:
        self.seq += 1
        base: dict[str, float | None] = {
            "saw_state": float(self.state),
            "head_height": self.height,
            "band_torque": self.torque,
            "band_deviation": self.deviation,
            "alarm_status": self.alarm_status,
            "alarm_info": self.alarm_info,
            "descent_speed": self.descent,
            "cutting_speed": self.cutting,
        }
        base.update(self.extra)
        if quality is Quality.COMM_ERROR:
            base = dict.fromkeys(base)
        base.update(values or {})
        t = self.clock()
        snap = Snapshot(self.seq, int(t * 1000), t, base, {}, quality)
        self.latest = snap
        return snap

    def advance(self, dt: float) -> None:
        self.clock.advance(dt)
        if self.state is SawState.CUTTING:
            self.height = max(0.0, self.height - self.descent / 60.0 * dt)

    async def write(
        self, name: str, value: float, *, user: str, reason: str, precheck: Precheck | None = None,
        live_check: LiveCheck | None = None,
    ) -> WriteResult:
        why = precheck() if precheck is not None else ""
        current = self.descent if name == "descent_speed" else self.cutting
        if not why and live_check is not None:
            self.live_reads += 1
            if self.before_live_read is not None:
                self.before_live_read(name)
                current = self.descent if name == "descent_speed" else self.cutting
            why = live_check(current)  # the register read from the PLC under the lock
        if why:  # as the Writer does under its lock
            return WriteResult(name, value, False, reason=why)
        # What the register can hold, rounded toward the present value (as the Writer's envelope
        # never lets rounding enlarge a step).
        steps = value / RESOLUTION[name]
        steps = math.floor(steps + 1e-9) if value >= current else math.ceil(steps - 1e-9)
        value = round(steps * RESOLUTION[name], 6)
        snap = self.latest
        log = WriteLog(
            name, value, self.clock(),
            None if snap is None else self.clock() - snap.monotonic,
            None if snap is None else snap.quality,
            reason=reason, before=self.descent if name == "descent_speed" else self.cutting,
        )
        self.writes.append(log)
        if self.on_write is not None:
            self.on_write(log)
        if self.fail_writes > 0:
            self.fail_writes -= 1
            self.writes[-1].ok = False
            return WriteResult(name, value, False, written=value, reason="no answer from the PLC")
        if self.lose_answers > 0:
            self.lose_answers -= 1
            self.writes[-1].ok = False
            if name == "descent_speed":
                self.descent = value
            elif name == "cutting_speed":
                self.cutting = value
            return WriteResult(name, value, False, written=value, reason="written, but the read-back failed")
        if name == "descent_speed":
            self.descent = value
        elif name == "cutting_speed":
            self.cutting = value
        person = self.panel_after_write(name, value) if self.panel_after_write is not None else None
        if person is not None:
            if name == "descent_speed":
                self.descent = person
            elif name == "cutting_speed":
                self.cutting = person
            return WriteResult(name, value, False, written=value, read_back=person,
                               reason=f"read back {person:g}, not the {value:g} written")
        return WriteResult(name, value, True, written=value, read_back=value, verified=True)


class FakeModel:
    """Returns ``coefficient``; raises when ``error`` is set."""

    name = "fake"
    features: tuple[str, ...] = ("band_current_est", "band_deviation", "cutting_speed", "descent_speed")
    envelope: Mapping[str, Any] = {}  # no training envelope: never "outside"

    def __init__(self, coefficient: float = 1.0, steps: dict[str, float] | None = None) -> None:
        self.coefficient = coefficient
        self.steps = steps if steps is not None else {"descent_speed": 1.0, "cutting_speed": 0.5}
        self.error: Exception | None = None
        self.calls = 0
        self.on_predict: Callable[[Sequence[float]], None] | None = None

    def predict(self, x: Sequence[float]) -> float:
        self.calls += 1
        if self.on_predict is not None:
            self.on_predict(x)
        assert all(math.isfinite(v) for v in x)
        if self.error is not None:
            raise self.error
        return self.coefficient


class FakeChipModel(FakeModel):
    """A "chip" model: the real chip policy with ``chip`` as its table; ``speed`` is its feed-forward."""

    name = "fake-chip"
    features: tuple[str, ...] = (
        "band_torque", "band_deviation", "cutting_speed", "descent_speed", "cutting_speed_actual",
        "descent_speed_actual", "head_height", "tooth_pitch", "material_type", "material_hardness",
        "cross_section", "dimension_a", "dimension_b", "dimension_c", "dimension_d", "material_width",
    )

    def __init__(self, chip: ChipSettings, speed: float = 60.0) -> None:
        super().__init__(0.0, steps={})
        self.chip = chip
        self.speed = speed

    def predict_speed(self, row: Sequence[float]) -> float:
        self.calls += 1
        if self.error is not None:
            raise self.error
        return self.speed


@dataclass
class Rig:
    controller: MlController
    saw: FakeSaw
    clock: FakeClock
    model: FakeModel
    modes: ModeManager
    alarms: AlarmManager
    journal: MemoryJournal

    async def tick(
        self, dt: float = 0.1, *, polls: int = 2, quality: Quality = Quality.GOOD
    ) -> DecisionRow | None:
        """``polls`` polls of ``dt`` each, then one decision."""
        for _ in range(polls):
            self.saw.advance(dt)
            self.controller.feed(self.saw.snapshot(quality))
        return await self.controller.step()

    async def run(self, seconds: float) -> None:
        for _ in range(round(seconds / 0.2)):
            await self.tick()

    async def tick_until(self, done: Callable[[], bool], ticks: int = 50) -> DecisionRow | None:
        """:meth:`tick` until ``done()`` holds, at most ``ticks`` times; the last decision's row."""
        row = None
        for _ in range(ticks):
            row = await self.tick()
            if done():
                break
        return row


def make_rig(settings: Settings, register_map: RegisterMap, *, mode: Mode = Mode.ML,
             coefficient: float = 1.0, handover: HandoverStore | None = None) -> Rig:
    clock = FakeClock()
    saw = FakeSaw(clock)
    journal = MemoryJournal()
    alarms = AlarmManager(clock=clock)
    modes = ModeManager(mode, journal, wall_clock=clock)
    model = FakeModel(coefficient)
    controller = MlController(settings, register_map, writer=saw.write, alarms=alarms, modes=modes,
                              journal=journal, model=model, clock=clock, wall_clock=clock, handover=handover)
    return Rig(controller, saw, clock, model, modes, alarms, journal)


def two_write_rig(settings: Settings, register_map: RegisterMap) -> Rig:
    """A rig whose every ML decision writes descent_speed, then cutting_speed."""
    settings.control.initial_delay_min_s = 0.5
    settings.control.initial_descent_mm = 0.1
    settings.control.write_threshold_descent = settings.control.write_threshold_cutting = 0.01
    rig = make_rig(settings, register_map, coefficient=1.0)
    rig.model.steps = {"descent_speed": 1.0, "cutting_speed": 1.0}
    return rig
