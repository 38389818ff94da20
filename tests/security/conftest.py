"""Security fixtures: a fake clock, a users store with cheap scrypt, access control with a list sink."""

from __future__ import annotations

import sys
from pathlib import Path

import pytest

from core.security.access import AccessControl
from core.security.audit import AuditRecord
from core.security.passwords import FAST_PARAMS
from core.security.settings import SecuritySettings
from core.security.users import UserStore

sys.path.insert(0, str(Path(__file__).parent))

from security_cli import Cli
from security_helpers import FakeClock


@pytest.fixture
def clock() -> FakeClock:
    return FakeClock()


@pytest.fixture
def audit_records() -> list[AuditRecord]:
    return []


@pytest.fixture
def store(tmp_path: Path, clock: FakeClock) -> UserStore:
    return UserStore(tmp_path / "databases" / "users.db", kdf=FAST_PARAMS, clock=clock.time)


@pytest.fixture
def access(store: UserStore, clock: FakeClock, audit_records: list[AuditRecord]) -> AccessControl:
    return AccessControl(
        store, security=SecuritySettings(lockout_after_failures=3, lockout_delay_s=30, lockout_max_delay_s=120),
        inactivity_logout_s=300, audit=audit_records.append, clock=clock.time, monotonic=clock.monotonic,
    )


@pytest.fixture
def people(access: AccessControl) -> dict[str, str]:
    """One enabled user per role (PIN = 4 digits), plus the role each acts with."""
    access.create_first_admin("alice", "1111")
    access.store.add("erin", "engineer", "2222")
    access.store.add("otto", "operator", "3333")
    return {"alice": "1111", "erin": "2222", "otto": "3333"}


@pytest.fixture
def cli(tmp_path: Path, capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch) -> Cli:
    """``bandsaw`` commands on a data dir of their own (tmp_path/data)."""
    return Cli(tmp_path / "data", capsys, monkeypatch)


@pytest.fixture
def plant(cli: Cli) -> Cli:
    """boss (admin, PIN 98765) and otto (operator, PIN 4321), added through the command line."""
    assert cli("users", "init-admin", "boss", stdin="98765\n") == 0, cli.err
    assert cli("users", "add", "otto", "--role", "operator", "--admin", "boss", stdin="98765\n4321\n") == 0, cli.err
    return cli
