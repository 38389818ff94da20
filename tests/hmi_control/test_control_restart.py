"""The Control page after a restart of the real engine on the simulated PLC, under the real qasync loop.

Review (#15): after a restart the page showed MANUAL with "Last change manual → ML", the previous run's
switch read from ml.db; the engine's start (in manual) was no journalled mode change. The start is one
now, so the page's last change is this run's start."""

from __future__ import annotations

import asyncio
import re
from pathlib import Path

import pytest
from hmi_testing import QLoop

from core.config import PROJECT_ROOT, Settings
from core.engine import Engine
from core.registers import RegisterMap
from core.security.permissions import Role
from core.security.testing import login_as
from core.sim.server import SimulatorServer
from hmi.bridge import EngineBridge
from hmi.pages.control import ControlPage
from hmi.session import Session
from tests.tmp_settings import settings_in
from tests.waiting import wait_until

pytestmark = [pytest.mark.integration, pytest.mark.gui, pytest.mark.slow]

TIME = r"\d\d:\d\d:\d\d"


async def _run(settings: Settings, register_map: RegisterMap, *, switch_ml_on: bool) -> tuple[str, str]:
    """One run of the engine with the page: (mode shown, last change shown) once the journal was read."""
    engine = Engine(settings, register_map)
    bridge = EngineBridge(engine)
    page = ControlPage(bridge, engine, session=Session("anna", kiosk=False))
    try:
        await engine.start()
        login_as(engine.access, "anna", Role.OPERATOR)
        bridge.attach()
        page.show()
        if switch_ml_on:
            result = engine.set_mode(page.session.actor(), "ml", reason="operator switched ML on")
            assert result.ok, result.reason
        await wait_until(lambda: page.change_label.text() != "", "the last change read from ml.db", within_s=10)
        if switch_ml_on:
            await wait_until(lambda: "manual → ml by anna" in page.change_label.text(),
                             "the operator's switch read back", within_s=10)
        page.refresh()
        return page.mode_label.text(), page.change_label.text()
    finally:
        page.stop()
        page.close()
        bridge.detach()
        await engine.stop()
        page.deleteLater()
        await asyncio.sleep(0)


def test_after_a_restart_the_last_change_is_the_start(qloop: QLoop, tmp_path: Path,
                                                     register_map: RegisterMap) -> None:
    shown: dict[str, tuple[str, str]] = {}

    async def scenario() -> None:
        sim = SimulatorServer(register_map, port=0, seed=7)
        await sim.start()
        try:
            settings = settings_in(
                tmp_path,
                modbus={"host": "127.0.0.1", "port": sim.port, "timeout_s": 0.5, "retries": 0,
                        "retry_delay_s": 0.05, "reconnect_backoff_max_s": 0.5},
                ml={"model_path": str(PROJECT_ROOT / "data" / "models" / "default")},
                database={"sqlite": {"batch_ms": 100}},
            )
            shown["first"] = await _run(settings, register_map, switch_ml_on=True)
            shown["second"] = await _run(settings, register_map, switch_ml_on=False)
        finally:
            await sim.stop()

    qloop.run(scenario())
    first_mode, first_change = shown["first"]
    assert first_mode == "ML" and "manual → ml by anna" in first_change
    mode, change = shown["second"]
    assert mode == "MANUAL"
    # This run's start, not the previous run's "manual → ML".
    assert re.fullmatch(f"Last change {TIME}: engine started in manual", change), change
