"""Fixtures for the analysis tests: synthetic snapshots of a saw going through cuts."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest
from analysis_helpers import SawFeed

from core.analysis.store import BatchedSqliteWriter
from core.analysis.tables import ANOMALY_DDL, TOTAL_DDL


@pytest.fixture
def feed() -> SawFeed:
    return SawFeed()


@pytest.fixture
def total_db(tmp_path: Path) -> Iterator[BatchedSqliteWriter]:
    writer = BatchedSqliteWriter(tmp_path / "total.db", TOTAL_DDL, batch_rows=20, batch_ms=20)
    writer.open()
    yield writer
    writer.close()


@pytest.fixture
def anomaly_db(tmp_path: Path) -> Iterator[BatchedSqliteWriter]:
    writer = BatchedSqliteWriter(tmp_path / "anomaly.db", ANOMALY_DDL, batch_rows=20, batch_ms=20)
    writer.open()
    yield writer
    writer.close()
