"""Replay of recorded cuts through two models (``bandsaw ml compare A B --raw RAW_DB``).

Every CUTTING sample of raw.db is fed, as the controller would see it (averaged features in each
model's own order), through both models; their outputs are compared sample by sample on one
scale, the descent change asked for in units of ``LABEL_SCALE`` mm/min, in [-1, 1]: a coefficient
model's output is that already; a chip-policy model (the shipped kind) runs its real
:class:`~core.control.chip_policy.ChipPolicy` over the cut and its descent target minus the
recorded descent is scaled. A decision is "up" (above +``dead_band``), "down" (below
-``dead_band``) or "hold";
the report counts, per cut, the samples where the two models decide differently and lists the
moments where their outputs differ most, with the inputs at that moment.
"""

from __future__ import annotations

import math
import sqlite3
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from core.config import Settings
from core.control.chip_policy import ChipPolicy
from core.ml.artefact import LoadedModel
from core.ml.features import FeatureExtractor
from core.snapshot import SawState

DEAD_BAND = 0.1
LABEL_SCALE = 10.0  # mm/min of descent change that saturates the scale (as core.ml.train)


class _Decider:
    """One model's output on each recorded sample (see the module docstring for the scale)."""

    def __init__(self, model: LoadedModel, settings: Settings) -> None:
        self.model = model
        self.extractor = FeatureExtractor(model.features, averaging=settings.ml.averaging_samples,
                                          polynomial=settings.ml.current_polynomial)
        chip = getattr(model, "chip", None)
        self.policy = ChipPolicy(chip, model.predict_speed) if chip is not None else None
        lim = settings.control.ml_limit
        self.cutting = (lim("cutting_speed_min") or 0.0, lim("cutting_speed_max") or math.inf)
        self.descent = (lim("descent_speed_min") or 0.0, lim("descent_speed_max") or math.inf)

    @property
    def registers(self) -> set[str]:
        return set(self.extractor.registers)

    def begin_cut(self) -> None:
        self.extractor.reset()
        if self.policy is not None:
            self.policy.begin_cut()

    def push(self, values: dict[str, Any]) -> list[float] | None:
        self.extractor.push_values(values)
        if self.policy is not None:
            self.policy.observe(values)
        return self.extractor.vector()

    def output(self, vector: list[float], values: dict[str, Any]) -> float:
        if self.policy is None:
            return self.model.predict(vector)
        decision = self.policy.decide(values, self.cutting, self.descent)
        target, live = decision.targets.get("descent_speed"), values.get("descent_speed")
        if decision.hold or target is None or live is None:
            return 0.0
        return min(1.0, max(-1.0, (target - live) / LABEL_SCALE))


def _decision(coefficient: float) -> str:
    return "up" if coefficient > DEAD_BAND else "down" if coefficient < -DEAD_BAND else "hold"


@dataclass(slots=True)
class CutReplay:
    index: int
    start_ms: int
    samples: int = 0
    differ: int = 0  # samples where the decisions (up/hold/down) differ
    mean_abs_delta: float = 0.0
    mean_a: float = 0.0
    mean_b: float = 0.0


@dataclass(slots=True)
class Replay:
    model_a: str
    model_b: str
    cuts: list[CutReplay] = field(default_factory=list)
    largest: list[dict[str, Any]] = field(default_factory=list)  # where the outputs differ most

    @property
    def samples(self) -> int:
        return sum(c.samples for c in self.cuts)

    @property
    def differ(self) -> int:
        return sum(c.differ for c in self.cuts)

    def as_dict(self) -> dict[str, Any]:
        return {"model_a": self.model_a, "model_b": self.model_b, "samples": self.samples, "differ": self.differ,
                "cuts": [vars_of(c) for c in self.cuts], "largest_differences": self.largest}

    def markdown(self) -> str:
        share = self.differ / self.samples * 100 if self.samples else math.nan
        lines = [f"## Replay of recorded cuts: {self.model_a} vs {self.model_b}", "",
                 f"{len(self.cuts)} cuts, {self.samples} samples; the decisions (up / hold / down, dead band "
                 f"±{DEAD_BAND:g}) differ on {self.differ} samples ({share:.1f} %).", "",
                 "cut | start (UTC ms) | samples | decisions differ | mean |A - B| | mean A | mean B",
                 "--- | --- | --- | --- | --- | --- | ---"]
        lines += [f"{c.index} | {c.start_ms} | {c.samples} | {c.differ} | {c.mean_abs_delta:.3f} | "
                  f"{c.mean_a:+.3f} | {c.mean_b:+.3f}" for c in self.cuts]
        if self.largest:
            lines += ["", "Largest differences:", "", "ts_ms | cut | A | B | inputs", "--- | --- | --- | --- | ---"]
            lines += [f"{d['ts_ms']} | {d['cut']} | {d['a']:+.3f} | {d['b']:+.3f} | "
                      + ", ".join(f"{k} {v:.4g}" for k, v in d["inputs"].items()) for d in self.largest]
        return "\n".join(lines) + "\n"


def vars_of(cut: CutReplay) -> dict[str, Any]:
    return {name: getattr(cut, name) for name in cut.__slots__}


def replay(raw_db: Path, a: LoadedModel, b: LoadedModel, settings: Settings, *, top: int = 5) -> Replay:
    """Feed every recorded cut of ``raw_db`` through models ``a`` and ``b``."""
    deciders = [_Decider(a, settings), _Decider(b, settings)]
    columns = sorted(deciders[0].registers | deciders[1].registers | {"saw_state"})
    try:
        conn = sqlite3.connect(f"file:{raw_db}?mode=ro", uri=True)
        try:
            present = {row[1] for row in conn.execute("PRAGMA table_info(samples)")}
            missing = [c for c in columns if c not in present]
            if not present or missing:
                raise ValueError(f"{raw_db}: samples lack columns {', '.join(missing) or 'all'}")
            rows = conn.execute(f"SELECT ts_ms, {', '.join(columns)} FROM samples ORDER BY ts_ms").fetchall()
        finally:
            conn.close()
    except sqlite3.Error as exc:
        raise ValueError(f"{raw_db}: cannot read samples: {exc}") from None
    result = Replay(a.name, b.name)
    diffs: list[tuple[float, dict[str, Any]]] = []
    cut: CutReplay | None = None
    cutting = float(SawState.CUTTING)
    for record in rows:
        values = dict(zip(columns, record[1:], strict=True))
        if values.get("saw_state") != cutting:
            _close(cut, result)
            cut = None
            continue
        if cut is None:
            cut = CutReplay(len(result.cuts) + 1, int(record[0]))
            for decider in deciders:
                decider.begin_cut()
        va, vb = deciders[0].push(values), deciders[1].push(values)
        if va is None or vb is None:
            continue
        ca, cb = deciders[0].output(va, values), deciders[1].output(vb, values)
        cut.samples += 1
        cut.differ += _decision(ca) != _decision(cb)
        cut.mean_abs_delta += abs(ca - cb)
        cut.mean_a += ca
        cut.mean_b += cb
        inputs = deciders[0].extractor.as_dict(va) | deciders[1].extractor.as_dict(vb)
        diffs.append((abs(ca - cb), {"ts_ms": int(record[0]), "cut": cut.index, "a": ca, "b": cb, "inputs": inputs}))
    _close(cut, result)
    diffs.sort(key=lambda item: -item[0])
    result.largest = [d for delta, d in diffs[:top] if delta > 0]
    return result


def _close(cut: CutReplay | None, result: Replay) -> None:
    """Finish a cut's means and keep it (a cut without usable samples is dropped)."""
    if cut is not None and cut.samples:
        cut.mean_abs_delta /= cut.samples
        cut.mean_a /= cut.samples
        cut.mean_b /= cut.samples
        result.cuts.append(cut)
