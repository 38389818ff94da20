"""The report as PDF with reportlab: one page per report (figures, time by state, state chart,
downtime, notes, definitions); a fleet starts with one row per saw."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import UTC, datetime, tzinfo
from pathlib import Path
from typing import Any
from xml.sax.saxutils import escape

from reportlab.graphics.shapes import Drawing, Line, Rect, String
from reportlab.lib import colors
from reportlab.lib.pagesizes import A4, landscape
from reportlab.lib.styles import getSampleStyleSheet
from reportlab.lib.units import mm
from reportlab.platypus import PageBreak, Paragraph, SimpleDocTemplate, Spacer, Table, TableStyle

from core.production.export import STATE_COLOURS
from core.production.values import DEFINITIONS, STATE_ORDER, ProductionReport, StateClass, StateSpan, Window

PAGE = landscape(A4)
CHART_W = 250 * mm
CHART_H = 12 * mm
FONT = "Helvetica"
UNPLANNED = "#e3e8ee"


def _local(ms: int, zone: tzinfo, fmt: str = "%Y-%m-%d %H:%M") -> str:
    return datetime.fromtimestamp(ms / 1000, UTC).astimezone(zone).strftime(fmt)


def _pct(value: float | None) -> str:
    return "unknown" if value is None else f"{value * 100:.1f} %"


def _dur(seconds: float | None) -> str:
    if seconds is None:
        return "unknown"
    seconds = round(seconds)
    return f"{seconds // 3600:d} h {seconds % 3600 // 60:02d} min" if seconds >= 3600 else \
        f"{seconds // 60:d} min {seconds % 60:02d} s"


def figures(report: ProductionReport) -> list[list[str]]:
    area = "unknown" if report.area_cm2 is None else f"{report.area_cm2:,.1f} cm²"
    if report.area_unknown_cuts:
        area += f" (+ {report.area_unknown_cuts} cut(s) without a section)"
    mean = "unknown" if report.mean_cut_time_s is None else f"{report.mean_cut_time_s:.1f} s"
    if not report.has_data:
        return [["Planned time", _dur(report.planned_s)], ["Figures", "no data for this period: left blank"],
                [f"Time {StateClass.NO_DATA.label}", _dur(report.time_by_state.get(StateClass.NO_DATA, 0.0))]]
    rows = [
        ["Planned time", _dur(report.planned_s)],
        ["Pieces (completed cuts) / cuts", f"{report.pieces} / {report.cuts}"],
        ["Cut area", area],
        ["Cut time total / mean", f"{_dur(report.cut_time_s)} / {mean}"],
        *[[f"Time {state.label}", _dur(report.time_by_state.get(state, 0.0))] for state in STATE_ORDER],
        ["Interrupted cuts", str(report.interrupted_cuts)],
        ["Band changes", str(report.band_changes) + (f" ({report.band_unknown_cuts} cut(s) band unknown)"
                                                     if report.band_unknown_cuts else "")],
        ["Good cuts (profile-flagged)", f"{report.good_cuts} ({report.flagged_cuts})"],
        ["Ideal / actual cut time", f"{_dur(report.ideal_cut_time_s)} / {_dur(report.ideal_basis_cut_time_s)}"],
        ["Availability", _pct(report.availability)],
        ["Performance", _pct(report.performance)],
        ["Quality", _pct(report.quality)],
        ["OEE", _pct(report.oee)],
    ]
    return rows


def state_chart(spans: Sequence[StateSpan], windows: Sequence[Window], start_ms: int, end_ms: int,
                zone: tzinfo) -> Drawing:
    """A band of coloured stretches from the first planned minute to the last, time not planned
    hatched light, with a time axis and a legend."""
    if windows:
        start_ms, end_ms = min(w.start_ms for w in windows), max(w.end_ms for w in windows)
    drawing = Drawing(CHART_W, CHART_H + 14 * mm)
    base = 9 * mm
    total = max(end_ms - start_ms, 1)
    drawing.add(Rect(0, base, CHART_W, CHART_H, fillColor=colors.HexColor(UNPLANNED), strokeColor=None,
                     strokeWidth=0))
    for window in windows:
        x0 = (window.start_ms - start_ms) / total * CHART_W
        drawing.add(Rect(x0, base, window.seconds * 1000 / total * CHART_W, CHART_H, fillColor=colors.white,
                         strokeColor=None, strokeWidth=0))
    for span in spans:
        x0 = (span.start_ms - start_ms) / total * CHART_W
        width = max((span.end_ms - span.start_ms) / total * CHART_W, 0.3)
        drawing.add(Rect(x0, base, width, CHART_H, fillColor=colors.HexColor(STATE_COLOURS[span.state]),
                         strokeColor=None, strokeWidth=0))
    for i in range(7):
        x = CHART_W * i / 6
        drawing.add(Line(x, base, x, base - 1.5 * mm, strokeColor=colors.grey, strokeWidth=0.5))
        label = _local(start_ms + total * i // 6, zone, "%m-%d %H:%M")
        anchor = "start" if i == 0 else "end" if i == 6 else "middle"
        drawing.add(String(x, base - 5 * mm, label, fontSize=7, fontName=FONT, textAnchor=anchor))
    drawing.add(Rect(0, base, CHART_W, CHART_H, fillColor=None, strokeColor=colors.grey, strokeWidth=0.5))
    x = 0.0
    for colour, label in [*((STATE_COLOURS[s], s.label) for s in STATE_ORDER), (UNPLANNED, "not planned")]:
        drawing.add(Rect(x, base + CHART_H + 2 * mm, 3 * mm, 3 * mm, fillColor=colors.HexColor(colour),
                         strokeColor=colors.grey, strokeWidth=0.3))
        drawing.add(String(x + 4 * mm, base + CHART_H + 2.5 * mm, label, fontSize=7, fontName=FONT))
        x += 38 * mm
    return drawing


def _table(rows: list[list[Any]], widths: Sequence[float] | None = None, header: bool = False,
           size: float = 9) -> Table:
    table = Table(rows, colWidths=widths, hAlign="LEFT")
    style = [("FONTSIZE", (0, 0), (-1, -1), size), ("LEADING", (0, 0), (-1, -1), size + 1),
             ("GRID", (0, 0), (-1, -1), 0.25, colors.grey), ("VALIGN", (0, 0), (-1, -1), "TOP"),
             ("TOPPADDING", (0, 0), (-1, -1), 1), ("BOTTOMPADDING", (0, 0), (-1, -1), 1)]
    if header:
        style += [("BACKGROUND", (0, 0), (-1, 0), colors.HexColor("#e4e4e4")), ("FONTNAME", (0, 0), (-1, 0),
                                                                                 "Helvetica-Bold")]
    table.setStyle(TableStyle(style))
    return table


def _definitions(styles: Any) -> list[Any]:
    """The definitions in two columns under the table (one page per report must hold them)."""
    small = styles["BodyText"].clone("defs", fontSize=6.5, leading=7.6)
    cells = [Paragraph(f"<b>{name}</b>: {text}", small) for name, text in DEFINITIONS]
    half = (len(cells) + 1) // 2
    rows = [[cells[i], cells[i + half] if i + half < len(cells) else ""] for i in range(half)]
    table = Table(rows, colWidths=(CHART_W / 2 + 10 * mm, CHART_W / 2 + 10 * mm), hAlign="LEFT")
    table.setStyle(TableStyle([("VALIGN", (0, 0), (-1, -1), "TOP"), ("TOPPADDING", (0, 0), (-1, -1), 0.5),
                               ("BOTTOMPADDING", (0, 0), (-1, -1), 0.5), ("LEFTPADDING", (0, 0), (-1, -1), 1)]))
    return [table]


def write_pdf(path: Path, reports: Sequence[ProductionReport], zone: tzinfo, *, title: str = "",
              fleet: bool = False) -> None:
    styles = getSampleStyleSheet()
    body = styles["BodyText"].clone("body", fontSize=8, leading=10)
    doc = SimpleDocTemplate(str(path), pagesize=PAGE, leftMargin=12 * mm, rightMargin=12 * mm, topMargin=10 * mm,
                            bottomMargin=10 * mm, title=title or "Production report", author="bandsaw-hmi")
    story: list[Any] = []
    if fleet:
        story.append(Paragraph(title or "Fleet production report", styles["Heading2"]))
        head = ["Saw", "Planned", "Pieces", "Cuts", "Area cm²", "Cutting", "Avail.", "Perf.", "Qual.", "OEE",
                "Top downtime"]
        rows: list[list[Any]] = [head]
        for r in reports:
            if not r.has_data:
                rows.append([r.machine, _dur(r.planned_s), "no data", *[""] * 7, ""])
                continue
            rows.append([r.machine, _dur(r.planned_s), r.pieces, r.cuts,
                         "unknown" if r.area_cm2 is None else f"{r.area_cm2:,.0f}", _dur(r.running_s),
                         _pct(r.availability), _pct(r.performance), _pct(r.quality), _pct(r.oee),
                         r.downtime[0].key if r.downtime else ""])
        story += [_table(rows, header=True, size=8), Spacer(1, 4 * mm), *_definitions(styles)]
    for report in reports:
        if story:
            story.append(PageBreak())
        shift = f"shift {report.period.shift}" if report.period.shift else "all planned time"
        story.append(Paragraph(f"{report.machine} — {shift}", styles["Heading2"]))
        story.append(Paragraph(
            f"{_local(report.period.start_ms, zone)} to {_local(report.period.end_ms, zone)} "
            f"({zone}); saw states from {report.state_source}; generated "
            f"{_local(report.generated_ms or report.period.end_ms, zone)}", body))
        story.append(Spacer(1, 2 * mm))
        downtime = [["Downtime cause (not cutting)", "Time", "Raised"]] + [
            [Paragraph(f"{c.key}: {c.text}", body), _dur(c.seconds), c.occurrences] for c in report.downtime[:8]]
        if len(downtime) == 1:
            downtime.append(["none recorded", "", ""])
        side = Table([[_table(figures(report), widths=(55 * mm, 75 * mm), size=8.5),
                       _table(downtime, widths=(95 * mm, 25 * mm, 15 * mm), header=True, size=8)]],
                     hAlign="LEFT")
        side.setStyle(TableStyle([("VALIGN", (0, 0), (-1, -1), "TOP")]))
        story.append(side)
        story.append(Spacer(1, 2 * mm))
        story.append(Paragraph("Saw state over time", styles["Heading4"]))
        story.append(state_chart(report.timeline, report.period.windows, report.period.start_ms,
                                 report.period.end_ms, zone))
        if report.notes:  # one paragraph, a size under the body: the page holds the definitions too
            small = body.clone("notes", fontSize=7, leading=8.4)
            story.append(Paragraph("Notes: " + "; ".join(escape(note) for note in report.notes) + ".", small))
        story.append(Spacer(1, 2 * mm))
        story += _definitions(styles)
    doc.build(story)
