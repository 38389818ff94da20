"""One engine per data directory: an OS file lock on ``<data_dir>/databases/engine.lock``.

The engine holds the lock while it runs (``DataDirLock(data_dir).acquire()`` in start,
``release()`` in stop). Tools that must not run beside a live engine (``bandsaw restore``) try to
take the same lock and refuse with the holder's PID when they cannot. The OS drops the lock when
the holding process dies, so a crash never leaves a stale lock behind; the PID written into the
file is only for the message.
"""

from __future__ import annotations

import contextlib
import os
import sys
from pathlib import Path
from typing import IO

LOCK_NAME = "engine.lock"


class DataDirLocked(Exception):
    """Another holder (usually a running engine) has the data directory."""

    def __init__(self, path: Path, pid: int | None) -> None:
        who = f"process {pid}" if pid else "another process"
        super().__init__(f"{path.parent.parent} is in use by {who} (a running engine?): stop it first")
        self.path = path
        self.pid = pid

    def __reduce__(self) -> tuple[type[DataDirLocked], tuple[Path, int | None]]:
        return type(self), (self.path, self.pid)  # pickled by its arguments, not its message


def lock_path(data_dir: Path) -> Path:
    return data_dir / "databases" / LOCK_NAME


class DataDirLock:
    """Non-blocking exclusive lock of one data directory; a context manager too."""

    def __init__(self, data_dir: Path) -> None:
        self.path = lock_path(data_dir)
        self._file: IO[str] | None = None

    @property
    def held(self) -> bool:
        return self._file is not None

    def acquire(self) -> DataDirLock:
        """Take the lock or raise :class:`DataDirLocked` at once (never waits)."""
        if self._file is not None:
            return self
        self.path.parent.mkdir(parents=True, exist_ok=True)
        handle = open(self.path, "a+", encoding="ascii")  # noqa: SIM115 - held until release()
        try:
            _lock(handle)
        except OSError:
            handle.close()
            raise DataDirLocked(self.path, holder_pid(self.path)) from None
        handle.seek(0)
        handle.truncate()
        handle.write(f"{os.getpid()}\n")
        handle.flush()
        self._file = handle
        return self

    def release(self) -> None:
        handle, self._file = self._file, None
        if handle is None:
            return
        with contextlib.suppress(OSError):
            handle.seek(0)
            handle.truncate()
            _unlock(handle)
        handle.close()

    def __enter__(self) -> DataDirLock:
        return self.acquire()

    def __exit__(self, *_exc: object) -> None:
        self.release()


def holder_pid(path: Path) -> int | None:
    """The PID the holder wrote (for messages only; None when unknown)."""
    try:
        text = path.read_text(encoding="ascii").strip()
    except OSError:
        return None
    return int(text) if text.isdigit() else None


def locked_by(data_dir: Path) -> int | None:
    """0 or a PID when someone holds ``data_dir`` now, None when it is free."""
    probe = DataDirLock(data_dir)
    if not probe.path.exists():
        return None
    try:
        probe.acquire()
    except DataDirLocked as exc:
        return exc.pid or 0
    probe.release()
    return None


if sys.platform == "win32":  # pragma: no cover - the saw PC may run Windows
    import msvcrt

    def _lock(handle: IO[str]) -> None:
        handle.seek(0)
        msvcrt.locking(handle.fileno(), msvcrt.LK_NBLCK, 1)

    def _unlock(handle: IO[str]) -> None:
        handle.seek(0)
        msvcrt.locking(handle.fileno(), msvcrt.LK_UNLCK, 1)

else:
    import fcntl

    def _lock(handle: IO[str]) -> None:
        # flock locks belong to the open file description: a second open in this same process
        # conflicts too, so an in-process restore also sees the engine's lock.
        fcntl.flock(handle.fileno(), fcntl.LOCK_EX | fcntl.LOCK_NB)

    def _unlock(handle: IO[str]) -> None:
        fcntl.flock(handle.fileno(), fcntl.LOCK_UN)
