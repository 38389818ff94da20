"""A library's retry traceback (asyncpg during a PostgreSQL outage) is one log line, ours are kept."""

from __future__ import annotations

import logging
from collections.abc import Iterator
from pathlib import Path

import pytest

from core.config import load_settings
from core.logging_setup import setup_logging


@pytest.fixture
def logs(tmp_path: Path) -> Iterator[Path]:
    settings = load_settings()
    setup_logging(settings, logs_dir=tmp_path, console=False)
    yield tmp_path
    logging.config.dictConfig({"version": 1, "disable_existing_loggers": False})


def _fail(name: str) -> None:
    try:
        raise ConnectionRefusedError(111, "Connect call failed ('127.0.0.1', 5432)")
    except ConnectionRefusedError:
        logging.getLogger(name).warning("Failed to restore the pool connection floor; retrying", exc_info=True)


def test_a_library_traceback_is_folded_into_one_line(logs: Path) -> None:
    _fail("asyncpg.pool")
    for handler in logging.getLogger().handlers:
        handler.flush()
    text = (logs / "database.log").read_text()
    lines = [line for line in text.splitlines() if line]
    assert len(lines) == 1, text
    assert "retrying: ConnectionRefusedError:" in lines[0] and "5432" in lines[0]
    assert "Traceback" not in (logs / "app.log").read_text()


def test_our_own_tracebacks_are_kept(logs: Path) -> None:
    _fail("bandsaw.storage")
    for handler in logging.getLogger().handlers:
        handler.flush()
    assert "Traceback" in (logs / "app.log").read_text()
