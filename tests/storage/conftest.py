"""Fixtures of the storage tests."""

from __future__ import annotations

import pytest

from core.analysis.alarms import AlarmManager


@pytest.fixture
def alarms() -> AlarmManager:
    return AlarmManager()
