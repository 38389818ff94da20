"""The engine on the simulator: what it records, and what it does when the PLC goes away."""

from __future__ import annotations

import math
import os
import sqlite3
from pathlib import Path

from engine_helpers import engine_settings

from core.api import Role as ApiRole
from core.api import UserSession
from core.engine import Engine
from core.registers import RegisterMap
from core.security.permissions import Role
from core.security.testing import login_as
from core.sim.server import SimulatorServer
from core.snapshot import Quality, Snapshot
from tests.waiting import wait_until


def rows(path: Path, sql: str) -> list[sqlite3.Row]:
    conn = sqlite3.connect(f"file:{path}?mode=ro", uri=True)
    conn.row_factory = sqlite3.Row
    try:
        return conn.execute(sql).fetchall()
    finally:
        conn.close()


async def test_recorded_rows_match_the_simulator(
    tmp_path: Path, register_map: RegisterMap, sim: SimulatorServer
) -> None:
    engine = Engine(engine_settings(tmp_path, sim.port), register_map)
    seen: list[Snapshot] = []
    engine.subscribe(seen.append)
    await engine.start()
    try:
        await wait_until(lambda: sum(s.quality is Quality.GOOD for s in seen) >= 5, "good snapshots")
        # Hold simulated time: the next poll must show exactly what the PLC holds.
        sim.paused = True
        count = len(seen)
        await wait_until(lambda: len(seen) >= count + 2, "two polls of the paused simulator")
        latest = seen[-1]
        for reg in register_map:
            expected = reg.decode(sim.image.read(reg.address, reg.count))
            actual = latest.values[reg.name]
            assert actual is not None, reg.name
            assert math.isclose(actual, expected, rel_tol=1e-6, abs_tol=1e-9), reg.name
        sim.paused = False
    finally:
        await engine.stop()
    good = {s.ts_ms: s for s in seen if s.quality is Quality.GOOD}
    recorded = rows(tmp_path / "data" / "databases" / "raw.db", "SELECT * FROM samples ORDER BY id")
    assert len(recorded) == len(good)
    for row in recorded:
        snapshot = good[row["ts_ms"]]
        for name in ("head_height", "band_torque", "band_deviation", "cutting_speed", "energy_total", "band_power"):
            assert row[name] == snapshot.values[name], name


async def test_plc_restart_reconnects_and_logs_the_gap(
    tmp_path: Path, register_map: RegisterMap, sim: SimulatorServer
) -> None:
    engine = Engine(engine_settings(tmp_path, sim.port), register_map)
    seen: list[Snapshot] = []
    engine.subscribe(seen.append)
    await engine.start()
    try:
        await wait_until(lambda: any(s.quality is Quality.GOOD for s in seen), "first good snapshot")
        await sim.stop()
        await wait_until(lambda: seen[-1].quality is Quality.COMM_ERROR, "comm error snapshots")
        assert engine.status().link.connected is False
        await wait_until(lambda: engine.alarms.is_active("modbus.link_lost"), "link-lost alarm")
        down = [s for s in seen if s.quality is Quality.COMM_ERROR]
        assert all(value is None for value in down[-1].values.values()), "no old values passed off as new"
        await sim.start()
        mark = len(seen)
        await wait_until(lambda: any(s.quality is Quality.GOOD for s in seen[mark:]), "recovery after restart")
        await wait_until(lambda: not engine.alarms.is_active("modbus.link_lost"), "link-lost alarm cleared")
    finally:
        await engine.stop()
        await sim.stop()  # restarted inside the test: stop it inside the test too
    data = tmp_path / "data" / "databases"
    events = rows(data / "log.db", "SELECT kind, data FROM events WHERE source = 'modbus' ORDER BY id")
    kinds = [event["kind"] for event in events]
    assert "link_lost" in kinds and "link_restored" in kinds
    gap_start = min(s.ts_ms for s in seen if s.quality is Quality.COMM_ERROR)
    gap_end = max(s.ts_ms for s in seen if s.quality is Quality.COMM_ERROR)
    inside = rows(data / "raw.db", f"SELECT COUNT(*) AS n FROM samples WHERE ts_ms BETWEEN {gap_start} AND {gap_end}")
    assert inside[0]["n"] == 0, "no invented samples during the outage"
    recorded = rows(data / "raw.db", "SELECT COUNT(*) AS n FROM samples")[0]["n"]
    assert recorded == sum(s.quality is not Quality.COMM_ERROR for s in seen)
    alarm_log = rows(data / "log.db", "SELECT alarm_key, action FROM alarm_log WHERE alarm_key = 'modbus.link_lost'")
    assert [r["action"] for r in alarm_log][:2] == ["raise", "clear"]


async def test_preset_writes_reach_the_plc_and_the_audit_trail(
    tmp_path: Path, register_map: RegisterMap, sim: SimulatorServer
) -> None:
    engine = Engine(engine_settings(tmp_path, sim.port), register_map)
    await engine.start()
    try:
        await wait_until(lambda: engine.latest is not None and engine.latest.quality is Quality.GOOD, "data")
        refused = await engine.apply_preset(acting("nobody"), "slow")  # no session: the engine refuses
        assert not refused[0].ok and refused[0].reason
        login_as(engine.access, "tester", Role.ENGINEER)
        results = await engine.apply_preset(acting("tester"), "slow")
        assert [r.ok for r in results] == [True, True], results
        assert sim.plc.value("cutting_speed") == 50
        assert sim.plc.value("descent_speed") == 20.0
        too_fast = await engine.write(acting("tester"), "cutting_speed", 500.0)
        assert too_fast.written != 500.0 and (too_fast.clamped or not too_fast.ok)
        unknown = await engine.apply_preset(acting("tester"), "ludicrous")
        assert not unknown[0].ok and "unknown preset" in unknown[0].reason
    finally:
        await engine.stop()
    audit = rows(tmp_path / "data" / "databases" / "log.db", "SELECT user, target, result FROM audit ORDER BY id")
    targets = [(r["user"], r["target"]) for r in audit if r["user"] == "tester"]
    assert ("tester", "cutting_speed") in targets and ("tester", "descent_speed") in targets


async def test_second_engine_on_the_same_data_dir_refuses_to_start(
    tmp_path: Path, register_map: RegisterMap, sim: SimulatorServer
) -> None:
    from core.storage.lock import DataDirLocked

    first = Engine(engine_settings(tmp_path, sim.port), register_map)
    second = Engine(engine_settings(tmp_path, sim.port), register_map)
    await first.start()
    try:
        try:
            await second.start()
        except DataDirLocked as exc:
            assert str(os.getpid()) in str(exc)
        else:
            raise AssertionError("a second engine started on a locked data directory")
        finally:
            await second.stop()
        assert first.running
    finally:
        await first.stop()
    third = Engine(engine_settings(tmp_path, sim.port), register_map)
    await third.start()  # the lock went with the first engine's stop
    await third.stop()


def acting(user: str) -> UserSession:
    """The session a front end passes; the engine checks the live login of ``user``."""
    return UserSession(user, ApiRole.OPERATOR)
