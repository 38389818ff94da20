"""The import for front ends: ``await import_smart_saw_async(...)`` with progress and cancel.

The HMI (engineer, Data page) calls this through the engine while the engine runs: the import
runs on a worker thread (SQLite work never blocks the event loop), progress arrives in the
loop thread at most ``progress_every_s`` apart, and cancelling keeps every committed batch (a
later run continues after it). The engine's databases are open, so the import opens them
without the start-up checks the engine already did.
"""

from __future__ import annotations

import asyncio
import time
from collections.abc import Callable
from pathlib import Path

from core.config import Settings
from core.migrate.importer import CancelToken, ImportSummary, Progress, import_smart_saw
from core.registers import RegisterMap

# Beside a running engine the import is a second writer of raw.db: short transactions keep the
# recorder's wait for the write lock far below its busy timeout (5 s) even on a loaded PC.
ENGINE_BATCH_ROWS = 2_000


async def import_smart_saw_async(
    source_dir: Path,
    settings: Settings,
    register_map: RegisterMap,
    *,
    progress: Callable[[Progress], None] | None = None,
    cancel: CancelToken | None = None,
    machine_id: int | None = None,
    dry_run: bool = False,
    engine_running: bool = True,
    progress_every_s: float = 0.25,
    batch_rows: int = ENGINE_BATCH_ROWS,
) -> ImportSummary:
    """Run the import off the loop; ``progress`` is called in the loop thread. Raises like the sync one."""
    loop = asyncio.get_running_loop()
    token = cancel or CancelToken()
    last = [0.0]

    def report(item: Progress) -> None:  # worker thread
        now = time.monotonic()
        if progress is None or (now - last[0] < progress_every_s and item.done < item.total):
            return
        last[0] = now
        loop.call_soon_threadsafe(progress, item)

    try:
        return await asyncio.to_thread(
            import_smart_saw, source_dir, settings, register_map, machine_id=machine_id, dry_run=dry_run,
            progress=report, cancel=token, engine_running=engine_running, batch_rows=batch_rows,
        )
    except asyncio.CancelledError:
        token.cancel()  # the thread stops after its batch; its commit stays
        raise
