"""Shared by the HMI security tests (a unique module name: test folders are not packages)."""

from __future__ import annotations

from dataclasses import dataclass

from hmi_testing import QLoop
from security_helpers import FakeClock  # the security tests' clock

from core.security.access import AccessControl
from core.security.audit import AuditRecord
from core.testing.standin_engine import StandInEngine
from hmi.dialogs.login_session import SessionController
from hmi.session import Session

PINS = {"alice": "1111", "erin": "2222", "otto": "3333"}
ROLES = {"alice": "admin", "erin": "engineer", "otto": "operator"}


def add_people(access: AccessControl) -> dict[str, str]:
    """alice (the first admin), erin (engineer) and otto (operator); returns their PINs."""
    access.create_first_admin("alice", PINS["alice"])
    access.store.add("erin", "engineer", PINS["erin"])
    access.store.add("otto", "operator", PINS["otto"])
    return PINS


@dataclass
class Desk:
    """Everything a page test needs at once: the engine, the session and its controller, the loop."""

    engine: StandInEngine
    access: AccessControl
    controller: SessionController
    session: Session
    qloop: QLoop
    clock: FakeClock
    audit: list[AuditRecord]

    def log_in(self, name: str | None) -> str:
        """Log ``name`` in (None: nobody, the operator view); returns the role acted with."""
        if name is not None:
            self.qloop.run(self.controller.login(name, PINS[name]))
        return ROLES.get(name or "", "operator")
