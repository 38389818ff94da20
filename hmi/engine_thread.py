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
from collections.abc import Callable, Coroutine
from functools import partial
from operator import methodcaller
from typing import Any, TypeVar

from PySide6.QtCore import QObject, Qt, Signal

from core.api import (
    FIRST_ADMIN_CHANGES,
    Alarm,
    AlarmListener,
    AlarmSummary,
    BackupStatus,
    ControllerStatus,
    ControlView,
    EngineApi,
    EngineStatus,
    Permission,
    ReplayListener,
    ReplayStatus,
    Result,
    SessionEvent,
    SessionListener,
    SnapshotListener,
    UserSession,
)
from core.config import Settings
from core.registers import RegisterMap
from core.snapshot import Snapshot
from hmi.engine_calls import CONTRACT_CALLS, ForwardedCalls

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


class EngineThread(ForwardedCalls):
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

    # --- the contract's calls (hmi.engine_calls), on the engine's loop -------------------------

    def _bound(self, name: str, args: tuple[Any, ...], kwargs: dict[str, Any]) -> Callable[[], Any]:
        """``engine.name(*args, **kwargs)`` for a call of the contract, not yet made."""
        if name not in CONTRACT_CALLS:
            raise AttributeError(f"the engine offers no {name!r}")
        return partial(methodcaller(name, *args, **kwargs), self.engine)

    async def _ask(self, fail: Callable[[str], T], name: str, *args: Any, **kwargs: Any) -> T:
        call = self._bound(name, args, kwargs)

        async def run() -> T:
            try:
                value: T = await call()
            finally:
                if name in FIRST_ADMIN_CHANGES:  # needs_first_admin() read again, on the engine's side
                    await self._read_first_admin()
            return value

        return await self._on_engine(run())

    def _ask_now(self, fail: Callable[[str], T], name: str, *args: Any, **kwargs: Any) -> T:
        return self._call(self._bound(name, args, kwargs), fail)

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

    # --- replay (core.replay) ----------------------------------------------------------------

    def replay_status(self) -> ReplayStatus:
        return self.engine.replay_status()

    def subscribe_replay(self, listener: ReplayListener) -> Callable[[], None]:
        return self.engine.subscribe_replay(listener)  # called on the engine thread: keep, post, return

    def replay_hold(self) -> str:
        return self.engine.replay_hold()



def _conforms(engine: EngineThread) -> EngineApi:  # mypy checks EngineThread against the contract
    return engine

