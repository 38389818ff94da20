"""Fixtures for the simulator tests: a served simulator on an ephemeral port and a client."""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator

import pytest
from pymodbus.client import AsyncModbusTcpClient

from core.registers import RegisterMap
from core.sim.server import SimulatorServer


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
