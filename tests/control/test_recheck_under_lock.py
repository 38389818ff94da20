"""#13.7: the controller re-checks mode and freshness under the Writer's lock before every write.

The real simulator over Modbus TCP, the real poller and Writer: the operator switches to manual
while the first register write of an ML decision is on the wire; the decision's second write
must be refused under the lock, and no ML write may follow.
"""

from __future__ import annotations

import asyncio
from collections.abc import Callable, Sequence

import pytest

from core.analysis.alarms import AlarmManager
from core.config import Settings
from core.control.journal import MemoryJournal
from core.control.ml_controller import MlController
from core.control.modes import Mode, ModeManager
from core.ml.simenv import load_piece
from core.modbus.client import PlcClient
from core.modbus.poller import Poller
from core.modbus.writer import Writer
from core.registers import RegisterMap
from core.security.audit import AuditRecord, AuditResult
from core.sim.materials import STOCK
from core.sim.server import SimulatorServer
from tests.control.control_rig import FakeModel

pytestmark = [pytest.mark.integration]


async def _until(condition: Callable[[], bool], what: str, within_s: float = 60.0) -> None:
    deadline = asyncio.get_running_loop().time() + within_s
    while not condition():
        if asyncio.get_running_loop().time() > deadline:
            raise AssertionError(f"timed out waiting for {what}")
        await asyncio.sleep(0.02)


async def test_switch_to_manual_between_the_two_writes_of_one_decision(
    settings: Settings, register_map: RegisterMap
) -> None:
    sim = SimulatorServer(register_map, port=0, seed=5, speedup=4.0)
    sim.plc.operator_each_piece = False
    load_piece(sim.plc, STOCK[4])
    await sim.start()
    modbus = settings.modbus.model_copy(update={"port": sim.port, "timeout_s": 0.5, "retry_delay_s": 0.05,
                                                "reconnect_backoff_max_s": 0.5})
    control = settings.control.model_copy(update={"initial_descent_mm": 0.5, "initial_delay_min_s": 0.5})
    settings = settings.model_copy(update={"modbus": modbus, "control": control})
    client = PlcClient(modbus)
    journal = MemoryJournal()
    modes = ModeManager(Mode.ML, journal)
    records: list[tuple[AuditRecord, Mode]] = []
    controller: MlController | None = None
    poller = Poller(settings, register_map, client, lambda snap: controller.feed(snap) if controller else None)
    writer = Writer(settings, register_map, client, lambda: poller.latest,
                    audit=lambda record: records.append((record, modes.mode)))
    switched: list[str] = []
    send = client.write_registers

    async def write_registers(address: int, words: Sequence[int]) -> None:
        await send(address, words)
        if not switched and modes.is_ml and address == register_map["descent_speed"].address:
            # The operator presses "manual" while the first write of this decision is on the wire.
            modes.set_mode(Mode.MANUAL, user="anna", reason="test")
            switched.append("descent_speed")

    client.write_registers = write_registers  # type: ignore[method-assign]
    model = FakeModel(1.0, steps={"descent_speed": 1.0, "cutting_speed": 1.0})  # both registers, every decision
    controller = MlController(settings, register_map, writer=writer.write, alarms=AlarmManager(), modes=modes,
                              journal=journal, model=model)
    await client.connect()
    poller.start()
    await controller.start()
    try:
        await _until(lambda: bool(switched), "the first ML write of a decision")
        await asyncio.sleep(1.0)  # several more decision ticks
    finally:
        await controller.stop()
        await writer.stop()
        await poller.stop()
        await client.close()
        await sim.stop()
    ml_writes = [(r, mode) for r, mode in records if r.user == "ml" and "restore" not in r.detail]
    after = [r for r, mode in ml_writes if mode is Mode.MANUAL]
    # The first audited after the switch is the descent write that was on the wire when it came...
    on_wire, rest = after[0], after[1:]
    assert on_wire.target == "descent_speed" and on_wire.result is AuditResult.ACCEPTED
    # ...then the same decision's cutting write, refused under the lock; no ML write is accepted.
    assert rest and rest[0].target == "cutting_speed" and rest[0].result is AuditResult.REFUSED
    assert "ML mode ended" in rest[0].detail
    assert [r.describe() for r in rest if r.result is not AuditResult.REFUSED] == []
    assert any(row.action == "stopped" for row in journal.decisions)


async def test_data_stale_between_the_two_writes_of_one_decision(settings: Settings, register_map: RegisterMap) -> None:
    """The second write of a decision waits for the first (the Writer's lock); when no poll has
    come by then, the data it was decided on is too old: refused under the lock, nothing more
    of that decision is written, and the journal says why."""
    from core.snapshot import SawState
    from tests.control.control_rig import WriteLog, make_rig

    settings.control.initial_delay_min_s = 0.5
    settings.control.initial_descent_mm = 0.1
    rig = make_rig(settings, register_map, coefficient=1.0)
    rig.model.steps = {"descent_speed": 1.0, "cutting_speed": 1.0}
    settings.control.write_threshold_descent = settings.control.write_threshold_cutting = 0.01  # every decision writes
    aged: list[WriteLog] = []

    def first_write_takes_long(log: WriteLog) -> None:
        if not aged and log.name == "descent_speed" and log.reason.startswith("ML"):
            aged.append(log)
            rig.clock.advance(rig.controller.envelope.max_age_s + 0.05)  # no poll meanwhile

    rig.saw.on_write = first_write_takes_long
    rig.saw.state = SawState.CUTTING
    for _ in range(50):
        row = await rig.tick()
        if aged:
            break
    assert aged, "no ML decision wrote descent_speed"
    assert row is not None and row.action == "stopped" and "stale" in row.reason, row
    after = rig.saw.writes[rig.saw.writes.index(aged[0]) + 1:]
    assert [w for w in after if w.reason.startswith("ML")] == []  # the decision's cutting write was refused
