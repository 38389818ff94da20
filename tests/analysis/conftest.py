"""Fixtures for the analysis tests: synthetic snapshots of a saw going through cuts."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest
from analysis_helpers import SawFeed

from core.analysis.store import BatchedSqliteWriter, migrator


@pytest.fixture
def feed() -> SawFeed:
    return SawFeed()


@pytest.fixture
def total_db(tmp_path: Path) -> Iterator[BatchedSqliteWriter]:
    writer = BatchedSqliteWriter(tmp_path / "total.db", migrator("total"), batch_rows=20, batch_ms=20)
    writer.open()
    yield writer
    writer.close()


@pytest.fixture
def anomaly_db(tmp_path: Path) -> Iterator[BatchedSqliteWriter]:
    writer = BatchedSqliteWriter(tmp_path / "anomaly.db", migrator("anomaly"), batch_rows=20, batch_ms=20)
    writer.open()
    yield writer
    writer.close()
