"""A day of 10 Hz samples (864,000 rows, every register column), generated once per test session."""

from __future__ import annotations

from pathlib import Path

import pytest
from replay_data import raw_db, write_raw_db

from core.registers import RegisterMap

T0 = 1_750_000_000_000


@pytest.fixture(scope="session")
def day_data_dir(tmp_path_factory: pytest.TempPathFactory, register_map: RegisterMap) -> Path:
    data_dir = tmp_path_factory.mktemp("day") / "data"
    write_raw_db(raw_db(data_dir), register_map, T0, 864_000)
    return data_dir
