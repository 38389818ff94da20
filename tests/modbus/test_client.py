"""PlcClient against a real Modbus TCP server: values, faults, link policy, clean shutdown."""

from __future__ import annotations

import asyncio
import logging
import socket

import pytest
from modbus_helpers import MiniPlc, fast_modbus, wait_for

from core.config import Settings
from core.modbus.client import PlcClient
from core.modbus.errors import (
    PlcBadResponse,
    PlcDisconnected,
    PlcError,
    PlcExceptionResponse,
    PlcRetryPending,
    PlcTimeout,
)
from core.registers import RegisterMap

pytestmark = pytest.mark.integration


def _free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


async def test_reads_what_the_server_holds(plc: MiniPlc, settings: Settings, register_map: RegisterMap) -> None:
    plc.set_value("band_torque", 42.5)
    plc.set_value("band_deviation", -1.23)
    async with PlcClient(fast_modbus(settings, plc.port)) as client:
        assert client.connected and client.link_up
        for block in register_map.plan(settings.modbus.max_block_gap):
            words = await client.read_holding(block.address, block.count)
            assert len(words) == block.count
            decoded = block.decode(words)
            for name in decoded:
                assert decoded[name] == plc.value(name)
        torque = register_map["band_torque"]
        assert torque.decode(await client.read_holding(torque.address, torque.count)) == 42.5


async def test_write_registers_reaches_the_server(plc: MiniPlc, settings: Settings, register_map: RegisterMap) -> None:
    reg = register_map["cutting_speed"]
    async with PlcClient(fast_modbus(settings, plc.port)) as client:
        await client.write_registers(reg.address, reg.encode(77))
        assert plc.value("cutting_speed") == 77
        with pytest.raises(ValueError):
            await client.write_registers(reg.address, [70000])


async def test_refused_then_server_appears(settings: Settings, register_map: RegisterMap,
                                           caplog: pytest.LogCaptureFixture) -> None:
    port = _free_port()
    client = PlcClient(fast_modbus(settings, port))
    caplog.set_level(logging.INFO, logger="bandsaw.modbus")
    try:
        assert await client.connect() is False
        assert not client.link_up
        with pytest.raises(PlcDisconnected):
            await client.read_holding(2000, 1)
        server = MiniPlc(register_map, port=port)
        await server.start()
        try:
            await wait_for(lambda: client.connected, what="reconnect after refusal")
            assert await client.read_holding(2000, 2) == [0, 0]
            assert client.link_up
        finally:
            await server.stop()
    finally:
        await client.close()
    messages = [r.getMessage() for r in caplog.records if r.name == "bandsaw.modbus"]
    assert sum("down" in m for m in messages) == 1, messages  # logged once, not per attempt
    assert sum("restored" in m for m in messages) == 1, messages


async def test_silence_retries_then_reconnects(plc: MiniPlc, settings: Settings) -> None:
    client = PlcClient(fast_modbus(settings, plc.port, retries=2, retry_delay_s=0.05))
    await client.connect()
    try:
        plc.silent = True
        errors: list[type[PlcError]] = []
        while client.link_up:
            try:
                await client.read_holding(2000, 4)
            except PlcError as exc:
                errors.append(type(exc))
            await asyncio.sleep(0.01)
        assert errors.count(PlcTimeout) == 3  # first try and two retries, then the link is declared lost
        assert PlcRetryPending in errors  # requests inside the retry delay fail fast
        plc.silent = False
        await wait_for(lambda: client.connected, what="reconnect")
        assert len(await client.read_holding(2000, 4)) == 4
        assert client.link_up
    finally:
        await client.close()


async def test_drop_mid_run_recovers_fast(plc: MiniPlc, settings: Settings) -> None:
    async with PlcClient(fast_modbus(settings, plc.port, timeout_s=5.0)) as client:
        await client.read_holding(2000, 2)
        plc.delay_s = 0.2
        request = asyncio.create_task(client.read_holding(2000, 2))
        await wait_for(lambda: plc.requests >= 2, what="request in flight")
        plc.drop_connections()
        with pytest.raises(PlcDisconnected):
            await asyncio.wait_for(request, 2.0)  # not the 5 s timeout
        plc.delay_s = 0.0
        await wait_for(lambda: client.connected, what="reconnect after drop")
        assert await client.read_holding(2000, 2) == [0, 0]
        await asyncio.sleep(0.25)  # let the server's delayed handler of the dropped request finish


async def test_server_killed_and_restarted(plc: MiniPlc, settings: Settings) -> None:
    async with PlcClient(fast_modbus(settings, plc.port)) as client:
        await client.read_holding(2000, 2)
        await plc.stop()
        await wait_for(lambda: not client.connected, what="drop seen")
        with pytest.raises(PlcDisconnected):
            await client.read_holding(2000, 2)
        await plc.start()
        await wait_for(lambda: client.connected, what="reconnect")
        assert await client.read_holding(2000, 2) == [0, 0]
        assert client.link_losses == 1


async def test_exception_response_is_typed_and_keeps_link(plc: MiniPlc, settings: Settings) -> None:
    async with PlcClient(fast_modbus(settings, plc.port)) as client:
        plc.exception_code = 2
        for _ in range(5):
            with pytest.raises(PlcExceptionResponse) as info:
                await client.read_holding(2000, 4)
            assert info.value.code == 2
        assert client.link_up
        plc.exception_code = None
        assert len(await client.read_holding(2000, 4)) == 4


async def test_wrong_register_count_is_a_bad_response(plc: MiniPlc, settings: Settings) -> None:
    async with PlcClient(fast_modbus(settings, plc.port)) as client:
        plc.short_reply = True
        with pytest.raises(PlcBadResponse):
            await client.read_holding(2000, 4)
        assert client.link_up
        plc.short_reply = False
        assert len(await client.read_holding(2000, 4)) == 4


async def test_delayed_answers_within_timeout_are_fine(plc: MiniPlc, settings: Settings) -> None:
    async with PlcClient(fast_modbus(settings, plc.port, timeout_s=1.0)) as client:
        plc.delay_s = 0.1
        assert len(await client.read_holding(2000, 4)) == 4
        plc.delay_s = 0.0


async def test_requests_are_serialised(plc: MiniPlc, settings: Settings) -> None:
    async with PlcClient(fast_modbus(settings, plc.port, timeout_s=2.0)) as client:
        plc.delay_s = 0.02
        results = await asyncio.gather(*(client.read_holding(2000 + i, 1) for i in range(10)))
        assert all(r == [0] for r in results)
        plc.delay_s = 0.0


async def test_close_while_reconnecting_leaves_nothing(settings: Settings) -> None:
    client = PlcClient(fast_modbus(settings, _free_port()))
    assert not await client.connect()
    await asyncio.sleep(0.1)
    await client.close()
    with pytest.raises(PlcDisconnected):
        await client.read_holding(2000, 1)
