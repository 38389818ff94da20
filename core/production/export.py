"""The report as a file: .xlsx (openpyxl), .csv, .pdf (reportlab: core never imports Qt).

Every format carries the same table: one row per report (per shift and the total, or per saw
for a fleet) and the definitions under it. The PDF has one page per report with the figures,
the time by state and a chart of the state over time, then the definitions; a fleet adds a
first page with one row per saw. Unknown figures are left empty (csv/xlsx) or "unknown" (pdf).
"""

from __future__ import annotations

import csv
import os
import secrets
from collections.abc import Callable, Sequence
from datetime import UTC, datetime, tzinfo
from pathlib import Path
from typing import Any

from core.config import Settings
from core.production.values import DEFINITIONS, STATE_ORDER, ProductionReport, ReportRequest, StateClass

FORMATS = ("xlsx", "csv", "pdf")
STATE_COLOURS = {  # ISA-101: grey for normal, colour for what is abnormal
    StateClass.CUTTING: "#5b7a99",
    StateClass.READY_IDLE: "#c8c8c8",
    StateClass.ALARM_STOPPED: "#d0342c",
    StateClass.LINK_LOST: "#e6a23c",
    StateClass.NO_DATA: "#ffffff",
}


class ExportError(ValueError):
    """The file cannot be written (format, folder, disk), in one line."""


def report_format(out: Path) -> str:
    suffix = out.suffix.lower().lstrip(".")
    if suffix not in FORMATS:
        raise ExportError(f"{out.name}: unknown report format {suffix or '(none)'!r}; use .xlsx, .csv or .pdf")
    return suffix


def _local(ms: int, zone: tzinfo, fmt: str = "%Y-%m-%d %H:%M") -> str:
    return datetime.fromtimestamp(ms / 1000, UTC).astimezone(zone).strftime(fmt)


def _hours(seconds: float) -> float:
    return round(seconds / 3600.0, 3)


def _pct(value: float | None) -> float | None:
    return None if value is None else round(value * 100.0, 1)


def _state_hours(state: StateClass) -> Callable[[ProductionReport], float]:
    return lambda report: _hours(report.time_by_state.get(state, 0.0))


_ALWAYS = frozenset({"machine", "shift", "period", "planned_h", f"{StateClass.NO_DATA.value}_h", "state_source",
                     "notes"})


def _blank_without_data(name: str, get: Callable[[ProductionReport], Any]) -> Callable[[ProductionReport], Any]:
    """A period with no data: its figures are blank, never 0 (the notes say "no data for ...")."""
    if name in _ALWAYS:
        return get
    return lambda report: get(report) if report.has_data else None


_COLUMNS: tuple[tuple[str, Callable[[ProductionReport], Any]], ...] = (
    ("machine", lambda r: r.machine),
    ("shift", lambda r: r.period.shift or "all"),
    ("period", lambda r: r.period.label),
    ("planned_h", lambda r: _hours(r.planned_s)),
    ("cuts", lambda r: r.cuts),
    ("pieces", lambda r: r.pieces),
    ("area_cm2", lambda r: r.area_cm2),
    ("area_unknown_cuts", lambda r: r.area_unknown_cuts),
    ("cut_time_h", lambda r: _hours(r.cut_time_s)),
    ("mean_cut_time_s", lambda r: r.mean_cut_time_s),
    *((f"{state.value}_h", _state_hours(state)) for state in STATE_ORDER),
    ("interrupted_cuts", lambda r: r.interrupted_cuts),
    ("band_changes", lambda r: r.band_changes),
    ("band_unknown_cuts", lambda r: r.band_unknown_cuts),
    ("good_cuts", lambda r: r.good_cuts),
    ("flagged_cuts", lambda r: r.flagged_cuts),
    ("ideal_cut_time_h", lambda r: None if r.ideal_cut_time_s is None else _hours(r.ideal_cut_time_s)),
    ("availability_pct", lambda r: _pct(r.availability)),
    ("performance_pct", lambda r: _pct(r.performance)),
    ("quality_pct", lambda r: _pct(r.quality)),
    ("oee_pct", lambda r: _pct(r.oee)),
    ("top_downtime", lambda r: "; ".join(f"{c.key} {c.seconds / 60:.1f} min" for c in r.downtime[:3])),
    ("state_source", lambda r: r.state_source),
    ("notes", lambda r: "; ".join(r.notes)),
)
COLUMNS: tuple[tuple[str, Callable[[ProductionReport], Any]], ...] = tuple(
    (name, _blank_without_data(name, get)) for name, get in _COLUMNS)


def table_rows(reports: Sequence[ProductionReport]) -> list[list[Any]]:
    return [[get(report) for _, get in COLUMNS] for report in reports]


def write_report(out: Path, reports: Sequence[ProductionReport], zone: tzinfo, *, title: str = "",
                 fleet: bool = False) -> Path:
    """Write ``reports`` to ``out`` (format from the suffix), atomically: a failure leaves no half file."""
    fmt = report_format(out)
    if not reports:
        raise ExportError("nothing to write: no report")
    folder = out.parent if str(out.parent) else Path(".")
    if not folder.is_dir():
        raise ExportError(f"folder {folder} does not exist")
    # A name of its own (O_EXCL), with the umask's mode like every other export (mkstemp made
    # it 0600: a report of machine figures, no personal data, that a plant shares).
    temp = folder / f".{out.name}.{secrets.token_hex(4)}.part"
    try:
        os.close(os.open(temp, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o666))
    except OSError as exc:  # read-only mount, no permission, a pseudo file system
        raise ExportError(f"cannot write {out}: {exc.strerror or exc}") from None
    try:
        if fmt == "csv":
            _write_csv(temp, reports)
        elif fmt == "xlsx":
            _write_xlsx(temp, reports, zone)
        else:
            from core.production.pdf import write_pdf

            write_pdf(temp, reports, zone, title=title, fleet=fleet)
        os.replace(temp, out)
    except OSError as exc:
        raise ExportError(f"cannot write {out}: {exc.strerror or exc}") from None
    finally:
        temp.unlink(missing_ok=True)
    return out


def _write_csv(path: Path, reports: Sequence[ProductionReport]) -> None:
    with path.open("w", newline="", encoding="utf-8") as handle:
        writer = csv.writer(handle)
        writer.writerow([name for name, _ in COLUMNS])
        for row in table_rows(reports):
            writer.writerow(["" if value is None else value for value in row])
        writer.writerow([])
        writer.writerow(["definition", "meaning"])
        writer.writerows(DEFINITIONS)


def _write_xlsx(path: Path, reports: Sequence[ProductionReport], zone: tzinfo) -> None:
    from openpyxl import Workbook
    from openpyxl.styles import Font

    book = Workbook()
    sheet = book.active
    assert sheet is not None
    sheet.title = "Report"
    sheet.append([name for name, _ in COLUMNS])
    for cell in sheet[1]:
        cell.font = Font(bold=True)
    for row in table_rows(reports):
        sheet.append(row)
    sheet.append([])
    sheet.append(["Definitions"])
    sheet.cell(sheet.max_row, 1).font = Font(bold=True)
    for name, text in DEFINITIONS:
        sheet.append([name, text])
    downtime = book.create_sheet("Downtime")
    downtime.append(["machine", "period", "alarm", "text", "minutes", "occurrences"])
    for report in reports:
        for cause in report.downtime:
            downtime.append([report.machine, report.period.label, cause.key, cause.text,
                             round(cause.seconds / 60, 2), cause.occurrences])
    states = book.create_sheet("States")
    states.append(["machine", "period", "from (local)", "to (local)", "state", "minutes"])
    for report in reports:
        for span in report.timeline:
            states.append([report.machine, report.period.label, _local(span.start_ms, zone, "%Y-%m-%d %H:%M:%S"),
                           _local(span.end_ms, zone, "%Y-%m-%d %H:%M:%S"), span.state.label,
                           round(span.seconds / 60, 3)])
    book.save(path)


def export_report(settings: Settings, request: ReportRequest, out: Path) -> Path:
    """The saw's report for ``request`` (per shift and the total) into ``out``: a worker process's job."""
    from core.production.service import report_set, request_period, zone_of

    start, end = request_period(request)
    full = report_set(settings, start, end, shift=request.shift)
    return write_report(out, [*full.by_shift, full.total], zone_of(settings),
                        title=f"Production report {settings.machine.name}")
