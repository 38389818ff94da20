"""``bandsaw import smart-saw``: bring the older system's history into this project's databases.

core/cli.py calls :func:`register` with its subparsers. Exit codes: 0 done (rejected rows are
reported, not a failure), 1 refused, failed or interrupted (run it again to continue), 2 bad
configuration or arguments.
"""

from __future__ import annotations

import argparse
import sqlite3
import sys
import time
from pathlib import Path
from typing import Any, TextIO

from core.cli import EXIT_FAILURE, EXIT_OK, add_config_arguments, load_from_args
from core.migrate.importer import CancelToken, ImportRefused, Progress, import_smart_saw
from core.migrate.samples_stream import MappingError
from core.storage.lock import DataDirLock, DataDirLocked


class ProgressPrinter:
    """One line per stream per second: rows done, rows/s, ETA (rewritten in place on a terminal)."""

    def __init__(self, stream: TextIO | None = None, every_s: float = 1.0) -> None:
        self.stream = stream or sys.stderr
        self.tty = self.stream.isatty()
        self.every_s = every_s
        self._last = 0.0
        self._name = ""

    def __call__(self, progress: Progress) -> None:
        now = time.monotonic()
        finished = progress.done >= progress.total
        if progress.stream == self._name and now - self._last < self.every_s and not finished:
            return
        if progress.stream != self._name and self._name and self.tty:
            self.stream.write("\n")
        self._name, self._last = progress.stream, now
        eta = f"ETA {_duration(progress.eta_s)}" if progress.eta_s is not None and not finished else "done"
        line = (f"{progress.stream}: {progress.done:,}/{progress.total:,} rows, "
                f"{progress.rows_per_s:,.0f} rows/s, {eta}")
        self.stream.write(("\r" + line.ljust(100)) if self.tty else line + "\n")
        self.stream.flush()

    def close(self) -> None:
        if self._name and self.tty:
            self.stream.write("\n")


def _duration(seconds: float) -> str:
    seconds = int(seconds)
    if seconds >= 3600:
        return f"{seconds // 3600}h{seconds % 3600 // 60:02d}m"
    return f"{seconds // 60}m{seconds % 60:02d}s"


def _cmd_import_smart_saw(args: argparse.Namespace) -> int:
    settings, register_map = load_from_args(args)
    source_dir: Path = args.source
    lock = DataDirLock(settings.data_dir)
    if not args.dry_run:
        try:
            lock.acquire()  # the engine writes these files: import with it stopped, or from the HMI
        except DataDirLocked as exc:
            print(f"bandsaw import: {exc} (or import from the HMI's Data page while it runs)", file=sys.stderr)
            return EXIT_FAILURE
    printer = ProgressPrinter()
    cancel = CancelToken()
    try:
        summary = import_smart_saw(
            source_dir, settings, register_map, machine_id=args.machine_id, dry_run=args.dry_run,
            progress=None if args.quiet else printer, cancel=cancel,
        )
    except KeyboardInterrupt:
        printer.close()
        print("bandsaw import: interrupted; what was committed stays, run it again to continue", file=sys.stderr)
        return EXIT_FAILURE
    except (ImportRefused, MappingError, sqlite3.Error, OSError) as exc:
        printer.close()
        print(f"bandsaw import: {exc}", file=sys.stderr)
        return EXIT_FAILURE
    finally:
        lock.release()
    printer.close()
    print("\n".join(summary.lines()))
    audited = True
    if not args.dry_run:
        from core.security.audit import AuditResult
        from core.security.cli_audit import audit_cli

        counts = ", ".join(f"{r.name.split(' ')[0]} {r.imported}" for r in summary.streams)
        where = f" ({summary.reject_file})" if summary.reject_file else ""
        audited = audit_cli(
            settings, "import_smart_saw", str(source_dir), new=summary.imported,
            result=AuditResult.FAILED if summary.failed or summary.cancelled else AuditResult.ACCEPTED,
            detail=f"{counts}; {summary.rejected} rejected{where}",
        )
    return EXIT_FAILURE if summary.cancelled or summary.failed or not audited else EXIT_OK


def _machine_id(text: str) -> int:
    try:
        value = int(text)
    except ValueError:
        raise argparse.ArgumentTypeError(f"{text!r} is not a whole number") from None
    if not 0 <= value <= 65535:
        raise argparse.ArgumentTypeError(f"{value} is out of range: allowed 0..65535")
    return value


def register(commands: Any) -> None:
    parser = commands.add_parser("import", help="import data from the system this one replaces")
    kinds = parser.add_subparsers(dest="import_kind", metavar="SOURCE", required=True)
    smart = kinds.add_parser(
        "smart-saw", help="the older smart-saw system's databases (total, ml, anomaly, log .db)",
        description="Reads total.db (sensor_data, cutting_sessions), ml.db, anomaly.db and log.db read-only "
                    "and adds their rows to this saw's databases. Local times are placed with machine.time_zone. "
                    "Running it again adds only rows not imported before.",
    )
    smart.add_argument("--from", dest="source", type=Path, required=True, metavar="DIR",
                       help="the older system's folder (or its data/databases folder)")
    add_config_arguments(smart)
    smart.add_argument("--machine-id", type=_machine_id, default=None, metavar="N",
                       help="machine id for the imported samples (default: the older system's makine_id)")
    smart.add_argument("--dry-run", action="store_true", help="read and map everything, write nothing")
    smart.add_argument("--quiet", action="store_true", help="no progress lines")
    smart.set_defaults(handler=_cmd_import_smart_saw)
