"""Fixtures for the screen tests (widgets, translations): Qt leak checks; English restored after each test."""

from __future__ import annotations

from collections.abc import Callable, Iterator

import pytest
from hmi_testing import attached_bridge, no_leaked_qt
from PySide6.QtWidgets import QApplication

from core.config import Settings
from core.registers import RegisterMap
from core.testing.standin_engine import StandInEngine
from hmi.bridge import EngineBridge
from hmi.i18n import Translator


@pytest.fixture(autouse=True)
def _no_leaked_qt(qapp: QApplication) -> Iterator[None]:
    with no_leaked_qt(qapp):
        yield


@pytest.fixture
def translator(qapp: QApplication, tmp_path_factory: pytest.TempPathFactory) -> Iterator[Translator]:
    translator = Translator.install(qapp, cache=tmp_path_factory.mktemp("qm"))
    yield translator
    translator.switch("en")


@pytest.fixture
def fake_engine(settings: Settings, register_map: RegisterMap) -> StandInEngine:
    return StandInEngine(settings, register_map)


@pytest.fixture
def bridge(qapp: QApplication, fake_engine: StandInEngine) -> Iterator[EngineBridge]:
    with attached_bridge(fake_engine) as bridge:
        yield bridge


@pytest.fixture
def push(fake_engine: StandInEngine, bridge: EngineBridge) -> Callable[..., None]:
    """One poll, shown: the bridge delivers outside the poll cycle, flushed here as the event loop would."""

    def poll(values: dict[str, float] | None = None, *, fail: bool = False) -> None:
        if fail:
            fake_engine.fail()
        else:
            fake_engine.push(values)
        bridge.flush()

    return poll
