"""The band-life panel on the typed stand-in engine: figures readable at 2 m, method, history, band 0,
a refused read, Turkish; the engine reads total.db off the GUI thread (core.api band_life)."""

from __future__ import annotations

import os
from collections.abc import Iterator
from pathlib import Path

import pytest

os.environ.setdefault("QT_QPA_PLATFORM", "offscreen")

from band_life_sim import T0_MS, run_cuts
from hmi_testing import QLoop, checked_qloop, no_leaked_qt
from PySide6.QtCore import Qt
from PySide6.QtWidgets import QApplication, QTableWidget
from pytestqt.qtbot import QtBot

from core.analysis.store import BatchedSqliteWriter, migrator
from core.analysis.tables import INSERT_CUT
from core.api import UserSession
from core.config import Settings
from core.production.band_life_history import INSERT_EVENT
from core.registers import RegisterMap
from core.storage.sqlite_open import database_path
from core.testing.standin_engine import StandInEngine
from hmi.formatting import plain_text
from hmi.i18n import Translator
from hmi.widgets.band_life import BIG_PX, BandLifePanel


@pytest.fixture(autouse=True)
def _no_leaked_qt(qapp: QApplication) -> Iterator[None]:
    with no_leaked_qt(qapp):
        yield


@pytest.fixture
def qloop(qapp: QApplication) -> Iterator[QLoop]:
    with checked_qloop(qapp) as loop:
        yield loop


@pytest.fixture
def engine(settings: Settings, register_map: RegisterMap) -> StandInEngine:
    return StandInEngine(settings, register_map)


def _cell(table: QTableWidget, row: int, column: int) -> str:
    item = table.item(row, column)
    assert item is not None, (row, column)
    return item.text()


def _total(settings: Settings, band: int, cuts: int) -> None:
    path = database_path(settings.data_dir, "total")
    path.parent.mkdir(parents=True, exist_ok=True)
    writer = BatchedSqliteWriter(path, migrator("total"), batch_rows=100, batch_ms=10)
    writer.open()
    try:
        writer.submit(INSERT_EVENT, (T0_MS - 7_200_000, 12, "installed", "first_seen", None))
        writer.submit(INSERT_EVENT, (T0_MS - 3_600_000, 12, "breakage", None, None))
        writer.submit(
            INSERT_EVENT, (T0_MS - 1000, 12, "removed", "tooth_breakage", '{"life_used_pct": 41.5, "method": "trend"}')
        )
        writer.submit(INSERT_EVENT, (T0_MS - 1000, band, "installed", "band_id_changed", None))
        for cut in run_cuts(cuts, seed=2):
            row = dict(cut.row)
            row["band_id"] = band
            writer.submit(INSERT_CUT, tuple(row.values()))
    finally:
        writer.close()


def test_the_panel_shows_the_band_big_with_its_method_and_history(
    qtbot: QtBot, qloop: QLoop, engine: StandInEngine, settings: Settings, qapp: QApplication, tmp_path: Path
) -> None:
    assert Translator.install(qapp, cache=tmp_path / "qm").switch("en")  # English's plural forms, as the HMI
    panel = BandLifePanel(engine)
    qtbot.addWidget(panel)
    qloop.run(panel.load())
    assert panel.method.text().startswith("No band seen yet") and panel.used.text() == "—"
    _total(settings, 4711, 8)
    qloop.run(panel.load())
    assert panel.title.text() == "Band 4711"
    used, remaining = plain_text(panel.used.text()), plain_text(panel.remaining.text())
    assert used.endswith(" %") and remaining.endswith(" %")
    assert int(used.removesuffix(" %")) + int(remaining.removesuffix(" %")) in (99, 100, 101)
    assert panel.used.font().pixelSize() == panel.remaining.font().pixelSize() == BIG_PX >= 56
    assert panel.method.text().startswith("From the area cut against the set blade life: too few cuts (8)")
    assert panel.counters.text().startswith("8 cuts · ") and "cm² left" in panel.left.text()
    table = panel.history
    assert table.rowCount() == 2
    assert [_cell(table, 0, c) for c in (0, 3, 4)] == ["4711", "On the saw", "0"]
    assert [plain_text(_cell(table, 1, c)) for c in (0, 3, 4, 5)] == ["12", "Tooth breakage", "1", "42 %"]
    assert panel.remaining.property("state") == "none"  # grey: no band-life alarm


def test_band_zero_and_a_refused_read_are_said_plainly(
    qtbot: QtBot, qloop: QLoop, engine: StandInEngine, settings: Settings
) -> None:
    panel = BandLifePanel(engine)
    qtbot.addWidget(panel)
    _total(settings, 0, 5)
    qloop.run(panel.load())
    assert panel.title.text() == "No band id set (0)" and panel.used.text() == panel.remaining.text() == "—"
    assert panel.method.text().startswith("Band id 0: no band id is set on the PLC")
    assert _cell(panel.history, 0, 3) == "No band id set (0)"
    path = database_path(settings.data_dir, "total")
    for suffix in ("", "-wal", "-shm"):
        Path(f"{path}{suffix}").unlink(missing_ok=True)
    path.write_bytes(b"not a database" * 100)
    qloop.run(panel.load())
    text = panel.message.text()  # said once (683d059), with the reason
    assert text.startswith("Cannot read the band life: ") and "not a database" in text
    assert text.lower().count("band life") == 1
    assert panel.message.property("state") == "attention"


def test_turkish(
    qtbot: QtBot, qloop: QLoop, engine: StandInEngine, settings: Settings, qapp: QApplication, tmp_path: Path
) -> None:
    translator = Translator.install(qapp, cache=tmp_path / "qm")
    try:
        assert translator.switch("tr")
        panel = BandLifePanel(engine)
        qtbot.addWidget(panel)
        _total(settings, 4711, 3)
        qloop.run(panel.load())
        assert panel.title.text() == "Şerit 4711"
        assert panel.used_caption.text() == "Kullanılan ömür (kesimlerden tahmin)"
        assert _cell(panel.history, 1, 3) == "Diş kırılması"
    finally:
        translator.switch("en")


@pytest.mark.parametrize(
    ("lang", "one", "two"),
    [
        (
            "en",
            ("1 cut · 12 cm² cut · 0.5 h running", "about 1 cut", "1 cut, 1 material"),
            ("2 cuts · 12 cm² cut · 0.5 h running", "about 2 cuts", "2 cuts, 2 materials"),
        ),
        (
            "tr",
            ("1 kesim · 12 cm² kesildi · 0,5 sa çalışma", "yaklaşık 1 kesim", "1 kesim, 1 malzeme"),
            ("2 kesim · 12 cm² kesildi · 0,5 sa çalışma", "yaklaşık 2 kesim", "2 kesim, 2 malzeme"),
        ),
    ],
)
def test_counts_take_their_plural_forms(
    qtbot: QtBot,
    engine: StandInEngine,
    qapp: QApplication,
    tmp_path: Path,
    lang: str,
    one: tuple[str, str, str],
    two: tuple[str, str, str],
) -> None:
    """A count of 1 reads "1 cut", of 2 "2 cuts" (the Production page said "1 cuts"): Qt's numerus
    forms, English's own catalogue included; Turkish has one form ("1 kesim", "2 kesim")."""
    from core.api import BandEstimate

    translator = Translator.install(qapp, cache=tmp_path / "qm")
    try:
        assert translator.switch(lang)
        panel = BandLifePanel(engine)
        qtbot.addWidget(panel)
        for n, (counters, left, method) in ((1, one), (2, two)):
            e = BandEstimate(
                band_id=7,
                cuts=n,
                area_cm2=12.0,
                run_s=1800.0,
                method="trend",
                life_used_pct=40.0,
                remaining_pct=60.0,
                remaining_cm2=900.0,
                remaining_cuts=float(n),
                rise_pct=4.0,
                usable_cuts=n,
                materials=n,
                note="",
                first_ms=None,
                last_ms=None,
            )
            assert panel._counters(e) == counters
            assert panel._left(e).endswith(" · " + left)
            assert method in panel.method_text(e)
    finally:
        translator.switch("en")


def test_a_note_from_the_panel_shows_in_the_history(
    qtbot: QtBot, qloop: QLoop, engine: StandInEngine, settings: Settings
) -> None:
    _total(settings, 7, 3)  # the stand-in's PLC shows band 7
    panel = BandLifePanel(engine, session=UserSession.anonymous)
    qtbot.addWidget(panel)
    bare = BandLifePanel(engine)
    qtbot.addWidget(bare)
    assert not bare.note.isVisibleTo(bare) and panel.note.isVisibleTo(panel)  # no session: no note field
    panel.write_note()
    assert panel.note_message.text() == "Note not written: the note is empty"
    panel.note.setText("teeth chipped on the 90 mm C45")
    qtbot.mouseClick(panel.add_note, Qt.MouseButton.LeftButton)
    assert panel.note.text() == ""
    qloop.run(panel.load())
    assert _cell(panel.history, 0, 3) == "On the saw — operator: teeth chipped on the 90 mm C45"
    assert [r.action for r in engine.audited if r.action == "band_note"] == ["band_note"]
