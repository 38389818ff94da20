"""A replay started and stopped from the kiosk screen on the real engine and the simulated PLC, under the
real qasync loop with the engine on its own thread (as `bandsaw hmi --engine thread` runs it): the
chooser, play at 60x over an hour of recording, a jump, pause, Back to live. Bounded by pytest-timeout:
a stop that waits on the screen (or the screen on the stop) fails here instead of hanging the run."""

from __future__ import annotations

import asyncio
import logging
import time
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from hmi_testing import QLoop, checked_qloop
from PySide6.QtWidgets import QApplication
from replay_data import raw_db, write_raw_db

from core.api import ReplayState
from core.config import Settings
from core.registers import RegisterMap
from hmi.app import EngineMode, run_window
from hmi.formatting import plant_wall
from hmi.main_window import MainWindow
from tests.tmp_settings import settings_in
from tests.waiting import wait_until

pytest.importorskip("core.engine")
pytest.importorskip("core.sim.server")

from core.engine import Engine
from core.sim.server import SimulatorServer

pytestmark = [pytest.mark.integration, pytest.mark.gui, pytest.mark.slow]
HOUR_ROWS = 36_000


@pytest.fixture
def qloop(qapp: QApplication) -> Iterator[QLoop]:
    with checked_qloop(qapp) as loop:
        yield loop


def _settings(tmp_path: Path, port: int) -> Settings:
    return settings_in(
        tmp_path,
        ml={"model_path": None},
        modbus={"host": "127.0.0.1", "port": port, "timeout_s": 0.3, "retries": 0,
                "retry_delay_s": 0.1, "reconnect_backoff_max_s": 0.5},
    )


@pytest.mark.timeout(180)
def test_kiosk_replay_starts_and_stops_on_the_real_engine(qloop: QLoop, qapp: QApplication, tmp_path: Path,
                                                          register_map: RegisterMap,
                                                          caplog: pytest.LogCaptureFixture) -> None:
    caplog.set_level(logging.ERROR, logger="bandsaw.hmi.tasks")
    recorded_from = int(time.time() * 1000) - 3_700_000  # an hour, ending 100 s ago
    write_raw_db(raw_db(tmp_path / "data"), register_map, recorded_from, HOUR_ROWS)
    holder: dict[str, Any] = {}
    # As `bandsaw hmi` runs (hmi.app.main): the window closing at the end must not stop the loop
    # under the test (a failure in the scenario was reported as "Event loop stopped").
    qapp.setQuitOnLastWindowClosed(False)

    async def scenario() -> None:
        sim = SimulatorServer(register_map, port=0, speedup=1.0)
        await sim.start()

        def factory(s: Settings, m: RegisterMap, simulate: bool) -> Engine:
            holder["engine"] = Engine(s, m)
            return holder["engine"]

        task = asyncio.ensure_future(run_window(
            _settings(tmp_path, sim.port), register_map, factory, kiosk=True, engine_mode=EngineMode.THREAD,
            window_ready=lambda w: holder.__setitem__("window", w)))
        try:
            await wait_until(lambda: "engine" in holder and holder["engine"].running, "the engine", within_s=30)
            window: MainWindow = holder["window"]
            bridge, bar = window.bridge, window.replay_bar
            await wait_until(lambda: bridge.latest is not None, "a live poll", within_s=10)
            for round_ in range(2):
                chooser = window.open_replay()  # the reads of its cut and alarm lists start now
                chooser.tabs.setCurrentIndex(0)
                chooser.start.setDateTime(plant_wall(recorded_from))
                chooser.span.setCurrentIndex(chooser.span.findData(3600))
                chooser.speed.setCurrentIndex(chooser.speed.findData(60.0))
                chooser.replay_choice()
                await wait_until(lambda: bridge.replaying and bar.isVisible(), "the replay", within_s=10)
                first = bridge.latest
                assert first is not None and recorded_from <= first.ts_ms < recorded_from + 3_600_000
                played_to = first.ts_ms + 20_000
                await wait_until(lambda: bridge.latest is not None and bridge.latest.ts_ms > played_to,  # noqa: B023
                                 "the replay playing at 60x", within_s=10)
                bar.seek_fraction(0.5)
                await wait_until(lambda: bridge.latest is not None
                                 and bridge.latest.ts_ms >= recorded_from + 1_800_000, "the jump", within_s=10)
                bar.toggle_pause()
                await wait_until(lambda: bridge.replay.state is ReplayState.PAUSED, "the pause", within_s=10)
                bar.toggle_pause()
                began = time.monotonic()
                bar.back_to_live()  # the kiosk's Back to live, a tap
                await wait_until(lambda: not bridge.replaying and not bar.isVisible(),
                                 f"back to live (round {round_})", within_s=10)
                assert time.monotonic() - began < 5.0
                assert holder["engine"].replay_status().state is ReplayState.OFF
                assert holder["engine"].replay_hold() == ""
                await wait_until(lambda: bridge.latest is not None and bridge.latest.ts_ms > time.time() * 1000 - 5_000,
                                 "live values again", within_s=10)
        finally:
            if "window" in holder:
                holder["window"].close_requested.emit()  # kiosk: the window manager's close does not end it
            code = await asyncio.wait_for(task, 60)
            await sim.stop()
        assert code == 0

    try:
        qloop.run(scenario())
    finally:
        qapp.setQuitOnLastWindowClosed(True)
    failed = [r.getMessage() for r in caplog.records if r.name == "bandsaw.hmi.tasks"]
    assert failed == [], failed  # e.g. the chooser's lists filled after it closed (deleted widgets)
