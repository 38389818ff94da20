"""Module-level functions the engine's child process can run (hmi.engine_process pickles them by
name): factories and probes for tests/hmi/test_engine_process.py. No Qt here: the child imports it."""

from __future__ import annotations

import os
import threading

from core.api import EngineApi
from core.cli import engine_factory
from core.config import Settings
from core.offload import run_blocking
from core.registers import RegisterMap

ENGINEER, PIN = "erin", "482913"
_polls: list[float] = []  # in the child: when each poll's snapshot arrived (monotonic)


def engine_with_engineer(settings: Settings, register_map: RegisterMap, simulate: bool) -> EngineApi:
    """The real engine (core.cli's) with an engineer who may log in."""
    engine = engine_factory(settings, register_map, simulate)
    store = engine.access.store  # type: ignore[attr-defined]
    if store.get(ENGINEER) is None:
        store.add(ENGINEER, "engineer", PIN)
    return engine


def broken_factory(settings: Settings, register_map: RegisterMap, simulate: bool) -> EngineApi:
    raise RuntimeError("no PLC configured for this test")


def record_polls(engine: EngineApi) -> None:
    """Keep the time of every snapshot from now on (called in the poll cycle, in the child)."""
    _polls.clear()
    engine.subscribe(lambda snapshot: _polls.append(snapshot.monotonic))


def recorded_polls(engine: EngineApi) -> list[float]:
    return list(_polls)


def pid(engine: EngineApi) -> int:
    return os.getpid()


def mode(engine: EngineApi) -> str:
    """The engine's own control mode (not the HMI's last pushed copy of it)."""
    return engine.status().mode


async def priorities(engine: EngineApi) -> tuple[tuple[int, int], tuple[int, int]]:
    """(the engine's loop thread, a worker thread it makes): Linux (niceness, scheduling policy) of each."""
    def mine() -> tuple[int, int]:
        tid = threading.get_native_id()
        return os.getpriority(os.PRIO_PROCESS, tid), os.sched_getscheduler(tid) & ~os.SCHED_RESET_ON_FORK

    return mine(), await run_blocking(mine)


def _refuse_to_load() -> None:
    raise TypeError("this value does not unpickle (a test of the front end's reading thread)")


class Unloadable:
    """Pickles in the child, fails to unpickle in the front end."""

    def __reduce__(self) -> tuple[object, tuple[()]]:
        return _refuse_to_load, ()


def unloadable(engine: EngineApi) -> Unloadable:
    return Unloadable()


def raise_plc_exception(engine: EngineApi) -> None:
    from core.modbus.errors import PlcExceptionResponse

    raise PlcExceptionResponse("illegal data address", 2)


CONTRACT_ALARM = "test.contract"


def raise_contract_alarm(engine: EngineApi) -> None:
    """Raise (or raise again) a test alarm in the engine: the same on its thread or in the child."""
    engine.alarms.raise_alarm(CONTRACT_ALARM, "contract test alarm", source="test")  # type: ignore[attr-defined]


def clear_contract_alarm(engine: EngineApi) -> None:
    engine.alarms.clear(CONTRACT_ALARM)  # type: ignore[attr-defined]


async def log_numbered(engine: EngineApi, tag: str, count: int) -> None:
    """``count`` numbered records from the engine's process (a worker thread: the poll goes on)."""
    import asyncio
    import logging

    def write() -> None:
        logger = logging.getLogger("bandsaw.engine.rotation_test")
        for n in range(count):
            logger.info("%s %05d %s", tag, n, "x" * 60)

    await asyncio.to_thread(write)
