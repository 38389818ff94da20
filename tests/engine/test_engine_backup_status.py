"""backup_status() is read after every poll (the front end's views): it used to parse every
backup's manifest.json each time (2.25 ms for 30 backups, at 10 Hz on the engine's loop). The
scheduler now keeps the newest backup from one scan at start, refreshed after each backup."""

from __future__ import annotations

import time
from pathlib import Path

import pytest
from engine_helpers import engine_settings

from core.engine import Engine
from core.registers import RegisterMap
from core.sim.server import SimulatorServer
from core.storage import backup_scheduler
from core.storage.backup import daily_dir
from core.storage.backup_manifest import DbEntry, Manifest, write_manifest
from tests.waiting import wait_until

NEWEST_MS = 1_700_000_000_000 + 29


def _backups(root: Path, count: int = 30) -> None:
    for day in range(count):
        sub = root / f"2025-01-{day + 1:02d}_0300"
        sub.mkdir(parents=True)
        dbs = {}
        for name in ("raw", "total", "log", "ml", "anomaly"):
            (sub / f"{name}.db.gz").write_bytes(b"x" * 100)
            dbs[name] = DbEntry(f"{name}.db.gz", 1000, 100, "0" * 64, {"samples": 1000}, 3, "ok")
        write_manifest(sub, Manifest(1_700_000_000_000 + day, "t", 6, dbs))


async def test_backup_status_reads_no_files_per_call(
    tmp_path: Path, register_map: RegisterMap, sim: SimulatorServer, monkeypatch: pytest.MonkeyPatch
) -> None:
    settings = engine_settings(tmp_path, sim.port)
    settings.database.sqlite.backup_enabled = False  # no scheduled job racing the calls below
    _backups(daily_dir(settings.data_dir))
    scans = 0
    original = backup_scheduler.list_backups

    def counting(*args, **kwargs):
        nonlocal scans
        scans += 1
        return original(*args, **kwargs)

    monkeypatch.setattr(backup_scheduler, "list_backups", counting)
    engine = Engine(settings, register_map)
    await engine.start()
    try:
        await wait_until(lambda: engine.latest is not None, "a first poll")
        before = scans
        started = time.perf_counter()
        for _ in range(100):
            status = engine.backup_status()
        per_call_ms = (time.perf_counter() - started) * 10.0
        assert scans == before  # was one scan of every manifest per call
        assert status.last_backup_ms == NEWEST_MS
        assert per_call_ms < 0.5, per_call_ms
        assert engine.backup_scheduler is not None
        manifest = await engine.backup_scheduler.backup_now()  # a new backup: the status follows
        assert engine.backup_status().last_backup_ms == manifest.created_ms
    finally:
        await engine.stop()
