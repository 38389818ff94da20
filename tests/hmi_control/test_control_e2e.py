"""The control page on the real engine and the simulated PLC (Modbus TCP), under the real qasync loop:
the shipped model is loaded, the operator switches ML on, ML cuts show up as decisions from ml.db."""

from __future__ import annotations

import asyncio
import threading
from pathlib import Path

import pytest
from hmi_testing import QLoop

from core.config import PROJECT_ROOT
from core.engine import Engine
from core.ml.artefact import peek_manifest
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

SPEEDUP = 8.0


def test_ml_on_the_simulator_from_the_page(qloop: QLoop, tmp_path: Path, register_map: RegisterMap) -> None:
    threads_before = set(threading.enumerate())
    seen: dict[str, object] = {}

    async def scenario() -> None:
        sim = SimulatorServer(register_map, port=0, seed=31, speedup=SPEEDUP)
        await sim.start()
        settings = settings_in(
            tmp_path,
            modbus={"host": "127.0.0.1", "port": sim.port, "timeout_s": 0.5, "retries": 0,
                    "retry_delay_s": 0.05, "reconnect_backoff_max_s": 0.5},
            control={"initial_delay_min_s": 1.0, "initial_descent_mm": 1.0},
            ml={"model_path": str(PROJECT_ROOT / "data" / "models" / "default")},
            database={"sqlite": {"batch_ms": 200}},
        )
        engine = Engine(settings, register_map)
        bridge = EngineBridge(engine)
        page = ControlPage(bridge, engine, session=Session("anna", kiosk=False))
        page.resize(1268, 640)
        try:
            await engine.start()
            login_as(engine.access, "anna", Role.OPERATOR)  # ML on/off is the operator's
            bridge.attach()
            page.show()
            await wait_until(lambda: bridge.link_ok, "live PLC data", within_s=20)
            await wait_until(lambda: page.toggle.isEnabled() and page.toggle.text() == "Switch ML on",
                             "ML switch enabled (shipped model loaded)", within_s=5)
            assert page.model_panel.fields["name"].text() == "default"
            assert page.request_ml_on() and page.confirm_ml_on(), page.message.text()
            assert engine.control is not None and engine.control.mode.value == "ml"
            assert page.mode_label.text() == "ML" and page.toggle.text() == "Switch ML off"

            # The mode change, read back from ml.db (a later stale-data fault on a loaded machine
            # would show as "ml → manual by system", which needs the operator's row before it).
            await wait_until(lambda: "manual → ml by anna" in page.change_label.text()
                             or "ml → manual by system" in page.change_label.text(),
                             "the mode change read back from ml.db", within_s=5)

            # A cut under ML: the controller decides, writes, and the page shows it from ml.db.
            # On a loaded 2-core box the controller may fall back to manual on stale data (its 0.2 s
            # freshness limit); the operator would switch ML on again, and so does the test.
            loop = asyncio.get_running_loop()
            deadline = loop.time() + 90
            while not any(r.action == "write" for r in page.decisions.rows):
                assert loop.time() < deadline, f"no ML write in the table; last fault: {page.fault_label.text()}"
                if engine.control.mode.value == "manual" and page.toggle.isEnabled():
                    seen["faults"] = int(seen.get("faults", 0)) + 1  # type: ignore[call-overload]
                    assert page.request_ml_on() and page.confirm_ml_on(), page.message.text()
                await asyncio.sleep(0.1)
            seen["write_mode"] = next(r.mode for r in page.decisions.rows if r.action == "write")
            cells = [page.features.item(i, 1) for i in range(page.features.rowCount())]
            seen["features"] = [cell.text() for cell in cells if cell is not None]
            seen["coefficient"] = page.coefficient_label.text()

            if engine.control.mode.value == "ml":
                page.toggle.click()  # off: at once, back to the operator's speeds
            assert engine.control.mode.value == "manual"
            await wait_until(lambda: page.mode_label.text() == "MANUAL", "manual shown", within_s=2)
        finally:
            page.stop()
            page.close()
            bridge.detach()
            await engine.stop()
            await sim.stop()
            page.deleteLater()
            await asyncio.sleep(0)

    qloop.run(scenario())
    assert seen["write_mode"] == "ml"
    assert seen["coefficient"] != "—"
    features = seen["features"]
    shipped = peek_manifest(PROJECT_ROOT / "data" / "models" / "default").features
    assert isinstance(features, list) and len(features) == len(shipped) and any(v != "—" for v in features)
    leaked = [t for t in set(threading.enumerate()) - threads_before if t.is_alive()]
    for thread in leaked:
        thread.join(timeout=5)
    assert [t.name for t in leaked if t.is_alive()] == []
