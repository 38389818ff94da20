"""Fixtures for acquisition tests (helpers live in modbus_helpers.py)."""

from __future__ import annotations

from collections.abc import AsyncIterator

import pytest
from modbus_helpers import MiniPlc

from core.registers import RegisterMap


@pytest.fixture
async def plc(register_map: RegisterMap) -> AsyncIterator[MiniPlc]:
    server = MiniPlc(register_map)
    await server.start()
    try:
        yield server
    finally:
        await server.stop()
