"""Free space under the data directory, and alarm storage.disk_low below the configured floor.

When the disk fills up, SQLite commits fail ("database or disk is full"): the writers keep their
rows queued and retry, but the queue lives in memory. This alarm comes first, while there is
still room, so someone can free space before anything is at risk.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
import shutil
from collections.abc import Callable
from pathlib import Path

from core.analysis.alarms import AlarmManager, Priority

log = logging.getLogger("bandsaw.database")

ALARM_DISK_LOW = "storage.disk_low"
MB = 1024 * 1024
FreeBytes = Callable[[Path], int]


def free_bytes(path: Path) -> int:
    """Bytes available to this user on the file system holding ``path`` (or its nearest parent)."""
    probe = path
    while not probe.exists() and probe.parent != probe:
        probe = probe.parent
    return shutil.disk_usage(probe).free


class DiskMonitor:
    """Checks free space every ``interval_s`` (or on :meth:`check`) against ``floor_mb``.

    The alarm clears only when free space is back above the floor plus 10 % so that a disk
    hovering at the floor does not chatter. ``floor_mb`` 0 disables the check.
    """

    def __init__(
        self,
        path: Path,
        floor_mb: int,
        alarms: AlarmManager,
        *,
        free: FreeBytes = free_bytes,
        interval_s: float = 30.0,
    ) -> None:
        self.path = path
        self.floor_bytes = floor_mb * MB
        self._alarms = alarms
        self._free = free
        self._interval_s = interval_s
        self._task: asyncio.Task[None] | None = None
        self.low = False
        self.free_bytes: int | None = None
        self.error = ""

    def check(self) -> int | None:
        """Measure now and update the alarm; returns free bytes (None when it cannot be measured)."""
        try:
            free = self._free(self.path)
        except OSError as exc:
            if not self.error:
                log.error("cannot measure free space of %s: %s", self.path, exc)
            self.error = str(exc)
            return None
        self.error = ""
        self.free_bytes = free
        if not self.floor_bytes:
            return free
        was_low = self.low
        if not self.low and free < self.floor_bytes:
            self.low = True
        elif self.low and free >= self.floor_bytes * 1.1:
            self.low = False
        if self.low != was_low:  # only changes: the free figure moving is not a new alarm
            text = (
                f"Disk nearly full: {free / MB:.0f} MB free under {self.path} "
                f"(floor {self.floor_bytes / MB:.0f} MB)"
            )
            self._alarms.update(ALARM_DISK_LOW, self.low, text, priority=Priority.HIGH, source="storage",
                                value=round(free / MB, 1))
            (log.warning if self.low else log.info)("%s", text if self.low else f"disk space back: {free / MB:.0f} MB")
        return free

    async def start(self) -> None:
        self.check()
        if self._task is None:
            self._task = asyncio.create_task(self._run(), name="disk-monitor")

    async def stop(self) -> None:
        task, self._task = self._task, None
        if task is not None:
            task.cancel()
            with contextlib.suppress(asyncio.CancelledError):
                await task

    async def _run(self) -> None:
        while True:
            await asyncio.sleep(self._interval_s)
            self.check()
