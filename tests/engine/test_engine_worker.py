"""core.engine_worker: Python-heavy reads in a spawned, lower-priority process, awaited on the loop."""

from __future__ import annotations

import asyncio
import os
from pathlib import Path

import pytest
import worker_jobs

from core.engine_worker import READER_NICE, WorkerFailed, run_in_process
from tests.waiting import wait_until


async def _waiting_threads_end() -> None:
    """The thread that waited on a cancelled job ends once its worker has (a loaded machine: seconds)."""
    import threading

    await wait_until(lambda: not any(t.name.endswith("-wait") and t.is_alive() for t in threading.enumerate()),
                     "the waiting thread to end", within_s=30)


def _alive(pid: int) -> bool:
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    return True


async def test_the_job_runs_in_another_process_at_lower_priority() -> None:
    pid, nice, echoed = await run_in_process(worker_jobs.whoami, "x")
    assert echoed == "x"
    assert pid != os.getpid()  # not a thread of the engine's process: it never holds the engine's GIL
    assert nice >= os.nice(0) + READER_NICE or nice == 19


async def test_the_jobs_own_error_comes_back_as_it_is() -> None:
    with pytest.raises(worker_jobs.JobError, match="bad range"):
        await run_in_process(worker_jobs.fails, "bad range")


async def test_a_worker_that_dies_is_an_error_not_a_hang() -> None:
    with pytest.raises(WorkerFailed, match="exit code 3"):
        await asyncio.wait_for(run_in_process(worker_jobs.dies, 3), 30)


async def test_progress_reaches_the_caller_and_cancel_stops_the_job() -> None:
    seen: list[tuple[int, int]] = []
    assert await run_in_process(worker_jobs.counts, 5, progress=lambda d, t: seen.append((d, t)),
                                feedback=True) == 5
    assert seen == [(d, 5) for d in range(1, 6)]

    asked = {"n": 0}

    def cancel() -> bool:
        asked["n"] += 1
        return len(seen) >= 7

    with pytest.raises(worker_jobs.JobError, match="cancelled after"):
        await run_in_process(worker_jobs.counts, 1000, progress=lambda d, t: seen.append((d, t)), cancel=cancel,
                             feedback=True)
    assert len(seen) < 5 + 1000


async def test_cancelling_the_awaiting_task_stops_the_worker(tmp_path: Path) -> None:
    flag = tmp_path / "flag"
    task = asyncio.ensure_future(run_in_process(worker_jobs.runs_until_cancelled, str(flag), feedback=True))
    await wait_until(flag.exists, "the job to start", within_s=15)
    assert flag.read_text() == "running"
    task.cancel()
    with pytest.raises(asyncio.CancelledError):
        await task
    await wait_until(lambda: flag.read_text() == "asked to stop", "the job to be asked to stop", within_s=5)
    await _waiting_threads_end()


async def test_a_worker_that_ignores_cancel_is_terminated(tmp_path: Path) -> None:
    flag = tmp_path / "pid"
    task = asyncio.ensure_future(run_in_process(worker_jobs.ignores_cancel, str(flag)))
    await wait_until(lambda: flag.exists() and flag.read_text(), "the worker's pid", within_s=15)
    pid = int(flag.read_text())
    task.cancel()
    with pytest.raises(asyncio.CancelledError):
        await task
    await wait_until(lambda: not _alive(pid), f"worker {pid} to end after its task was cancelled", within_s=10)
    await _waiting_threads_end()
