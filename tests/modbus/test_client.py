"""PlcClient against real Modbus TCP servers: values, faults, link policy, clean shutdown."""

from __future__ import annotations

import asyncio
import contextlib
import logging
import socket
import time
from typing import Any

import pytest
from modbus_helpers import MiniPlc, fast_modbus, image_value

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
from core.sim.server import SimulatorServer
from tests.waiting import wait_until

pytestmark = pytest.mark.integration


def _free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


async def test_reads_what_the_simulator_serves(sim: SimulatorServer, settings: Settings,
                                               register_map: RegisterMap) -> None:
    sim.paused = True  # hold the physics so the comparison is exact
    async with PlcClient(fast_modbus(settings, sim.port)) as client:
        assert client.connected and client.link_up
        for block in register_map.plan(settings.modbus.max_block_gap):
            words = await client.read_holding(block.address, block.count)
            assert words == sim.image.read(block.address, block.count)
            for name, value in block.decode(words).items():
                assert value == image_value(sim, name), name


async def test_write_registers_reaches_the_simulator(sim: SimulatorServer, settings: Settings,
                                                     register_map: RegisterMap) -> None:
    reg = register_map["cutting_speed"]
    async with PlcClient(fast_modbus(settings, sim.port)) as client:
        await client.write_registers(reg.address, reg.encode(77))
        assert sim.plc.value("cutting_speed") == 77
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
        await asyncio.sleep(0.5)  # several reconnect attempts fail meanwhile
        sim = SimulatorServer(register_map, port=port, seed=1)
        await sim.start()
        try:
            await wait_until(lambda: client.connected, "reconnect after refusal")
            assert len(await client.read_holding(2000, 2)) == 2
            assert client.link_up
        finally:
            await sim.stop()
    finally:
        await client.close()
    messages = [r.getMessage() for r in caplog.records if r.name == "bandsaw.modbus" and r.levelno >= logging.INFO]
    assert sum("down" in m for m in messages) == 1, messages  # logged once, not per attempt
    assert sum("restored" in m for m in messages) == 1, messages


async def test_silence_retries_then_reconnects(sim: SimulatorServer, settings: Settings) -> None:
    client = PlcClient(fast_modbus(settings, sim.port, retries=2, retry_delay_s=0.05))
    await client.connect()
    try:
        sim.faults.silence(60)
        errors: list[type[PlcError]] = []
        while client.link_up:
            try:
                await client.read_holding(2000, 4)
            except PlcError as exc:
                errors.append(type(exc))
            await asyncio.sleep(0.01)
        assert errors.count(PlcTimeout) == 3  # first try and two retries, then the link is declared lost
        assert PlcRetryPending in errors  # requests inside the retry delay fail fast
        sim.faults.clear_silence()
        await wait_until(lambda: client.connected, "reconnect")
        assert len(await client.read_holding(2000, 4)) == 4
        assert client.link_up
    finally:
        await client.close()


async def test_drop_mid_request_ends_the_wait(sim: SimulatorServer, settings: Settings) -> None:
    async with PlcClient(fast_modbus(settings, sim.port, timeout_s=5.0)) as client:
        await client.read_holding(2000, 2)
        sim.faults.delay(1.0)
        request = asyncio.create_task(client.read_holding(2000, 2))
        await wait_until(lambda: sim.in_flight >= 1, "request in flight")
        assert sim.faults.drop_connections() >= 1
        with pytest.raises(PlcDisconnected):
            await asyncio.wait_for(request, 3.0)  # not the 5 s timeout
        sim.faults.clear_delay()
        await wait_until(lambda: client.connected, "reconnect after drop")
        assert len(await client.read_holding(2000, 2)) == 2
        await wait_until(lambda: sim.in_flight == 0, "dropped request handled")


async def test_server_killed_and_restarted(sim: SimulatorServer, settings: Settings) -> None:
    async with PlcClient(fast_modbus(settings, sim.port)) as client:
        await client.read_holding(2000, 2)
        await sim.stop()
        await wait_until(lambda: not client.connected, "drop seen")
        with pytest.raises(PlcDisconnected):
            await client.read_holding(2000, 2)
        await sim.start()
        try:
            await wait_until(lambda: client.connected, "reconnect")
            assert len(await client.read_holding(2000, 2)) == 2
            assert client.link_losses == 1
        finally:
            await sim.stop()  # this test's restart made new server tasks: end them here


async def test_exception_response_is_typed_and_keeps_link(sim: SimulatorServer, settings: Settings) -> None:
    async with PlcClient(fast_modbus(settings, sim.port)) as client:
        sim.faults.exception(6)
        for _ in range(5):
            with pytest.raises(PlcExceptionResponse) as info:
                await client.read_holding(2000, 4)
            assert info.value.code == 6 and "busy" in str(info.value)
        assert client.link_up  # the PLC answers: the link is fine
        sim.faults.clear_exception()
        assert len(await client.read_holding(2000, 4)) == 4


async def test_wrong_register_count_is_a_bad_response(plc: MiniPlc, settings: Settings) -> None:
    async with PlcClient(fast_modbus(settings, plc.port)) as client:
        plc.short_reply = True
        with pytest.raises(PlcBadResponse):
            await client.read_holding(2000, 4)
        assert client.link_up
        plc.short_reply = False
        assert len(await client.read_holding(2000, 4)) == 4


async def test_delayed_answers_within_timeout_are_fine(sim: SimulatorServer, settings: Settings) -> None:
    async with PlcClient(fast_modbus(settings, sim.port, timeout_s=2.0)) as client:
        sim.faults.delay(0.1)
        assert len(await client.read_holding(2000, 4)) == 4
        sim.faults.clear_delay()


async def test_requests_are_serialised(sim: SimulatorServer, settings: Settings) -> None:
    async with PlcClient(fast_modbus(settings, sim.port, timeout_s=3.0)) as client:
        sim.faults.delay(0.02)
        peak = 0

        async def read(address: int) -> list[int]:
            nonlocal peak
            words = await client.read_holding(address, 1)
            return words

        async def watch() -> None:
            nonlocal peak
            while True:
                peak = max(peak, sim.in_flight)
                await asyncio.sleep(0.002)

        watcher = asyncio.create_task(watch())
        try:
            results = await asyncio.gather(*(read(2000 + i) for i in range(10)))
        finally:
            watcher.cancel()
            await asyncio.gather(watcher, return_exceptions=True)
        sim.faults.clear_delay()
        assert all(len(r) == 1 for r in results)
        assert peak == 1  # the PLC never saw two requests at once


async def test_close_while_reconnecting_leaves_nothing(settings: Settings) -> None:
    client = PlcClient(fast_modbus(settings, _free_port()))
    assert not await client.connect()
    await asyncio.sleep(0.1)
    await client.close()
    with pytest.raises(PlcDisconnected):
        await client.read_holding(2000, 1)


async def test_a_cancel_arriving_with_the_answer_is_honoured(sim: SimulatorServer, settings: Settings) -> None:
    """Python 3.11's wait_for (inside pymodbus) returns the answer and drops such a cancel."""
    async with PlcClient(fast_modbus(settings, sim.port)) as client:
        request = asyncio.create_task(client.read_holding(2000, 2))
        transaction = client._client.ctx if client._client is not None else None  # the race sits in pymodbus
        assert transaction is not None

        def cancel_as_the_answer_arrives(sending: bool, pdu: Any) -> Any:
            if not sending:
                request.cancel()
            return pdu

        transaction.trace_pdu = cancel_as_the_answer_arrives
        with pytest.raises(asyncio.CancelledError):
            await request
        transaction.trace_pdu = transaction.dummy_trace_pdu
        assert len(await client.read_holding(2000, 2)) == 2  # the client is fine afterwards


async def test_silent_plc_that_accepts_sockets_is_logged_once(
    sim: SimulatorServer, settings: Settings, caplog: pytest.LogCaptureFixture
) -> None:
    caplog.set_level(logging.DEBUG, logger="bandsaw.modbus")
    async with PlcClient(fast_modbus(settings, sim.port, retries=0)) as client:
        sim.faults.silence(60)
        give_up = time.monotonic() + 30
        while client.link_losses < 3:  # connects, gets no answer, drops, again and again
            assert time.monotonic() < give_up, "the link was not lost and retried three times"
            with contextlib.suppress(PlcError):
                await client.read_holding(2000, 2)
            await asyncio.sleep(0.02)
        sim.faults.clear_silence()
        await wait_until(lambda: client.connected, "reconnect")
        await client.read_holding(2000, 2)
        assert client.link_up
    loud = [r.getMessage() for r in caplog.records if r.name == "bandsaw.modbus" and r.levelno >= logging.INFO]
    assert sum("down" in m for m in loud) == 1, loud
    assert sum("restored" in m for m in loud) == 1, loud
