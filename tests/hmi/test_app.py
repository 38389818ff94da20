"""The application's life on the StandInEngine under a real qasync loop: start, close, screenshot, kiosk."""

from __future__ import annotations

import asyncio
import sys
from pathlib import Path
from typing import Any

import shiboken6
from hmi_testing import QLoop, log_in
from PySide6.QtCore import Qt
from PySide6.QtGui import QImage
from PySide6.QtWidgets import QApplication, QMessageBox, QPushButton
from pytestqt.qtbot import QtBot

from core.config import Settings
from core.registers import RegisterMap
from core.testing.standin_engine import StandInEngine
from hmi.app import main, run_window
from hmi.formatting import plain_text
from hmi.main_window import MainWindow
from hmi.permissions import set_policy
from hmi.session import Session
from tests.waiting import wait_until


def _factory(engines: list[StandInEngine]) -> Any:
    def make(settings: Settings, register_map: RegisterMap, simulate: bool) -> StandInEngine:
        engine = StandInEngine(settings, register_map, period_ms=100)
        engines.append(engine)
        return engine

    return make


def test_engine_starts_after_show_and_stops_on_close(qloop: QLoop, settings: Settings,
                                                     register_map: RegisterMap) -> None:
    engines: list[StandInEngine] = []
    windows: list[MainWindow] = []
    shown_before_start: list[bool] = []

    def ready(window: MainWindow) -> None:
        windows.append(window)
        shown_before_start.append(window.isVisible() and not engines[0].started)

    async def scenario() -> int:
        task = asyncio.ensure_future(run_window(settings, register_map, _factory(engines), window_ready=ready))
        await wait_until(lambda: engines and engines[0].started, "engine start")
        window = windows[0]
        value = window.pages["dashboard"].cut.rows["band_current"].value  # type: ignore[attr-defined]
        await wait_until(lambda: value.text() != "—", "live value on the overview")
        assert engines[0].listener_count == 1  # the bridge is the only subscriber
        window.close()
        return await asyncio.wait_for(task, 10)

    assert qloop.run(scenario()) == 0
    assert shown_before_start == [True]
    engine = engines[0]
    assert engine.stopped and not engine.started
    assert engine.listener_count == 0
    assert not shiboken6.isValid(windows[0])  # closed and deleted inside the loop


def test_screenshot_renders_the_window(qloop: QLoop, settings: Settings, register_map: RegisterMap,
                                       tmp_path: Path) -> None:
    engines: list[StandInEngine] = []
    path = tmp_path / "shot.png"
    code = qloop.run(run_window(settings, register_map, _factory(engines), screenshot=path, after=0.5,
                                page="registers", size="1280x800"))
    assert code == 0
    image = QImage(str(path))
    assert (image.width(), image.height()) == (1280, 800)  # the smaller operator panel fits
    assert engines[0].stopped


def test_engine_factory_failure_is_one_clear_line(qloop: QLoop, settings: Settings, register_map: RegisterMap,
                                                  capsys: Any) -> None:
    def broken(*_args: object) -> StandInEngine:
        raise RuntimeError("no engine here")

    assert qloop.run(run_window(settings, register_map, broken)) == 1
    assert "cannot create the engine: no engine here" in capsys.readouterr().err


def test_bad_config_exits_2(tmp_path: Path, capsys: Any) -> None:
    bad = tmp_path / "config.yaml"
    bad.write_text("modbus:\n  port: 99999\n")
    assert main(["--config", str(bad)]) == 2
    assert "configuration error" in capsys.readouterr().err


def _window(qtbot: QtBot, engine: StandInEngine, *, kiosk: bool) -> MainWindow:
    window = MainWindow(engine, Session("operator" if kiosk else "engineer", kiosk=kiosk))
    qtbot.addWidget(window)
    window.set_kiosk(kiosk)
    return window


def _finish(window: MainWindow) -> None:
    window.finish()


def test_kiosk_mode_is_touch_sized_and_protected(qtbot: QtBot, qloop: QLoop, fake_engine: StandInEngine) -> None:
    window = _window(qtbot, fake_engine, kiosk=True)
    window.bridge.attach()
    fake_engine.push()
    QApplication.processEvents()  # the bridge shows it after the poll cycle
    assert window.isFullScreen()
    assert window.windowFlags() & Qt.WindowType.FramelessWindowHint
    assert not window.menuBar().isVisible()
    small = [b.text() for b in window.findChildren(QPushButton) if b.isVisible() and b.height() < 48]
    assert small == []
    window.close()  # the window manager's close does not end kiosk mode
    assert window.isVisible()
    refused = window.request_leave_kiosk()
    assert refused is not None and "may not leave kiosk mode" in refused.text()  # the operator may not
    refused.close()
    log_in(qloop, fake_engine, window.sessions)  # an engineer may
    box = window.request_leave_kiosk()
    assert isinstance(box, QMessageBox)
    assert window.session.kiosk  # nothing changes before the answer
    box.button(QMessageBox.StandardButton.Yes).click()
    assert not window.session.kiosk
    assert window.menuBar().isVisible() and not window.leave_kiosk_button.isVisible()
    _finish(window)


def test_leaving_kiosk_refused_without_permission(qtbot: QtBot, fake_engine: StandInEngine) -> None:
    set_policy(lambda user, action: False)
    window = _window(qtbot, fake_engine, kiosk=True)
    box = window.request_leave_kiosk()
    assert box is not None and "may not leave kiosk mode" in box.text()
    box.close()
    assert window.session.kiosk
    _finish(window)


def test_kiosk_write_uses_keypad(qtbot: QtBot, qloop: QLoop, fake_engine: StandInEngine) -> None:
    window = _window(qtbot, fake_engine, kiosk=True)
    log_in(qloop, fake_engine, window.sessions)  # register writes are an engineer's
    window.bridge.attach()
    fake_engine.push()
    QApplication.processEvents()  # the bridge shows it after the poll cycle
    page = window.pages["registers"]
    window.show_page("registers")
    page.select("descent_speed")  # type: ignore[attr-defined]
    dialog = page.open_write_for_selection()  # type: ignore[attr-defined]
    assert dialog.entry.isReadOnly()
    qtbot.mouseClick(dialog.entry, Qt.MouseButton.LeftButton)
    keypad = dialog.entry.keypad
    assert keypad is not None
    for key in ("C", "2", "5", "OK"):
        keypad.press(key)
    assert plain_text(dialog.preview.text()) == "30.00 → 25.00 mm/min"

    async def scenario() -> None:
        dialog.write_button.click()
        await wait_until(dialog.confirm_armed, "confirmation armed")  # taps ignored until then
        dialog.confirm_button.click()
        await wait_until(lambda: dialog.task is not None and dialog.task.done(), "write")

    qloop.run(scenario())
    assert fake_engine.values["descent_speed"] == 25
    dialog.close()
    _finish(window)


def test_desktop_window_has_menus_and_shortcuts(qtbot: QtBot, fake_engine: StandInEngine) -> None:
    window = _window(qtbot, fake_engine, kiosk=False)
    assert not window.isFullScreen() and window.menuBar().isVisible()
    assert not window.leave_kiosk_button.isVisible()
    window.activateWindow()
    qtbot.waitUntil(window.isActiveWindow, timeout=5000)
    qtbot.keyClick(window, Qt.Key.Key_2, Qt.KeyboardModifier.ControlModifier)
    assert window.stack.currentWidget() is window.pages["trends"]
    assert "alarms" in window.pages or "hmi.pages.alarms" not in sys.modules
    _finish(window)


def test_bandsaw_cli_extension_adds_hmi() -> None:
    import argparse

    from hmi.app import register, run

    parser = argparse.ArgumentParser(prog="bandsaw")
    commands = parser.add_subparsers(dest="command", required=True)
    register(commands)
    args = parser.parse_args(["hmi", "--simulate", "--kiosk", "--screenshot", "x.png", "--after", "2"])
    assert args.handler is run
    assert args.simulate and args.kiosk and args.after == 2.0 and str(args.screenshot) == "x.png"


def test_after_says_it_counts_from_when_the_engine_is_up() -> None:
    # The wait starts after engine.start() (run_window); "seconds before the screenshot" did not say so.
    import argparse

    from hmi.app import register

    parser = argparse.ArgumentParser(prog="bandsaw")
    commands = parser.add_subparsers(dest="command", required=True)
    register(commands)
    hmi = commands.choices["hmi"]
    after = next(action for action in hmi._actions if "--after" in action.option_strings)
    assert after.help is not None and "from when the engine is up" in after.help
