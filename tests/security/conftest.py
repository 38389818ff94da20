"""Security fixtures: a fake clock, a users store with cheap scrypt, access control with a list sink."""

from __future__ import annotations

import asyncio
import time
from collections.abc import Callable
from pathlib import Path

import pytest

from core.config import Settings
from core.security.access import AccessControl
from core.security.audit import AuditRecord
from core.security.passwords import FAST_PARAMS
from core.security.settings import SecuritySettings
from core.security.users import UserStore

START_S = 1_800_000_000.0


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
def security_settings(settings: Settings) -> Settings:
    return settings


async def wait_until(condition: Callable[[], bool], *, what: str, timeout_s: float = 20.0) -> None:
    deadline = time.monotonic() + timeout_s
    while not condition():
        if time.monotonic() > deadline:
            raise AssertionError(f"timed out waiting for {what}")
        await asyncio.sleep(0.01)
