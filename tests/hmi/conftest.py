"""HMI fixtures: a StandInEngine, a bridge, a qasync loop, and checks for leaked Qt timers/windows."""

from __future__ import annotations

import os
import sys
import time
from collections.abc import Callable, Iterator
from pathlib import Path

import pytest

sys.path.insert(0, str(Path(__file__).parent))

from hmi_testing import QLoop, attached_bridge, checked_qloop, no_leaked_qt
from PySide6.QtWidgets import QApplication

from core.config import Settings
from core.registers import RegisterMap
from core.testing.standin_engine import StandInEngine
from hmi.bridge import EngineBridge


@pytest.fixture(autouse=True)
def _no_leaked_qt(qapp: QApplication) -> Iterator[None]:
    with no_leaked_qt(qapp):
        yield


@pytest.fixture
def fake_engine(settings: Settings, register_map: RegisterMap) -> StandInEngine:
    return StandInEngine(settings, register_map)


@pytest.fixture
def bridge(qapp: QApplication, fake_engine: StandInEngine) -> Iterator[EngineBridge]:
    with attached_bridge(fake_engine) as bridge:
        yield bridge


@pytest.fixture
def qloop(qapp: QApplication) -> Iterator[QLoop]:
    with checked_qloop(qapp) as loop:
        yield loop


@pytest.fixture
def computer_zone() -> Iterator[Callable[[str], None]]:
    """``computer_zone("UTC")`` runs the computer (TZ) in that zone until the test ends."""
    old = os.environ.get("TZ")

    def use(name: str) -> None:
        os.environ["TZ"] = name
        time.tzset()

    try:
        yield use
    finally:
        if old is None:
            os.environ.pop("TZ", None)
        else:
            os.environ["TZ"] = old
        time.tzset()
