"""The async import for front ends: progress in the loop thread, cancel keeps committed batches."""

from __future__ import annotations

import threading
from pathlib import Path

from core.analysis.alarms import AlarmManager
from core.config import Settings
from core.migrate import smart_saw_source as source
from core.migrate.importer import CancelToken, Progress
from core.migrate.service import import_smart_saw_async
from core.registers import RegisterMap
from core.storage.sqlite_store import SqliteStorage


async def test_async_import_beside_open_storage_reports_progress_and_cancels(
    tmp_path: Path, settings: Settings, register_map: RegisterMap
) -> None:
    paths = source.create(tmp_path / "old")
    source.fill_sensor_data(paths["total"], 50_000)
    storage = SqliteStorage(settings, register_map, AlarmManager())
    await storage.start()  # the engine's writers hold the databases, as in the HMI
    try:
        loop_thread = threading.get_ident()
        seen: list[tuple[Progress, int]] = []
        token = CancelToken()

        def progress(item: Progress) -> None:
            seen.append((item, threading.get_ident()))
            if item.done >= 10_000:
                token.cancel()

        summary = await import_smart_saw_async(tmp_path / "old", settings, register_map, progress=progress,
                                               cancel=token, progress_every_s=0.0)
        assert summary.cancelled and 10_000 <= summary.streams[0].imported < 50_000
        assert seen and all(thread == loop_thread for _, thread in seen)
        assert seen[0][0].total == 50_000 and seen[0][0].rows_per_s > 0

        rest = await import_smart_saw_async(tmp_path / "old", settings, register_map)
        assert not rest.cancelled
        assert summary.streams[0].imported + rest.streams[0].imported == 50_000
        # the engine's own writer keeps working on the same file
        storage.recorder.submit((1, *([None] * len(storage.recorder.columns))))
        await storage.recorder.drain()
        assert storage.recorder.rows_written == 1
    finally:
        await storage.stop()
