"""Fixtures for the simulator tests: a served simulator on an ephemeral port and a client."""

from __future__ import annotations

import asyncio
import time
from collections.abc import AsyncIterator, Awaitable, Callable

import pytest
from pymodbus.client import AsyncModbusTcpClient

from core.registers import RegisterMap
from core.sim.server import SimulatorServer

DEADLINE_S = 20.0  # generous: the machine may be loaded


Waiter = Callable[..., Awaitable[None]]


async def _wait_for(condition: Callable[[], bool], what: str = "condition", deadline_s: float = DEADLINE_S) -> None:
    """Poll ``condition`` until true; fail after ``deadline_s`` seconds."""
    deadline = time.monotonic() + deadline_s
    while not condition():
        if time.monotonic() > deadline:
            pytest.fail(f"timed out after {deadline_s:g} s waiting for {what}")
        await asyncio.sleep(0.02)


@pytest.fixture
def wait_for() -> Waiter:
    """``await wait_for(lambda: ..., what="...")``: wait for a condition with a generous deadline."""
    return _wait_for


@pytest.fixture
async def sim(register_map: RegisterMap) -> AsyncIterator[SimulatorServer]:
    server = SimulatorServer(register_map, seed=7, speedup=20.0)
    await server.start()
    try:
        yield server
    finally:
        await server.stop()


@pytest.fixture
async def client(sim: SimulatorServer) -> AsyncIterator[AsyncModbusTcpClient]:
    # No automatic reconnect: the fault tests drop connections on purpose.
    modbus = AsyncModbusTcpClient(
        "127.0.0.1", port=sim.port, timeout=1.0, retries=0, reconnect_delay=0, reconnect_delay_max=0
    )
    assert await modbus.connect()
    try:
        yield modbus
    finally:
        modbus.close()
        await asyncio.sleep(0)
