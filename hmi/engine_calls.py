"""The contract's queries and commands, written once for the two front-end hosts of the engine.

hmi.engine_thread (the engine on a thread of this process) and hmi.engine_process (the engine in
a process of its own) forward each call of :class:`core.api.EngineApi` by its name: the async
ones to ``_ask`` (awaited on the Qt loop), the sync ones to ``_ask_now`` (the GUI thread waits,
bounded). Each host says how: a coroutine on the engine's loop, or a message over the pipe. The
``fail`` each call names is what it answers when the engine cannot (not running, no answer in
time). What differs between the hosts (the live views, listeners, the engine-stopped alarm) stays
in their own modules.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping, Sequence
from pathlib import Path
from typing import Any, Literal, TypeVar

from core.api import (
    AlarmHistoryFilter,
    AlarmLogEntry,
    AuditFilter,
    AuditRow,
    BackupInfo,
    BackupManifest,
    BandLifeView,
    CutRecord,
    EngineApi,
    ExportProgress,
    ExportRequest,
    ExportResult,
    HistoryRange,
    ImportProgress,
    ImportSummary,
    MlJournal,
    ModelFile,
    ProductionReport,
    ProductionView,
    ReplayStatus,
    ReportRequest,
    Result,
    Role,
    UserInfo,
    UserSession,
    WriteResult,
)

T = TypeVar("T")
# What a front end may ask the engine for by name: the contract's methods, nothing else.
CONTRACT_CALLS = frozenset(name for name in dir(EngineApi) if not name.startswith("_"))


class ForwardedCalls:
    """The calls of the contract that both hosts forward by name (a base class: see the module)."""

    async def _ask(self, fail: Callable[[str], T], name: str, *args: Any, **kwargs: Any) -> T:
        """``engine.name(*args, **kwargs)`` awaited; ``fail(why)`` when the engine cannot answer."""
        raise NotImplementedError

    def _ask_now(self, fail: Callable[[str], T], name: str, *args: Any, **kwargs: Any) -> T:
        """The same for a sync command: the caller waits (bounded) for the answer."""
        raise NotImplementedError

    # --- sessions -------------------------------------------------------------------------

    async def login(self, name: str, secret: str) -> Result[UserSession]:
        return await self._ask(Result.refused, "login", name, secret)

    def logout(self, session: UserSession, *, reason: str = "") -> Result[None]:
        return self._ask_now(Result.refused, "logout", session, reason=reason)

    async def create_first_admin(self, name: str, secret: str) -> Result[UserInfo]:
        return await self._ask(Result.refused, "create_first_admin", name, secret)

    # --- queries --------------------------------------------------------------------------

    async def alarm_history(self, spec: AlarmHistoryFilter) -> Result[list[AlarmLogEntry]]:
        return await self._ask(Result.refused, "alarm_history", spec)

    async def cut_records(self, start_ms: int | None = None, end_ms: int | None = None,
                          *, limit: int = 500) -> Result[list[CutRecord]]:
        return await self._ask(Result.refused, "cut_records", start_ms, end_ms, limit=limit)

    async def band_life(self) -> Result[BandLifeView]:
        return await self._ask(Result.refused, "band_life")

    async def audit_query(self, spec: AuditFilter, *, limit: int = 1000) -> Result[list[AuditRow]]:
        return await self._ask(Result.refused, "audit_query", spec, limit=limit)

    async def audit_values(self, column: Literal["user", "action"]) -> Result[list[str]]:
        return await self._ask(Result.refused, "audit_values", column)

    async def ml_journal(self, limit: int = 50, *, changes_only: bool = False) -> Result[MlJournal]:
        return await self._ask(Result.refused, "ml_journal", limit, changes_only=changes_only)

    async def history(self, names: Sequence[str], start_ms: int, end_ms: int,
                      *, max_points: int = 4000) -> Result[HistoryRange]:
        return await self._ask(Result.refused, "history", list(names), start_ms, end_ms, max_points=max_points)

    async def users(self) -> Result[list[UserInfo]]:
        return await self._ask(Result.refused, "users")

    async def backups(self) -> Result[list[BackupInfo]]:
        return await self._ask(Result.refused, "backups")

    async def verify_backup(self, backup: Path) -> Result[BackupManifest]:
        return await self._ask(Result.refused, "verify_backup", backup)

    async def models(self) -> Result[list[ModelFile]]:
        return await self._ask(Result.refused, "models")

    async def production_view(self) -> Result[ProductionView]:
        return await self._ask(Result.refused, "production_view")

    async def production_report(self, request: ReportRequest) -> Result[ProductionReport]:
        return await self._ask(Result.refused, "production_report", request)

    # --- commands -------------------------------------------------------------------------

    async def write(self, session: UserSession, name: str, value: float, *, reason: str = "") -> WriteResult:
        return await self._ask(lambda why: WriteResult(name, value, ok=False, reason=why),
                               "write", session, name, value, reason=reason)

    async def apply_preset(self, session: UserSession, preset: str) -> list[WriteResult]:
        return await self._ask(lambda why: [WriteResult("preset", 0.0, ok=False, reason=why)],
                               "apply_preset", session, preset)

    def set_mode(self, session: UserSession, mode: str, *, reason: str = "") -> Result[None]:
        return self._ask_now(Result.refused, "set_mode", session, mode, reason=reason)

    def restore_previous_speeds(self, session: UserSession) -> Result[str]:
        return self._ask_now(Result.refused, "restore_previous_speeds", session)

    def keep_present_speeds(self, session: UserSession) -> Result[None]:
        return self._ask_now(Result.refused, "keep_present_speeds", session)

    def note_band(self, session: UserSession, text: str, *, band_id: int | None = None) -> Result[int]:
        return self._ask_now(Result.refused, "note_band", session, text, band_id=band_id)

    def acknowledge_alarm(self, session: UserSession, key: str) -> Result[None]:
        return self._ask_now(Result.refused, "acknowledge_alarm", session, key)

    def acknowledge_all_alarms(self, session: UserSession) -> Result[int]:
        return self._ask_now(Result.refused, "acknowledge_all_alarms", session)

    def shelve_alarm(self, session: UserSession, key: str, duration_s: float, reason: str) -> Result[None]:
        return self._ask_now(Result.refused, "shelve_alarm", session, key, duration_s, reason)

    def unshelve_alarm(self, session: UserSession, key: str) -> Result[None]:
        return self._ask_now(Result.refused, "unshelve_alarm", session, key)

    def set_alarm_in_service(self, session: UserSession, key: str, in_service: bool,
                             *, reason: str = "") -> Result[None]:
        return self._ask_now(Result.refused, "set_alarm_in_service", session, key, in_service, reason=reason)

    def set_guard_settings(self, session: UserSession,
                           changes: Mapping[str, float | bool]) -> Result[dict[str, tuple[object, object]]]:
        return self._ask_now(Result.refused, "set_guard_settings", session, dict(changes))

    def set_control_settings(self, session: UserSession,
                             changes: Mapping[str, float | bool]) -> Result[dict[str, tuple[object, object]]]:
        return self._ask_now(Result.refused, "set_control_settings", session, dict(changes))

    async def load_model(self, session: UserSession, path: Path) -> Result[ModelFile]:
        return await self._ask(Result.refused, "load_model", session, path)

    async def backup_now(self, session: UserSession) -> Result[BackupManifest]:
        return await self._ask(Result.refused, "backup_now", session)

    async def restore(self, session: UserSession, backup: Path) -> Result[str]:
        return await self._ask(Result.refused, "restore", session, backup)

    async def archive_now(self, session: UserSession) -> Result[str]:
        return await self._ask(Result.refused, "archive_now", session)

    async def export(self, session: UserSession, request: ExportRequest, *, progress: ExportProgress | None = None,
                     cancel: Callable[[], bool] | None = None) -> Result[ExportResult]:
        return await self._ask(Result.refused, "export", session, request, progress=progress, cancel=cancel)

    async def import_smart_saw(self, session: UserSession, source_dir: Path, *, dry_run: bool = False,
                               progress: Callable[[ImportProgress], None] | None = None,
                               cancel: Callable[[], bool] | None = None) -> Result[ImportSummary]:
        # progress is called on the pipe's thread: the dialog only stores it (its timer shows it).
        return await self._ask(Result.refused, "import_smart_saw", session, source_dir, dry_run=dry_run,
                               progress=progress, cancel=cancel)

    async def export_alarm_history(self, session: UserSession, spec: AlarmHistoryFilter, out: Path) -> Result[int]:
        return await self._ask(Result.refused, "export_alarm_history", session, spec, out)

    async def export_audit(self, session: UserSession, spec: AuditFilter, out: Path) -> Result[int]:
        return await self._ask(Result.refused, "export_audit", session, spec, out)

    async def export_production_report(self, session: UserSession, request: ReportRequest,
                                       out: Path) -> Result[Path]:
        return await self._ask(Result.refused, "export_production_report", session, request, out)

    async def add_user(self, session: UserSession, name: str, role: Role, secret: str) -> Result[UserInfo]:
        return await self._ask(Result.refused, "add_user", session, name, role, secret)

    async def set_user_secret(self, session: UserSession, name: str, secret: str) -> Result[UserInfo]:
        return await self._ask(Result.refused, "set_user_secret", session, name, secret)

    async def set_user_enabled(self, session: UserSession, name: str, enabled: bool) -> Result[UserInfo]:
        return await self._ask(Result.refused, "set_user_enabled", session, name, enabled)

    async def set_user_role(self, session: UserSession, name: str, role: Role) -> Result[UserInfo]:
        return await self._ask(Result.refused, "set_user_role", session, name, role)

    # --- replay ---------------------------------------------------------------------------

    async def replay_start(self, session: UserSession, start_ms: int, end_ms: int, *, speed: float = 1.0,
                           label: str = "") -> Result[ReplayStatus]:
        return await self._ask(Result.refused, "replay_start", session, start_ms, end_ms, speed=speed, label=label)

    def replay_pause(self, session: UserSession, paused: bool) -> Result[ReplayStatus]:
        return self._ask_now(Result.refused, "replay_pause", session, paused)

    def replay_speed(self, session: UserSession, speed: float) -> Result[ReplayStatus]:
        return self._ask_now(Result.refused, "replay_speed", session, speed)

    async def replay_seek(self, session: UserSession, position_ms: int) -> Result[ReplayStatus]:
        return await self._ask(Result.refused, "replay_seek", session, position_ms)

    async def replay_stop(self, session: UserSession) -> Result[ReplayStatus]:
        return await self._ask(Result.refused, "replay_stop", session)
