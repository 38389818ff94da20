"""A typed stand-in for the engine: the whole contract (core.api.EngineApi) without a PLC.

For widget tests, screenshots and benchmarks of front ends. It is the real engine minus the
link: the same queries, commands and sessions (core.engine_queries / engine_commands /
engine_sessions: the one ``can()``, the same audit records), a real AlarmManager and
AccessControl (users.db under the settings' data directory), and optionally a real MlControl
journaling into ml.db, the engine's backup job and restore on the data directory. What it
replaces: the PLC and Writer (register values in a dict, writes held to the register map's
limits and read back), the poller (:meth:`push` / :meth:`fail` deliver a Snapshot, or a period
animates the values) and log.db's writer (audit rows kept in :attr:`audited`; queries still
read whatever the data directory holds). mypy checks it against
EngineApi (core.testing.contract), so it cannot drift from the real engine.
"""

from __future__ import annotations

import asyncio
import contextlib
import math
import sqlite3
import time
from collections.abc import Callable
from dataclasses import replace
from pathlib import Path

from core.analysis.alarm_policy import AlarmPolicy
from core.analysis.alarms import AlarmManager
from core.api import (
    EngineStatus,
    LinkHealth,
    Result,
    ServiceHealth,
    SnapshotListener,
    StorageHealth,
    UserSession,
    WriteResult,
)
from core.config import Settings
from core.control.journal import DecisionRow, ModeChangeRow
from core.control.service import MlControl
from core.engine_commands import EngineCommands
from core.engine_queries import EngineQueries
from core.engine_replay import ReplayCommands
from core.engine_sessions import EngineSessions
from core.offload import run_blocking
from core.production.band_life_history import INSERT_EVENT, note_event
from core.registers import EncodeError, RegisterMap
from core.security.access import AccessControl
from core.security.audit import AuditRecord, AuditResult
from core.security.passwords import FAST_PARAMS
from core.security.permissions import Permission
from core.snapshot import Quality, Snapshot
from core.storage.archive import archive_raw
from core.storage.backup import BackupError
from core.storage.backup_manifest import BackupInvalid
from core.storage.backup_scheduler import BackupScheduler
from core.storage.lock import DataDirLocked
from core.storage.restore import RestoreError, restore_backup
from core.storage.schema import migrate
from core.storage.space import NoSpace
from core.storage.sqlite_open import database_path

BASE_VALUES: dict[str, float] = {
    "head_height": 62.5, "band_current": 14.2, "band_torque": 46.3, "descent_current": 3.1,
    "descent_torque": 21.0, "band_power": 3.42, "band_tension": 182.0, "band_deviation": 0.12,
    "vice_pressure": 55.0, "saw_state": 3, "alarm_status": 0, "alarm_info": 0, "heartbeat": 1,
    "fault_reset": 0, "ambient_temp": 21.4, "descent_speed": 30.0, "humidity": 46.0,
    "descent_speed_actual": 29.7, "coolant_temp": 24.8, "hydraulic_temp": 38.2, "cutting_speed": 70,
    "cutting_speed_actual": 69.8, "vibration_x": 0.212, "vibration_y": 0.154, "vibration_z": 0.098,
    "vibration_x_freq": 145.2, "vibration_y_freq": 145.2, "vibration_z_freq": 290.4,
    "vibration_max_freq": 145.2, "material_type": 3, "material_hardness": 210, "cross_section": 0,
    "dimension_a": 120.0, "dimension_b": 0, "dimension_c": 0, "dimension_d": 0, "material_width": 120.0,
    "band_id": 7, "band_type": 0, "band_brand": 2, "band_material": 0, "tooth_pitch": 6.35,
    "band_wear": 12.4, "cut_count": 128, "machine_id": 1, "energy_total": 1532.125,
    "run_hours": 412.5, "band_area_cut": 84512.5,
}


class SqliteJournal:
    """The controller's journal written straight into ml.db (the engine batches; readers see the same)."""

    def __init__(self, path: Path) -> None:
        path.parent.mkdir(parents=True, exist_ok=True)
        self.conn = sqlite3.connect(path, isolation_level=None, check_same_thread=False)
        self.conn.execute("PRAGMA journal_mode=WAL")
        migrate(self.conn, "ml")

    def _insert(self, table: str, row: dict[str, object]) -> None:
        columns = ", ".join(row)
        marks = ", ".join(f":{name}" for name in row)
        self.conn.execute(f"INSERT INTO {table} ({columns}) VALUES ({marks})", row)

    def decision(self, row: DecisionRow) -> None:
        self._insert("decisions", row.as_db())

    def mode_change(self, row: ModeChangeRow) -> None:
        self._insert("mode_changes", row.as_db())

    def close(self) -> None:
        self.conn.close()


class DirectBandNotes:
    """Band-history notes straight into total.db (the engine puts them through its writer)."""

    def __init__(self, engine: StandInEngine) -> None:
        self._engine = engine

    @property
    def band(self) -> int | None:
        value = self._engine.values.get("band_id")
        return None if value is None or not math.isfinite(value) else int(value)

    def note(self, ts_ms: int, band: int, text: str, user: str) -> None:
        path = database_path(self._engine.settings.data_dir, "total")
        path.parent.mkdir(parents=True, exist_ok=True)
        conn = sqlite3.connect(path, isolation_level=None)
        try:
            migrate(conn, "total")
            conn.execute(INSERT_EVENT, note_event(ts_ms, band, text, user))
        finally:
            conn.close()


class StandInEngine(ReplayCommands, EngineQueries, EngineCommands, EngineSessions):
    def __init__(self, settings: Settings, register_map: RegisterMap, *, period_ms: int = 0,
                 with_control: bool = False, access: AccessControl | None = None,
                 clock: Callable[[], float] = time.time, alarm_policy: AlarmPolicy | None = None) -> None:
        self.settings = settings
        self.register_map = register_map
        self.clock = clock
        # alarm_policy: the engine's (AlarmPolicy.from_settings: priorities, texts, groups, engineer
        # queue); without one, every alarm is the operator's with the raising code's text.
        self.alarms = AlarmManager(clock=clock, policy=alarm_policy)
        self.audited: list[AuditRecord] = []
        self.access = access if access is not None else AccessControl.from_settings(
            settings, audit=self.audited.append, alarms=self.alarms, kdf=FAST_PARAMS)
        # The engine's own backup job (never started: no schedule), on the data directory's files.
        self.backup_scheduler: BackupScheduler | None = BackupScheduler(settings, self.alarms)
        self.values: dict[str, float] = {r.name: BASE_VALUES.get(r.name, 0.0) for r in register_map}
        self.link = LinkHealth(connected=True, achieved_hz=10.0, polls=0, cycle_p50_ms=4.0, cycle_p99_ms=9.0)
        self.storage = StorageHealth(ok=True, queue_rows=3, rows_written=0)
        self.mqtt = ServiceHealth(enabled=True, connected=True)
        self.postgres = ServiceHealth(enabled=False)
        self.period_ms = period_ms
        self.animate = period_ms > 0
        self.started = False
        self.stopped = False
        self.band_notes = DirectBandNotes(self)
        self.offline = False
        self.writes: list[tuple[str, float, str]] = []
        self.calls: list[str] = []  # "stop", "start" around a restore, as the engine does
        self._listeners: list[SnapshotListener] = []
        self._latest: Snapshot | None = None
        self._seq = 0
        self._ticker: asyncio.Task[None] | None = None
        self._t0 = time.monotonic()
        self.journal: SqliteJournal | None = None
        self.control: MlControl | None = None
        if with_control:
            self.journal = SqliteJournal(settings.data_dir / "databases" / "ml.db")
            self.control = MlControl(settings, register_map, writer=self._writer, alarms=self.alarms,
                                     journal=self.journal)

    # --- lifecycle and live views --------------------------------------------------------

    async def start(self) -> None:
        self.started = True
        if self.period_ms > 0 and self._ticker is None:
            self._ticker = asyncio.get_running_loop().create_task(self._tick_forever(), name="standin.poll")

    async def stop(self) -> None:
        await self._replay_close()
        self.access.close()
        if self._ticker is not None:
            self._ticker.cancel()
            with contextlib.suppress(asyncio.CancelledError):
                await self._ticker
            self._ticker = None
        if self.control is not None:
            await self.control.stop()
        if self.journal is not None:
            self.journal.close()
            self.journal = None
        self.started = False
        self.stopped = True

    @property
    def latest(self) -> Snapshot | None:
        return self._latest

    def subscribe(self, listener: SnapshotListener) -> Callable[[], None]:
        self._listeners.append(listener)
        return lambda: self._listeners.remove(listener) if listener in self._listeners else None

    @property
    def listener_count(self) -> int:
        return len(self._listeners)

    def status(self) -> EngineStatus:
        mode = self.control.mode.value if self.control is not None else self.settings.control.default_mode
        return EngineStatus(self.link, self.storage, self.mqtt, self.postgres, mode, self.started)

    # --- commands the real engine runs through its Writer or its tasks -------------------

    async def write(self, session: UserSession, name: str, value: float, *, reason: str = "") -> WriteResult:
        if (why := self._refusal(session, Permission.WRITE_REGISTER, name)) is not None:
            return WriteResult.refused(name, value, why)
        return await self._writer(name, value, user=session.user, reason=reason)

    async def _writer(
        self, name: str, value: float, *, user: str, reason: str = "", precheck: Callable[[], str] | None = None,
        live_check: Callable[[float], str] | None = None,
    ) -> WriteResult:
        """The Writer's part: the caller's re-check, the register map's envelope, a read-back, an audit row."""
        held = self.replay_hold()  # the engine's Writer refuses (and audits) every write during replay
        if held:
            self.access.trail.record(user, "write", name, new=value, result=AuditResult.REFUSED, detail=held)
            return WriteResult.refused(name, value, held)
        why = precheck() if precheck is not None else ""
        live = self.values.get(name)
        if not why and live_check is not None and live is not None:
            why = live_check(live)  # the real Writer reads the register from the PLC under its lock
        if why:
            return WriteResult.refused(name, value, why)
        result = self._envelope(name, value)
        if result is None:
            old = self.values.get(name)
            self.writes.append((name, value, user))
            self.values[name] = value
            result = WriteResult(name, value, ok=True, written=value, read_back=value, verified=True)
            self.access.trail.record(user, "write", name, old=old, new=value, detail=reason)
        else:
            self.access.trail.record(user, "write", name, new=value, result=AuditResult.REFUSED, detail=result.reason)
        return result

    def _envelope(self, name: str, value: float) -> WriteResult | None:
        if name not in self.register_map:
            return WriteResult.refused(name, value, f"unknown register {name!r}")
        register = self.register_map[name]
        if not register.writable:
            return WriteResult.refused(name, value, f"{name} is read-only")
        if not math.isfinite(value):
            return WriteResult.refused(name, value, "not a number")
        if register.min is not None and value < register.min:
            return WriteResult.refused(name, value, f"below the minimum {register.min:g}")
        if register.max is not None and value > register.max:
            return WriteResult.refused(name, value, f"above the maximum {register.max:g}")
        if self.offline:
            return WriteResult.refused(name, value, "PLC not connected")
        return None

    async def apply_preset(self, session: UserSession, preset: str) -> list[WriteResult]:
        speeds = self.settings.control.presets.get(preset)
        if speeds is None:
            return [WriteResult.refused("preset", 0.0, f"unknown preset {preset!r}")]
        if (why := self._refusal(session, Permission.USE_PRESET, preset)) is not None:
            return [WriteResult.refused("preset", 0.0, why)]
        return [
            await self._writer("cutting_speed", speeds.cutting_speed, user=session.user, reason=f"preset {preset}"),
            await self._writer("descent_speed", speeds.descent_speed, user=session.user, reason=f"preset {preset}"),
        ]

    async def restore(self, session: UserSession, backup: Path) -> Result[str]:
        """The engine's restore on the data directory (no tasks to stop: it holds no files open)."""
        if (why := self._refusal(session, Permission.RESTORE_BACKUP, str(backup))) is not None:
            return Result.refused(why)
        self.calls.append("stop")
        try:
            report = await run_blocking(lambda: restore_backup(
                backup, self.settings.data_dir, floor_mb=self.settings.database.sqlite.disk_free_floor_mb))
        except (BackupInvalid, BackupError, RestoreError, DataDirLocked, NoSpace, OSError) as exc:
            outcome: Result[str] = Result.refused(f"not restored: {exc}")
        else:
            outcome = Result.done(f"restored {', '.join(report.restored)} in {report.seconds:.1f} s")
        self.calls.append("start")
        result = AuditResult.ACCEPTED if outcome.ok else AuditResult.FAILED
        self.access.trail.record(session.user, "restore", str(backup), result=result, detail=outcome.reason)
        return outcome

    async def archive_now(self, session: UserSession) -> Result[str]:
        if (why := self._refusal(session, Permission.BACKUP, "archive")) is not None:
            return Result.refused(why)
        try:
            report = await run_blocking(lambda: archive_raw(self.settings))
        except (BackupError, NoSpace, DataDirLocked, OSError) as exc:
            self.access.trail.record(session.user, "archive", "raw", result=AuditResult.FAILED, detail=str(exc))
            return Result.refused(f"not archived: {exc}")
        text = report.stopped or f"{report.moved} rows moved"
        self.access.trail.record(session.user, "archive", "raw", new=report.moved, detail=text)
        return Result(not report.stopped, text, text)

    # --- test controls: the poller's part --------------------------------------------------

    def push(self, values: dict[str, float] | None = None, *, monotonic: float | None = None,
             ts_ms: int | None = None) -> Snapshot:
        """Poll once: update ``values`` and deliver a GOOD snapshot to every listener."""
        if values:
            self.values.update(values)
        raw: dict[str, int | float | None] = {}
        for register in self.register_map:
            try:
                raw[register.name] = register.to_raw(self.values[register.name])
            except EncodeError:
                raw[register.name] = None
        return self._deliver(dict(self.values), raw, Quality.GOOD, monotonic, ts_ms)

    def fail(self, *, monotonic: float | None = None) -> Snapshot:
        """A poll that read nothing: every value None, link down."""
        self.link = replace(self.link, connected=False, last_error="connection refused")
        none: dict[str, float | None] = dict.fromkeys(self.values)
        return self._deliver(none, dict(none), Quality.COMM_ERROR, monotonic, None)

    def recover(self) -> None:
        self.link = replace(self.link, connected=True, last_error="")

    def backfill(self, seconds: float, rate_hz: float = 10.0) -> None:
        """Deliver ``seconds`` of animated history with past timestamps (screenshots, bench)."""
        count = int(seconds * rate_hz)
        now_ms = int(time.time() * 1000)
        for i in range(count):
            age_s = (count - i) / rate_hz
            self._animate(time.monotonic() - self._t0 - age_s)
            self.push(ts_ms=now_ms - int(age_s * 1000), monotonic=time.monotonic() - age_s)

    def _deliver(self, values: dict[str, float | None], raw: dict[str, int | float | None],
                 quality: Quality, monotonic: float | None, ts_ms: int | None) -> Snapshot:
        self._seq += 1
        snapshot = Snapshot(
            seq=self._seq,
            ts_ms=int(time.time() * 1000) if ts_ms is None else ts_ms,
            monotonic=time.monotonic() if monotonic is None else monotonic,
            values=values, raw=raw, quality=quality, read_s=0.004,
        )
        self._latest = snapshot
        self.link = replace(self.link, polls=self.link.polls + 1)
        if self.control is not None:
            self.control.feed(snapshot)
        for listener in list(self._listeners):
            listener(snapshot)
        return snapshot

    async def _tick_forever(self) -> None:
        period = self.period_ms / 1000
        deadline = time.monotonic()
        while True:
            deadline += period
            await asyncio.sleep(max(0.0, deadline - time.monotonic()))
            if self.offline:
                self.fail()
                continue
            if self.animate:
                self._animate(time.monotonic() - self._t0)
            self.push()

    def _animate(self, t: float) -> None:
        # Slow load swings with faster ripple: enough texture for screenshots and the bench.
        wobble = math.sin(t * 0.7)
        self.values["band_current"] = round(14.2 + 1.5 * wobble + 0.3 * math.sin(t * 5.1), 1)
        self.values["band_torque"] = round(46.3 + 6 * wobble + 1.2 * math.sin(t * 4.3), 1)
        self.values["vibration_x"] = round(0.21 + 0.05 * math.sin(t * 3.3), 3)
        self.values["vibration_y"] = round(0.15 + 0.04 * math.sin(t * 2.9 + 1), 3)
        self.values["vibration_z"] = round(0.10 + 0.03 * math.sin(t * 4.1 + 2), 3)
        self.values["cutting_speed_actual"] = round(self.values["cutting_speed"] - 0.3 + 0.2 * wobble, 1)
        self.values["descent_speed_actual"] = round(self.values["descent_speed"] - 0.3 + 0.2 * wobble, 2)
        self.values["head_height"] = round(max(0.0, 120.0 - (t * 0.5) % 120.0), 1)
