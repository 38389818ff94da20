"""What an import run reports: progress while it runs, per-stream results and the summary."""

from __future__ import annotations

import threading
import time
from dataclasses import dataclass, field
from pathlib import Path


class SourceError(Exception):
    """A file of the older system cannot be read (damaged, not a database)."""


class CancelToken:
    """Set from any thread; the import stops after the batch under way (its commit kept)."""

    def __init__(self) -> None:
        self._event = threading.Event()

    def cancel(self) -> None:
        self._event.set()

    @property
    def cancelled(self) -> bool:
        return self._event.is_set()


@dataclass(frozen=True, slots=True)
class Progress:
    stream: str
    done: int  # source rows read in this stream (this run)
    total: int  # source rows to read in this stream (this run)
    rows_per_s: float
    eta_s: float | None


@dataclass(slots=True)
class StreamResult:
    name: str
    read: int = 0
    imported: int = 0
    already_there: int = 0  # skipped by a unique key (a cut or anomaly imported before)
    rejected: int = 0
    first_ms: int | None = None
    last_ms: int | None = None
    notes: list[str] = field(default_factory=list)
    failed: str = ""  # the source could not be read (damaged file): why


@dataclass(slots=True)
class ImportSummary:
    source_dir: Path
    dry_run: bool
    streams: list[StreamResult] = field(default_factory=list)
    reject_file: Path | None = None  # None in a dry run: it writes no file
    first_rejects: list[tuple[str, int, str, str]] = field(default_factory=list)  # a dry run's first rejects
    rejected: int = 0
    cancelled: bool = False
    elapsed_s: float = 0.0
    notes: list[str] = field(default_factory=list)  # about the source as a whole (e.g. files not imported)

    @property
    def failed(self) -> bool:
        return any(result.failed for result in self.streams)

    @property
    def imported(self) -> int:
        return sum(result.imported for result in self.streams)

    def lines(self) -> list[str]:
        verb = "would import" if self.dry_run else "imported"
        dry = " (dry run: nothing written)" if self.dry_run else ""
        out = [f"smart-saw import from {self.source_dir}{dry}"]
        for r in self.streams:
            period = ""
            if r.first_ms is not None and r.last_ms is not None:
                period = f", {_utc(r.first_ms)} .. {_utc(r.last_ms)} UTC"
            extra = f", {r.already_there} already there" if r.already_there else ""
            out.append(f"  {r.name}: {verb} {r.imported} of {r.read} rows read, {r.rejected} rejected{extra}{period}")
            out.extend(f"    {note}" for note in r.notes)
            if r.failed:
                out.append(f"    FAILED: {r.failed}")
        out.extend(f"  {note}" for note in self.notes)
        if self.reject_file is not None:
            out.append(f"  {self.rejected} rejected rows written to {self.reject_file}")
        elif self.dry_run and self.rejected:
            out.append(f"  {self.rejected} rows would be rejected (no reject file in a dry run); the first "
                       f"{len(self.first_rejects)}:")
            out.extend(f"    {stream} row {rowid}: {reason}: {row}"
                       for stream, rowid, reason, row in self.first_rejects)
        rate = sum(r.read for r in self.streams) / self.elapsed_s if self.elapsed_s > 0 else 0.0
        ended = "cancelled after" if self.cancelled else "done in"
        out.append(f"  {ended} {self.elapsed_s:.1f} s ({rate:,.0f} rows/s)")
        return out


def _utc(ms: int) -> str:
    return time.strftime("%Y-%m-%d %H:%M:%S", time.gmtime(ms / 1000))
