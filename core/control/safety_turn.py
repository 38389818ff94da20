"""The safety turn of an ML decision: operator overrides, the load ceiling and the torque guard.

These come before the model in every tick. A person's change of a speed becomes ML's base (and
the speed restored after the cut); too many in one cut pause ML for the cut. The ceiling and the
guard cut the descent at once; the cut is driven home over the next ticks (the step limit may
need more than one write) unless a person sets the descent meanwhile.
"""

from __future__ import annotations

import logging
import math

from core.analysis.alarms import Priority
from core.control.envelope import Fault
from core.control.journal import DecisionRow
from core.control.load_watch import CeilingBreach
from core.control.ml_parts import ALARM_CEILING, ALARM_GUARD, SPEEDS, MlParts
from core.control.operator_watch import Override
from core.control.torque_guard import GuardEvent
from core.snapshot import Snapshot
from core.texts import C_ALREADY_CUT, C_CUT, D_PAUSES, D_SET_IN_HMI, D_SET_ON_PANEL, F_CEILING_STAYED

log = logging.getLogger("bandsaw.control")


class SafetyTurn(MlParts):
    """Overrides, ceiling and guard (a part of the controller)."""

    def _take_overrides(self, snap: Snapshot) -> DecisionRow | None:
        """A person changed a speed: their value is the new base and the speed restored later."""
        row = None
        for change in self.watch.check(snap):
            row = self._override(change, snap)
        return row

    def _override(self, change: Override, snap: Snapshot) -> DecisionRow:
        self._overrides += 1
        self._human_set.add(change.register)
        self._saved[change.register] = change.new
        if change.register == "descent_speed":
            self._descent_goal = None  # the person's descent stands
            self._cut_cap = None  # and is what a restore puts back
        self._accum[change.register] = 0.0
        self.status.saved_speeds = dict(self._saved)
        if self._controlling:
            self._want_handover()  # the person's speed is the one to restore, after a crash too
        self.status.overrides_this_cut = self._overrides
        where = D_SET_ON_PANEL if change.source == "plc" else D_SET_IN_HMI
        reason = str(where(name=change.register, old=change.old, new=change.new))
        if self._overrides >= self.control.max_overrides_per_cut and not self._paused:
            self._paused = f"the operator changed the speeds {self._overrides} times in this cut"
            self.status.paused_reason = self._paused
            log.warning("ML pauses for this cut: %s", self._paused)
            reason += f"; {D_PAUSES(count=self._overrides)}"
        log.info("operator override: %s", reason)
        before = {change.register: change.old}
        return self._record("override", reason, snap, before=before, observed={change.register: change.new})

    def _descent_cut(self, snap: Snapshot, factor: float) -> dict[str, float]:
        base = self.watch.base("descent_speed", snap)
        if base is None:
            return {}
        self._accum = dict.fromkeys(SPEEDS, 0.0)
        goal = max(self.envelope.limits("descent_speed").low, base * factor)
        if self._descent_goal is not None:
            goal = min(goal, self._descent_goal[0])
        return {"descent_speed": goal}

    def _cap_cut(self, goal: float, why: str) -> None:
        """The guard or the ceiling cut the descent to ``goal``: no restore raises it while this cut lasts.

        Kept as a value the register holds (rounded up, as the Writer rounds a step down): 13.485 would
        never be reached by a register in 0.01 steps, and the restore would write 13.49 at every tick.
        """
        register = self.register_map.by_name.get("descent_speed")
        if register is not None and register.scale > 0:
            goal = round(math.ceil(goal / register.scale - 1e-9) * register.scale, 9)
        if self._cut_cap is None or goal < self._cut_cap[0]:
            self._cut_cap = (goal, why)

    async def _apply_guard(self, event: GuardEvent, snap: Snapshot, now: float) -> DecisionRow:
        self.status.guard_events = self.guard.events
        text = event.describe()
        log.warning("torque guard: %s", text)
        self._alarms.update(ALARM_GUARD, True, f"Torque guard: {text}", priority=Priority.MEDIUM,
                            source="control", value=event.rise_pct)
        targets = self._descent_cut(snap, event.descent_factor)
        if targets:
            self._descent_goal = (targets["descent_speed"], "guard")
            self._cap_cut(targets["descent_speed"], "torque guard")
        return await self._write(targets, snap, now, "guard", text)

    async def _apply_ceiling(self, breach: CeilingBreach, snap: Snapshot, now: float) -> DecisionRow:
        text = breach.describe()
        if breach.for_s >= self.control.ceiling_end_after_s:
            return self._fault(Fault.CEILING, str(F_CEILING_STAYED(detail=text)), snap, alarm=ALARM_CEILING,
                               downward_only=True)
        self._alarms.update(ALARM_CEILING, True, str(C_CUT(detail=text)), priority=Priority.HIGH,
                            source="control", value=breach.value)
        if self._ceiling_cut_at is not None and now - self._ceiling_cut_at < 1.0:
            return self._record("ceiling", f"{text}; {C_ALREADY_CUT()}", snap)
        self._ceiling_cut_at = now
        self.ceiling.events += 1
        self.status.ceiling_events = self.ceiling.events
        log.warning("load ceiling: %s", text)
        targets = self._descent_cut(snap, 1.0 - self.control.ceiling_descent_cut_pct / 100.0)
        if targets:
            self._descent_goal = (targets["descent_speed"], "ceiling")
            self._cap_cut(targets["descent_speed"], "load ceiling")
        return await self._write(targets, snap, now, "ceiling", text)
