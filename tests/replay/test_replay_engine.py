"""Replay on the real engine and a real simulator: nothing reaches the PLC but the heartbeat, live
recording goes on underneath, and a live critical alarm is raised while the replay plays."""

from __future__ import annotations

import sqlite3
from collections.abc import AsyncIterator
from pathlib import Path

import pytest
from pymodbus.constants import ExcCodes

from core.api import Priority, ReplayState, Role, UserSession
from core.config import Settings
from core.engine import Engine
from core.registers import RegisterMap
from core.security.audit import AuditResult
from core.security.testing import login_as
from core.sim.physics import AlarmBit, AlarmCode
from core.sim.server import SimulatorServer
from core.snapshot import Snapshot
from tests.tmp_settings import settings_in
from tests.waiting import wait_until

OPERATOR = UserSession.anonymous()


@pytest.fixture
async def sim(register_map: RegisterMap) -> AsyncIterator[SimulatorServer]:
    server = SimulatorServer(register_map, seed=5, speedup=5.0)
    await server.start()
    try:
        yield server
    finally:
        await server.stop()


def live_settings(tmp_path: Path, port: int) -> Settings:
    return settings_in(
        tmp_path,
        modbus={"host": "127.0.0.1", "port": port, "timeout_s": 0.3, "retries": 1, "retry_delay_s": 0.1,
                "reconnect_backoff_max_s": 0.5},
        database={"sqlite": {"batch_ms": 200}},
        ml={"model_path": None},
    )


def recorded(data_dir: Path) -> tuple[int, int]:
    conn = sqlite3.connect(f"file:{data_dir / 'databases' / 'raw.db'}?mode=ro", uri=True)
    try:
        count, newest = conn.execute("SELECT COUNT(*), MAX(ts_ms) FROM samples").fetchone()
        return int(count), int(newest or 0)
    finally:
        conn.close()


async def test_replay_writes_nothing_while_live_recording_and_alarms_go_on(
        tmp_path: Path, register_map: RegisterMap, sim: SimulatorServer) -> None:
    settings = live_settings(tmp_path, sim.port)
    engine = Engine(settings, register_map)
    plc_writes: list[tuple[int, list[int]]] = []
    apply_write = sim._write

    def spy(address: int, words: list[int]) -> ExcCodes | None:
        plc_writes.append((address, list(words)))
        return apply_write(address, words)

    sim._write = spy  # type: ignore[method-assign]  # every write the simulated PLC is asked to apply
    live: list[Snapshot] = []
    replayed: list[Snapshot] = []
    engine.subscribe(live.append)
    engine.subscribe_replay(lambda s, _g: replayed.append(s))
    await engine.start()
    try:
        assert engine.writer is not None
        writer_calls: list[str] = []
        original_send = engine.writer._send

        async def send_spy(attempt, register, written, decision, current):
            writer_calls.append(register.name)
            return await original_send(attempt, register, written, decision, current)

        engine.writer._send = send_spy  # type: ignore[method-assign]  # what the Writer puts on the wire
        erin = UserSession(login_as(engine.access, "erin", Role.ENGINEER), Role.ENGINEER)
        await wait_until(lambda: len(live) >= 30, "three seconds recorded")
        await wait_until(lambda: recorded(settings.data_dir)[0] >= 20, "rows in raw.db")
        first_ms = live[0].ts_ms
        heartbeat = register_map["heartbeat"].address
        started = await engine.replay_start(OPERATOR, first_ms, first_ms + 2000, speed=1.0, label="the first 2 s")
        assert started.ok, started.reason
        begin_rows, begin_newest = recorded(settings.data_dir)
        plc_writes.clear()
        writer_calls.clear()
        image_before = {r.name: sim.image.read(r.address, r.count) for r in register_map
                        if r.writable and r.name != "heartbeat"}

        write = await engine.write(erin, "cutting_speed", 75.0, reason="during replay")
        preset = await engine.apply_preset(OPERATOR, "fast")
        mode = engine.set_mode(erin, "ml")
        assert not write.ok and "replay is running" in write.reason
        assert all(not r.ok and "replay is running" in r.reason for r in preset)
        assert not mode.ok and "replay" in mode.reason

        # A live critical alarm while the replay plays: the PLC trips on torque overload.
        sim.plc._trip(AlarmCode.TORQUE_OVERLOAD, AlarmBit.TORQUE_HIGH)
        await wait_until(lambda: any(a.priority is Priority.CRITICAL for a in engine.active_alarms()),
                         "the live critical alarm")
        assert engine.replay_status().active
        await wait_until(lambda: engine.replay_status().state is ReplayState.ENDED, "the replay's end")
        await wait_until(lambda: recorded(settings.data_dir)[0] >= begin_rows + 20, "recording under the replay")
        _rows, newest = recorded(settings.data_dir)
        assert newest > begin_newest and engine.writer.heartbeats > 0
        assert {address for address, _ in plc_writes} <= {heartbeat}, plc_writes  # the heartbeat only
        assert set(writer_calls) <= {"heartbeat"}, writer_calls
        image_after = {name: sim.image.read(register_map[name].address, register_map[name].count)
                       for name in image_before}
        assert image_after == image_before  # no setpoint moved
        assert replayed and all(first_ms <= s.ts_ms < first_ms + 2000 for s in replayed)
        assert len({s.ts_ms for s in replayed}) == len([s for s in live if s.ts_ms < first_ms + 2000])

        stopped = await engine.replay_stop(OPERATOR)
        assert stopped.ok
        after = await engine.write(erin, "cutting_speed", 75.0, reason="live again")
        assert after.ok or "replay" not in after.reason
    finally:
        await engine.stop()
    conn = sqlite3.connect(f"file:{settings.data_dir / 'databases' / 'log.db'}?mode=ro", uri=True)
    try:
        trail = conn.execute("SELECT user, action, target, result, detail FROM audit ORDER BY id").fetchall()
    finally:
        conn.close()
    refused = [(u, a, t) for u, a, t, r, d in trail if r == AuditResult.REFUSED.value and "replay" in (d or "")]
    assert ("erin", "write", "cutting_speed") in refused
    assert ("operator", "write", "cutting_speed") in refused and ("operator", "write", "descent_speed") in refused
    assert ("erin", "set_mode", "ml") in refused
    assert [a for _u, a, _t, _r, _d in trail if a.startswith("replay")] == ["replay_start", "replay_stop"]
