"""Both implementations of core.api.EngineApi, checked by mypy: a change to the contract that one
of them misses fails the type check, so the stand-in cannot drift from the engine."""

from __future__ import annotations

from core.api import EngineApi
from core.engine import Engine
from core.testing.standin_engine import StandInEngine


def as_contract(engine: Engine | StandInEngine) -> EngineApi:
    return engine
