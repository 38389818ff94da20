"""Fixtures for the screen tests (widgets, translations): Qt leak checks; English restored after each test."""

from __future__ import annotations

from collections.abc import Callable, Iterator

import pytest
from hmi_testing import no_leaked_qt
from PySide6.QtWidgets import QApplication

from core.config import Settings

try:  # issue #13 replaces the HMI tests' fake with core's typed stand-in engine
    from core.testing.standin_engine import StandInEngine as FakeEngine  # type: ignore[import-not-found,unused-ignore]
except ImportError:
    from hmi_fake_engine import FakeEngine  # type: ignore[no-redef,unused-ignore]
from core.registers import RegisterMap
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
def fake_engine(settings: Settings, register_map: RegisterMap) -> FakeEngine:
    return FakeEngine(settings, register_map)


@pytest.fixture
def bridge(qapp: QApplication, fake_engine: FakeEngine) -> Iterator[EngineBridge]:
    bridge = EngineBridge(fake_engine)
    bridge.attach()
    yield bridge
    bridge.detach()
    bridge.deleteLater()


@pytest.fixture
def push(fake_engine: FakeEngine, bridge: EngineBridge) -> Callable[..., None]:
    """One poll, shown: the bridge delivers outside the poll cycle, flushed here as the event loop would."""

    def poll(values: dict[str, float] | None = None, *, fail: bool = False) -> None:
        if fail:
            fake_engine.fail()
        else:
            fake_engine.push(values)
        flush = getattr(bridge, "flush", None)
        if callable(flush):
            flush()

    return poll
