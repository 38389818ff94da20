"""The one place the HMI asks whether a user may do something.

Every protected control (register writes, presets, leaving kiosk mode, ML mode) calls :func:`can`.
Without a login (widget tests, no access control wired) the policy allows every action and the
callers ask for an explicit confirmation before anything reaches the PLC. Access control
(hmi.dialogs.login_session.SessionController) installs a policy with :func:`set_policy` that
reads core.security.permissions' one table for the logged-in user's role; no widget changes.
Action values are the core permission names (or aliases core.security.permissions resolves).
"""

from __future__ import annotations

from collections.abc import Callable
from enum import StrEnum


class Action(StrEnum):
    APPLY_PRESET = "apply_preset"
    WRITE_REGISTER = "write_register"
    LEAVE_KIOSK = "leave_kiosk"
    TOGGLE_ML = "toggle_ml"
    QUIT = "quit"
    # The rest of core.security.permissions.Permission, by the same names.
    VIEW = "view"
    NOTE_BAND = "note_band"
    ACKNOWLEDGE_ALARM = "acknowledge_alarm"
    SHELVE_ALARM = "shelve_alarm"
    CHANGE_CONTROL_SETTINGS = "change_control_settings"
    CHANGE_ML_SETTINGS = "change_ml_settings"
    EXPORT = "export"
    BACKUP = "backup"
    RESTORE_BACKUP = "restore_backup"
    MANAGE_USERS = "manage_users"


# Actions that reach the PLC or leave the operator's protected view: confirmed before they run.
CONFIRMED_ACTIONS = frozenset({Action.WRITE_REGISTER, Action.LEAVE_KIOSK, Action.TOGGLE_ML})

Policy = Callable[[str, Action], bool]


def _allow_all(user: str, action: Action) -> bool:
    return bool(user)


_policy: Policy = _allow_all


def can(user: str, action: Action | str) -> bool:
    """True when ``user`` may perform ``action``; an unknown action is refused."""
    try:
        known = Action(action)
    except ValueError:
        return False
    return _policy(user, known)


def needs_confirmation(action: Action | str) -> bool:
    try:
        return Action(action) in CONFIRMED_ACTIONS
    except ValueError:
        return True


def set_policy(policy: Policy | None) -> None:
    """Install the access-control policy (None restores the allow-and-confirm default)."""
    global _policy
    _policy = policy or _allow_all
