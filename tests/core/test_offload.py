"""core.offload: a worker that cannot take the program's priority still runs its job, and says why."""

from __future__ import annotations

import logging
import os
import sys

import pytest

from core.offload import run_blocking


@pytest.mark.skipif(not sys.platform.startswith("linux"), reason="thread priorities are set on Linux only")
async def test_a_refused_priority_change_is_logged_and_the_job_runs(
    monkeypatch: pytest.MonkeyPatch, caplog: pytest.LogCaptureFixture
) -> None:
    main = os.getpriority(os.PRIO_PROCESS, os.getpid())

    def thread_runs_higher(which: int, who: int) -> int:
        return main if who == os.getpid() else main - 1  # as under the HMI's raised engine thread

    def refused(which: int, who: int, value: int) -> None:
        raise PermissionError(1, "Operation not permitted")

    monkeypatch.setattr(os, "getpriority", thread_runs_higher)
    monkeypatch.setattr(os, "setpriority", refused)
    with caplog.at_level(logging.DEBUG, logger="bandsaw.engine.offload"):
        assert await run_blocking(lambda: 42) == 42
    assert any("keeps its inherited priority" in r.getMessage() for r in caplog.records), caplog.records
