"""A double tap on Back to live: the REPLAY bar hides after the first tap and the navigation bar
slides up under the finger; the second tap must not land on what slid there (it logged in before)."""

from __future__ import annotations

import asyncio

from hmi_testing import QLoop
from PySide6.QtCore import QPoint, Qt
from PySide6.QtTest import QTest
from PySide6.QtWidgets import QAbstractButton, QWidget
from pytestqt.qtbot import QtBot
from replay_data import raw_db, write_raw_db
from replay_screen import T0, main_window

from core.config import Settings
from core.registers import RegisterMap
from tests.waiting import wait_until


async def _tap(window: QWidget, spot: QPoint) -> None:
    """A tap at ``spot`` (window coordinates), delivered to whatever is there now, from a plain loop
    callback as Qt delivers a real one: Qt events processed inside a running task (a coroutine's
    step) would re-enter qasync's tasks and lose one."""
    loop = asyncio.get_running_loop()
    done: asyncio.Future[None] = loop.create_future()

    def tap() -> None:
        target = window.childAt(spot)
        assert target is not None
        QTest.mouseClick(target, Qt.MouseButton.LeftButton, pos=target.mapFrom(window, spot))
        done.set_result(None)

    loop.call_soon(tap)
    await done


def _button_at(window: QWidget, spot: QPoint) -> QAbstractButton:
    under = window.childAt(spot)
    while under is not None and not isinstance(under, QAbstractButton):
        under = under.parentWidget()
    assert isinstance(under, QAbstractButton), "a button slid under the finger (the test's premise)"
    return under


def test_the_second_tap_of_a_double_tap_on_back_to_live_lands_on_nothing(
        qtbot: QtBot, qloop: QLoop, settings: Settings, register_map: RegisterMap) -> None:
    write_raw_db(raw_db(settings.data_dir), register_map, T0, 600)
    with main_window(qtbot, qloop, settings, register_map, kiosk=True) as (engine, window):
        window.resize(1280, 800)
        bar, guard = window.replay_bar, window.tap_guard

        clicked: list[str] = []

        async def scenario() -> None:
            assert (await engine.replay_start(window.session.actor(), T0, T0 + 60_000)).ok
            window.bridge.sync_replay()
            await wait_until(bar.isVisible, "the REPLAY bar")
            # The bar appearing shifted the screen too: its first moment is guarded as well.
            assert guard.armed
            await wait_until(lambda: not guard.armed, "the guard to lapse")
            spot = bar.live.mapTo(window, bar.live.rect().center())
            await _tap(window, spot)  # the first tap: Back to live
            await wait_until(lambda: not window.bridge.replaying and not bar.isVisible(), "back to live")
            await asyncio.sleep(0.02)  # the layout settles
            under = _button_at(window, spot)
            under.clicked.connect(lambda: clicked.append(under.text()))
            await _tap(window, spot)  # the second tap of the double tap
            assert clicked == [] and guard.eaten >= 1, f"the second tap pressed {clicked}"
            await wait_until(lambda: not guard.armed, "the guard to lapse")
            await _tap(window, spot)  # a deliberate tap a moment later works as always
            assert clicked == [under.text()]

        qloop.run(scenario())
        if window.login_button.dialog is not None:
            window.login_button.dialog.reject()
