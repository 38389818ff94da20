"""The poll loop: read the planned blocks on monotonic deadlines and hand out Snapshots.

One cycle reads every block of ``register_map.plan(max_block_gap)`` through the shared
:class:`~core.modbus.client.PlcClient` and produces one :class:`~core.snapshot.Snapshot`:

- ``ts_ms`` is the wall clock when the reads started, ``monotonic`` the time they completed and
  ``read_s`` the time between (``read_started``): the data is as old as its reads' start, so
  freshness counts from there (a 2.5 s read is stale however recently it completed); recording
  and trends use ``ts_ms``; ``monotonic`` orders polls and measures the poll rate;
- a block that failed gives None for its registers (STALE); nothing read gives COMM_ERROR;
  a value is never carried over from an earlier cycle;
- a float register holding NaN/inf decodes to None and marks the snapshot STALE.

The snapshot goes to a plain callable given by the engine; the loop never awaits a consumer.
Link health (:mod:`core.modbus.health`): "up" and the rate count only cycles that returned data;
exception answers, missing registers and "connected but no data" each have their own alarm.
Slots are ``start + k * period`` on the monotonic clock; a cycle that runs past the next slot
skips the slots it overran (counted as overruns) rather than firing a burst to catch up.
"""

from __future__ import annotations

import asyncio
import logging
import math
from collections import deque
from collections.abc import Callable
from dataclasses import dataclass
from typing import Protocol

from core.analysis.alarms import AlarmManager, Priority
from core.config import Settings
from core.modbus.clock import SYSTEM_CLOCK, Clock, DeadlineSchedule
from core.modbus.decode import BlockDecoder
from core.modbus.errors import PlcBadResponse, PlcError, PlcExceptionResponse
from core.modbus.health import ALARM_LINK_LOST, DataHealth
from core.modbus.stats import RateWindow, RatioWindow, percentiles
from core.registers import Block, RegisterMap
from core.snapshot import Quality, Snapshot
from core.supervise import OnceLog, supervise
from core.values import LinkHealth

log = logging.getLogger("bandsaw.modbus")

SnapshotCallback = Callable[[Snapshot], None]
__all__ = ["ALARM_LINK_LOST", "ALARM_RATE_LOW", "BlockReader", "JitterStats", "Poller"]
ALARM_RATE_LOW = "modbus.rate_low"
_CYCLE_HISTORY = 1000  # cycles kept for the cycle-time percentiles
_LATENESS_HISTORY = 20_000  # cycle start vs deadline, for jitter figures


class BlockReader(Protocol):
    """What the poller needs of the PLC client."""

    @property
    def link_up(self) -> bool: ...

    @property
    def last_error(self) -> str: ...

    async def read_holding(self, address: int, count: int) -> list[int]: ...


@dataclass(frozen=True, slots=True)
class _PlannedBlock:
    block: Block
    decoder: BlockDecoder

    @property
    def label(self) -> str:
        return f"{self.block.address}+{self.block.count}"


@dataclass(frozen=True, slots=True)
class JitterStats:
    """Cycle start minus its deadline, for benchmarks and diagnostics."""

    cycles: int
    overruns: int
    lateness_p50_ms: float
    lateness_p99_ms: float
    lateness_max_ms: float


class Poller:
    """Reads the PLC every period; ``run()`` is the loop, ``start()``/``stop()`` own it as a task."""

    def __init__(
        self,
        settings: Settings,
        register_map: RegisterMap,
        client: BlockReader,
        on_snapshot: SnapshotCallback,
        *,
        alarms: AlarmManager | None = None,
        clock: Clock = SYSTEM_CLOCK,
        rate_hz: float | None = None,
        health_window_s: float = 10.0,
    ) -> None:
        modbus = settings.modbus
        self.rate_hz = rate_hz if rate_hz is not None else modbus.read_rate_hz
        if not self.rate_hz > 0 or not math.isfinite(self.rate_hz):
            raise ValueError(f"rate_hz must be a positive number, got {self.rate_hz!r}")
        self.period = 1.0 / self.rate_hz
        self._client = client
        self._on_snapshot = on_snapshot
        self._alarms = alarms
        self._clock = clock
        self._floor_hz = modbus.rate_alarm_floor_hz
        self._floor_delay_s = modbus.rate_alarm_delay_s
        self._plan = tuple(
            _PlannedBlock(block, BlockDecoder(block)) for block in register_map.plan(modbus.max_block_gap)
        )
        self._empty: dict[str, float | None] = dict.fromkeys(register_map.names)
        self._task: asyncio.Task[None] | None = None
        self._latest: Snapshot | None = None
        self._seq = 0
        # health
        self._rate = RateWindow(health_window_s)
        self._errors = RatioWindow(health_window_s)
        self._cycle_ms: deque[float] = deque(maxlen=_CYCLE_HISTORY)
        self._lateness_ms: deque[float] = deque(maxlen=_LATENESS_HISTORY)
        self._overruns = 0
        self._last_good_ms: int | None = None
        self._last_error = ""
        # alarm and log state: report changes, not every cycle
        self._data = DataHealth(modbus, self.period, alarms, window_s=health_window_s)
        self._cycle_failed: dict[str, PlcError] = {}
        self._cycle_bad: dict[str, str] = {}
        self._rate_alarm = False
        self._rate_low_since: float | None = None
        self._failing_blocks: dict[str, str] = {}
        self._bad_registers: set[str] = set()
        self._consumer_failing = False
        self._cycle_failing = False
        self._survived = OnceLog("poller", alarms, source="modbus")  # an alarm update that raised
        self._died = ""  # the poll task ended by an exception (supervised): the link is shown down

    @property
    def task(self) -> asyncio.Task[None] | None:
        return self._task

    # --- lifecycle -----------------------------------------------------------------------

    def start(self) -> None:
        """Run the loop as a task of the running event loop."""
        if self._task is None or self._task.done():
            self._died = ""
            self._task = supervise(asyncio.create_task(self.run(), name="bandsaw.modbus.poller"), "poller",
                                   self._alarms, on_failed=self._on_died)

    def _on_died(self, exc: BaseException) -> None:
        self._died = f"poll loop stopped: {type(exc).__name__}: {exc}"

    async def stop(self) -> None:
        task, self._task = self._task, None
        if task is not None and not task.done():
            task.cancel()
            await asyncio.gather(task, return_exceptions=True)

    @property
    def running(self) -> bool:
        return self._task is not None and not self._task.done()

    async def run(self) -> None:
        """Poll until cancelled."""
        schedule = DeadlineSchedule(self.period, self._clock.monotonic())
        while True:
            await self._clock.sleep_until(schedule.deadline)
            started = self._clock.monotonic()
            self._lateness_ms.append((started - schedule.deadline) * 1000.0)
            self._rate.add(started)
            try:
                snapshot = await self.poll_once()
            except Exception:  # a bug here must not end acquisition: say so once, keep the schedule
                if not self._cycle_failing:
                    log.exception("poll cycle failed; acquisition continues")
                self._cycle_failing = True
                self._last_error = "internal error in the poll cycle (see log)"
            else:
                self._cycle_failing = False
                self._publish(snapshot)
            now = self._clock.monotonic()
            self._cycle_ms.append((now - started) * 1000.0)
            try:
                self._update_alarms(now)
            except Exception as exc:  # an alarm listener or a text must not end acquisition
                self._survived("alarm update", exc)
            self._overruns += schedule.advance(now)

    # --- one cycle -----------------------------------------------------------------------

    async def poll_once(self) -> Snapshot:
        """Read every block once and build the snapshot (does not publish it)."""
        clock = self._clock
        started = clock.monotonic()
        ts_ms = int(clock.wall() * 1000)
        values = dict(self._empty)
        raw: dict[str, int | float | None] = dict(self._empty)
        read = 0
        complete = True
        self._cycle_failed, self._cycle_bad = {}, {}
        for planned in self._plan:
            try:
                words = await self._client.read_holding(planned.block.address, planned.block.count)
            except PlcError as exc:
                self._block_failed(planned, exc)
                self._cycle_failed[planned.label] = exc
                continue
            read += 1
            if self._failing_blocks:
                self._block_recovered(planned)
            complete = self._decode(planned, words, values, raw) and complete
        completed = clock.monotonic()
        failed = len(self._plan) - read
        self._errors.add(completed, failed, len(self._plan))
        self._data.observe(completed, data=read > 0, failed=self._cycle_failed, bad_registers=self._cycle_bad)
        if read == 0:
            quality = Quality.COMM_ERROR
        elif failed or not complete:
            quality = Quality.STALE
        else:
            quality = Quality.GOOD
            self._last_good_ms = ts_ms
        self._seq += 1
        return Snapshot(self._seq, ts_ms, completed, values, raw, quality, read_s=completed - started)

    def _decode(
        self,
        planned: _PlannedBlock,
        words: list[int],
        values: dict[str, float | None],
        raw: dict[str, int | float | None],
    ) -> bool:
        """Fill in one block's registers; False when a value could not be taken (NaN, inf)."""
        bad = planned.decoder.decode_into(words, values, raw)
        if self._bad_registers:
            for name in planned.decoder.names:
                if name in self._bad_registers and name not in bad:
                    self._bad_registers.discard(name)
                    log.info("register %s holds a number again", name)
        for name in bad:
            self._cycle_bad[name] = "no finite number"
            if name not in self._bad_registers:
                self._bad_registers.add(name)
                log.warning("register %s holds no finite number: reported as missing", name)
        return not bad

    def _block_failed(self, planned: _PlannedBlock, exc: PlcError) -> None:
        self._last_error = str(exc)
        # Link-level failures are logged by the client; a block the PLC refuses or garbles is ours.
        if isinstance(exc, PlcExceptionResponse | PlcBadResponse) and planned.label not in self._failing_blocks:
            log.warning("block %s: %s", planned.label, exc)
        self._failing_blocks.setdefault(planned.label, str(exc))

    def _block_recovered(self, planned: _PlannedBlock) -> None:
        reason = self._failing_blocks.pop(planned.label, None)
        if reason is not None and not self._failing_blocks:
            log.info("all blocks read again (last failure: %s)", reason)

    def _publish(self, snapshot: Snapshot) -> None:
        self._latest = snapshot
        try:
            self._on_snapshot(snapshot)
        except Exception:  # a broken consumer must not stop acquisition
            if not self._consumer_failing:
                log.exception("snapshot consumer failed; acquisition continues")
            self._consumer_failing = True
        else:
            self._consumer_failing = False

    # --- health and alarms ---------------------------------------------------------------

    @property
    def latest(self) -> Snapshot | None:
        return self._latest

    def achieved_hz(self, now: float | None = None) -> float:
        """Cycles that returned data, per second (0 when nothing arrives)."""
        return self._data.data_hz(self._clock.monotonic() if now is None else now)

    def poll_hz(self, now: float | None = None) -> float:
        """Cycles run per second, data or not (the schedule's own rate)."""
        return self._rate.rate(self._clock.monotonic() if now is None else now, self.period)

    def health(self) -> LinkHealth:
        now = self._clock.monotonic()
        p50, p99 = percentiles(self._cycle_ms, 0.50, 0.99)
        # Up only while reads return data: a socket that answers with exceptions is not a link.
        link_up = self._client.link_up and self._data.flowing(now) and not self._died
        return LinkHealth(
            connected=link_up,
            last_good_ms=self._last_good_ms,
            error_rate=self._errors.ratio(now),
            cycle_p50_ms=p50,
            cycle_p99_ms=p99,
            overruns=self._overruns,
            achieved_hz=self.achieved_hz(now),
            polls=self._seq,
            last_error=self._died or self._last_error or self._client.last_error,  # the newest failure seen
        )

    def lateness_ms(self) -> list[float]:
        """Recent cycle starts minus their deadlines, oldest first (ms)."""
        return list(self._lateness_ms)

    def jitter(self) -> JitterStats:
        p50, p99, top = percentiles(self._lateness_ms, 0.50, 0.99, 1.0)
        return JitterStats(len(self._lateness_ms), self._overruns, p50, p99, top)

    def _update_alarms(self, now: float) -> None:
        if self._alarms is None:
            return
        self._data.update_alarms(now, socket_up=self._client.link_up, last_error=self._client.last_error)
        if self._floor_hz <= 0:
            return
        hz = self.achieved_hz(now)
        # No data at all is the link's or no-data alarm's business; "slow" needs data arriving.
        if hz >= self._floor_hz or not self._data.flowing(now):
            self._rate_low_since = None
            if self._rate_alarm:
                self._rate_alarm = False
                self._alarms.update(ALARM_RATE_LOW, False, "PLC read rate low", source="modbus", value=hz)
            return
        if self._rate_low_since is None:
            self._rate_low_since = now
        if not self._rate_alarm and now - self._rate_low_since >= self._floor_delay_s:
            self._rate_alarm = True
            self._alarms.update(
                ALARM_RATE_LOW, True,
                f"PLC read rate low: {hz:.1f} Hz < {self._floor_hz:g} Hz for {self._floor_delay_s:g} s",
                priority=Priority.MEDIUM, source="modbus", value=hz,
            )
