"""Sessions and user management for the engine (core.api): who is logged in, and admins' changes.

The one ``can()`` lives in core.security.access.AccessControl; this module turns its sessions
into :class:`core.api.UserSession` values and its exceptions into results with a reason.
Every login, logout, failure and user change is audited by the access control itself.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import cast

from core.api import Result, SessionEvent, SessionListener, UserSession
from core.offload import run_blocking
from core.security.access import AccessControl, LoginFailed, PermissionDenied
from core.security.access import Session as AccessSession
from core.security.permissions import ANONYMOUS_USER, Permission, Role
from core.security.users import User, UserError
from core.texts import NOT_LOGGED_IN

SETUP_USER = "setup"  # who the audit trail names for the first admin (nobody is logged in yet)


def as_user_session(session: AccessSession) -> UserSession:
    return UserSession(session.user, session.role, session.started_ms)


class EngineSessions:
    """Mixed into core.engine.Engine; ``access`` is the engine's."""

    access: AccessControl

    def needs_first_admin(self) -> bool:
        try:
            return self.access.needs_first_admin()
        except UserError:  # users.db unusable: the login refuses with the reason
            return False

    def allowed(self, session: UserSession, action: Permission | str) -> bool:
        return self.access.allowed(session.user, action)

    def current(self, session: UserSession) -> UserSession | None:
        if session.user == ANONYMOUS_USER and self.access.session(session.user) is None:
            return UserSession(ANONYMOUS_USER, self.access.anonymous_role)  # the plant's choice
        live = self.access.session(session.user)
        return as_user_session(live) if live is not None else None

    def subscribe_sessions(self, listener: SessionListener) -> Callable[[], None]:
        return self.access.subscribe(lambda user, event: listener(user, cast(SessionEvent, event)))

    async def login(self, name: str, secret: str) -> Result[UserSession]:
        try:
            session = await self.access.login_async(name, secret)
        except LoginFailed as exc:
            return Result.refused(exc)  # coded (core.texts), the English as the reason
        return Result.done(as_user_session(session))

    def logout(self, session: UserSession, *, reason: str = "") -> Result[None]:
        done = self.access.logout(session.user, reason=reason)
        return Result.done() if done else Result.refused(NOT_LOGGED_IN(user=session.user))

    def touch(self, session: UserSession) -> None:
        self.access.touch(session.user)

    def expire_idle(self) -> list[str]:
        return self.access.expire_idle()

    async def create_first_admin(self, name: str, secret: str) -> Result[User]:
        return await self._user_change(lambda: self.access.create_first_admin(name, secret, by=SETUP_USER))

    async def add_user(self, session: UserSession, name: str, role: Role, secret: str) -> Result[User]:
        return await self._user_change(lambda: self.access.add_user(session.user, name, role, secret))

    async def set_user_secret(self, session: UserSession, name: str, secret: str) -> Result[User]:
        return await self._user_change(lambda: self.access.set_secret(session.user, name, secret))

    async def set_user_enabled(self, session: UserSession, name: str, enabled: bool) -> Result[User]:
        return await self._user_change(lambda: self.access.set_enabled(session.user, name, enabled))

    async def set_user_role(self, session: UserSession, name: str, role: Role) -> Result[User]:
        return await self._user_change(lambda: self.access.set_role(session.user, name, role))

    async def _user_change(self, change: Callable[[], User]) -> Result[User]:
        # scrypt hashing takes ~0.1 s: in a worker; the audit rows are queued to log.db's writer.
        try:
            return Result.done(await run_blocking(change, name="bandsaw-users"))
        except (PermissionDenied, UserError) as exc:
            return Result.refused(exc)
