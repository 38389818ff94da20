"""The one place Qt meets the engine: engine events in, typed Qt signals out.

Only this module subscribes to the engine. Widgets never hold the engine's callbacks; they ask the
bridge for a :class:`Channel` by register name (pydm's channel/plugin split): one shared channel
per name, reference-counted, emitting the value of each snapshot. A status timer (a few Hz) reads
``engine.status()`` and drives freshness: the link lamp, greyed values, the status bar.

Acquisition never waits on the screen: the engine calls :meth:`EngineBridge._on_snapshot` inside
its poll cycle, which only keeps the snapshot (latest wins) and posts one queued Qt event; the
widgets update when the event loop gets to that event, after the poll cycle has returned. Alarm
transitions are queued the same way (every one: they are events, not states).

Replay (core.replay) is one switch here: while the engine replays a period, the widgets get the
replayed samples instead of the live ones (every one, in order: a trend misses no point), and
live snapshots only keep the link and data-age figures true; alarms stay live throughout. The
newest replayed sample of a delivery goes out as ``snapshot`` (the screen updates at the live
rate whatever the speed), the ones before it as ``replay_between`` (a trend keeps every point).
``replay_changed`` carries the engine's ReplayStatus, ``replay_reset`` says that what a widget
holds of the previous stream (live or replayed) is void (a start, a seek, back to live).
"""

from __future__ import annotations

import logging
import threading
import time
from collections.abc import Callable
from dataclasses import dataclass, replace

from PySide6.QtCore import QObject, Qt, QTimer, Signal

from core.api import Alarm, AlarmTransition, EngineApi, EngineStatus, ReplayState, ReplayStatus
from core.snapshot import Quality, Snapshot
from hmi.lifetime import delete_later

log = logging.getLogger("bandsaw.hmi.bridge")


@dataclass(frozen=True, slots=True)
class ChannelValue:
    """One register's value from one snapshot: None when its block failed."""

    name: str
    value: float | None
    raw: int | float | None
    monotonic: float  # when the snapshot was read (time.monotonic)
    quality: Quality


class Channel(QObject):
    """A register name and the latest value for it; widgets connect to ``changed``."""

    changed = Signal(object)  # ChannelValue

    def __init__(self, name: str, parent: QObject | None = None) -> None:
        super().__init__(parent)
        self.name = name
        self.latest: ChannelValue | None = None
        self.last_good_monotonic: float | None = None
        self.last_good_value: float | None = None
        self._refs = 0

    def _feed(self, snapshot: Snapshot) -> None:
        value = snapshot.values.get(self.name)
        item = ChannelValue(self.name, value, snapshot.raw.get(self.name), snapshot.monotonic, snapshot.quality)
        self.latest = item
        if value is not None:
            self.last_good_monotonic = snapshot.monotonic
            self.last_good_value = value
        self.changed.emit(item)

    def age_s(self, now: float | None = None) -> float | None:
        """Seconds since this register last had a good value; None if it never had one."""
        if self.last_good_monotonic is None:
            return None
        return (time.monotonic() if now is None else now) - self.last_good_monotonic


class EngineBridge(QObject):
    snapshot = Signal(object)  # Snapshot, after every poll
    status_changed = Signal(object)  # EngineStatus, on the status timer
    tick = Signal(float)  # time.monotonic() on the status timer: widgets re-judge freshness
    link_changed = Signal(bool)  # PLC data live (link up and fresh) or not
    alarm_transition = Signal(object)  # AlarmTransition
    alarms_changed = Signal(object)  # list[Alarm]: the active alarms after a transition
    replay_changed = Signal(object)  # ReplayStatus: on the status timer while replaying, and on every switch
    replay_reset = Signal()  # a new stream starts (replay start or seek, back to live): drop what you hold
    replay_between = Signal(object)  # list[Snapshot]: replayed samples before the newest of a delivery
    _wake = Signal()  # posted from the poll cycle; delivered by the event loop (queued)

    REPLAY_BACKLOG = 5000  # replayed samples held for the screen at most (60x for 8 s at 10 Hz)

    def __init__(
        self,
        engine: EngineApi,
        *,
        status_hz: float = 4.0,
        clock: Callable[[], float] = time.monotonic,
        parent: QObject | None = None,
    ) -> None:
        super().__init__(parent)
        self.engine = engine
        self.stale_after_s = engine.settings.hmi.stale_after_s
        self._clock = clock
        self._channels: dict[str, Channel] = {}
        self._unsubscribe: list[Callable[[], None]] = []
        self._latest: Snapshot | None = None
        self._last_good: float | None = None  # monotonic of the newest snapshot with any value
        self._link_ok: bool | None = None
        self._status = EngineStatus()
        self._timer = QTimer(self)
        self._timer.setInterval(max(50, int(1000 / status_hz)))
        self._timer.timeout.connect(self._on_timer)
        self._pending: Snapshot | None = None  # the newest snapshot not yet shown
        self._pending_alarms: list[AlarmTransition] = []
        self._woken = False
        # The engine may call in from its own thread (hmi.engine_thread): hand-over under a lock.
        self._handover = threading.Lock()
        self.dropped = 0  # snapshots a newer one replaced before the screen got to them
        self._live: Snapshot | None = None  # the newest live snapshot (shown when replay ends)
        self._pending_replay: list[tuple[Snapshot, int]] = []
        self._replay = ReplayStatus()
        self._replay_generation: int | None = None  # the replayed stream on screen; None: live
        self._replay_floor = 0  # replayed samples of older generations are void
        self._wake.connect(self.flush, Qt.ConnectionType.QueuedConnection)

    # --- lifecycle ---------------------------------------------------------------------

    def attach(self) -> None:
        """Subscribe to the engine and start the status timer (idempotent)."""
        if self._unsubscribe:
            return
        self._unsubscribe = [
            self.engine.subscribe(self._on_snapshot),
            self.engine.subscribe_alarms(self._on_alarm),
            self.engine.subscribe_replay(self._on_replay),
        ]
        self._timer.start()

    def detach(self) -> None:
        self._timer.stop()
        for unsubscribe in self._unsubscribe:
            unsubscribe()
        self._unsubscribe = []

    @property
    def attached(self) -> bool:
        return bool(self._unsubscribe)

    # --- what widgets use --------------------------------------------------------------

    def channel(self, name: str) -> Channel:
        """The shared channel for register ``name`` (raises KeyError for an unknown name)."""
        if name not in self.engine.register_map:
            raise KeyError(f"no register named {name!r} in the register map")
        channel = self._channels.get(name)
        if channel is None:
            channel = self._channels[name] = Channel(name, self)
            if self._latest is not None:
                channel._feed(self._latest)
        channel._refs += 1
        return channel

    def release(self, channel: Channel) -> None:
        channel._refs -= 1
        if channel._refs <= 0 and self._channels.get(channel.name) is channel:
            del self._channels[channel.name]
            delete_later(channel)

    @property
    def latest(self) -> Snapshot | None:
        return self._latest

    @property
    def status(self) -> EngineStatus:
        return self._status

    @property
    def link_ok(self) -> bool:
        return bool(self._link_ok)

    @property
    def link_lost(self) -> bool:
        """The link was judged lost (False before the first judgement: starting is not lost)."""
        return self._link_ok is False

    def data_age_s(self, now: float | None = None) -> float | None:
        """Seconds since the newest snapshot that carried values."""
        if self._last_good is None:
            return None
        return (self._clock() if now is None else now) - self._last_good

    def active_alarms(self) -> list[Alarm]:
        return self.engine.active_alarms()

    @property
    def replaying(self) -> bool:
        """The widgets show a replayed period, not live values."""
        return self._replay_generation is not None

    @property
    def replay(self) -> ReplayStatus:
        return self._replay

    def sync_replay(self) -> ReplayStatus:
        """Take the engine's replay state now (after a replay command) instead of at the next tick."""
        self._check_replay(self.engine.replay_status())
        self.flush()
        return self._replay

    # --- engine callbacks (event loop thread, must return quickly) ----------------------

    def _on_snapshot(self, snapshot: Snapshot) -> None:
        """In the poll cycle: keep the newest, ask the event loop for one delivery."""
        with self._handover:
            if self._pending is not None:
                self.dropped += 1
            self._pending = snapshot
            post, self._woken = not self._woken, True
        if post:
            self._wake.emit()

    def _on_replay(self, snapshot: Snapshot, generation: int) -> None:
        """On the engine's loop: keep the replayed sample (all of them, bounded), ask for one delivery."""
        with self._handover:
            if generation < self._replay_floor:
                return
            self._pending_replay.append((snapshot, generation))
            if len(self._pending_replay) > self.REPLAY_BACKLOG:
                del self._pending_replay[: len(self._pending_replay) - self.REPLAY_BACKLOG]
                self.dropped += 1
            post, self._woken = not self._woken, True
        if post:
            self._wake.emit()

    def _on_alarm(self, transition: AlarmTransition) -> None:
        with self._handover:
            self._pending_alarms.append(transition)
            post, self._woken = not self._woken, True
        if post:
            self._wake.emit()

    def flush(self) -> None:
        """Deliver what arrived since the last delivery (the queued event; tests call it too)."""
        with self._handover:
            self._woken = False
            snapshot, self._pending = self._pending, None
            transitions, self._pending_alarms = self._pending_alarms, []
            replayed = [(s, g) for s, g in self._pending_replay if g >= self._replay_floor]
            self._pending_replay = []
        if snapshot is not None:
            self._live = snapshot
            if snapshot.quality is not Quality.COMM_ERROR:
                self._last_good = snapshot.monotonic  # the live data's age, replay or not
            if self._replay_generation is None:
                self._show(snapshot)
            elif snapshot.quality is Quality.COMM_ERROR and self._link_ok:
                self._update_link(False)
        if replayed:
            self._show_replayed(replayed)
        for transition in transitions:
            self.alarm_transition.emit(transition)
        if transitions:
            self.alarms_changed.emit(self.engine.active_alarms())

    def _show_replayed(self, replayed: list[tuple[Snapshot, int]]) -> None:
        """One delivery of replayed samples (at 60x about 60 of them): the newest is shown like a live
        poll (``snapshot``, channels), the new ones before it go to ``replay_between`` in order, so a
        trend misses no point while the rest of the screen updates at the live rate."""
        generation = replayed[-1][1]
        if generation != self._replay_generation:
            self._replay_generation = generation  # a start or a seek: a new stream
            self._replay = replace(self._replay, generation=generation)
            self._latest = None
            self.replay_reset.emit()
        batch = [snapshot for snapshot, g in replayed if g == generation]  # older generations are void
        new: list[Snapshot] = []
        last_ts = self._latest.ts_ms if self._latest is not None else None
        for snapshot in batch:
            if last_ts is None or snapshot.ts_ms > last_ts:
                new.append(snapshot)
                last_ts = snapshot.ts_ms
        if not new:
            # Paused: the same sample handed over anew keeps the values fresh, it is no new point.
            self._latest = batch[-1]
            for channel in list(self._channels.values()):
                channel._feed(batch[-1])
            return
        if len(new) > 1:
            self.replay_between.emit(new[:-1])
        self._show(new[-1])

    def _check_replay(self, status: ReplayStatus) -> None:
        """The status timer's (and sync_replay's) look at the engine's replay: switch when it did."""
        changed = status != self._replay
        self._replay = status
        if status.state is ReplayState.OFF:
            with self._handover:
                self._replay_floor = max(self._replay_floor, status.generation)
                self._pending_replay = [(s, g) for s, g in self._pending_replay if g >= self._replay_floor]
            if self._replay_generation is not None:
                self._replay_generation = None  # back to live: the newest live values at once
                self._latest = None
                self.replay_reset.emit()
                if self._live is not None:
                    self._show(self._live)
        if changed:
            self.replay_changed.emit(status)

    def _show(self, snapshot: Snapshot) -> None:
        self._latest = snapshot
        for channel in list(self._channels.values()):
            channel._feed(snapshot)
        self.snapshot.emit(snapshot)
        live = self._replay_generation is None
        if live and snapshot.quality is Quality.COMM_ERROR and self._link_ok:
            self._update_link(False)  # a failed poll is news now, not at the next timer tick

    def _on_timer(self) -> None:
        try:
            self._status = self.engine.status()
            self._check_replay(self.engine.replay_status())
        except Exception:  # a broken status must not stop the HMI's clock
            log.exception("engine.status() failed")
        now = self._clock()
        age = self.data_age_s(now)
        fresh = age is not None and age <= self.stale_after_s
        self._update_link(fresh and self._status.link.connected)
        self.status_changed.emit(self._status)
        self.tick.emit(now)

    def _update_link(self, ok: bool) -> None:
        if ok != self._link_ok:
            self._link_ok = ok
            self.link_changed.emit(ok)

    def refresh(self) -> None:
        """Deliver what is pending and run one status tick now (tests and start-up)."""
        self.flush()
        self._on_timer()
