"""Fixtures of the backup/archive/export tests."""

from __future__ import annotations

import sys
from pathlib import Path

import pytest

sys.path.insert(0, str(Path(__file__).parent))

from core.analysis.alarms import AlarmManager
from core.config import Settings


@pytest.fixture
def alarms() -> AlarmManager:
    return AlarmManager()


@pytest.fixture
def data_dir(settings: Settings) -> Path:
    return settings.data_dir
