"""Shared by the HMI security tests (a unique module name: test folders are not packages)."""

from __future__ import annotations

from dataclasses import dataclass

from hmi_testing import QLoop

from core.security.access import AccessControl
from core.security.audit import AuditRecord
from core.testing.standin_engine import StandInEngine
from hmi.dialogs.login_session import SessionController
from hmi.session import Session

PINS = {"alice": "1111", "erin": "2222", "otto": "3333"}
ROLES = {"alice": "admin", "erin": "engineer", "otto": "operator"}


class FakeClock:
    """Wall and monotonic time that move only when a test says so."""

    def __init__(self) -> None:
        self.wall = 1_800_000_000.0
        self.mono = 1000.0

    def time(self) -> float:
        return self.wall

    def monotonic(self) -> float:
        return self.mono

    def advance(self, seconds: float) -> None:
        self.wall += seconds
        self.mono += seconds


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
