"""Replay on the screen: the REPLAY bar, the dashboard and trends fed replayed samples through the one
switch in the bridge, a live critical alarm still shown, writes refused, pause/seek/speed, back to live."""

from __future__ import annotations

import sqlite3
from pathlib import Path

import numpy as np
from hmi_testing import QLoop
from PySide6.QtWidgets import QApplication
from pytestqt.qtbot import QtBot
from replay_data import raw_db, write_raw_db
from replay_screen import T0, cut_in_total_db, main_window

from core.api import Priority, ReplayState
from core.config import Settings
from core.registers import RegisterMap
from core.storage.schema import migrate
from hmi.formatting import plant_wall
from hmi.pages.overview import OverviewPage, preset_title
from hmi.pages.trends import TrendsPage
from hmi.widgets.replay_bar import clock_text
from tests.waiting import wait_until


def test_replay_on_the_dashboard_and_trends(qtbot: QtBot, qloop: QLoop, settings: Settings,
                                            register_map: RegisterMap) -> None:
    write_raw_db(raw_db(settings.data_dir), register_map, T0, 600)  # a recorded minute
    with main_window(qtbot, qloop, settings, register_map) as (engine, window):
        bridge, bar = window.bridge, window.replay_bar
        overview, trends = window.pages["dashboard"], window.pages["trends"]
        assert isinstance(overview, OverviewPage) and isinstance(trends, TrendsPage)
        async def scenario() -> None:
            engine.push({"band_current": 14.2})
            bridge.refresh()
            assert not bar.isVisible() and not bridge.replaying

            chooser = window.open_replay()
            chooser.tabs.setCurrentIndex(0)
            chooser.start.setDateTime(plant_wall(T0))  # the chooser reads plant time
            chooser.span.setCurrentIndex(0)  # one minute
            chooser.speed.setCurrentIndex(chooser.speed.findData(10.0))
            chooser.replay_choice()
            await wait_until(lambda: bridge.replaying and bar.isVisible(), "the replay on screen")
            assert bar.title.text() == "REPLAY" and window.replay_field.isVisible()
            assert bar.time.text().startswith(clock_text(T0)[:16])
            assert "not live" in bar.detail.text() and "10x" in bar.detail.text()

            # Live polls go on underneath; the screen keeps the replayed values.
            engine.push({"band_current": 99.0})
            await wait_until(lambda: trends.buffer.times().size > 5, "replayed trend points")
            latest = bridge.latest
            assert latest is not None and T0 <= latest.ts_ms < T0 + 60_000
            assert bridge.channel("band_current").latest is not None
            assert bridge.channel("band_current").latest.value != 99.0  # type: ignore[union-attr]
            times = trends.buffer.times()
            assert times.min() >= T0 / 1000 and times.max() < (T0 + 60_000) / 1000
            assert np.allclose(np.diff(times), 0.1)  # every recorded sample, none lost to latest-wins

            # A live critical alarm is raised during the replay and shows at once.
            engine.alarms.update("test.overload", True, "live overload", priority=Priority.CRITICAL)
            await wait_until(lambda: "live overload" in overview.alarm_strip.text_label.text(),
                             "the live alarm on the overview")

            # Writes are refused by the engine, with the reason on the screen.
            task = overview.apply_preset("normal")
            assert task is not None
            await wait_until(task.done, "the preset")
            assert "replay is running" in overview.message.text() and engine.writes == []

            bar.toggle_pause()
            assert engine.replay_status().state is ReplayState.PAUSED and bar.play.text() == "Play"
            bar.seek_fraction(0.5)
            await wait_until(lambda: bridge.latest is not None and bridge.latest.ts_ms >= T0 + 30_000, "the seek")
            await wait_until(lambda: trends.buffer.times().size > 0, "the trend after the seek")
            assert trends.buffer.times().min() >= (T0 + 30_000) / 1000  # the old stream was dropped
            bar.set_speed(2.0)
            assert engine.replay_status().speed == 2.0 and bar.speed.currentText() == "2x"

            bar.back_to_live()
            await wait_until(lambda: not bridge.replaying, "back to live")
            assert not bar.isVisible() and not window.replay_field.isVisible()
            assert bridge.latest is not None and bridge.latest.values["band_current"] == 99.0  # the live value at once
            assert trends.buffer.times().size <= 1
            assert engine.replay_hold() == ""

        qloop.run(scenario())


def test_an_empty_period_says_why_in_the_chooser(qtbot: QtBot, qloop: QLoop, settings: Settings,
                                                 register_map: RegisterMap) -> None:
    write_raw_db(raw_db(settings.data_dir), register_map, T0, 100)
    with main_window(qtbot, qloop, settings, register_map, show=False) as (_, window):
        async def scenario() -> None:
            chooser = window.open_replay()
            chooser.start.setDateTime(plant_wall(T0 + 86_400_000))
            chooser.replay_choice()
            await wait_until(lambda: "Not replayed" in chooser.message.text(), "the refusal")
            assert "no recorded samples" in chooser.message.text() and not window.bridge.replaying
            chooser.tabs.setCurrentIndex(1)  # the cut list: empty here (no total.db)
            chooser.replay_choice()
            assert "Choose a cut or an alarm" in chooser.message.text()
            chooser.reject()

        qloop.run(scenario())


def _databases(settings: Settings) -> None:
    """A cut in total.db and an alarm in log.db, both inside the recorded ten minutes."""
    cut_in_total_db(settings)
    log = sqlite3.connect(settings.data_dir / "databases" / "log.db")
    migrate(log, "log")
    log.execute("INSERT INTO alarm_log (ts_ms, alarm_key, action, state, previous_state, priority, text, user) "
                "VALUES (?, 'plc.alarm', 'raise', 'active', 'normal', 1, 'Torque overload', 'system')",
                (T0 + 400_000,))
    log.commit()
    log.close()


def test_a_cut_and_an_alarm_from_the_lists(qtbot: QtBot, qloop: QLoop, settings: Settings,
                                           register_map: RegisterMap) -> None:
    write_raw_db(raw_db(settings.data_dir), register_map, T0, 6000)
    _databases(settings)
    with main_window(qtbot, qloop, settings, register_map, kiosk=True, show=False) as (engine, window):

        async def scenario() -> None:
            chooser = window.open_replay()
            await wait_until(lambda: chooser.cuts.count() == 1 and chooser.alarms.count() == 1, "the lists")
            assert "Torque overload" in chooser.alarms.item(0).text()
            chooser.tabs.setCurrentIndex(1)
            chooser.cuts.setCurrentRow(0)
            chooser.replay_choice()
            await wait_until(lambda: window.bridge.replaying, "the cut replayed")
            status = engine.replay_status()
            assert status.label == "cut 1" and (status.start_ms, status.end_ms) == (T0 + 110_000, T0 + 210_000)
            assert window.bridge.latest is not None and window.bridge.latest.ts_ms == T0 + 110_000
            chooser = window.open_replay()
            await wait_until(lambda: chooser.alarms.count() == 1, "the lists again")
            chooser.tabs.setCurrentIndex(2)
            chooser.alarms.setCurrentRow(0)
            chooser.replay_choice()
            await wait_until(lambda: engine.replay_status().label.startswith("alarm plc.alarm"), "the alarm")
            status = engine.replay_status()
            assert status.start_ms < T0 + 400_000 < status.end_ms
            await window.replay_bar._stop()

        qloop.run(scenario())


def test_a_preset_refused_during_replay_is_readable_in_full(qtbot: QtBot, qloop: QLoop, settings: Settings,
                                                          register_map: RegisterMap) -> None:
    """The refusal ("Preset fast not applied: ... nothing is written to the PLC ...") lost its first and
    last lines in the fixed 56 px box at 1280x800: it wraps and grows within a scroll area now."""
    write_raw_db(raw_db(settings.data_dir), register_map, T0, 600)
    with main_window(qtbot, qloop, settings, register_map, show=False) as (engine, window):
        window.resize(1280, 800)
        window.show()
        overview = window.pages["dashboard"]
        assert isinstance(overview, OverviewPage)
        name = next(iter(overview.preset_buttons))

        async def scenario() -> None:
            assert (await engine.replay_start(window.session.actor(), T0, T0 + 60_000)).ok
            task = overview.apply_preset(name)
            assert task is not None
            results = await task
            assert results and not any(r.ok for r in results)
            await window.replay_bar._stop()

        qloop.run(scenario())
        QApplication.processEvents()
        label = overview.message
        text = label.text()
        assert text.startswith(f"Preset {preset_title(name)} not applied") and "nothing is written" in text
        assert window.height() <= 800
        # The whole text fits the label (it grew to its wrapped height), and the box scrolls to every line.
        needed = label.heightForWidth(label.width())
        assert label.height() >= needed, (label.size(), needed)
        area = overview.message_area
        assert label.width() <= area.viewport().width()
        scroll = area.verticalScrollBar()
        assert scroll.minimum() == 0 and scroll.value() == 0
        assert scroll.maximum() >= label.height() - area.viewport().height()


def test_the_cut_list_in_turkish(qtbot: QtBot, qloop: QLoop, settings: Settings, register_map: RegisterMap,
                                 tmp_path: Path) -> None:
    """'Kesim 4 … 86 s completed' on the Turkish kiosk (#15 review): seconds as 'sn', the outcome by name."""
    from hmi.i18n import Translator

    write_raw_db(raw_db(settings.data_dir), register_map, T0, 100)
    _databases(settings)
    translator = Translator.install(QApplication.instance(), cache=tmp_path / "qm")  # type: ignore[arg-type]
    try:
        translator.switch("tr")
        with main_window(qtbot, qloop, settings, register_map, kiosk=True, show=False) as (_engine, window):

            async def scenario() -> None:
                chooser = window.open_replay()
                await wait_until(lambda: chooser.cuts.count() == 1, "the cut list")
                text = chooser.cuts.item(0).text()
                assert text.startswith("Kesim 1  ") and text.endswith("  80 sn  tamamlandı"), text
                chooser.close()

            qloop.run(scenario())
    finally:
        translator.switch("en")
