"""A plant recorded from the simulator: raw.db (the engine's schema, every register at 10 Hz) and an
ML journal (ml.db) with no machine writes, cut by an operator who corrects the descent speed on
the PLC panel. The operator is a function of what a person sees on the saw; two kinds:

* ``ammeter``: watches the band load and moves the descent towards 60 % torque when it is more
  than 8 % away (a plausible operator: what they do follows from what the saw shows);
* ``random``: moves the descent by a random step either way, whatever the saw shows (labels
  no model can predict).

Every piece starts from the preset (70 m/min, 30 mm/min); the operator looks 1-3 s after the
cut starts and then every 1-3 s; a trip is reset after 5 s and the piece cut again from a
descent 40 % lower; after three trips the operator puts the next bar on.
"""

from __future__ import annotations

import random
import sqlite3
from collections.abc import Callable
from pathlib import Path

from core.ml.simenv import SimSaw, load_piece
from core.ml.stock import random_training_item
from core.sim.physics import SawPlc
from core.snapshot import SawState, Snapshot
from core.storage.schema import ensure_sample_columns, migrate

EPOCH_MS = 1_700_000_000_000
Operator = Callable[[SawPlc, Snapshot, random.Random], float | None]  # the new descent speed, or None


def ammeter_operator(plc: SawPlc, snap: Snapshot, rng: random.Random) -> float | None:
    torque = snap.values.get("band_torque") or 0.0
    if torque <= 1.0 or abs(torque - 60.0) < 8.0:
        return None
    return plc.descent_sp * min(1.3, max(0.7, 60.0 / torque)) + rng.gauss(0.0, 0.3)


def random_operator(plc: SawPlc, snap: Snapshot, rng: random.Random) -> float | None:
    return plc.descent_sp + rng.choice((-1.0, 1.0)) * rng.uniform(1.0, 6.0)


OPERATORS: dict[str, Operator] = {"ammeter": ammeter_operator, "random": random_operator}


def record_plant(folder: Path, *, cuts: int, operator: str, seed: int = 7) -> tuple[Path, int]:
    """Cut ``cuts`` random training bars and record them; (raw.db path, corrections made)."""
    rng = random.Random(seed)
    act = OPERATORS[operator]
    saw = SimSaw(seed=seed)
    plc = saw.plc
    items = [random_training_item(rng) for _ in range(cuts)]
    plc.set_operator_speeds(70.0, 30.0, each_piece=True)
    load_piece(plc, items[0].stock)
    plc.wear = items[0].band_wear_pct / 100.0
    snaps: list[Snapshot] = []
    done = corrections = trips = 0
    look_at = error_s = 0.0
    previous = SawState.IDLE
    while done < cuts and saw.time < 24 * 3600.0:
        snap = saw.poll()
        snaps.append(snap)
        state = plc.state
        if state is SawState.CUTTING:
            if previous is not SawState.CUTTING:
                look_at = saw.time + rng.uniform(1.0, 3.0)
            elif saw.time >= look_at:
                look_at = saw.time + rng.uniform(1.0, 3.0)
                new = act(plc, snap, rng)
                if new is not None:
                    new = round(min(60.0, max(10.0, new)), 1)
                    if abs(new - plc.descent_sp) >= 0.5:
                        plc.set_value("descent_speed", new)
                        corrections += 1
        if state is SawState.COMPLETED and previous is not SawState.COMPLETED:
            done, trips = done + 1, 0
            item = items[done % cuts]
            plc.feed.force(item.stock, pieces=1)  # loaded when the head is back up
            plc.wear = item.band_wear_pct / 100.0
            plc.set_operator_speeds(70.0, 30.0, each_piece=True)  # the next bar from the preset
        if state is SawState.ERROR and previous is not SawState.ERROR:  # a trip: the piece again, slower
            trips += 1
            plc.set_operator_speeds(70.0, max(10.0, 0.6 * plc.operator_descent), each_piece=True)
        error_s = error_s + saw.period if state is SawState.ERROR else 0.0
        if error_s >= 5.0:
            plc.set_value("fault_reset", 1)
        if state is SawState.IDLE and trips >= 3:  # the operator gives up on this bar: the next one
            done, trips = done + 1, 0
            item = items[done % cuts]
            load_piece(plc, item.stock)
            plc.wear = item.band_wear_pct / 100.0
            plc.set_operator_speeds(70.0, 30.0, each_piece=True)
        previous = state
    _write(folder, snaps)
    return folder / "raw.db", corrections


def _write(folder: Path, snaps: list[Snapshot]) -> None:
    folder.mkdir(parents=True, exist_ok=True)
    names = sorted(snaps[0].values)
    raw = sqlite3.connect(folder / "raw.db", isolation_level=None)
    try:
        migrate(raw, "raw")
        ensure_sample_columns(raw, names)
        raw.execute("BEGIN")
        raw.executemany(
            f"INSERT INTO samples (ts_ms, {', '.join(names)}) VALUES ({', '.join('?' * (len(names) + 1))})",
            [(EPOCH_MS + s.ts_ms, *[s.values.get(n) for n in names]) for s in snaps])
        raw.execute("COMMIT")
    finally:
        raw.close()
    ml = sqlite3.connect(folder / "ml.db", isolation_level=None)  # the journal: manual mode, no ML writes
    try:
        migrate(ml, "ml")
    finally:
        ml.close()
