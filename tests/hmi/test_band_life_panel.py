"""The band-life panel: its own plant zone (the process's is left alone), captions that do not run together."""

from __future__ import annotations

import pytest
from hmi_testing import QLoop
from PySide6.QtCore import QTimeZone
from PySide6.QtWidgets import QApplication, QLabel
from pytestqt.qtbot import QtBot

from core.api import BandLifeView, Result, Role, UserSession
from core.config import Settings
from core.production.band_life_history import BandHistoryRow
from core.registers import RegisterMap
from core.testing.standin_engine import StandInEngine
from core.texts import READ_BAND_LIFE
from hmi.formatting import plant_zone
from hmi.i18n import Translator
from hmi.widgets.band_life import BandLifePanel

T0 = 1_750_000_000_000  # 2025-06-15 15:06:40 UTC = 18:06:40 in Istanbul


def test_the_panel_shows_plant_time_without_setting_the_process_zone(
    qtbot: QtBot, qloop: QLoop, settings: Settings, register_map: RegisterMap, computer_zone: object
) -> None:
    computer_zone("UTC")  # type: ignore[operator]
    settings.machine.time_zone = "Europe/Istanbul"
    engine = StandInEngine(settings, register_map)
    try:
        before = plant_zone()
        panel = BandLifePanel(engine)
        qtbot.addWidget(panel)
        assert plant_zone() == before == QTimeZone.systemTimeZone()  # the process's zone: untouched
        panel._fill_history([BandHistoryRow(7, T0, T0 + 86_400_000, "worn", 0, 80.0, "counters")])
        fitted, taken_off = panel.history.item(0, 1), panel.history.item(0, 2)
        assert fitted is not None and taken_off is not None
        assert (fitted.text(), taken_off.text()) == ("2025-06-15 18:06", "2025-06-16 18:06")
    finally:
        qloop.run(engine.stop())


def _text_span(label: QLabel) -> tuple[int, int]:
    """Where the label's text is drawn, x from and to, in its parent's coordinates (widest line)."""
    metrics = label.fontMetrics()
    rect = label.contentsRect()
    flags = int(label.alignment()) | (0x1000 if label.wordWrap() else 0)  # Qt.TextWordWrap
    drawn = metrics.boundingRect(rect, flags, label.text())
    return label.x() + drawn.left(), label.x() + drawn.right()


@pytest.mark.parametrize("lang", ["en", "tr"])
@pytest.mark.parametrize("width", [560, 900])
def test_the_two_captions_stand_apart(
    qtbot: QtBot,
    qapp: QApplication,
    qloop: QLoop,
    settings: Settings,
    register_map: RegisterMap,
    tmp_path_factory: pytest.TempPathFactory,
    lang: str,
    width: int,
) -> None:
    """ "Life used (estimated from the cuts)" ran into "Life remaining" (left-aligned captions, 6 px apart)."""
    translator = Translator.install(qapp, cache=tmp_path_factory.mktemp("qm"))
    engine = StandInEngine(settings, register_map)
    try:
        assert translator.switch(lang)
        panel = BandLifePanel(engine)
        qtbot.addWidget(panel)
        panel.resize(width, 600)
        panel.show()
        qapp.processEvents()
        _, used_end = _text_span(panel.used_caption)
        remaining_start, _ = _text_span(panel.remaining_caption)
        assert remaining_start - used_end >= 24, (panel.used_caption.text(), used_end, remaining_start)
    finally:
        translator.switch("en")
        qloop.run(engine.stop())


def test_refusals_are_shown_in_the_screens_language(
    qtbot: QtBot,
    qapp: QApplication,
    qloop: QLoop,
    settings: Settings,
    register_map: RegisterMap,
    tmp_path_factory: pytest.TempPathFactory,
) -> None:
    """A Turkish screen says why in Turkish (core's code), not core's English reason."""
    translator = Translator.install(qapp, cache=tmp_path_factory.mktemp("qm"))
    engine = StandInEngine(settings, register_map)
    try:
        assert translator.switch("tr")
        panel = BandLifePanel(engine, session=lambda: UserSession("erin", Role.ENGINEER))
        qtbot.addWidget(panel)
        panel.note.setText("dişler körelmiş")
        panel.write_note()  # erin has not logged in on this engine
        assert panel.note_message.text() == "Not yazılmadı: erin oturum açmamış"

        async def unreadable() -> Result[BandLifeView]:
            return Result.refused(READ_BAND_LIFE(error="disk I/O error"))

        engine.band_life = unreadable  # type: ignore[method-assign]
        qloop.run(panel.load())
        assert panel.message.text() == "Şerit ömrü okunamıyor: disk I/O error"  # said once, not twice
    finally:
        translator.switch("en")
        qloop.run(engine.stop())
