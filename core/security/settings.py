"""Settings of the ``security`` section: PIN rules and lock-out after failed logins.

core.config includes it as ``Settings.security``; this module must not import core.config.
The inactivity log-out time is ``hmi.inactivity_logout_s``.
"""

from __future__ import annotations

from typing import Literal

from pydantic import Field, model_validator

from core.config_sources import SettingsSection
from core.security.permissions import Role


class SecuritySettings(SettingsSection):  # unknown keys, NaN/infinity, true/false for a number: refused

    # Shortest PIN or password accepted when one is set (a 4-digit PIN behind the lock-out below).
    min_secret_length: int = Field(default=4, ge=4, le=64)
    # Failed logins in a row (per name) before the name is locked.
    lockout_after_failures: int = Field(default=3, ge=1, le=20)
    # First lock-out; each further failure doubles it, up to the maximum.
    lockout_delay_s: float = Field(default=30.0, gt=0, le=86400)
    lockout_max_delay_s: float = Field(default=900.0, gt=0, le=86400)
    # Nobody logged in: "operator" (the operator view without a PIN: presets, ML on/off, acknowledge,
    # band notes; operators do not log in) or "viewer" (view only: every command that changes the
    # saw or the record is refused until someone logs in; operators then need accounts).
    anonymous_role: Literal["operator", "viewer"] = "operator"

    @model_validator(mode="after")
    def _max_not_below_first(self) -> SecuritySettings:
        if self.lockout_max_delay_s < self.lockout_delay_s:
            raise ValueError(
                f"lockout_max_delay_s ({self.lockout_max_delay_s:g}) must be >= lockout_delay_s "
                f"({self.lockout_delay_s:g})")
        return self

    @property
    def anonymous(self) -> Role:
        """The role nobody-logged-in acts with (core.security.access enforces it)."""
        return Role(self.anonymous_role)

    def lockout_s(self, failures: int) -> float:
        """How long a name is locked after ``failures`` failures in a row (0: not locked)."""
        over = failures - self.lockout_after_failures
        if over < 0:
            return 0.0
        return min(self.lockout_max_delay_s, self.lockout_delay_s * 2.0 ** min(over, 30))
