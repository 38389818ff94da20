"""The simulator's physics in-process, as the controller sees the PLC: for training and evaluation.

:class:`SimSaw` steps :class:`core.sim.physics.SawPlc` in simulated time (no Modbus, no wall
clock), turns its registers into :class:`~core.snapshot.Snapshot`s at the poll rate and
offers a Writer-shaped ``write`` that sets the simulated setpoints. :func:`run_cuts` drives
it through a number of cuts with an optional controller and measures each cut.
"""

from __future__ import annotations

import math
from collections.abc import Awaitable, Callable
from dataclasses import dataclass, field

from core.sim.materials import STOCK, Stock
from core.sim.physics import CLEARANCE, AlarmCode, SawPlc
from core.snapshot import Quality, SawState, Snapshot
from core.values import WriteResult


@dataclass(slots=True)
class CutResult:
    stock: str
    duration_s: float
    overloads: int  # trips to the error state (torque overload, tooth breakage)
    peak_torque: float
    mean_abs_deviation: float
    completed: bool


@dataclass(slots=True)
class _CutMeter:
    stock: str
    start: float
    overloads: int = 0
    peak_torque: float = 0.0
    deviation_sum: float = 0.0
    samples: int = 0


class SimSaw:
    """One simulated saw, stepped one poll period at a time."""

    def __init__(self, *, seed: int, poll_hz: float = 10.0, physics_hz: float = 20.0,
                 polynomial: tuple[float, float, float] = (0.015, -0.278, 15.656)) -> None:
        self.plc = SawPlc(seed=seed, physics_hz=physics_hz, current_polynomial=polynomial)
        self.period = 1.0 / poll_hz
        self.seq = 0
        self.snapshot = self._snap()

    @property
    def time(self) -> float:
        return self.plc.time

    def clock(self) -> float:
        return self.plc.time

    def poll(self) -> Snapshot:
        self.plc.step(self.period)
        self.seq += 1
        self.snapshot = self._snap()
        return self.snapshot

    def _snap(self) -> Snapshot:
        values: dict[str, float | None] = dict(self.plc.values())
        t = self.plc.time
        return Snapshot(self.seq, int(t * 1000), t, values, {}, Quality.GOOD)

    async def write(
        self, name: str, value: float, *, user: str, reason: str, precheck: Callable[[], str] | None = None,
        live_check: Callable[[float], str] | None = None,
    ) -> WriteResult:
        why = precheck() if precheck is not None else ""
        if not why and live_check is not None:
            why = live_check(self.plc.value(name))  # as the Writer reads the register under its lock
        if why:  # the controller's re-check before the write, as the Writer runs it under its lock
            return WriteResult(name, value, False, reason=why)
        self.plc.set_value(name, value)
        back = self.plc.value(name)
        return WriteResult(name, value, True, written=value, read_back=back, verified=True)


Decide = Callable[[Snapshot], Awaitable[None]]
Observe = Callable[[SimSaw, Snapshot], None]


@dataclass(slots=True)
class RunOptions:
    cuts: int
    preset: tuple[float, float] = (70.0, 30.0)  # operator cutting m/min, descent mm/min
    stock: tuple[Stock, ...] = STOCK
    pieces_per_stock: int = 1  # cut this many pieces of each stock in turn (a fixed mix)
    max_sim_s: float = 3600.0 * 24
    results: list[CutResult] = field(default_factory=list)


async def run_cuts(
    saw: SimSaw,
    options: RunOptions,
    *,
    feed: Callable[[Snapshot], None] | None = None,
    decide: Callable[[], Awaitable[object]] | None = None,
    observe: Observe | None = None,
    decide_every: int = 2,
) -> list[CutResult]:
    """Run ``options.cuts`` cuts; ``feed`` gets every snapshot, ``decide`` runs every ``decide_every``."""
    plc = saw.plc
    plc.set_operator_speeds(*options.preset)
    mix = [stock for stock in options.stock for _ in range(options.pieces_per_stock)]
    load_piece(plc, mix[0])
    next_piece = 1
    meter: _CutMeter | None = None
    was_error = False
    ticks = 0
    start_t = saw.time
    while len(options.results) < options.cuts and saw.time - start_t < options.max_sim_s:
        snap = saw.poll()
        ticks += 1
        if feed is not None:
            feed(snap)
        if observe is not None:
            observe(saw, snap)
        state = plc.state
        if state is SawState.CUTTING and meter is None:
            meter = _CutMeter(f"{plc.piece.grade.name} {plc.piece.section.shape.name.lower()} "
                              f"{plc.piece.section.a:g}", saw.time)
        if meter is not None:
            torque = snap.values.get("band_torque") or 0.0
            meter.peak_torque = max(meter.peak_torque, torque)
            if state is SawState.CUTTING:
                meter.deviation_sum += abs(plc.deviation)
                meter.samples += 1
        if state is SawState.ERROR and not was_error:
            if meter is not None and plc.alarm_code in (AlarmCode.TORQUE_OVERLOAD, AlarmCode.TOOTH_BREAKAGE):
                meter.overloads += 1
            was_error = True
        if state is SawState.ERROR:
            plc.set_value("fault_reset", 1)  # the operator resets and the piece is cut again
            if meter is not None:
                options.results.append(_finish(meter, saw.time, completed=False))
                meter = None
        else:
            was_error = False
        if meter is not None and state is SawState.COMPLETED:
            options.results.append(_finish(meter, saw.time, completed=True))
            meter = None
            # Keep the feed on the fixed mix: the next piece is loaded when the head returns.
            plc.feed.force(mix[next_piece % len(mix)], pieces=1)
            next_piece += 1
        if decide is not None and ticks % decide_every == 0:
            await decide()
    return options.results


def load_piece(plc: SawPlc, stock: Stock) -> None:
    """Put ``stock`` on the table now, the head parked above it (the saw must be idle)."""
    plc.feed.force(stock, pieces=1)
    plc.piece = plc.feed.next_piece()
    plc.head = plc.piece.section.height + CLEARANCE


def _finish(meter: _CutMeter, now: float, *, completed: bool) -> CutResult:
    mean_dev = meter.deviation_sum / meter.samples if meter.samples else math.nan
    return CutResult(meter.stock, now - meter.start, meter.overloads, meter.peak_torque, mean_dev, completed)
