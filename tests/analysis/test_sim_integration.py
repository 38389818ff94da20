"""The simulator over real Modbus TCP, polled by the real poller, analysed by AnalysisService.

A run with an overload trip, a comm loss and an engine restart mid-cut: the right cuts in
total.db, the PLC alarms in the right states, and nothing counted twice.
"""

from __future__ import annotations

import math
from pathlib import Path

import pytest

from core.analysis.alarms import AlarmManager, AlarmState
from core.analysis.service import AnalysisService
from core.analysis.store import read_rows
from core.config import Settings
from core.modbus.client import PlcClient
from core.modbus.poller import Poller
from core.registers import RegisterMap
from core.sim.physics import AlarmCode
from core.sim.server import SimulatorServer
from core.snapshot import SawState, Snapshot
from tests.tmp_settings import settings_in
from tests.waiting import wait_until

pytestmark = [pytest.mark.integration, pytest.mark.slow]

SPEEDUP = 40.0


def fast_settings(tmp_path: Path) -> Settings:
    return settings_in(
        tmp_path,
        modbus={"read_rate_hz": 20.0, "rate_alarm_floor_hz": 0.0, "timeout_s": 0.3, "retries": 0,
                "retry_delay_s": 0.1, "reconnect_backoff_max_s": 0.5},
        analysis={"cuts": {"comm_loss_timeout_s": 1.0, "persist_every_s": 0.5}, "batch_ms": 50},
    )


def cuts(service: AnalysisService) -> list:
    return read_rows(service.total_path, "SELECT * FROM cuts ORDER BY start_ms")


class Run:
    """Poller -> the current AnalysisService (replaced on a simulated engine restart)."""

    def __init__(self, settings: Settings, register_map: RegisterMap, alarms: AlarmManager) -> None:
        self.settings = settings
        self.register_map = register_map
        self.alarms = alarms
        self.service = self.new_service()
        self.latest: Snapshot | None = None

    def new_service(self) -> AnalysisService:
        service = AnalysisService(self.settings, self.alarms, register_names=self.register_map.names)
        service.start()
        return service

    def feed(self, snapshot: Snapshot) -> None:
        self.latest = snapshot
        self.service.feed(snapshot)

    def recorded(self) -> list:
        for writer in self.service._own:
            writer.flush()
        return cuts(self.service)

    def state(self) -> SawState | None:
        return self.latest.saw_state if self.latest is not None else None


async def test_run_with_faults_and_restart(tmp_path: Path, register_map: RegisterMap) -> None:
    settings = fast_settings(tmp_path)
    alarms = AlarmManager()
    sim = SimulatorServer(register_map, port=0, seed=5, speedup=SPEEDUP)
    await sim.start()
    client = PlcClient(settings.modbus, port=sim.port)
    run = Run(settings, register_map, alarms)
    poller = Poller(settings, register_map, client, run.feed, alarms=alarms)
    try:
        await client.connect()
        poller.start()

        # 1. Normal production: completed cuts with their figures.
        await wait_until(lambda: sum(r["outcome"] == "completed" for r in run.recorded()) >= 2, "two completed cuts")
        first = run.recorded()[0]
        assert first["band_id"] == sim.plc.band_id and first["area_cm2"] > 0
        assert first["band_current_peak"] >= first["band_current_mean"] > 0
        assert first["energy_kwh"] > 0 and first["control_mode"] == "manual"

        # 2. Overload: far too fast a feed trips the PLC; the cut ends in error, PLC alarms raised.
        await wait_until(lambda: run.state() is SawState.CUTTING, "a cut to overload")
        sim.plc.set_operator_speeds(25.0, 60.0, each_piece=True)
        sim.plc.descent_sp = 60.0
        await wait_until(lambda: any(r["outcome"] == "error" for r in run.recorded()), "a cut ending in error")
        plc_alarm = alarms.get("plc.alarm")
        assert plc_alarm is not None and plc_alarm.state is AlarmState.UNACKNOWLEDGED
        assert sim.plc.alarm_code in (AlarmCode.TORQUE_OVERLOAD, AlarmCode.TOOTH_BREAKAGE)
        assert alarms.acknowledge("plc.alarm", "operator")
        assert any(a.key.startswith("plc.bit.") for a in alarms.active())
        sim.plc.set_operator_speeds(70.0, 25.0, each_piece=True)
        sim.plc.reset()
        await wait_until(lambda: not alarms.is_active("plc.alarm"), "the PLC alarm to clear")
        assert alarms.get("plc.alarm").state is AlarmState.NORMAL  # type: ignore[union-attr]  # acknowledged
        bits = [a for a in alarms.all() if a.key.startswith("plc.bit.")]
        assert bits
        # Process bits (deviation, chatter, chip) hold until a cut at the new speeds shows them clear.
        await wait_until(lambda: all(a.state is AlarmState.RETURNED_UNACKNOWLEDGED
                                   for a in alarms.all() if a.key.startswith("plc.bit.")), "PLC bits to clear")

        # 3. Comm loss in a cut: the cut is suspended, then resumed or closed as interrupted, once.
        await wait_until(lambda: run.service.tracker.progress is not None, "a cut before the comm loss")
        gap_cut = run.service.tracker.progress.start_ms  # type: ignore[union-attr]
        sim.faults.silence(2.5)
        await wait_until(lambda: run.service.tracker.suspended, "the cut to be suspended")
        await wait_until(lambda: any(r["start_ms"] == gap_cut for r in run.recorded()),
                         "the gap cut recorded", within_s=90)
        gap_row = next(r for r in run.recorded() if r["start_ms"] == gap_cut)
        assert gap_row["outcome"] == "interrupted" or gap_row["gap_s"] > 1.0
        assert alarms.get("modbus.link_lost") is not None  # the poller's own alarm

        # 4. Engine restart mid-cut: the open cut is taken over, not counted twice.
        await wait_until(lambda: run.service.tracker.progress is not None and
                         run.service.tracker.progress.position > 0.1, "a cut under way before the restart")
        restart_cut = run.service.tracker.progress.start_ms  # type: ignore[union-attr]
        old = run.service
        run.service = AnalysisService(settings, alarms, register_names=register_map.names)  # not started yet
        old.stop()  # saves the open cut
        run.service.start()  # finds it and resumes or closes it on the next good poll
        await wait_until(lambda: any(r["start_ms"] == restart_cut for r in run.recorded()),
                         "the restarted cut", within_s=90)
        await wait_until(lambda: len(run.recorded()) >= len(cuts(run.service)) and
                         run.recorded()[-1]["start_ms"] > restart_cut, "a cut after the restart", within_s=90)
    finally:
        await poller.stop()
        await client.close()
        await sim.stop()
        run.service.stop()

    rows = cuts(run.service)
    starts = [r["start_ms"] for r in rows]
    assert len(starts) == len(set(starts)), "a cut was recorded twice"
    assert [r["outcome"] for r in rows if r["start_ms"] == restart_cut] in (["completed"], ["interrupted"])
    for row in rows:
        assert row["end_ms"] >= row["start_ms"] and row["duration_s"] >= 0
        if row["outcome"] == "completed" and row["cross_section"] in (0, 1, 2):
            assert row["depth_mm"] == pytest.approx(row["height_mm"], rel=0.05)
    counters = read_rows(run.service.total_path,
                         "SELECT band_id, cuts, area_mm2 FROM band_counters ORDER BY id")
    per_band: dict[float, int] = {}
    for row in rows:
        per_band[row["band_id"]] = per_band.get(row["band_id"], 0) + 1
    last = {c["band_id"]: c for c in counters}
    assert {band: c["cuts"] for band, c in last.items()} == per_band
    total_area = sum(r["area_cm2"] for r in rows if r["band_id"] == sim.plc.band_id)
    assert math.isclose(last[sim.plc.band_id]["area_mm2"], total_area * 100, rel_tol=1e-6)
