"""Control-page helpers: the shipped model and a bridge on the stand-in engine."""

from __future__ import annotations

from core.config import PROJECT_ROOT
from core.testing.standin_engine import StandInEngine
from hmi.bridge import EngineBridge

SHIPPED_MODEL = PROJECT_ROOT / "data" / "models" / "default"


def make_bridge(engine: StandInEngine) -> EngineBridge:
    bridge = EngineBridge(engine)
    bridge.attach()
    return bridge
