"""Control-page fixtures: the HMI StandInEngine with a real MlControl on ml.db, and Qt leak checks."""

from __future__ import annotations

import sqlite3
import sys
from collections.abc import Iterator
from pathlib import Path

import pytest

sys.path.insert(0, str(Path(__file__).parent))
sys.path.insert(0, str(Path(__file__).parent.parent / "hmi"))

from control_helpers import SHIPPED_MODEL
from hmi_testing import QLoop, checked_qloop, no_leaked_qt
from PySide6.QtWidgets import QApplication

from core.config import Settings
from core.registers import RegisterMap
from core.testing.standin_engine import SqliteJournal, StandInEngine


@pytest.fixture(autouse=True)
def _no_leaked_qt(qapp: QApplication) -> Iterator[None]:
    with no_leaked_qt(qapp):
        yield


def _settings_with(settings: Settings, model: Path | None) -> Settings:
    settings.ml.model_path = model
    return settings


@pytest.fixture
def engine_with_model(settings: Settings, register_map: RegisterMap) -> Iterator[StandInEngine]:
    engine = StandInEngine(_settings_with(settings, SHIPPED_MODEL), register_map, with_control=True)
    yield engine
    if engine.journal is not None:
        engine.journal.close()


@pytest.fixture
def engine_without_model(settings: Settings, register_map: RegisterMap) -> Iterator[StandInEngine]:
    engine = StandInEngine(_settings_with(settings, None), register_map, with_control=True)
    yield engine
    if engine.journal is not None:
        engine.journal.close()


@pytest.fixture
def journal(engine_with_model: StandInEngine) -> SqliteJournal:
    assert engine_with_model.journal is not None
    return engine_with_model.journal


@pytest.fixture
def ml_db(engine_with_model: StandInEngine) -> sqlite3.Connection:
    assert engine_with_model.journal is not None
    return engine_with_model.journal.conn


@pytest.fixture
def qloop(qapp: QApplication) -> Iterator[QLoop]:
    with checked_qloop(qapp) as loop:
        yield loop
