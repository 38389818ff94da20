"""The one place the HMI asks whether a user may do something.

Every protected control (register writes, presets, leaving kiosk mode, ML mode) calls :func:`can`.
Without a login (widget tests, no access control wired) the policy allows every action and the
callers ask for an explicit confirmation before anything reaches the PLC. Access control
(hmi.dialogs.login_session.SessionController) installs a policy with :func:`set_policy` that
reads core.security.permissions' one table for the logged-in user's role; no widget changes.
Action values are the core permission names (or aliases core.security.permissions resolves).

Two different reasons a control cannot be used, shown differently (#15.7):
- the user's role can never do it: the control is hidden (:func:`show_for`), not greyed, so an
  operator never sees a button that can only refuse; it comes back when someone who may logs in;
- it is unavailable only now (a replay holds the PLC writes, the link is lost, a backup runs):
  the control stays and is greyed with the reason as its tooltip (:func:`set_unavailable`).
:func:`requires` tags a control with the action it needs, so a test can walk every page and check.
"""

from __future__ import annotations

from collections.abc import Callable
from enum import StrEnum

from PySide6.QtWidgets import QWidget


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


REQUIRES = "requiresAction"  # dynamic property: the Action a control needs (for tests and tools)

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


def requires(widget: QWidget, action: Action | str) -> None:
    """Tag ``widget`` with the action it is for (hmi tests walk the tags)."""
    widget.setProperty(REQUIRES, Action(action).value)


def required(widget: QWidget) -> Action | None:
    """The action ``widget`` was tagged with, None when it needs none."""
    value = widget.property(REQUIRES)
    return Action(value) if value else None


def show_for(user: str, widget: QWidget, action: Action | str, *, also: bool = True) -> bool:
    """Show ``widget`` only to a user who may do ``action`` (and when ``also``); returns whether
    the user may. A control the role can never use is hidden, never greyed."""
    requires(widget, action)
    allowed = can(user, action)
    widget.setVisible(allowed and also)
    return allowed


def set_unavailable(widget: QWidget, reason: str, *, tip: str = "") -> None:
    """Grey ``widget`` with ``reason`` as its tooltip while it is unavailable for the moment
    (reason "": available, with its own tooltip ``tip``)."""
    widget.setEnabled(not reason)
    widget.setToolTip(reason or tip)
