"""The engine in its own process (hmi.engine_process, core.engine_host), on the real engine and the
simulator: the same contract as EngineThread (tests/hmi/test_engine_thread.py), a GUI holding the
GIL delays no poll, a dead child gives error results (never a hang), and the child never outlives
the HMI: stopped cleanly by it, or by itself when the HMI's process is killed."""

from __future__ import annotations

import asyncio
import contextlib
import itertools
import os
import signal
import subprocess
import sys
import textwrap
import threading
import time
from pathlib import Path
from typing import Any

import engine_probes
import pytest
from hmi_testing import QLoop
from PySide6.QtCore import Qt
from PySide6.QtGui import QImage
from PySide6.QtWidgets import QApplication

from core.api import (
    AlarmHistoryFilter,
    AlarmTransition,
    AuditFilter,
    ExportRequest,
    ReportRequest,
    Result,
    Role,
    UserSession,
)
from core.cli import engine_factory
from core.config import Settings
from core.registers import RegisterMap
from hmi.engine_process import STOPPED_ALARM, EngineProcess
from tests.waiting import wait_until, wait_until_sync

ROOT = Path(__file__).resolve().parents[2]
pytestmark = pytest.mark.skipif(not sys.platform.startswith("linux"), reason="process checks use /proc")


def _gone(pid: int) -> bool:
    """The process has exited (a zombie nobody reaped yet counts as exited)."""
    try:
        state = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()[0]
    except (FileNotFoundError, ProcessLookupError):
        return True
    return state in ("Z", "X")


def _wait_gone(pid: int, within: float) -> bool:
    deadline = time.monotonic() + within
    while time.monotonic() < deadline:
        if _gone(pid):
            return True
        time.sleep(0.1)
    return _gone(pid)


def _stop_child(pid: int) -> None:
    """SIGSTOP ``pid`` and return once every thread of it has stopped: kill() returns before that, and
    on a loaded machine a thread of the child (woken by the pipe, say) still ran the command sent
    next (the test below saw the child take it in 3 ms: 'set_mode accepted', in 2 of 7 runs)."""
    os.kill(pid, signal.SIGSTOP)

    def stopped() -> bool:
        try:
            states = [(task / "stat").read_text().rsplit(")", 1)[1].split()[0]
                      for task in Path(f"/proc/{pid}/task").iterdir()]
        except (FileNotFoundError, ProcessLookupError):  # a thread ended meanwhile: look again
            return False
        return bool(states) and all(state in ("T", "t") for state in states)

    wait_until_sync(stopped, f"process {pid} stopped", within_s=30, every_s=0.001)


def _hmi_parent(settings: Settings, tmp_path: Path, *, started_first: bool) -> subprocess.Popen[str]:
    """An HMI's process of its own running an EngineProcess on ``settings``' directories; it prints
    the child's pid on its first line: once the engine polls (``started_first``) or at the launch."""
    if started_first:
        body = """
            await proxy.start()
            while proxy.latest is None:
                await asyncio.sleep(0.05)
            print(proxy.pid, flush=True)"""
    else:
        body = """
            proxy.spawn()
            print(proxy.pid, flush=True)
            await proxy.start()"""
    script = tmp_path / "hmi_parent.py"
    script.write_text(textwrap.dedent(f"""
        import asyncio, sys
        sys.path[:0] = [{str(ROOT)!r}, {str(ROOT / "tests" / "hmi")!r}]
        from core.cli import engine_factory
        from core.config import load_settings, PROJECT_ROOT
        from core.registers import load_register_map
        from hmi.engine_process import EngineProcess

        async def main():
            settings = load_settings(PROJECT_ROOT / "config" / "config.yaml", env={{}},
                                     env_file={str(tmp_path / "no.env")!r},
                                     overrides={{"paths": {{"data_dir": {str(settings.data_dir)!r},
                                                           "logs_dir": {str(settings.logs_dir)!r}}}}})
            proxy = EngineProcess(engine_factory, settings, load_register_map(settings.register_map_path),
                                  simulate=True){body}
            await asyncio.sleep(600)

        if __name__ == "__main__":
            asyncio.run(main())
    """))
    return subprocess.Popen([sys.executable, str(script)], stdout=subprocess.PIPE, text=True,
                            env={**os.environ, "QT_QPA_PLATFORM": "offscreen"})


def test_a_gui_holding_the_gil_delays_no_poll(qloop: QLoop, qapp: QApplication, settings: Settings,
                                              register_map: RegisterMap) -> None:
    proxy = EngineProcess(engine_factory, settings, register_map, simulate=True)
    ticks: list[float] = []  # a Python thread of this process: it stops while Qt holds the GIL
    quit_ticker = threading.Event()

    def ticker() -> None:
        while not quit_ticker.wait(0.005):
            ticks.append(time.monotonic())

    nice: list[tuple[int, int]] = []
    image = QImage(6000, 6000, QImage.Format.Format_ARGB32)
    image.fill(0xFF336699)

    async def scenario() -> tuple[float, float, list[float], float]:
        await proxy.start()
        nice.extend(await proxy._call_in_engine(engine_probes.priorities))
        await proxy._call_in_engine(engine_probes.record_polls)
        await wait_until(lambda: proxy.latest is not None, "first polls", within_s=30)
        await asyncio.sleep(0.5)
        thread = threading.Thread(target=ticker, name="gil-ticker")
        thread.start()
        await asyncio.sleep(0.1)
        began = time.monotonic()
        while time.monotonic() - began < 0.3:  # one Qt call after another: the GIL is Qt's
            image.scaled(5000, 5000, Qt.AspectRatioMode.IgnoreAspectRatio, Qt.TransformationMode.SmoothTransformation)
        ended = time.monotonic()
        await asyncio.sleep(0.3)
        quit_ticker.set()
        thread.join()
        gaps = [b - a for a, b in itertools.pairwise(ticks)]
        return began, ended, await proxy._call_in_engine(engine_probes.recorded_polls), max(gaps)

    try:
        began, ended, polls, ticker_gap = qloop.run(scenario())
    finally:
        qloop.run(proxy.stop())
    assert ticker_gap >= 0.1, f"the Qt call did not hold the GIL (a thread of this process waited {ticker_gap:.3f} s)"
    during = [t for t in polls if began - 0.2 <= t <= ended + 0.2]
    assert len(during) >= 5, f"{len(during)} polls while the GUI was busy for {ended - began:.2f} s at 10 Hz"
    worst = max(b - a for a, b in itertools.pairwise(during))
    assert worst < 0.15, f"a poll gap of {worst * 1000:.0f} ms while this process held the GIL"
    # The engine's process runs first where permitted: nice -5, and the poll loop's thread at a
    # real-time priority, which the threads it starts (reads) do not inherit.
    (engine_nice, engine_policy), (worker_nice, worker_policy) = nice
    ours = os.getpriority(os.PRIO_PROCESS, threading.get_native_id())
    if os.geteuid() == 0:
        assert engine_policy == os.SCHED_RR and worker_policy == os.SCHED_OTHER
        assert engine_nice == max(-20, ours - 5) <= worker_nice
    else:
        assert engine_policy == worker_policy == os.SCHED_OTHER and engine_nice == worker_nice == ours


def test_commands_run_in_the_child_and_sessions_come_back_to_the_gui(
    qloop: QLoop, qapp: QApplication, settings: Settings, register_map: RegisterMap
) -> None:
    proxy = EngineProcess(engine_probes.engine_with_engineer, settings, register_map, simulate=True)
    events: list[tuple[str, str, str]] = []
    unsubscribe = proxy.subscribe_sessions(
        lambda user, event: events.append((user, event, threading.current_thread().name)))
    anonymous = UserSession.anonymous()
    seen: dict[str, object] = {}

    async def scenario() -> None:
        await proxy.start()
        await wait_until(lambda: proxy.latest is not None, "first polls", within_s=30)
        assert await proxy._call_in_engine(engine_probes.pid) == proxy.pid != os.getpid()
        seen["first_admin"] = proxy.needs_first_admin()  # no admin yet: answered from the mirror
        assert proxy.allowed(anonymous, "view") and not proxy.allowed(anonymous, "write_register")
        login = await proxy.login(engine_probes.ENGINEER, engine_probes.PIN)
        assert login.ok and login.value is not None, login.reason
        erin = login.value
        assert erin.role is Role.ENGINEER and proxy.current(erin) == erin
        assert proxy.allowed(erin, "write_register")  # the mirror has the session by the time of the answer
        result = await proxy.write(erin, "cutting_speed", 80.0, reason="test")
        assert result.ok, result.reason
        refused = await proxy.write(anonymous, "cutting_speed", 81.0)
        assert not refused.ok and "needs engineer" in refused.reason
        switched = proxy.set_mode(erin, "ml")  # a sync command: the GUI thread waits for the answer
        assert switched.ok, switched.reason
        assert proxy.status().mode == "ml"  # the views came with the answer
        assert proxy.set_mode(erin, "manual").ok and proxy.status().mode == "manual"
        export = tmp_out = Path(settings.data_dir) / "exports" / "s.csv"
        progress: list[tuple[int, int]] = []
        done = await proxy.export(erin, ExportRequest(out=tmp_out), progress=lambda d, t: progress.append((d, t)))
        assert done.ok and done.value is not None, done.reason
        assert export.exists() and progress, progress
        cancelled = await proxy.export(erin, ExportRequest(out=tmp_out.with_name("c.csv")), cancel=lambda: True)
        # Stopped as asked, or ended after the grace time if it was still starting on a loaded machine.
        assert not cancelled.ok and cancelled.reason and not tmp_out.with_name("c.csv").exists()
        # Every query's values cross the pipe (they pickle); none is refused on a fresh data directory.
        now_ms = int(time.time() * 1000)
        for name, query in (
            ("alarm history", proxy.alarm_history(AlarmHistoryFilter())),
            ("cut records", proxy.cut_records()),
            ("band life", proxy.band_life()),
            ("audit", proxy.audit_query(AuditFilter())),
            ("audit users", proxy.audit_values("user")),
            ("ml journal", proxy.ml_journal()),
            ("history", proxy.history(["cutting_speed", "band_current"], now_ms - 60_000, now_ms)),
            ("users", proxy.users()),
            ("backups", proxy.backups()),
            ("models", proxy.models()),
            ("production", proxy.production_view()),
            ("report", proxy.production_report(ReportRequest(start_ms=now_ms - 60_000, end_ms=now_ms))),
        ):
            answer = await query
            assert isinstance(answer, Result), name
            assert answer.ok or answer.reason, name
        # The first admin: the mirror's answer changes with the command's (users.db is read in the child).
        admin = await proxy.create_first_admin("ada", engine_probes.PIN)
        assert admin.ok, admin.reason
        assert proxy.needs_first_admin() is False
        ada = await proxy.login("ada", engine_probes.PIN)
        assert ada.ok and ada.value is not None, ada.reason
        assert proxy.logout(ada.value).ok
        assert proxy.logout(erin).ok
        assert not proxy.allowed(erin, "write_register") and proxy.current(erin) is None
        await wait_until(lambda: ("erin", "logout") in [e[:2] for e in events], "logout event", within_s=5)
        await wait_until(lambda: proxy.latest is not None and proxy.latest.values["cutting_speed"] == 80.0,
                         "the written speed read back", within_s=5)

    try:
        qloop.run(scenario())
    finally:
        unsubscribe()
        qloop.run(proxy.stop())
    assert seen["first_admin"] is True
    assert [e[:2] for e in events] == [("erin", "login"), ("ada", "login"), ("ada", "logout"), ("erin", "logout")]
    assert {e[2] for e in events} == {threading.current_thread().name}  # delivered on the GUI thread
    assert proxy.status().running is False  # stopped: the last view the child sent says so


def test_stop_ends_the_child_cleanly(qloop: QLoop, settings: Settings, register_map: RegisterMap) -> None:
    proxy = EngineProcess(engine_factory, settings, register_map, simulate=True)

    async def scenario() -> int:
        await proxy.start()
        await wait_until(lambda: proxy.latest is not None, "first polls", within_s=30)
        pid = proxy.pid
        assert pid is not None
        await proxy.stop()
        return pid

    pid = qloop.run(scenario())
    assert _gone(pid) and proxy.pid is None
    log = (Path(settings.logs_dir) / "engine.log").read_text()
    assert "bandsaw.engine: engine stopped" in log  # the end of the engine's ordered stop, in the child
    assert not any(t.name.startswith("bandsaw-engine") for t in threading.enumerate())
    # The data directory is free again: a second engine may take it.
    again = EngineProcess(engine_factory, settings, register_map, simulate=True)
    qloop.run(again.start())
    qloop.run(again.stop())


def test_a_dead_child_gives_error_results_not_a_hang(qloop: QLoop, settings: Settings,
                                                     register_map: RegisterMap) -> None:
    proxy = EngineProcess(engine_probes.engine_with_engineer, settings, register_map, simulate=True)
    transitions: list[AlarmTransition] = []
    proxy.subscribe_alarms(transitions.append)
    anonymous = UserSession.anonymous()

    async def scenario() -> None:
        await proxy.start()
        await wait_until(lambda: proxy.latest is not None, "first polls", within_s=30)
        pending = asyncio.ensure_future(proxy._call_in_engine(_sleep_long))
        await asyncio.sleep(0.2)
        assert proxy.pid is not None
        os.kill(proxy.pid, signal.SIGKILL)
        await wait_until(lambda: not proxy.running, "the proxy to see the child gone", within_s=10)
        with pytest.raises(Exception, match="engine process ended"):
            await asyncio.wait_for(pending, 5)
        began = time.monotonic()
        login = await proxy.login(engine_probes.ENGINEER, engine_probes.PIN)
        assert not login.ok and "engine process ended" in login.reason
        write = await proxy.write(anonymous, "cutting_speed", 80.0)
        assert not write.ok and "engine process ended" in write.reason
        assert not proxy.set_mode(anonymous, "manual").ok
        assert proxy.expire_idle() == []
        assert time.monotonic() - began < 1.0

    try:
        qloop.run(scenario())
    finally:
        qloop.run(proxy.stop())
    assert [a.key for a in proxy.active_alarms()][:1] == [STOPPED_ALARM]
    assert any(t.alarm.key == STOPPED_ALARM for t in transitions)
    control = proxy.control_status()  # not the last push ("ML controlling the cut"): stopped, in plain words
    assert control is not None and not control.controlling and not control.saved_speeds
    assert "ML is not in control" in control.last_fault and proxy.control_view() is None
    assert proxy.alarm_summary().active_unacknowledged >= 1
    assert not proxy.status().running and not proxy.status().link.connected
    # The engine-stopped alarm can be acknowledged (here: there is no engine to ask) and says so.
    unacknowledged = proxy.alarm_summary().active_unacknowledged
    acknowledged = proxy.acknowledge_alarm(anonymous, STOPPED_ALARM)
    assert acknowledged.ok, acknowledged.reason
    stopped = proxy.alarm(STOPPED_ALARM)
    assert stopped is not None and stopped.state.value == "acknowledged"
    assert proxy.alarm_summary().active_unacknowledged == unacknowledged - 1
    assert any(t.alarm.key == STOPPED_ALARM and t.action == "acknowledge" for t in transitions)
    from hmi.bridge import EngineBridge
    from hmi.widgets.banners import LinkBanner

    banner = LinkBanner(EngineBridge(proxy))  # the banner's first line names the engine, not the PLC link
    banner._on_link(False)
    assert banner.text().startswith("ENGINE STOPPED"), banner.text()


def test_a_factory_that_fails_in_the_child_fails_the_start_with_its_reason(
        qloop: QLoop, settings: Settings, register_map: RegisterMap) -> None:
    proxy = EngineProcess(engine_probes.broken_factory, settings, register_map)
    try:
        with pytest.raises(RuntimeError, match="no PLC configured for this test"):
            qloop.run(proxy.start())
    finally:
        qloop.run(proxy.stop())


async def _sleep_long(engine: object) -> None:
    await asyncio.sleep(60)


def test_the_child_stops_by_itself_when_the_hmi_is_killed(settings: Settings, tmp_path: Path) -> None:
    """kill -9 the HMI's process: the child sees its pipe close and stops the engine cleanly."""
    parent = _hmi_parent(settings, tmp_path, started_first=True)
    try:
        assert parent.stdout is not None
        child = int(parent.stdout.readline())
        parent.send_signal(signal.SIGKILL)
        parent.wait(10)
        assert _wait_gone(child, 60), f"engine process {child} outlived the killed HMI"
    finally:
        if parent.poll() is None:
            parent.kill()
            parent.wait()
    log = (Path(settings.logs_dir) / "engine.log").read_text()
    assert "the front end is gone: stopping the engine" in log
    assert "bandsaw.engine: engine stopped" in log.split("the front end is gone")[1]


def test_the_window_runs_on_the_process_host_and_closing_it_ends_the_child(
        qloop: QLoop, settings: Settings, register_map: RegisterMap) -> None:
    from hmi.app import EngineMode, run_window
    from hmi.main_window import MainWindow

    windows: list[MainWindow] = []
    pids: list[int] = []

    async def scenario() -> int:
        task = asyncio.ensure_future(run_window(settings, register_map, engine_factory, simulate=True,
                                                window_ready=windows.append, engine_mode=EngineMode.PROCESS))
        await wait_until(lambda: windows and windows[0].bridge.latest is not None,
                         "live values on the window", within_s=60)
        engine = windows[0].engine
        assert isinstance(engine, EngineProcess) and engine.pid is not None
        pids.append(engine.pid)
        windows[0].close()
        return await asyncio.wait_for(task, 60)

    assert qloop.run(scenario()) == 0
    assert _gone(pids[0])
    assert "bandsaw.engine: engine stopped" in (Path(settings.logs_dir) / "engine.log").read_text()


def test_bandsaw_hmi_runs_the_engine_in_its_own_process_by_default() -> None:
    import argparse

    from hmi.app import EngineMode, add_arguments

    parser = argparse.ArgumentParser()
    add_arguments(parser)
    assert EngineMode(parser.parse_args([]).engine) is EngineMode.PROCESS
    assert EngineMode(parser.parse_args(["--engine", "thread"]).engine) is EngineMode.THREAD


def test_a_sync_command_the_engine_did_not_start_in_time_is_never_carried_out(
        qloop: QLoop, settings: Settings, register_map: RegisterMap, monkeypatch: pytest.MonkeyPatch) -> None:
    """SIGSTOP the child, Switch ML on, SIGCONT after the screen gave up: the engine refuses the
    late command (audited), never switches; the screen did not say it was done."""
    from hmi import engine_process

    monkeypatch.setattr(engine_process, "CALL_DEADLINE_S", 1.0)
    monkeypatch.setattr(engine_process, "ANSWER_GRACE_S", 1.0)
    proxy = EngineProcess(engine_probes.engine_with_engineer, settings, register_map, simulate=True)

    async def scenario() -> tuple[Result[None], list[str]]:
        await proxy.start()
        await wait_until(lambda: proxy.latest is not None, "first polls", within_s=30)
        login = await proxy.login(engine_probes.ENGINEER, engine_probes.PIN)
        assert login.ok and login.value is not None, login.reason
        assert proxy.status().mode == "manual"
        assert proxy.pid is not None
        _stop_child(proxy.pid)
        try:
            began = time.monotonic()
            answer = proxy.set_mode(login.value, "ml")
            waited = time.monotonic() - began
        finally:
            os.kill(proxy.pid, signal.SIGCONT)
        assert 1.5 <= waited < 6.0, (waited, answer)  # deadline + grace: 2 s, with the load's delays
        trail: list[str] = []

        async def set_mode_audited() -> bool:  # the child runs again and takes the queued command
            rows = await proxy.audit_query(AuditFilter())
            assert rows.ok and rows.value is not None, rows.reason
            trail[:] = [f"{r.action} {r.result} {r.detail}" for r in rows.value]
            return any(line.startswith("set_mode ") for line in trail)

        # The row is written by the log writer: a moment after the engine decided.
        await wait_until(set_mode_audited, "the late set_mode in the audit trail", within_s=30, every_s=0.2)
        mode = await proxy._call_in_engine(engine_probes.mode)
        assert mode == "manual", "the engine carried out a command the screen gave up on"
        return answer, trail

    try:
        answer, trail = qloop.run(scenario())
    finally:
        qloop.run(proxy.stop())
    assert not answer.ok and "state unknown" in answer.reason, answer.reason
    assert any(line.startswith("set_mode refused") and "deadline" in line for line in trail), trail


def test_a_stalled_child_neither_freezes_the_window_nor_leaves_its_values_looking_fresh(
        qloop: QLoop, settings: Settings, register_map: RegisterMap) -> None:
    """kill -STOP the child 5 s: the GUI thread goes on (no timer waits on the engine: the idle
    log-out is the engine's own) and the values are shown stale within 2 s."""
    from PySide6.QtCore import QTimer

    from hmi.app import EngineMode, run_window
    from hmi.main_window import MainWindow

    windows: list[MainWindow] = []
    ticks: list[float] = []
    timer = QTimer()
    timer.setInterval(50)
    timer.timeout.connect(lambda: ticks.append(time.monotonic()))

    async def scenario() -> tuple[float, float | None, str]:
        task = asyncio.ensure_future(run_window(settings, register_map, engine_factory, simulate=True,
                                                window_ready=windows.append, engine_mode=EngineMode.PROCESS))
        await wait_until(lambda: windows and windows[0].bridge.latest is not None and windows[0].bridge.link_ok,
                         "live values on the window", within_s=60)
        window = windows[0]
        engine = window.engine
        assert isinstance(engine, EngineProcess) and engine.pid is not None
        timer.start()
        _stop_child(engine.pid)
        stopped = time.monotonic()
        stale_after: float | None = None
        try:
            while time.monotonic() - stopped < 5.0:
                await asyncio.sleep(0.05)
                if stale_after is None and not window.bridge.link_ok:
                    stale_after = time.monotonic() - stopped
            why = engine.status().link.last_error
        finally:
            os.kill(engine.pid, signal.SIGCONT)
            timer.stop()
        during = [t for t in ticks if t >= stopped]
        worst = max(b - a for a, b in itertools.pairwise([stopped, *during]))
        await wait_until(lambda: window.bridge.link_ok, "fresh values again", within_s=15)
        window.close()
        assert await asyncio.wait_for(task, 60) == 0
        return worst, stale_after, why

    worst, stale_after, why = qloop.run(scenario())
    assert worst < 0.2, f"the GUI thread stopped for {worst:.1f} s while the engine was stalled"
    assert stale_after is not None and stale_after <= 2.0, f"values looked fresh for {stale_after} s"
    assert "not answering" in why, why


def test_a_reply_that_does_not_unpickle_fails_every_call_and_raises_the_alarm(
        qloop: QLoop, settings: Settings, register_map: RegisterMap) -> None:
    """The reading thread never dies silently: a message it cannot read fails the waiting calls
    with a clear error, later calls at once, raises the engine-stopped alarm, and the child stops."""
    from hmi.engine_process import EngineGone

    proxy = EngineProcess(engine_probes.engine_with_engineer, settings, register_map, simulate=True)

    async def scenario() -> int:
        await proxy.start()
        await wait_until(lambda: proxy.latest is not None, "first polls", within_s=30)
        pid = proxy.pid
        assert pid is not None
        with pytest.raises(EngineGone, match="could not be read"):
            await asyncio.wait_for(proxy._call_in_engine(engine_probes.unloadable), 10)
        began = time.monotonic()
        login = await asyncio.wait_for(proxy.login(engine_probes.ENGINEER, engine_probes.PIN), 5)
        assert not login.ok and "could not be read" in login.reason
        assert not proxy.set_mode(UserSession.anonymous(), "manual").ok
        assert time.monotonic() - began < 1.0
        return pid

    try:
        pid = qloop.run(scenario())
    finally:
        qloop.run(proxy.stop())
    assert [a.key for a in proxy.active_alarms()][:1] == [STOPPED_ALARM]
    assert _wait_gone(pid, 30)


def test_an_engine_error_crosses_the_pipe_with_its_type_and_message(
        qloop: QLoop, settings: Settings, register_map: RegisterMap) -> None:
    """An exception raised in the child comes back as an error with its type's name and message,
    and the pipe goes on working (a data directory in use fails the start at once, with the PID)."""
    from core.storage.lock import DataDirLock
    from hmi.engine_process import EngineError

    proxy = EngineProcess(engine_factory, settings, register_map, simulate=True)

    async def scenario() -> None:
        await proxy.start()
        with pytest.raises(EngineError, match="illegal data address") as raised:
            await asyncio.wait_for(proxy._call_in_engine(engine_probes.raise_plc_exception), 10)
        assert raised.value.kind == "PlcExceptionResponse"
        assert proxy.running and await asyncio.wait_for(proxy._call_in_engine(engine_probes.pid), 10) == proxy.pid

    try:
        qloop.run(scenario())
    finally:
        qloop.run(proxy.stop())
    second = EngineProcess(engine_factory, settings, register_map, simulate=True)
    with DataDirLock(Path(settings.data_dir)):
        began = time.monotonic()
        try:
            with pytest.raises(RuntimeError, match=f"in use by process {os.getpid()}"):
                qloop.run(second.start())
        finally:
            qloop.run(second.stop())
    assert time.monotonic() - began < 30


@pytest.mark.timeout(120)
def test_a_second_hmi_on_a_data_dir_in_use_exits_promptly_with_the_reason(settings: Settings) -> None:
    from core.storage.lock import DataDirLock

    with DataDirLock(Path(settings.data_dir)):
        began = time.monotonic()
        done = subprocess.run([sys.executable, "-m", "core.cli", "hmi", "--simulate", "--data-dir",
                               str(settings.data_dir)],
                              capture_output=True, text=True, timeout=90, cwd=ROOT, check=False,
                              env={**os.environ, "QT_QPA_PLATFORM": "offscreen"})
        took = time.monotonic() - began
    assert done.returncode != 0
    assert f"in use by process {os.getpid()}" in done.stderr, done.stderr[-2000:]
    assert took < 40, took  # 19 s measured at load 6.5 (it was 216 s: the answer did not unpickle)


BUILT_WHEN_TOLD = "asked to stop while the engine was being built"  # core.engine_host's line
HARD_LIMIT_HIT = "did not stop within"  # core.engine_host: the stop ran out of time, files left open


@pytest.mark.timeout(240)
@pytest.mark.parametrize("after_s", [0.2, 1.0, 3.0])
def test_the_child_never_outlives_an_hmi_killed_while_it_starts(settings: Settings, tmp_path: Path,
                                                                 after_s: float) -> None:
    """kill -9 the HMI's process 0.2 s, 1 s, 3 s after the child's launch (importing, building,
    starting the engine): the child ends by itself, promptly once it can (a SIGTERM while the
    engine is built is acted on when the build returns: a build is not cut short), by its clean
    stop and not the hard limit, its databases closed cleanly (no -wal, -shm).

    Timed from the kill, or from the end of the build when that comes later: the build's imports
    took 14-23 s here at load 6 (2 cores) and more in a full CI run, where 'ended < 30 s after
    the kill' failed once; the stop itself takes well under a second."""
    engine_log = Path(settings.logs_dir) / "engine.log"

    def logged(line: str) -> bool:
        with contextlib.suppress(FileNotFoundError):
            return line in engine_log.read_text()
        return False

    parent = _hmi_parent(settings, tmp_path, started_first=False)
    built: float | None = None
    try:
        assert parent.stdout is not None
        child = int(parent.stdout.readline())
        time.sleep(after_s)
        parent.send_signal(signal.SIGKILL)
        parent.wait(10)
        killed = time.monotonic()
        deadline = killed + 150  # "never" ends here; how prompt it was is asserted below
        while not (gone := _gone(child)) and time.monotonic() < deadline:
            if built is None and logged(BUILT_WHEN_TOLD):
                built = time.monotonic()
            time.sleep(0.05)
        ended = time.monotonic()
    finally:
        if parent.poll() is None:
            parent.kill()
            parent.wait()
    if not gone:
        os.kill(child, signal.SIGKILL)
    assert gone, f"engine process {child} outlived the HMI killed {after_s} s after its launch"
    log = engine_log.read_text() if engine_log.exists() else ""
    assert HARD_LIMIT_HIT not in log, log[-2000:]  # ended by its clean stop, not cut off by the hard limit
    if built is None and BUILT_WHEN_TOLD in log:  # written in the last 50 ms before it ended
        built = ended
    acting_from = max(killed, built or killed)
    took = ended - acting_from
    assert took < 30, f"the engine process took {took:.1f} s to end once it could act"  # a whole start, a clean stop
    left = sorted(p.name for p in Path(settings.data_dir).rglob("*") if p.name.endswith(("-wal", "-shm")))
    assert not left, left


def test_a_restart_with_users_and_nobody_logged_in_shows_the_operator_controls(
        qloop: QLoop, settings: Settings, register_map: RegisterMap) -> None:
    """The reviewer's restart (an admin in users.db, nobody logged in): the window is built before the
    engine's first views arrive, when the process host knows no session yet. The operator view's
    presets and ML button (and the Control page's) come within seconds, not only after a login and
    a log-out."""
    from core.security.access import AccessControl
    from hmi.app import EngineMode, run_window
    from hmi.main_window import MainWindow

    AccessControl.from_settings(settings).store.add("boss", "admin", "482913")  # the earlier run's admin
    windows: list[MainWindow] = []

    async def scenario() -> tuple[bool, bool, bool]:
        task = asyncio.ensure_future(run_window(settings, register_map, engine_factory, simulate=True,
                                                window_ready=windows.append, engine_mode=EngineMode.PROCESS))
        await wait_until(lambda: windows and windows[0].bridge.latest is not None,
                         "live values on the window", within_s=60)
        window = windows[0]
        overview: Any = window.pages["dashboard"]
        with contextlib.suppress(AssertionError):
            await wait_until(lambda: not overview.preset_buttons["normal"].isHidden(), "the presets", within_s=5)
        control: Any = window.pages["control"]
        shown = (not overview.preset_buttons["normal"].isHidden(),
                 not overview.ml_toggle.isHidden() and not control.switch_box.isHidden(),
                 not window.sessions.logged_in)
        window.close()
        assert await asyncio.wait_for(task, 60) == 0
        return shown

    presets, ml, nobody = qloop.run(scenario())
    assert nobody
    assert presets, "the speed presets stay hidden from the operator after a restart"
    assert ml, "the ML button stays hidden from the operator after a restart"
