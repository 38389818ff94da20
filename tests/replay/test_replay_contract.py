"""The replay part of the contract (core.api.EngineApi) behaves alike on the engine and the stand-in."""

from __future__ import annotations

from collections.abc import Callable

import pytest
from replay_data import raw_db, write_raw_db

from core.api import EngineApi, ReplayState, UserSession
from core.config import Settings
from core.engine import Engine
from core.registers import RegisterMap
from core.snapshot import Snapshot
from core.testing.contract import as_contract
from core.testing.standin_engine import StandInEngine

T0 = 1_750_000_000_000
OPERATOR = UserSession.anonymous()
Factory = Callable[[Settings, RegisterMap], Engine | StandInEngine]


@pytest.mark.parametrize("factory", [Engine, StandInEngine], ids=["engine", "stand-in"])
async def test_replay_commands_alike(settings: Settings, register_map: RegisterMap, factory: Factory) -> None:
    write_raw_db(raw_db(settings.data_dir), register_map, T0, 600)
    implementation = factory(settings, register_map)
    engine: EngineApi = as_contract(implementation)
    seen: list[tuple[Snapshot, int]] = []
    unsubscribe = engine.subscribe_replay(lambda s, g: seen.append((s, g)))
    try:
        assert engine.replay_status().state is ReplayState.OFF and engine.replay_hold() == ""
        empty = await engine.replay_start(OPERATOR, T0 - 120_000, T0 - 60_000)
        assert not empty.ok and "no recorded samples" in empty.reason
        started = await engine.replay_start(OPERATOR, T0, T0 + 60_000, speed=2.0, label="a minute")
        assert started.ok and started.value is not None and started.value.label == "a minute"
        assert seen[0][0].ts_ms == T0 and seen[0][1] == started.value.generation
        assert "replay is running (a minute)" in engine.replay_hold()
        paused = engine.replay_pause(OPERATOR, True)
        assert paused.ok and paused.value is not None and paused.value.state is ReplayState.PAUSED
        faster = engine.replay_speed(OPERATOR, 60.0)
        assert faster.ok and faster.value is not None and faster.value.speed == 60.0
        assert not engine.replay_speed(OPERATOR, 120.0).ok
        moved = await engine.replay_seek(OPERATOR, T0 + 30_000)
        assert moved.ok and moved.value is not None and moved.value.generation == started.value.generation + 1
        assert seen[-1][0].ts_ms == T0 + 30_000 and seen[-1][1] == moved.value.generation
        stopped = await engine.replay_stop(OPERATOR)
        assert stopped.ok and stopped.value is not None and stopped.value.state is ReplayState.OFF
        assert stopped.value.generation > moved.value.generation  # what was handed over is void
        assert engine.replay_hold() == ""
    finally:
        unsubscribe()
        await engine.stop()
