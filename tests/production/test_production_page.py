"""The Production page on the stand-in engine: the running shift's figures as core computes them,
operators see their shift only, engineers the last shifts and the export; nothing on the GUI thread."""

from __future__ import annotations

import sqlite3
import time
from collections.abc import Iterator
from pathlib import Path
from zoneinfo import ZoneInfo

import pytest
from hmi_testing import QLoop, checked_qloop, no_leaked_qt
from production_helpers import run_settings
from pypdf import PdfReader
from PySide6.QtWidgets import QApplication
from test_report_edges import cut, make_db

from core.api import Role, StateClass
from core.production.service import production_view
from core.production.shifts import current_and_previous
from core.registers import RegisterMap
from core.security.testing import login_as
from core.storage.schema import migrate
from core.testing.standin_engine import StandInEngine
from hmi.bridge import EngineBridge
from hmi.pages.production import HISTORY_TAB, PREVIOUS_TAB, ProductionPage
from hmi.permissions import set_policy
from hmi.session import acting
from tests.waiting import wait_until

pytestmark = pytest.mark.gui


@pytest.fixture(autouse=True)
def _no_leaked_qt(qapp: QApplication) -> Iterator[None]:
    with no_leaked_qt(qapp):
        yield


@pytest.fixture(autouse=True)
def _policy_restored() -> Iterator[None]:
    yield
    set_policy(None)


@pytest.fixture
def qloop(qapp: QApplication) -> Iterator[QLoop]:
    with checked_qloop(qapp) as loop:
        yield loop


def seed(data_dir: Path, settings: object) -> int:
    """Cuts and states through the running shift and the ones before; a stopping alarm."""
    now = int(time.time() * 1000)
    current, previous = current_and_previous(settings.production.shifts, ZoneInfo("Europe/Berlin"), now, 3)  # type: ignore[attr-defined]
    assert current is not None
    start = previous[-1].start_ms
    cuts = [cut(t, 90, band=7 if t < current.start_ms else 8) for t in range(start + 60_000, now - 120_000, 600_000)]
    states = []
    for t in range(start, now, 60_000):
        states.append((t, 3 if (t // 60_000) % 3 == 0 else 2, "up"))
    make_db(data_dir, cuts, states)
    conn = sqlite3.connect(data_dir / "databases" / "log.db", isolation_level=None)
    migrate(conn, "log")
    row = (
        "INSERT INTO alarm_log (ts_ms, alarm_key, action, state, previous_state, priority, text, user) "
        "VALUES (?, 'plc.alarm', ?, 'x', 'y', 1, 'PLC: hydraulic pressure low', 'system')"
    )
    conn.execute(row, (current.start_ms + 60_000, "raise"))
    conn.execute(row, (current.start_ms + 60_000 + 1_800_000, "clear"))
    conn.close()
    return now


async def show(page: ProductionPage) -> None:
    page.show()  # on the loop: the page asks the engine as it shows
    await wait_until(lambda: page.view is not None, "the production figures")


async def export(page: ProductionPage) -> None:
    page.export_report()  # a tap: the engine writes the file off the loop thread
    await wait_until(
        lambda: "Report written" in page.message.text() or "Not" in page.message.text(), "the export", within_s=120
    )


def build(
    qapp: QApplication, tmp_path: Path, register_map: RegisterMap
) -> tuple[StandInEngine, EngineBridge, ProductionPage]:
    settings = run_settings(tmp_path / "data")
    seed(settings.data_dir, settings)
    engine = StandInEngine(settings, register_map)
    # The roles as the window's SessionController installs them: the engine's one table.
    set_policy(lambda user, action: engine.allowed(acting(user), action.value))
    bridge = EngineBridge(engine)
    page = ProductionPage(bridge, engine)
    page.resize(1268, 640)
    return engine, bridge, page


def test_operator_sees_the_running_shift_as_core_computes_it(
    qapp: QApplication, qloop: QLoop, tmp_path: Path, register_map: RegisterMap
) -> None:
    engine, bridge, page = build(qapp, tmp_path, register_map)
    try:
        qloop.run(show(page))
        expected = production_view(engine.settings)
        shown = page.view
        assert shown is not None and shown.current is not None and expected.current is not None
        report = shown.current
        assert page.pieces.text() == str(expected.current.pieces)
        if expected.current.pieces == 0:
            # The simulated history ends at the wall clock: in a shift's first minutes nothing is cut
            # yet, and the rest of this check would compare empty figures.
            pytest.skip("the running shift has just begun (wall clock): no cut to compare yet")
        if report.oee is None:  # the simulator cuts faster than the chart: a part above 100 %, no OEE number
            assert page.oee.text() == "—" and "OEE not given" in page.notes.text()
        else:
            assert page.oee.text().endswith("%")
        assert [bar.value for bar in page.part_bars] == [report.availability, report.performance, report.quality]
        assert page.timeline.spans and {s.state for s in page.timeline.spans} >= {StateClass.CUTTING}
        assert "PLC: hydraulic pressure low" in page.downtime[0].text()
        # Operators: their shift only, no export.
        assert not page.export_button.isVisible() and not page.tabs.isTabVisible(PREVIOUS_TAB)
        page.export_report()
        assert "engineer" in page.message.text()
    finally:
        page.shutdown()
        page.close()
        page.deleteLater()
        bridge.deleteLater()


def test_engineer_sees_last_shifts_and_exports(
    qapp: QApplication, qloop: QLoop, tmp_path: Path, register_map: RegisterMap
) -> None:
    engine, bridge, page = build(qapp, tmp_path, register_map)
    try:
        login_as(engine.access, "erin", Role.ENGINEER)
        page.set_user("erin")
        page.update_permissions()
        qloop.run(show(page))
        assert page.export_button.isVisible() and page.tabs.isTabVisible(PREVIOUS_TAB)
        assert page.view is not None
        labels = [card.title.text() for card in page.cards if card.isVisibleTo(page.previous_box)]
        assert labels == [r.period.label for r in page.view.previous] and len(labels) == 3
        qloop.run(export(page))
        assert "Report written" in page.message.text(), page.message.text()
        # Seen beside the Export button (it was at the end of the page, below the fold).
        top = page.message.mapTo(page, page.message.rect().topLeft()).y()
        assert page.message.isVisibleTo(page) and page.message.width() > 0
        assert top >= 0 and top + page.message.height() <= page.export_button.geometry().bottom() + 1
        written = list((engine.settings.data_dir / "exports").glob("production-*.pdf"))
        assert len(written) == 1 and len(PdfReader(written[0]).pages) == 4
    finally:
        page.shutdown()
        page.close()
        page.deleteLater()
        bridge.deleteLater()


def test_band_life_slot_holds_the_band_life_panel(
    qapp: QApplication, tmp_path: Path, register_map: RegisterMap
) -> None:
    _engine, bridge, page = build(qapp, tmp_path, register_map)
    try:
        assert page.band_life_slot.isVisibleTo(page)
        assert page.band_life.parent() is page.band_life_slot and page.band_life.isVisibleTo(page)
    finally:
        page.shutdown()
        page.deleteLater()
        bridge.deleteLater()


def test_kiosk_figures_readable_from_2_m(
    qapp: QApplication, qloop: QLoop, tmp_path: Path, register_map: RegisterMap
) -> None:
    """1280x800 kiosk: every figure's digits at least 48 px high (Pieces are 56 px), as drawn.
    Nothing cut and no scrolling: tests/production/test_production_fit.py."""
    from PySide6.QtGui import QFontMetrics

    _engine, _bridge, page = build(qapp, tmp_path, register_map)
    try:
        page.resize(1268, 713)  # the page's share of the 1280x800 kiosk window
        qloop.run(show(page))
        qapp.processEvents()
        for label in (page.pieces, page.oee, page.area, *page.part_values):
            label.ensurePolished()
            digits = QFontMetrics(label.drawn_font()).tightBoundingRect("0123456789").height()
            assert digits >= 48, (label.objectName(), digits)
            assert label.height() >= digits, (label.objectName(), label.height(), digits)
    finally:
        page.shutdown()
        page.close()
        page.deleteLater()


def test_hmi_can_open_on_the_production_page() -> None:
    """`bandsaw hmi --page production`, and every page the window can show is a choice."""
    import argparse

    from hmi.app import PAGES, add_arguments
    from hmi.main_window import OPTIONAL_PAGES

    parser = argparse.ArgumentParser()
    add_arguments(parser)
    assert parser.parse_args(["--page", "production"]).page == "production"
    assert {key for key, *_ in OPTIONAL_PAGES} <= set(PAGES)


@pytest.mark.parametrize("kiosk", [False, True], ids=["desktop", "kiosk"])
def test_band_life_figures_keep_their_56_px_in_the_themed_page(
    qapp: QApplication, tmp_path: Path, register_map: RegisterMap, kiosk: bool
) -> None:
    """Embedded in the Production page of a themed window, the band's life used and left are drawn
    at 56 px like the panel on its own (the theme's font size for every widget overrode setFont:
    15 px on the desktop, 17 px in kiosk)."""
    from PySide6.QtWidgets import QMainWindow

    from hmi.theme import apply_theme
    from hmi.widgets.band_life import BIG_PX

    _engine, bridge, page = build(qapp, tmp_path, register_map)
    window = QMainWindow()
    window.setProperty("kiosk", "true" if kiosk else "false")  # as hmi.main_window sets it
    apply_theme(qapp)
    try:
        window.setCentralWidget(page)
        window.resize(1280, 800)
        window.show()
        qapp.processEvents()
        panel = page.band_life
        assert panel.isVisibleTo(window)
        for label in (panel.used, panel.remaining):
            label.ensurePolished()
            assert label.fontInfo().pixelSize() == BIG_PX >= 56, (kiosk, label.objectName(), label.fontInfo())
        for label in (panel.method, panel.counters, panel.used_caption):
            assert label.fontInfo().pixelSize() >= 18, label.objectName()
    finally:
        qapp.setStyleSheet("")
        page.shutdown()
        window.close()
        window.deleteLater()
        bridge.deleteLater()


def header_cut(header: object) -> list[str]:
    """The horizontal header's sections whose text (every line of it) is wider or taller than the
    section, or that lie outside the table's visible width (scrolled or squeezed off)."""
    from PySide6.QtCore import Qt
    from PySide6.QtGui import QFontMetrics
    from PySide6.QtWidgets import QHeaderView, QStyle

    assert isinstance(header, QHeaderView)
    model = header.model()
    metrics = QFontMetrics(header.font())
    margin = 2 * header.style().pixelMetric(QStyle.PixelMetric.PM_HeaderMargin, None, header)
    found = []
    for section in range(header.count()):
        text = str(model.headerData(section, Qt.Orientation.Horizontal))
        lines = text.split("\n")
        wide = max(metrics.horizontalAdvance(line) for line in lines) + margin
        tall = len(lines) * metrics.lineSpacing()
        size, left = header.sectionSize(section), header.sectionViewportPosition(section)
        if wide > size or tall > header.height() or left < 0 or left + size > header.viewport().width():
            found.append(
                f"{text!r}: needs {wide}x{tall} px, has {size}x{header.height()} at {left} "
                f"of {header.viewport().width()}"
            )
    return found


@pytest.mark.parametrize("lang", ["en", "tr"])
def test_kiosk_band_history_headers_fit_their_columns(
    qapp: QApplication, tmp_path: Path, register_map: RegisterMap, lang: str
) -> None:
    """In the 1280x800 kiosk window, EN and TR, every band history header is readable whole: its text
    fits its column and every column is in view (six columns in the 619 px half page cut the last
    header, 'Life used at removal', and Turkish worse)."""
    import dataclasses

    from PySide6.QtWidgets import QMainWindow

    from core.api import BandHistoryRow
    from hmi.i18n import Translator
    from hmi.theme import apply_theme

    translator = Translator.install(qapp, cache=tmp_path / "qm")
    assert translator.switch(lang)
    _engine, bridge, page = build(qapp, tmp_path, register_map)
    window = QMainWindow()
    window.setProperty("kiosk", "true")  # as hmi.main_window sets it
    apply_theme(qapp)
    try:
        window.setCentralWidget(page)
        window.resize(1280, 800)
        window.show()
        day = 86_400_000
        rows = [
            BandHistoryRow(
                1000 + i,
                1_700_000_000_000 + i * day,
                1_700_000_000_000 + (i + 1) * day,
                "tooth_breakage" if i % 2 else "worn",
                i % 3,
                80.0 + i,
                "trend",
            )
            for i in range(4)
        ]
        rows[0] = dataclasses.replace(rows[0], notes=("operator: " + "teeth chipped on the 90 mm C45, " * 6,))
        page.band_life._fill_history(rows)
        qapp.processEvents()
        page.tabs.setCurrentIndex(HISTORY_TAB)
        qapp.processEvents()
        assert page.band_life.history.isVisibleTo(window)
        assert header_cut(page.band_life.history.horizontalHeader()) == []
    finally:
        translator.switch("en")
        qapp.setStyleSheet("")
        page.shutdown()
        window.close()
        window.deleteLater()
        bridge.deleteLater()


def test_a_shift_without_data_shows_no_figures(
    qapp: QApplication, qloop: QLoop, tmp_path: Path, register_map: RegisterMap
) -> None:
    """A shift with nothing recorded (the HMI PC was off) reads "no data", never "Pieces 0" (the
    Last shifts card said "Pieces 0 · OEE —" on the real program); the running shift's Pieces a dash."""
    import dataclasses

    engine, bridge, page = build(qapp, tmp_path, register_map)
    try:
        login_as(engine.access, "erin", Role.ENGINEER)
        page.set_user("erin")
        page.update_permissions()
        qloop.run(show(page))
        assert page.view is not None and page.view.current is not None
        empty = {StateClass.NO_DATA: page.view.previous[0].planned_s}
        blank = [
            dataclasses.replace(
                r,
                cuts=0,
                pieces=0,
                good_cuts=0,
                time_by_state=empty,
                availability=None,
                performance=None,
                quality=None,
                oee=None,
            )
            for r in page.view.previous
        ]
        current = dataclasses.replace(
            page.view.current, cuts=0, pieces=0, time_by_state={StateClass.NO_DATA: page.view.current.planned_s}
        )
        page.show_view(dataclasses.replace(page.view, current=current, previous=tuple(blank)))
        bodies = [card.body.text() for card in page.cards if card.isVisibleTo(page.previous_box)]
        assert bodies == ["no data recorded in this shift"] * 3
        assert page.pieces.text() == "—"
    finally:
        page.shutdown()
        page.close()
        page.deleteLater()
        bridge.deleteLater()
