"""Each log file has one writing process: with the engine in a process of its own, two processes
rotating one app.log renamed files from under each other and lost records. Forced here: a 1 kB
limit, both processes writing numbered records at once; every record is found exactly once."""

from __future__ import annotations

import asyncio
import logging
import logging.config
import re
import sys
import threading
from collections import Counter
from collections.abc import Iterator
from pathlib import Path

import engine_probes
import pytest
from hmi_testing import QLoop

from core.cli import engine_factory
from core.config import Settings
from core.logging_setup import ENGINE_LOG, MAIN_LOG, setup_logging
from core.registers import RegisterMap
from hmi.engine_process import EngineProcess
from tests.waiting import wait_until

pytestmark = pytest.mark.skipif(not sys.platform.startswith("linux"), reason="the engine's process needs Linux")
COUNT = 300


@pytest.fixture
def hmi_logging(settings: Settings) -> Iterator[Settings]:
    """This process logs as `bandsaw hmi` does with the engine in its own process; restored after."""
    settings.logging.max_bytes = 1024  # a rotation every ten records or so
    settings.logging.backup_count = 100
    root = logging.getLogger()
    handlers, level = list(root.handlers), root.level
    setup_logging(settings, console=False, topics=False)
    try:
        yield settings
    finally:
        for handler in list(root.handlers):
            handler.close()
        logging.config.dictConfig({"version": 1, "disable_existing_loggers": False})
        root.handlers[:] = handlers
        root.setLevel(level)


def _numbers(logs: Path, tag: str) -> Counter[int]:
    pattern = re.compile(rf"{tag} (\d{{5}}) x")
    found: Counter[int] = Counter()
    for path in logs.glob("*.log*"):
        found.update(int(n) for n in pattern.findall(path.read_text(encoding="utf-8", errors="replace")))
    return found


def test_no_record_is_lost_when_both_processes_rotate_at_once(
        qloop: QLoop, hmi_logging: Settings, register_map: RegisterMap) -> None:
    settings = hmi_logging
    proxy = EngineProcess(engine_factory, settings, register_map, simulate=True)
    window_log = logging.getLogger("bandsaw.hmi.rotation_test")

    def write_here() -> None:
        for n in range(COUNT):
            window_log.info("window %05d %s", n, "x" * 60)

    async def scenario() -> None:
        await proxy.start()
        await wait_until(lambda: proxy.latest is not None, "first polls", within_s=60)
        here = threading.Thread(target=write_here, name="rotation-test")
        child = asyncio.ensure_future(proxy._call_in_engine(engine_probes.log_numbered, "engine", COUNT))
        here.start()
        await child
        await asyncio.to_thread(here.join)

    try:
        qloop.run(scenario())
    finally:
        qloop.run(proxy.stop())  # the child's handlers are flushed and closed as it exits
    for handler in logging.getLogger().handlers:
        handler.flush()
    logs = Path(settings.logs_dir)
    window, engine = _numbers(logs, "window"), _numbers(logs, "engine")
    assert sorted(window) == list(range(COUNT)) and set(window.values()) == {1}, "window records lost"
    assert sorted(engine) == list(range(COUNT)) and set(engine.values()) == {1}, "engine records lost"
    # Who wrote where: the window's process app.log, the engine's process engine.log.
    assert _numbers_in(logs, MAIN_LOG, "engine") == 0 and _numbers_in(logs, ENGINE_LOG, "window") == 0
    assert len(list(logs.glob(f"{MAIN_LOG}.*"))) > 5 and len(list(logs.glob(f"{ENGINE_LOG}.*"))) > 5  # rotated


def _numbers_in(logs: Path, stem: str, tag: str) -> int:
    return sum(len(re.findall(rf"{tag} \d{{5}} x", p.read_text(encoding="utf-8", errors="replace")))
               for p in logs.glob(f"{stem}*"))
