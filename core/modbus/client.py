"""One Modbus TCP connection to the PLC, shared by the poller, the writer and the heartbeat.

Every request goes through one ``asyncio.Lock``: the PLC sees one request at a time, in order.
Failures come back as the typed errors of :mod:`core.modbus.errors`, never as pymodbus
exceptions. The link policy, from ``settings.modbus``:

- A request that gets no answer counts as a failure. Up to ``retries`` further attempts are
  allowed, spaced by ``retry_delay_s``; a request inside that delay fails at once with
  :class:`PlcRetryPending` (the poll loop keeps its rate and reports the gap, nothing hangs).
- After ``retries`` failed retries, or at once when the socket is refused or dropped, the link
  is declared lost: the connection is closed and a background task reconnects. A refused port
  (the PLC restarting, a cable out) is probed every ``refused_probe_s`` (<= 1 s), so the first
  sample after the PLC is back comes within about a second. Only slow failures back off
  (``retry_delay_s`` doubling up to ``reconnect_backoff_max_s``): a connect that times out, or a
  PLC that accepts the socket and then never answers.
- An answer of any kind (data, Modbus exception, malformed reply) proves the link alive.
- Each episode is logged once when it starts and once when it ends (logger ``bandsaw.modbus``).

pymodbus's own automatic reconnect stays enabled with a sane delay (never ``reconnect_delay=0``),
but the client it belongs to is closed and replaced as soon as a drop is seen, so the policy
above is the one in force.
"""

from __future__ import annotations

import asyncio
import functools
import logging
from collections.abc import Awaitable, Callable, Sequence

from pymodbus.client import AsyncModbusTcpClient
from pymodbus.constants import ExcCodes
from pymodbus.exceptions import ConnectionException, ModbusException, ModbusIOException
from pymodbus.pdu import ModbusPDU

from core.config import ModbusSettings
from core.modbus.clock import SYSTEM_CLOCK, Clock
from core.modbus.errors import (
    PlcBadResponse,
    PlcDisconnected,
    PlcExceptionResponse,
    PlcRetryPending,
    PlcTimeout,
)
from core.modbus.logfilter import quiet_library_tracebacks

log = logging.getLogger("bandsaw.modbus")

MAX_READ_COUNT = 125  # Modbus limit for function 0x03
MAX_WRITE_COUNT = 123  # Modbus limit for function 0x10
_MIN_BACKOFF_S = 0.05  # a reconnect loop never spins faster than this
# pymodbus closes the socket itself after this many unanswered requests; our policy decides.
_PYMODBUS_NO_RESPONSE_LIMIT = 1_000_000


def _exception_name(code: int) -> str:
    try:
        return ExcCodes(code).name.lower().replace("_", " ")
    except ValueError:
        return "unknown"


class PlcClient:
    """The PLC connection: ``connect()``, then ``read_holding``/``write_registers``, then ``close()``."""

    def __init__(
        self,
        settings: ModbusSettings,
        *,
        host: str | None = None,
        port: int | None = None,
        clock: Clock = SYSTEM_CLOCK,
    ) -> None:
        quiet_library_tracebacks()
        self.host = host if host is not None else settings.host
        self.port = port if port is not None else settings.port
        self._device_id = settings.device_id
        self._timeout_s = settings.timeout_s
        self._retries = settings.retries
        self._retry_delay_s = settings.retry_delay_s
        self._backoff_max_s = max(settings.reconnect_backoff_max_s, _MIN_BACKOFF_S)
        self._backoff_initial_s = min(max(settings.retry_delay_s, _MIN_BACKOFF_S), self._backoff_max_s)
        self._probe_s = max(min(settings.refused_probe_s, 1.0), _MIN_BACKOFF_S)
        self._answered_since_connect = True  # no silent connect so far
        self._clock = clock
        self._lock = asyncio.Lock()
        self._client: AsyncModbusTcpClient | None = None
        self._generation = 0  # tells callbacks of a replaced pymodbus client apart
        self._connected = False
        self._closed = True
        self._failures = 0  # consecutive unanswered attempts on the live link
        self._retry_at = 0.0
        # The task waiting on the PLC now, and whether we interrupted it because the socket died.
        self._waiter: asyncio.Task[object] | None = None
        self._interrupted = False
        self._reconnect_task: asyncio.Task[None] | None = None
        self._backoff_s = self._backoff_initial_s
        # Set when a link failure was reported; cleared (and reported) by the next answer, not
        # by a mere TCP connect: a PLC that accepts sockets but never answers is still down.
        self._down_since: float | None = None
        self.last_error = ""
        self.connects = 0  # successful connections since construction
        self.link_losses = 0

    # --- state ---------------------------------------------------------------------------

    @property
    def connected(self) -> bool:
        """A socket is open (the PLC may still be failing to answer)."""
        return self._connected

    @property
    def link_up(self) -> bool:
        """Connected and not in a reported failure: what health and alarms show."""
        return self._connected and self._down_since is None

    @property
    def down_since(self) -> float | None:
        """Monotonic time the current link failure was first reported, else None."""
        return self._down_since

    @property
    def address(self) -> str:
        return f"{self.host}:{self.port}"

    # --- lifecycle -----------------------------------------------------------------------

    async def connect(self) -> bool:
        """Open the link; when the PLC is not there, keep trying in the background.

        Returns whether the link is up now. Never raises for an absent PLC.
        """
        self._closed = False
        if self._connected:
            return True
        if await self._attempt_connect():
            return True
        self._report_down(f"not reachable: {self.last_error}")
        self._start_reconnect()
        return False

    async def close(self) -> None:
        """Close the link and stop reconnecting; nothing keeps running afterwards."""
        self._closed = True
        task, self._reconnect_task = self._reconnect_task, None
        if task is not None and not task.done():
            task.cancel()
            await asyncio.gather(task, return_exceptions=True)
        self._interrupt_waiter()
        self._drop_client()
        self._connected = False
        # Let the cancelled pymodbus tasks (its own reconnect) run to their end.
        await asyncio.sleep(0)

    async def __aenter__(self) -> PlcClient:
        await self.connect()
        return self

    async def __aexit__(self, *_exc: object) -> None:
        await self.close()

    # --- requests ------------------------------------------------------------------------

    async def read_holding(self, address: int, count: int) -> list[int]:
        """Read ``count`` holding registers from ``address``; raises a :class:`PlcError`."""
        if not 0 <= address <= 0xFFFF or not 1 <= count <= MAX_READ_COUNT or address + count > 0x10000:
            raise ValueError(f"cannot read {count} registers at {address}")
        response = await self._execute(
            lambda client: client.read_holding_registers(address, count=count, device_id=self._device_id)
        )
        words = list(getattr(response, "registers", None) or [])
        # pymodbus unpacks the reply as unsigned 16-bit words: only the count can be wrong.
        if len(words) != count:
            raise PlcBadResponse(f"read {address}+{count}: the PLC sent {len(words)} registers")
        return words

    async def write_registers(self, address: int, words: Sequence[int]) -> None:
        """Write ``words`` from ``address`` (function 0x10); raises a :class:`PlcError`."""
        values = list(words)
        if not 1 <= len(values) <= MAX_WRITE_COUNT or not 0 <= address <= 0x10000 - len(values):
            raise ValueError(f"cannot write {len(values)} registers at {address}")
        if not all(isinstance(word, int) and 0 <= word <= 0xFFFF for word in values):
            raise ValueError(f"write {address}: {values} are not all 16-bit register values")
        await self._execute(
            lambda client: client.write_registers(address, values, device_id=self._device_id)
        )

    async def _execute(self, call: Callable[[AsyncModbusTcpClient], Awaitable[ModbusPDU]]) -> ModbusPDU:
        async with self._lock:
            client = self._client
            if self._closed:
                raise PlcDisconnected("the PLC client is closed")
            if client is None or not self._connected:
                raise PlcDisconnected(self.last_error or "not connected")
            if self._failures and self._clock.monotonic() < self._retry_at:
                raise PlcRetryPending(f"waiting to retry after: {self.last_error}")
            try:
                response = await self._send(client, call)
            except PlcTimeout as exc:
                self._unanswered(str(exc))
                raise
            except PlcDisconnected as exc:
                self._mark_lost(str(exc))
                raise
            self._answered()
            if response.isError():
                code = int(getattr(response, "exception_code", 0))
                raise PlcExceptionResponse(f"Modbus exception {code} ({_exception_name(code)})", code)
            return response

    async def _send(
        self, client: AsyncModbusTcpClient, call: Callable[[AsyncModbusTcpClient], Awaitable[ModbusPDU]]
    ) -> ModbusPDU:
        task = asyncio.current_task()
        self._waiter, self._interrupted = task, False
        try:
            response = await call(client)
        except asyncio.CancelledError:
            # A dropped socket interrupts the wait (see _interrupt_waiter): pymodbus would
            # otherwise wait out the whole timeout for an answer that cannot come.
            if self._interrupted and task is not None and task.uncancel() == 0:
                raise PlcDisconnected("connection dropped during a request") from None
            raise
        except ConnectionException as exc:
            raise PlcDisconnected(f"connection lost: {_short(exc)}") from None
        except ModbusIOException as exc:
            if "no response" in str(exc).lower():
                raise PlcTimeout(f"no answer within {self._timeout_s:g} s") from None
            raise PlcBadResponse(f"malformed answer: {_short(exc)}") from None
        except ModbusException as exc:
            raise PlcBadResponse(f"malformed answer: {_short(exc)}") from None
        except TimeoutError:
            raise PlcTimeout(f"no answer within {self._timeout_s:g} s") from None
        except OSError as exc:
            raise PlcDisconnected(f"socket error: {exc.strerror or exc}") from None
        finally:
            self._waiter = None
        # Python 3.11's asyncio.wait_for (inside pymodbus) drops a cancellation that arrives with
        # the answer. Ours (the socket died meanwhile) is withdrawn: the answer is good. Anyone
        # else's is honoured here, or the caller could never be stopped.
        if task is not None and task.cancelling() and not (self._interrupted and task.uncancel() == 0):
            raise asyncio.CancelledError
        return response

    def _interrupt_waiter(self) -> None:
        waiter = self._waiter
        if waiter is not None and not waiter.done() and not self._interrupted:
            self._interrupted = True
            waiter.cancel()

    # --- link policy ---------------------------------------------------------------------

    def _answered(self) -> None:
        if self._down_since is not None:
            log.info("PLC link %s restored after %.1f s", self.address, self._clock.monotonic() - self._down_since)
            self._down_since = None
        elif self._failures:
            log.info("PLC %s answering again after %d failed attempt(s)", self.address, self._failures)
        self._failures = 0
        self._backoff_s = self._backoff_initial_s
        self._answered_since_connect = True

    def _report_down(self, reason: str) -> None:
        if self._down_since is None:
            self._down_since = self._clock.monotonic()
            log.error("PLC link %s down: %s; reconnecting (a refused port every %g s, timeouts backing off "
                      "up to %g s)", self.address, reason, self._probe_s, self._backoff_max_s)
        else:
            log.debug("PLC link %s still down: %s", self.address, reason)

    def _unanswered(self, reason: str) -> None:
        self._failures += 1
        self.last_error = reason
        if self._failures > self._retries:
            self._mark_lost(f"{reason} ({self._failures} attempts)")
            return
        self._retry_at = self._clock.monotonic() + self._retry_delay_s
        if self._failures == 1 and self._down_since is None:
            log.warning(
                "PLC %s: %s; retrying up to %d time(s), %.2g s apart",
                self.address, reason, self._retries, self._retry_delay_s,
            )

    def _mark_lost(self, reason: str) -> None:
        self.last_error = reason
        self._interrupt_waiter()
        self._drop_client()
        if not self._connected:
            return
        self._connected = False
        self._failures = 0
        self.link_losses += 1
        self._report_down(f"lost: {reason}")
        self._start_reconnect()

    def _on_transport(self, generation: int, up: bool) -> None:
        """pymodbus's connect/disconnect callback; a drop ends the link at once."""
        if generation == self._generation and not up and self._connected:
            self._mark_lost("connection closed by the PLC")

    def _drop_client(self) -> None:
        client, self._client = self._client, None
        if client is not None:
            self._generation += 1
            client.close()  # also cancels pymodbus's own reconnect task

    def _start_reconnect(self) -> None:
        if self._closed or (self._reconnect_task is not None and not self._reconnect_task.done()):
            return
        self._reconnect_task = asyncio.create_task(self._reconnect_loop(), name="bandsaw.modbus.reconnect")

    def _slow_delay(self) -> float:
        delay = self._backoff_s
        self._backoff_s = min(self._backoff_s * 2, self._backoff_max_s)
        return delay

    async def _reconnect_loop(self) -> None:
        # The backoff only resets when the PLC answers: a PLC that accepts the socket and then
        # stays silent is retried ever more slowly, up to the cap. A refused port is cheap to
        # probe and is what a restarting PLC shows: probed at a fixed short interval.
        delay = self._probe_s if self._answered_since_connect else self._slow_delay()
        while not self._closed:
            await asyncio.sleep(delay)
            started = self._clock.monotonic()
            try:
                if await self._attempt_connect():
                    return
            except Exception:  # a bug must not end reconnection for good
                log.exception("PLC %s: reconnect attempt failed unexpectedly", self.address)
            fast = self._clock.monotonic() - started < min(self._timeout_s / 2, 0.5)
            delay = self._probe_s if fast else self._slow_delay()
            log.debug("PLC %s: reconnect failed (%s): %s", self.address, "refused" if fast else "slow",
                      self.last_error)

    async def _attempt_connect(self) -> bool:
        self._generation += 1
        generation = self._generation
        client = AsyncModbusTcpClient(
            self.host,
            port=self.port,
            name="bandsaw-plc",
            timeout=self._timeout_s,
            retries=0,  # retries are ours (see the module docstring)
            reconnect_delay=self._backoff_initial_s,
            reconnect_delay_max=self._backoff_max_s,
            trace_connect=functools.partial(self._on_transport, generation),
        )
        client.set_max_no_responses(_PYMODBUS_NO_RESPONSE_LIMIT)
        error = f"refused or no answer within {self._timeout_s:g} s"
        try:
            ok = await client.connect()
        except (OSError, ModbusException) as exc:
            ok, error = False, _short(exc)
        if not ok or not client.connected or self._closed or generation != self._generation:
            client.close()
            self.last_error = f"cannot connect to {self.address}: {error}"
            return False
        self._client = client
        self._connected = True
        self._failures = 0
        self._answered_since_connect = False
        self.connects += 1
        log.debug("PLC %s: connected", self.address)
        return True


def _short(exc: BaseException) -> str:
    text = str(exc).strip() or type(exc).__name__
    line = text.splitlines()[0]
    return line if len(line) <= 160 else line[:157] + "..."

