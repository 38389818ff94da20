"""The engine's commands (core.api): each checked by the one ``can()`` and audited here.

Pattern of every command: authorize (a refusal is audited by the access control and returned
with its reason, nothing changed) -> validate the whole request -> apply -> audit who, what,
old -> new and the outcome. Settings changed here last until the program restarts.
"""

from __future__ import annotations

import logging
import sqlite3
import time
from collections.abc import Callable, Mapping
from functools import partial
from pathlib import Path
from typing import Any

from pydantic import BaseModel, ValidationError

from core.analysis.alarm_history import HistoryFilter as AlarmHistoryFilter
from core.analysis.alarm_history import export_csv as export_alarm_csv
from core.analysis.alarms import AlarmManager
from core.api import ExportProgress, ExportRequest, ImportProgress, ImportSummary, Result, UserSession
from core.config import ControlSettings, Settings, TorqueGuardSettings
from core.control.service import MlControl
from core.engine_queries import query
from core.engine_worker import WorkerFailed, run_in_process
from core.migrate.importer import CancelToken, ImportRefused
from core.migrate.samples_stream import MappingError
from core.migrate.service import import_smart_saw_async
from core.ml.artefact import ModelRefused
from core.ml.artefact import load_model as verify_model
from core.offload import run_blocking
from core.production.band_life_history import BandNotes, clean_note
from core.queries.models import ModelFile
from core.registers import RegisterMap
from core.security.access import AccessControl, PermissionDenied
from core.security.audit import AuditResult
from core.security.audit_query import AuditFilter
from core.security.audit_query import export_csv as export_audit_csv
from core.security.permissions import Permission
from core.storage.backup import BackupError
from core.storage.backup_manifest import Manifest as BackupManifest
from core.storage.backup_scheduler import BackupScheduler
from core.storage.export import ExportError, ExportResult, export_data
from core.storage.space import NoSpace
from core.storage.sqlite_open import database_path
from core.texts import (
    ALARM_ALREADY_SO,
    BAND_ID_RANGE,
    CANNOT_SHELVE,
    ENGINE_NOT_RUNNING,
    NO_BAND_YET,
    NOT_SHELVED,
    NOTHING_TO_ACKNOWLEDGE,
    Text,
)

log = logging.getLogger("bandsaw.engine.commands")

# settings.control fields an engineer may tune while running (the rest need a restart).
TUNABLE_CONTROL = frozenset({
    "global_factor", "write_threshold_descent", "write_threshold_cutting", "initial_delay_min_s",
    "initial_descent_mm", "restore_speeds_after_cut",
})
Changes = dict[str, tuple[object, object]]


MAX_NAME_CHARS = 40  # a setting's name as a refusal shows it
MAX_NAMED = 5  # names listed in one refusal; the rest are counted
MAX_REASON_CHARS = 300  # a refusal's text, whatever was sent


def shown_name(name: object) -> str:
    """A name from a request as a refusal (screen, audit trail) shows it: letters, digits, ``_.-``
    only, at most MAX_NAME_CHARS (a request never puts its own text, control characters or
    megabytes into the trail)."""
    text = "".join(c for c in str(name)[: MAX_NAME_CHARS * 4] if c.isascii() and (c.isalnum() or c in "_.-"))
    if not text:
        return "?"
    return text if len(text) <= MAX_NAME_CHARS else text[: MAX_NAME_CHARS - 1] + "…"


def named(names: list[object]) -> str:
    listed = ", ".join(shown_name(name) for name in names[:MAX_NAMED])
    return listed + (f" and {len(names) - MAX_NAMED} more" if len(names) > MAX_NAMED else "")


def bounded(text: str) -> str:
    return text if len(text) <= MAX_REASON_CHARS else text[: MAX_REASON_CHARS - 1] + "…"


def validation_text(exc: ValidationError) -> str:
    """Which fields were refused and why, in pydantic's words; never the values that were sent."""
    parts = []
    errors = exc.errors(include_input=False, include_url=False)
    for error in errors[:MAX_NAMED]:
        where = ".".join(shown_name(p) for p in error.get("loc", ())) or "value"
        parts.append(f"{where}: {error.get('msg', 'invalid')}")
    if len(errors) > MAX_NAMED:
        parts.append(f"{len(errors) - MAX_NAMED} more")
    return bounded("; ".join(parts))


class _CallableCancel(CancelToken):
    """A CancelToken asking a front end's ``cancel()`` callable too."""

    def __init__(self, asked: Callable[[], bool] | None) -> None:
        super().__init__()
        self._asked = asked

    @property
    def cancelled(self) -> bool:
        return super().cancelled or (self._asked is not None and bool(self._asked()))


class EngineCommands:
    """Mixed into core.engine.Engine; the attributes below are the engine's."""

    settings: Settings
    alarms: AlarmManager
    access: AccessControl
    control: MlControl | None
    backup_scheduler: BackupScheduler | None
    register_map: RegisterMap
    band_notes: BandNotes

    # --- helpers ---------------------------------------------------------------------------

    def _refusal(self, session: UserSession, permission: Permission, target: str = "") -> str | Text | None:
        """None when ``session`` may do it now; else the reason, coded (the refusal is audited)."""
        try:
            self.access.authorize(session.user, permission, target=target)
        except PermissionDenied as exc:
            return exc.text or exc.reason
        return None

    def _record(self, session: UserSession, action: str, target: str = "", *, old: float | str | None = None,
               new: float | str | None = None, result: AuditResult = AuditResult.ACCEPTED, detail: str = "") -> None:
        self.access.trail.record(session.user, action, target, old=old, new=new, result=result, detail=detail)

    def _failed(self, session: UserSession, action: str, target: str, reason: str | Text,
                result: AuditResult = AuditResult.REFUSED) -> Result[Any]:
        """Refused (the default: a rule said no, nothing changed) or FAILED (tried, did not work)."""
        self._record(session, action, target, result=result, detail=str(reason))
        return Result.refused(reason)

    # --- mode and alarms -------------------------------------------------------------------

    def replay_hold(self) -> str:
        """Why the PLC must not be written now ("" when it may); core.engine_replay overrides it."""
        return ""

    def set_mode(self, session: UserSession, mode: str, *, reason: str = "") -> Result[None]:
        if (why := self._refusal(session, Permission.TOGGLE_ML, mode)) is not None:
            return Result.refused(why)
        if mode == "ml" and (held := self.replay_hold()):
            return self._failed(session, "set_mode", mode, held)  # ML writes the speeds
        if self.control is None:
            return self._failed(session, "set_mode", mode, ENGINE_NOT_RUNNING())
        old = self.control.mode.value
        ok, why = self.control.request_mode(mode, user=session.user, reason=reason)
        if not ok:
            self._record(session, "set_mode", "control", old=old, new=mode, result=AuditResult.REFUSED, detail=why)
            return Result.refused(why)
        if self.control.mode.value != old:
            self._record(session, "set_mode", "control", old=old, new=self.control.mode.value, detail=reason)
        return Result.done(note=why)

    def restore_previous_speeds(self, session: UserSession) -> Result[str]:
        if (why := self._refusal(session, Permission.CHANGE_ML_SETTINGS, "operator_speeds")) is not None:
            return Result.refused(why)
        if held := self.replay_hold():
            return self._failed(session, "restore_speeds", "operator_speeds", held)
        if self.control is None:
            return self._failed(session, "restore_speeds", "operator_speeds", ENGINE_NOT_RUNNING())
        ok, text = self.control.restore_previous(session.user)
        if not ok:
            return self._failed(session, "restore_speeds", "operator_speeds", text)
        self._record(session, "restore_speeds", "operator_speeds", new=text,
                     detail="the previous run ended with ML holding the speeds")
        return Result.done(text)

    def keep_present_speeds(self, session: UserSession) -> Result[None]:
        if (why := self._refusal(session, Permission.CHANGE_ML_SETTINGS, "operator_speeds")) is not None:
            return Result.refused(why)
        if self.control is None:
            return self._failed(session, "keep_speeds", "operator_speeds", ENGINE_NOT_RUNNING())
        ok, text = self.control.keep_previous(session.user)
        if not ok:
            return self._failed(session, "keep_speeds", "operator_speeds", text)
        self._record(session, "keep_speeds", "operator_speeds",
                     detail="the PLC's speeds stay; the previous run ended with ML holding the speeds")
        return Result.done()

    def note_band(self, session: UserSession, text: str, *, band_id: int | None = None) -> Result[int]:
        """A note in the band history about the band on the saw (or ``band_id``); returns the band."""
        if (why := self._refusal(session, Permission.NOTE_BAND, "band_history")) is not None:
            return Result.refused(why)
        try:
            note = clean_note(text)
        except ValueError as exc:
            return Result.refused(str(exc))
        band = self.band_notes.band if band_id is None else band_id
        if band is None:
            return Result.refused(NO_BAND_YET())
        if not 0 <= band <= 0xFFFF:
            return Result.refused(BAND_ID_RANGE(band=band))
        self.band_notes.note(int(time.time() * 1000), band, note, session.user)
        self._record(session, "band_note", f"band_history.{band}", new=note)
        return Result.done(band)

    def acknowledge_alarm(self, session: UserSession, key: str) -> Result[None]:
        if (why := self._refusal(session, Permission.ACKNOWLEDGE_ALARM, key)) is not None:
            return Result.refused(why)
        # The alarm manager's transition is audited by the trail (attach_alarms): old -> new state.
        done = self.alarms.acknowledge(key, session.user)
        return Result.done() if done else Result.refused(NOTHING_TO_ACKNOWLEDGE())

    def acknowledge_all_alarms(self, session: UserSession) -> Result[int]:
        if (why := self._refusal(session, Permission.ACKNOWLEDGE_ALARM, "all")) is not None:
            return Result.refused(why)
        return Result.done(self.alarms.acknowledge_all(session.user))

    def shelve_alarm(self, session: UserSession, key: str, duration_s: float, reason: str) -> Result[None]:
        if (why := self._refusal(session, Permission.SHELVE_ALARM, key)) is not None:
            return Result.refused(why)
        if not reason.strip():
            return self._failed(session, "alarm_shelve", key, "a reason is required to shelve an alarm")
        done = self.alarms.shelve(key, session.user, duration_s, reason)
        return Result.done() if done else Result.refused(CANNOT_SHELVE())

    def unshelve_alarm(self, session: UserSession, key: str) -> Result[None]:
        if (why := self._refusal(session, Permission.SHELVE_ALARM, key)) is not None:
            return Result.refused(why)
        return Result.done() if self.alarms.unshelve(key, session.user) else Result.refused(NOT_SHELVED())

    def set_alarm_in_service(self, session: UserSession, key: str, in_service: bool,
                                   *, reason: str = "") -> Result[None]:
        if (why := self._refusal(session, Permission.SHELVE_ALARM, key)) is not None:
            return Result.refused(why)
        if in_service:
            done = self.alarms.return_to_service(key, session.user)
        else:
            if not reason.strip():
                return self._failed(session, "alarm_remove_from_service", key, "a reason is required")
            done = self.alarms.remove_from_service(key, session.user, reason)
        return Result.done() if done else Result.refused(ALARM_ALREADY_SO())

    # --- settings ----------------------------------------------------------------------------

    def set_guard_settings(self, session: UserSession,
                                 changes: Mapping[str, float | bool]) -> Result[Changes]:
        if (why := self._refusal(session, Permission.CHANGE_CONTROL_SETTINGS, "control.torque_guard")) is not None:
            return Result.refused(why)
        targets: list[BaseModel] = [self.settings.control.torque_guard]
        if self.control is not None and self.control.controller.guard.settings is not targets[0]:
            targets.insert(0, self.control.controller.guard.settings)
        return self._apply_settings(session, "control.torque_guard", TorqueGuardSettings, targets, changes,
                                    tunable=set(TorqueGuardSettings.model_fields))

    def set_control_settings(self, session: UserSession,
                                   changes: Mapping[str, float | bool]) -> Result[Changes]:
        if (why := self._refusal(session, Permission.CHANGE_CONTROL_SETTINGS, "control")) is not None:
            return Result.refused(why)
        return self._apply_settings(session, "control", ControlSettings, [self.settings.control], changes,
                                    tunable=set(TUNABLE_CONTROL))

    def _apply_settings(self, session: UserSession, prefix: str, model: type[BaseModel], targets: list[BaseModel],
                        changes: object, *, tunable: set[str]) -> Result[Changes]:
        """Validate the whole set, then apply it; the answer and the trail hold the values as the
        settings took them (``"1"`` sent for a bool comes back as True), never the raw request."""
        if not isinstance(changes, Mapping):
            return self._failed(session, "setting", prefix, "not applied: not a set of names and values")
        unknown = [name for name in changes if not isinstance(name, str) or name not in tunable]
        if unknown:
            what = "not tunable while running" if prefix == "control" else "no such setting"
            return self._failed(session, "setting", prefix, f"{what}: {named(unknown)}")
        live = targets[0]
        try:  # the whole set first: nothing changes unless every value is allowed
            checked = model.model_validate({**live.model_dump(), **changes})
        except ValidationError as exc:
            return self._failed(session, "setting", prefix, f"not applied: {validation_text(exc)}")
        changed: Changes = {name: (getattr(live, name), getattr(checked, name)) for name in changes
                            if getattr(live, name) != getattr(checked, name)}
        for target in targets:
            for name, (_old, new) in changed.items():
                setattr(target, name, new)
        for name, (old, new) in changed.items():
            self.access.trail.setting_changed(session.user, f"{prefix}.{name}", old, new, detail="until restart")
        return Result.done(changed)

    # --- model -------------------------------------------------------------------------------

    async def load_model(self, session: UserSession, path: Path) -> Result[ModelFile]:
        target = str(path)
        if (why := self._refusal(session, Permission.CHANGE_ML_SETTINGS, target)) is not None:
            return Result.refused(why)
        control = self.control
        if control is None:
            return self._failed(session, "load_model", target, ENGINE_NOT_RUNNING())
        if control.status().controlling:
            return self._failed(session, "load_model", target,
                                "ML is controlling a cut: switch ML off or wait for the cut to end")
        old = control.controller.model.name if control.controller.model is not None else None
        try:  # sha256, versions and unpickling in a worker: seconds for a big forest
            loaded = await run_blocking(verify_model, path, control.model_key(), name="bandsaw-model-verify")
        except ModelRefused as exc:
            control.load_model(path)  # the engine's own path raises the alarm and leaves ML
            return self._failed(session, "load_model", target, str(exc))
        except Exception as exc:  # anything unpickling raised
            return self._failed(session, "load_model", target, f"{type(exc).__name__}: {exc}")
        if not control.controller.set_model(loaded):
            return self._failed(session, "load_model", target, control.controller.model_error or "refused")
        manifest = loaded.manifest
        # Kept if the engine is restarted inside this program; config.yaml is unchanged.
        self.settings.ml.model_path = Path(path).with_suffix("")
        self._record(session, "load_model", target, old=old, new=manifest.name, detail=f"sha256 {manifest.sha256}")
        return Result.done(ModelFile(Path(path).with_suffix(""), manifest))

    # --- data ---------------------------------------------------------------------------------

    async def backup_now(self, session: UserSession) -> Result[BackupManifest]:
        if (why := self._refusal(session, Permission.BACKUP, "backup")) is not None:
            return Result.refused(why)
        if self.backup_scheduler is None:
            return self._failed(session, "backup", "daily", ENGINE_NOT_RUNNING())
        try:
            manifest = await self.backup_scheduler.backup_now()
        except (BackupError, NoSpace, OSError) as exc:
            return self._failed(session, "backup", "daily", str(exc), AuditResult.FAILED)
        where = manifest.path.name if manifest.path is not None else "daily"
        self._record(session, "backup", where, new=manifest.total_rows, detail=f"{manifest.seconds:.1f} s")
        return Result.done(manifest)

    async def export(self, session: UserSession, request: ExportRequest, *, progress: ExportProgress | None = None,
                     cancel: Callable[[], bool] | None = None) -> Result[ExportResult]:
        target = f"{request.what} -> {request.out}"
        if (why := self._refusal(session, Permission.EXPORT, target)) is not None:
            return Result.refused(why)
        # A day of samples is Python-heavy row by row: a worker process, so the poll loop never waits.
        job = partial(export_data, self.settings.data_dir, request.out, what=request.what,
                      start_ms=request.start_ms, end_ms=request.end_ms,
                      signals=None if request.signals is None else list(request.signals), fmt=request.fmt,
                      zone=request.zone)
        try:
            result = await run_in_process(job, name="bandsaw-export", progress=progress, cancel=cancel,
                                          feedback=True)
        except (ExportError, WorkerFailed) as exc:
            return self._failed(session, "export", target, str(exc), AuditResult.FAILED)
        self._record(session, "export", target, new=result.rows,
                    detail=f"{request.start_ms}..{request.end_ms}; {result.seconds:.1f} s")
        return Result.done(result)

    async def import_smart_saw(self, session: UserSession, source_dir: Path, *, dry_run: bool = False,
                               progress: Callable[[ImportProgress], None] | None = None,
                               cancel: Callable[[], bool] | None = None) -> Result[ImportSummary]:
        # Data management like a backup (engineer): the engine keeps recording meanwhile.
        target = f"smart-saw {source_dir}"
        if (why := self._refusal(session, Permission.BACKUP, target)) is not None:
            return Result.refused(why)
        token = _CallableCancel(cancel)
        try:
            summary = await import_smart_saw_async(source_dir, self.settings, self.register_map, progress=progress,
                                                   cancel=token, dry_run=dry_run, engine_running=True)
        except (ImportRefused, MappingError, sqlite3.Error, OSError) as exc:
            self._record(session, "import_smart_saw", target, result=AuditResult.FAILED, detail=str(exc))
            return Result.refused(str(exc))
        if not dry_run:
            self._record(session, "import_smart_saw", target, new=summary.imported,
                         result=AuditResult.FAILED if summary.failed or summary.cancelled else AuditResult.ACCEPTED,
                         detail=f"{summary.rejected} rejected; {summary.elapsed_s:.1f} s"
                                + ("; cancelled" if summary.cancelled else ""))
        return Result.done(summary)

    async def export_alarm_history(self, session: UserSession, spec: AlarmHistoryFilter, out: Path) -> Result[int]:
        if (why := self._refusal(session, Permission.EXPORT, f"alarm history -> {out}")) is not None:
            return Result.refused(why)
        done = await query("alarm history", export_alarm_csv, database_path(self.settings.data_dir, "log"), out, spec)
        return self._exported(session, "alarm history", out, done)

    async def export_audit(self, session: UserSession, spec: AuditFilter, out: Path) -> Result[int]:
        if (why := self._refusal(session, Permission.EXPORT, f"audit -> {out}")) is not None:
            return Result.refused(why)
        done = await query("audit trail", export_audit_csv, database_path(self.settings.data_dir, "log"), out, spec)
        return self._exported(session, "audit", out, done)

    def _exported(self, session: UserSession, what: str, out: Path, done: Result[int]) -> Result[int]:
        if not done.ok:
            return self._failed(session, "export", f"{what} -> {out}", done.reason, AuditResult.FAILED)
        self._record(session, "export", f"{what} -> {out}", new=done.value)
        return done
