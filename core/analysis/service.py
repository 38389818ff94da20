"""The analysis package as one piece for the engine: cut tracking, anomaly detection, alarm sources.

Wiring (core/engine.py)::

    analysis = AnalysisService(settings, alarms, register_names=register_map.names,
                               mode=lambda: mode_manager.mode.value)  # optional sinks, see below
    analysis.start()                       # after the storage writers opened total.db/anomaly.db
    unsubscribe = engine.subscribe(analysis.feed)   # every Snapshot, in the event loop
    ... every ~1 s: analysis.on_status(engine.status())
    unsubscribe(); analysis.stop()         # before the storage writers stop

Torque-guard actions are counted per cut from the controller's ``control.torque_guard`` alarm
transitions; build with ``guard_from_alarms=False`` and call ``note_guard_event()`` instead if
the controller should feed them directly.

With ``total_sink``/``anomaly_sink`` left out, the service opens its own batched writers on
``<data_dir>/databases/{total,anomaly}.db``; to use the storage package's single writers, pass
``SqlWriterSink(writer)`` for each (the schema is theirs: core.storage.schema, v2 from here).
"""

from __future__ import annotations

import logging
import time
from collections.abc import Callable, Collection
from pathlib import Path

from core.analysis.alarm_sources import TORQUE_GUARD, AlarmSources
from core.analysis.alarms import AlarmManager, AlarmTransition
from core.analysis.cuts import CutTracker, load_open_cut
from core.analysis.monitor import AnomalyMonitor
from core.analysis.store import BatchedSqliteWriter, SqlSink, migrator
from core.config import Settings
from core.production.band_life_history import BandHistoryTracker
from core.production.band_life_monitor import BandLifeMonitor
from core.production.states import StateRecorder, samples_after
from core.snapshot import Snapshot
from core.values import EngineStatus

log = logging.getLogger("bandsaw.analysis")


def database_file(settings: Settings, db: str) -> Path:
    return settings.data_dir / "databases" / f"{db}.db"


class AnalysisService:
    def __init__(
        self,
        settings: Settings,
        alarms: AlarmManager,
        *,
        register_names: Collection[str] | None = None,
        mode: Callable[[], str] = lambda: "manual",
        total_sink: SqlSink | None = None,
        anomaly_sink: SqlSink | None = None,
        status_keys: Collection[str] = (),
        guard_from_alarms: bool = True,
        clock: Callable[[], float] = time.time,
    ) -> None:
        config = settings.analysis
        self._alarms = alarms
        self._guard_from_alarms = guard_from_alarms
        self._unsubscribe: Callable[[], None] | None = None
        self.enabled = config.enabled
        self.total_path = database_file(settings, "total")
        self.anomaly_path = database_file(settings, "anomaly")
        self.raw_path = database_file(settings, "raw")
        self._own: list[BatchedSqliteWriter] = []
        if total_sink is None:
            total_sink = self._own_writer(self.total_path, "total", config.batch_rows, config.batch_ms)
        if anomaly_sink is None:
            anomaly_sink = self._own_writer(self.anomaly_path, "anomaly", config.batch_rows, config.batch_ms)
        self.tracker = CutTracker(config.cuts, total_sink, mode=mode)
        self.monitor = AnomalyMonitor(config.detectors, anomaly_sink, known_signals=register_names)
        self.sources = AlarmSources(
            alarms,
            config.alarms,
            status_keys=status_keys,
            rate_floor_hz=settings.modbus.rate_alarm_floor_hz,
            rate_delay_s=settings.modbus.rate_alarm_delay_s,
            mqtt_down_after_s=settings.iot.thingsboard.down_alarm_after_s,
            postgres_down_after_s=settings.database.postgresql.down_alarm_after_s,
            data_dir=settings.data_dir,
            disk_floor_mb=settings.database.sqlite.disk_free_floor_mb,
            current_limit_a=current_bar.overload if (current_bar := settings.hmi.bars.get("band_current")) else None,
            clock=clock,
        )
        self._clock = clock
        # The saw-state time line for the production report (#19): same batched total.db writer.
        self.states = StateRecorder(total_sink, link_timeout_s=config.cuts.comm_loss_timeout_s)
        self.tracker.subscribe(self.monitor.on_cut)
        # Band life (#19): the fitted band's estimate and alarm, and the band history in total.db.
        self.band_life = BandLifeMonitor(config.band_life, alarms, self.total_path,
                                         blade_life_area_cm2=config.cuts.blade_life_area_cm2)
        self.band_history = BandHistoryTracker(
            total_sink, breakage_window_s=config.band_life.breakage_window_s,
            worn_at_remaining_pct=config.band_life.alarm_remaining_pct,
            life=self.band_life.life, on_change=self.band_life.on_band)
        self.tracker.subscribe(self.band_life.on_cut)
        self.monitor.subscribe(self.sources.on_anomaly)
        self._started = False

    def _own_writer(self, path: Path, db: str, rows: int, ms: int) -> BatchedSqliteWriter:
        writer = BatchedSqliteWriter(path, migrator(db), batch_rows=rows, batch_ms=ms, name=db)
        self._own.append(writer)
        return writer

    # --- lifecycle -----------------------------------------------------------------------

    def start(self) -> None:
        """Open own writers, take over a cut left open by the last run, load reference profiles."""
        if self._started:
            return
        for writer in self._own:
            writer.open()
        self._started = True
        if self._guard_from_alarms:
            self._unsubscribe = self._alarms.subscribe(self._on_alarm)
        self.tracker.restore(load_open_cut(self.total_path))
        if self.tracker.open_cut is not None:  # a crash: the samples recorded after its last save are its too
            self.tracker.follow_recorded(samples_after(self.raw_path, self.tracker.open_cut.last_ms))
        self.states.recover(self.total_path, self.raw_path)  # a crash left the time line open: close it
        self.band_history.restore(self.total_path)
        if self.band_history.band is not None:
            self.band_life.on_band(self.band_history.band)
        loaded = self.monitor.restore_profiles(self.anomaly_path)
        self.sources.config_problems(self.monitor.unknown_signals)
        log.info("analysis started: %d detectors, %d reference profiles", len(self.monitor.detectors), loaded)

    def stop(self) -> None:
        """Save the open cut (the next start resumes or closes it) and flush own writers."""
        if not self._started:
            return
        if self._unsubscribe is not None:
            self._unsubscribe()
            self._unsubscribe = None
        self.tracker.shutdown()
        self.band_life.close()  # a load of a band's earlier cuts still running is dropped
        self.states.stop(int(self._clock() * 1000))
        for writer in self._own:
            writer.close()
        self._started = False

    # --- feeding -------------------------------------------------------------------------

    def feed(self, snapshot: Snapshot) -> None:
        """One poll: cut tracking, PLC alarm registers, detectors. Returns quickly (< 0.5 ms)."""
        self.states.feed(snapshot)
        if not self.enabled:
            return
        self.tracker.feed(snapshot)
        self.band_history.feed(snapshot)
        self.sources.on_snapshot(snapshot)
        self.monitor.feed(snapshot, self.tracker.progress)

    def on_status(self, status: EngineStatus) -> None:
        """About once a second: status alarms, shelving expiry, cut suspension without polls."""
        now_ms = int(self._clock() * 1000)
        self.tracker.tick(now_ms)
        self.states.tick(now_ms)
        self.sources.on_status(status)

    def note_guard_event(self) -> None:
        """The torque guard acted; only when built with ``guard_from_alarms=False`` (else counted twice)."""
        self.tracker.note_guard_event()

    def _on_alarm(self, transition: AlarmTransition) -> None:
        # Each torque-guard action raises control.torque_guard or changes its text (ml_controller).
        if transition.alarm.key == TORQUE_GUARD and transition.action in ("raise", "text"):
            self.tracker.note_guard_event()
