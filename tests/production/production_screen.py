"""A full Production page as the reviewer saw it on the 1280x800 panel: a shift with every figure
(performance above 100 %, so no OEE), four stopping causes, three earlier shifts, notes, a band
with its estimate and a history with a long note; and what on such a screen does not fit."""

from __future__ import annotations

import time
from typing import Any

from PySide6.QtCore import Qt
from PySide6.QtGui import QFontMetrics
from PySide6.QtWidgets import QAbstractScrollArea, QLabel, QWidget

from core.analysis.band_life import BandLifeView
from core.api import DowntimeCause, ProductionReport, ProductionView, StateClass, StateSpan
from core.production.band_life_estimate import BandEstimate
from core.production.band_life_history import BandHistoryRow
from core.production.values import ReportPeriod, Window
from core.texts import R_FAST, R_NO_OEE, R_NO_SECTION

HOUR_MS = 3_600_000


def report(start_ms: int, label: str, *, performance: float = 1.10) -> ProductionReport:
    end_ms = start_ms + 8 * HOUR_MS
    spans = tuple(
        StateSpan(
            start_ms + i * 600_000,
            start_ms + (i + 1) * 600_000,
            (StateClass.CUTTING, StateClass.READY_IDLE, StateClass.ALARM_STOPPED)[i % 3],
        )
        for i in range(40)
    )
    causes = tuple(
        DowntimeCause(f"plc.bit.{i}", text, 3600.0 - i * 600, 2)
        for i, text in enumerate(
            (
                "PLC: hydraulic pressure low",
                "PLC: band deviation above 0.5 mm for longer than the set time",
                "PLC link lost: connection refused by 192.168.10.20:502",
                "PLC: chatter",
            )
        )
    )
    return ProductionReport(
        period=ReportPeriod(start_ms, end_ms, label, label.split(maxsplit=1)[0], (Window(start_ms, end_ms),)),
        machine="saw-1",
        planned_s=28800.0,
        cuts=412,
        pieces=408,
        area_cm2=123456.0,
        area_unknown_cuts=1,
        cut_time_s=20000.0,
        mean_cut_time_s=48.5,
        time_by_state={StateClass.CUTTING: 22176.0, StateClass.READY_IDLE: 5000.0, StateClass.ALARM_STOPPED: 1624.0},
        downtime=causes,
        interrupted_cuts=4,
        band_changes=1,
        band_unknown_cuts=0,
        good_cuts=306,
        flagged_cuts=102,
        ideal_cut_time_s=22000.0,
        ideal_basis_cut_time_s=20000.0,
        ideal_unknown_cuts=0,
        availability=0.77,
        performance=performance,
        quality=0.75,
        oee=None if performance > 1 else 0.77 * performance * 0.75,
        timeline=spans,
        notes=(str(R_NO_SECTION(count=1)), str(R_FAST(value=performance * 100)), str(R_NO_OEE(parts="performance")))
        if performance > 1
        else (),
    )


def view(now_ms: int | None = None) -> ProductionView:
    now = now_ms or int(time.time() * 1000)
    start = now - 4 * HOUR_MS
    return ProductionView(
        report(start, "Early 2026-12-03"),
        tuple(
            report(start - (i + 1) * 8 * HOUR_MS, name, performance=0.9)
            for i, name in enumerate(("Night 2026-12-02", "Late 2026-12-02", "Early 2026-12-02"))
        ),
    )


def band_view() -> BandLifeView:
    day = 86_400_000
    t0 = 1_764_000_000_000
    estimate = BandEstimate(
        4711, 4, 160.0, 290.0, "area", 0.3, 99.7, 59840.0, 1497.0, None, 4, 1, "too few cuts", t0, t0 + 3600_000
    )
    history = [
        BandHistoryRow(4711, t0, None, "", 0, None, "area", ("operator: " + "teeth chipped on the 90 mm C45, " * 3,))
    ]
    history += [
        BandHistoryRow(
            4700 - i, t0 - (i + 1) * day, t0 - i * day, "worn" if i % 2 else "tooth_breakage", i % 3, 80.0 + i, "trend"
        )
        for i in range(5)
    ]
    return BandLifeView(4711, estimate, history, "")


def clipped(page: QWidget) -> list[str]:
    """Labels on ``page`` whose text needs more room than they have (one line: wider; wrapping:
    taller), outside tables and the page's own scroll area."""
    found = []
    for label in page.findChildren(QLabel):
        if not label.isVisible() or not label.text() or _in_table(label, page):
            continue
        if label.wordWrap():
            needed = label.heightForWidth(label.width())
            if needed > label.height():
                found.append(
                    f"{label.objectName() or 'a label'} {label.text()!r}: {needed} px tall, has {label.height()}"
                )
        else:
            label.ensurePolished()
            drawn = getattr(label, "drawn_font", None)
            metrics = QFontMetrics(drawn()) if callable(drawn) else label.fontMetrics()
            text = label.text()
            rich = label.textFormat() == Qt.TextFormat.RichText or (
                label.textFormat() == Qt.TextFormat.AutoText and "<" in text
            )
            if rich or getattr(label, "shown_text", None) is not None:
                continue  # elided on purpose (PathLabel: the middle, the whole text in the tooltip)
            width = max(metrics.horizontalAdvance(line) for line in text.split("\n"))
            room = (
                label.contentsRect().width() - 2 * label.margin() - label.indent()
                if label.indent() > 0
                else label.contentsRect().width() - 2 * label.margin()
            )
            if width > room:
                found.append(f"{label.objectName() or 'a label'} {text!r}: {width} px wide, has {room}")
    return found


def _in_table(widget: QWidget, page: QWidget) -> bool:
    parent = widget.parentWidget()
    while parent is not None and parent is not page:
        if isinstance(parent, QAbstractScrollArea) and parent.objectName() != "PageArea":
            return True
        parent = parent.parentWidget()
    return False


def scrolls(window: Any) -> list[str]:
    """What does not fit the panel: a scroll bar on the window's page area, a page that needs more
    room than the panel leaves it."""
    problems = []
    area = window.page_area
    for bar, name in ((area.verticalScrollBar(), "vertical"), (area.horizontalScrollBar(), "horizontal")):
        if bar.isVisible() or bar.maximum() > 0:
            problems.append(f"the page area scrolls {name}ly ({bar.maximum()} px)")
    page = window.stack.currentWidget()
    need, room = page.minimumSizeHint(), area.viewport().size()
    if need.height() > room.height() or need.width() > room.width():
        problems.append(
            f"the page needs {need.width()}x{need.height()} px, the panel leaves {room.width()}x{room.height()}"
        )
    return problems
