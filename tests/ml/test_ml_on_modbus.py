"""ML mode end to end: simulated PLC over Modbus TCP, poller, Writer, controller with the shipped model."""

from __future__ import annotations

import pytest

from core.api import WriteResult
from core.config import Settings
from core.control.envelope import LiveCheck, Precheck
from core.control.modes import Mode
from core.registers import RegisterMap
from core.snapshot import SawState
from tests.sim_rig import SHIPPED_MODEL, sim_rig
from tests.waiting import wait_until

pytestmark = [pytest.mark.integration, pytest.mark.slow]

SPEEDUP = 8.0


async def test_ml_cut_over_modbus_writes_within_limits_and_restores(
    settings: Settings, register_map: RegisterMap
) -> None:
    # STOCK[4] (S235JR rectangle 40 mm): about 10 s of wall time per cut. The simulator runs 8x faster
    # than the wall clock the controller's delays are measured on.
    initial = {"initial_descent_mm": 1.0, "initial_delay_min_s": 1.0}
    async with sim_rig(settings, register_map, seed=31, speedup=SPEEDUP, control=initial) as rig:
        sim, modes, journal = rig.sim, rig.modes, rig.journal
        writes: list[tuple[WriteResult, SawState]] = []
        writer = rig.writer

        async def write(
            name: str, value: float, *, user: str, reason: str, precheck: Precheck | None = None,
            live_check: LiveCheck | None = None,
        ) -> WriteResult:
            result = await writer.write(name, value, user=user, reason=reason, precheck=precheck,
                                        live_check=live_check)
            writes.append((result, sim.plc.state))
            return result

        controller = rig.control(write)
        assert controller.load_model(SHIPPED_MODEL)
        await rig.start()
        await wait_until(lambda: sim.plc.cut_count >= 1, "one completed cut")
        await wait_until(lambda: (sim.plc.descent_sp, sim.plc.cutting_sp) == (30.0, 70.0), "operator speeds back")
    assert modes.mode is Mode.ML, modes.last_fault
    during_cut = [r for r, state in writes if state is SawState.CUTTING]
    assert during_cut and all(r.ok and r.verified for r in during_cut), [r.reason for r in during_cut]
    assert any(r.register == "descent_speed" and r.written is not None and r.written > 30.0 for r in during_cut)
    for result, _ in writes:
        limits = controller.envelope.limits(result.register)
        assert result.written is not None and limits.low <= result.written <= limits.high
    assert any(row.action == "restore" for row in journal.decisions)
