"""Fixtures for the ThingsBoard telemetry tests: real mosquitto brokers on free ports."""

from __future__ import annotations

import sys
from collections.abc import Iterator
from pathlib import Path

import pytest

sys.path.insert(0, str(Path(__file__).parent))

from mqtt_helpers import MOSQUITTO, Mosquitto


def _need_mosquitto() -> None:
    if not Path(MOSQUITTO).exists():
        pytest.fail("mosquitto is not installed (apt-get install mosquitto); .ci/run installs it")


@pytest.fixture
def broker(tmp_path: Path) -> Iterator[Mosquitto]:
    _need_mosquitto()
    server = Mosquitto(tmp_path / "mosquitto")
    server.start()
    try:
        yield server
    finally:
        server.stop()


@pytest.fixture
def auth_broker(tmp_path: Path) -> Iterator[Mosquitto]:
    """A broker that knows one device token (username) and refuses every other."""
    _need_mosquitto()
    server = Mosquitto(tmp_path / "mosquitto-auth", users={"tester": "tester"})
    server.start()
    try:
        yield server
    finally:
        server.stop()
