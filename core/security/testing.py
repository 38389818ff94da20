"""For tests and demos that drive the engine as a person: make a user and log them in.

The engine refuses protected actions from names without a session (``AccessControl.authorize``);
a test that calls ``engine.write(..., user="tester")`` first does
``login_as(engine.access, "tester", Role.ENGINEER)``. Uses only the public API (a real user in
the test's own users.db, a real login, audited like any other).
"""

from __future__ import annotations

import secrets

from core.security.access import AccessControl
from core.security.permissions import Role


def login_as(access: AccessControl, name: str, role: Role | str = Role.ENGINEER) -> str:
    """Create ``name`` with ``role`` (or reset its PIN if it exists) and log it in; returns the name."""
    pin = secrets.token_hex(8)
    if access.store.get(name) is None:
        if access.needs_first_admin() and Role(role) is Role.ADMIN:
            access.store.add_first_admin(name, pin)
        else:
            access.store.add(name, role, pin)
    else:
        access.store.set_secret(name, pin)
    return access.login(name, pin).user
