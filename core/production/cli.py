"""``bandsaw report``: the production report of this saw (its own files) or of the fleet (PostgreSQL).

    bandsaw report [--from T] [--to T] [--shift NAME] [--machine-id N | --fleet] --out FILE

T is a local date or time of the saw (machine.time_zone), ``2026-12-01`` or ``2026-12-01T06:00``
(an offset such as ``+01:00`` or ``Z`` wins), or ``now``. Default: the last 24 h up to now.
FILE ends in .xlsx, .csv or .pdf. Without --shift the report has one part per configured shift
and the total (a PDF page each). --machine-id N reads saw N from PostgreSQL; --fleet every saw
there, one row (and page) per saw.
Exit codes: 0 written, 1 PostgreSQL or the file could not be reached or written, 2 bad input
(times, empty period, unknown shift, format, a data folder that does not exist) or configuration,
3 written but no data at all for the period (or the saw): stdout and the file say "no data for ...",
its figures are blank, never 0.
"""

from __future__ import annotations

import argparse
import asyncio
import sqlite3
import sys
import time
from collections.abc import Callable
from datetime import UTC, datetime, timedelta, tzinfo
from pathlib import Path
from typing import Any

from core.cli import EXIT_CONFIG, EXIT_FAILURE, EXIT_OK, add_config_arguments, load_from_args

DAY_MS = 86_400_000
EXIT_NO_DATA = 3


class BadTime(ValueError):
    pass


def parse_time(text: str, zone: tzinfo, now_ms: int, warn: Callable[[str], None] | None = None) -> int:
    """A local (or offset) ISO date/time, or "now", to UTC epoch ms. A local time that does not
    exist (the hour skipped when daylight saving starts) is refused; one that happens twice (the
    hour repeated when it ends) is taken the first time, with a one-line ``warn``."""
    value = text.strip()
    if value.lower() == "now":
        return now_ms
    try:
        moment = datetime.fromisoformat(value.replace(" ", "T", 1) if len(value) > 10 else value)
    except ValueError:
        raise BadTime(f"{text!r} is not a time: write 2026-12-01, 2026-12-01T06:00 or now") from None
    if moment.tzinfo is None:
        naive = moment
        moment = moment.replace(tzinfo=zone)
        if moment.astimezone(UTC).astimezone(zone).replace(tzinfo=None) != naive:
            raise BadTime(f"{text!r} does not exist in {zone} (the clocks skip it when daylight saving starts): "
                          "give a time outside the skipped hour or with an offset such as +01:00")
        first, second = moment.replace(fold=0).utcoffset(), moment.replace(fold=1).utcoffset()
        if first != second and warn is not None:
            warn(f"{text!r} happens twice in {zone} (the clocks go back): the first is used "
                 f"({_offset(first)}); write {naive.isoformat(timespec='minutes')}{_offset(second)} for the second")
        moment = moment.replace(fold=0)
    return int(moment.timestamp() * 1000)


def _offset(delta: timedelta | None) -> str:
    minutes = int(delta.total_seconds() // 60) if delta is not None else 0
    sign = "+" if minutes >= 0 else "-"
    return f"{sign}{abs(minutes) // 60:02d}:{abs(minutes) % 60:02d}"


def _cmd_report(args: argparse.Namespace) -> int:
    from core.production.export import ExportError, report_format, write_report
    from core.production.service import ReportError, report_set, zone_of

    settings, _ = load_from_args(args)
    out: Path = args.out
    try:
        report_format(out)
        zone = zone_of(settings)
        now = int(time.time() * 1000)
        def warn(text: str) -> None:
            print(f"bandsaw report: warning: {text}", file=sys.stderr)

        end = parse_time(args.to, zone, now, warn) if args.to else now
        start = parse_time(args.start, zone, now, warn) if args.start else end - DAY_MS
        if not (args.fleet or args.machine_id is not None) and not settings.data_dir.is_dir():
            print(f"bandsaw report: data folder {settings.data_dir} does not exist (check --data-dir)",
                  file=sys.stderr)
            return EXIT_CONFIG
        if args.fleet or args.machine_id is not None:
            from core.production.fleet import fleet_reports

            ids = [args.machine_id] if args.machine_id is not None else None
            reports = asyncio.run(fleet_reports(settings, start, end, shift=args.shift, machine_ids=ids,
                                                now_ms=now, timeline=out.suffix.lower() == ".pdf"))
            fleet = True
        else:
            result = report_set(settings, start, end, shift=args.shift, now_ms=now)
            reports = [*result.by_shift, result.total]
            fleet = False
    except (BadTime, ReportError) as exc:
        print(f"bandsaw report: {exc}", file=sys.stderr)
        return EXIT_CONFIG if not _runtime(exc) else EXIT_FAILURE
    except ExportError as exc:
        print(f"bandsaw report: {exc}", file=sys.stderr)
        return EXIT_CONFIG
    except (sqlite3.Error, OSError) as exc:
        print(f"bandsaw report: cannot read the saw's data in {settings.data_dir}: {exc}", file=sys.stderr)
        return EXIT_FAILURE
    title = f"Production report {settings.machine.name}" if not fleet else "Fleet production report"
    try:
        write_report(out, reports, zone, title=title, fleet=fleet)
    except ExportError as exc:
        print(f"bandsaw report: {exc}", file=sys.stderr)
        return EXIT_FAILURE
    for report in reports:
        print(_summary(report))
    print(f"written: {out}")
    if not any(report.has_data for report in reports):
        print("bandsaw report: no data recorded in this period (the report says so)", file=sys.stderr)
        return EXIT_NO_DATA
    return EXIT_OK


def _runtime(exc: Exception) -> bool:
    text = str(exc)
    return text.startswith(("cannot reach PostgreSQL", "PostgreSQL refused", "no saw has mirrored"))


def _summary(report: Any) -> str:
    def pct(value: float | None) -> str:
        return "unknown" if value is None else f"{value * 100:.1f} %"

    who = report.period.shift or "total"
    if not report.has_data:
        return f"no data for {report.machine} {who}, {report.period.label}: figures left blank"
    return (f"{report.machine} {who}: {report.pieces} pieces of {report.cuts} cuts, planned "
            f"{report.planned_s / 3600:.2f} h, availability {pct(report.availability)}, performance "
            f"{pct(report.performance)}, quality {pct(report.quality)}, OEE {pct(report.oee)}")


def register(commands: Any) -> None:
    parser = commands.add_parser("report", help="production report of a shift, day or period (.xlsx, .csv, .pdf)",
                                 description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    add_config_arguments(parser)
    parser.add_argument("--from", dest="start", metavar="T", default=None,
                        help="start, local time of the saw (default: 24 h before --to)")
    parser.add_argument("--to", metavar="T", default=None, help="end, local time of the saw (default: now)")
    parser.add_argument("--shift", metavar="NAME", default=None, help="only this configured shift")
    which = parser.add_mutually_exclusive_group()
    which.add_argument("--machine-id", type=int, default=None, metavar="N", help="saw N, from PostgreSQL")
    which.add_argument("--fleet", action="store_true", help="every saw in PostgreSQL, one row each")
    parser.add_argument("--out", type=Path, required=True, metavar="FILE", help="FILE.xlsx, FILE.csv or FILE.pdf")
    parser.set_defaults(handler=_cmd_report)
