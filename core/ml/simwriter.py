"""The real Writer in front of the in-process simulator: the evaluation's ML writes pass the same
checks (fresh PLC value, per-register write rate, limits, step per second, read-back) as on a
saw, in simulated time.

:class:`SimRegisterClient` is the in-process PLC behind the Writer's ``RegisterClient``
protocol: registers encoded and decoded through the register map exactly as the simulator's
Modbus server does, without a socket. :class:`SimClock` is the simulator's time.
"""

from __future__ import annotations

from collections.abc import Sequence

from core.config import Settings
from core.ml.simenv import SimSaw
from core.modbus.errors import PlcExceptionResponse
from core.modbus.writer import Writer
from core.registers import Register, RegisterMap
from core.sim.image import RegisterImage

ILLEGAL_ADDRESS, ILLEGAL_VALUE = 2, 3  # Modbus exception codes, as the simulator's server answers


class SimClock:
    """The simulator's clock for the Writer (monotonic and wall are both simulated seconds)."""

    def __init__(self, saw: SimSaw) -> None:
        self._saw = saw

    def monotonic(self) -> float:
        return self._saw.time

    def wall(self) -> float:
        return self._saw.time

    async def sleep_until(self, deadline: float) -> None:  # the Writer's heartbeat is not started
        raise RuntimeError("simulated time does not sleep")


class SimRegisterClient:
    """Holding registers of the in-process PLC, as the Modbus server would serve them."""

    def __init__(self, saw: SimSaw, register_map: RegisterMap) -> None:
        self._saw = saw
        self._image = RegisterImage(register_map)
        self._by_address: dict[int, Register] = {reg.address: reg for reg in register_map}

    @property
    def link_up(self) -> bool:
        return True

    async def read_holding(self, address: int, count: int) -> list[int]:
        self._image.refresh(self._saw.plc.values(), {})
        if not self._image.contains(address, count):
            raise PlcExceptionResponse(f"read {address}+{count} outside the register image", ILLEGAL_ADDRESS)
        return self._image.read(address, count)

    async def write_registers(self, address: int, words: Sequence[int]) -> None:
        reg = self._by_address.get(address)
        if reg is None or not reg.writable or len(words) != reg.count:
            raise PlcExceptionResponse(f"illegal address {address}", ILLEGAL_ADDRESS)
        value = reg.decode(list(words))
        if reg.min is not None and reg.max is not None and not reg.min <= value <= reg.max:
            raise PlcExceptionResponse(f"illegal value {value:g} for {reg.name}", ILLEGAL_VALUE)
        self._saw.plc.set_value(reg.name, value)


def sim_writer(settings: Settings, register_map: RegisterMap, saw: SimSaw) -> Writer:
    """A Writer on ``saw``: the latest snapshot is the saw's last poll."""
    return Writer(settings, register_map, SimRegisterClient(saw, register_map), lambda: saw.snapshot,
                  clock=SimClock(saw))
