"""The one permission table: every role against every action, internal actors, aliases."""

from __future__ import annotations

import pytest
from security_helpers import ADMIN_ACTIONS, EXPECTED

from core.security.permissions import ALIASES, INTERNAL_USERS, MINIMUM_ROLE, Permission, Role, can, permission


def test_the_table_names_every_action_once() -> None:
    assert set(MINIMUM_ROLE) == set(Permission)
    assert {p.value for p in Permission} == ADMIN_ACTIONS


@pytest.mark.parametrize("role", list(Role))
@pytest.mark.parametrize("action", sorted(ADMIN_ACTIONS))
def test_each_role_against_each_action(role: Role, action: str) -> None:
    assert can(role, action) is (action in EXPECTED[role])
    assert can(role.value, action) is (action in EXPECTED[role])  # role names work too


@pytest.mark.parametrize("actor", sorted(INTERNAL_USERS))
@pytest.mark.parametrize("action", sorted(ADMIN_ACTIONS))
def test_internal_actors_may_only_write_registers(actor: str, action: str) -> None:
    assert can(actor, action) is (action == "write_register")


def test_unknown_roles_actions_and_disabled_users_are_refused() -> None:
    class User:
        role = Role.ADMIN
        enabled = False

    assert not can("boss", "view")
    assert not can(None, "view")
    assert not can(Role.ADMIN, "launch_missiles")
    assert not can(User(), "view")
    User.enabled = True
    assert can(User(), "manage_users")


def test_hmi_action_names_resolve_through_aliases() -> None:
    assert permission("apply_preset") is Permission.USE_PRESET
    assert permission("quit") is Permission.LEAVE_KIOSK
    for alias, target in ALIASES.items():
        assert can(Role.ADMIN, alias) and can(Role.OPERATOR, alias) is can(Role.OPERATOR, target)
