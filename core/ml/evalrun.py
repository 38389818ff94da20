"""One stock item cut in one mode on the in-process simulator, measured for the evaluation.

Modes: a fixed preset (the operator's speeds), the oracle (:mod:`core.sim.oracle`, the
simulator's own cost-minimising speeds written straight into the PLC model: a ceiling, not a
controller), and ML (the real :class:`~core.control.ml_controller.MlController`, behind its
envelope and torque guard, writing through a Writer-shaped function).

Each piece starts at the item's band wear; a trip (torque overload, tooth breakage) is reset
as an operator would and the piece is cut again, up to ``max_attempts`` times. Simulated time
only: no wall clock, no sleeps; the same seed gives the same figures.
"""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from dataclasses import dataclass, field

from core.ml.simenv import SimSaw, load_piece
from core.ml.stock import StockItem
from core.sim import oracle
from core.sim.physics import AlarmCode
from core.snapshot import SawState, Snapshot


@dataclass(slots=True)
class Attempt:
    """One try at a piece: from the start of the cut to its end or to a trip."""

    completed: bool = False
    cut_s: float = 0.0
    band_life_used: float = 0.0  # fraction of a band
    trip: str = ""  # alarm code name when the attempt ended in the error state
    contact_s: float = 0.0  # time in the material
    chip_out_s: float = 0.0  # of which with the chip outside the grade's window
    peak_torque: float = 0.0
    deviation_sum: float = 0.0
    samples: int = 0


@dataclass(slots=True)
class ItemRun:
    label: str
    mode: str
    pieces: int
    attempts: list[Attempt] = field(default_factory=list)
    guard_events: int = 0
    faults: int = 0
    writes: int = 0

    @property
    def completed(self) -> int:
        return sum(a.completed for a in self.attempts)

    @property
    def overloads(self) -> int:
        return sum(bool(a.trip) for a in self.attempts)

    def cost(self, economics: oracle.Economics) -> float:
        """Machine time and band life of every attempt, failed ones included."""
        return sum(economics.cost(a.cut_s, a.band_life_used) for a in self.attempts)


OPERATOR_RESET_S = 5.0  # the operator sees the trip and resets it after this long (controllers see ERROR)

Decide = Callable[[], Awaitable[None]]
Feed = Callable[[Snapshot], None]


@dataclass(slots=True)
class Driver:
    """What runs the saw in a mode: the operator's speeds, and optional feed/decide hooks."""

    preset: tuple[float, float]
    feed: Feed | None = None
    decide: Decide | None = None
    on_piece: Callable[[], None] | None = None  # a new piece is on the table (speeds may be set)


async def run_item(
    saw: SimSaw,
    item: StockItem,
    driver: Driver,
    *,
    mode: str,
    pieces: int,
    decide_every: int = 2,
    max_attempts: int = 3,
    max_sim_s: float = 4 * 3600.0,
) -> ItemRun:
    """Cut ``pieces`` pieces of ``item`` (each from the item's band wear) and measure them."""
    plc = saw.plc
    run = ItemRun(item.label, mode, pieces)
    plc.set_operator_speeds(*driver.preset, each_piece=True)
    load_piece(plc, item.stock)
    plc.feed.force(item.stock)
    plc.wear = item.band_wear_pct / 100.0
    if driver.on_piece is not None:
        driver.on_piece()
    grade = plc.piece.grade
    attempt: Attempt | None = None
    wear_at_start = plc.wear
    tries = ticks = 0
    start = saw.time
    fresh_piece = False
    error_s = 0.0
    while (attempt is not None or (run.completed < pieces and tries < pieces * max_attempts)) \
            and saw.time - start < max_sim_s:
        snap = saw.poll()
        ticks += 1
        if driver.feed is not None:
            driver.feed(snap)
        state = plc.state
        if fresh_piece and state is SawState.IDLE:
            plc.wear = item.band_wear_pct / 100.0  # the next piece, on a band of the item's wear
            fresh_piece = False
            if driver.on_piece is not None:
                driver.on_piece()
        if state is SawState.CUTTING and attempt is None:
            attempt, wear_at_start = Attempt(), plc.wear
            tries += 1
        if attempt is not None:
            attempt.cut_s += saw.period
            if state is SawState.CUTTING:
                torque = snap.values.get("band_torque") or 0.0
                attempt.peak_torque = max(attempt.peak_torque, torque)
                attempt.deviation_sum += abs(plc.deviation)
                attempt.samples += 1
                if plc.contact > 0.0:
                    attempt.contact_s += saw.period
                    if not grade.h_min <= plc.h_z <= grade.h_max:
                        attempt.chip_out_s += saw.period
            if state in (SawState.COMPLETED, SawState.ERROR):
                attempt.completed = state is SawState.COMPLETED
                attempt.band_life_used = plc.wear - wear_at_start
                if state is SawState.ERROR:
                    attempt.trip = AlarmCode(plc.alarm_code).name.lower()
                run.attempts.append(attempt)
                attempt = None
                fresh_piece = state is SawState.COMPLETED
        error_s = error_s + saw.period if state is SawState.ERROR else 0.0
        if error_s >= OPERATOR_RESET_S - 1e-6:
            plc.set_value("fault_reset", 1)  # the operator resets; the piece is cut again
        if driver.decide is not None and ticks % decide_every == 0:
            await driver.decide()
    if attempt is not None:  # out of simulated time mid-cut: what it used counts, the piece failed
        attempt.band_life_used = plc.wear - wear_at_start
        run.attempts.append(attempt)
    return run


def preset_driver(speeds: tuple[float, float]) -> Driver:
    return Driver(preset=speeds)


def oracle_driver(
    saw: SimSaw,
    economics: oracle.Economics,
    cutting_range: tuple[float, float] = oracle.CUTTING_RANGE,
    descent_range: tuple[float, float] = oracle.DESCENT_RANGE,
) -> Driver:
    """The simulator's cost-minimising speeds: band speed per piece, descent per depth."""
    plc = saw.plc
    plan: dict[str, float] = {"v": 70.0}

    def on_piece() -> None:
        best = oracle.best_plan(plc.piece.grade, plc.piece.section, plc.wear, economics, machine=plc.machine,
                                cutting_range=cutting_range, descent_range=descent_range)
        plan["v"] = best.cutting_speed
        plc.set_operator_speeds(best.cutting_speed, oracle.descent_for(
            plc.piece.grade, plc.machine, plc.piece.section.max_chord(), best.cutting_speed, plc.wear,
            descent_range=descent_range), each_piece=True)

    async def decide() -> None:
        if plc.state is not SawState.CUTTING:
            return
        speed = plc.band_speed if plc.band_speed > 1.0 else plan["v"]
        plc.set_value("descent_speed", oracle.descent_for(
            plc.piece.grade, plc.machine, plc.lookahead_contact(), speed, plc.wear, descent_range=descent_range))

    return Driver(preset=(70.0, 30.0), decide=decide, on_piece=on_piece)
