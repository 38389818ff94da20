"""Fixtures for acquisition tests (helpers live in modbus_helpers.py).

``sim`` is the project's simulated PLC served over real Modbus TCP: most tests run on it. ``plc``
is a plain pymodbus server for what a simulator of a healthy PLC does not do (replies with the
wrong register count, one block refused while the others answer).
"""

from __future__ import annotations

from collections.abc import AsyncIterator

import pytest
from modbus_helpers import MiniPlc

from core.registers import RegisterMap
from core.sim.server import SimulatorServer


@pytest.fixture
async def sim(register_map: RegisterMap) -> AsyncIterator[SimulatorServer]:
    server = SimulatorServer(register_map, port=0, seed=11, speedup=1.0)
    await server.start()
    try:
        yield server
    finally:
        await server.stop()


@pytest.fixture
async def plc(register_map: RegisterMap) -> AsyncIterator[MiniPlc]:
    server = MiniPlc(register_map)
    await server.start()
    try:
        yield server
    finally:
        await server.stop()
