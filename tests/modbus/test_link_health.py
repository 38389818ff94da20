"""Honest PLC health (issue 16 item 2): up only while data arrives, an alarm per way it does not,
the real data rate, one log line for library tracebacks, reconnect within 2 s of the PLC's return."""

from __future__ import annotations

import asyncio
import logging
import struct
import time
from collections.abc import AsyncIterator

import pytest
from modbus_helpers import MiniPlc
from test_poller import Rig, running_rig

from core.analysis.alarm_policy import AlarmPolicy
from core.analysis.alarms import AlarmManager, Priority
from core.api import EngineStatus
from core.config import Settings
from core.modbus.client import PlcClient
from core.modbus.errors import PlcError, PlcExceptionResponse, PlcRetryPending, PlcTimeout
from core.modbus.health import ALARM_EXCEPTION, ALARM_LINK_LOST, ALARM_NO_DATA, ALARM_PARTIAL, DataHealth
from core.modbus.poller import Poller
from core.registers import RegisterMap
from core.sim.server import SimulatorServer
from core.snapshot import Quality, Snapshot
from tests.waiting import wait_until

pytestmark = pytest.mark.integration


@pytest.fixture
def quick(settings: Settings) -> Settings:
    settings.modbus.data_alarm_delay_s = 0.4
    return settings


async def test_one_block_answering_exceptions_names_block_and_code(
    plc: MiniPlc, quick: Settings, register_map: RegisterMap
) -> None:
    async with running_rig(quick, register_map, plc.port) as rig:
        await rig.next_snapshots(2, Quality.GOOD)
        plc.exception_code = 4
        plc.exception_address = register_map["vibration_x"].address
        await wait_until(lambda: rig.alarms.is_active(ALARM_EXCEPTION) and rig.alarms.is_active(ALARM_PARTIAL),
                         "exception and partial-data alarms")
        exception, partial = rig.alarms.get(ALARM_EXCEPTION), rig.alarms.get(ALARM_PARTIAL)
        assert exception is not None and "2100+" in exception.text and "code 4" in exception.text
        assert partial is not None and "block 2100+" in partial.text
        assert not rig.alarms.is_active(ALARM_NO_DATA) and not rig.alarms.is_active(ALARM_LINK_LOST)
        assert rig.poller.health().connected  # the other blocks bring data
        plc.exception_code = None
        await wait_until(lambda: not rig.alarms.is_active(ALARM_EXCEPTION) and not rig.alarms.is_active(ALARM_PARTIAL),
                         "alarms cleared")


async def test_exception_only_plc_is_down_at_0_hz_with_its_alarms(
    sim: SimulatorServer, quick: Settings, register_map: RegisterMap
) -> None:
    async with running_rig(quick, register_map, sim.port) as rig:
        await rig.next_snapshots(2, Quality.GOOD)
        sim.faults.exception(4)
        await wait_until(lambda: rig.alarms.is_active(ALARM_NO_DATA) and rig.alarms.is_active(ALARM_EXCEPTION),
                         "no-data and exception alarms")
        await wait_until(lambda: not rig.poller.health().connected, "link shown down")
        health = rig.poller.health()
        assert health.achieved_hz == 0.0
        line = EngineStatus(link=health).one_line()
        assert line.startswith("link DOWN") and "0.0 Hz" in line
        no_data = rig.alarms.get(ALARM_NO_DATA)
        assert no_data is not None and "code 4" in no_data.text
        assert not rig.alarms.is_active(ALARM_LINK_LOST)  # the socket answers: not the same fault
        assert not rig.alarms.is_active(ALARM_PARTIAL)
        sim.faults.clear_exception()
        await rig.next_snapshots(2, Quality.GOOD)
        await wait_until(lambda: not rig.alarms.is_active(ALARM_NO_DATA), "no-data alarm cleared")
        assert rig.poller.health().connected and rig.poller.health().achieved_hz > 0


async def test_nothing_listening_shows_0_hz_and_the_configured_priority(
    sim: SimulatorServer, quick: Settings, register_map: RegisterMap
) -> None:
    async with running_rig(quick, register_map, sim.port) as rig:
        await rig.next_snapshots(2, Quality.GOOD)
        await sim.stop()
        await wait_until(lambda: rig.alarms.is_active(ALARM_LINK_LOST), "link-lost alarm")
        await wait_until(lambda: rig.poller.health().achieved_hz == 0.0, "0 Hz")
        assert not rig.poller.health().connected


async def _wrong_byte_count(reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
    """A 'PLC' whose answers claim more bytes than they carry."""
    try:
        while True:
            tid, _, length, unit = struct.unpack(">HHHB", await reader.readexactly(7))
            pdu = await reader.readexactly(length - 1)
            count = struct.unpack(">H", pdu[3:5])[0]
            body = bytes([pdu[0], count * 2 + 6]) + b"\x00\x01" * count
            writer.write(struct.pack(">HHHB", tid, 0, len(body) + 1, unit) + body)
            await writer.drain()
    except (asyncio.IncompleteReadError, ConnectionError):
        writer.close()


@pytest.fixture
async def garbage_port() -> AsyncIterator[int]:
    server = await asyncio.start_server(_wrong_byte_count, "127.0.0.1", 0)
    try:
        yield server.sockets[0].getsockname()[1]
    finally:
        server.close()
        await server.wait_closed()


async def test_a_malformed_frame_is_one_log_line(
    garbage_port: int, quick: Settings, register_map: RegisterMap, caplog: pytest.LogCaptureFixture
) -> None:
    caplog.set_level(logging.WARNING)
    async with running_rig(quick, register_map, garbage_port) as rig:
        await wait_until(lambda: any("malformed frame" in r.getMessage() for r in caplog.records),
                         "the one-line report")
        assert not rig.poller.health().connected
    for record in caplog.records:
        assert record.exc_info is None and record.exc_text is None, record.getMessage()
        assert "Traceback" not in record.getMessage()


async def _time_to_first_good(rig: Rig, sim: SimulatorServer, down_s: float) -> float:
    await rig.next_snapshots(1, Quality.GOOD)
    await sim.stop()
    await rig.next_snapshots(2, Quality.COMM_ERROR)
    await asyncio.sleep(down_s)  # long enough for an exponential backoff to have grown
    mark = rig.snapshots[-1].seq
    await sim.start()
    back = time.monotonic()
    await wait_until(lambda: any(s.quality is Quality.GOOD for s in rig.since(mark)),
                     "first good sample", within_s=15.0)
    return time.monotonic() - back


async def test_reconnect_within_2_s_every_time(settings: Settings, register_map: RegisterMap) -> None:
    """The shipped timing (1 s timeout and retry delay, backoff up to 10 s): 3 kill/restart trials."""
    sim = SimulatorServer(register_map, port=0, seed=3, speedup=1.0)
    await sim.start()
    settings.modbus.host, settings.modbus.port = "127.0.0.1", sim.port
    client = PlcClient(settings.modbus)
    alarms = AlarmManager()
    snapshots: list[Snapshot] = []
    poller = Poller(settings, register_map, client, snapshots.append, alarms=alarms)
    await client.connect()
    poller.start()
    try:
        rig = Rig(client, poller, alarms, snapshots)
        times = [await _time_to_first_good(rig, sim, down_s) for down_s in (1.5, 3.4, 5.0)]
    finally:
        await poller.stop()
        await client.close()
        await sim.stop()
    assert max(times) <= 2.0, times


def test_priorities_come_from_the_configuration(settings: Settings) -> None:
    """Nothing in core/modbus decides how urgent a lost link is: analysis.alarms.priorities does."""
    settings.analysis.alarms.priorities.update({"modbus.link_lost": 4, "modbus.no_data": 3})
    alarms = AlarmManager(policy=AlarmPolicy.from_settings(settings))
    health = DataHealth(settings.modbus, 0.1, alarms)
    health.update_alarms(10.0, socket_up=False, last_error="refused")
    health.observe(11.0, data=False, failed={"2000+40": PlcExceptionResponse("Modbus exception 4 (x)", 4)},
                   bad_registers={})
    health.update_alarms(11.0 + settings.modbus.data_alarm_delay_s, socket_up=True, last_error="")
    lost, no_data = alarms.get(ALARM_LINK_LOST), alarms.get(ALARM_NO_DATA)
    assert lost is not None and lost.priority is Priority.LOW
    assert no_data is not None and no_data.condition and no_data.priority is Priority.MEDIUM


def test_alarm_texts_do_not_churn_while_the_fault_stays_the_same(settings: Settings) -> None:
    """A silent PLC gives timeouts and pending retries in turn: one raise, no text rewrites."""
    alarms = AlarmManager()
    actions: list[str] = []
    alarms.subscribe(lambda transition: actions.append(f"{transition.alarm.key}:{transition.action}"))
    health = DataHealth(settings.modbus, 0.1, alarms)
    for step in range(100):
        exc: PlcError = PlcTimeout("no answer within 1 s") if step % 2 else PlcRetryPending("waiting to retry")
        now = 100.0 + step * 0.1
        health.observe(now, data=False, failed={"2000+68": exc, "2100+7": exc}, bad_registers={})
        health.update_alarms(now, socket_up=True, last_error=str(exc))
    assert actions == [f"{ALARM_NO_DATA}:raise"]


async def test_link_down_for_many_cycles_is_one_alarm_update(
    sim: SimulatorServer, quick: Settings, register_map: RegisterMap
) -> None:
    # The catalogue's text is not the poller's wording: comparing the two re-sent the update each poll.
    units = {register.name: register.unit for register in register_map}
    async with running_rig(quick, register_map, sim.port) as rig:
        rig.alarms.policy = AlarmPolicy.from_settings(quick, units)
        updates: list[tuple[bool, object]] = []
        original = rig.alarms.update

        def counting(key: str, active: bool, *args: object, **kwargs: object) -> None:
            if key == ALARM_LINK_LOST:
                updates.append((active, args[0]))
            original(key, active, *args, **kwargs)  # type: ignore[arg-type]

        rig.alarms.update = counting  # type: ignore[method-assign]
        await rig.next_snapshots(2, Quality.GOOD)
        await sim.stop()
        await wait_until(lambda: rig.alarms.is_active(ALARM_LINK_LOST), "link-lost alarm")
        alarm = rig.alarms.get(ALARM_LINK_LOST)
        assert alarm is not None and alarm.text != alarm.detail  # the catalogue's words, our detail
        await wait_until(lambda: "cannot connect" in getattr(rig.alarms.get(ALARM_LINK_LOST), "detail", ""),
                         "the reconnect's wording")  # "connection closed" first: a new detail is news
        updates.clear()
        polls = rig.poller.health().polls
        await wait_until(lambda: rig.poller.health().polls >= polls + 20, "20 cycles with the link down")
        assert updates == [], len(updates)  # was one update per cycle
