"""Shared by the security tests (a unique module name: test folders are not packages)."""

from __future__ import annotations

from core.security.permissions import Role

START_S = 1_800_000_000.0

VIEWER_ACTIONS = {"view"}
OPERATOR_ACTIONS = VIEWER_ACTIONS | {"acknowledge_alarm", "shelve_alarm", "use_preset", "toggle_ml", "note_band"}
ENGINEER_ACTIONS = OPERATOR_ACTIONS | {
    "write_register", "change_control_settings", "change_ml_settings", "export", "backup", "leave_kiosk",
}
ADMIN_ACTIONS = ENGINEER_ACTIONS | {"manage_users", "restore_backup"}
EXPECTED = {Role.VIEWER: VIEWER_ACTIONS, Role.OPERATOR: OPERATOR_ACTIONS, Role.ENGINEER: ENGINEER_ACTIONS,
            Role.ADMIN: ADMIN_ACTIONS}


class FakeClock:
    """Wall and monotonic time that move only when a test says so."""

    def __init__(self) -> None:
        self.wall = START_S
        self.mono = 1000.0

    def time(self) -> float:
        return self.wall

    def monotonic(self) -> float:
        return self.mono

    def advance(self, seconds: float) -> None:
        self.wall += seconds
        self.mono += seconds

