"""Each fault-injection case as a real pymodbus client sees it."""

from __future__ import annotations

import asyncio
import time

import pytest
from pymodbus.client import AsyncModbusTcpClient
from pymodbus.exceptions import ModbusException

from core.registers import RegisterMap
from core.sim.faults import FaultInjector
from core.sim.server import SimulatorServer
from tests.waiting import wait_until

pytestmark = pytest.mark.integration


async def test_drop_connections_closes_clients_and_accepts_new_ones(
    sim: SimulatorServer, client: AsyncModbusTcpClient
) -> None:
    assert not (await client.read_holding_registers(2000, count=1, device_id=1)).isError()
    assert sim.faults.drop_connections() == 1
    await wait_until(lambda: not client.connected, "the client to see the drop")
    with pytest.raises(ModbusException):
        await client.read_holding_registers(2000, count=1, device_id=1)
    fresh = AsyncModbusTcpClient("127.0.0.1", port=sim.port, timeout=1.0, retries=0, reconnect_delay=0)
    try:
        assert await fresh.connect()
        assert not (await fresh.read_holding_registers(2000, count=1, device_id=1)).isError()
    finally:
        fresh.close()


async def test_silence_gives_no_response_then_recovers(
    sim: SimulatorServer, client: AsyncModbusTcpClient
) -> None:
    sim.faults.silence(1.5)
    with pytest.raises(ModbusException):
        await client.read_holding_registers(2000, count=1, device_id=1)
    # A write while silent is neither answered nor applied.
    reg = sim.register_map["descent_speed"]
    with pytest.raises(ModbusException):
        await client.write_register(reg.address, reg.encode(50.0)[0], device_id=1)
    assert sim.plc.value("descent_speed") == 30.0
    await wait_until(lambda: not sim.faults.silent, "the end of the silence")
    # The late answers must not confuse the next request: pymodbus drops them by transaction id.
    response = await client.read_holding_registers(2000, count=1, device_id=1)
    assert not response.isError()


async def test_clear_ends_silence_early(sim: SimulatorServer, client: AsyncModbusTcpClient) -> None:
    sim.faults.silence(600)
    with pytest.raises(ModbusException):
        await client.read_holding_registers(2000, count=1, device_id=1)
    sim.faults.clear_silence()
    assert not (await client.read_holding_registers(2000, count=1, device_id=1)).isError()


async def test_delay_slows_every_answer(sim: SimulatorServer, client: AsyncModbusTcpClient) -> None:
    sim.faults.delay(0.4)
    started = time.monotonic()
    response = await client.read_holding_registers(2000, count=1, device_id=1)
    assert not response.isError()
    assert time.monotonic() - started >= 0.4
    sim.faults.delay(3.0)  # longer than the client's timeout
    with pytest.raises(ModbusException):
        await client.read_holding_registers(2000, count=1, device_id=1)
    sim.faults.clear_delay()
    await wait_until(lambda: sim.in_flight == 0, "the held answer to go out")


async def test_delay_in_flight_does_not_leak_on_stop(register_map: RegisterMap) -> None:
    sim = SimulatorServer(register_map, speedup=10.0)
    await sim.start()
    modbus = AsyncModbusTcpClient("127.0.0.1", port=sim.port, timeout=1.0, retries=0, reconnect_delay=0)
    assert await modbus.connect()
    sim.faults.delay(30.0)
    pending = asyncio.ensure_future(modbus.read_holding_registers(2000, count=1, device_id=1))
    await wait_until(lambda: sim.requests > 0, "the request to arrive")
    await sim.stop()
    modbus.close()
    with pytest.raises((ModbusException, asyncio.CancelledError)):
        await pending


@pytest.mark.parametrize("code", [4, 6])
async def test_exception_code_for_a_while(
    sim: SimulatorServer, client: AsyncModbusTcpClient, code: int
) -> None:
    sim.faults.exception(code, seconds=0.5)
    response = await client.read_holding_registers(2000, count=10, device_id=1)
    assert response.isError() and response.exception_code == code
    write = await client.write_register(2033, 5, device_id=1)
    assert write.isError() and write.exception_code == code
    await wait_until(lambda: sim.faults.current_exception is None, "the exception window to end")
    assert not (await client.read_holding_registers(2000, count=10, device_id=1)).isError()


async def test_exception_until_cleared(sim: SimulatorServer, client: AsyncModbusTcpClient) -> None:
    sim.faults.exception(4)
    for _ in range(3):
        response = await client.read_holding_registers(2000, count=1, device_id=1)
        assert response.isError() and response.exception_code == 4
    sim.faults.clear()
    assert not (await client.read_holding_registers(2000, count=1, device_id=1)).isError()


async def test_override_shows_garbage_raw_until_cleared(
    sim: SimulatorServer, client: AsyncModbusTcpClient, register_map: RegisterMap
) -> None:
    head = register_map["head_height"]
    sim.faults.override("head_height", 0xFFFF)  # 6553.5 mm: far above the machine
    await asyncio.sleep(0.15)
    response = await client.read_holding_registers(head.address, count=1, device_id=1)
    assert response.registers == [0xFFFF]
    energy = register_map["energy_total"]
    sim.faults.override("energy_total", words=[0xDEAD, 0xBEEF])
    response = await client.read_holding_registers(energy.address, count=2, device_id=1)
    await wait_until(lambda: sim.image.read(energy.address, 2) == [0xDEAD, 0xBEEF], "override in image")
    response = await client.read_holding_registers(energy.address, count=2, device_id=1)
    assert response.registers == [0xDEAD, 0xBEEF]
    sim.faults.clear_override("head_height")
    await wait_until(lambda: sim.image.read(head.address, 1) != [0xFFFF], "physics back in head_height")
    response = await client.read_holding_registers(head.address, count=1, device_id=1)
    assert head.decode(response.registers) <= 200.0


def test_injector_rejects_nonsense(register_map: RegisterMap) -> None:
    faults = FaultInjector(register_map)
    with pytest.raises(ValueError, match="not a Modbus exception code"):
        faults.exception(99)
    with pytest.raises(ValueError, match="does not fit"):
        faults.override("head_height", 70000)
    with pytest.raises(ValueError, match="2 words"):
        faults.override("energy_total", words=[1])
    with pytest.raises(KeyError):
        faults.override("no_such_register", 1)
    with pytest.raises(ValueError):
        faults.silence(-1)


def test_injector_windows_follow_the_clock(register_map: RegisterMap) -> None:
    now = [100.0]
    faults = FaultInjector(register_map, clock=lambda: now[0])
    faults.silence(2.0)
    faults.exception(6, seconds=1.0)
    faults.delay(0.5, duration=3.0)
    assert faults.silent and faults.current_exception == 6 and faults.current_delay == 0.5
    now[0] = 101.5
    assert faults.silent and faults.current_exception is None
    now[0] = 103.5
    assert not faults.silent and faults.current_delay == 0.0 and not faults.active
