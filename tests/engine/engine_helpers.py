"""Helpers for the engine tests: settings pointing at a simulator."""

from __future__ import annotations

from pathlib import Path

from core.config import PROJECT_ROOT, Settings, load_settings


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


