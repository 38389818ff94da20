"""Free-space guard for bulk writers (backup, archive): stop before the disk reaches the floor.

The recorder must keep room to write while a backup or an archive runs, so those check before
each step that the bytes they are about to write still leave ``floor`` bytes free, and stop with
:class:`NoSpace` otherwise (their caller raises the alarm and removes what was half-written).
"""

from __future__ import annotations

from pathlib import Path

from core.storage.disk import MB, FreeBytes, free_bytes


class NoSpace(OSError):
    """Writing would take the disk under the free-space floor; nothing more was written."""


class SpaceGuard:
    def __init__(self, path: Path, floor_mb: int, free: FreeBytes = free_bytes) -> None:
        self.path = path
        self.floor_bytes = floor_mb * MB
        self._free = free

    def need(self, nbytes: int, what: str) -> None:
        """Raise :class:`NoSpace` unless ``nbytes`` more can be written above the floor."""
        free = self._free(self.path)
        if free - max(nbytes, 0) < self.floor_bytes:
            raise NoSpace(
                f"not enough disk space for {what}: {free / MB:.0f} MB free under {self.path}, "
                f"{nbytes / MB:.0f} MB needed above the {self.floor_bytes / MB:.0f} MB floor"
            )
