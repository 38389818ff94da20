"""The model's turn in an ML decision (a part of :class:`~core.control.ml_controller.MlController`).

After trips, stale data, overrides, the load ceiling and the torque guard have had their say,
the model decides: a coefficient model after the initial delay, through the write thresholds
(its nudges accumulate on the live speeds); the chip-thickness policy
(:mod:`core.control.chip_policy`) from the first millimetre, its targets minus any speed a
person set during the cut (except a lower descent the band's load demands). Either only inside
the model's training envelope (outside it ML holds). The writes go through the controller's
``_write``: the envelope and the Writer.
"""

from __future__ import annotations

import math

from core.control.chip_policy import ChipPolicy
from core.control.envelope import Fault
from core.control.journal import DecisionRow
from core.control.ml_parts import SPEEDS, MlParts
from core.control.status import ControlState
from core.snapshot import Snapshot
from core.texts import D_FEATURES, D_HEAD_UNKNOWN, D_INITIAL_DELAY, D_INITIAL_DESCENT, F_NO_MODEL


class ModelTurn(MlParts):
    """The model's part of a decision (a part of the controller)."""

    async def _decide(self, snap: Snapshot, now: float) -> DecisionRow | None:
        """The model's turn: initial delay, features, competence, prediction, writes.

        The chip policy does not wait out the initial delay: it has its own entry (a thin chip
        until the band's load is measured) and holds the chip in the window from the first mm.
        """
        waiting = self._initial_delay_left(snap) if self.chip is None else ""
        if waiting:
            self._set_state(ControlState.WAITING)
            return self._record("wait", waiting, snap)
        if self.model is None or self.features is None:
            return self._fault(Fault.MODEL, str(F_NO_MODEL()), snap)
        vector = self.features.vector()
        if vector is None:
            return self._record("hold", str(D_FEATURES()), snap)
        self.status.features = self.features.as_dict(vector)
        outside = self.competence.check(vector) if self.competence is not None else ""
        self._set_competence(outside)
        if outside:
            self._accum = dict.fromkeys(SPEEDS, 0.0)
            self._set_state(ControlState.HOLDING)
            return self._record("hold", outside, snap)
        if self.chip is not None:
            return await self._decide_chip(self.chip, snap, now)
        try:
            coefficient = self.model.predict(vector)
            if not math.isfinite(coefficient):
                raise ValueError(f"output {coefficient!r}")
        except Exception as exc:  # any model failure is a model fault, never a crash
            return self._fault(Fault.MODEL, f"model failed: {type(exc).__name__}: {exc}", snap)
        coefficient = min(1.0, max(-1.0, coefficient))
        self.status.coefficient = coefficient
        self._set_state(ControlState.CONTROLLING)
        targets = self._accumulate(coefficient, snap)
        return await self._write(targets, snap, now, "model", "", coefficient=coefficient)

    async def _decide_chip(self, chip: ChipPolicy, snap: Snapshot, now: float) -> DecisionRow:
        cutting, descent = self.envelope.limits("cutting_speed"), self.envelope.limits("descent_speed")
        decision = chip.decide(snap.values, (cutting.low, cutting.high), (descent.low, descent.high))
        if decision.hold:
            self._set_state(ControlState.HOLDING)
            return self._record("hold", decision.hold, snap)
        targets = dict(decision.targets)
        for name in self._human_set:
            # A speed a person set during this cut is theirs: the policy leaves it alone, except
            # to lower the descent where the band's load demands it.
            live = snap.value(name)
            lowers = name == "descent_speed" and decision.load_capped and live is not None \
                and targets.get(name, live) < live
            if name in targets and not lowers:
                del targets[name]
        # The Control page's bar: the descent change asked for, 10 mm/min = 1 (as a coefficient).
        live = snap.value("descent_speed")
        goal = decision.targets.get("descent_speed", live)
        self.status.coefficient = 0.0 if goal is None or live is None else min(1.0, max(-1.0, (goal - live) / 10.0))
        self._set_state(ControlState.CONTROLLING)
        return await self._write(targets, snap, now, "model", decision.reason)

    def _initial_delay_left(self, snap: Snapshot) -> str:
        assert self._cut is not None
        descent = snap.value("descent_speed") or 0.0
        height = snap.value("head_height")
        c = self.control
        needed_s = max(c.initial_delay_min_s, c.initial_descent_mm / descent * 60.0 if descent > 0 else math.inf)
        elapsed = snap.monotonic - self._cut.start_t
        if elapsed < needed_s:
            return str(D_INITIAL_DELAY(elapsed=elapsed, needed=needed_s))
        if self._cut.start_height is None or height is None:
            return str(D_HEAD_UNKNOWN())
        descended = self._cut.start_height - height
        if descended < c.initial_descent_mm:
            return str(D_INITIAL_DESCENT(descended=descended, needed=c.initial_descent_mm))
        return ""

    def _accumulate(self, coefficient: float, snap: Snapshot) -> dict[str, float]:
        """Add this decision's nudge; a register whose sum passes its threshold gets a target."""
        assert self.model is not None
        thresholds = {"descent_speed": self.control.write_threshold_descent,
                      "cutting_speed": self.control.write_threshold_cutting}
        targets: dict[str, float] = {}
        for name in SPEEDS:
            step = self.model.steps.get(name, 0.0)
            if step == 0.0:
                continue
            self._accum[name] += coefficient * self.control.global_factor * step
            if abs(self._accum[name]) >= thresholds[name]:
                base = self.watch.base(name, snap)
                if base is not None:
                    limits = self.envelope.limits(name)
                    targets[name] = min(max(base + self._accum[name], limits.low), limits.high)
                self._accum[name] = 0.0
        return targets

