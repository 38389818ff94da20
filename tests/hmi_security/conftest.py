"""HMI security fixtures: the stand-in engine with access control on a fake clock, a session
controller, Qt leak checks."""

from __future__ import annotations

import sys
from collections.abc import Iterator
from pathlib import Path

import pytest

sys.path.insert(0, str(Path(__file__).parent.parent / "hmi"))
sys.path.insert(0, str(Path(__file__).parent))
from hmi_security_helpers import Desk, FakeClock, add_people
from hmi_testing import QLoop, checked_qloop, no_leaked_qt
from PySide6.QtWidgets import QApplication

from core.config import Settings
from core.registers import RegisterMap
from core.security.access import AccessControl
from core.security.audit import AuditRecord
from core.security.passwords import FAST_PARAMS
from core.testing.standin_engine import StandInEngine
from hmi.dialogs.login_session import SessionController
from hmi.session import Session


@pytest.fixture(autouse=True)
def _no_leaked_qt(qapp: QApplication) -> Iterator[None]:
    with no_leaked_qt(qapp):
        yield


@pytest.fixture
def clock() -> FakeClock:
    return FakeClock()


@pytest.fixture
def audit_records() -> list[AuditRecord]:
    return []


@pytest.fixture
def access(settings: Settings, clock: FakeClock, audit_records: list[AuditRecord]) -> AccessControl:
    return AccessControl.from_settings(settings, audit=audit_records.append, kdf=FAST_PARAMS,
                                       clock=clock.time, monotonic=clock.monotonic)


@pytest.fixture
def people(access: AccessControl) -> dict[str, str]:
    return add_people(access)


@pytest.fixture
def engine(settings: Settings, register_map: RegisterMap, access: AccessControl) -> StandInEngine:
    return StandInEngine(settings, register_map, access=access)


@pytest.fixture
def session() -> Session:
    return Session("operator", kiosk=False)


@pytest.fixture
def controller(qapp: QApplication, engine: StandInEngine, session: Session) -> Iterator[SessionController]:
    ctl = SessionController(engine, session)
    yield ctl
    ctl.stop()
    ctl.deleteLater()


@pytest.fixture
def qloop(qapp: QApplication) -> Iterator[QLoop]:
    with checked_qloop(qapp) as loop:
        yield loop


@pytest.fixture
def desk(
    engine: StandInEngine, access: AccessControl, controller: SessionController, session: Session, qloop: QLoop,
    clock: FakeClock, audit_records: list[AuditRecord], people: dict[str, str],
) -> Desk:
    return Desk(engine, access, controller, session, qloop, clock, audit_records)
