"""Who is at the HMI and how it is shown.

Nobody logged in is the user ``operator`` (core.security.permissions.ANONYMOUS_USER), on the
desktop as in kiosk mode: the engine refuses names without a session, so the OS login name is
never used. Engineers and admins log in at the screen (hmi.dialogs.login, PIN keypad); the
window's SessionController keeps ``user`` equal to whoever is logged in.
"""

from __future__ import annotations

from dataclasses import dataclass

from core.api import ANONYMOUS_USER, Role, UserSession

OPERATOR = ANONYMOUS_USER


@dataclass(slots=True)
class Session:
    user: str
    kiosk: bool
    role: Role = Role.OPERATOR  # kept by the window's SessionController

    def actor(self) -> UserSession:
        """Who acts, as the engine's commands take it."""
        return acting(self.user, self.role)

    @classmethod
    def default(cls, *, kiosk: bool) -> Session:
        """The operator view until someone logs in (desktop and kiosk alike)."""
        return cls(OPERATOR, kiosk=kiosk)


def acting(user: str, role: Role = Role.OPERATOR) -> UserSession:
    """The engine authorizes by the live session of ``user``; ``role`` is only informative."""
    return UserSession(user, role)
