"""The engine: owns every task, polls once and fans each Snapshot out to its consumers.

Start order (stop is the reverse, every queue flushed):
  simulator (with --simulate) -> local storage (log.db first) -> analysis -> PLC client ->
  Writer + heartbeat -> control (modes, ML controller) -> telemetry -> PostgreSQL mirror ->
  poller -> housekeeping.
The poll loop never waits on a consumer: each consumer's ``feed``/``record``/``on_snapshot`` is
synchronous and cheap (it queues or keeps the latest); slow work runs in the consumer's own task
or thread. A consumer that raises is logged once and skipped; the others still get the snapshot.
"""

from __future__ import annotations

import asyncio
import contextlib
import inspect
import logging
import time
from collections.abc import Callable
from dataclasses import dataclass, replace
from pathlib import Path
from typing import Any

from core.analysis.alarm_policy import AlarmPolicy
from core.analysis.alarms import AlarmManager
from core.analysis.service import AnalysisService
from core.analysis.store import SqlWriterSink
from core.api import EngineStatus, Result, ServiceHealth, SnapshotListener, UserSession, WriteResult
from core.config import Settings, current_bar_warnings
from core.control.handover import SqliteHandover
from core.control.journal import StorageJournal
from core.control.service import MlControl
from core.engine_commands import EngineCommands
from core.engine_queries import EngineQueries
from core.engine_replay import ReplayCommands
from core.engine_sessions import EngineSessions
from core.iot.service import TelemetryService
from core.modbus.client import PlcClient
from core.modbus.envelope import StepWindow
from core.modbus.poller import Poller
from core.modbus.writer import Writer
from core.offload import call_on_loop, run_blocking
from core.registers import RegisterMap
from core.security.access import AccessControl
from core.security.audit import AuditRecord, AuditResult
from core.security.audit_anchor import AuditAnchor
from core.security.audit_integrity import AuditIntegrity
from core.security.audit_missing import note_at_start, record_finding
from core.security.audit_route import MlWriteJournal
from core.security.permissions import Permission
from core.snapshot import Quality, Snapshot
from core.storage.archive import archive_raw, writer_delete
from core.storage.backup import BackupError
from core.storage.backup_manifest import BackupInvalid
from core.storage.backup_scheduler import BackupScheduler
from core.storage.lock import DataDirLock, DataDirLocked
from core.storage.pg.mirror import PostgresMirror
from core.storage.restore import RestoreError, restore_backup
from core.storage.space import NoSpace
from core.storage.spill import StopBudget
from core.storage.sqlite_open import database_path, remove_wal_files
from core.storage.sqlite_store import SqliteStorage
from core.supervise import supervise
from core.texts import ENGINE_NOT_RUNNING

log = logging.getLogger("bandsaw.engine")

HOUSEKEEPING_PERIOD_S = 1.0
SESSION_REFRESH_S = 5.0  # roles changed and users disabled elsewhere reach allowed() within this
USERS_CHECK_S = 60.0  # users.db's MACs checked again (rows changed outside the program: critical alarm)
SPEED_REGISTERS = ("cutting_speed", "descent_speed")
MIRROR_CATCH_UP_S = 3.0  # a clean stop waits at most this long for PostgreSQL to take its closing rows


@dataclass
class _Consumer:
    name: str
    feed: Callable[[Snapshot], Any]
    failing: bool = False


class Engine(ReplayCommands, EngineQueries, EngineCommands, EngineSessions):
    """The acquisition and control engine (implements :class:`core.api.EngineApi`; queries, commands
    and sessions live in core.engine_queries, core.engine_commands, core.engine_sessions; replay
    in core.engine_replay)."""

    def __init__(
        self,
        settings: Settings,
        register_map: RegisterMap,
        *,
        simulate: bool = False,
        sim_speedup: float | None = None,
        sim_seed: int | None = None,
    ) -> None:
        self.settings = settings
        self.register_map = register_map
        # Priorities, texts, groups and the engineer's queue from the configuration (one source of truth);
        # the texts name registers by their label, in their unit (the register map).
        self.alarms = AlarmManager(policy=AlarmPolicy.from_settings(settings, register_map))
        self.simulate = simulate
        self._sim_speedup = sim_speedup if sim_speedup is not None else settings.sim.speedup
        self._sim_seed = sim_seed if sim_seed is not None else settings.sim.seed
        self.simulator: Any = None  # core.sim.server.SimulatorServer when simulating
        self.storage = SqliteStorage(settings, register_map, self.alarms)
        # One engine per data directory: a second one (service + HMI) refuses to start.
        self._data_lock = DataDirLock(settings.data_dir)
        # Who may do what: the HMI hides what a user may not do, and the engine refuses it anyway.
        self.access = AccessControl.from_settings(settings, audit=self._audit, alarms=self.alarms)
        self._unaudit_alarms: Callable[[], None] | None = None
        self.backup_scheduler: BackupScheduler | None = None
        self.audit_integrity: AuditIntegrity | None = None
        self.analysis = AnalysisService(
            settings,
            self.alarms,
            register_names=register_map.names,
            mode=self._mode,
            total_sink=SqlWriterSink(self.storage.total),
            anomaly_sink=SqlWriterSink(self.storage.anomaly),
        )
        self.band_notes = self.analysis.band_history  # core.api note_band writes through total.db's writer
        self.client: PlcClient | None = None
        self.writer: Writer | None = None
        # The Writer's one-second step windows outlive a stop/start (a restore, a restart).
        self._step_windows: dict[str, StepWindow] = {}
        self.control: MlControl | None = None
        self.telemetry: TelemetryService | None = None
        self.mirror: PostgresMirror | None = None
        self.poller: Poller | None = None
        self._listeners: list[SnapshotListener] = []
        self._consumers: list[_Consumer] = []
        self._latest: Snapshot | None = None
        self._link_down_since_ms: int | None = None
        self._housekeeping: asyncio.Task[None] | None = None
        self._faults: dict[str, str] = {}  # supervised tasks that ended by an error: name -> error
        self._link_events = _Consumer("link events", lambda snapshot: self._note_link(snapshot))  # noqa: PLW0108 - late-bound
        self._running = False
        self._stopped = asyncio.Event()
        self._loop: asyncio.AbstractEventLoop | None = None  # audit rows from worker threads hop onto it

    # --- EngineApi -----------------------------------------------------------------------

    @property
    def latest(self) -> Snapshot | None:
        return self._latest

    @property
    def running(self) -> bool:
        return self._running

    def subscribe(self, listener: SnapshotListener) -> Callable[[], None]:
        self._listeners.append(listener)

        def unsubscribe() -> None:
            with contextlib.suppress(ValueError):
                self._listeners.remove(listener)

        return unsubscribe

    def status(self) -> EngineStatus:
        faults = dict(self._faults)
        link = self.poller.health() if self.poller is not None else EngineStatus().link
        if self.poller is not None and self.poller.task is not None and self.poller.task.done():
            faults.setdefault("poller", link.last_error)  # its own supervision shows the link down
        mqtt = self.telemetry.health() if self.telemetry is not None else ServiceHealth()
        postgres = self.mirror.health() if self.mirror is not None else ServiceHealth()
        if "telemetry" in faults:
            mqtt = replace(mqtt, connected=False, error=f"telemetry stopped: {faults['telemetry']}")
        if "mirror" in faults:
            postgres = replace(postgres, connected=False, error=f"mirror stopped: {faults['mirror']}")
        return EngineStatus(
            link=link,
            storage=self.storage.health(),
            mqtt=mqtt,
            postgres=postgres,
            mode=self._mode(),
            running=self._running,
            faults=tuple(f"{name}: {error}" for name, error in faults.items()),
        )

    def _watch(self, name: str, task: asyncio.Task[Any] | None) -> None:
        """A long-lived task that ends by an error: logged once, a critical alarm, shown down in status()."""
        if task is None:
            return

        def failed(exc: BaseException) -> None:
            self._faults[name] = f"{type(exc).__name__}: {exc}"

        supervise(task, name, self.alarms, on_failed=failed)

    async def write(self, session: UserSession, name: str, value: float, *, reason: str = "") -> WriteResult:
        if (why := self._refusal(session, Permission.WRITE_REGISTER, name)) is not None:
            return WriteResult.refused(name, value, why)
        return await self._write(name, value, user=session.user, reason=reason)

    async def _write(self, name: str, value: float, *, user: str, reason: str) -> WriteResult:
        if self.writer is None:  # the Writer audits every write it is given, refusals too
            self.access.trail.record(user, "write", name, new=value, result=AuditResult.FAILED,
                                     detail=str(ENGINE_NOT_RUNNING()))
            return WriteResult.refused(name, value, ENGINE_NOT_RUNNING())
        result = await self.writer.write(name, value, user=user, reason=reason)
        held = result.written if result.ok else result.read_back  # what the PLC now holds, if known
        if self.control is not None and held is not None:
            # Before any ML decision can run: a person's speed is ML's new base (#14.5).
            self.control.human_wrote(name, held)
        return result

    async def apply_preset(self, session: UserSession, preset: str) -> list[WriteResult]:
        speeds = self.settings.control.presets.get(preset)
        if speeds is None:
            known = ", ".join(self.settings.control.presets)
            return [WriteResult("preset", 0.0, ok=False, reason=f"unknown preset {preset!r}; known: {known}")]
        # Operators may use presets though they may not write registers freely.
        if (why := self._refusal(session, Permission.USE_PRESET, preset)) is not None:
            return [WriteResult.refused("preset", 0.0, why)]
        results = []
        for name, value in (("cutting_speed", speeds.cutting_speed), ("descent_speed", speeds.descent_speed)):
            results.append(await self._write(name, value, user=session.user, reason=f"preset {preset}"))
        return results

    async def restore(self, session: UserSession, backup: Path) -> Result[str]:
        """Stop every task (sessions stay), restore (log.db and users.db stay live), start again; audited."""
        if (why := self._refusal(session, Permission.RESTORE_BACKUP, str(backup))) is not None:
            return Result.refused(why)
        was_running = self._running
        await self._halt(logout=False)
        try:
            report = await run_blocking(lambda: restore_backup(
                backup, self.settings.data_dir, floor_mb=self.settings.database.sqlite.disk_free_floor_mb),
                name="bandsaw-restore")
        except (BackupInvalid, BackupError, RestoreError, DataDirLocked, NoSpace, OSError) as exc:
            outcome: Result[str] = Result.refused(f"not restored: {exc}")
        else:
            outcome = Result.done(f"restored {', '.join(report.restored)} in {report.seconds:.1f} s")
        if was_running:
            try:
                await self.start()
            except Exception as exc:
                log.exception("engine failed to start after a restore")
                return Result.refused(f"{outcome.reason or 'restored'}; the engine failed to start: {exc}")
        result = AuditResult.ACCEPTED if outcome.ok else AuditResult.FAILED
        self.access.trail.record(session.user, "restore", str(backup), result=result, detail=outcome.reason)
        if outcome.ok and self._running:
            self.storage.log.event("backup_restored", f"{session.user} restored backup {backup.name}",
                                   source="engine", data={"backup": str(backup), "report": outcome.reason})
        return outcome

    async def archive_now(self, session: UserSession) -> Result[str]:
        if (why := self._refusal(session, Permission.BACKUP, "archive")) is not None:
            return Result.refused(why)
        loop = asyncio.get_running_loop()
        delete = writer_delete(self.storage.recorder, loop) if self._running else None
        try:
            report = await run_blocking(lambda: archive_raw(self.settings, delete=delete), name="bandsaw-archive")
        except (BackupError, NoSpace, DataDirLocked, OSError) as exc:
            self.access.trail.record(session.user, "archive", "raw", result=AuditResult.FAILED, detail=str(exc))
            return Result.refused(f"not archived: {exc}")
        text = report.stopped or f"{report.moved} rows moved to {', '.join(report.months) or 'no month'}"
        result = AuditResult.FAILED if report.stopped else AuditResult.ACCEPTED
        self.access.trail.record(session.user, "archive", "raw", new=report.moved, result=result, detail=text)
        return Result(not report.stopped, text, text)

    # --- lifecycle -----------------------------------------------------------------------

    async def start(self) -> None:
        """Start everything; a PLC that does not answer yet is not an error (it reconnects)."""
        if self._running:
            return
        self._stopped.clear()
        self._faults.clear()
        self._loop = asyncio.get_running_loop()
        self._data_lock.acquire()  # raises DataDirLocked naming the holder
        for warning in current_bar_warnings(self.settings):
            log.warning("configuration: %s", warning)
        host, port = self.settings.modbus.host, self.settings.modbus.port
        if self.simulate:
            host, port = await self._start_simulator()
        # log.db or the ledger deleted beside recorded data: kept before the files are opened (and made).
        lost = note_at_start(self.storage.log.path.parent)
        await self.storage.start()  # log.db's writer recreates the audit trail's triggers on open
        record_finding(self.access.trail, self.storage.log.path.parent, lost)  # the trail keeps it too
        # A damaged users.db, or rows failing their MACs: a critical alarm now, not at the first login
        # (a users.db from before row protection is sealed here, once, audited).
        self.access.check_store()
        self.access.report_users_loss()  # users.db given up as lost since the last start: an alarm
        # The trail's hash chain: verified now (in the background) and daily; a break is a critical alarm.
        self.audit_integrity = AuditIntegrity(self.storage.log.path, self.alarms,
                                              anchor=AuditAnchor(self.access.store.path))
        self.audit_integrity.start()
        self._unaudit_alarms = self.access.trail.attach_alarms(self.alarms)
        self.backup_scheduler = BackupScheduler(
            self.settings, self.alarms, raw_writer=self.storage.recorder, disk=self.storage.disk
        )
        await self.backup_scheduler.start()
        self.analysis.start()
        self.client = PlcClient(self.settings.modbus, host=host, port=port)
        await self.client.connect()
        # A person writes on what the screen shows: data up to hmi.stale_after_s old (greyed beyond
        # that). The ML controller's envelope holds its own writes to two poll periods.
        self.writer = Writer(
            self.settings, self.register_map, self.client, lambda: self._latest, audit=self._audit,
            journal=MlWriteJournal(self.storage.ml),  # ML and guard writes: the ML journal, not the trail
            steps=self._step_windows,
            hold=self.replay_hold,  # nothing but the heartbeat is written while a replay runs
            max_age_s=max(self.settings.hmi.stale_after_s,
                          self.settings.control.stale_after_periods / self.settings.modbus.read_rate_hz),
        )
        self.writer.start()
        self._watch("heartbeat", self.writer.heartbeat_task)
        self.control = MlControl(
            self.settings, self.register_map, writer=self.writer.write, alarms=self.alarms,
            journal=StorageJournal(self.storage.ml),
            handover=SqliteHandover(self.storage.ml),  # the operator's speeds while ML holds the PLC's
        )
        self.telemetry = TelemetryService(
            self.settings,
            self.register_map,
            self.alarms,
            status_provider=self._status_dict,
            ml_output=self._ml_output,
            torque_guard=self._guard_active,
            model_version=self._model_version,
            extra_attributes=self.analysis.band_life.attributes,
        )
        await self.telemetry.start()
        self._watch("telemetry", self.telemetry.task)
        self.mirror = PostgresMirror(self.settings, alarms=self.alarms)
        await self.mirror.start()
        self._watch("mirror", self.mirror.task)
        self._consumers = [
            _Consumer("recorder", self.storage.recorder.record),
            _Consumer("analysis", self.analysis.feed),
            _Consumer("telemetry", self.telemetry.on_snapshot),
            _Consumer("mirror", self.mirror.on_snapshot),
            _Consumer("control", self.control.feed),
        ]
        self.poller = Poller(self.settings, self.register_map, self.client, self._fan_out, alarms=self.alarms)
        self.poller.start()  # supervised by itself (its alarms, its link health)
        await self.control.start()
        self._housekeeping = asyncio.create_task(self._run_housekeeping(), name="bandsaw.engine.housekeeping")
        self._watch("housekeeping", self._housekeeping)
        self._running = True
        log.info("engine started: PLC %s:%d, data in %s", host, port, self.settings.data_dir)

    async def stop(self) -> None:
        """Stop in reverse order; every batch is flushed before the files close.

        Bounded (database.sqlite.stop_timeout_s): rows the storage cannot write in time are
        spilled to a journal; ``storage.last_stop`` says how many and where.
        """
        await self._halt(logout=True)

    async def _halt(self, *, logout: bool) -> None:
        """Stop every task; ``logout=False`` keeps the sessions (a restore starts again at once)."""
        budget = StopBudget(self.storage.stop_timeout_s)
        await self._replay_close()  # its reads use the files about to close
        if logout:
            self.access.close()  # everyone logged out (audited while log.db is still open)
        if self.control is not None:
            # First, while the PLC link and fresh data still serve it: the operator's speeds go back.
            await budget.within(self.control.stop(), "control")
        if self.poller is not None:
            await _stage(self.poller.stop, "poller")
        if self._housekeeping is not None:
            self._housekeeping.cancel()
            await asyncio.gather(self._housekeeping, return_exceptions=True)
            self._housekeeping = None
        if self.writer is not None:
            await budget.within(self.writer.stop(), "PLC writer")
        if self.client is not None:
            await _stage(self.client.close, "PLC client")
        if self.telemetry is not None:
            await budget.within(self.telemetry.stop(), "telemetry")
        await _stage(lambda: self._note_link(None), "link gap event")
        # its closing rows (the saw state's "off", an open cut) go to total.db
        await _stage(self.analysis.stop, "analysis")
        if self.mirror is not None:
            if self.mirror.sending:  # those rows committed, then sent, so PostgreSQL's time line ends too
                await budget.within(self._mirror_last_rows(), "PostgreSQL mirror's last rows")
            await budget.within(self.mirror.stop(), "PostgreSQL mirror")
        if self.backup_scheduler is not None:
            await budget.within(self.backup_scheduler.stop(), "backup")
            self.backup_scheduler = None
        if self._unaudit_alarms is not None:
            self._unaudit_alarms()
            self._unaudit_alarms = None
        integrity, self.audit_integrity = self.audit_integrity, None
        if integrity is not None:
            await budget.within(integrity.stop(), "audit check")
        await _stage(lambda: self.storage.stop(budget.remaining()), "storage")
        if integrity is not None:  # log.db's last rows are written: anchor the trail at the newest
            await budget.within(integrity.seal(), "audit anchor")
            # The seal read log.db after the storage closed it: a read-only reader closing last
            # leaves -wal/-shm. Folded here, so a clean stop leaves a plain log.db.
            await _stage(lambda: run_blocking(remove_wal_files, [database_path(self.settings.data_dir, "log")]),
                         "log.db WAL files")
        if self.simulator is not None:
            await _stage(self.simulator.stop, "simulator")
            self.simulator = None
        self._data_lock.release()
        if self._running:
            log.info("engine stopped")
        self._running = False
        self._stopped.set()

    async def _mirror_last_rows(self) -> None:
        await asyncio.gather(*(writer.drain() for writer in self.storage.writers))
        assert self.mirror is not None
        await self.mirror.catch_up(MIRROR_CATCH_UP_S)

    async def __aenter__(self) -> Engine:
        await self.start()
        return self

    async def __aexit__(self, *_exc: object) -> None:
        await self.stop()

    # --- internals -----------------------------------------------------------------------

    async def _start_simulator(self) -> tuple[str, int]:
        from core.sim.server import SimulatorServer  # only when simulating

        self.simulator = SimulatorServer(
            self.register_map,
            host="127.0.0.1",
            port=0,
            seed=self._sim_seed,
            speedup=self._sim_speedup,
            physics_hz=self.settings.sim.physics_hz,
            current_polynomial=self.settings.ml.current_polynomial,
            device_id=self.settings.modbus.device_id,
        )
        await self.simulator.start()
        return "127.0.0.1", int(self.simulator.port)

    def audit_refused(self, user: str, action: str, detail: str) -> None:
        """A command refused before its checks (a front end's call that arrived after its deadline)."""
        self.access.trail.record(user, action, action, result=AuditResult.REFUSED, detail=detail)

    def audit_restart(self, user: str, detail: str) -> None:
        """This engine was started in place of one whose process died (a front end's restart, by a
        person or automatically by "system"): it runs in manual mode whatever control.default_mode says."""
        self.access.trail.record(user, "set_mode", "control", new="manual",
                                 detail=f"engine restarted ({detail}): it starts in manual mode")

    def _audit(self, record: AuditRecord) -> None:
        # The log writer's queue belongs to the loop thread; user changes audit from a worker.
        call_on_loop(self._loop, self._audit_on_loop, record)

    def _audit_on_loop(self, record: AuditRecord) -> None:
        self.storage.log.audit(record)
        if self.audit_integrity is not None:  # the anchor follows each row (rows cut off the end are found)
            self.audit_integrity.appended(self.storage.log.drain)

    def _fan_out(self, snapshot: Snapshot) -> None:
        self._latest = snapshot
        self._deliver(self._link_events, snapshot)  # isolated like a consumer: its failure costs no sample
        for consumer in self._consumers:
            self._deliver(consumer, snapshot)
        for listener in list(self._listeners):
            try:
                listener(snapshot)
            except Exception:
                log.exception("snapshot listener %r failed", listener)

    def _deliver(self, consumer: _Consumer, snapshot: Snapshot) -> None:
        try:
            consumer.feed(snapshot)
        except Exception:
            if not consumer.failing:  # once per failure streak, not ten times a second
                log.exception("%s failed on a snapshot; it keeps getting them", consumer.name)
            consumer.failing = True
        else:
            if consumer.failing:
                log.info("%s recovered", consumer.name)
            consumer.failing = False

    def _note_link(self, snapshot: Snapshot | None) -> None:
        """Comm faults and gaps go to log.db as events, never as invented samples."""
        now_ms = int(time.time() * 1000)
        if snapshot is not None and snapshot.quality is Quality.COMM_ERROR:
            if self._link_down_since_ms is None:
                self._link_down_since_ms = snapshot.ts_ms
                error = self.poller.health().last_error if self.poller is not None else ""
                self.storage.log.event("link_lost", f"PLC link lost: {error or 'no answer'}", source="modbus",
                                       data={"seq": snapshot.seq})
            return
        if self._link_down_since_ms is not None:
            end_ms = snapshot.ts_ms if snapshot is not None else now_ms
            gap_s = (end_ms - self._link_down_since_ms) / 1000.0
            kind = "link_restored" if snapshot is not None else "link_lost_at_stop"
            self.storage.log.event(kind, f"PLC link gap of {gap_s:.1f} s", source="modbus",
                                   data={"gap_start_ms": self._link_down_since_ms, "gap_end_ms": end_ms,
                                         "gap_s": gap_s})
            self._link_down_since_ms = None

    async def _run_housekeeping(self) -> None:
        refreshed = users_checked = time.monotonic()
        while True:
            await asyncio.sleep(HOUSEKEEPING_PERIOD_S)
            try:
                self.analysis.on_status(self.status())
                if self.mirror is not None:
                    self.mirror.wake()
                if time.monotonic() - refreshed >= SESSION_REFRESH_S:
                    refreshed = time.monotonic()
                    # The screens ask allowed() from memory: keep it in step with users.db (off the loop).
                    await self.access.refresh_sessions()
                if time.monotonic() - users_checked >= USERS_CHECK_S:
                    users_checked = time.monotonic()
                    await self.access.recheck_store()
            except Exception:
                log.exception("housekeeping failed")

    def _status_dict(self) -> dict[str, Any]:
        status = self.status()
        latest = self._latest
        return {
            "link": {"connected": status.link.connected, "achieved_hz": round(status.link.achieved_hz, 2),
                     "last_error": status.link.last_error},
            "storage": {"ok": status.storage.ok, "queue_rows": status.storage.queue_rows,
                        "rows_written": status.storage.rows_written},
            "mode": status.mode,
            "saw_state": latest.values.get("saw_state") if latest is not None else None,
            "active_alarms": [alarm.key for alarm in self.alarms.active()],
        }

    def _mode(self) -> str:
        return self.control.mode.value if self.control is not None else self.settings.control.default_mode

    def _ml_output(self) -> float | None:
        return self.control.status().coefficient if self.control is not None else None

    def _guard_active(self) -> float:
        """1 while the torque guard holds the descent speed down (its alarm condition), else 0."""
        return 1.0 if self.alarms.is_active("control.torque_guard") else 0.0

    def _model_version(self) -> str | None:
        return (self.control.status().model or None) if self.control is not None else None


async def _stage(stage: Callable[[], Any], what: str) -> None:
    """One stage of a stop: an error is logged and the stop goes on (the stages after it, the
    storage's flush and the data-directory lock above all, must run whatever one ended with)."""
    try:
        result = stage()
        if inspect.isawaitable(result):
            await result
    except Exception:
        log.exception("stop: %s failed; going on", what)
