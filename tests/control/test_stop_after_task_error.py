"""stop() after the decision task ended by an error (maintainer review at 54d2d8f): it used to
re-raise that error, so the engine's stop ended at its first stage. Now it is logged and the stop,
the speed restore included, goes on."""

from __future__ import annotations

import logging

import pytest

from core.config import Settings
from core.control.modes import Mode
from core.registers import RegisterMap
from tests.control.control_rig import make_rig
from tests.waiting import wait_until


async def test_stop_logs_the_dead_task_error_and_returns(
    settings: Settings, register_map: RegisterMap, caplog: pytest.LogCaptureFixture
) -> None:
    rig = make_rig(settings, register_map, mode=Mode.ML)

    async def broken() -> None:
        raise RuntimeError("decision task broke")

    rig.controller.run = broken  # type: ignore[method-assign]
    await rig.controller.start()
    task = rig.controller._task
    assert task is not None
    await wait_until(task.done, "the decision task to end")
    await rig.controller.stop()  # raised RuntimeError before
    logged = [r for r in caplog.records if "decision task broke" in r.getMessage()]
    assert len(logged) == 1 and logged[0].levelno == logging.ERROR
    assert rig.controller._task is None
