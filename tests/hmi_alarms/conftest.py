"""Fixtures for the alarms page tests."""

from __future__ import annotations

from collections.abc import Iterator

import pytest
from hmi_alarm_fakes import AlarmEngine, Clock
from PySide6.QtWidgets import QApplication

from core.config import Settings
from core.registers import RegisterMap
from hmi.bridge import EngineBridge


@pytest.fixture
def clock() -> Clock:
    return Clock()


@pytest.fixture
def alarm_engine(settings: Settings, register_map: RegisterMap, clock: Clock) -> AlarmEngine:
    return AlarmEngine(settings, register_map, clock)


@pytest.fixture
def alarm_bridge(qapp: QApplication, alarm_engine: AlarmEngine) -> Iterator[EngineBridge]:
    bridge = EngineBridge(alarm_engine)
    bridge.attach()
    yield bridge
    bridge.detach()
    bridge.deleteLater()
