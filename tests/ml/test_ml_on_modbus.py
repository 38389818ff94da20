"""ML mode end to end: simulated PLC over Modbus TCP, poller, Writer, controller with the shipped model."""

from __future__ import annotations

import pytest

from core.analysis.alarms import AlarmManager
from core.api import WriteResult
from core.config import PROJECT_ROOT, Settings
from core.control.envelope import LiveCheck, Precheck
from core.control.journal import MemoryJournal
from core.control.ml_controller import MlController
from core.control.modes import Mode, ModeManager
from core.ml.simenv import load_piece
from core.modbus.client import PlcClient
from core.modbus.poller import Poller
from core.modbus.writer import Writer
from core.registers import RegisterMap
from core.sim.materials import STOCK
from core.sim.server import SimulatorServer
from core.snapshot import SawState
from tests.waiting import wait_until

pytestmark = [pytest.mark.integration, pytest.mark.slow]

SPEEDUP = 8.0


async def test_ml_cut_over_modbus_writes_within_limits_and_restores(
    settings: Settings, register_map: RegisterMap
) -> None:
    sim = SimulatorServer(register_map, port=0, seed=31, speedup=SPEEDUP)
    sim.plc.operator_each_piece = False  # only the controller may put the operator speeds back
    load_piece(sim.plc, STOCK[4])  # S235JR rectangle 40 mm: about 10 s of wall time per cut
    await sim.start()
    modbus = settings.modbus.model_copy(update={"port": sim.port, "timeout_s": 0.5, "retry_delay_s": 0.05,
                                                "reconnect_backoff_max_s": 0.5})
    # The simulator runs 8x faster than the wall clock the controller's delays are measured on.
    control = settings.control.model_copy(update={"initial_descent_mm": 1.0, "initial_delay_min_s": 1.0})
    settings = settings.model_copy(update={"modbus": modbus, "control": control})
    client = PlcClient(modbus)
    journal = MemoryJournal()
    alarms = AlarmManager()
    modes = ModeManager(Mode.ML, journal)
    writes: list[tuple[WriteResult, SawState]] = []
    controller: MlController | None = None
    poller = Poller(settings, register_map, client, lambda snap: controller.feed(snap) if controller else None)
    writer = Writer(settings, register_map, client, lambda: poller.latest)

    async def write(
        name: str, value: float, *, user: str, reason: str, precheck: Precheck | None = None,
        live_check: LiveCheck | None = None,
    ) -> WriteResult:
        result = await writer.write(name, value, user=user, reason=reason, precheck=precheck, live_check=live_check)
        writes.append((result, sim.plc.state))
        return result

    controller = MlController(settings, register_map, writer=write, alarms=alarms, modes=modes, journal=journal)
    assert controller.load_model(PROJECT_ROOT / "data" / "models" / "default")
    await client.connect()
    poller.start()
    await controller.start()
    try:
        await wait_until(lambda: sim.plc.cut_count >= 1, "one completed cut")
        await wait_until(lambda: (sim.plc.descent_sp, sim.plc.cutting_sp) == (30.0, 70.0), "operator speeds back")
    finally:
        await controller.stop()
        await writer.stop()
        await poller.stop()
        await client.close()
        await sim.stop()
    assert modes.mode is Mode.ML, modes.last_fault
    during_cut = [r for r, state in writes if state is SawState.CUTTING]
    assert during_cut and all(r.ok and r.verified for r in during_cut), [r.reason for r in during_cut]
    assert any(r.register == "descent_speed" and r.written is not None and r.written > 30.0 for r in during_cut)
    for result, _ in writes:
        limits = controller.envelope.limits(result.register)
        assert result.written is not None and limits.low <= result.written <= limits.high
    assert any(row.action == "restore" for row in journal.decisions)
