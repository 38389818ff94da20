"""QLoop.close is bounded: a task that can never finish fails the test, naming the task, instead of
hanging in asyncio.Runner.close's cancel-all (which hung CI for good: a test ran processEvents inside
a qasync task, another task lost its step, and pytest-timeout's signal never got to run)."""

from __future__ import annotations

import asyncio
import os
import subprocess
import sys
import textwrap
import time
from pathlib import Path

import pytest
from hmi_testing import LoopFault, QLoop
from PySide6.QtWidgets import QApplication

ROOT = Path(__file__).resolve().parents[2]

# Each scenario runs in a child so that a close that hangs again fails this test (the child's
# timeout) rather than hanging the suite.
_CHILD = textwrap.dedent("""
    import asyncio, os, sys, time
    os.environ["QT_QPA_PLATFORM"] = "offscreen"
    sys.path.insert(0, {hmi_tests!r})
    from hmi_testing import LoopFault, QLoop
    from PySide6.QtWidgets import QApplication

    app = QApplication([])
    loop = QLoop(app)

    async def never_resumed():
        await asyncio.sleep(0)
        print("never_resumed went on", flush=True)

    kept = []  # held, as the HMI holds the tasks it starts (one nobody holds is garbage, not pending)

    async def lose_a_step():
        kept.append(asyncio.get_running_loop().create_task(never_resumed(), name="victim"))
        await asyncio.sleep(0)  # the victim ran up to its sleep(0): its next step is queued
        QApplication.processEvents()  # runs that step inside this task: asyncio refuses it, it is lost

    async def refuse_cancel():
        while True:
            try:
                await asyncio.sleep(3600)
            except asyncio.CancelledError:
                pass

    async def start_refuser():
        kept.append(asyncio.get_running_loop().create_task(refuse_cancel(), name="refuser"))
        await asyncio.sleep(0)

    loop.run({{"lost_step": lose_a_step, "refuses_cancel": start_refuser}}[sys.argv[1]]())
    start = time.monotonic()
    try:
        loop.close(within_s=1.0)
    except LoopFault as stuck:
        print(f"STUCK after {{time.monotonic() - start:.1f}} s: {{stuck}}", flush=True)
    else:
        print("closed without complaint", flush=True)
""").format(hmi_tests=str(Path(__file__).parent))


def _close_in_child(scenario: str) -> str:
    try:
        done = subprocess.run([sys.executable, "-c", _CHILD, scenario], check=False, cwd=ROOT, capture_output=True,
                              text=True, timeout=90)
    except subprocess.TimeoutExpired as hung:
        raise AssertionError(f"QLoop.close hung ({scenario}); output so far: {hung.stdout!r}") from None
    assert done.returncode == 0, done.stderr
    return done.stdout


def test_a_task_that_lost_its_step_fails_close_within_the_bound() -> None:
    out = _close_in_child("lost_step")
    assert "STUCK after" in out, out
    assert "victim never_resumed() at" in out  # by name, coroutine and where it waits
    assert "task step(s) lost:\n  Cannot enter into task" in out  # and why: a step run inside another task
    assert "QCoreApplication.processEvents inside task Task-1 lose_a_step() at" in out  # by whom
    assert "never_resumed went on" not in out
    seconds = float(out.split("STUCK after ")[1].split(" s")[0])
    assert seconds < 15.0  # settle (2 s at most here) + the 1 s bound, with room for a loaded machine


def test_a_task_that_refuses_to_be_cancelled_fails_close_within_the_bound() -> None:
    out = _close_in_child("refuses_cancel")
    assert "STUCK after" in out, out
    assert "refuser refuse_cancel() at" in out
    assert "step(s) lost" not in out and "inside task" not in out


def test_tasks_that_end_when_cancelled_are_reported_and_the_loop_closes(qapp: QApplication) -> None:
    loop = QLoop(qapp)
    cleaned: list[str] = []

    async def leaked() -> None:
        try:
            await asyncio.sleep(3600)
        finally:
            cleaned.append("leaked")

    async def start() -> None:
        asyncio.get_running_loop().create_task(leaked(), name="leaky")
        await asyncio.sleep(0)

    loop.run(start())
    event_loop = loop.runner.get_loop()
    start_s = time.monotonic()
    pending = loop.close(within_s=60.0)
    assert time.monotonic() - start_s < 30.0  # nothing stuck: no waiting out the bound
    assert len(pending) == 1 and "leaky" in pending[0]  # the fixture fails the test on these
    assert cleaned == ["leaked"]
    assert event_loop.is_closed() and loop.lost_steps == []


@pytest.mark.parametrize("nested", ["processEvents", "qWait"])
def test_qt_run_inside_a_task_fails_close_naming_the_call(qapp: QApplication, nested: str) -> None:
    """Even when no step happens to be lost: the next run of the same test may lose one."""
    from PySide6.QtTest import QTest

    loop = QLoop(qapp)

    async def measure_inside() -> None:
        await asyncio.sleep(0)
        if nested == "processEvents":
            QApplication.processEvents()
        else:
            QTest.qWait(1)

    loop.run(measure_inside())
    QApplication.processEvents()  # outside any task: fine
    with pytest.raises(LoopFault) as fault:
        loop.close()
    message = str(fault.value)
    assert f".{nested} inside task" in message and "measure_inside() at" in message
    assert "test_qloop_close.py" in message.split("called from:")[1]  # the line that did it
    assert "still pending" not in message and "step(s) lost" not in message  # the loop closed as usual
    assert loop.loop.is_closed()


def test_a_test_stuck_in_qts_event_loop_ends_the_run_with_its_stack(tmp_path: Path) -> None:
    """tests/conftest.py's backstop: pytest-timeout's signal does not end an idle Qt loop; the run is
    ended (exit 1, every thread's stack) once the test is WATCHDOG_GRACE_S (here its 2 s timeout,
    the smaller) past its timeout, instead of hanging."""
    (tmp_path / "test_stuck.py").write_text(textwrap.dedent("""
        def test_waits_in_qt_for_ever(qapp):
            from PySide6.QtCore import QEventLoop
            QEventLoop().exec()  # nothing ever quits it
    """))
    command = [sys.executable, "-m", "pytest", "-p", "tests.conftest", "-p", "no:cacheprovider", "-o", "addopts=",
               "--timeout=2", "-q", "--rootdir", str(tmp_path), str(tmp_path / "test_stuck.py")]
    began = time.monotonic()
    try:
        done = subprocess.run(command, check=False, cwd=ROOT, capture_output=True, text=True, timeout=120,
                              env={**os.environ, "QT_QPA_PLATFORM": "offscreen"})
    except subprocess.TimeoutExpired:
        raise AssertionError("the stuck test hung its pytest run") from None
    assert done.returncode == 1, (done.returncode, done.stdout[-2000:], done.stderr[-2000:])
    assert "Timeout (0:00:04)!" in done.stderr, done.stderr[-2000:]
    assert 'test_stuck.py", line 4 in test_waits_in_qt_for_ever' in done.stderr, done.stderr[-3000:]
    assert time.monotonic() - began < 90
