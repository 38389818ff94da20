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
    USERS_DB_UNUSABLE,
    WRONG_NAME_OR_PIN,
    Text,
)

log = logging.getLogger("bandsaw.security")

ALARM_USERS_DB = "security.users_db"

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
            if user is None or not user.enabled:
                session.disabled = True
                self.logout(name, reason=str(A_USER_GONE()))
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

    def check_store(self) -> str:
        """At the engine's start: "" when users.db reads through, else the problem, logged and
        raised as the critical users alarm (nobody can log in and the audit anchor is off)."""
        if not self.store.path.exists():
            return ""
        try:
            problem = self.store.check()
        except UserStoreError as exc:
            problem = str(exc)
        if not problem:
            return ""
        self._store_broken = True
        log.critical("users database %s unreadable (%s): nobody can log in and the audit anchor is off; "
                     "restore it from a backup: bandsaw restore --latest --with-users", self.store.path, problem)
        if self.alarms is not None:
            self.alarms.update(ALARM_USERS_DB, True, str(USERS_DB_UNUSABLE()), priority=Priority.CRITICAL,
                               source="security")
        return problem

    def _store_ok(self) -> None:
        if not self._store_broken:
            return
        self._store_broken = False
        log.info("users database usable again")
        if self.alarms is not None:
            self.alarms.update(ALARM_USERS_DB, False, "Users database unusable", priority=Priority.HIGH,
                               source="security")

    # --- user management (admin) --------------------------------------------------------

    def create_first_admin(self, name: str, secret: str, *, by: str = "setup") -> User:
        """First run: the first admin, allowed only while none exists (no default password)."""
        try:
            user = self.store.add_first_admin(name, secret)
        except UserError as exc:
            self.trail.record(by, "user_add", name.strip().lower(), result=AuditResult.REFUSED, detail=str(exc))
            raise
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
