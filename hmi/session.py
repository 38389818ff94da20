"""Who is at the HMI and how it is shown; the access-control issue will fill in real logins."""

from __future__ import annotations

import getpass
from dataclasses import dataclass


@dataclass(slots=True)
class Session:
    user: str
    kiosk: bool

    @classmethod
    def default(cls, *, kiosk: bool) -> Session:
        if kiosk:
            return cls("operator", kiosk=True)
        try:
            user = getpass.getuser()
        except (KeyError, OSError):  # no login name in a service or container
            user = "engineer"
        return cls(user, kiosk=False)
