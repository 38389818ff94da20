"""Helpers for the engine tests: waiting on conditions, settings pointing at a simulator."""

from __future__ import annotations

import asyncio
import time
from collections.abc import Callable
from pathlib import Path

import pytest

from core.config import PROJECT_ROOT, Settings, load_settings

DEADLINE_S = 30.0  # generous: other tests may load the machine


async def wait_until(condition: Callable[[], bool], what: str, deadline_s: float = DEADLINE_S) -> None:
    deadline = time.monotonic() + deadline_s
    while not condition():
        if time.monotonic() > deadline:
            pytest.fail(f"timed out after {deadline_s:g} s waiting for {what}")
        await asyncio.sleep(0.02)


def engine_settings(tmp_path: Path, port: int, **modbus: object) -> Settings:
    return load_settings(
        PROJECT_ROOT / "config" / "config.yaml",
        env={},
        env_file=tmp_path / "no.env",
        overrides={
            "paths": {"data_dir": str(tmp_path / "data"), "logs_dir": str(tmp_path / "logs")},
            "modbus": {"host": "127.0.0.1", "port": port, "timeout_s": 0.3, "retries": 1, "retry_delay_s": 0.1,
                       "reconnect_backoff_max_s": 0.5, **modbus},
            "database": {"sqlite": {"batch_ms": 200}},
            "ml": {"model_path": None},
        },
    )


