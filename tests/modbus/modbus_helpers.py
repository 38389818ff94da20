"""Helpers for acquisition tests: servers on free loopback ports, settings, waiting, a fake clock.

``MiniPlc`` is a plain pymodbus server holding the register map's addresses, for the protocol
faults the simulator does not model (short replies, one block refused while others answer).
"""

from __future__ import annotations

import asyncio
from collections.abc import Callable
from typing import Any

from pymodbus.constants import ExcCodes
from pymodbus.pdu import ModbusPDU
from pymodbus.server import ModbusTcpServer
from pymodbus.simulator import DataType, SimData, SimDevice

from core.config import ModbusSettings, Settings
from core.registers import RegisterMap
from core.sim.server import SimulatorServer


def image_value(sim: SimulatorServer, name: str) -> float:
    """What the simulated PLC serves for register ``name`` right now (decoded from its words)."""
    reg = sim.register_map[name]
    return reg.decode(sim.image.read(reg.address, reg.count))


class MiniPlc:
    """Holding registers for every address of the map, served over Modbus TCP.

    Faults: ``silent`` (no answer at all), ``delay_s`` (answer late), ``exception_code`` (answer
    every request, or those covering ``exception_address``, with that Modbus exception),
    ``refuse_writes`` (an exception code for writes only), ``short_reply`` (one register too
    few), :meth:`drop_connections`.
    """

    def __init__(self, register_map: RegisterMap, port: int = 0) -> None:
        self.register_map = register_map
        self.start_address = min(reg.address for reg in register_map)
        self.end_address = max(reg.end for reg in register_map)
        self.words = [0] * (self.end_address - self.start_address)
        self.port = port
        self.silent = False
        self.delay_s = 0.0
        self.exception_code: int | None = None
        self.exception_address: int | None = None  # None: every request; else only those covering it
        self.refuse_writes: int | None = None  # answer writes (only) with this exception code
        self.short_reply = False
        self.requests = 0
        self.writes: list[tuple[int, list[int]]] = []
        self._server: ModbusTcpServer | None = None

    # --- values --------------------------------------------------------------------------

    def set_value(self, name: str, value: float) -> None:
        reg = self.register_map[name]
        self.set_words(reg.address, reg.encode(value))

    def set_words(self, address: int, words: list[int]) -> None:
        offset = address - self.start_address
        self.words[offset : offset + len(words)] = words

    def value(self, name: str) -> float:
        reg = self.register_map[name]
        offset = reg.address - self.start_address
        return reg.decode(self.words[offset : offset + reg.count])

    # --- server --------------------------------------------------------------------------

    async def start(self) -> None:
        device = SimDevice(
            id=0,
            simdata=[SimData(self.start_address, count=len(self.words), values=0, datatype=DataType.REGISTERS)],
            action=self._action,
        )
        self._server = ModbusTcpServer(
            device, address=("127.0.0.1", self.port), trace_packet=self._trace_packet, trace_pdu=self._trace_pdu
        )
        await self._server.serve_forever(background=True)
        sockets = getattr(self._server.transport, "sockets", None)
        assert sockets, "server did not open a socket"
        self.port = sockets[0].getsockname()[1]

    async def stop(self) -> None:
        server, self._server = self._server, None
        if server is not None:
            self.drop_connections()
            await server.shutdown()
            await asyncio.sleep(0)

    def drop_connections(self) -> None:
        if self._server is None:
            return
        for handler in list(self._server.active_connections.values()):
            transport = handler.transport
            if isinstance(transport, asyncio.Transport):
                transport.abort()  # a reset, as when the PLC or a switch goes away

    @property
    def running(self) -> bool:
        return self._server is not None

    async def _action(
        self,
        function_code: int,
        start_address: int,
        address: int,
        count: int,
        current: list[int],
        set_values: Any,
    ) -> ExcCodes | None:
        self.requests += 1
        if self.delay_s:
            await asyncio.sleep(self.delay_s)
        if self.exception_code is not None and (
            self.exception_address is None or address <= self.exception_address < address + count
        ):
            return ExcCodes(self.exception_code)
        offset = address - start_address
        if set_values is not None and self.refuse_writes is not None:
            return ExcCodes(self.refuse_writes)
        if set_values is not None:
            values = [int(v) for v in set_values]
            self.writes.append((address, values))
            self.words[offset : offset + len(values)] = values
        else:
            current[offset : offset + count] = self.words[offset : offset + count]
        return None

    def _trace_packet(self, sending: bool, data: bytes) -> bytes:
        return b"" if sending and self.silent else data

    def _trace_pdu(self, sending: bool, pdu: ModbusPDU) -> ModbusPDU:
        if sending and self.short_reply and len(pdu.registers) > 1:
            pdu.registers = list(pdu.registers)[:-1]
        return pdu


def fast_modbus(settings: Settings, port: int, **changes: Any) -> ModbusSettings:
    """Modbus settings for tests: loopback, short timeouts and backoff."""
    values: dict[str, Any] = {
        "host": "127.0.0.1",
        "port": port,
        "timeout_s": 0.3,
        "retries": 1,
        "retry_delay_s": 0.05,
        "reconnect_backoff_max_s": 0.3,
        "read_rate_hz": 20.0,
        "rate_alarm_floor_hz": 5.0,
        "rate_alarm_delay_s": 0.5,
        "write_rate_hz": 50.0,
        "heartbeat_period_s": 0.1,
    }
    values.update(changes)
    return ModbusSettings.model_validate({**settings.modbus.model_dump(), **values})


class FakeClock:
    """Monotonic and wall time that move only when told: sleeping jumps to the deadline."""

    def __init__(self, start: float = 1000.0, wall_offset: float = 1_700_000_000.0) -> None:
        self.now = start
        self.wall_offset = wall_offset
        self.sleeps: list[float] = []

    def monotonic(self) -> float:
        return self.now

    def wall(self) -> float:
        return self.now + self.wall_offset

    def advance(self, seconds: float) -> None:
        self.now += seconds

    async def sleep_until(self, deadline: float) -> None:
        self.sleeps.append(deadline)
        self.now = max(self.now, deadline)
        await asyncio.sleep(0)


async def spin_until(condition: Callable[[], bool], max_turns: int = 2_000_000) -> None:
    """Turn the event loop until ``condition()`` holds (for fake-clock tests: no real waiting)."""
    for _ in range(max_turns):
        if condition():
            return
        await asyncio.sleep(0)
    raise AssertionError(f"condition not met after {max_turns} loop turns")

