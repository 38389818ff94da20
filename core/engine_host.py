"""The engine in a process of its own, serving :class:`core.api.EngineApi` to a front end's process.

Why a process: PySide6 keeps the GIL during a Qt C++ call (a QImage.scaled held it 3.9 s, a
Trends paint 58 ms), so an engine on a thread of the HMI's process still waits for the screen.
In a process of its own only the kernel schedules it. hmi.engine_process starts this module as a
program (multiprocessing "spawn" running ``runpy.run_module``: the HMI never imports it) and
talks to it over one duplex pipe:

  front end -> host: ("start"|"stop", id), ("call", id, name, args, kwargs, callbacks[, deadline]),
                     ("probe", id, fn, args), ("cancel", id), ("touch", session), ("resync",)
                     (a call's deadline is on CLOCK_MONOTONIC, one clock for every process on
                     Linux: a call not started by then is refused, audited, never carried out late;
                     its reply is ("reply", id, None, why))
  host -> front end: ("batch", views, events): the in-memory views that changed since the last
                     batch (latest wins), then the events in order (replies, progress, alarm
                     transitions, session events, replayed samples).

The engine's loop never waits to send: it leaves views and events with :class:`Outbox`, whose own
thread sends them. What the front end is slow to take is coalesced (views, the latest snapshot,
progress) or bounded (alarm transitions, replayed samples: the oldest dropped and counted);
recording stays here and never depends on the front end. The pipe's end of file (the front end's
process ended, killed or not) or SIGTERM stops the engine cleanly (WAL folded, sessions closed).
"""

from __future__ import annotations

import asyncio
import contextlib
import ctypes
import gc
import inspect
import logging
import multiprocessing
import os
import signal
import sys
import threading
import time
from collections import deque
from collections.abc import Callable
from dataclasses import dataclass, field
from functools import partial
from multiprocessing.connection import Connection
from typing import Any, Protocol, runtime_checkable

from core.api import FIRST_ADMIN_CHANGES, EngineApi, EngineFactory, UserSession, setup_logging
from core.config import Settings
from core.logging_setup import ENGINE_LOG
from core.registers import RegisterMap
from core.security.permissions import ALIASES, ANONYMOUS_USER, Permission
from core.storage.lock import DataDirLock

log = logging.getLogger("bandsaw.engine.host")

# The engine's process runs this much nicer (negative: first) than the front end where the system
# lets it (Linux: root or CAP_SYS_NICE); otherwise it is said once in the log.
ENGINE_NICE = -5
ENGINE_RT_PRIORITY = 10  # SCHED_RR priority of the poll loop's thread (1-99: low; kernel threads run higher)
# How long a thread may hold the GIL while another waits (CPython's default is 5 ms): the sender
# pickles while the poll loop may want to start a cycle.
GIL_SWITCH_S = 0.001
TICK_S = 0.25  # views that change without a poll are looked at this often
IDLE_EVERY_TICKS = 4  # idle sessions are logged out about once a second
# An answer to an async call (a query's rows, a production view of 575 kB: 50-120 ms of pickling
# that holds this process's GIL) is sent only within this long after a poll, so its pickling
# shares the slot's idle time and does not collide with the next poll's start.
SEND_WINDOW_S = 0.02
NO_POLL_S = 0.25  # no poll for this long (link down, slow rate, stopped): answers go at once
PR_SET_PDEATHSIG = 1  # linux/prctl.h
HARD_STOP_EXTRA_S = 30.0  # past the storage's stop budget, a stop asked by SIGTERM ends the process anyway
EVENTS_MAX = 5000  # alarm transitions or replayed samples held for a slow front end, at most
# What the front end may call: the contract's methods, nothing else (no attribute probing).
LIFECYCLE = frozenset({"start", "stop", "settings", "register_map", "latest", "subscribe", "subscribe_alarms",
                       "subscribe_sessions", "subscribe_replay"})
CALLS = frozenset(name for name in dir(EngineApi) if not name.startswith("_") and name not in LIFECYCLE)
ASYNC_CALLS = frozenset(name for name in CALLS if inspect.iscoroutinefunction(getattr(EngineApi, name)))
ACTIONS = tuple(sorted({p.value for p in Permission} | set(ALIASES)))  # every name allowed() knows


def remote_error(exc: BaseException) -> tuple[str, str]:
    """An exception as it crosses the pipe: (type name, message), plain values that always unpickle
    (an exception class whose arguments differ from its message does not, and a reply that does not
    unpickle would leave the front end's reading thread without an answer)."""
    return type(exc).__name__, str(exc) or type(exc).__name__


@runtime_checkable
class AuditsRefusals(Protocol):
    """An engine that audits a command refused before it reached its checks (core.engine.Engine)."""

    def audit_refused(self, user: str, action: str, detail: str) -> None: ...


@runtime_checkable
class AuditsRestarts(Protocol):
    """An engine that records that it was started in place of one whose process died (core.engine.Engine)."""

    def audit_restart(self, user: str, detail: str) -> None: ...


def restarted_settings(settings: Settings) -> Settings:
    """The settings for an engine started in place of one whose process died: manual mode (ML off)
    whatever ``control.default_mode`` says. The engine keeps no mode across a start; a person
    switches ML on again once they have seen why it stopped."""
    copy = settings.model_copy(deep=True)
    copy.control.default_mode = "manual"
    return copy


@dataclass
class Outbox:
    """Views and events for the front end, sent by a thread of their own (the loop never blocks)."""

    conn: Connection
    _cond: threading.Condition = field(default_factory=threading.Condition)
    _views: dict[str, Any] = field(default_factory=dict)
    _events: list[tuple[Any, ...]] = field(default_factory=list)
    _bounded: deque[tuple[Any, ...]] = field(default_factory=lambda: deque(maxlen=EVENTS_MAX))
    _progress: dict[int, tuple[Any, ...]] = field(default_factory=dict)
    _bulky: list[tuple[Any, ...]] = field(default_factory=list)
    clock: Callable[[], float] = time.monotonic
    _polled: float = 0.0  # monotonic time of the newest poll's snapshot
    _closing: bool = False
    broken: bool = False  # the front end is gone: nothing more is sent
    dropped: int = 0  # bounded events a slow front end never got

    def view(self, key: str, value: Any) -> None:
        with self._cond:
            self._views[key] = value
            self._cond.notify()

    def event(self, *item: Any) -> None:
        """An event that must arrive (a reply, a session event)."""
        with self._cond:
            self._events.append(item)
            self._cond.notify()

    def bulky(self, *item: Any) -> None:
        """An event that must arrive and may be large: sent just after a poll (SEND_WINDOW_S)."""
        with self._cond:
            self._bulky.append(item)
            self._cond.notify()

    def polled(self, snapshot: Any) -> None:
        """In the poll cycle: the newest snapshot, and the start of the window for bulky events."""
        with self._cond:
            self._views["latest"] = snapshot
            self._polled = self.clock()
            self._cond.notify()

    def bounded(self, *item: Any) -> None:
        """An event the front end may lose when it falls behind (the oldest goes first)."""
        with self._cond:
            if len(self._bounded) == self._bounded.maxlen:
                self.dropped += 1
            self._bounded.append(item)
            self._cond.notify()

    def progress(self, call_id: int, *args: Any) -> None:
        with self._cond:
            self._progress[call_id] = args
            self._cond.notify()

    def close(self) -> None:
        """Send what is left, then end the thread."""
        with self._cond:
            self._closing = True
            self._cond.notify()

    def _in_window(self) -> bool:
        since = self.clock() - self._polled
        return since <= SEND_WINDOW_S or since > NO_POLL_S or self._closing

    def _ready(self) -> bool:
        return bool(self._views or self._events or self._bounded or self._progress or self._closing
                    or (self._bulky and self._in_window()))

    def run(self) -> None:
        while True:
            with self._cond:
                while not self._ready():
                    self._cond.wait(NO_POLL_S if self._bulky else None)  # a poll wakes it sooner
                views, events, closing = self.take()
            if (views or events) and not self.broken:
                self._send(views, events)
            if closing:
                return

    def take(self) -> tuple[dict[str, Any], list[tuple[Any, ...]], bool]:
        """What goes in the next batch (views, events, closing); the caller holds the lock."""
        views, self._views = self._views, {}
        events: list[tuple[Any, ...]] = [("progress", i, *a) for i, a in self._progress.items()]
        self._progress = {}
        events += self._events
        if self._bulky and self._in_window():
            events += self._bulky
            self._bulky = []
        events += self._bounded  # replies first: an alarm storm never holds an answer back
        self._events = []
        self._bounded.clear()
        return views, events, self._closing

    def _send(self, views: dict[str, Any], events: list[tuple[Any, ...]]) -> None:
        try:
            self.conn.send(("batch", views, events))
        except (OSError, EOFError):  # the front end's process is gone
            self.broken = True
        except Exception:  # something did not pickle: send the rest, an error in place of each bad reply
            log.exception("a batch for the front end did not pickle; sent item by item")
            for key, value in views.items():
                self._send_one(("batch", {key: value}, []), None)
            for item in events:
                self._send_one(("batch", {}, [item]), item)

    def _send_one(self, message: tuple[Any, ...], item: tuple[Any, ...] | None) -> None:
        try:
            self.conn.send(message)
        except (OSError, EOFError):
            self.broken = True
        except Exception as exc:
            if item is not None and item[0] == "reply":
                with contextlib.suppress(OSError, EOFError):
                    failed = ("reply", item[1], False, ("RuntimeError", f"answer not sent: {exc}"))
                    self.conn.send(("batch", {}, [failed]))


class EngineHost:
    """Runs one engine on its own loop thread and serves the front end's messages (child process)."""

    def __init__(self, engine: EngineApi, outbox: Outbox, *, restart: tuple[str, str] | None = None) -> None:
        self.engine = engine
        self.outbox = outbox
        self.restart = restart  # (who, why) when this engine replaces one whose process died
        self.loop = asyncio.new_event_loop()
        self.done = threading.Event()
        self._tasks: dict[int, asyncio.Task[Any]] = {}
        self._cancelled: set[int] = set()
        self._sent: dict[str, Any] = {}
        self._users: set[str] = set()  # who is logged in (from the session events)
        self._refresh_due = False
        self._loop_thread: int | None = None
        self._stopping = False
        self._started = False
        self._starting: asyncio.Task[Any] | None = None  # the engine's start while it runs
        engine.subscribe(self._on_snapshot)
        engine.subscribe_alarms(lambda transition: self._with_views("alarm", transition))
        engine.subscribe_sessions(self._on_session)
        engine.subscribe_replay(lambda snapshot, generation: outbox.bounded("replay", snapshot, generation))

    # --- the loop thread ------------------------------------------------------------------

    def run_loop(self) -> None:
        """The engine's thread: raised priority where permitted, then the loop until stopped."""
        _run_first()
        self._loop_thread = threading.get_ident()
        asyncio.set_event_loop(self.loop)
        ticker = self.loop.create_task(self._tick(), name="bandsaw.host.views")
        try:
            self.loop.run_forever()
        finally:
            ticker.cancel()
            pending = [t for t in asyncio.all_tasks(self.loop) if not t.done()]
            for task in pending:
                task.cancel()
            if pending:
                self.loop.run_until_complete(asyncio.gather(*pending, return_exceptions=True))
            self.loop.run_until_complete(self.loop.shutdown_asyncgens())
            self.loop.close()
            self.done.set()

    def submit(self, message: tuple[Any, ...]) -> None:
        """From the reading thread: handle ``message`` on the engine's loop."""
        with contextlib.suppress(RuntimeError):  # the loop closed meanwhile
            self.loop.call_soon_threadsafe(self._handle, message)

    def shutdown(self) -> None:
        """The front end is gone or SIGTERM: stop the engine cleanly, then end the loop (at any
        phase: a start in progress is waited for first)."""
        with contextlib.suppress(RuntimeError):
            self.loop.call_soon_threadsafe(lambda: self.loop.create_task(self._stop(None)))

    def _handle(self, message: tuple[Any, ...]) -> None:
        kind = message[0]
        if kind == "call":
            call_id, name, args, kwargs, callbacks, *deadline = message[1:]
            self._call(call_id, name, args, kwargs, callbacks, deadline=deadline[0] if deadline else None)
        elif kind == "touch":
            self.engine.touch(message[1])
        elif kind == "resync":  # the front end gave up on an answer: every view again
            self._sent.clear()
            self.refresh()
        elif kind == "cancel":
            self._cancelled.add(message[1])
            task = self._tasks.get(message[1])
            if task is not None and not message[2]:  # the front end's task was cancelled: so is this
                task.cancel()
        elif kind == "start":
            if self._stopping:  # a stop came first (the front end died, SIGTERM): never start now
                self._reply(message[1], False, RuntimeError("the engine is stopping"))
                return
            self._run(message[1], self._start())
            self._starting = self._tasks.get(message[1])
        elif kind == "stop":
            self.loop.create_task(self._stop(message[1]))
        elif kind == "probe":
            _, call_id, fn, args = message
            self._run(call_id, _maybe_await(fn, self.engine, *args))

    def _call(self, call_id: int, name: str, args: tuple[Any, ...], kwargs: dict[str, Any],
              callbacks: tuple[str, ...], *, deadline: float | None = None) -> None:
        if name not in CALLS:
            self._reply(call_id, False, AttributeError(f"the engine offers no {name!r}"))
            return
        if deadline is not None and (late := time.monotonic() - deadline) > 0:
            self._refuse_late(call_id, name, args, late)
            return
        if "progress" in callbacks:
            kwargs["progress"] = partial(self.outbox.progress, call_id)
        if "cancel" in callbacks:
            kwargs["cancel"] = partial(self._is_cancelled, call_id)
        method = getattr(self.engine, name)
        if name in ASYNC_CALLS:
            self._run(call_id, self._after(name, method(*args, **kwargs)))
            return
        try:
            value = method(*args, **kwargs)
        except Exception as exc:
            self._reply(call_id, False, exc)
        else:
            self._reply(call_id, True, value)

    def _run(self, call_id: int, coro: Any) -> None:
        task = self.loop.create_task(coro)
        self._tasks[call_id] = task
        task.add_done_callback(lambda t: self._finished(call_id, t))

    def _finished(self, call_id: int, task: asyncio.Task[Any]) -> None:
        self._tasks.pop(call_id, None)
        self._cancelled.discard(call_id)
        if task.cancelled():
            self._reply(call_id, False, asyncio.CancelledError("cancelled"))
        elif (exc := task.exception()) is not None:
            self._reply(call_id, False, exc)
        else:
            self._reply(call_id, True, task.result(), bulky=True)

    def _reply(self, call_id: int, ok: bool | None, value: Any, *, bulky: bool = False) -> None:
        self.refresh()  # the views first: a front end reading them after the answer sees its effect
        if ok is False and isinstance(value, BaseException):
            value = remote_error(value)
        (self.outbox.bulky if bulky else self.outbox.event)("reply", call_id, ok, value)

    def _refuse_late(self, call_id: int, name: str, args: tuple[Any, ...], late_s: float) -> None:
        """The front end has given up waiting for this command: it is not carried out (audited)."""
        why = f"arrived after its deadline ({late_s:.1f} s late): not carried out"
        log.warning("%s %s", name, why)
        session = args[0] if args and isinstance(args[0], UserSession) else None
        if isinstance(self.engine, AuditsRefusals):
            try:
                self.engine.audit_refused(session.user if session else "system", name, why)
            except Exception:
                log.exception("the refusal of a late %s was not audited", name)
        self._reply(call_id, None, why)

    def _is_cancelled(self, call_id: int) -> bool:
        return call_id in self._cancelled

    async def _after(self, name: str, coro: Any) -> Any:
        value = await coro
        if name in FIRST_ADMIN_CHANGES:
            self._sent.pop("first_admin", None)
            self.outbox.view("first_admin", await asyncio.to_thread(self._needs_first_admin))
        return value

    def _needs_first_admin(self) -> bool:
        return self.engine.needs_first_admin()

    async def _start(self) -> None:
        sys.setswitchinterval(min(sys.getswitchinterval(), GIL_SWITCH_S))
        await self.engine.start()
        self._started = True
        if self.restart is not None:
            user, detail = self.restart
            log.warning("engine restarted by %s (%s): manual mode", user, detail)
            if isinstance(self.engine, AuditsRestarts):
                self.engine.audit_restart(user, detail)
        # What is built by now (the engine and every module it loaded) lives as long as the process:
        # frozen, a full garbage collection never walks it again (it stops the poll loop meanwhile).
        gc.freeze()

    async def _stop(self, call_id: int | None) -> None:
        if self._stopping:
            return
        self._stopping = True
        ok, value = True, None
        starting = self._starting
        if starting is not None and not starting.done():
            # A stop during the start (the front end died, SIGTERM) waits for it: a half-started
            # engine's files would be left open; a stop after a whole start closes them all.
            log.info("stop asked while the engine starts: waiting for the start to finish")
            await asyncio.wait({starting})
        try:
            if self._started or starting is not None:  # never started: nothing is open to close
                await self.engine.stop()
        except Exception as exc:
            log.exception("engine failed to stop cleanly")
            ok, value = False, exc
        if call_id is not None:
            self._reply(call_id, ok, value)
        self.loop.stop()

    # --- views ----------------------------------------------------------------------------

    def _on_snapshot(self, snapshot: Any) -> None:
        """In the poll cycle: keep it for the front end, look at the views after the cycle."""
        self.outbox.polled(snapshot)
        if not self._refresh_due:
            self._refresh_due = True
            self.loop.call_soon(self.refresh)

    def _on_session(self, user: str, event: str) -> None:
        if threading.get_ident() != self._loop_thread:  # a log-out by a user change in a worker thread
            self.loop.call_soon_threadsafe(self._on_session, user, event)
            return
        if event == "login":
            self._users.add(user)
        else:
            self._users.discard(user)
        self._with_views("session", user, event)

    def _with_views(self, *event: Any) -> None:
        if threading.get_ident() != self._loop_thread:  # an alarm raised from a worker thread
            self.loop.call_soon_threadsafe(self._with_views, *event)
            return
        self.refresh()
        (self.outbox.event if event[0] == "session" else self.outbox.bounded)(*event)

    async def _tick(self) -> None:
        ticks = 0
        while True:  # views that change without a poll (a stopped link, a backup, an idle log-out)
            if ticks % IDLE_EVERY_TICKS == 0 and self._started and not self._stopping:
                # Idle sessions logged out here, not on the front end's timer: a screen never waits on
                # the engine for it (its logouts go out as session events).
                try:
                    self.engine.expire_idle()
                except Exception:
                    log.exception("idle sessions not expired")
            ticks += 1
            self.outbox.view("beat", ticks)  # alive: a front end that hears nothing knows the engine is not
            self.refresh()
            await asyncio.sleep(TICK_S)

    def refresh(self) -> None:
        """Push every view that changed (compared with what was sent; they are immutable values)."""
        self._refresh_due = False
        engine = self.engine
        try:
            views: dict[str, Any] = {
                "status": engine.status(),
                "active": engine.active_alarms(),
                "suppressed": engine.suppressed_alarms(),
                "engineer": engine.engineer_alarms(),
                "summary": engine.alarm_summary(),
                "control_status": engine.control_status(),
                "control_view": engine.control_view(),
                "backup": engine.backup_status(),
                "replay": engine.replay_status(),
                "hold": engine.replay_hold(),
                "sessions": self._sessions(),
            }
        except Exception:
            log.exception("views for the front end failed")
            return
        for key, value in views.items():
            if key not in self._sent or self._sent[key] != value:
                self._sent[key] = value
                self.outbox.view(key, value)

    def _sessions(self) -> dict[str, tuple[UserSession | None, frozenset[str]]]:
        """Who is logged in as the engine holds it, and what each may do (allowed() for every action)."""
        table: dict[str, tuple[UserSession | None, frozenset[str]]] = {}
        for user in sorted(self._users | {ANONYMOUS_USER}):
            session = UserSession(user, UserSession.anonymous().role)
            live = self.engine.current(session)
            asked = live or session
            table[user] = (live, frozenset(a for a in ACTIONS if self.engine.allowed(asked, a)))
        return table


async def _maybe_await(fn: Callable[..., Any], *args: Any) -> Any:
    value = fn(*args)
    return await value if inspect.isawaitable(value) else value


def _die_with_parent() -> None:
    """Linux: SIGTERM this process when the front end's process dies (however: kill -9 too), at
    any phase, even before the pipe is read. (The kernel sends it when the thread that started us
    ends: hmi.engine_process spawns from the GUI's main thread, which lives as long as the program.)
    If the front end died before this ran, stop now."""
    if not sys.platform.startswith("linux"):
        return
    try:
        libc = ctypes.CDLL(None, use_errno=True)
        if libc.prctl(PR_SET_PDEATHSIG, signal.SIGTERM, 0, 0, 0) != 0:
            raise OSError(ctypes.get_errno(), "prctl(PR_SET_PDEATHSIG)")
    except (OSError, AttributeError) as exc:  # the pipe's end of file still tells us
        log.info("parent-death signal not set (%s)", exc)
        return
    parent = multiprocessing.parent_process()
    if parent is not None and os.getppid() != parent.pid:  # orphaned before the signal was armed
        os.kill(os.getpid(), signal.SIGTERM)


def _exit_after(seconds: float) -> None:
    """End this process after ``seconds`` whatever the stop is doing (a daemon timer thread)."""
    def expire() -> None:
        log.error("the engine did not stop within %.0f s: exiting without the rest of the stop", seconds)
        logging.shutdown()
        os._exit(3)

    timer = threading.Timer(seconds, expire)
    timer.daemon = True
    timer.start()


def _raise_priority() -> None:
    """The whole process ENGINE_NICE below the front end (before any thread starts: on Linux each
    thread takes its creator's niceness). Every thread, not only the poll loop's: a worker thread
    holding the GIL must not wait for a core behind the rest of the machine while the poll waits
    for the GIL (a priority inversion). A job in a worker process (an export) lowers its own."""
    try:
        os.setpriority(os.PRIO_PROCESS, 0, os.getpriority(os.PRIO_PROCESS, 0) + ENGINE_NICE)
    except (OSError, AttributeError) as exc:  # not permitted (or not POSIX): the program's priority
        log.warning("engine priority NOT raised: nice %+d not granted (%s; RLIMIT_NICE %s, needs %d); %s; "
                    "it runs at the screen's priority", ENGINE_NICE, exc, _rlimit("RLIMIT_NICE"),
                    20 - ENGINE_NICE, GRANTED_BY)


# Who grants the engine's priorities, for the log line that says they were not granted.
GRANTED_BY = ("granted to root, to CAP_SYS_NICE, and to the kiosk operator of a system install "
              "(installer/install.sh --operator: /etc/security/limits.d/90-bandsaw-hmi.conf, from their next login)")


def _rlimit(name: str) -> str:
    """The soft limit ``resource.<name>`` of this process, as the log shows it."""
    try:
        import resource

        soft, _hard = resource.getrlimit(getattr(resource, name))
    except (ImportError, AttributeError, OSError, ValueError):
        return "unknown"
    return "unlimited" if soft == resource.RLIM_INFINITY else str(soft)


def _run_first() -> None:
    """On the poll loop's thread: a real-time round-robin priority where permitted (root,
    CAP_SYS_NICE or an RLIMIT_RTPRIO). Nice alone does not give a sleeping thread the core when it
    wakes (Linux's EEVDF scheduler): with the screen busy on both cores the poll started up to
    24 ms late at nice -5, 2 ms at SCHED_RR. The loop sleeps
    between polls, and the kernel keeps 5 % of every second for other work whatever happens
    (sched_rt_runtime_us). Threads and processes it starts go back to normal scheduling
    (SCHED_RESET_ON_FORK): reads and exports never run at this priority."""
    if not hasattr(os, "sched_setscheduler"):
        return
    policy = os.SCHED_RR | os.SCHED_RESET_ON_FORK
    try:
        os.sched_setscheduler(threading.get_native_id(), policy, os.sched_param(ENGINE_RT_PRIORITY))
    except OSError as exc:
        log.warning("engine poll loop NOT at real-time priority: SCHED_RR %d not granted (%s; RLIMIT_RTPRIO %s, "
                    "needs %d); %s; polls may start late while the screen keeps the cores busy",
                    ENGINE_RT_PRIORITY, exc, _rlimit("RLIMIT_RTPRIO"), ENGINE_RT_PRIORITY, GRANTED_BY)
    else:
        log.info("engine poll loop at real-time priority (SCHED_RR %d)", ENGINE_RT_PRIORITY)


def serve(conn: Connection, factory: EngineFactory, settings: Settings, register_map: RegisterMap,
          simulate: bool, *, restart: tuple[str, str] | None = None) -> int:
    """The host process's life: build the engine, serve until stopped or the front end is gone.
    ``restart``: (who, why) when this engine replaces one whose process died: it starts in manual
    mode (:func:`restarted_settings`) and records the restart in the audit trail once it runs.

    The front end passes these as a plain tuple (it does not import this module)."""
    signal.signal(signal.SIGINT, signal.SIG_IGN)  # Ctrl-C reaches the front end, which stops us
    stop_asked = threading.Event()  # SIGTERM (or the front end's death) before the host exists
    signal.signal(signal.SIGTERM, lambda *_: stop_asked.set())
    _die_with_parent()
    with contextlib.suppress(OSError):
        setup_logging(settings, console=False, main=ENGINE_LOG)  # the window's process writes app.log
    _raise_priority()
    outbox = Outbox(conn)
    sender = threading.Thread(target=outbox.run, name="bandsaw-host-send", daemon=True)
    sender.start()
    try:
        # A data directory in use says so at once, before the engine is built (seconds on a loaded
        # machine); the engine takes the lock for good in its start.
        DataDirLock(settings.data_dir).acquire().release()
        if restart is not None:
            settings = restarted_settings(settings)
        engine = factory(settings, register_map, simulate)
        host = EngineHost(engine, outbox, restart=restart)
        outbox.view("first_admin", host._needs_first_admin())
    except Exception as exc:
        log.exception("cannot create the engine")
        outbox.event("fatal", f"cannot create the engine: {exc}")
        outbox.close()
        sender.join(timeout=5.0)
        return 1
    hard_limit_s = settings.database.sqlite.stop_timeout_s + HARD_STOP_EXTRA_S

    def on_term(*_: object) -> None:
        host.shutdown()
        _exit_after(hard_limit_s)  # a stop that hangs must not keep the files for good

    signal.signal(signal.SIGTERM, on_term)
    if stop_asked.is_set():
        log.info("asked to stop while the engine was being built: stopping")
        on_term()
    engine_thread = threading.Thread(target=host.run_loop, name="bandsaw-engine", daemon=True)
    engine_thread.start()
    reader = threading.Thread(target=_read, args=(conn, host), name="bandsaw-host-read", daemon=True)
    reader.start()
    while not host.done.wait(0.5):  # the main thread stays free for SIGTERM
        pass
    engine_thread.join()
    outbox.close()
    sender.join(timeout=5.0)
    conn.close()
    return 0


def _read(conn: Connection, host: EngineHost) -> None:
    while True:
        try:
            message = conn.recv()
        except (EOFError, OSError):  # the front end's process has ended: stop cleanly, by ourselves
            log.info("the front end is gone: stopping the engine")
            os.kill(os.getpid(), signal.SIGTERM)  # the one way to stop: the hard limit comes with it
            return
        except Exception:  # a message that does not unpickle: the pipe cannot be trusted any more
            log.exception("a message from the front end could not be read: stopping the engine")
            os.kill(os.getpid(), signal.SIGTERM)
            return
        host.submit(message)


if __name__ == "__main__":  # started by hmi.engine_process: runpy.run_module(..., init_globals={"HOST_ARGS": ...})
    from core.engine_host import serve as _serve  # the module under its own name: its values pickle by it

    _args = globals()["HOST_ARGS"]  # (conn, factory, settings, register_map, simulate, restart)
    _code = _serve(*_args[:5], restart=_args[5] if len(_args) > 5 else None)
    # The engine has stopped and every file is closed: skip the interpreter's teardown of the
    # modules (seconds on a loaded machine), which the front end would otherwise wait for.
    logging.shutdown()
    sys.stdout.flush()
    sys.stderr.flush()
    os._exit(_code)
