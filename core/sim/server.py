"""The simulated PLC on Modbus TCP: the physics behind a pymodbus server, with fault injection.

pymodbus 3.16's public hooks carry everything: a ``SimDevice`` whose ``action`` runs on every
request (reads copy the register image in, writes go to the physics, injected delays and
exception codes are applied there) and ``trace_packet``, which swallows responses while the
injector says "silent". Only dropping connections touches the server's connection table
(:mod:`core.sim.pymodbus_glue`).
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
import signal
from types import TracebackType

from pymodbus.constants import ExcCodes
from pymodbus.server import ModbusTcpServer
from pymodbus.simulator import DataType, SimData, SimDevice

from core.registers import RegisterMap
from core.sim.faults import FaultInjector
from core.sim.image import RegisterImage
from core.sim.physics import SawPlc
from core.sim.pymodbus_glue import close_client_connections, listening_port

log = logging.getLogger("core.sim")

HEARTBEAT_TIMEOUT_S = 5.0  # wall seconds, scaled into simulated time by the speedup
MAX_CATCH_UP_S = 1.0  # wall seconds of physics done at once after the loop was stalled


class SimulatorServer:
    """Serve a :class:`SawPlc` over Modbus TCP; ``plc``, ``faults`` and ``image`` are public."""

    def __init__(
        self,
        register_map: RegisterMap,
        *,
        host: str = "127.0.0.1",
        port: int = 0,
        seed: int = 1,
        speedup: float = 1.0,
        physics_hz: float = 20.0,
        current_polynomial: tuple[float, float, float] = (0.015, -0.278, 15.656),
        device_id: int = 1,
    ) -> None:
        if not speedup > 0:
            raise ValueError(f"speedup must be positive, got {speedup}")
        self.register_map = register_map
        self.host, self.port = host, port
        self.speedup = speedup
        self.physics_hz = physics_hz
        self.device_id = device_id
        self.plc = SawPlc(
            seed=seed,
            physics_hz=physics_hz,
            current_polynomial=current_polynomial,
            heartbeat_timeout_s=HEARTBEAT_TIMEOUT_S * speedup,
        )
        self.faults = FaultInjector(register_map)
        self.image = RegisterImage(register_map)
        self.requests = 0  # answered or not, for tests and status
        self.paused = False  # True holds simulated time (the register image stays still)
        self.physics_errors = 0
        self._server: ModbusTcpServer | None = None
        self._physics: asyncio.Task[None] | None = None
        self._in_flight: set[asyncio.Task[object]] = set()
        self._by_address = {reg.address: reg for reg in register_map}
        self._refresh()

    # --- lifecycle ----------------------------------------------------------------------

    async def start(self) -> None:
        if self._server is not None:
            raise RuntimeError("simulator already started")
        device = SimDevice(
            id=self.device_id,
            simdata=[SimData(self.image.start, count=self.image.count, values=0, datatype=DataType.REGISTERS)],
            action=self._action,
        )
        server = ModbusTcpServer(device, address=(self.host, self.port), trace_packet=self._trace_packet)
        try:
            await server.serve_forever(background=True)
        except RuntimeError:
            await server.shutdown()
            raise OSError(
                f"simulated PLC cannot listen on {self.host}:{self.port} (in use, or not a local address)"
            ) from None
        self._server = server
        self.port = listening_port(server)
        self.faults.set_drop_hook(lambda: close_client_connections(server))
        self._physics = asyncio.create_task(self._run_physics(), name="sim-physics")
        log.info("simulated PLC on %s:%d (speedup %g)", self.host, self.port, self.speedup)

    async def stop(self) -> None:
        """Close the server, its connections and the physics; start() again rebinds the same port."""
        self.faults.set_drop_hook(None)
        tasks = [t for t in (self._physics, *self._in_flight) if t is not None and not t.done()]
        for task in tasks:
            task.cancel()
        await asyncio.gather(*tasks, return_exceptions=True)
        self._physics = None
        self._in_flight.clear()
        if self._server is not None:
            server, self._server = self._server, None
            await server.shutdown()
            await asyncio.sleep(0)  # let the transports finish closing

    async def __aenter__(self) -> SimulatorServer:
        await self.start()
        return self

    async def __aexit__(
        self, exc_type: type[BaseException] | None, exc: BaseException | None, tb: TracebackType | None
    ) -> None:
        await self.stop()

    @property
    def in_flight(self) -> int:
        """Requests being handled now (held by an injected delay, typically)."""
        return len(self._in_flight)

    @property
    def running(self) -> bool:
        return self._server is not None

    # --- physics ------------------------------------------------------------------------

    async def _run_physics(self) -> None:
        loop = asyncio.get_running_loop()
        period = 1.0 / self.physics_hz
        last = loop.time()
        while True:
            await asyncio.sleep(period)
            now = loop.time()
            wall, last = min(now - last, MAX_CATCH_UP_S), now
            try:
                if not self.paused:
                    self.plc.step(wall * self.speedup)
                self._refresh()
            except Exception:  # a model bug must not freeze the image silently: log, go on
                self.physics_errors += 1
                if self.physics_errors == 1:
                    log.exception("simulated PLC physics step failed")

    def _refresh(self) -> None:
        self.image.refresh(self.plc.values(), self.faults.overrides)

    # --- requests -----------------------------------------------------------------------

    def _trace_packet(self, sending: bool, data: bytes) -> bytes:
        # An empty frame is a no-op write: the request goes unanswered.
        return b"" if sending and self.faults.silent else data

    async def _action(  # noqa: PLR0917 - the positional signature of pymodbus's SimAction
        self,
        function_code: int,
        start_address: int,
        address: int,
        count: int,
        registers: list[int],
        set_values: list[int] | list[bool] | None,
    ) -> ExcCodes | None:
        task = asyncio.current_task()
        if task is not None:
            self._in_flight.add(task)
        try:
            result = await self._handle(address, count, set_values)
            if isinstance(result, list):  # a read: answer from the register image
                offset = address - start_address
                registers[offset : offset + count] = result
                return None
            return result
        finally:
            if task is not None:
                self._in_flight.discard(task)

    async def _handle(
        self, address: int, count: int, set_values: list[int] | list[bool] | None
    ) -> ExcCodes | list[int] | None:
        """Answer one request: an exception code, the words read, or None for a good write."""
        self.requests += 1
        await self._injected_delay()
        if set_values is not None and self.faults.silent:
            return ExcCodes.DEVICE_BUSY  # not applied; the answer is swallowed anyway
        code = self.faults.current_exception
        if code is not None:
            return code
        if set_values is not None:
            return self._write(address, [int(v) for v in set_values])
        return self.image.read(address, count)

    async def _injected_delay(self) -> None:
        """Hold the answer for the injected delay; clearing the delay releases it early."""
        loop = asyncio.get_running_loop()
        started = loop.time()
        while True:
            left = started + self.faults.current_delay - loop.time()
            if left <= 0:
                return
            await asyncio.sleep(min(left, 0.05))

    def _write(self, address: int, words: list[int]) -> ExcCodes | None:
        """Apply a client write to the physics; refuse read-only, unmapped and out-of-range."""
        updates = []
        position = address
        while position < address + len(words):
            reg = self._by_address.get(position)
            if reg is None or not reg.writable or position + reg.count > address + len(words):
                log.info("write refused: %d is not a writable register", position)
                return ExcCodes.ILLEGAL_ADDRESS
            chunk = words[position - address : position - address + reg.count]
            value = reg.decode(chunk)
            assert reg.min is not None and reg.max is not None  # the loader requires them on rw
            if not reg.min <= value <= reg.max:
                log.info("write refused: %s = %g outside %g..%g", reg.name, value, reg.min, reg.max)
                return ExcCodes.ILLEGAL_VALUE
            updates.append((reg, value))
            position += reg.count
        for reg, value in updates:
            try:
                self.plc.set_value(reg.name, value)
            except KeyError:
                return ExcCodes.ILLEGAL_ADDRESS
        self._refresh()
        return None


async def serve(
    host: str,
    port: int,
    seed: int,
    speedup: float,
    register_map: RegisterMap,
    *,
    physics_hz: float = 20.0,
    current_polynomial: tuple[float, float, float] = (0.015, -0.278, 15.656),
    device_id: int = 1,
) -> None:
    """Run the simulator until SIGINT or SIGTERM (``bandsaw sim``), then stop cleanly.

    Prints one line with the address it listens on (the real port when ``port`` is 0).
    """
    loop = asyncio.get_running_loop()
    stop = asyncio.Event()
    installed = []
    for sig in (signal.SIGINT, signal.SIGTERM):
        with contextlib.suppress(NotImplementedError, RuntimeError):
            loop.add_signal_handler(sig, stop.set)
            installed.append(sig)
    try:
        sim_server = SimulatorServer(
            register_map,
            host=host,
            port=port,
            seed=seed,
            speedup=speedup,
            physics_hz=physics_hz,
            current_polynomial=current_polynomial,
            device_id=device_id,
        )
        async with sim_server as sim:
            print(f"simulated PLC listening on {sim.host}:{sim.port} (seed {seed}, speedup {speedup:g})", flush=True)
            await stop.wait()
    finally:
        for sig in installed:
            loop.remove_signal_handler(sig)
