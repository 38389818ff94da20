"""A real full file system for tests and the soak run: a tiny tmpfs, and a filler that takes every byte."""

from __future__ import annotations

import contextlib
import os
import subprocess
from collections.abc import Iterator
from pathlib import Path


class TmpfsUnavailable(RuntimeError):
    """This machine cannot mount a tmpfs here (not root, or no mount permission)."""


@contextlib.contextmanager
def mounted_tmpfs(path: Path, size: str = "4m") -> Iterator[Path]:
    """Mount a ``size`` tmpfs on ``path`` for the block; unmounted (lazily) however the block ends."""
    path.mkdir(parents=True, exist_ok=True)
    if os.geteuid() != 0:
        raise TmpfsUnavailable("mounting a tmpfs needs root")
    done = subprocess.run(["mount", "-t", "tmpfs", "-o", f"size={size}", "tmpfs", str(path)],
                          capture_output=True, text=True, check=False)
    if done.returncode != 0:
        raise TmpfsUnavailable(f"cannot mount a tmpfs: {done.stderr.strip()}")
    try:
        yield path
    finally:
        subprocess.run(["umount", "-l", str(path)], check=False)


def fill(directory: Path) -> Path:
    """Take every free byte of the file system (the databases cannot grow any more)."""
    filler = directory / "filler"
    with open(filler, "wb", buffering=0) as handle:
        for size in (65536, 4096, 512, 1):
            with contextlib.suppress(OSError):
                while True:
                    handle.write(b"\0" * size)
    return filler
