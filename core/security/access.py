"""Access control: who is logged in, what they may do, and the engine's refusal when they may not.

One :class:`AccessControl` per process holds the users store and the open sessions. The HMI
logs people in and out through it; the engine calls :meth:`AccessControl.authorize` before any
protected action, whatever the HMI showed. Every login, log-out, failed login, lock-out, user
change and refusal goes to the audit trail. Time comes from injected clocks: ``clock`` (wall,
for timestamps and persisted lock-outs) and ``monotonic`` (inactivity).
"""

from __future__ import annotations

import logging
import time
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from typing import Any, TypeVar

from core.analysis.alarms import AlarmManager, Priority
from core.offload import run_blocking
from core.security.audit import AuditResult, AuditSink
from core.security.audit_missing import standing_loss, trail_younger_than_data
from core.security.passwords import DEFAULT_PARAMS, ScryptParams
from core.security.permissions import (
    ANONYMOUS_USER,
    INTERNAL_USERS,
    Permission,
    Role,
    can,
    least_role,
    permission,
)
from core.security.settings import SecuritySettings
from core.security.trail import AuditTrail
from core.security.users import (
    NAME_PATTERN,
    LoginAttempt,
    LoginOutcome,
    User,
    UserError,
    UserStore,
    UserStoreError,
)
from core.texts import (
    A_DISABLED,
    A_DISABLED_BY,
    A_FIRST_ADMIN,
    A_IN_A_ROW,
    A_INACTIVITY,
    A_LOCK_CLEARED,
    A_LOCKED_FOR,
    A_LOCKED_LEFT,
    A_LOGGED_OUT,
    A_PROGRAM_STOPPED,
    A_ROLE,
    A_ROLE_RENEWED,
    A_SEAL_REFUSED,
    A_SEALED,
    A_SEALED_OLD,
    A_SECRET_CHANGED,
    A_USER_GONE,
    A_WRONG,
    A_WRONG_PIN_ROW,
    ENGINE_ACTOR,
    LOCKED_OUT,
    NEEDS_ROLE,
    NOBODY_ROLE_VIEW,
    NOBODY_VIEW_ONLY,
    NOT_LOGGED_IN,
    UNKNOWN_ACTION,
    USER_IS_DISABLED,
    USER_TAMPERED,
    USERS_DB_TAMPERED,
    USERS_DB_UNUSABLE,
    USERS_LOST,
    WRONG_NAME_OR_PIN,
    Text,
)

log = logging.getLogger("bandsaw.security")

ALARM_USERS_DB = "security.users_db"
ALARM_USERS_LOSS = "security.users_loss_accepted"  # users.db given up as lost (init-admin --accept-lost-users)
DESPITE_BACKUP = "--despite-backup"  # ... although a verified backup held users.db: critical
STALE_SLACK_MS = 5000  # a row's change and its audit row: the same process, milliseconds apart

T = TypeVar("T")
MAX_UNKNOWN_NAMES = 1000  # in-memory failure counters for names that do not exist


class PermissionDenied(Exception):
    """The user may not do this; ``reason`` is one line fit for the audit trail (English), ``text``
    the same as a code of core.texts for the screen."""

    def __init__(self, reason: str | Text) -> None:
        super().__init__(str(reason))
        self.reason = str(reason)
        self.text = reason if isinstance(reason, Text) else None


class LoginFailed(Exception):
    """Wrong name or PIN, disabled, or locked; ``retry_after_s`` > 0 while locked out."""

    def __init__(self, reason: str | Text, retry_after_s: float = 0.0) -> None:
        super().__init__(str(reason))
        self.reason = str(reason)
        self.text = reason if isinstance(reason, Text) else None
        self.retry_after_s = retry_after_s


@dataclass(slots=True)
class Session:
    user: str
    role: Role
    started_ms: int
    last_activity: float  # monotonic seconds
    disabled: bool = False  # users.db says disabled or removed: no rights, logged out on the engine's thread


async def run_in_thread(fn: Callable[..., T], *args: Any) -> T:
    """``fn(*args)`` in a short worker thread (core.offload.run_blocking), awaited on the loop."""
    return await run_blocking(fn, *args, name="bandsaw-login")


def users_db_path(data_dir: Path) -> Path:
    return Path(data_dir) / "databases" / "users.db"


class AccessControl:
    def __init__(
        self,
        store: UserStore,
        *,
        security: SecuritySettings | None = None,
        inactivity_logout_s: float = 300.0,
        audit: AuditSink | None = None,
        alarms: AlarmManager | None = None,
        clock: Callable[[], float] = time.time,
        monotonic: Callable[[], float] = time.monotonic,
    ) -> None:
        self.store = store
        self.alarms = alarms
        self._store_broken = False
        self._tampered_shown = False
        self._tampered_text = ""
        self._stale: dict[str, str] = {}  # users whose rows are older than the trail (check_store)
        self.security = security or SecuritySettings()
        self.inactivity_logout_s = inactivity_logout_s
        self.trail = AuditTrail(audit, clock=clock)
        self._clock = clock
        self._monotonic = monotonic
        self._sessions: dict[str, Session] = {}
        self._unknown: dict[str, tuple[int, float]] = {}  # name -> (failures, locked until, wall s)
        self._listeners: list[Callable[[str, str], None]] = []

    @classmethod
    def from_settings(
        cls, settings: Any, *, audit: AuditSink | None = None, alarms: AlarmManager | None = None,
        kdf: ScryptParams = DEFAULT_PARAMS, **clocks: Any,
    ) -> AccessControl:
        """From core.config.Settings: users.db under the data directory, security and hmi sections."""
        store = UserStore(
            users_db_path(settings.data_dir), min_secret_length=settings.security.min_secret_length, kdf=kdf,
            clock=clocks.get("clock", time.time),
        )
        return cls(store, security=settings.security, inactivity_logout_s=settings.hmi.inactivity_logout_s,
                   audit=audit, alarms=alarms, **clocks)

    # --- sessions -----------------------------------------------------------------------

    def subscribe(self, listener: Callable[[str, str], None]) -> Callable[[], None]:
        """``listener(user, event)`` on "login" and "logout" (also automatic ones) and "role" (a
        logged-in user's role changed: screens show and hide what it allows)."""
        self._listeners.append(listener)
        return lambda: self._listeners.remove(listener) if listener in self._listeners else None

    def needs_first_admin(self) -> bool:
        """True until an enabled admin exists: engineer/admin work is impossible until then."""
        return not self.store.has_admin()

    def login(self, name: str, secret: str) -> Session:
        """Open a session; raises :class:`LoginFailed`. Slow on purpose (scrypt): see :meth:`login_async`."""
        try:
            clean, shown = self._login_name(name)
            attempt = self.store.attempt_login(clean if shown != "?" else "", secret, self.security.lockout_s)
            return self._finish_login(clean, shown, attempt)
        except UserStoreError as exc:
            raise LoginFailed(self._store_failed(exc)) from exc

    async def login_async(self, name: str, secret: str) -> Session:
        """:meth:`login` with the attempt (scrypt, then one users.db transaction) in a short worker
        thread, the rest (audit, sessions, listeners) on the calling loop's thread: for the GUI."""
        try:
            clean, shown = self._login_name(name)
            attempt = await run_in_thread(
                self.store.attempt_login, clean if shown != "?" else "", secret, self.security.lockout_s
            )
            return self._finish_login(clean, shown, attempt)
        except UserStoreError as exc:
            raise LoginFailed(self._store_failed(exc)) from exc

    def _login_name(self, name: str) -> tuple[str, str]:
        clean = name.strip().lower()
        return clean, clean if NAME_PATTERN.match(clean) else "?"  # a PIN typed as a name never reaches the log

    def _finish_login(self, clean: str, shown: str, attempt: LoginAttempt) -> Session:
        """Audit and act on an attempt the store decided atomically (lock-out and counter included)."""
        now_ms = self.trail.now_ms()
        if attempt.user is None:  # an unknown name: counted in memory, locked out like a real one
            locked_until_ms = int(self._unknown.get(clean, (0, 0.0))[1] * 1000)
            if locked_until_ms > now_ms:
                self._locked(shown, (locked_until_ms - now_ms) / 1000)
            failures, locked_s = self._unknown_failure(clean)
            return self._failed(shown, A_WRONG(), failures, locked_s)
        stale = self.refuses(attempt.user.name)
        if attempt.outcome is LoginOutcome.TAMPERED or (attempt.ok and stale):
            refusal = USER_TAMPERED(user=attempt.user.name)
            found = stale or f"{attempt.user.name} {attempt.user.problem}"
            self.trail.record(shown, "login_failed", "hmi", result=AuditResult.REFUSED,
                              detail=f"{refusal}: {found}")
            self._tampered(self._tampered_text or found)
            raise LoginFailed(refusal)
        if attempt.outcome is LoginOutcome.LOCKED:
            self._locked(shown, max(0.0, (attempt.user.locked_until_ms - now_ms) / 1000),
                         A_WRONG_PIN_ROW(count=attempt.failures) if attempt.counted else None)
        if attempt.outcome is not LoginOutcome.OK:
            why = A_DISABLED() if attempt.outcome is LoginOutcome.DISABLED else A_WRONG()
            return self._failed(shown, why, attempt.failures, max(0.0, (attempt.locked_until_ms - now_ms) / 1000))
        verified = attempt.user
        previous = self._sessions.pop(verified.name, None)
        session = Session(verified.name, verified.role, self.trail.now_ms(), self._monotonic())
        self._sessions[verified.name] = session
        detail = str((A_ROLE_RENEWED if previous else A_ROLE)(role=verified.role.value))
        self.trail.record(verified.name, "login", "hmi", new=verified.role.value, detail=detail)
        self._store_ok()
        self._notify(verified.name, "login")
        return session

    def _locked(self, shown: str, wait_s: float, note: Text | None = None) -> None:
        parts = [A_LOCKED_LEFT(seconds=wait_s), *([note] if note is not None else [])]
        self.trail.record(shown, "login_failed", "hmi", result=AuditResult.REFUSED,
                          detail="; ".join(map(str, parts)))
        raise LoginFailed(LOCKED_OUT(seconds=wait_s), wait_s)

    def _failed(self, shown: str, why: Text, failures: int, locked_s: float) -> Session:
        parts = [why, A_IN_A_ROW(count=failures), *([A_LOCKED_FOR(seconds=locked_s)] if locked_s > 0 else [])]
        self.trail.record(shown, "login_failed", "hmi", result=AuditResult.REFUSED, detail="; ".join(map(str, parts)))
        if locked_s > 0:
            raise LoginFailed(LOCKED_OUT(seconds=locked_s), locked_s)
        raise LoginFailed(WRONG_NAME_OR_PIN())

    def _unknown_failure(self, name: str) -> tuple[int, float]:
        failures = self._unknown.get(name, (0, 0.0))[0] + 1
        delay = self.security.lockout_s(failures)
        if len(self._unknown) >= MAX_UNKNOWN_NAMES and name not in self._unknown:
            self._unknown.pop(next(iter(self._unknown)))
        self._unknown[name] = (failures, self._clock() + delay if delay else 0.0)
        return failures, delay

    def logout(self, user: str, *, reason: str = "") -> bool:
        session = self._sessions.pop(user, None)
        if session is None:
            return False
        self.trail.record(user, "logout", "hmi", old=session.role.value, detail=reason or str(A_LOGGED_OUT()))
        self._notify(user, "logout")
        return True

    def touch(self, user: str) -> None:
        """The user did something at the HMI (touch, key): restart the inactivity time."""
        session = self._sessions.get(user)
        if session is not None:
            session.last_activity = self._monotonic()

    def idle_s(self, user: str) -> float | None:
        session = self._sessions.get(user)
        return None if session is None else self._monotonic() - session.last_activity

    def expire_idle(self) -> list[str]:
        """Log out every session idle for inactivity_logout_s; returns who. Call it ~once a second."""
        now = self._monotonic()
        idle = [s.user for s in self._sessions.values() if now - s.last_activity >= self.inactivity_logout_s]
        for user in idle:
            self.logout(user, reason=str(A_INACTIVITY(seconds=float(self.inactivity_logout_s))))
        return idle

    def session(self, user: str) -> Session | None:
        return self._sessions.get(user)

    def sessions(self) -> list[Session]:
        return list(self._sessions.values())

    def close(self) -> None:
        """Log everyone out (program end)."""
        for user in list(self._sessions):
            self.logout(user, reason=str(A_PROGRAM_STOPPED()))

    # --- permissions --------------------------------------------------------------------

    def role_of(self, user: str) -> Role | None:
        """The role ``user`` acts with now: security.anonymous_role when nobody is logged in as
        ``ANONYMOUS_USER``, None for internal actors and names without a session."""
        if user in INTERNAL_USERS:
            return None
        session = self._live_session(user)
        return session.role if session is not None else self.anonymous_role if user == ANONYMOUS_USER else None

    @property
    def anonymous_role(self) -> Role:
        """What nobody-logged-in may do: the plant's choice (security.anonymous_role)."""
        return self.security.anonymous

    def allowed(self, user: str, action: Permission | str) -> bool:
        """What a screen shows: answered from the sessions held in memory (no users.db read, no
        audit, no log-out), so a GUI thread may ask it as often as it paints. The engine's check
        before every command is :meth:`authorize` (users.db: disabled users, changed roles);
        :meth:`refresh_sessions` brings the sessions in memory in step with users.db meanwhile."""
        wanted = permission(str(action))
        if wanted is None:
            return False
        if user in INTERNAL_USERS:
            return can(user, wanted)
        session = self._sessions.get(user)
        if session is None:
            return user == ANONYMOUS_USER and can(self.anonymous_role, wanted)
        if session.disabled or self._monotonic() - session.last_activity >= self.inactivity_logout_s:
            return False  # expire_idle / refresh_sessions log it out on the engine's thread
        return can(session.role, wanted)

    async def refresh_sessions(self) -> list[str]:
        """Read the logged-in users from users.db in a worker thread, then (on the calling loop's
        thread) take changed roles and log out users disabled or removed meanwhile (the command line
        or another screen). Returns who was logged out; a users.db that cannot be read changes nothing."""
        names = [session.user for session in self._sessions.values()]
        if not names:
            return []
        try:
            stored = await run_in_thread(lambda: {name: self.store.get(name) for name in names})
        except UserStoreError as exc:
            log.warning("sessions not refreshed from users.db: %s", exc)
            return []
        gone: list[str] = []
        for name, user in stored.items():
            session = self._sessions.get(name)
            if session is None:
                continue
            if user is None or not user.enabled or not user.intact:
                session.disabled = True
                self.logout(name, reason=str(A_USER_GONE() if user is None or user.intact
                                             else USER_TAMPERED(user=name)))
                gone.append(name)
            elif user.role is not session.role:
                session.role = user.role
                self._notify(name, "role")
        return gone

    def authorize(self, user: str, action: Permission | str, *, target: str = "") -> None:
        """Raise :class:`PermissionDenied` (and audit the refusal) unless ``user`` may do ``action`` now."""
        try:
            self._check(user, action)
        except PermissionDenied as exc:
            self.trail.record(user or "?", str(action), target, result=AuditResult.REFUSED, detail=exc.reason)
            raise
        self.touch(user)

    def _check(self, user: str, action: Permission | str) -> None:
        wanted = permission(str(action))
        if wanted is None:
            raise PermissionDenied(UNKNOWN_ACTION(permission=str(action)))
        if user in INTERNAL_USERS:
            if can(user, wanted):
                return
            raise PermissionDenied(ENGINE_ACTOR(user=user, permission=wanted.value))
        if user == ANONYMOUS_USER and user not in self._sessions:
            role = self.anonymous_role
            if not can(role, wanted):
                need = least_role(wanted)
                needed = need.value if need else "?"
                raise PermissionDenied(
                    NOBODY_VIEW_ONLY(permission=wanted.value, need_role=needed) if role is Role.VIEWER
                    else NOBODY_ROLE_VIEW(permission=wanted.value, need_role=needed, role=role.value))
        else:
            session = self._live_session(user)
            if session is None:
                raise PermissionDenied(NOT_LOGGED_IN(user=user or "?"))
            try:
                stored = self.store.get(session.user)
            except UserStoreError as exc:
                raise PermissionDenied(self._store_failed(exc)) from exc
            self._store_ok()
            if stored is not None and (not stored.intact or self.refuses(stored.name)):
                session.disabled = True
                self.logout(session.user, reason=str(USER_TAMPERED(user=session.user)))
                self._tampered(self.refuses(stored.name) or f"{stored.name} {stored.problem}")
                raise PermissionDenied(USER_TAMPERED(user=session.user))
            if stored is None or not stored.enabled:
                session.disabled = True
                self.logout(session.user, reason=str(A_USER_GONE()))
                raise PermissionDenied(USER_IS_DISABLED(user=user))
            if stored.role is not session.role:
                session.role = stored.role  # a role changed while logged in: the store wins
                self._notify(session.user, "role")
            role = stored.role
        if not can(role, wanted):
            need = least_role(wanted)
            raise PermissionDenied(NEEDS_ROLE(permission=wanted.value, need_role=need.value if need else "?", user=user,
                                              role=role.value))

    def _live_session(self, user: str) -> Session | None:
        session = self._sessions.get(user)
        if session is None:
            return None
        if self._monotonic() - session.last_activity >= self.inactivity_logout_s:
            self.logout(user, reason=str(A_INACTIVITY(seconds=float(self.inactivity_logout_s))))
            return None
        return session

    def _store_failed(self, exc: Exception) -> Text:
        """Refuse (never allow) while users.db is unusable; raise an alarm once, log once."""
        coded = USERS_DB_UNUSABLE()
        text = str(coded)
        self._store_broken = True
        if self.alarms is not None:
            self.alarms.update(ALARM_USERS_DB, True, text, priority=Priority.HIGH, source="security")
        log.error("%s", exc)
        return coded

    def check_store(self, *, by: str = "engine") -> str:
        """At the engine's start and at its checks: "" when users.db reads through and passes its
        MACs, else the problem, logged and raised as the critical users alarm. A damaged file:
        nobody can log in and the audit anchor is off; rows that fail their MAC: those users are
        refused (a file from before row protection is sealed first: :meth:`seal_unsealed`)."""
        if not self.store.path.exists():  # deleted: no first run while the trail shows users (stale_users)
            try:
                self._stale = self.stale_users()
            except UserStoreError as exc:
                return self._tampered(str(exc))
            return self._integrity_found("; ".join(self._stale.values()))
        try:
            problem = self.store.check()
        except UserStoreError as exc:
            problem = str(exc)
        if problem:
            self._store_broken = True
            log.critical("users database %s unreadable (%s): nobody can log in and the audit anchor is off; "
                         "restore it from a backup: bandsaw restore --latest --with-users", self.store.path, problem)
            if self.alarms is not None:
                self.alarms.update(ALARM_USERS_DB, True, str(USERS_DB_UNUSABLE()), priority=Priority.CRITICAL,
                                   source="security")
            return problem
        problem = self.seal_unsealed(by=by)
        if not problem:
            try:
                integrity = self.store.integrity()
                self._stale = self.stale_users()
            except UserStoreError as exc:
                return self._tampered(str(exc))
            problem = "; ".join([p for p in (integrity.describe(), *self._stale.values()) if p])
            if integrity.ok:
                self.store.note_key()  # the key's fingerprint: a key changed later is said as such
        return self._integrity_found(problem)

    def report_users_loss(self) -> str:
        """At the engine's start: a loss of users.db accepted since the last start reported one
        (``users init-admin --accept-lost-users``): an alarm that stays until acknowledged -
        critical when accepted although a verified backup held users.db - and a
        ``users_loss_reported`` row so the next start does not repeat it. Returns the text."""
        from core.security.trail_facts import unreported_users_loss  # reads log.db

        found = unreported_users_loss(self.store.path.parent / "log.db")
        if found is None:
            return ""
        row_id, user, detail = found
        despite = DESPITE_BACKUP in detail
        text = (f"users.db was given up as lost by {user} (audit trail row {row_id}"
                f"{', although a verified backup held it' if despite else ''}): {detail}")
        log.critical("%s", text)
        if self.alarms is not None:  # raised and returned: it stays until someone acknowledges it
            priority = Priority.CRITICAL if despite else Priority.HIGH
            self.alarms.update(ALARM_USERS_LOSS, True, text, priority=priority, source="security")
            self.alarms.update(ALARM_USERS_LOSS, False, text, priority=priority, source="security")
        self.trail.record("engine", "users_loss_reported", "users.db", new=row_id, detail=text)
        return text

    def stale_users(self) -> dict[str, str]:
        """Rows older than the audit trail says they are: name -> why. Each change of a user's row
        (add, role, enable/disable, PIN) sets its MAC'd ``changed_ms`` and is then audited, so a row
        whose newest accepted change in the trail is later than its ``changed_ms`` (or a user the
        trail added who is not there) comes from an older users.db put back by hand - valid MACs,
        old roles and PINs. Changes before an admin's restore of users.db (the seal's MAC'd
        ``restored_ms``) do not count. Such users are refused like rows that fail their MAC."""
        from core.security.trail_facts import last_user_changes, when  # reads log.db

        changes = last_user_changes(self.store.path.parent / "log.db")
        if not changes:
            return {}
        restored = self.store.restored_ms()
        rows = {user.name: user for user in self.store.list()}
        stale: dict[str, str] = {}
        for name, (ts_ms, action) in sorted(changes.items()):
            user = rows.get(name)
            if ts_ms <= restored or (user is not None and ts_ms <= user.changed_ms + STALE_SLACK_MS):
                continue
            stale[name] = (f"{name} is missing though the audit trail has {action} {name} at {when(ts_ms)}"
                           if user is None else
                           f"{name} is older than the audit trail ({action} at {when(ts_ms)}, the row is from "
                           f"{when(user.changed_ms)}): an older users.db was put back")
        return stale

    def refuses(self, name: str) -> str:
        """Why ``name``'s row is not trusted now (an older copy put back, found at the last start
        check), else ""."""
        return self._stale.get(name, "")

    async def recheck_store(self) -> str:
        """The engine's periodic check (every minute): users.db's MACs read in a worker thread, the
        critical users alarm raised or cleared on the calling loop's thread; "" when intact."""
        if self.store.path.exists():
            try:
                problem = (await run_in_thread(self.store.integrity)).describe()
            except UserStoreError as exc:
                problem = str(exc)
        else:
            problem = ""
        return self._integrity_found(problem)

    def _integrity_found(self, problem: str) -> str:
        if problem:
            return self._tampered(problem)
        if self._tampered_shown or self._store_broken:
            self._tampered_shown = self._store_broken = False
            self._tampered_text = ""
            log.info("users database passes its checks again")
            if self.alarms is not None:
                self.alarms.update(ALARM_USERS_DB, False, "users database intact", priority=Priority.CRITICAL,
                                   source="security")
        return ""

    def _tampered(self, problem: str) -> str:
        """users.db (or one of its rows) fails its MAC: the critical users alarm, logged once per text."""
        if problem != self._tampered_text:
            log.critical("users database %s changed outside the program: %s; those users are refused; restore "
                         "it from a backup (bandsaw restore --latest --with-users)", self.store.path, problem)
        self._tampered_text = problem
        self._tampered_shown = True
        if self.alarms is not None:
            self.alarms.update(ALARM_USERS_DB, True, str(USERS_DB_TAMPERED(detail=problem)),
                               priority=Priority.CRITICAL, source="security")
        return problem

    def seal_unsealed(self, *, by: str) -> str:
        """A users.db from before row protection gets its MACs - once, audited (``users_sealed``),
        and only when nothing says it was protected before: the trail holds no accepted
        ``users_sealed`` row, no loss of the trail stands, and the audit anchor users.db keeps is
        within the trail. Otherwise someone stripped the MACs to have forged rows sealed: refused
        (returns the reason; the rows stay unsealed, so refused at login). A sealed file without
        a ``users_sealed`` row in the trail gets one (a file created sealed: the trail remembers)."""
        from core.security.trail_facts import sealed_before, trail_covers_anchor  # reads log.db

        databases = self.store.path.parent
        log_db = databases / "log.db"
        try:
            integrity = self.store.integrity()
            if not integrity.unsealed:
                count = self.store.count()
                if integrity.ok and count and not sealed_before(log_db):  # no users yet: nothing to forge
                    self.trail.record(by, "users_sealed", "users.db", new=count,
                                      detail=str(A_SEALED()))
                return ""
            before = sealed_before(log_db)
            lost = standing_loss(databases)
            beyond = trail_covers_anchor(log_db, self.store.path)
            young = trail_younger_than_data(databases)  # deleted, then made again: it remembers nothing
            why = (f"the audit trail says its rows were sealed before ({before})" if before else
                   f"the audit trail is missing ({lost})" if lost else beyond or young)
            if why:
                detail = str(A_SEAL_REFUSED(detail=why))
                self.trail.record(by, "users_sealed", "users.db", result=AuditResult.REFUSED, detail=detail)
                return detail
            names = self.store.seal_unsealed()
        except UserStoreError as exc:
            return str(exc)
        self.trail.record(by, "users_sealed", "users.db", new=len(names),
                          detail=str(A_SEALED_OLD(count=len(names), names=", ".join(names) or "(none)")))
        log.warning("users database %s sealed: %d users from before row protection", self.store.path, len(names))
        return ""

    def _store_ok(self) -> None:
        if not self._store_broken or self._tampered_shown:  # MAC failures: cleared by check_store only
            return
        self._store_broken = False
        log.info("users database usable again")
        if self.alarms is not None:
            self.alarms.update(ALARM_USERS_DB, False, "Users database unusable", priority=Priority.HIGH,
                               source="security")

    # --- user management (admin) --------------------------------------------------------

    def create_first_admin(self, name: str, secret: str, *, by: str = "setup", accept_lost_users: bool = False,
                           why: str = "") -> User:
        """First run: the first admin, allowed only while none exists (no default password) and while
        the audit trail shows no users this users.db lacks (deleted or emptied: ``rm users.db`` must
        not open a first run). ``accept_lost_users``: an installer's audited decision
        (``users init-admin --accept-lost-users``): the trail's earlier user changes stop counting."""
        stale = self.stale_users()
        if stale and not accept_lost_users:
            refusal = USERS_LOST(names=", ".join(sorted(stale)))
            self.trail.record(by, "user_add", name.strip().lower(), result=AuditResult.REFUSED,
                              detail=f"{refusal}: {'; '.join(stale.values())}")
            raise UserError(refusal)
        if stale:
            self.store.stamp_restored(self.trail.now_ms())
            self.trail.record(by, "users_loss_accepted", "users.db", result=AuditResult.ACCEPTED,
                              detail=f"--accept-lost-users{f' {why}' if why else ''}: {'; '.join(stale.values())}")
            self._stale = {}
        try:
            user = self.store.add_first_admin(name, secret)
        except UserError as exc:
            self.trail.record(by, "user_add", name.strip().lower(), result=AuditResult.REFUSED, detail=str(exc))
            raise
        self.seal_unsealed(by=by)  # the trail notes at once that this users.db's rows carry MACs
        self.trail.record(by, "user_add", user.name, new="admin", detail=str(A_FIRST_ADMIN()))
        return user

    def add_user(self, by: str, name: str, role: str | Role, secret: str) -> User:
        self.authorize(by, Permission.MANAGE_USERS, target=name)
        try:
            user = self.store.add(name, role, secret)
        except UserError as exc:
            self.trail.record(by, "user_add", name, result=AuditResult.REFUSED, detail=str(exc))
            raise
        self.trail.record(by, "user_add", user.name, new=user.role.value)
        return user

    def set_secret(self, by: str, name: str, secret: str) -> User:
        """Reset someone's PIN (admin), or change one's own (any logged-in user)."""
        if by.strip().lower() != name.strip().lower() or self._live_session(by) is None:
            self.authorize(by, Permission.MANAGE_USERS, target=name)
        try:
            user = self.store.set_secret(name, secret)
        except UserError as exc:
            self.trail.record(by, "user_passwd", name, result=AuditResult.REFUSED, detail=str(exc))
            raise
        self.trail.record(by, "user_passwd", user.name, detail=f"{A_SECRET_CHANGED()}; {A_LOCK_CLEARED()}")
        return user

    def set_enabled(self, by: str, name: str, enabled: bool) -> User:
        self.authorize(by, Permission.MANAGE_USERS, target=name)
        action = "user_enable" if enabled else "user_disable"
        before = self.store.get(name)
        try:
            user = self.store.set_enabled(name, enabled)
        except UserError as exc:
            self.trail.record(by, action, name, result=AuditResult.REFUSED, detail=str(exc))
            raise
        old = None if before is None else ("enabled" if before.enabled else "disabled")
        self.trail.record(by, action, user.name, old=old, new="enabled" if enabled else "disabled")
        if not enabled:
            self.logout(user.name, reason=str(A_DISABLED_BY(user=by)))
        return user

    def set_role(self, by: str, name: str, role: str | Role) -> User:
        self.authorize(by, Permission.MANAGE_USERS, target=name)
        before = self.store.get(name)
        try:
            user = self.store.set_role(name, role)
        except UserError as exc:
            self.trail.record(by, "user_role", name, result=AuditResult.REFUSED, detail=str(exc))
            raise
        old = None if before is None else before.role.value
        self.trail.record(by, "user_role", user.name, old=old, new=user.role.value)
        session = self._sessions.get(user.name)
        if session is not None and session.role is not user.role:
            session.role = user.role  # takes effect at once
            self._notify(user.name, "role")
        return user

    def _notify(self, user: str, event: str) -> None:
        for listener in list(self._listeners):
            try:
                listener(user, event)
            except Exception:  # a listener's bug must not break logging in or out
                log.exception("session listener failed")
