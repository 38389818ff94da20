"""TelemetryService: snapshots in, ThingsBoard telemetry out, nothing lost on the way.

    snapshot -> sampler (record rate, fields) -> pending -> outbox.db (SQLite, WAL)
             -> batches (live first, backlog oldest first) -> MQTT QoS 1 -> PUBACK -> delete

Everything below runs in the engine's event loop except SQLite (one worker thread) and paho's
network thread (see connection.py). ``on_snapshot`` only samples and appends: the poll loop
never waits on telemetry, the disk or the network.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
import sqlite3
import threading
import time
import uuid
from collections import deque
from collections.abc import Callable, Mapping
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path
from typing import Any, Protocol, TypeVar

from core.analysis.alarms import AlarmManager, AlarmTransition, Priority
from core.config import Settings
from core.iot import key_map
from core.iot import thingsboard as tb
from core.iot.connection import MqttConnection
from core.iot.device import DeviceState
from core.iot.http_transport import HttpConnection
from core.iot.outbox import Outbox, OutboxRecord
from core.iot.stream import Stream
from core.registers import RegisterMap
from core.snapshot import Quality, Snapshot
from core.values import ServiceHealth

log = logging.getLogger("bandsaw.iot")

ALARM_DOWN = "mqtt.down"
ALARM_OVERFLOW = "mqtt.outbox_overflow"
ALARM_OUTBOX = "mqtt.outbox_error"
CAP_CHECK_S = 5.0
FETCH_CHUNK = 500
MAX_PENDING = 100_000  # records held in memory while the outbox cannot be written
TICK_S = 1.0

T = TypeVar("T")


class Transport(Protocol):
    """MQTT (connection.py) or HTTP (http_transport.py): the same four calls."""

    endpoint: str

    def configure_tls(self) -> None: ...

    def start(self) -> None: ...

    def stop(self) -> None: ...

    def publish(self, topic: str, payload: bytes) -> int: ...


class TelemetryService:
    """The ThingsBoard link of one saw. Off (does nothing) unless iot.thingsboard.enabled."""

    def __init__(
        self,
        settings: Settings,
        register_map: RegisterMap,
        alarms: AlarmManager,
        *,
        data_dir: Path | None = None,
        status_provider: Callable[[], object] = dict,
        ml_output: tb.ValueSource | None = None,
        torque_guard: tb.ValueSource | None = None,
        model_version: Callable[[], str | None] | None = None,
        extra_attributes: Callable[[], Mapping[str, tb.Value]] | None = None,
        clock: Callable[[], float] = time.monotonic,
        wall_clock: Callable[[], float] = time.time,
    ) -> None:
        self._settings = settings
        self._cfg = settings.iot.thingsboard
        # Named in logs and alarm texts: a plant on the HTTP transport should not read 'MQTT'.
        self._via = "ThingsBoard HTTP" if self._cfg.transport == "http" else "ThingsBoard MQTT"
        self.enabled = self._cfg.enabled
        self._map = register_map
        self._alarms = alarms
        self._clock = clock
        self._wall = wall_clock
        self.outbox_path = (data_dir or settings.data_dir) / "mqtt_offline" / "outbox.db"
        computed = {name: source for name, source in
                    (("ml_output", ml_output), ("torque_guard", torque_guard)) if source is not None}
        # ConfigError names a bad entry
        self._keys = key_map.resolve(self._cfg, register_map, machine_id=settings.machine.id)
        self._sampler = tb.RecordSampler(register_map, self._cfg.record_rate_hz, self._cfg.fields, computed)
        self._device = DeviceState(
            self._cfg, register_map, self._sampler, machine_id=settings.machine.id,
            status_provider=status_provider, model_version=model_version, extra_attributes=extra_attributes,
        )
        self._outbox = Outbox(
            self.outbox_path,
            max_bytes=int(self._cfg.outbox_max_mb * 1_000_000),
            max_age_s=self._cfg.outbox_max_age_h * 3600.0,
            wall_clock=wall_clock,
        )
        self._loop: asyncio.AbstractEventLoop | None = None
        self._loop_thread = 0
        self._executor: ThreadPoolExecutor | None = None
        self._conn: Transport | None = None
        self._task: asyncio.Task[None] | None = None
        self._wake = asyncio.Event()
        self._stepped = asyncio.Event()  # set after every pump step: stop() waits on it
        self._unsubscribe_alarms: Callable[[], None] | None = None
        self._running = False
        self._stopping = False
        self._exit = False
        # Records: sampled (pending), stored, in flight, acknowledged, deleted.
        self._pending: deque[tuple[int, dict[str, Any]]] = deque()
        self._stream = Stream(self._cfg)
        self._other_inflight: set[int] = set()  # attribute and RPC messages
        self._connected = False
        self._down_since: float | None = None
        self._next_caps = 0.0
        self._outbox_ok = True
        self._outbox_error = ""
        self._error = ""
        self._last_ok_ms: int | None = None
        self.delivered = 0  # records acknowledged by the broker since start
        self.dropped = 0  # records dropped by the caps (or the memory bound) since start

    # --- public API -----------------------------------------------------------------------

    @property
    def record_rate_hz(self) -> float:
        return self._sampler.rate_hz

    @property
    def fields(self) -> tuple[str, ...]:
        return self._sampler.fields

    @property
    def connected(self) -> bool:
        return self._connected

    @property
    def unsaved(self) -> int:
        """Records sampled but not yet committed to the outbox (a crash now would lose them)."""
        return len(self._pending)

    def on_snapshot(self, snapshot: Snapshot) -> None:
        """Feed one poll; cheap and never blocking (call it from the engine's fan-out)."""
        if not self._running or self._stopping:
            return
        self._device.latest = snapshot
        if snapshot.quality is Quality.COMM_ERROR or not self._sampler.due(snapshot.monotonic):
            return
        values = self._keys.with_identity(self._sampler.values(snapshot), snapshot.values)
        self._device.observe(snapshot)
        if values:
            self._enqueue(snapshot.ts_ms, values)

    async def start(self) -> None:
        if not self.enabled or self._running:
            return
        self._loop = asyncio.get_running_loop()
        self._loop_thread = threading.get_ident()
        self._wake = asyncio.Event()
        self._stepped = asyncio.Event()
        self._executor = ThreadPoolExecutor(max_workers=1, thread_name_prefix="mqtt-outbox")
        self._down_since = self._clock()
        try:
            stats = await self._run(self._outbox.open)
        except (sqlite3.Error, OSError) as exc:
            self._outbox_failed(f"cannot open the MQTT outbox {self.outbox_path}: {exc}")
        else:
            log.info("ThingsBoard outbox %s: %d records waiting", self.outbox_path, stats.count)
        self._running = True
        self._unsubscribe_alarms = self._alarms.subscribe(self._on_alarm)
        client_id = self._cfg.client_id or f"{self._settings.machine.name}-{uuid.uuid4().hex[:8]}"
        # Certificate paths in the config are relative to the install directory, like every path.
        files = {key: self._settings.resolve(path) for key in ("ca_file", "cert_file", "key_file")
                 if (path := getattr(self._cfg, key)) is not None}
        cfg = self._cfg.model_copy(update=files)
        if cfg.transport == "http":
            self._conn = HttpConnection(cfg, self, self._loop)
        else:
            self._conn = MqttConnection(cfg, self, self._loop, client_id=client_id,
                                        max_inflight=self._cfg.max_inflight_messages)
        try:
            self._conn.configure_tls()
        except ValueError as exc:
            self._conn = None
            self._error = str(exc)
            self._alarms.update(ALARM_DOWN, True, f"{self._via}: {exc}", source="iot")
        else:
            self._conn.start()
            log.info("%s connecting to %s", self._via, self._conn.endpoint)
        self._task = asyncio.create_task(self._pump(), name="mqtt-telemetry")

    @property
    def task(self) -> asyncio.Task[None] | None:
        return self._task

    async def stop(self) -> None:
        """Flush live records and wait (at most stop_timeout_s) for their PUBACKs, then close."""
        if not self._running:
            return
        self._stopping = True
        if self._unsubscribe_alarms is not None:
            self._unsubscribe_alarms()
        assert self._loop is not None
        deadline = self._loop.time() + self._cfg.stop_timeout_s
        self._wake.set()
        while not self._flushed() and (remaining := deadline - self._loop.time()) > 0:
            self._stepped.clear()
            with contextlib.suppress(TimeoutError):
                async with asyncio.timeout(remaining):
                    await self._stepped.wait()
        if not self._flushed():
            log.warning("%s stop: %d messages unacknowledged after %.1f s; they stay in the outbox",
                        self._via, len(self._stream.inflight), self._cfg.stop_timeout_s)
        self._exit = True
        self._wake.set()
        if self._task is not None:  # a pump that ended by an error was reported when it ended
            await asyncio.gather(self._task, return_exceptions=True)
        if self._conn is not None:
            await self._run(self._conn.stop)
        await self._run(self._outbox.close)
        assert self._executor is not None
        self._executor.shutdown(wait=True)
        self._running = False
        self._connected = False

    def health(self) -> ServiceHealth:
        oldest = self._outbox.oldest_ts_ms
        if self._pending:
            oldest = min(oldest or self._pending[0][0], self._pending[0][0])
        lag = max(0.0, self._wall() - oldest / 1000.0) if oldest is not None else 0.0
        return ServiceHealth(
            enabled=self.enabled,
            connected=self._connected,
            backlog=self._outbox.count + len(self._pending),
            lag_s=lag,
            last_ok_ms=self._last_ok_ms,
            error=self._outbox_error or self._error,
        )

    # --- connection events (in the loop, from connection.py) ---------------------------------

    def mqtt_connected(self) -> None:
        self._connected = True
        self._error = ""
        self._down_since = None
        self._alarms.update(ALARM_DOWN, False, f"{self._via} connected", source="iot")
        self._stream.begin(self._outbox.max_id)
        self._publish_other(*self._device.connected())
        log.info("%s connected to %s; %d records waiting", self._via, self._endpoint(), self._outbox.count)
        self._wake.set()

    def mqtt_disconnected(self, error: str) -> None:
        if self._exit:
            log.info("%s: %s", self._via, error)
        elif self._connected or error != self._error:
            log.warning("%s: %s", self._via, error)
        self._connected = False
        self._error = "" if (self._exit and error == "disconnected") else error
        if self._down_since is None:
            self._down_since = self._clock()
        self._stream.end()
        self._wake.set()

    def transport_refused(self, error: str) -> None:
        """The server answered but refuses the data (HTTP 4xx): an alarm now, records kept."""
        self.mqtt_disconnected(error)
        self._alarms.update(ALARM_DOWN, True, f"ThingsBoard: {error}", source="iot")

    def mqtt_published(self, mid: int) -> None:
        count = self._stream.acknowledged(mid)
        if count is None:
            self._other_inflight.discard(mid)
            return
        self.delivered += count
        self._last_ok_ms = int(self._wall() * 1000)
        self._wake.set()

    def mqtt_message(self, topic: str, payload: bytes) -> None:
        if topic == tb.ATTRIBUTES_TOPIC or topic.startswith(tb.ATTRIBUTES_RESPONSE_PREFIX):
            payload = self._keys.shared_message(payload)  # field names in the dashboard's keys
        reply = self._device.handle(topic, payload)
        if reply is not None:
            self._publish_other(*reply)

    # --- the pump: store, delete, cap, publish ----------------------------------------------

    async def _pump(self) -> None:
        while not self._exit:
            try:
                async with asyncio.timeout(self._next_timeout()):
                    await self._wake.wait()
            except TimeoutError:
                pass
            self._wake.clear()
            try:
                await self._step()
            except Exception:  # a bug here must not end telemetry for good: log it, go on
                log.exception("%s telemetry step failed", self._via)
            self._stepped.set()
        await self._step()  # last store and delete before the outbox closes

    async def _step(self) -> None:
        try:
            if self._pending:
                await self._store()
            if self._stream.acked:
                await self._delete_acked()
            now = self._clock()
            if now >= self._next_caps and self._outbox_ok:
                self._next_caps = now + CAP_CHECK_S
                await self._enforce_caps()
            self._check_down()
            if self._connected and not self._exit:
                attributes = self._device.attributes_due()
                if attributes is not None:
                    self._publish_other(*self._keys.attribute_message(*attributes))
                await self._publish()
        except (sqlite3.Error, OSError) as exc:
            self._outbox_failed(f"MQTT outbox {self.outbox_path}: {exc}")

    def _next_timeout(self) -> float:
        timeout = TICK_S
        if len(self._stream.inflight) >= self._cfg.max_inflight_messages:
            return timeout  # a full window: the next PUBACK wakes the pump
        live = self._stream.live_deadline()
        if live is not None:
            timeout = min(timeout, live - self._clock())
        resume = self._stream.pacing.resume_at
        if resume is not None and self._connected and not self._stream.backlog_done:
            timeout = min(timeout, resume - self._clock())
        return max(0.001, timeout)

    async def _store(self) -> None:
        batch = list(self._pending)
        keys = self._keys
        records = [(ts_ms, tb.record_payload(keys.telemetry_values(values))) for ts_ms, values in batch]
        ids = await self._run(self._outbox.add, records)
        for _ in batch:
            self._pending.popleft()
        self._outbox_recovered()
        if not self._exit:
            stored = [OutboxRecord(i, ts, payload) for i, (ts, payload) in zip(ids, records, strict=True)]
            self._stream.stored(stored, self._clock())

    async def _delete_acked(self) -> None:
        ids = self._stream.take_acked()
        try:
            await self._run(self._outbox.delete, ids)
        except (sqlite3.Error, OSError):
            self._stream.delete_failed(ids)
            raise
        self._stream.deleted(ids)
        self._outbox_recovered()

    async def _enforce_caps(self) -> None:
        dropped = await self._run(self._outbox.enforce_caps)
        if not dropped.count:
            return
        self.dropped += dropped.count
        log.warning(
            "mqtt outbox over its cap: dropped the %d oldest records (%d by size, %d by age; %d since start)",
            dropped.count, dropped.by_size, dropped.by_age, self.dropped,
        )
        self._alarms.update(
            ALARM_OVERFLOW, True,
            f"MQTT outbox full: oldest telemetry dropped (caps {self._cfg.outbox_max_mb:g} MB, "
            f"{self._cfg.outbox_max_age_h:g} h)",
            priority=Priority.HIGH, source="iot",
        )

    async def _publish(self) -> None:
        """Fill the in-flight window: a due live batch first, else the next backlog batch."""
        stream = self._stream
        session = stream.session
        window = self._cfg.max_inflight_messages
        while self._connected and session == stream.session and len(stream.inflight) < window:
            if stream.live_due(self._clock(), flush=self._stopping):
                self._send(stream.take_live(self._clock()))
            elif not stream.backlog_done and not self._stopping:
                if not stream.pacing.allowed(self._clock()):
                    return
                if stream.needs_fetch:
                    rows = await self._run(self._outbox.fetch, stream.cursor, stream.watermark, FETCH_CHUNK)
                    if session == stream.session:
                        stream.fetched(rows)
                        if stream.backlog_done:
                            self._backlog_drained()
                    continue
                self._send(stream.take_backlog())
            else:
                return
            await asyncio.sleep(0)  # one message per turn: the poll loop's timers come first

    def _send(self, batch: list[OutboxRecord]) -> None:
        assert self._conn is not None
        mid = self._conn.publish(tb.TELEMETRY_TOPIC, tb.telemetry_message((r.ts_ms, r.payload) for r in batch))
        self._stream.sent(mid, batch)

    def _backlog_drained(self) -> None:
        if self._alarms.is_active(ALARM_OVERFLOW):
            self._alarms.update(ALARM_OVERFLOW, False, "MQTT outbox drained", source="iot")

    # --- attributes, alarms, health -------------------------------------------------------

    def _publish_other(self, topic: str, payload: bytes) -> None:
        if self._conn is not None:
            self._other_inflight.add(self._conn.publish(topic, payload))

    def _on_alarm(self, transition: AlarmTransition) -> None:
        self._enqueue(transition.ts_ms, tb.alarm_values(transition))

    def _check_down(self) -> None:
        if self._connected or self._down_since is None:
            return
        if self._clock() - self._down_since >= self._cfg.down_alarm_after_s:
            text = f"{self._via} down: {self._error or 'not connected'}"
            alarm = self._alarms.get(ALARM_DOWN)
            if alarm is None or not alarm.condition or alarm.detail != text:  # detail: our text, not the rendering
                self._alarms.update(ALARM_DOWN, True, text, source="iot")

    def _outbox_failed(self, text: str) -> None:
        if self._outbox_ok:
            log.error("%s", text)
        self._outbox_ok = False
        self._outbox_error = text
        self._alarms.update(ALARM_OUTBOX, True, text, priority=Priority.HIGH, source="iot")

    def _outbox_recovered(self) -> None:
        if not self._outbox_ok:
            self._outbox_ok = True
            self._outbox_error = ""
            self._alarms.update(ALARM_OUTBOX, False, "MQTT outbox writable again", source="iot")

    def _flushed(self) -> bool:
        if self._pending or self._stream.acked:
            return False
        if not self._connected:
            return True
        return not self._stream.has_live and not self._stream.inflight and not self._other_inflight

    def _enqueue(self, ts_ms: int, values: dict[str, Any]) -> None:
        self._pending.append((ts_ms, values))
        if len(self._pending) > MAX_PENDING:  # the outbox has been failing for a long time
            self._pending.popleft()
            self.dropped += 1
        if threading.get_ident() == self._loop_thread:
            self._wake.set()
        elif self._loop is not None:
            self._loop.call_soon_threadsafe(self._wake.set)

    def _endpoint(self) -> str:
        return self._conn.endpoint if self._conn is not None else "?"

    async def _run(self, fn: Callable[..., T], *args: Any) -> T:
        assert self._loop is not None and self._executor is not None
        return await self._loop.run_in_executor(self._executor, fn, *args)
