"""Who may do what: the one permission table and the one function that reads it.

Roles are ordered (viewer < operator < engineer < admin); each action names the least role
allowed to do it. Accounts are operators, engineers or admins (:data:`ACCOUNT_ROLES`); ``viewer``
is only what nobody-logged-in may be when a plant chooses so (``security.anonymous_role``).
The engine's internal actors are not people and have no role: "system" (heartbeat)
and "ml" (the speed controller) may only write registers, through the Writer's envelope.
The HMI's own action names (hmi.permissions.Action) resolve through :data:`ALIASES`.
"""

from __future__ import annotations

from enum import StrEnum
from typing import Protocol


class Role(StrEnum):
    VIEWER = "viewer"
    OPERATOR = "operator"
    ENGINEER = "engineer"
    ADMIN = "admin"

    @property
    def rank(self) -> int:
        return _RANK[self]


_RANK = {Role.VIEWER: 0, Role.OPERATOR: 1, Role.ENGINEER: 2, Role.ADMIN: 3}


class Permission(StrEnum):
    VIEW = "view"
    ACKNOWLEDGE_ALARM = "acknowledge_alarm"
    SHELVE_ALARM = "shelve_alarm"
    USE_PRESET = "use_preset"
    NOTE_BAND = "note_band"
    TOGGLE_ML = "toggle_ml"
    WRITE_REGISTER = "write_register"
    CHANGE_CONTROL_SETTINGS = "change_control_settings"
    CHANGE_ML_SETTINGS = "change_ml_settings"
    EXPORT = "export"
    BACKUP = "backup"
    LEAVE_KIOSK = "leave_kiosk"
    MANAGE_USERS = "manage_users"
    RESTORE_BACKUP = "restore_backup"


# THE table. Change a permission here and nowhere else.
MINIMUM_ROLE: dict[Permission, Role] = {
    # Looking (pages, trends, replay) is everyone's; everything below it changes the saw or the record.
    Permission.VIEW: Role.VIEWER,
    Permission.ACKNOWLEDGE_ALARM: Role.OPERATOR,
    Permission.SHELVE_ALARM: Role.OPERATOR,
    Permission.USE_PRESET: Role.OPERATOR,
    Permission.NOTE_BAND: Role.OPERATOR,  # a note in the band history is a record someone answers for
    Permission.TOGGLE_ML: Role.OPERATOR,
    Permission.WRITE_REGISTER: Role.ENGINEER,
    Permission.CHANGE_CONTROL_SETTINGS: Role.ENGINEER,
    Permission.CHANGE_ML_SETTINGS: Role.ENGINEER,
    Permission.EXPORT: Role.ENGINEER,
    Permission.BACKUP: Role.ENGINEER,
    Permission.LEAVE_KIOSK: Role.ENGINEER,
    Permission.MANAGE_USERS: Role.ADMIN,
    Permission.RESTORE_BACKUP: Role.ADMIN,
}

# Engine actors that are not people: what each may do (nothing else, whatever it claims).
INTERNAL_USERS: dict[str, frozenset[Permission]] = {
    "system": frozenset({Permission.WRITE_REGISTER}),
    "ml": frozenset({Permission.WRITE_REGISTER}),
}

# Roles a stored account may have (users.db, the CLI, the Users page).
ACCOUNT_ROLES: tuple[Role, ...] = (Role.OPERATOR, Role.ENGINEER, Role.ADMIN)
# What nobody-logged-in may be (security.anonymous_role): the operator view (no PIN, the default:
# operators do not log in) or view only (operators log in too; see README, Security).
ANONYMOUS_ROLES: tuple[Role, ...] = (Role.OPERATOR, Role.VIEWER)

# The name the HMI and the audit trail use when nobody is logged in (rights: security.anonymous_role).
ANONYMOUS_USER = "operator"
RESERVED_NAMES = frozenset({*INTERNAL_USERS, ANONYMOUS_USER, "root", "cli"})

# Names other parts of the program use for the same permissions.
ALIASES: dict[str, Permission] = {
    "apply_preset": Permission.USE_PRESET,
    "quit": Permission.LEAVE_KIOSK,
    "backup_now": Permission.BACKUP,
    "verify_backup": Permission.BACKUP,
    "export_data": Permission.EXPORT,
    "edit_torque_guard": Permission.CHANGE_CONTROL_SETTINGS,
    "load_ml_model": Permission.CHANGE_ML_SETTINGS,
    "set_mode": Permission.TOGGLE_ML,
}


class HasRole(Protocol):
    """A stored user (core.security.users.User) or anything with a role and an enabled flag."""

    @property
    def role(self) -> Role: ...
    @property
    def enabled(self) -> bool: ...


def permission(action: str) -> Permission | None:
    """The permission an action name stands for (its own name or an alias), None if unknown."""
    try:
        return Permission(action)
    except ValueError:
        return ALIASES.get(action)


def parse_role(text: str) -> Role | None:
    try:
        return Role(text.strip().lower())
    except ValueError:
        return None


def can(role_or_user: Role | str | HasRole | None, action: Permission | str) -> bool:
    """True when the role (or user, or internal actor name) may do ``action``.

    Accepts a :class:`Role`, a role name, an internal actor name ("system", "ml"), or a user
    object with ``role`` and ``enabled``. Anything unknown — action or role — is refused.
    """
    wanted = permission(str(action))
    if wanted is None or role_or_user is None:
        return False
    if isinstance(role_or_user, str):
        if role_or_user in INTERNAL_USERS:
            return wanted in INTERNAL_USERS[role_or_user]
        role = parse_role(role_or_user)
    else:
        if not role_or_user.enabled:
            return False
        role = role_or_user.role
    if role is None:
        return False
    return role.rank >= MINIMUM_ROLE[wanted].rank


def least_role(action: Permission | str) -> Role | None:
    """The least role that may do ``action`` (for messages such as "engineer only")."""
    wanted = permission(str(action))
    return None if wanted is None else MINIMUM_ROLE[wanted]
