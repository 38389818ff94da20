"""Fixtures for control tests; the synthetic saw lives in control_rig.py."""

from __future__ import annotations

import pytest

from core.config import Settings
from core.registers import RegisterMap
from tests.control.control_rig import Rig, make_rig


@pytest.fixture
def rig(settings: Settings, register_map: RegisterMap) -> Rig:
    return make_rig(settings, register_map)
