"""The engine's long-lived tasks on the simulator (maintainer review at 54d2d8f): one that ends by an
error is reported (one log line, a critical alarm, status shows it), and stop goes through every
stage whatever a task ended with."""

from __future__ import annotations

import logging
from pathlib import Path

import pytest
from engine_helpers import engine_settings

from core.analysis.alarms import Priority
from core.control.ml_controller import MlController
from core.engine import Engine
from core.modbus.writer import Writer
from core.registers import RegisterMap
from core.sim.server import SimulatorServer
from core.snapshot import Quality, Snapshot
from core.storage.lock import DataDirLock
from core.supervise import ALARM_TASK_FAILED
from tests.waiting import wait_until


async def test_a_heartbeat_task_that_dies_is_a_critical_alarm_and_a_fault_in_status(
    tmp_path: Path, register_map: RegisterMap, sim: SimulatorServer, monkeypatch: pytest.MonkeyPatch,
    caplog: pytest.LogCaptureFixture,
) -> None:
    original = Writer.beat
    beats = 0

    async def beat_then_break(self: Writer):  # type: ignore[no-untyped-def]
        nonlocal beats
        beats += 1
        if beats > 3:
            raise RuntimeError("heartbeat broke")
        return await original(self)

    monkeypatch.setattr(Writer, "beat", beat_then_break)
    engine = Engine(engine_settings(tmp_path, sim.port), register_map)
    seen: list[Snapshot] = []
    engine.subscribe(seen.append)
    await engine.start()
    try:
        key = f"{ALARM_TASK_FAILED}.heartbeat"
        await wait_until(lambda: engine.alarms.is_active(key), "the heartbeat's task-failed alarm")
        alarm = engine.alarms.get(key)
        assert alarm is not None and alarm.priority is Priority.CRITICAL
        assert alarm.text == "Software fault: heartbeat stopped: RuntimeError: heartbeat broke"
        status = engine.status()
        assert status.faults == ("heartbeat: RuntimeError: heartbeat broke",)
        assert "FAULT heartbeat: RuntimeError: heartbeat broke" in status.one_line()
        count = len(seen)
        await wait_until(lambda: len(seen) >= count + 5, "polling goes on")
    finally:
        await engine.stop()
    logged = [r for r in caplog.records if r.levelno == logging.CRITICAL and "heartbeat broke" in r.getMessage()]
    assert len(logged) == 1
    assert sum(s.quality is Quality.GOOD for s in seen) >= 5


async def test_stop_goes_through_every_stage_after_the_ml_task_died(
    tmp_path: Path, register_map: RegisterMap, sim: SimulatorServer, monkeypatch: pytest.MonkeyPatch,
) -> None:
    # The ML task's stored error used to escape control.stop() and end _halt at its first stage:
    # poller, Writer, telemetry, mirror, storage flush and the data-directory lock all left running.
    async def broken(self: MlController) -> None:
        raise RuntimeError("ML task broke")

    monkeypatch.setattr(MlController, "run", broken)
    settings = engine_settings(tmp_path, sim.port)
    engine = Engine(settings, register_map)
    analysis_stop = engine.analysis.stop

    def analysis_stop_breaks() -> None:  # a stage outside the stop budget that raises, too
        analysis_stop()
        raise RuntimeError("analysis stop broke")

    monkeypatch.setattr(engine.analysis, "stop", analysis_stop_breaks)
    seen: list[Snapshot] = []
    engine.subscribe(seen.append)
    await engine.start()
    await wait_until(lambda: sum(s.quality is Quality.GOOD for s in seen) >= 3, "good snapshots")
    await engine.stop()  # raised RuntimeError("ML task broke") before, then "analysis stop broke"
    assert not engine.running
    assert engine.poller is not None and not engine.poller.running
    assert engine.storage.health().rows_written >= 3  # the storage flushed and closed
    lock = DataDirLock(settings.data_dir)
    lock.acquire()  # the stop released it
    lock.release()


async def test_a_failing_link_event_costs_no_sample(
    tmp_path: Path, register_map: RegisterMap, sim: SimulatorServer, monkeypatch: pytest.MonkeyPatch,
    caplog: pytest.LogCaptureFixture,
) -> None:
    # _note_link ran before the per-consumer isolation: when it raised, the recorder, every consumer
    # and every listener missed the sample.
    engine = Engine(engine_settings(tmp_path, sim.port), register_map)

    def broken(snapshot: Snapshot | None) -> None:
        raise RuntimeError("log.db event broke")

    monkeypatch.setattr(engine, "_note_link", broken)
    seen: list[Snapshot] = []
    engine.subscribe(seen.append)
    await engine.start()
    try:
        await wait_until(lambda: sum(s.quality is Quality.GOOD for s in seen) >= 5, "snapshots reach listeners")
        await wait_until(lambda: engine.storage.health().rows_written >= 3, "the recorder gets them")
    finally:
        await engine.stop()
    logged = [r for r in caplog.records if "link events failed" in r.getMessage()]
    assert len(logged) == 1  # once per failure streak, not ten times a second
