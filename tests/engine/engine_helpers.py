"""Helpers for the engine tests: settings pointing at a simulator."""

from __future__ import annotations

from pathlib import Path

from core.config import Settings
from tests.tmp_settings import settings_in


def engine_settings(tmp_path: Path, port: int, **modbus: object) -> Settings:
    return settings_in(
        tmp_path,
        modbus={"host": "127.0.0.1", "port": port, "timeout_s": 0.3, "retries": 1, "retry_delay_s": 0.1,
                "reconnect_backoff_max_s": 0.5, **modbus},
        database={"sqlite": {"batch_ms": 200}},
        ml={"model_path": None},
    )


