"""The replay chooser says things a Turkish operator reads: a refused replay's reason in Turkish (in
plant time), a default period that holds data on a saw recording for less than an hour, and lists
that say when they are empty."""

from __future__ import annotations

import time
from collections.abc import Iterator
from pathlib import Path

import pytest
from hmi_testing import QLoop
from PySide6.QtWidgets import QApplication
from pytestqt.qtbot import QtBot
from replay_data import raw_db, write_raw_db
from replay_screen import T0, main_window

from core.config import Settings
from core.registers import RegisterMap
from hmi.code_names import replay_reason
from hmi.formatting import plant_epoch_ms, plant_time, plant_wall
from hmi.i18n import Translator
from tests.waiting import wait_until


@pytest.fixture
def turkish(qapp: QApplication, tmp_path: Path) -> Iterator[Translator]:
    translator = Translator.install(qapp, cache=tmp_path / "qm")
    assert translator.switch("tr")
    yield translator
    translator.switch("en")


def test_a_refused_replay_says_why_in_turkish(qtbot: QtBot, qloop: QLoop, settings: Settings,
                                              register_map: RegisterMap, turkish: Translator) -> None:
    write_raw_db(raw_db(settings.data_dir), register_map, T0, 100)  # ten seconds at T0
    with main_window(qtbot, qloop, settings, register_map, show=False) as (_, window):
        async def scenario() -> None:
            chooser = window.open_replay()
            chooser.start.setDateTime(plant_wall(T0 + 86_400_000))
            chooser.replay_choice()
            await wait_until(lambda: chooser.go.isEnabled() and chooser.message.text() != "", "the refusal")
            text = chooser.message.text()
            assert "no recorded samples" not in text and "recording holds" not in text, text
            assert "kayıtlı örnek yok" in text and "kayıt" in text, text
            assert plant_time(T0) in text  # what the recording holds, in plant time
            chooser.reject()

        qloop.run(scenario())


def test_core_replay_reasons_have_turkish(turkish: Translator) -> None:
    stamp = time.strftime("%Y-%m-%d %H:%M:%S", time.localtime(T0 / 1000))
    for english in (f"no recorded samples from {stamp} to {stamp}: nothing has been recorded yet",
                    f"the period ends ({stamp}) before it starts ({stamp})",
                    f"no recording from {stamp} to {stamp}: skipped",
                    "speed 90x is outside 1x to 60x", "no replay is running",
                    "cannot read the recorded samples: disk I/O error"):
        shown = replay_reason(english)
        assert shown != english, shown
        if stamp in english:
            assert plant_time(T0) in shown, shown


def test_the_default_period_holds_data_on_a_saw_recording_for_less_than_an_hour(
        qtbot: QtBot, qloop: QLoop, settings: Settings, register_map: RegisterMap) -> None:
    first = int(time.time() * 1000) - 20 * 60_000  # recording for 20 minutes
    write_raw_db(raw_db(settings.data_dir), register_map, first, 20 * 600)
    with main_window(qtbot, qloop, settings, register_map) as (_, window):
        async def scenario() -> None:
            chooser = window.open_replay()
            await wait_until(lambda: chooser.alarms_empty.text() != "", "the lists read")
            wall = chooser.start.dateTime()
            assert abs(plant_epoch_ms(wall.date(), wall.time()) - first) < 1000
            chooser.replay_choice()  # the default, untouched
            await wait_until(lambda: window.bridge.replaying, "the default period replayed")
            window.replay_bar.back_to_live()
            await wait_until(lambda: not window.bridge.replaying, "back to live")

        qloop.run(scenario())


def test_empty_lists_say_so(qtbot: QtBot, qloop: QLoop, settings: Settings, register_map: RegisterMap) -> None:
    with main_window(qtbot, qloop, settings, register_map) as (_, window):
        async def scenario() -> None:
            chooser = window.open_replay()
            await wait_until(lambda: chooser.alarms_empty.text() != "", "the lists read")
            chooser.tabs.setCurrentIndex(1)
            assert chooser.cuts.count() == 0 and chooser.cuts_empty.isVisible()
            assert chooser.cuts_empty.text() == "No cut has been recorded yet"
            chooser.tabs.setCurrentIndex(2)
            assert chooser.alarms.count() == 0 and chooser.alarms_empty.isVisible()
            assert chooser.alarms_empty.text() == "No alarm has been recorded yet"
            chooser.reject()

        qloop.run(scenario())
