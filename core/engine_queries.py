"""The engine's queries (core.api): in-memory views, and SQLite reads run in a worker thread.

Every read opens its own read-only connection in the worker (WAL: it never blocks a writer) and
comes back as a :class:`core.api.Result`; a locked, missing or corrupt database is a refused
result with the reason, never an exception on the loop and never a frozen screen.
"""

from __future__ import annotations

import logging
import sqlite3
from collections.abc import Callable, Sequence
from dataclasses import replace
from pathlib import Path
from typing import Literal, TypeVar

from core.analysis.alarm_history import AlarmLogEntry, in_every_language, query_history
from core.analysis.alarm_history import HistoryFilter as AlarmHistoryFilter
from core.analysis.alarms import Alarm, AlarmManager, AlarmState, AlarmSummary
from core.analysis.band_life import BandLifeView, read_band_life
from core.api import AlarmListener, BackupStatus, ControlView, Result
from core.config import Settings
from core.control.ml_controller import ControllerStatus
from core.control.service import MlControl
from core.engine_production import ProductionQueries
from core.offload import run_blocking
from core.queries.cuts import CutRecord, read_cuts
from core.queries.history import HistoryError, HistoryRange, RawHistory, raw_db_path
from core.queries.ml_journal import MlJournal, read_journal
from core.queries.models import ModelFile, find_models, model_folders
from core.security.access import AccessControl
from core.security.audit_query import AuditFilter, AuditRow, distinct_values, query_audit
from core.security.users import User, UserError
from core.storage.backup import daily_dir
from core.storage.backup_manifest import BackupInfo, BackupInvalid, list_backups, verify_backup
from core.storage.backup_manifest import Manifest as BackupManifest
from core.storage.backup_scheduler import BackupScheduler
from core.storage.sqlite_open import database_path

log = logging.getLogger("bandsaw.engine.queries")

T = TypeVar("T")
QUERY_ERRORS = (sqlite3.Error, OSError, HistoryError, UserError, ValueError)


async def query(what: str, fn: Callable[..., T], *args: object) -> Result[T]:
    """``fn(*args)`` in a worker thread; a database or file error becomes a refused result."""
    try:
        return Result.done(await run_blocking(fn, *args, name=f"bandsaw-query-{what}"))
    except QUERY_ERRORS as exc:
        log.warning("%s query failed: %s", what, exc)
        return Result.refused(f"cannot read the {what}: {exc}")


class EngineQueries(ProductionQueries):
    """Mixed into core.engine.Engine; the attributes below are the engine's. The Production page's
    queries and the report export come from core.engine_production."""

    settings: Settings
    alarms: AlarmManager
    access: AccessControl
    control: MlControl | None
    backup_scheduler: BackupScheduler | None

    # --- in memory ---------------------------------------------------------------------------

    def active_alarms(self) -> list[Alarm]:
        return self.alarms.active()

    def suppressed_alarms(self) -> list[Alarm]:
        return self.alarms.suppressed()

    def alarm(self, key: str) -> Alarm | None:
        """An alarm in one of the three lists (needs attention, suppressed, engineer's queue); a
        cleared and acknowledged one (NORMAL) is None, as for a key never raised: the lists say
        nothing of it, and a front end's mirror of them (hmi.engine_process) answers the same."""
        alarm = self.alarms.get(key)
        return None if alarm is None or alarm.state is AlarmState.NORMAL else alarm

    def alarm_summary(self) -> AlarmSummary:
        return self.alarms.summary()

    def engineer_alarms(self) -> list[Alarm]:
        return self.alarms.engineer_queue()

    def subscribe_alarms(self, listener: AlarmListener) -> Callable[[], None]:
        return self.alarms.subscribe(listener)

    def control_status(self) -> ControllerStatus | None:
        return self.control.status() if self.control is not None else None

    def control_view(self) -> ControlView | None:
        if self.control is None:
            return None
        controller = self.control.controller
        model = controller.model
        loaded = None
        if model is not None:
            path = Path(getattr(model, "path", Path(model.name)))
            loaded = ModelFile(path.with_suffix(""), getattr(model, "manifest", None))
        return ControlView(
            status=_copy(self.control.status()), model=loaded,
            model_features=tuple(model.features) if model is not None else (),
            model_error=controller.model_error, last_fault=self.control.modes.last_fault,
            guard=controller.guard.settings.model_copy(), guard_events=controller.guard.events,
        )

    def backup_status(self) -> BackupStatus:
        scheduler = self.backup_scheduler
        if scheduler is None:
            return BackupStatus()
        archive = scheduler.last_archive
        archive_text = "" if archive is None else (archive.stopped or f"{archive.moved} rows archived")
        newest_s = scheduler.last_backup_s()  # this run's, else the newest on disk (kept, no file read)
        last = round(newest_s * 1000) if newest_s is not None else None
        return BackupStatus(running=scheduler.running, last_backup_ms=last,
                            next_due_ms=int(scheduler.next_due_s() * 1000), last_error=scheduler.last_error,
                            last_archive=archive_text)

    # --- SQLite and files, in a worker thread ---------------------------------------------

    async def alarm_history(self, spec: AlarmHistoryFilter) -> Result[list[AlarmLogEntry]]:
        found = await query("alarm history", query_history, database_path(self.settings.data_dir, "log"), spec)
        if found.ok and found.value is not None:  # the texts in every language, for the screen's
            found = replace(found, value=in_every_language(found.value, self.alarms.policy.catalogue))
        return found

    async def cut_records(self, start_ms: int | None = None, end_ms: int | None = None,
                          *, limit: int = 500) -> Result[list[CutRecord]]:
        return await query("cut records", lambda: read_cuts(self.settings.data_dir, start_ms, end_ms, limit=limit))

    async def band_life(self) -> Result[BandLifeView]:
        path = database_path(self.settings.data_dir, "total")
        return await query("band life", read_band_life, path, self.settings.analysis)

    async def audit_query(self, spec: AuditFilter, *, limit: int = 1000) -> Result[list[AuditRow]]:
        path = database_path(self.settings.data_dir, "log")
        return await query("audit trail", lambda: query_audit(path, spec, limit=limit))

    async def audit_values(self, column: Literal["user", "action"]) -> Result[list[str]]:
        return await query("audit trail", distinct_values, database_path(self.settings.data_dir, "log"), column)

    async def ml_journal(self, limit: int = 50, *, changes_only: bool = False) -> Result[MlJournal]:
        journal = await run_blocking(lambda: read_journal(self.settings.data_dir, limit, changes_only=changes_only),
                                     name="bandsaw-query-journal")
        return Result(not journal.error, journal, journal.error)

    async def history(self, names: Sequence[str], start_ms: int, end_ms: int,
                      *, max_points: int = 4000) -> Result[HistoryRange]:
        reader = RawHistory(raw_db_path(self.settings.data_dir), max_points=max_points)
        try:
            value = await run_blocking(reader.read, start_ms / 1000, end_ms / 1000, list(names),
                                       name="bandsaw-query-history")
        except HistoryError as exc:
            return Result.refused(str(exc))
        return Result.done(value)

    async def users(self) -> Result[list[User]]:
        return await query("users", self.access.store.list)

    async def backups(self) -> Result[list[BackupInfo]]:
        return await query("backups", list_backups, daily_dir(self.settings.data_dir))

    async def verify_backup(self, backup: Path) -> Result[BackupManifest]:
        try:
            return Result.done(await run_blocking(verify_backup, backup, name="bandsaw-query-verify"))
        except (BackupInvalid, OSError) as exc:
            return Result.refused(str(exc))

    async def models(self) -> Result[list[ModelFile]]:
        return await query("models", find_models, model_folders(self.settings))


def _copy(status: ControllerStatus) -> ControllerStatus:
    return replace(status, features=dict(status.features), saved_speeds=dict(status.saved_speeds),
                   left_speeds=dict(status.left_speeds), left_operator=dict(status.left_operator),
                   left_changed=dict(status.left_changed))
