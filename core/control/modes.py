"""Control modes: manual (the operator's speeds) or ml (the ML controller adapts them).

The default comes from ``control.default_mode``; every switch is recorded in the journal
(ml.db ``mode_changes``) with who and why, and told to subscribers (HMI, telemetry). The engine's
start is recorded too (:meth:`ModeManager.record_start`: no previous mode, "engine started in
manual"), so the last change a screen reads after a restart is this run's, not the previous run's.
"""

from __future__ import annotations

import logging
import time
from collections.abc import Callable
from dataclasses import dataclass
from enum import StrEnum

from core.control.journal import ControlJournal, ModeChangeRow
from core.texts import MODE_ENGINE_START

log = logging.getLogger("bandsaw.control")


class Mode(StrEnum):
    MANUAL = "manual"
    ML = "ml"


@dataclass(frozen=True, slots=True)
class ModeChange:
    old: Mode
    new: Mode
    user: str
    reason: str
    ts_ms: int


ModeListener = Callable[[ModeChange], None]


class ModeManager:
    def __init__(
        self,
        default: Mode | str,
        journal: ControlJournal,
        *,
        wall_clock: Callable[[], float] = time.time,
    ) -> None:
        self._mode = Mode(default)
        self._journal = journal
        self._wall_clock = wall_clock
        self._listeners: list[ModeListener] = []
        # An ML mode that a fault ended stays refused until someone chooses it again;
        # this says why the last fault happened, for the HMI.
        self.last_fault: str = ""

    @property
    def mode(self) -> Mode:
        return self._mode

    @property
    def is_ml(self) -> bool:
        return self._mode is Mode.ML

    def subscribe(self, listener: ModeListener) -> Callable[[], None]:
        self._listeners.append(listener)
        return lambda: self._listeners.remove(listener) if listener in self._listeners else None

    def record_start(self, *, user: str = "system") -> None:
        """Journal the mode this run starts in: a mode change without a previous mode, reason
        "engine started in manual" (core.texts ``mode.engine_start``). Listeners are not told: nothing changed."""
        mode = self._mode.value
        ts_ms = int(self._wall_clock() * 1000)
        self._journal.mode_change(ModeChangeRow(ts_ms, "", mode, user, str(MODE_ENGINE_START(mode=mode))))
        log.info("control mode at start: %s", mode)

    def set_mode(self, mode: Mode | str, *, user: str, reason: str = "") -> bool:
        """Switch and record; returns False (nothing recorded) when already in ``mode``."""
        new = Mode(mode)
        if new is self._mode:
            return False
        change = ModeChange(self._mode, new, user, reason, int(self._wall_clock() * 1000))
        self._mode = new
        if new is Mode.ML:
            self.last_fault = ""
        self._journal.mode_change(ModeChangeRow(change.ts_ms, change.old.value, change.new.value, user, reason))
        log.info("control mode %s -> %s by %s%s", change.old, new, user, f": {reason}" if reason else "")
        for listener in list(self._listeners):
            try:
                listener(change)
            except Exception:  # one broken listener must not stop a safety switch
                log.exception("mode listener %r failed", listener)
        return True

    def fault(self, reason: str) -> bool:
        """Back to manual because something went wrong; returns True if the mode changed."""
        self.last_fault = reason
        return self.set_mode(Mode.MANUAL, user="system", reason=reason)
