"""Settings for one test: the shipped configuration with data and logs under the test's folder.

    settings = settings_in(tmp_path, modbus={"port": sim.port}, ml={"model_path": None})

No .env is read; each keyword is a section of config.yaml, given as its nested mapping, validated
like the file would be.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

from core.config import PROJECT_ROOT, Settings, load_settings


def settings_in(tmp_path: Path, **sections: Any) -> Settings:
    return load_settings(
        PROJECT_ROOT / "config" / "config.yaml",
        env={},
        env_file=tmp_path / "no.env",
        overrides={"paths": {"data_dir": str(tmp_path / "data"), "logs_dir": str(tmp_path / "logs")}, **sections},
    )
