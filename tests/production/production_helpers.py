"""A recorded simulator run: the real engine on the simulator over Modbus TCP, with a trip and a comm loss."""

from __future__ import annotations

import asyncio
import time
from dataclasses import dataclass
from pathlib import Path
from typing import TypedDict

from core.config import PROJECT_ROOT, Settings, load_settings
from core.engine import Engine
from core.registers import RegisterMap
from core.snapshot import SawState
from tests.waiting import wait_until

SPEEDUP = 40.0


class PgServer(TypedDict):
    host: str
    port: int
    user: str


PG: PgServer = {"host": "127.0.0.1", "port": 5432, "user": "postgres"}  # the shared server: own database names


@dataclass(frozen=True)
class RecordedRun:
    settings: Settings
    start_ms: int
    end_ms: int


def run_settings(data_dir: Path, **extra: object) -> Settings:
    overrides: dict[str, object] = {
        "paths": {"data_dir": str(data_dir), "logs_dir": str(data_dir / "logs")},
        "modbus": {"read_rate_hz": 20.0, "rate_alarm_floor_hz": 0.0, "timeout_s": 0.3, "retries": 0,
                   "retry_delay_s": 0.1, "reconnect_backoff_max_s": 0.5},
        "analysis": {"cuts": {"comm_loss_timeout_s": 1.0, "persist_every_s": 0.5}, "batch_ms": 50},
        "database": {"sqlite": {"batch_ms": 100}},
        "ml": {"model_path": None},
        "machine": {"time_zone": "Europe/Berlin", "name": "saw-test"},
    }
    overrides.update(extra)
    return load_settings(PROJECT_ROOT / "config" / "config.yaml", env={}, env_file=data_dir / "no.env",
                         overrides=overrides)


async def record_run(settings: Settings, register_map: RegisterMap) -> tuple[int, int]:
    """Normal cuts, an overload trip (error cut, PLC alarms), a comm loss, more cuts."""
    engine = Engine(settings, register_map, simulate=True, sim_speedup=SPEEDUP, sim_seed=5)
    start_ms = int(time.time() * 1000)
    await engine.start()
    try:
        tracker = engine.analysis.tracker
        done: list[int] = []
        tracker.subscribe(lambda record: done.append(1))
        await wait_until(lambda: len(done) >= 2, "two cuts", within_s=90)
        sim = engine.simulator
        await wait_until(lambda: engine.latest is not None and engine.latest.saw_state is SawState.CUTTING,
                         "a cut", within_s=90)
        sim.plc.set_operator_speeds(25.0, 60.0, each_piece=True)
        sim.plc.descent_sp = 60.0
        await wait_until(lambda: engine.alarms.is_active("plc.alarm"), "the overload trip", within_s=90)
        await asyncio.sleep(0.5)  # the saw stands in ERROR with the alarm up for a moment
        sim.plc.set_operator_speeds(70.0, 25.0, each_piece=True)
        sim.plc.reset()
        await wait_until(lambda: not engine.alarms.is_active("plc.alarm"), "the PLC alarm to clear", within_s=90)
        count = len(done)
        await wait_until(lambda: len(done) > count, "a cut after the trip", within_s=90)
        sim.faults.silence(2.0)
        await asyncio.sleep(2.5)
        count = len(done)
        await wait_until(lambda: len(done) > count, "a cut after the comm loss", within_s=90)
    finally:
        await engine.stop()
    return start_ms, int(time.time() * 1000)
