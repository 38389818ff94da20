"""Training data from the plant's own cuts (``bandsaw ml train --from RAW_DB``), or why there is none.

A label is what a person did next: the sum of the human changes to the descent speed within
``horizon_s`` after a sample, measured on the PLC's sample timestamps and never across the end of
the cut (a cut is one uninterrupted run of CUTTING samples). Only human changes count: a change
of the descent speed between two samples is the machine's when the ML journal (ml.db
``ml_writes`` and ``decisions``) or the audit trail (log.db ``audit`` rows of the engine's own
actors) shows a write of that value around that moment: ML decisions, the torque guard, the
load ceiling and the restores of the operator's speeds. Everything else (the PLC panel, the HMI,
a preset) is the operator's.

Data without enough cuts, without enough human corrections, or whose labels do not vary is
refused with :class:`NotEnoughData`, one line naming what is missing.
"""

from __future__ import annotations

import math
import sqlite3
from collections.abc import Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import numpy as np

from core.ml.features import FeatureExtractor
from core.snapshot import SawState

MIN_CUTS = 5
MIN_CORRECTIONS = 10
MIN_ROWS = 100
HORIZON_S = 10.0  # a correction this soon after a sample is its label
MATCH_BEFORE_MS = 3000  # a machine write shows up in the samples up to this long after it was sent...
MATCH_AFTER_MS = 500  # ...and a sample may carry a timestamp this much before the write's record
MACHINE_USERS = frozenset({"ml", "guard", "torque_guard", "system", "engine"})


class NotEnoughData(ValueError):
    """The recorded data cannot make a useful model; the message says what is missing."""


@dataclass(frozen=True, slots=True)
class Correction:
    ts_ms: int
    old: float
    new: float


@dataclass(slots=True)
class PlantData:
    rows: list[list[float]] = field(default_factory=list)
    labels: list[float] = field(default_factory=list)
    row_cuts: list[int] = field(default_factory=list)  # the cut each row belongs to, 0 = the earliest
    cuts: int = 0
    corrections: list[Correction] = field(default_factory=list)
    machine_changes: int = 0  # descent changes explained by ML/guard/restore writes

    def describe(self, path: Path) -> dict[str, Any]:
        return {"source": "raw.db", "path": str(path), "rows": len(self.rows), "cuts": self.cuts,
                "operator_corrections": len(self.corrections), "machine_changes_excluded": self.machine_changes,
                "labels": f"sum of operator descent corrections within {HORIZON_S:g} s of PLC sample time, "
                          "same cut, / label scale"}


def machine_writes(ml_db: Path, log_db: Path | None, register: str) -> list[tuple[int, float]]:
    """(ts_ms, value) of every write of ``register`` the engine itself made (ML, guard, restore)."""
    found: list[tuple[int, float]] = []
    column = {"descent_speed": "descent_after", "cutting_speed": "cutting_after"}.get(register)
    with _open(ml_db) as conn:
        tables = {row[0] for row in conn.execute("SELECT name FROM sqlite_master WHERE type = 'table'")}
        if "ml_writes" in tables:
            found += conn.execute(
                "SELECT ts_ms, new_value FROM ml_writes WHERE target = ? AND new_value IS NOT NULL"
                " AND result IN ('accepted', 'clamped', 'failed')", (register,)).fetchall()
        if "decisions" in tables and column is not None:
            cols = {row[1] for row in conn.execute("PRAGMA table_info(decisions)")}
            if column in cols:
                found += conn.execute(f"SELECT ts_ms, {column} FROM decisions WHERE {column} IS NOT NULL"
                                      " AND (action IS NULL OR action != 'override')").fetchall()
    if log_db is not None and log_db.exists():
        users = ", ".join(f"'{u}'" for u in sorted(MACHINE_USERS))
        with _open(log_db) as conn:
            for ts_ms, value in conn.execute(
                f"SELECT ts_ms, new_value FROM audit WHERE action = 'write' AND target = ? AND user IN ({users})"
                " AND new_value IS NOT NULL", (register,)):
                try:
                    found.append((int(ts_ms), float(value)))
                except (TypeError, ValueError):
                    continue
    return sorted((int(t), float(v)) for t, v in found)


def _open(path: Path) -> sqlite3.Connection:
    try:
        return sqlite3.connect(f"file:{path}?mode=ro", uri=True)
    except sqlite3.Error as exc:
        raise ValueError(f"{path}: cannot open: {exc}") from None


def _explained(writes: list[tuple[int, float]], ts_prev: int, ts_now: int, new: float, tol: float) -> bool:
    lo, hi = ts_prev - MATCH_AFTER_MS, ts_now + MATCH_AFTER_MS
    start = int(np.searchsorted([w[0] for w in writes], lo - MATCH_BEFORE_MS))
    return any(lo - MATCH_BEFORE_MS <= t <= hi and abs(v - new) <= tol for t, v in writes[start:])


def read_plant_data(
    raw_db: Path, ml_db: Path, log_db: Path | None, extractor: FeatureExtractor, label_scale: float,
    *, resolution: float = 0.01,
) -> PlantData:
    """Rows and labels from raw.db ``samples``; refuses (NotEnoughData) what cannot teach a model."""
    if not ml_db.exists():
        raise NotEnoughData(f"{ml_db}: the ML journal is missing: without it ML, guard and restore writes "
                            "cannot be told from the operator's (give --ml-db)")
    columns = sorted(set(extractor.registers) | {"saw_state", "descent_speed"})
    with _open(raw_db) as conn:
        try:
            present = {row[1] for row in conn.execute("PRAGMA table_info(samples)")}
            if not present:
                raise ValueError(f"{raw_db}: no samples table")
            missing = [c for c in columns if c not in present]
            if missing:
                raise ValueError(f"{raw_db}: samples lack columns {', '.join(missing)}")
            data = conn.execute(f"SELECT ts_ms, {', '.join(columns)} FROM samples ORDER BY ts_ms").fetchall()
        except sqlite3.Error as exc:
            raise ValueError(f"{raw_db}: cannot read samples: {exc}") from None
    writes = machine_writes(ml_db, log_db, "descent_speed")
    return _label(data, columns, writes, extractor, label_scale, tol=max(resolution, 1e-6) * 0.51)


def _label(
    data: Sequence[tuple[Any, ...]], columns: list[str], writes: list[tuple[int, float]],
    extractor: FeatureExtractor, label_scale: float, *, tol: float,
) -> PlantData:
    out = PlantData()
    state_i = 1 + columns.index("saw_state")
    cutting = float(SawState.CUTTING)
    cut: list[tuple[int, dict[str, Any]]] = []
    for record in [*data, None]:
        in_cut = record is not None and record[state_i] == cutting
        if in_cut and record is not None:
            cut.append((int(record[0]), dict(zip(columns, record[1:], strict=True))))
            continue
        if cut:
            out.cuts += 1
            _label_cut(cut, writes, extractor, label_scale, tol=tol, out=out)
            cut = []
        if record is not None:
            extractor.push_values(dict(zip(columns, record[1:], strict=True)))
    _refuse_useless(out)
    return out


def _label_cut(
    cut: list[tuple[int, dict[str, Any]]], writes: list[tuple[int, float]], extractor: FeatureExtractor,
    label_scale: float, *, tol: float, out: PlantData,
) -> None:
    """One cut: find the human corrections, then label each sample with those that follow it."""
    ts = np.asarray([t for t, _ in cut], dtype=np.int64)
    human = np.zeros(len(cut))
    for i in range(1, len(cut)):
        old, new = cut[i - 1][1].get("descent_speed"), cut[i][1].get("descent_speed")
        if old is None or new is None or not (math.isfinite(old) and math.isfinite(new)) or abs(new - old) <= tol:
            continue
        if _explained(writes, int(ts[i - 1]), int(ts[i]), float(new), tol):
            out.machine_changes += 1
            continue
        human[i] = new - old
        out.corrections.append(Correction(int(ts[i]), float(old), float(new)))
    cumulative = np.concatenate([[0.0], np.cumsum(human)])
    horizon_ms = int(HORIZON_S * 1000)
    extractor.reset()
    for i, (t, values) in enumerate(cut):
        extractor.push_values(values)
        vector = extractor.vector()
        if vector is None:
            continue
        j = int(np.searchsorted(ts, t + horizon_ms, side="right"))  # samples up to the horizon, this cut only
        change = cumulative[j] - cumulative[i + 1]
        out.rows.append(vector)
        out.row_cuts.append(out.cuts - 1)
        out.labels.append(float(np.clip(change / label_scale, -1.0, 1.0)))


def _refuse_useless(out: PlantData) -> None:
    if out.cuts < MIN_CUTS:
        raise NotEnoughData(f"only {out.cuts} cut(s) recorded; need at least {MIN_CUTS} to learn from")
    if len(out.rows) < MIN_ROWS:
        raise NotEnoughData(f"only {len(out.rows)} usable cutting samples; need at least {MIN_ROWS}")
    excluded = f"{out.machine_changes} ML/guard/restore changes excluded"
    if float(np.ptp(np.asarray(out.labels))) == 0.0:
        raise NotEnoughData(
            f"the labels do not vary: {len(out.corrections)} operator speed correction(s) in {out.cuts} cuts "
            f"({excluded}); nothing to learn what the operator wants"
        )
    if len(out.corrections) < MIN_CORRECTIONS:
        raise NotEnoughData(
            f"only {len(out.corrections)} operator speed correction(s) in {out.cuts} cuts ({excluded}); "
            f"need at least {MIN_CORRECTIONS}"
        )
