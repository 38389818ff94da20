"""Fixtures of the production tests: one recorded simulator run shared by the session."""

from __future__ import annotations

import asyncio

import pytest
from production_helpers import RecordedRun, record_run, run_settings

from core.registers import RegisterMap


@pytest.fixture(scope="session")
def recorded_run(tmp_path_factory: pytest.TempPathFactory, register_map: RegisterMap) -> RecordedRun:
    data_dir = tmp_path_factory.mktemp("production-run") / "data"
    settings = run_settings(data_dir)
    start_ms, end_ms = asyncio.run(record_run(settings, register_map))
    return RecordedRun(settings, start_ms, end_ms)
