"""Who is at the HMI and how it is shown.

Nobody logged in is the user ``operator`` (core.security.permissions.ANONYMOUS_USER), on the
desktop as in kiosk mode: the engine refuses names without a session, so the OS login name is
never used. Engineers and admins log in at the screen (hmi.dialogs.login, PIN keypad); the
window's SessionController keeps ``user`` equal to whoever is logged in.
"""

from __future__ import annotations

from dataclasses import dataclass

OPERATOR = "operator"  # == core.security.permissions.ANONYMOUS_USER (hmi/session stays import-light)


@dataclass(slots=True)
class Session:
    user: str
    kiosk: bool

    @classmethod
    def default(cls, *, kiosk: bool) -> Session:
        """The operator view until someone logs in (desktop and kiosk alike)."""
        return cls(OPERATOR, kiosk=kiosk)
