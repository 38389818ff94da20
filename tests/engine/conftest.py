"""Engine fixtures: a simulator on an ephemeral port."""

from __future__ import annotations

from collections.abc import AsyncIterator

import pytest

from core.registers import RegisterMap
from core.sim.server import SimulatorServer


@pytest.fixture
async def sim(register_map: RegisterMap) -> AsyncIterator[SimulatorServer]:
    server = SimulatorServer(register_map, seed=3, speedup=5.0)
    await server.start()
    try:
        yield server
    finally:
        await server.stop()
