"""Fixtures for the alarms page tests: the stand-in engine on an injected clock."""

from __future__ import annotations

from collections.abc import Iterator

import pytest
from hmi_testing import Clock, QLoop, attached_bridge, checked_qloop
from PySide6.QtWidgets import QApplication

from core.config import Settings
from core.registers import RegisterMap
from core.testing.standin_engine import StandInEngine
from hmi.bridge import EngineBridge


@pytest.fixture
def clock() -> Clock:
    return Clock()


@pytest.fixture
def alarm_engine(settings: Settings, register_map: RegisterMap, clock: Clock) -> StandInEngine:
    return StandInEngine(settings, register_map, clock=clock)


@pytest.fixture
def alarm_bridge(qapp: QApplication, alarm_engine: StandInEngine) -> Iterator[EngineBridge]:
    with attached_bridge(alarm_engine) as bridge:
        yield bridge


@pytest.fixture
def qloop(qapp: QApplication) -> Iterator[QLoop]:
    """A qasync loop (the HMI's) for the tests that need Qt's timers to fire while a task waits."""
    with checked_qloop(qapp) as loop:
        yield loop
