"""The simulator over real Modbus TCP: pymodbus client and mbpoll, reads, writes, lifecycle."""

from __future__ import annotations

import asyncio
import re
import shutil
import signal
import sys

import pytest
from pymodbus.client import AsyncModbusTcpClient

from core.registers import RegisterMap
from core.sim.server import SimulatorServer
from core.snapshot import SawState
from tests.waiting import wait_until

pytestmark = pytest.mark.integration


async def read_all(client: AsyncModbusTcpClient, register_map: RegisterMap) -> dict[str, float]:
    values: dict[str, float] = {}
    for block in register_map.plan():
        response = await client.read_holding_registers(block.address, count=block.count, device_id=1)
        assert not response.isError(), response
        values |= block.decode(response.registers)
    return values


async def test_port_zero_binds_an_ephemeral_port(sim: SimulatorServer) -> None:
    assert sim.running and sim.port > 0


async def test_values_decode_to_the_physics_values(
    sim: SimulatorServer, client: AsyncModbusTcpClient, register_map: RegisterMap
) -> None:
    await wait_until(lambda: sim.plc.state is SawState.CUTTING and sim.plc.contact > 0, "a cut in progress")
    sim.paused = True
    await asyncio.sleep(0.1)  # one more image refresh with time held
    decoded = await read_all(client, register_map)
    expected = sim.plc.values()
    assert set(decoded) == set(register_map.names)
    for reg in register_map:
        tolerance = 1e-4 * abs(expected[reg.name]) if reg.is_float else abs(reg.scale) / 2 + 1e-9
        assert decoded[reg.name] == pytest.approx(expected[reg.name], abs=tolerance), reg.name
    assert decoded["band_torque"] > 10.0  # really cutting, not an all-zero image


async def test_whole_range_served_and_unmapped_reads_zero(sim: SimulatorServer, client: AsyncModbusTcpClient) -> None:
    sim.paused = True
    for address in range(2000, 2300, 100):
        response = await client.read_holding_registers(address, count=100, device_id=1)
        assert not response.isError(), (address, response)
    response = await client.read_holding_registers(2001, count=9, device_id=1)
    assert response.registers == [0] * 9
    response = await client.read_holding_registers(2300, count=1, device_id=1)
    assert response.isError() and response.exception_code == 2


async def test_descent_setpoint_write_ramps_the_actual(
    sim: SimulatorServer, client: AsyncModbusTcpClient, register_map: RegisterMap
) -> None:
    setpoint = register_map["descent_speed"]
    actual = register_map["descent_speed_actual"]

    async def read(reg_name: str) -> float:
        reg = register_map[reg_name]
        response = await client.read_holding_registers(reg.address, count=1, device_id=1)
        return reg.decode(response.registers)

    await wait_until(lambda: sim.plc.state is SawState.CUTTING and sim.plc.feed_speed == 30.0, "cutting at 30")
    sim.paused = True  # hold time so the ramp is seen from its start
    response = await client.write_register(setpoint.address, setpoint.encode(45.0)[0], device_id=1)
    assert not response.isError(), response
    assert await read("descent_speed") == 45.0  # read back at once
    assert await read("descent_speed_actual") == 30.0  # the drive has not moved yet
    sim.paused = False
    await wait_until(lambda: sim.plc.feed_speed == 45.0 or sim.plc.state is not SawState.CUTTING, "ramp")
    sim.paused = True
    assert sim.plc.state is SawState.CUTTING, "the cut ended before the ramp did"
    await wait_until(lambda: actual.decode(sim.image.read(actual.address, 1)) == 45.0, "image refresh")
    assert await read("descent_speed_actual") == 45.0


async def test_cutting_speed_write_ramps(
    sim: SimulatorServer, client: AsyncModbusTcpClient, register_map: RegisterMap
) -> None:
    reg = register_map["cutting_speed"]
    await wait_until(lambda: sim.plc.state is SawState.CUTTING, "cutting")
    sim.paused = True
    assert not (await client.write_register(reg.address, reg.encode(90)[0], device_id=1)).isError()
    assert sim.plc.value("cutting_speed") == 90.0
    assert sim.plc.value("cutting_speed_actual") < 90.0  # no jump
    sim.paused = False
    await wait_until(lambda: sim.plc.band_speed == 90.0 or sim.plc.state is not SawState.CUTTING, "band at 90")


async def test_heartbeat_and_fault_reset_reach_the_plc(
    sim: SimulatorServer, client: AsyncModbusTcpClient, register_map: RegisterMap
) -> None:
    heartbeat, reset = register_map["heartbeat"], register_map["fault_reset"]
    assert not (await client.write_registers(heartbeat.address, [17, 0], device_id=1)).isError()
    assert sim.plc.heartbeat == 17
    sim.plc.state = SawState.ERROR
    assert not (await client.write_register(reset.address, 1, device_id=1)).isError()
    assert sim.plc.state is SawState.IDLE
    response = await client.read_holding_registers(reset.address, count=1, device_id=1)
    assert response.registers == [0]  # the PLC clears the request


async def test_bad_writes_are_refused(
    sim: SimulatorServer, client: AsyncModbusTcpClient, register_map: RegisterMap
) -> None:
    read_only = await client.write_register(register_map["head_height"].address, 5, device_id=1)
    assert read_only.isError() and read_only.exception_code == 2
    unmapped = await client.write_register(2001, 5, device_id=1)
    assert unmapped.isError() and unmapped.exception_code == 2
    too_fast = await client.write_register(register_map["descent_speed"].address, 9000, device_id=1)
    assert too_fast.isError() and too_fast.exception_code == 3
    assert sim.plc.value("descent_speed") == 30.0


async def test_stop_closes_everything(register_map: RegisterMap) -> None:
    sim = SimulatorServer(register_map, speedup=50.0)
    async with sim:
        modbus = AsyncModbusTcpClient("127.0.0.1", port=sim.port, timeout=1.0, retries=0, reconnect_delay=0)
        assert await modbus.connect()
        assert not (await modbus.read_holding_registers(2000, count=1, device_id=1)).isError()
        port = sim.port
    modbus.close()
    assert not sim.running
    refused = AsyncModbusTcpClient("127.0.0.1", port=port, timeout=0.5, retries=0, reconnect_delay=0)
    assert not await refused.connect()
    refused.close()


@pytest.mark.skipif(shutil.which("mbpoll") is None, reason="mbpoll is not installed")
async def test_mbpoll_reads_and_writes(sim: SimulatorServer) -> None:
    sim.paused = True
    await asyncio.sleep(0.1)
    head_raw = sim.image.read(2000, 1)[0]
    target = ["-p", str(sim.port), "127.0.0.1"]
    cmd = ["mbpoll", "-m", "tcp", "-a", "1", "-r", "2001", "-c", "10", "-t", "4", "-1", *target]
    proc = await asyncio.create_subprocess_exec(*cmd, stdout=asyncio.subprocess.PIPE, stderr=asyncio.subprocess.PIPE)
    out, err = await asyncio.wait_for(proc.communicate(), timeout=20)
    assert proc.returncode == 0, err.decode()
    rows = dict(re.findall(r"^\[(\d+)\]:\s+(-?\d+)", out.decode(), re.MULTILINE))
    assert len(rows) == 10
    assert int(rows["2001"]) == head_raw  # mbpoll's reference 2001 is protocol address 2000
    assert all(int(rows[str(ref)]) == 0 for ref in range(2002, 2011))
    # A write of the descent setpoint (protocol 2041 = reference 2042): 40.00 mm/min.
    cmd = ["mbpoll", "-m", "tcp", "-a", "1", "-r", "2042", "-t", "4", "-1", *target, "4000"]
    proc = await asyncio.create_subprocess_exec(*cmd, stdout=asyncio.subprocess.PIPE, stderr=asyncio.subprocess.PIPE)
    _, err = await asyncio.wait_for(proc.communicate(), timeout=20)
    assert proc.returncode == 0, err.decode()
    assert sim.plc.value("descent_speed") == 40.0


async def test_speedup_runs_simulated_time_faster(register_map: RegisterMap) -> None:
    loop = asyncio.get_running_loop()
    async with SimulatorServer(register_map, speedup=40.0) as sim:
        assert sim.plc.heartbeat_timeout_s == 5.0 * 40.0  # the watchdog is 5 wall seconds
        started, sim_started = loop.time(), sim.plc.time
        await asyncio.sleep(1.0)
        wall, simulated = loop.time() - started, sim.plc.time - sim_started
    # Loose lower bound: a loaded machine may stall the physics task (catch-up is capped).
    assert 0.5 * 40.0 * wall <= simulated <= 40.0 * wall + 40.0 * 0.1


async def test_serve_until_sigterm(register_map: RegisterMap) -> None:
    code = (
        "import asyncio; from core.registers import load_register_map; from core.sim.server import serve; "
        f"asyncio.run(serve('127.0.0.1', 0, 3, 10.0, load_register_map({register_map.source!r})))"
    )
    proc = await asyncio.create_subprocess_exec(
        sys.executable, "-c", code, stdout=asyncio.subprocess.PIPE, stderr=asyncio.subprocess.PIPE
    )
    try:
        assert proc.stdout is not None
        line = (await asyncio.wait_for(proc.stdout.readline(), timeout=30)).decode()
        match = re.search(r"listening on 127\.0\.0\.1:(\d+)", line)
        assert match, line
        modbus = AsyncModbusTcpClient("127.0.0.1", port=int(match.group(1)), timeout=2.0, retries=0, reconnect_delay=0)
        assert await modbus.connect()
        response = await modbus.read_holding_registers(2250, count=2, device_id=1)
        modbus.close()
        assert not response.isError() and response.registers[1] == 1  # machine id
        proc.send_signal(signal.SIGTERM)
        _, err = await asyncio.wait_for(proc.communicate(), timeout=30)
        assert proc.returncode == 0, err.decode()
        assert b"Traceback" not in err
    finally:
        if proc.returncode is None:
            proc.kill()
            await proc.wait()


async def test_port_in_use_is_a_clear_error(sim: SimulatorServer, register_map: RegisterMap) -> None:
    second = SimulatorServer(register_map, port=sim.port)
    with pytest.raises(OSError, match=f"cannot listen on 127.0.0.1:{sim.port}"):
        await second.start()
    assert not second.running
    await second.stop()


async def test_restart_on_the_same_port_keeps_the_plc(register_map: RegisterMap) -> None:
    sim = SimulatorServer(register_map, speedup=20.0)
    await sim.start()
    port = sim.port
    await asyncio.sleep(0.2)
    await sim.stop()
    simulated = sim.plc.time
    await sim.start()
    try:
        assert sim.port == port
        modbus = AsyncModbusTcpClient("127.0.0.1", port=port, timeout=1.0, retries=0, reconnect_delay=0)
        assert await modbus.connect()
        assert not (await modbus.read_holding_registers(2000, count=1, device_id=1)).isError()
        modbus.close()
        assert sim.plc.time >= simulated  # the same machine, carrying on
    finally:
        await sim.stop()
