"""The engine in a process of its own, behind the same contract: no Qt call can delay a poll.

On a thread of the HMI's process (hmi.engine_thread) the engine still waited for the screen:
PySide6 keeps the GIL during a Qt C++ call (a big QImage.scaled, a Trends paint of 58 ms), and a
poll cycle needs the GIL. :class:`EngineProcess` runs the real engine (poller, Writer, storage,
the simulator with --simulate: everything it owns) in a child process (core.engine_host, started
with multiprocessing "spawn" as a program: this module does not import it) and offers the HMI the
same :class:`core.api.EngineApi`:

- async queries and commands are messages to the child, awaited on the Qt loop; export and import
  progress comes back, ``cancel()`` is asked here and passed on;
- sync commands (set mode, acknowledge, guard settings, log out ...) wait for the child's answer,
  at most CALL_TIMEOUT_S (the screen waits on the engine, never the reverse);
- in-memory views (latest snapshot, status, alarms, control, backup, replay, who is logged in and
  what each may do, whether a first admin is needed) are a mirror the child pushes when they
  change: reading one never leaves this process;
- listeners (snapshots, alarm transitions, replayed samples) are called on the thread that reads
  the pipe (the bridge keeps and posts, as with EngineThread); session events on the GUI thread.

A child that dies turns every pending and later call into an error result ("the engine process
ended ...") and raises a critical alarm on the screen; nothing waits for it. :meth:`stop` stops the
child's engine cleanly (sessions closed, WAL folded) and waits for the process; if this process
is killed instead, the child sees its pipe close and stops by itself.
"""

from __future__ import annotations

import asyncio
import atexit
import concurrent.futures
import contextlib
import itertools
import logging
import multiprocessing
import runpy
import threading
import time
from collections.abc import Callable
from dataclasses import replace
from functools import partial
from multiprocessing.connection import Connection
from multiprocessing.process import BaseProcess
from typing import Any, Literal, TypeVar

from core.api import (
    ANONYMOUS_USER,
    Alarm,
    AlarmListener,
    AlarmState,
    AlarmSummary,
    AlarmTransition,
    BackupStatus,
    ControllerStatus,
    ControlView,
    EngineApi,
    EngineFactory,
    EngineStatus,
    Permission,
    Priority,
    ReplayListener,
    ReplayStatus,
    Result,
    SessionListener,
    SnapshotListener,
    UserSession,
)
from core.config import Settings
from core.registers import RegisterMap
from core.snapshot import Snapshot
from hmi.engine_calls import ForwardedCalls
from hmi.engine_restart import RESTART_ACTION, SYSTEM_USER, RestartOutcome, RestartPolicy
from hmi.engine_thread import GuiCalls
from hmi.i18n import current_language, translate
from hmi.tasks import spawn

log = logging.getLogger("bandsaw.hmi.engine_process")

T = TypeVar("T")
HOST_MODULE = "core.engine_host"  # run as a program in the child (runpy), never imported here
# A sync command carries a deadline on CLOCK_MONOTONIC (time.monotonic on Linux: one clock for
# every process): the engine refuses it, audited, if it has not started it by then (a stalled or
# stopped child never carries out later what the screen already gave up on).
CALL_DEADLINE_S = 6.0
# After the deadline the screen waits this long for the true answer of a command started in time
# (its run, the reply's trip through the pipe on a loaded machine); past it, "state unknown".
ANSWER_GRACE_S = 4.0
CALL_TIMEOUT_S = CALL_DEADLINE_S + ANSWER_GRACE_S  # the longest a sync command blocks the screen
START_TIMEOUT_S = 120.0  # spawn, imports, the engine's start (a restored or large database takes a while)
EXIT_GRACE_S = 10.0  # after its engine stopped, the child has this long to exit before it is terminated
SILENT_S = 1.0  # no message from the child this long (it pushes at least 4 a second): "not answering"
CANCEL_POLL_S = 0.1  # how often an export's or import's cancel() is asked
STOPPED_ALARM = "hmi.engine_stopped"


class EngineGone(Exception):
    """The engine's process is not running (not started, stopped, or ended by itself)."""


class EngineError(RuntimeError):
    """An exception raised in the engine's process, as it came over the pipe: its type's name and
    message (``kind``, ``str()``); a cancellation there is a CancelledError here."""

    def __init__(self, kind: str, message: str) -> None:
        super().__init__(message)
        self.kind = kind

    def __reduce__(self) -> tuple[Any, ...]:
        return type(self), (self.kind, str(self))


def _raised(value: Any) -> BaseException:
    """The exception for a failed reply's value: (type name, message) from core.engine_host."""
    if isinstance(value, BaseException):
        return value
    kind, message = value
    return asyncio.CancelledError(message) if kind == "CancelledError" else EngineError(kind, message)


class EngineProcess(ForwardedCalls):
    """``EngineProcess(factory, settings, register_map)``: from :meth:`start`, ``factory(settings,
    register_map, simulate)`` builds the engine in a child process. ``factory`` must pickle (a
    module-level function, e.g. core.cli.engine_factory, or a ``functools.partial`` of one)."""

    def __init__(self, factory: EngineFactory, settings: Settings, register_map: RegisterMap,
                 *, simulate: bool = False, auto_restart: RestartPolicy | None = None) -> None:
        self.settings = settings
        self.register_map = register_map
        self._factory = factory
        self._simulate = simulate
        self._process: BaseProcess | None = None
        self._conn: Connection | None = None
        self._reader: threading.Thread | None = None
        self._send_lock = threading.Lock()
        self._ids = itertools.count(1)
        self._pending: dict[int, concurrent.futures.Future[tuple[bool | None, Any]]] = {}
        self._late: dict[int, str] = {}  # sync commands whose answer the screen gave up on: id -> name
        self._progress: dict[int, Callable[..., None]] = {}
        self._views: dict[str, Any] = {}
        self._snapshot_listeners: list[SnapshotListener] = []
        self._alarm_listeners: list[AlarmListener] = []
        self._session_listeners: list[SessionListener] = []
        self._replay_listeners: list[ReplayListener] = []
        self._gui = GuiCalls()
        self._gone: str | None = "the engine is not running"  # why calls fail now; None while it runs
        self._stopping = False
        self._fatal = ""
        self._heard = time.monotonic()  # when the child last sent anything (this process's clock)
        # Restarts (hmi.engine_restart): automatic ones under this policy (None: never by itself).
        self.auto_restart = auto_restart
        self._restart: tuple[str, str] | None = None  # (who, why) for the next child's engine
        self._started_once = False  # an engine of ours ran: a death after that is one to restart
        self._closed = False  # stop() was asked: nothing restarts any more
        self.restarting = False
        self.auto_restart_pending = False
        self.last_restart: RestartOutcome | None = None

    # --- the child process ----------------------------------------------------------------

    @property
    def pid(self) -> int | None:
        return self._process.pid if self._process is not None else None

    def spawn(self) -> None:
        """Start the child process: it imports and builds the engine (seconds) while the window is
        built; :meth:`start` starts the engine. Raises when the factory or settings do not pickle."""
        if self._process is not None:
            return
        ctx = multiprocessing.get_context("spawn")  # never fork: this process has threads and Qt
        conn, child_end = ctx.Pipe(duplex=True)
        host_args = (child_end, self._factory, self.settings, self.register_map, self._simulate, self._restart)
        process = ctx.Process(target=runpy.run_module, args=(HOST_MODULE,), name="bandsaw-engine",
                              kwargs={"run_name": "__main__", "init_globals": {"HOST_ARGS": host_args}})
        try:
            process.start()
        finally:
            child_end.close()  # the child has its own: EOF here once it is gone
        self._process, self._conn, self._gone = process, conn, None
        self._heard = time.monotonic()
        self._reader = threading.Thread(target=self._read, name="bandsaw-engine-pipe", daemon=True)
        self._reader.start()
        atexit.register(self._at_exit)
        log.info("engine process %d started", process.pid)

    async def start(self) -> None:
        self.spawn()
        await asyncio.wait_for(self._lifecycle("start"), timeout=START_TIMEOUT_S)
        self._started_once = True

    async def stop(self) -> None:
        self._closed = True  # a restart waiting to happen does not
        process = self._process
        if process is None:
            return
        self._stopping = True
        try:
            if self._gone is None:
                timeout = self.settings.database.sqlite.stop_timeout_s + 30.0
                await asyncio.wait_for(self._lifecycle("stop"), timeout=timeout)
        except (EngineGone, TimeoutError) as exc:
            log.error("engine process did not stop cleanly: %s", exc)
        finally:
            await _in_thread(self._finish, "bandsaw-engine-join")
            atexit.unregister(self._at_exit)

    async def _lifecycle(self, kind: Literal["start", "stop"]) -> None:
        call_id, future = self._new_call()
        self._send((kind, call_id))
        try:
            ok, value = await asyncio.wrap_future(future)
        except EngineGone as exc:
            raise RuntimeError(str(exc)) from None
        if not ok:
            raise _raised(value)

    def _finish(self) -> None:
        """Wait for the child to exit (killed if it will not), then for the pipe's reader."""
        process = self._process
        if process is None:
            return
        if self._reader is not None:  # it ends when the child's end of the pipe closes
            self._reader.join(EXIT_GRACE_S)
        process.join(EXIT_GRACE_S)
        if process.is_alive():
            log.error("engine process %s did not exit: terminated", process.pid)
            process.terminate()
            process.join(EXIT_GRACE_S)
        if process.is_alive():
            process.kill()
            process.join(EXIT_GRACE_S)
        if self._reader is not None:
            self._reader.join(EXIT_GRACE_S)
        if self._conn is not None:
            self._conn.close()
        with contextlib.suppress(ValueError):
            process.close()
        self._process = self._conn = self._reader = None

    def _at_exit(self) -> None:
        """The program ends without stop(): close the pipe, the child stops its engine by itself."""
        self._stopping = True
        if self._conn is not None:
            with contextlib.suppress(OSError):
                self._conn.close()
        process = self._process
        if process is not None:
            process.join(self.settings.database.sqlite.stop_timeout_s + 30.0)
            if process.is_alive():
                process.kill()

    # --- the pipe -------------------------------------------------------------------------

    def _new_call(self) -> tuple[int, concurrent.futures.Future[tuple[bool | None, Any]]]:
        call_id = next(self._ids)
        future: concurrent.futures.Future[tuple[bool | None, Any]] = concurrent.futures.Future()
        self._pending[call_id] = future
        return call_id, future

    def _send(self, message: tuple[Any, ...]) -> None:
        conn = self._conn
        if conn is None or self._gone is not None:
            raise EngineGone(self._gone or "the engine is not running")
        try:
            with self._send_lock:
                conn.send(message)
        except (OSError, EOFError) as exc:
            raise EngineGone(f"the engine process cannot be reached: {exc}") from exc

    def _read(self) -> None:
        """The reading thread: apply views, answer calls, call listeners, until the pipe ends."""
        conn = self._conn
        assert conn is not None
        try:
            while True:
                try:
                    message = conn.recv()
                except (EOFError, OSError):
                    break
                except Exception as exc:  # it did not unpickle: which answer it was is lost, so is trust
                    log.exception("a message from the engine process could not be read")
                    self._fatal = f"a message from the engine could not be read ({type(exc).__name__}: {exc})"
                    with contextlib.suppress(OSError):
                        conn.close()  # the child sees the end of its pipe and stops its engine cleanly
                    break
                try:
                    self._on_batch(message[1], message[2])
                except Exception:
                    log.exception("a message from the engine process failed")
        finally:  # never ends silently: every waiting call fails, the engine-stopped alarm is raised
            self._ended()

    def _on_batch(self, views: dict[str, Any], events: list[tuple[Any, ...]]) -> None:
        self._heard = time.monotonic()
        self._views.update(views)  # one item at a time: a reader sees old or new, never half
        latest = views.get("latest")
        if latest is not None:
            for snapshot_listener in list(self._snapshot_listeners):
                _safely(snapshot_listener, latest)
        for event in events:
            kind = event[0]
            if kind == "reply":
                future = self._pending.pop(event[1], None)
                if future is not None and not future.done():
                    future.set_result((event[2], event[3]))
                elif (late := self._late.pop(event[1], None)) is not None:
                    done = "not done (deadline passed)" if event[2] is None else "done" if event[2] else "failed"
                    log.warning("the engine answered %s after the screen gave up: %s", late, done)
                    self._send_quietly(("resync",))  # every view again: the screen shows what is true
            elif kind == "progress":
                progress = self._progress.get(event[1])
                if progress is not None:
                    _safely(progress, *event[2:])
            elif kind == "alarm":
                for alarm_listener in list(self._alarm_listeners):
                    _safely(alarm_listener, event[1])
            elif kind == "replay":
                for replay_listener in list(self._replay_listeners):
                    _safely(replay_listener, event[1], event[2])
            elif kind == "session":
                user, what = event[1], event[2]
                for session_listener in list(self._session_listeners):
                    self._gui.call.emit(partial(session_listener, user, what))
            elif kind == "fatal":
                self._fatal = event[1]

    def _ended(self) -> None:
        """The pipe ended: the child exited (asked to, or by itself)."""
        process = self._process
        expected = self._stopping
        code = None
        if process is not None and not expected:  # stop() waits for it (one thread reaps a child)
            process.join(1.0)
            code = process.exitcode
        why = self._fatal or f"the engine process ended (exit code {code})"
        self._gone = why if not expected else "the engine has stopped"
        for future in list(self._pending.values()):
            if not future.done():
                future.set_exception(EngineGone(self._gone))
        self._pending.clear()
        if expected:
            return
        log.error("%s: acquisition, recording and control have stopped", why)
        # The control views say so too (they said "ML controlling the cut" from the last push):
        # nothing controls the saw from here on; the PLC holds the last speeds it was given.
        self._views.update(control_view=None, control_status=ControllerStatus(last_fault=translate(
            "EngineProcess", "the engine stopped: ML is not in control; the PLC keeps the last speeds it was given")))
        self._raise_stopped_alarm(why)
        if self.auto_restart is not None and self._started_once and not self.restarting and not self._fatal:
            self.auto_restart_pending = True
            self._gui.call.emit(partial(self._auto_restart, why))  # spawned from the GUI's thread

    def _raise_stopped_alarm(self, why: str) -> None:
        now_ms = int(time.time() * 1000)
        text = translate("EngineProcess", "Engine stopped: %1").replace("%1", why)
        response = translate("EngineProcess", "Restart the engine (the banner's button) or the program")
        english = "Restart the engine (the banner's button) or the program"
        alarm = Alarm(STOPPED_ALARM, f"Engine stopped: {why}; restart the engine", Priority.CRITICAL, "hmi",
                      state=AlarmState.UNACKNOWLEDGED, condition=True, raised_ms=now_ms, changed_ms=now_ms,
                      detail=why, texts=(("en", f"Engine stopped: {why}", english),
                                         (current_language(), text, response)))
        before: list[Alarm] = self._views.get("active", [])
        earlier = [a for a in before if a.key == STOPPED_ALARM]  # a restart that failed: one alarm, new text
        active = [alarm, *(a for a in before if a.key != STOPPED_ALARM)]
        summary: AlarmSummary = self._views.get("summary") or AlarmSummary()
        self._views.update(active=active, summary=replace(
            summary, highest=Priority.CRITICAL, newest=alarm,
            active_unacknowledged=summary.active_unacknowledged + 1 - sum(
                a.state is AlarmState.UNACKNOWLEDGED for a in earlier),
            active_acknowledged=summary.active_acknowledged - sum(a.state is AlarmState.ACKNOWLEDGED for a in earlier)))
        transition = AlarmTransition(alarm, AlarmState.NORMAL, now_ms, "system", "raise")
        for listener in list(self._alarm_listeners):
            _safely(listener, transition)

    # --- restarting a dead engine (hmi.engine_restart) ----------------------------------------

    def restart_user(self) -> UserSession | None:
        """Who at this screen may restart the engine now: logged in and allowed RESTART_ACTION in the
        sessions the engine last reported (it is not there to ask). None while it runs."""
        if self._gone is None or self.restarting or self._closed:
            return None
        sessions: dict[str, tuple[UserSession | None, frozenset[str]]] = self._views.get("sessions", {})
        for user, (live, actions) in sorted(sessions.items()):
            if user != ANONYMOUS_USER and live is not None and str(RESTART_ACTION) in actions:
                return live
        return None

    async def restart(self, session: UserSession, *, reason: str = "") -> Result[None]:
        """A person's restart of the dead engine: a fresh process, the same listeners and views."""
        if self._closed:
            return Result.refused("the program is closing")
        if self._gone is None:
            return Result.refused("the engine is running")
        if self.restarting:
            return Result.refused("a restart is under way")
        who = self.restart_user()
        if who is None or who.user != session.user:
            log.warning("engine restart refused for %s: not logged in with the right to", session.user)
            return Result.refused(translate("EngineProcess", "needs an engineer who is logged in"))
        return await self._restart_now(session.user, reason or f"asked by {session.user} after: {self._gone}")

    def _auto_restart(self, why: str) -> None:
        """On the GUI's thread (the child must be spawned from it): one automatic restart if the policy
        has room, else wait for a person."""
        policy = self.auto_restart
        if policy is None or self._closed or self._gone is None or self.restarting:
            self.auto_restart_pending = False
            return
        if not policy.take():
            self.auto_restart_pending = False
            log.error("engine not restarted automatically: %s already used; waiting for a person",
                      policy.describe())
            self.last_restart = RestartOutcome(
                False, SYSTEM_USER, time.monotonic(), int(time.time() * 1000),
                reason=f"automatic restarts used up ({policy.describe()})")
            return
        detail = f"automatic {policy.used()} of {policy.describe()} after: {why}"
        spawn(self._auto_restart_after(policy.delay_s, detail))

    async def _auto_restart_after(self, delay_s: float, detail: str) -> None:
        try:
            await asyncio.sleep(delay_s)  # the dead child's files and locks are released meanwhile
            if not self._closed and self._gone is not None and not self.restarting:
                await self._restart_now(SYSTEM_USER, detail)
        finally:
            self.auto_restart_pending = False

    async def _restart_now(self, user: str, detail: str) -> Result[None]:
        self.restarting = True
        before: dict[str, tuple[UserSession | None, frozenset[str]]] = self._views.get("sessions", {})
        stopped = self.alarm(STOPPED_ALARM)
        log.warning("restarting the engine (%s, by %s)", detail, user)
        try:
            await _in_thread(self._finish, "bandsaw-engine-join")  # the dead child reaped, its pipe closed
            atexit.unregister(self._at_exit)
            self._stopping, self._fatal, self._restart = False, "", (user, detail)
            self._late.clear()
            try:
                await self.start()
            except Exception as exc:  # any failure of the new engine is shown, never raised
                why = f"restart failed: {exc}"
                log.error("engine %s", why)
                await self._abandon(why)
                self.last_restart = RestartOutcome(False, user, time.monotonic(), int(time.time() * 1000), why)
                return Result.refused(why)
        finally:
            self.restarting = False
            self._restart = None
        logged_out = tuple(u for u, (live, _) in sorted(before.items()) if u != ANONYMOUS_USER and live is not None)
        self.last_restart = RestartOutcome(True, user, time.monotonic(), int(time.time() * 1000),
                                           logged_out=logged_out)
        log.warning("engine restarted (process %s, by %s): manual mode", self.pid, user)
        now_ms = int(time.time() * 1000)
        if stopped is not None:  # the screen's alarm lists are the new engine's now: say it went
            gone = replace(stopped, state=AlarmState.NORMAL, condition=False, changed_ms=now_ms)
            transition = AlarmTransition(gone, stopped.state, now_ms, user, "clear")
            for alarm_listener in list(self._alarm_listeners):
                _safely(alarm_listener, transition)
        for name in logged_out:  # the new engine has nobody logged in: the screen follows at once
            for session_listener in list(self._session_listeners):
                self._gui.call.emit(partial(session_listener, name, "logout"))
        return Result.done(None)

    async def _abandon(self, why: str) -> None:
        """A restart that did not come up: its child stopped (if it lives), the engine-stopped alarm again."""
        self._stopping = True
        try:
            if self._gone is None:
                timeout = self.settings.database.sqlite.stop_timeout_s + 30.0
                await asyncio.wait_for(self._lifecycle("stop"), timeout=timeout)
        except Exception as exc:  # it is being given up anyway
            log.error("the restarted engine did not stop cleanly: %s", exc)
        finally:
            await _in_thread(self._finish, "bandsaw-engine-join")
            atexit.unregister(self._at_exit)
        self._gone = why
        self._raise_stopped_alarm(why)

    # --- calls ----------------------------------------------------------------------------

    async def _ask(self, fail: Callable[[str], T], name: str, *args: Any, progress: Callable[..., None] | None = None,
                   cancel: Callable[[], bool] | None = None, **kwargs: Any) -> T:
        """``engine.name(*args, **kwargs)`` in the child, awaited here; ``fail(why)`` if it cannot answer."""
        callbacks = tuple(n for n, f in (("progress", progress), ("cancel", cancel)) if f is not None)
        call_id, future = self._new_call()
        if progress is not None:
            self._progress[call_id] = progress
        watcher = None
        try:
            self._send(("call", call_id, name, args, kwargs, callbacks))
            if cancel is not None:
                watcher = asyncio.ensure_future(self._watch_cancel(call_id, cancel))
            try:
                ok, value = await asyncio.wrap_future(future)
            except asyncio.CancelledError:
                self._send_quietly(("cancel", call_id, False))  # the engine's task is cancelled too
                raise
        except EngineGone as exc:
            return fail(str(exc))
        finally:
            self._pending.pop(call_id, None)
            self._progress.pop(call_id, None)
            if watcher is not None:
                watcher.cancel()
                await asyncio.gather(watcher, return_exceptions=True)
        if not ok:
            raise _raised(value)
        return value

    def _ask_now(self, fail: Callable[[str], T], name: str, *args: Any, **kwargs: Any) -> T:
        """The same, waiting here (sync commands): the engine refuses it if it has not started it
        within CALL_DEADLINE_S; the answer of one started in time is awaited ANSWER_GRACE_S more."""
        call_id, future = self._new_call()
        deadline = time.monotonic() + CALL_DEADLINE_S
        try:
            self._send(("call", call_id, name, args, kwargs, (), deadline))
            ok, value = future.result(timeout=max(0.0, deadline - time.monotonic()) + ANSWER_GRACE_S)
        except EngineGone as exc:
            return fail(str(exc))
        except TimeoutError:
            # Not "refused": it may have started in time and still be done. Its answer, if it comes,
            # is logged and the mirror pushed again (the screen then shows the true state).
            self._late[call_id] = name
            log.error("the engine did not answer %s within %.0f s: state unknown", name, CALL_TIMEOUT_S)
            text = translate("EngineProcess", "no answer from the engine within %1 s: state unknown, check it")
            return fail(text.replace("%1", f"{CALL_TIMEOUT_S:.0f}"))
        finally:
            self._pending.pop(call_id, None)
        if ok is None:  # the engine refused it unstarted: its deadline had passed
            return fail(str(value))
        if not ok:
            raise _raised(value)
        return value

    async def _watch_cancel(self, call_id: int, cancel: Callable[[], bool]) -> None:
        while not cancel():  # noqa: ASYNC110 - cancel() is a plain callable: asked, not awaited
            await asyncio.sleep(CANCEL_POLL_S)
        self._send_quietly(("cancel", call_id, True))  # the job sees its cancel() answer True

    def _send_quietly(self, message: tuple[Any, ...]) -> None:
        with contextlib.suppress(EngineGone):
            self._send(message)

    async def _call_in_engine(self, fn: Callable[..., Any], *args: Any) -> Any:
        """``fn(engine, *args)`` on the engine's loop in the child (a coroutine is awaited there);
        ``fn`` and ``args`` must pickle. For tools, benchmarks and tests, not for the screen."""
        call_id, future = self._new_call()
        self._send(("probe", call_id, fn, args))
        ok, value = await asyncio.wrap_future(future)
        if not ok:
            raise _raised(value)
        return value

    # --- live views (the mirror) ------------------------------------------------------------

    @property
    def running(self) -> bool:
        return self._gone is None

    @property
    def latest(self) -> Snapshot | None:
        return self._views.get("latest")

    def subscribe(self, listener: SnapshotListener) -> Callable[[], None]:
        return _subscribe(self._snapshot_listeners, listener)  # called on the pipe's thread: keep, post

    def status(self) -> EngineStatus:
        status: EngineStatus = self._views.get("status") or EngineStatus()
        if self._gone is not None and status.running:  # it ended without saying so: it died
            return replace(status, running=False, link=replace(status.link, connected=False, last_error=self._gone))
        silent = time.monotonic() - self._heard
        if self._gone is None and status.running and silent > SILENT_S:
            # Stalled (stopped, swapped out, hung): the mirror's values are old, however fresh they
            # look. Said by this process's own clock; the screen greys the values as in a link loss.
            why = f"the engine is not answering ({silent:.0f} s)"
            return replace(status, link=replace(status.link, connected=False, achieved_hz=0.0, last_error=why))
        return status

    def active_alarms(self) -> list[Alarm]:
        return list(self._views.get("active", ()))

    def suppressed_alarms(self) -> list[Alarm]:
        return list(self._views.get("suppressed", ()))

    def engineer_alarms(self) -> list[Alarm]:
        return list(self._views.get("engineer", ()))

    def alarm(self, key: str) -> Alarm | None:
        """Among the alarms that need attention, are suppressed or in the engineer's queue (a cleared,
        acknowledged one is None: nothing on the screen tells it from one never raised)."""
        for group in ("active", "suppressed", "engineer"):
            for alarm in self._views.get(group, ()):
                if alarm.key == key:
                    return alarm
        return None

    def alarm_summary(self) -> AlarmSummary:
        return self._views.get("summary") or AlarmSummary()

    def subscribe_alarms(self, listener: AlarmListener) -> Callable[[], None]:
        return _subscribe(self._alarm_listeners, listener)

    def control_status(self) -> ControllerStatus | None:
        return self._views.get("control_status")

    def control_view(self) -> ControlView | None:
        return self._views.get("control_view")

    def backup_status(self) -> BackupStatus:
        return self._views.get("backup") or BackupStatus()

    # --- sessions -------------------------------------------------------------------------

    def needs_first_admin(self) -> bool:
        return bool(self._views.get("first_admin", False))  # read in the child (users.db), never here

    def allowed(self, session: UserSession, action: Permission | str) -> bool:
        sessions: dict[str, tuple[UserSession | None, frozenset[str]]] = self._views.get("sessions", {})
        entry = sessions.get(session.user)
        return entry is not None and str(action) in entry[1]

    def current(self, session: UserSession) -> UserSession | None:
        sessions: dict[str, tuple[UserSession | None, frozenset[str]]] = self._views.get("sessions", {})
        entry = sessions.get(session.user)
        if entry is None:
            return UserSession.anonymous() if session.user == ANONYMOUS_USER else None
        return entry[0] if entry[0] is not None or session.user != ANONYMOUS_USER else UserSession.anonymous()

    def subscribe_sessions(self, listener: SessionListener) -> Callable[[], None]:
        return _subscribe(self._session_listeners, listener)  # delivered on the GUI thread

    def touch(self, session: UserSession) -> None:
        self._send_quietly(("touch", session))  # every touch of the screen: no answer to wait for

    def expire_idle(self) -> list[str]:
        """The engine's host logs idle sessions out by itself each second (the logouts come back as
        session events): a timer calling this never waits on the engine. Always []."""
        return []

    def acknowledge_alarm(self, session: UserSession, key: str) -> Result[None]:
        if key == STOPPED_ALARM and self._gone is not None:
            return Result.done(None, "acknowledged here") if self._acknowledge_stopped(session) else Result.done()
        return super().acknowledge_alarm(session, key)

    def acknowledge_all_alarms(self, session: UserSession) -> Result[int]:
        if self._gone is not None:  # nobody else can take it: the engine-stopped alarm is this process's
            return Result.done(int(self._acknowledge_stopped(session)))
        return super().acknowledge_all_alarms(session)

    def _acknowledge_stopped(self, session: UserSession) -> bool:
        """The engine-stopped alarm, raised and kept here (no engine to audit it): acknowledged in
        the mirror, the listeners told, as the engine would. False when it was not unacknowledged."""
        active: list[Alarm] = self._views.get("active", [])
        alarm = next((a for a in active if a.key == STOPPED_ALARM and a.state is AlarmState.UNACKNOWLEDGED), None)
        if alarm is None:
            return False
        now_ms = int(time.time() * 1000)
        acked = replace(alarm, state=AlarmState.ACKNOWLEDGED, changed_ms=now_ms)
        summary: AlarmSummary = self._views.get("summary") or AlarmSummary()
        self._views.update(
            active=[acked if a is alarm else a for a in active],
            summary=replace(summary, active_unacknowledged=max(0, summary.active_unacknowledged - 1),
                            active_acknowledged=summary.active_acknowledged + 1,
                            newest=acked if summary.newest is alarm else summary.newest))
        log.info("engine-stopped alarm acknowledged by %s (here: no engine to record it)", session.user)
        transition = AlarmTransition(acked, AlarmState.UNACKNOWLEDGED, now_ms, session.user, "acknowledge")
        for listener in list(self._alarm_listeners):
            _safely(listener, transition)
        return True

    # --- replay ---------------------------------------------------------------------------

    def replay_status(self) -> ReplayStatus:
        return self._views.get("replay") or ReplayStatus()

    def subscribe_replay(self, listener: ReplayListener) -> Callable[[], None]:
        return _subscribe(self._replay_listeners, listener)  # the pipe's thread: keep, post, return

    def replay_hold(self) -> str:
        return str(self._views.get("hold", ""))

def _subscribe(listeners: list[Any], listener: Any) -> Callable[[], None]:
    listeners.append(listener)

    def unsubscribe() -> None:
        with contextlib.suppress(ValueError):
            listeners.remove(listener)

    return unsubscribe


def _safely(fn: Callable[..., None], *args: Any) -> None:
    try:
        fn(*args)
    except Exception:
        log.exception("engine listener %r failed", fn)


async def _in_thread(fn: Callable[[], None], name: str) -> None:
    """``fn()`` on a short thread of its own, awaited (joins and waits off the GUI thread)."""
    future: concurrent.futures.Future[None] = concurrent.futures.Future()

    def run() -> None:
        try:
            fn()
        except BaseException as exc:
            future.set_exception(exc)
        else:
            future.set_result(None)

    thread = threading.Thread(target=run, name=name, daemon=True)
    thread.start()
    try:
        await asyncio.wrap_future(future)
    finally:
        thread.join(1.0)


def _conforms(engine: EngineProcess) -> EngineApi:  # mypy checks EngineProcess against the contract
    return engine
