"""The engine on its own thread (hmi.engine_thread): the GUI thread can block, polls go on; the contract
is the same (commands run on the engine's thread, session events arrive on the GUI thread)."""

from __future__ import annotations

import gc
import os
import sys
import threading
import time
from collections.abc import Callable

import pytest
from hmi_testing import QLoop
from PySide6.QtWidgets import QApplication

from core.api import Role, UserSession
from core.config import Settings
from core.registers import RegisterMap
from core.security.testing import login_as
from core.snapshot import Snapshot
from core.testing.standin_engine import StandInEngine
from hmi.engine_thread import ENGINE_NICE, EngineThread
from tests.waiting import wait_until


def test_polls_go_on_while_the_gui_thread_is_busy(qloop: QLoop, settings: Settings,
                                                    register_map: RegisterMap) -> None:
    engine = StandInEngine(settings, register_map, period_ms=20)
    proxy = EngineThread(engine)
    seen: list[tuple[int, str]] = []
    nice: list[int] = []

    def on_snapshot(snapshot: Snapshot) -> None:
        seen.append((snapshot.seq, threading.current_thread().name))
        nice.append(os.getpriority(os.PRIO_PROCESS, threading.get_native_id()))

    unsubscribe = proxy.subscribe(on_snapshot)

    async def scenario() -> int:
        await proxy.start()
        await wait_until(lambda: len(seen) >= 3, "first polls", within_s=10)
        before = len(seen)
        time.sleep(0.5)  # noqa: ASYNC251 - on purpose: the GUI thread busy (a slow paint), the engine polls on
        return len(seen) - before

    try:
        during = qloop.run(scenario())
    finally:
        unsubscribe()
        qloop.run(proxy.stop())
    assert during >= 10, f"{during} polls while the GUI thread was busy for 0.5 s at 50 Hz"
    # The objects built before the start are out of the collector's walk (a full collection of
    # them stops every thread, the poll loop's too, for about a second).
    assert gc.get_freeze_count() > 10_000
    gc.unfreeze()
    assert {name for _, name in seen} == {"bandsaw-engine"}
    if sys.platform.startswith("linux") and os.geteuid() == 0:  # allowed to: the engine's thread goes first
        assert set(nice) == {max(-20, os.getpriority(os.PRIO_PROCESS, threading.get_native_id()) + ENGINE_NICE)}
    assert engine.stopped and not any(t.name == "bandsaw-engine" for t in threading.enumerate())


def test_commands_run_on_the_engine_thread_and_sessions_come_back_to_the_gui(
    qloop: QLoop, qapp: QApplication, settings: Settings, register_map: RegisterMap
) -> None:
    engine = StandInEngine(settings, register_map, period_ms=50)
    proxy = EngineThread(engine)
    events: list[tuple[str, str, str]] = []
    unsubscribe = proxy.subscribe_sessions(
        lambda user, event: events.append((user, event, threading.current_thread().name)))
    writes: list[str] = []
    real_writer = engine._writer

    async def spy(name: str, value: float, *, user: str, reason: str = "") -> object:
        writes.append(threading.current_thread().name)
        return await real_writer(name, value, user=user, reason=reason)

    engine._writer = spy  # type: ignore[method-assign,assignment]

    async def scenario() -> None:
        await proxy.start()
        login_as(engine.access, "erin", Role.ENGINEER)
        erin = UserSession("erin", Role.ENGINEER)
        result = await proxy.write(erin, "cutting_speed", 80.0, reason="test")
        assert result.ok, result.reason
        refused = await proxy.write(UserSession.anonymous(), "cutting_speed", 81.0)
        assert not refused.ok and "needs engineer" in refused.reason
        assert not proxy.set_mode(erin, "ml").ok  # no controller in this stand-in: refused, with why
        assert proxy.logout(erin).ok
        await wait_until(lambda: any(e[1] == "logout" for e in events), "logout event", within_s=5)

    try:
        qloop.run(scenario())
    finally:
        unsubscribe()
        qloop.run(proxy.stop())
    assert writes == ["bandsaw-engine"]
    assert engine.values["cutting_speed"] == 80.0
    logout = next(e for e in events if e[1] == "logout")
    assert logout[0] == "erin" and logout[2] == threading.current_thread().name  # delivered on the GUI thread


def test_reads_of_the_latest_snapshot_need_no_hop(qloop: QLoop, settings: Settings,
                                                  register_map: RegisterMap) -> None:
    engine = StandInEngine(settings, register_map, period_ms=20)
    proxy = EngineThread(engine)

    async def scenario() -> Snapshot | None:
        await proxy.start()
        await wait_until(lambda: proxy.latest is not None, "a snapshot", within_s=10)
        return proxy.latest

    try:
        latest = qloop.run(scenario())
    finally:
        qloop.run(proxy.stop())
    assert latest is not None and latest.values["cutting_speed"] == 70
    assert proxy.status().running is False  # stopped: the stand-in says so


def test_reads_run_at_the_programs_priority_not_the_engine_threads(qloop: QLoop, settings: Settings,
                                                                    register_map: RegisterMap) -> None:
    """A worker thread made by the engine's thread would inherit its raised priority (Linux): the
    reads it runs must not compete with the poll cycle on equal terms."""
    from core.offload import run_blocking

    engine = StandInEngine(settings, register_map, period_ms=50)
    proxy = EngineThread(engine)

    def niceness() -> int:
        return os.getpriority(os.PRIO_PROCESS, threading.get_native_id())

    async def scenario() -> tuple[int, int]:
        await proxy.start()
        engine_nice = await proxy.run_on_engine(_on_this_thread(niceness))
        worker_nice = await proxy.run_on_engine(run_blocking(niceness))
        return engine_nice, worker_nice

    try:
        engine_nice, worker_nice = qloop.run(scenario())
    finally:
        qloop.run(proxy.stop())
        gc.unfreeze()
    assert worker_nice == os.getpriority(os.PRIO_PROCESS, os.getpid())
    if sys.platform.startswith("linux") and os.geteuid() == 0:
        assert engine_nice < worker_nice


async def _on_this_thread(fn: Callable[[], int]) -> int:
    return fn()


def test_a_sync_command_the_engine_did_not_start_in_time_is_withdrawn(
        qloop: QLoop, settings: Settings, register_map: RegisterMap, monkeypatch: pytest.MonkeyPatch) -> None:
    """The engine's loop stalls: the screen's command is withdrawn ("not done") and never runs later;
    one that started but answers late is "state unknown", never "refused"."""
    import asyncio

    from core.api import Result
    from hmi import engine_thread

    monkeypatch.setattr(engine_thread, "CALL_DEADLINE_S", 0.5)
    monkeypatch.setattr(engine_thread, "ANSWER_GRACE_S", 0.5)
    proxy = EngineThread(StandInEngine(settings, register_map, period_ms=20))
    ran: list[str] = []

    async def stall(seconds: float) -> None:
        time.sleep(seconds)  # noqa: ASYNC251 - on purpose: the engine's loop stalled

    def late() -> Result[None]:
        ran.append("late")
        return Result.done()

    def slow() -> Result[None]:
        ran.append("slow")
        time.sleep(1.5)
        return Result.done()

    async def scenario() -> tuple[Result[None], Result[None]]:
        await proxy.start()
        stalled = asyncio.ensure_future(proxy.run_on_engine(stall(2.0)))
        await asyncio.sleep(0.2)
        withdrawn: Result[None] = proxy._call(late)
        await stalled
        await asyncio.sleep(0.3)
        unknown = proxy._call(slow)
        await asyncio.sleep(1.0)
        return withdrawn, unknown

    try:
        withdrawn, unknown = qloop.run(scenario())
    finally:
        qloop.run(proxy.stop())
    assert not withdrawn.ok and "not done" in withdrawn.reason, withdrawn.reason
    assert "late" not in ran, "the engine carried out a command the screen had withdrawn"
    assert not unknown.ok and "state unknown" in unknown.reason and ran == ["slow"], (unknown, ran)


class _UsersDbWatched(StandInEngine):
    """Says on which thread each needs_first_admin() (a read of users.db) ran."""

    def __init__(self, settings: Settings, register_map: RegisterMap) -> None:
        super().__init__(settings, register_map)
        self.asked_on: list[str] = []

    def needs_first_admin(self) -> bool:
        self.asked_on.append(threading.current_thread().name)
        return super().needs_first_admin()


def test_needs_first_admin_never_reads_users_db_on_the_gui_thread(qloop: QLoop, settings: Settings,
                                                                   register_map: RegisterMap) -> None:
    engine = _UsersDbWatched(settings, register_map)
    proxy = EngineThread(engine)
    answers: list[bool] = []

    async def scenario() -> None:
        await proxy.start()
        answers.append(proxy.needs_first_admin())  # as the window's first-admin offer asks it
        created = await proxy.create_first_admin("ada", "482913")
        assert created.ok, created.reason
        answers.append(proxy.needs_first_admin())  # the answer after the change, still not read here

    try:
        qloop.run(scenario())
    finally:
        qloop.run(proxy.stop())
    assert answers == [True, False]
    gui = threading.current_thread().name
    assert engine.asked_on and gui not in engine.asked_on, engine.asked_on
    assert "bandsaw-engine" not in engine.asked_on  # nor on the engine's loop: the poll never waits on it
