"""QLoop.close is bounded: a task that can never finish fails the test, naming the task, instead of
hanging in asyncio.Runner.close's cancel-all (which hung CI for good: a test ran processEvents inside
a qasync task, another task lost its step, and pytest-timeout's signal never got to run)."""

from __future__ import annotations

import asyncio
import subprocess
import sys
import textwrap
import time
from pathlib import Path

from hmi_testing import QLoop
from PySide6.QtWidgets import QApplication

ROOT = Path(__file__).resolve().parents[2]

# Each scenario runs in a child so that a close that hangs again fails this test (the child's
# timeout) rather than hanging the suite.
_CHILD = textwrap.dedent("""
    import asyncio, os, sys, time
    os.environ["QT_QPA_PLATFORM"] = "offscreen"
    sys.path.insert(0, {hmi_tests!r})
    from hmi_testing import QLoop, StuckTasks
    from PySide6.QtWidgets import QApplication

    app = QApplication([])
    loop = QLoop(app)

    async def never_resumed():
        await asyncio.sleep(0)
        print("never_resumed went on", flush=True)

    async def lose_a_step():
        asyncio.get_running_loop().create_task(never_resumed(), name="victim")
        await asyncio.sleep(0)  # the victim ran up to its sleep(0): its next step is queued
        QApplication.processEvents()  # runs that step inside this task: asyncio refuses it, it is lost

    async def refuse_cancel():
        while True:
            try:
                await asyncio.sleep(3600)
            except asyncio.CancelledError:
                pass

    async def start_refuser():
        asyncio.get_running_loop().create_task(refuse_cancel(), name="refuser")
        await asyncio.sleep(0)

    loop.run({{"lost_step": lose_a_step, "refuses_cancel": start_refuser}}[sys.argv[1]]())
    start = time.monotonic()
    try:
        loop.close(within_s=1.0)
    except StuckTasks as stuck:
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
    assert "lost step: Cannot enter into task" in out  # and why: a step run inside another task
    assert "never_resumed went on" not in out
    seconds = float(out.split("STUCK after ")[1].split(" s")[0])
    assert seconds < 15.0  # settle (2 s at most here) + the 1 s bound, with room for a loaded machine


def test_a_task_that_refuses_to_be_cancelled_fails_close_within_the_bound() -> None:
    out = _close_in_child("refuses_cancel")
    assert "STUCK after" in out, out
    assert "refuser refuse_cancel() at" in out
    assert "lost step" not in out


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
