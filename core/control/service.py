"""ML control as the engine wires it: modes, controller and model, built from the settings.

    control = MlControl(settings, register_map, writer=writer.write, alarms=engine.alarms,
                        journal=StorageJournal(storage.ml))
    engine.subscribe(control.feed)      # every snapshot
    await control.start()               # the 5 Hz decision task
    control.request_mode("ml", user="anna")   # HMI / EngineApi
    control.status()                    # for the control page
    await control.stop()                # before the Writer and the poller stop
"""

from __future__ import annotations

import time
from collections.abc import Callable
from pathlib import Path

from core.analysis.alarms import AlarmManager
from core.config import Settings
from core.control.envelope import WriteFn
from core.control.handover import HandoverStore
from core.control.journal import ControlJournal
from core.control.ml_controller import ControllerStatus, MlController
from core.control.modes import Mode, ModeManager
from core.ml.signing import ModelKey
from core.registers import RegisterMap
from core.snapshot import Snapshot


class MlControl:
    def __init__(
        self,
        settings: Settings,
        register_map: RegisterMap,
        *,
        writer: WriteFn,
        alarms: AlarmManager,
        journal: ControlJournal,
        clock: Callable[[], float] = time.monotonic,
        wall_clock: Callable[[], float] = time.time,
        handover: HandoverStore | None = None,
    ) -> None:
        self.settings = settings
        self.modes = ModeManager(settings.control.default_mode, journal, wall_clock=wall_clock)
        # The run's first mode change: the start (a fault below, no model for a default ML, follows it).
        self.modes.record_start()
        self.controller = MlController(
            settings, register_map, writer=writer, alarms=alarms, modes=self.modes, journal=journal,
            clock=clock, wall_clock=wall_clock, handover=handover,
        )
        model_path = settings.ml_model_path
        if model_path is not None:
            # A refused model raises its alarm and leaves the default ML mode for manual.
            self.controller.load_model(model_path)
        elif self.modes.is_ml:
            self.modes.fault("no model configured (ml.model_path)")
        if self.modes.is_ml and self.controller.envelope.conflict:
            self.modes.fault(f"ML unavailable: {self.controller.envelope.conflict}")

    @property
    def mode(self) -> Mode:
        return self.modes.mode

    def feed(self, snapshot: Snapshot) -> None:
        self.controller.feed(snapshot)

    async def start(self) -> None:
        await self.controller.start()

    async def stop(self) -> None:
        await self.controller.stop()

    def request_mode(self, mode: Mode | str, *, user: str, reason: str = "") -> tuple[bool, str]:
        """Switch mode for a person; ML is refused (with why) while no model is loaded."""
        try:
            wanted = Mode(mode)
        except ValueError:
            return False, f"unknown mode {mode!r}: manual or ml"
        if wanted is Mode.ML and self.controller.envelope.conflict:
            return False, f"ML unavailable: {self.controller.envelope.conflict}"
        if wanted is Mode.ML and self.controller.model is None:
            return False, "no usable ML model loaded"
        if wanted is Mode.ML and self.controller.previous is not None:
            # ML would save the PLC's speeds (ML's of the last run) as the operator's.
            return False, ("the PLC may still hold speeds ML set before the engine stopped: restore the "
                           "operator's or keep these on the Control page first")
        changed = self.modes.set_mode(wanted, user=user, reason=reason)
        return True, "" if changed else f"already {wanted.value}"

    def load_model(self, path: Path) -> tuple[bool, str]:
        """Engineer's model choice; a refused model leaves ML mode and says why."""
        if self.controller.load_model(path):
            return True, ""
        return False, self.controller.model_error or f"model {path} refused"

    def restore_previous(self, user: str) -> tuple[bool, str]:
        """Put back the operator's speeds the previous run (ended in ML mode) saved in ml.db."""
        return self.controller.restore_previous(user)

    def keep_previous(self, user: str) -> tuple[bool, str]:
        """Keep the PLC's present speeds; the previous run's question is closed."""
        return self.controller.keep_previous(user)

    def human_wrote(self, name: str, value: float) -> None:
        """A person's write went through the Writer: ML builds on it from now on (engine calls this)."""
        self.controller.human_wrote(name, value)

    def model_key(self) -> ModelKey | None:
        """The installation's model signing key (None when it cannot be read: only shipped models load)."""
        return self.controller.model_key()

    def status(self) -> ControllerStatus:
        self.controller.status.mode = self.modes.mode.value
        return self.controller.status
