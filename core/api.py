"""The whole contract between front ends (HMI, CLI, telemetry RPC) and the engine.

A front end imports from core only this module (it re-exports the value types it needs),
core.snapshot, core.registers and core.config; import-linter enforces it (pyproject.toml).

- Queries are ``async`` and never block the event-loop thread: SQLite reads run in a worker
  thread. A failing query returns ``Result(ok=False, reason=...)``, never an exception.
  In-memory views (latest snapshot, status, active alarms, controller status) are plain calls.
- Commands take the acting :class:`UserSession` first. The engine checks each one with its one
  ``can()`` (core.security.access) and audits it (who, what, old -> new, outcome, refusals too).
  A refused command changes nothing and returns a result whose ``reason`` the screen shows.

Implemented by core.engine.Engine and by core.testing.standin_engine.StandInEngine (the typed
stand-in for widget tests); mypy checks both against :class:`EngineApi`.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Generic, Literal, Protocol, TypeVar

from core.analysis.alarm_history import AlarmLogEntry
from core.analysis.alarm_history import HistoryFilter as AlarmHistoryFilter
from core.analysis.alarms import Alarm, AlarmCounts, AlarmState, AlarmSummary, AlarmTransition, Priority
from core.analysis.band_life import BandLifeView
from core.config import Settings, TorqueGuardSettings
from core.control.ml_parts import ALARM_FAULT, ALARM_GUARD
from core.control.status import ControllerStatus
from core.logging_setup import setup_logging
from core.migrate.summary import ImportSummary
from core.migrate.summary import Progress as ImportProgress
from core.ml.manifest import Manifest as ModelManifest
from core.production.band_life_estimate import BandEstimate
from core.production.band_life_history import BandHistoryRow
from core.production.values import (
    DEFINITIONS as PRODUCTION_DEFINITIONS,
)
from core.production.values import (
    DowntimeCause,
    ProductionReport,
    ProductionView,
    ReportPeriod,
    ReportRequest,
    StateClass,
    StateSpan,
)
from core.queries.cuts import CutRecord
from core.queries.history import HistoryRange
from core.queries.ml_journal import CHANGE_ACTIONS, DecisionView, GuardEventView, MlJournal, ModeChangeView
from core.queries.models import ModelFile
from core.registers import RegisterMap
from core.replay.status import MAX_SPEED as REPLAY_MAX_SPEED
from core.replay.status import MIN_SPEED as REPLAY_MIN_SPEED
from core.replay.status import SPEEDS as REPLAY_SPEEDS
from core.replay.status import ReplayListener, ReplayState, ReplayStatus, period_for_alarm, period_for_cut
from core.security.audit_query import AuditFilter, AuditRow
from core.security.permissions import ACCOUNT_ROLES, ANONYMOUS_ROLES, ANONYMOUS_USER, Permission, Role, least_role
from core.security.users import User as UserInfo
from core.snapshot import Snapshot
from core.storage.backup_manifest import BackupInfo
from core.storage.backup_manifest import Manifest as BackupManifest
from core.storage.export import ExportResult
from core.texts import TEMPLATES as TEXT_TEMPLATES
from core.texts import Param as TextParam
from core.texts import Text, coded
from core.texts import parse as parse_text
from core.values import EngineStatus, LinkHealth, ServiceHealth, StorageHealth, WriteResult

__all__ = [
    "ACCOUNT_ROLES",
    "ALARM_FAULT",
    "ALARM_GUARD",
    "ANONYMOUS_ROLES",
    "ANONYMOUS_USER",
    "CHANGE_ACTIONS",
    "FIRST_ADMIN_CHANGES",
    "PRODUCTION_DEFINITIONS",
    "REPLAY_MAX_SPEED",
    "REPLAY_MIN_SPEED",
    "REPLAY_SPEEDS",
    "TEXT_TEMPLATES",
    "Alarm",
    "AlarmCounts",
    "AlarmHistoryFilter",
    "AlarmLogEntry",
    "AlarmState",
    "AlarmSummary",
    "AlarmTransition",
    "AuditFilter",
    "AuditRow",
    "BackupInfo",
    "BackupManifest",
    "BackupStatus",
    "BandEstimate",
    "BandHistoryRow",
    "BandLifeView",
    "ControlView",
    "ControllerStatus",
    "CutRecord",
    "DecisionView",
    "DowntimeCause",
    "EngineApi",
    "EngineFactory",
    "EngineStatus",
    "ExportProgress",
    "ExportRequest",
    "ExportResult",
    "GuardEventView",
    "HistoryRange",
    "LinkHealth",
    "MlJournal",
    "ModeChangeView",
    "ModelFile",
    "ModelManifest",
    "Permission",
    "Priority",
    "ProductionReport",
    "ProductionView",
    "ReplayListener",
    "ReplayState",
    "ReplayStatus",
    "ReportPeriod",
    "ReportRequest",
    "Result",
    "Role",
    "ServiceHealth",
    "SessionEvent",
    "SnapshotListener",
    "StateClass",
    "StateSpan",
    "StorageHealth",
    "Text",
    "TextParam",
    "UserInfo",
    "UserSession",
    "WriteResult",
    "coded",
    "least_role",
    "parse_text",
    "period_for_alarm",
    "period_for_cut",
    "setup_logging",
]

T = TypeVar("T")


@dataclass(frozen=True, slots=True)
class Result(Generic[T]):
    """The outcome of a query or a command: ``value`` when ok, else ``reason`` for the screen.

    ``reason`` is English (logs, CLI, audit trail); ``code`` and ``params`` say the same as a text of
    core.texts (TEXT_TEMPLATES) for a front end in another language. ``code`` "": a free text (an
    error from a library, a file system), shown as the reason says it."""

    ok: bool
    value: T | None = None
    reason: str = ""  # why it was refused or failed; on success, an optional note
    code: str = ""
    params: Mapping[str, TextParam] = field(default_factory=dict)

    @classmethod
    def done(cls, value: T | None = None, note: str | Text = "") -> Result[T]:
        english, text = coded(note) if note else ("", None)
        return cls(True, value, english, *((text.code, text.params) if text is not None else ()))

    @classmethod
    def refused(cls, reason: str | Text | BaseException) -> Result[T]:
        """Refused with ``reason``: a Text (coded), an exception (its Text, else its message) or free text."""
        english, text = coded(reason)
        return cls(False, None, english, *((text.code, text.params) if text is not None else ()))

    @property
    def text(self) -> Text | None:
        """The reason as a coded text (None for a free text)."""
        return Text(self.code, self.params) if self.code else None


@dataclass(frozen=True, slots=True)
class UserSession:
    """Who acts: the logged-in person (or the anonymous operator). Every command takes one."""

    user: str
    role: Role
    started_ms: int = 0

    @classmethod
    def anonymous(cls) -> UserSession:
        """Nobody logged in, no PIN: the engine knows this name and gives it security.anonymous_role
        (operator or viewer; ``EngineApi.current`` tells which). The role here is informative only."""
        return cls(ANONYMOUS_USER, Role.OPERATOR)

    @property
    def logged_in(self) -> bool:
        return self.user != ANONYMOUS_USER


@dataclass(frozen=True, slots=True)
class ExportRequest:
    out: Path
    what: Literal["samples", "cuts", "alarms"] = "samples"
    start_ms: int | None = None
    end_ms: int | None = None
    signals: Sequence[str] | None = None  # register columns for samples (None: all recorded)
    fmt: Literal["csv", "xlsx"] | None = None  # None: from the file's suffix
    zone: str | None = None


@dataclass(frozen=True, slots=True)
class ControlView:
    """The ML control as a front end shows it: a copy, safe to keep (None while the engine is stopped)."""

    status: ControllerStatus
    model: ModelFile | None  # the loaded model (None: none loaded)
    model_features: tuple[str, ...]
    model_error: str  # why the last model was refused ("" when none was)
    last_fault: str  # why ML mode last ended by itself ("" after a person chose a mode)
    guard: TorqueGuardSettings  # the running guard's settings (a copy: change them by command)
    guard_events: int

    @property
    def ml_available(self) -> tuple[bool, str]:
        """(ML can be switched on, why not)."""
        if self.status.left_speeds:
            return False, ("the PLC may still hold speeds ML set before the engine stopped: restore the "
                           "operator's or keep these on the Control page first")
        if self.model is None:
            return False, f"no usable ML model loaded: {self.model_error or 'none configured (ml.model_path)'}"
        return True, ""


@dataclass(frozen=True, slots=True)
class BackupStatus:
    running: bool = False
    last_backup_ms: int | None = None
    next_due_ms: int | None = None
    last_error: str = ""
    last_archive: str = ""  # what the last archive run did, in words


SnapshotListener = Callable[[Snapshot], None]
# (settings, register_map, simulate) -> an engine, not started: core.cli hands the real one to front ends.
EngineFactory = Callable[[Settings, RegisterMap, bool], "EngineApi"]
AlarmListener = Callable[[AlarmTransition], None]
SessionEvent = Literal["login", "logout", "role"]  # "role": a logged-in user's role changed
SessionListener = Callable[[str, SessionEvent], None]  # (user, event); automatic logouts too
ExportProgress = Callable[[int, int], None]  # (rows done, rows total); called from the worker thread
# The commands after which needs_first_admin() may answer differently (users.db is read again).
# A front end that keeps the answer (so that asking never reads users.db on its GUI thread)
# refreshes it after these.
FIRST_ADMIN_CHANGES = frozenset({"create_first_admin", "add_user", "set_user_enabled", "set_user_role"})


class EngineApi(Protocol):
    settings: Settings
    register_map: RegisterMap

    # --- lifecycle ----------------------------------------------------------------------------

    async def start(self) -> None: ...

    async def stop(self) -> None: ...

    # --- live views (in memory, cheap) --------------------------------------------------------

    @property
    def latest(self) -> Snapshot | None: ...

    def subscribe(self, listener: SnapshotListener) -> Callable[[], None]:
        """``listener(snapshot)`` after every poll, in the poll cycle: it must only keep the latest."""
        ...

    def status(self) -> EngineStatus: ...

    def active_alarms(self) -> list[Alarm]: ...

    def suppressed_alarms(self) -> list[Alarm]:
        """Shelved and out-of-service alarms."""
        ...

    def alarm(self, key: str) -> Alarm | None:
        """The alarm ``key`` while it is in active_alarms, suppressed_alarms or engineer_alarms;
        None once it is cleared and acknowledged (NORMAL), as for a key never raised."""
        ...

    def alarm_summary(self) -> AlarmSummary: ...

    def engineer_alarms(self) -> list[Alarm]:
        """The engineer's queue: items for judgement, not an operator response (statistical detectors,
        diagnostics; config analysis.alarms.engineer_queue) that need attention, highest priority and
        newest first. Never on the operator's banner; counted in AlarmCounts.engineer. Acknowledged
        with acknowledge_alarm like any alarm."""
        ...

    def subscribe_alarms(self, listener: AlarmListener) -> Callable[[], None]: ...

    def control_status(self) -> ControllerStatus | None:
        """The ML controller as the control page shows it (None while the engine is stopped)."""
        ...

    def control_view(self) -> ControlView | None:
        """Controller, model, last fault and guard settings in one copy (None while stopped)."""
        ...

    def backup_status(self) -> BackupStatus: ...

    # --- sessions ---------------------------------------------------------------------------

    def needs_first_admin(self) -> bool:
        """No enabled admin in users.db (a read of it: a front end keeps the answer, refreshed after
        FIRST_ADMIN_CHANGES, and never asks the engine for it on its GUI thread)."""
        ...

    def allowed(self, session: UserSession, action: Permission | str) -> bool:
        """What the screen shows or hides (no audit); the commands check again."""
        ...

    def current(self, session: UserSession) -> UserSession | None:
        """``session`` as it stands now (its role may have changed), None when it has ended."""
        ...

    def subscribe_sessions(self, listener: SessionListener) -> Callable[[], None]: ...

    async def login(self, name: str, secret: str) -> Result[UserSession]:
        """Checks the PIN off the loop thread; refused with the reason (lock-out: how long)."""
        ...

    def logout(self, session: UserSession, *, reason: str = "") -> Result[None]: ...

    def touch(self, session: UserSession) -> None:
        """The person did something at the screen: restart the inactivity time."""
        ...

    def expire_idle(self) -> list[str]:
        """Log out idle sessions; returns who (call it about once a second)."""
        ...

    async def create_first_admin(self, name: str, secret: str) -> Result[UserInfo]: ...

    # --- queries (async, off the loop thread) -----------------------------------------------

    async def alarm_history(self, spec: AlarmHistoryFilter) -> Result[list[AlarmLogEntry]]: ...

    async def cut_records(self, start_ms: int | None = None, end_ms: int | None = None,
                          *, limit: int = 500) -> Result[list[CutRecord]]: ...

    async def audit_query(self, spec: AuditFilter, *, limit: int = 1000) -> Result[list[AuditRow]]: ...

    async def band_life(self) -> Result[BandLifeView]:
        """The band on the saw: cuts, area, running time, life used and remaining (and by which
        method), and the band history, from total.db."""
        ...

    async def audit_values(self, column: Literal["user", "action"]) -> Result[list[str]]: ...

    async def ml_journal(self, limit: int = 50, *, changes_only: bool = False) -> Result[MlJournal]: ...

    async def history(self, names: Sequence[str], start_ms: int, end_ms: int,
                      *, max_points: int = 4000) -> Result[HistoryRange]:
        """Samples of ``names`` with start <= ts < end from raw.db and the archive (min/max reduced)."""
        ...

    async def users(self) -> Result[list[UserInfo]]: ...

    async def backups(self) -> Result[list[BackupInfo]]: ...

    async def verify_backup(self, backup: Path) -> Result[BackupManifest]:
        """Every file against its manifest (sizes and sha256); refused with what is damaged."""
        ...

    async def models(self) -> Result[list[ModelFile]]: ...

    async def production_view(self) -> Result[ProductionView]:
        """The running shift up to now and the last shifts (the Production page; core.production)."""
        ...

    async def production_report(self, request: ReportRequest) -> Result[ProductionReport]:
        """A period or shift; refused with one line for an empty period or an unknown shift."""
        ...

    # --- commands (session first; checked, audited) -----------------------------------------

    async def write(self, session: UserSession, name: str, value: float, *, reason: str = "") -> WriteResult:
        """A setpoint through the Writer's envelope; refused values come back with a reason."""
        ...

    async def apply_preset(self, session: UserSession, preset: str) -> list[WriteResult]: ...

    def set_mode(self, session: UserSession, mode: str, *, reason: str = "") -> Result[None]: ...

    def restore_previous_speeds(self, session: UserSession) -> Result[str]:
        """The previous run ended with ML holding the speeds (ControllerStatus.left_speeds): put the
        operator's back (engineer; audited). The value names the speeds restored."""
        ...

    def keep_present_speeds(self, session: UserSession) -> Result[None]:
        """The same question answered the other way: the PLC's present speeds stay (engineer; audited)."""
        ...

    def acknowledge_alarm(self, session: UserSession, key: str) -> Result[None]: ...

    def note_band(self, session: UserSession, text: str, *, band_id: int | None = None) -> Result[int]:
        """Write a note (one line, audited) into the band history: the band on the saw, or ``band_id``
        (a band that just came off); returns the band it was written for."""
        ...

    def acknowledge_all_alarms(self, session: UserSession) -> Result[int]: ...

    def shelve_alarm(self, session: UserSession, key: str, duration_s: float, reason: str) -> Result[None]: ...

    def unshelve_alarm(self, session: UserSession, key: str) -> Result[None]: ...

    def set_alarm_in_service(self, session: UserSession, key: str, in_service: bool,
                                   *, reason: str = "") -> Result[None]: ...

    def set_guard_settings(self, session: UserSession,
                                 changes: Mapping[str, float | bool]) -> Result[dict[str, tuple[object, object]]]:
        """Validated as a whole, applied to the running guard at once (until restart); returns
        what changed, name -> (old, new)."""
        ...

    def set_control_settings(self, session: UserSession,
                                   changes: Mapping[str, float | bool]) -> Result[dict[str, tuple[object, object]]]:
        """Run-time tunables of settings.control (global factor, thresholds, delays)."""
        ...

    async def load_model(self, session: UserSession, path: Path) -> Result[ModelFile]:
        """Verify and load a model into the controller (refused while ML controls a cut)."""
        ...

    async def backup_now(self, session: UserSession) -> Result[BackupManifest]: ...

    async def restore(self, session: UserSession, backup: Path) -> Result[str]:
        """Stop the engine's tasks, restore ``backup``, start again; the text says what was restored."""
        ...

    async def archive_now(self, session: UserSession) -> Result[str]: ...

    async def export(self, session: UserSession, request: ExportRequest, *, progress: ExportProgress | None = None,
                     cancel: Callable[[], bool] | None = None) -> Result[ExportResult]: ...

    async def import_smart_saw(self, session: UserSession, source_dir: Path, *, dry_run: bool = False,
                               progress: Callable[[ImportProgress], None] | None = None,
                               cancel: Callable[[], bool] | None = None) -> Result[ImportSummary]:
        """The older smart-saw system's history into this saw's databases while recording goes on
        (core.migrate): progress in the loop thread; cancel keeps every committed batch."""
        ...

    async def export_production_report(self, session: UserSession, request: ReportRequest,
                                       out: Path) -> Result[Path]:
        """The report as .xlsx, .csv or .pdf (engineer; audited): per shift and the total."""
        ...

    async def export_alarm_history(self, session: UserSession, spec: AlarmHistoryFilter, out: Path) -> Result[int]: ...

    async def export_audit(self, session: UserSession, spec: AuditFilter, out: Path) -> Result[int]: ...

    async def add_user(self, session: UserSession, name: str, role: Role, secret: str) -> Result[UserInfo]: ...

    async def set_user_secret(self, session: UserSession, name: str, secret: str) -> Result[UserInfo]: ...

    async def set_user_enabled(self, session: UserSession, name: str, enabled: bool) -> Result[UserInfo]: ...

    async def set_user_role(self, session: UserSession, name: str, role: Role) -> Result[UserInfo]: ...

    # --- replay (core.replay): recorded periods on the screen; PLC writes held meanwhile ---------

    def replay_status(self) -> ReplayStatus: ...

    def subscribe_replay(self, listener: ReplayListener) -> Callable[[], None]:
        """``listener(snapshot, generation)`` for every replayed sample, on the engine's loop thread
        (keep it and return); a new ``generation`` (start, seek) voids what came before."""
        ...

    def replay_hold(self) -> str:
        """"" when the PLC may be written; else why not (every write is refused with it)."""
        ...

    async def replay_start(self, session: UserSession, start_ms: int, end_ms: int, *, speed: float = 1.0,
                           label: str = "") -> Result[ReplayStatus]:
        """Replay ``[start_ms, end_ms)`` from raw.db and the archive at 1x-60x (within a second);
        refused with why for an empty period or while ML controls the speeds; audited."""
        ...

    def replay_pause(self, session: UserSession, paused: bool) -> Result[ReplayStatus]: ...

    def replay_speed(self, session: UserSession, speed: float) -> Result[ReplayStatus]: ...

    async def replay_seek(self, session: UserSession, position_ms: int) -> Result[ReplayStatus]: ...

    async def replay_stop(self, session: UserSession) -> Result[ReplayStatus]:
        """Back to live (audited); writes to the PLC are allowed again."""
        ...
