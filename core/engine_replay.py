"""Replay as engine commands (mixed into core.engine.Engine and the stand-in engine alike).

While a replay runs, nothing is written to the PLC: :meth:`ReplayCommands.replay_hold` is the
Writer's hold (core.modbus.writer), so every setpoint write, preset and ML write is refused
there with the reason, and audited like every refused write; switching ML on is refused here.
The heartbeat goes on: it tells the PLC the HMI is alive, and acquisition, recording and alarms
go on underneath the replay. Starting and stopping a replay are audited (who, which period).
"""

from __future__ import annotations

import contextlib
import logging
from collections.abc import Callable

from core.api import Result, UserSession
from core.config import Settings
from core.control.service import MlControl
from core.offload import run_blocking
from core.registers import RegisterMap
from core.replay.reader import ReplayReadError, recorded_columns, when
from core.replay.source import ReplayRefused, ReplaySource, check_speed
from core.replay.status import ReplayListener, ReplayStatus
from core.security.access import AccessControl, PermissionDenied
from core.security.audit import AuditResult
from core.security.permissions import Permission
from core.snapshot import Snapshot

log = logging.getLogger("bandsaw.replay")

REPLAY = Permission.VIEW  # looking back is what everyone at the screen may do


class ReplayCommands:
    """Mixed into the engine and the stand-in; the attributes below are theirs."""

    settings: Settings
    register_map: RegisterMap
    access: AccessControl
    control: MlControl | None
    _replay: ReplaySource | None = None
    _replay_generation: int = 0

    # --- views ----------------------------------------------------------------------------

    def replay_status(self) -> ReplayStatus:
        return self._replay.status() if self._replay is not None else ReplayStatus(generation=self._replay_generation)

    def subscribe_replay(self, listener: ReplayListener) -> Callable[[], None]:
        listeners = self._replay_listeners()
        listeners.append(listener)

        def unsubscribe() -> None:
            with contextlib.suppress(ValueError):
                listeners.remove(listener)

        return unsubscribe

    def replay_hold(self) -> str:
        """"" when the PLC may be written; else why not (the Writer refuses with this)."""
        status = self.replay_status()
        if not status.active:
            return ""
        return (f"replay is running ({status.label}): nothing is written to the PLC during replay; "
                "go back to live first")

    # --- commands -------------------------------------------------------------------------

    async def replay_start(self, session: UserSession, start_ms: int, end_ms: int, *, speed: float = 1.0,
                           label: str = "") -> Result[ReplayStatus]:
        """Replay ``[start_ms, end_ms)``; refused (with why) for an empty period, ML in control, bad input."""
        target = label or f"{when(start_ms)} – {when(end_ms)}"
        if (why := self._replay_refusal(session, target)) is not None:
            return Result.refused(why)
        if (why := self._ml_blocks_replay()) is not None:
            return self._replay_failed(session, "replay_start", target, why)
        try:
            check_speed(speed)
            columns = await run_blocking(recorded_columns, self.settings.data_dir, self.register_map.names,
                                         name="bandsaw-replay-read")
        except (ReplayRefused, ReplayReadError) as exc:
            return self._replay_failed(session, "replay_start", target, str(exc))
        await self._replay_close()
        self._replay_generation += 1
        source = ReplaySource(self.settings.data_dir, columns, self._replay_emit, generation=self._replay_generation)
        try:
            status = await source.open(int(start_ms), int(end_ms), speed=speed, label=label, user=session.user)
        except ReplayRefused as exc:
            await source.close()
            return self._replay_failed(session, "replay_start", target, str(exc))
        self._replay = source
        self._replay_generation = status.generation
        self.access.trail.record(session.user, "replay_start", status.label, new=f"{speed:g}x",
                                 detail=f"{when(status.start_ms)} – {when(status.end_ms)}; PLC writes held")
        log.info("replay of %s started by %s at %gx", status.label, session.user, speed)
        return Result.done(status)

    def replay_pause(self, session: UserSession, paused: bool) -> Result[ReplayStatus]:
        source = self._replay
        if (why := self._replay_refusal(session, "pause")) is not None:
            return Result.refused(why)
        if source is None:
            return Result.refused("no replay is running")
        return Result.done(source.pause(paused))

    def replay_speed(self, session: UserSession, speed: float) -> Result[ReplayStatus]:
        source = self._replay
        if (why := self._replay_refusal(session, "speed")) is not None:
            return Result.refused(why)
        if source is None:
            return Result.refused("no replay is running")
        try:
            return Result.done(source.set_speed(speed))
        except ReplayRefused as exc:
            return Result.refused(str(exc))

    async def replay_seek(self, session: UserSession, position_ms: int) -> Result[ReplayStatus]:
        source = self._replay
        if (why := self._replay_refusal(session, "seek")) is not None:
            return Result.refused(why)
        if source is None:
            return Result.refused("no replay is running")
        try:
            status = await source.seek(position_ms)
        except ReplayRefused as exc:
            return Result.refused(str(exc))
        self._replay_generation = status.generation
        return Result.done(status)

    async def replay_stop(self, session: UserSession) -> Result[ReplayStatus]:
        """Back to live: the replay ends and writes to the PLC are allowed again."""
        if (why := self._replay_refusal(session, "stop")) is not None:
            return Result.refused(why)
        source = self._replay
        if source is None:
            return Result.done(self.replay_status(), "no replay was running")
        status = source.status()
        await self._replay_close()
        self.access.trail.record(session.user, "replay_stop", status.label,
                                 detail=f"at {when(status.position_ms)}; {status.emitted} samples replayed")
        return Result.done(self.replay_status())

    # --- internals ------------------------------------------------------------------------

    def _replay_listeners(self) -> list[ReplayListener]:
        listeners: list[ReplayListener] | None = self.__dict__.get("_replay_listener_list")
        if listeners is None:
            listeners = self.__dict__["_replay_listener_list"] = []
        return listeners

    def _replay_emit(self, snapshot: Snapshot, generation: int) -> None:
        for listener in list(self._replay_listeners()):
            try:
                listener(snapshot, generation)
            except Exception:
                log.exception("replay listener %r failed", listener)

    async def _replay_close(self) -> None:
        source, self._replay = self._replay, None
        if source is not None:
            self._replay_generation = source.status().generation + 1
            await source.close()

    def _replay_refusal(self, session: UserSession, target: str) -> str | None:
        try:
            self.access.authorize(session.user, REPLAY, target=f"replay {target}")
        except PermissionDenied as exc:
            return exc.reason
        return None

    def _replay_failed(self, session: UserSession, action: str, target: str, why: str) -> Result[ReplayStatus]:
        self.access.trail.record(session.user, action, target, result=AuditResult.REFUSED, detail=why)
        return Result.refused(why)

    def _ml_blocks_replay(self) -> str | None:
        control = self.control
        if control is None:
            return None
        if control.mode.value == "ml":
            return "ML controls the speeds: switch to manual first (nothing may be written to the PLC during replay)"
        return None
