"""The engine on its own thread and event loop, behind the same contract: the screen can never make
acquisition wait.

Under qasync the window and everything on the asyncio loop share the Qt thread: a page that
paints for 80 ms delays the next poll by 80 ms. :class:`EngineThread` runs the real engine (poller,
Writer, storage, the simulator with --simulate) on a plain asyncio loop in a thread of its own and
offers the HMI the same :class:`core.api.EngineApi`:

- async queries and commands run on the engine's loop (``run_coroutine_threadsafe``) and are
  awaited on the Qt loop;
- sync commands (set mode, acknowledge, guard settings, log out ...) run on the engine's loop too;
  the GUI thread waits for their answer (the screen waits on the engine, never the reverse);
- in-memory views (latest snapshot, status, alarms, controller view) are read directly: they are
  values the engine replaces, never edits in place;
- listeners: snapshots and alarm events are called on the engine thread (the bridge only keeps
  them and posts a queued Qt event); session events are carried over to the GUI thread.
"""

from __future__ import annotations

import asyncio
import concurrent.futures
import gc
import inspect
import logging
import os
import sys
import threading
from collections.abc import Callable, Coroutine, Mapping, Sequence
from pathlib import Path
from typing import Any, Literal, TypeVar

from PySide6.QtCore import QObject, Qt, Signal

from core.api import (
    Alarm,
    AlarmHistoryFilter,
    AlarmListener,
    AlarmLogEntry,
    AlarmSummary,
    AuditFilter,
    AuditRow,
    BackupInfo,
    BackupManifest,
    BackupStatus,
    BandLifeView,
    ControllerStatus,
    ControlView,
    CutRecord,
    EngineApi,
    EngineStatus,
    ExportProgress,
    ExportRequest,
    ExportResult,
    HistoryRange,
    ImportProgress,
    ImportSummary,
    MlJournal,
    ModelFile,
    Permission,
    ProductionReport,
    ProductionView,
    ReplayListener,
    ReplayStatus,
    ReportRequest,
    Result,
    Role,
    SessionEvent,
    SessionListener,
    SnapshotListener,
    UserInfo,
    UserSession,
    WriteResult,
)
from core.config import Settings
from core.registers import RegisterMap
from core.snapshot import Snapshot

log = logging.getLogger("bandsaw.hmi.engine_thread")

T = TypeVar("T")
# A sync command the engine's thread has not started within CALL_DEADLINE_S is withdrawn (never
# carried out later); one that started is awaited ANSWER_GRACE_S more, then "state unknown".
CALL_DEADLINE_S = 6.0
ANSWER_GRACE_S = 4.0
# How long a thread may hold the GIL while another waits for it (CPython's default is 5 ms): the
# poll needs the GIL for a moment each cycle while export and history workers run Python code.
GIL_SWITCH_S = 0.001
# The engine's thread runs this much nicer (negative: first) than the screen's, where the system
# lets it (Linux, root or CAP_SYS_NICE; elsewhere it runs at the program's priority, said once
# in the log). On a busy machine the kernel then gives the poll cycle the core before the screen.
ENGINE_NICE = -5


def _raise_priority() -> None:
    """On the engine's thread: lower its niceness by ENGINE_NICE (Linux threads have their own)."""
    if not sys.platform.startswith("linux"):
        return
    tid = threading.get_native_id()
    try:
        os.setpriority(os.PRIO_PROCESS, tid, os.getpriority(os.PRIO_PROCESS, tid) + ENGINE_NICE)
    except OSError as exc:  # not permitted: the engine keeps the program's priority
        log.info("engine thread priority not raised (%s): it runs at the screen's priority", exc)


class GuiCalls(QObject):
    """Carries a call from any thread onto the GUI thread (queued)."""

    call = Signal(object)

    def __init__(self) -> None:
        super().__init__()
        self.call.connect(self._run, Qt.ConnectionType.QueuedConnection)

    @staticmethod
    def _run(fn: Callable[[], None]) -> None:
        fn()


class EngineThread:
    """``EngineThread(engine)``: ``engine`` (not started) runs on its own thread from :meth:`start`."""

    def __init__(self, engine: EngineApi) -> None:
        self.engine = engine
        self.settings: Settings = engine.settings
        self.register_map: RegisterMap = engine.register_map
        self._loop: asyncio.AbstractEventLoop | None = None
        self._thread: threading.Thread | None = None
        self._gui = GuiCalls()
        # needs_first_admin() as the engine last answered it, read in a worker of the engine's loop
        # (users.db: never on the GUI thread), at the start and after each FIRST_ADMIN_CHANGES command.
        self._first_admin = False

    # --- the thread -----------------------------------------------------------------------

    def _ensure_thread(self) -> asyncio.AbstractEventLoop:
        if self._loop is not None:
            return self._loop
        ready = threading.Event()
        holder: list[asyncio.AbstractEventLoop] = []

        def run() -> None:
            _raise_priority()
            loop = asyncio.new_event_loop()
            asyncio.set_event_loop(loop)
            holder.append(loop)
            ready.set()
            try:
                loop.run_forever()
            finally:
                pending = [t for t in asyncio.all_tasks(loop) if not t.done()]
                for task in pending:
                    task.cancel()
                if pending:
                    loop.run_until_complete(asyncio.gather(*pending, return_exceptions=True))
                loop.run_until_complete(loop.shutdown_asyncgens())
                loop.close()

        self._thread = threading.Thread(target=run, name="bandsaw-engine", daemon=True)
        self._thread.start()
        ready.wait()
        self._loop = holder[0]
        return self._loop

    async def _call_in_engine(self, fn: Callable[..., Any], *args: Any) -> Any:
        """``fn(engine, *args)`` on the engine's loop (a coroutine is awaited there), as
        hmi.engine_process offers it: for tools, benchmarks and tests, not for the screen."""

        async def run() -> Any:
            value = fn(self.engine, *args)
            return await value if inspect.isawaitable(value) else value

        return await self._on_engine(run())

    async def run_on_engine(self, coro: Coroutine[Any, Any, T]) -> T:
        """Await ``coro`` run on the engine's loop (tools that stage a scene: the simulator's faults)."""
        return await self._on_engine(coro)

    async def _on_engine(self, coro: Coroutine[Any, Any, T]) -> T:
        """Await ``coro`` run on the engine's loop, from the caller's (Qt) loop."""
        future = asyncio.run_coroutine_threadsafe(coro, self._ensure_thread())
        return await asyncio.wrap_future(future)

    def _call(self, fn: Callable[[], T], fail: Callable[[str], T] = Result.refused) -> T:  # type: ignore[assignment]
        """Run ``fn`` on the engine's thread and wait for its answer (sync commands). Not started
        within CALL_DEADLINE_S, it is withdrawn (``fail``: not done); started, its answer is awaited
        ANSWER_GRACE_S more, then ``fail`` says the state is unknown (never "refused")."""
        loop = self._loop
        if loop is None or not loop.is_running():
            return fn()  # not started (or stopped): nothing runs there to race with
        future: concurrent.futures.Future[T] = concurrent.futures.Future()

        def run() -> None:
            if not future.set_running_or_notify_cancel():  # withdrawn by the waiting caller
                return
            try:
                future.set_result(fn())
            except BaseException as exc:  # handed to the waiting caller
                future.set_exception(exc)

        loop.call_soon_threadsafe(run)
        try:
            return future.result(timeout=CALL_DEADLINE_S)
        except TimeoutError:
            if future.cancel():  # atomic with set_running_or_notify_cancel: it will never run
                log.error("the engine did not start a command within %.0f s: withdrawn", CALL_DEADLINE_S)
                return fail(f"not done: the engine did not take it within {CALL_DEADLINE_S:.0f} s")
        try:
            return future.result(timeout=ANSWER_GRACE_S)
        except TimeoutError:
            log.error("a command started by the engine gave no answer: state unknown")
            return fail(f"no answer from the engine within {CALL_DEADLINE_S + ANSWER_GRACE_S:.0f} s: "
                        "state unknown, check before trying again")

    async def start(self) -> None:
        sys.setswitchinterval(min(sys.getswitchinterval(), GIL_SWITCH_S))
        await self._on_engine(self.engine.start())
        await self._on_engine(self._read_first_admin())
        # What is built by now (the window, the engine, every module: ~220,000 objects) lives as
        # long as the program. A full garbage collection walks all of it with every thread stopped,
        # the poll loop's included: 1.2 s measured on the loaded 2-core machine. Frozen, the
        # collector never walks it again; what the pages and queries make later is collected as before.
        gc.freeze()

    async def stop(self) -> None:
        if self._loop is None:
            return
        try:
            await self._on_engine(self.engine.stop())
        finally:
            loop, thread = self._loop, self._thread
            self._loop = self._thread = None
            loop.call_soon_threadsafe(loop.stop)
            if thread is not None:
                thread.join(timeout=10.0)  # the engine has stopped: only the loop's close is left

    async def _read_first_admin(self) -> None:
        """On the engine's loop: read users.db in a worker thread (the poll loop never waits on it)."""
        self._first_admin = await asyncio.to_thread(self.engine.needs_first_admin)

    async def _changing_users(self, coro: Coroutine[Any, Any, T]) -> T:
        """A FIRST_ADMIN_CHANGES command on the engine's loop, then needs_first_admin() read again."""
        async def run() -> T:
            try:
                return await coro
            finally:
                await self._read_first_admin()

        return await self._on_engine(run())

    # --- live views --------------------------------------------------------------------------

    @property
    def latest(self) -> Snapshot | None:
        return self.engine.latest

    def subscribe(self, listener: SnapshotListener) -> Callable[[], None]:
        return self.engine.subscribe(listener)  # called on the engine thread: keep, post, return

    def status(self) -> EngineStatus:
        return self.engine.status()

    def active_alarms(self) -> list[Alarm]:
        return self.engine.active_alarms()

    def suppressed_alarms(self) -> list[Alarm]:
        return self.engine.suppressed_alarms()

    def alarm(self, key: str) -> Alarm | None:
        return self.engine.alarm(key)

    def alarm_summary(self) -> AlarmSummary:
        return self.engine.alarm_summary()

    def engineer_alarms(self) -> list[Alarm]:
        return self.engine.engineer_alarms()

    def subscribe_alarms(self, listener: AlarmListener) -> Callable[[], None]:
        return self.engine.subscribe_alarms(listener)  # the engine thread: the bridge queues them

    def control_status(self) -> ControllerStatus | None:
        return self.engine.control_status()

    def control_view(self) -> ControlView | None:
        return self.engine.control_view()

    def backup_status(self) -> BackupStatus:
        return self.engine.backup_status()

    # --- sessions ------------------------------------------------------------------------------

    def needs_first_admin(self) -> bool:
        return self._first_admin  # read on the engine's side (users.db), never on the GUI thread

    def allowed(self, session: UserSession, action: Permission | str) -> bool:
        # Answered from the sessions in memory (no users.db read): cheap enough for every paint.
        return self.engine.allowed(session, action)

    def current(self, session: UserSession) -> UserSession | None:
        # A lookup in the sessions in memory (a dict read is atomic under the GIL), as allowed():
        # asked every second by the idle timer, it never waits on a stalled engine thread.
        return self.engine.current(session)

    def subscribe_sessions(self, listener: SessionListener) -> Callable[[], None]:
        def on_gui(user: str, event: SessionEvent) -> None:
            self._gui.call.emit(lambda: listener(user, event))

        return self.engine.subscribe_sessions(on_gui)

    async def login(self, name: str, secret: str) -> Result[UserSession]:
        return await self._on_engine(self.engine.login(name, secret))

    def logout(self, session: UserSession, *, reason: str = "") -> Result[None]:
        return self._call(lambda: self.engine.logout(session, reason=reason))

    def touch(self, session: UserSession) -> None:
        loop = self._loop
        if loop is None or not loop.is_running():
            self.engine.touch(session)
        else:  # every touch of the screen: no need to wait for it
            loop.call_soon_threadsafe(self.engine.touch, session)

    def expire_idle(self) -> list[str]:
        """Asked on the engine's loop without waiting (a timer calls it: the GUI thread never waits on
        the engine): who is logged out comes back as session events. Returns [] while it runs there."""
        loop = self._loop
        if loop is None or not loop.is_running():
            return self.engine.expire_idle()
        loop.call_soon_threadsafe(self.engine.expire_idle)
        return []

    async def create_first_admin(self, name: str, secret: str) -> Result[UserInfo]:
        return await self._changing_users(self.engine.create_first_admin(name, secret))

    # --- queries -------------------------------------------------------------------------------

    async def alarm_history(self, spec: AlarmHistoryFilter) -> Result[list[AlarmLogEntry]]:
        return await self._on_engine(self.engine.alarm_history(spec))

    async def cut_records(self, start_ms: int | None = None, end_ms: int | None = None,
                          *, limit: int = 500) -> Result[list[CutRecord]]:
        return await self._on_engine(self.engine.cut_records(start_ms, end_ms, limit=limit))

    async def band_life(self) -> Result[BandLifeView]:
        return await self._on_engine(self.engine.band_life())

    async def audit_query(self, spec: AuditFilter, *, limit: int = 1000) -> Result[list[AuditRow]]:
        return await self._on_engine(self.engine.audit_query(spec, limit=limit))

    async def audit_values(self, column: Literal["user", "action"]) -> Result[list[str]]:
        return await self._on_engine(self.engine.audit_values(column))

    async def ml_journal(self, limit: int = 50, *, changes_only: bool = False) -> Result[MlJournal]:
        return await self._on_engine(self.engine.ml_journal(limit, changes_only=changes_only))

    async def history(self, names: Sequence[str], start_ms: int, end_ms: int,
                      *, max_points: int = 4000) -> Result[HistoryRange]:
        return await self._on_engine(self.engine.history(names, start_ms, end_ms, max_points=max_points))

    async def users(self) -> Result[list[UserInfo]]:
        return await self._on_engine(self.engine.users())

    async def backups(self) -> Result[list[BackupInfo]]:
        return await self._on_engine(self.engine.backups())

    async def verify_backup(self, backup: Path) -> Result[BackupManifest]:
        return await self._on_engine(self.engine.verify_backup(backup))

    async def models(self) -> Result[list[ModelFile]]:
        return await self._on_engine(self.engine.models())

    async def production_view(self) -> Result[ProductionView]:
        return await self._on_engine(self.engine.production_view())

    async def production_report(self, request: ReportRequest) -> Result[ProductionReport]:
        return await self._on_engine(self.engine.production_report(request))

    # --- commands ------------------------------------------------------------------------------

    async def write(self, session: UserSession, name: str, value: float, *, reason: str = "") -> WriteResult:
        return await self._on_engine(self.engine.write(session, name, value, reason=reason))

    async def apply_preset(self, session: UserSession, preset: str) -> list[WriteResult]:
        return await self._on_engine(self.engine.apply_preset(session, preset))

    def set_mode(self, session: UserSession, mode: str, *, reason: str = "") -> Result[None]:
        return self._call(lambda: self.engine.set_mode(session, mode, reason=reason))

    def note_band(self, session: UserSession, text: str, *, band_id: int | None = None) -> Result[int]:
        return self._call(lambda: self.engine.note_band(session, text, band_id=band_id))

    def acknowledge_alarm(self, session: UserSession, key: str) -> Result[None]:
        return self._call(lambda: self.engine.acknowledge_alarm(session, key))

    def acknowledge_all_alarms(self, session: UserSession) -> Result[int]:
        return self._call(lambda: self.engine.acknowledge_all_alarms(session))

    def shelve_alarm(self, session: UserSession, key: str, duration_s: float, reason: str) -> Result[None]:
        return self._call(lambda: self.engine.shelve_alarm(session, key, duration_s, reason))

    def unshelve_alarm(self, session: UserSession, key: str) -> Result[None]:
        return self._call(lambda: self.engine.unshelve_alarm(session, key))

    def set_alarm_in_service(self, session: UserSession, key: str, in_service: bool,
                             *, reason: str = "") -> Result[None]:
        return self._call(lambda: self.engine.set_alarm_in_service(session, key, in_service, reason=reason))

    def set_guard_settings(self, session: UserSession,
                           changes: Mapping[str, float | bool]) -> Result[dict[str, tuple[object, object]]]:
        return self._call(lambda: self.engine.set_guard_settings(session, changes))

    def set_control_settings(self, session: UserSession,
                             changes: Mapping[str, float | bool]) -> Result[dict[str, tuple[object, object]]]:
        return self._call(lambda: self.engine.set_control_settings(session, changes))

    async def load_model(self, session: UserSession, path: Path) -> Result[ModelFile]:
        return await self._on_engine(self.engine.load_model(session, path))

    async def backup_now(self, session: UserSession) -> Result[BackupManifest]:
        return await self._on_engine(self.engine.backup_now(session))

    async def restore(self, session: UserSession, backup: Path) -> Result[str]:
        return await self._on_engine(self.engine.restore(session, backup))

    async def archive_now(self, session: UserSession) -> Result[str]:
        return await self._on_engine(self.engine.archive_now(session))

    async def export(self, session: UserSession, request: ExportRequest, *, progress: ExportProgress | None = None,
                     cancel: Callable[[], bool] | None = None) -> Result[ExportResult]:
        return await self._on_engine(self.engine.export(session, request, progress=progress, cancel=cancel))

    async def import_smart_saw(self, session: UserSession, source_dir: Path, *, dry_run: bool = False,
                               progress: Callable[[ImportProgress], None] | None = None,
                               cancel: Callable[[], bool] | None = None) -> Result[ImportSummary]:
        # progress is called on the engine's thread: the dialog only stores it (its timer shows it).
        return await self._on_engine(self.engine.import_smart_saw(session, source_dir, dry_run=dry_run,
                                                                  progress=progress, cancel=cancel))

    async def export_alarm_history(self, session: UserSession, spec: AlarmHistoryFilter, out: Path) -> Result[int]:
        return await self._on_engine(self.engine.export_alarm_history(session, spec, out))

    async def export_audit(self, session: UserSession, spec: AuditFilter, out: Path) -> Result[int]:
        return await self._on_engine(self.engine.export_audit(session, spec, out))

    async def export_production_report(self, session: UserSession, request: ReportRequest,
                                       out: Path) -> Result[Path]:
        return await self._on_engine(self.engine.export_production_report(session, request, out))

    async def add_user(self, session: UserSession, name: str, role: Role, secret: str) -> Result[UserInfo]:
        return await self._changing_users(self.engine.add_user(session, name, role, secret))

    async def set_user_secret(self, session: UserSession, name: str, secret: str) -> Result[UserInfo]:
        return await self._on_engine(self.engine.set_user_secret(session, name, secret))

    async def set_user_enabled(self, session: UserSession, name: str, enabled: bool) -> Result[UserInfo]:
        return await self._changing_users(self.engine.set_user_enabled(session, name, enabled))

    async def set_user_role(self, session: UserSession, name: str, role: Role) -> Result[UserInfo]:
        return await self._changing_users(self.engine.set_user_role(session, name, role))


    # --- replay (core.replay) ----------------------------------------------------------------

    def replay_status(self) -> ReplayStatus:
        return self.engine.replay_status()

    def subscribe_replay(self, listener: ReplayListener) -> Callable[[], None]:
        return self.engine.subscribe_replay(listener)  # called on the engine thread: keep, post, return

    def replay_hold(self) -> str:
        return self.engine.replay_hold()

    async def replay_start(self, session: UserSession, start_ms: int, end_ms: int, *, speed: float = 1.0,
                           label: str = "") -> Result[ReplayStatus]:
        return await self._on_engine(self.engine.replay_start(session, start_ms, end_ms, speed=speed, label=label))

    def replay_pause(self, session: UserSession, paused: bool) -> Result[ReplayStatus]:
        return self._call(lambda: self.engine.replay_pause(session, paused))

    def replay_speed(self, session: UserSession, speed: float) -> Result[ReplayStatus]:
        return self._call(lambda: self.engine.replay_speed(session, speed))

    async def replay_seek(self, session: UserSession, position_ms: int) -> Result[ReplayStatus]:
        return await self._on_engine(self.engine.replay_seek(session, position_ms))

    async def replay_stop(self, session: UserSession) -> Result[ReplayStatus]:
        return await self._on_engine(self.engine.replay_stop(session))


def _conforms(engine: EngineThread) -> EngineApi:  # mypy checks EngineThread against the contract
    return engine

