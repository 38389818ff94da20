"""The write dialog's confirmation cannot be reached by tapping "Write…" twice (a double tap, a
bouncing touch panel): two taps on the same spot, at once or 50 ms apart, send nothing; a deliberate
"Confirm write" after the guard time writes through the engine's verified path. Nothing in the dialog
moves when the range warning or the confirmation appears."""

from __future__ import annotations

import asyncio

import pytest
from hmi_testing import QLoop
from PySide6.QtCore import QPoint, Qt
from PySide6.QtTest import QTest
from PySide6.QtWidgets import QApplication, QWidget
from pytestqt.qtbot import QtBot

from core.security.permissions import Role
from core.security.testing import login_as
from core.testing.standin_engine import StandInEngine
from hmi.dialogs.write_dialog import CONFIRM_GUARD_S, WriteDialog
from hmi.formatting import plain_text
from tests.waiting import wait_until


def _dialog(qtbot: QtBot, engine: StandInEngine, *, kiosk: bool = False) -> WriteDialog:
    login_as(engine.access, "engineer", Role.ENGINEER)
    dialog = WriteDialog(engine, engine.register_map["descent_speed"], engine.values["descent_speed"],
                         user="engineer", kiosk=kiosk)
    qtbot.addWidget(dialog)
    dialog.show()
    QApplication.processEvents()
    return dialog


def _tap(dialog: WriteDialog, point: QPoint) -> None:
    """A tap where a finger lands: whatever widget is there gets it (nothing when it is disabled)."""
    target = dialog.childAt(point)
    assert target is not None
    QTest.mouseClick(target, Qt.MouseButton.LeftButton, Qt.KeyboardModifier.NoModifier, target.mapFrom(dialog, point))


def _centre(dialog: WriteDialog, widget: QWidget) -> QPoint:
    return widget.mapTo(dialog, widget.rect().center())


@pytest.mark.parametrize("gap_ms", [0, 50, 300])
def test_two_taps_on_write_send_nothing(qtbot: QtBot, qloop: QLoop, fake_engine: StandInEngine,
                                        gap_ms: int) -> None:
    dialog = _dialog(qtbot, fake_engine)
    dialog.entry.setText("42")
    spot = _centre(dialog, dialog.write_button)

    async def scenario() -> None:
        _tap(dialog, spot)
        assert plain_text(dialog.status_text()).startswith("Confirm: write descent_speed")
        if gap_ms:  # the finger's gap; qasync runs Qt meanwhile (QTest.qWait here would re-enter the loop)
            await asyncio.sleep(gap_ms / 1000)
        _tap(dialog, spot)  # the bounce / second tap of a double tap, on the same spot
        # The confirmation is elsewhere: not under the finger, and not armed yet.
        assert not dialog.confirm_button.geometry().contains(spot)
        assert dialog.childAt(spot) is dialog.write_button and not dialog.write_button.isEnabled()
        assert not dialog.confirm_armed()
        dialog.confirm_button.click()  # even a tap right on "Confirm write" inside the guard time
        dialog.confirm()
        await asyncio.sleep(0.05)  # room for a write that should not start

    qloop.run(scenario())
    assert fake_engine.writes == []
    assert dialog.task is None
    assert plain_text(dialog.status_text()).startswith("Confirm:")  # still asking


def test_deliberate_confirm_after_the_guard_writes_verified(qtbot: QtBot, qloop: QLoop,
                                                            fake_engine: StandInEngine) -> None:
    dialog = _dialog(qtbot, fake_engine)
    dialog.entry.setText("42")
    _tap(dialog, _centre(dialog, dialog.write_button))

    async def scenario() -> float:
        loop_time = __import__("time").monotonic
        asked = loop_time()
        await wait_until(dialog.confirm_armed, "confirmation armed")
        armed_after = loop_time() - asked
        _tap(dialog, _centre(dialog, dialog.confirm_button))
        await wait_until(lambda: dialog.task is not None and dialog.task.done(), "write")
        return armed_after

    armed_after = qloop.run(scenario())
    assert armed_after >= CONFIRM_GUARD_S - 0.05
    assert fake_engine.writes == [("descent_speed", 42.0, "engineer")]
    assert "read back 42.00 mm/min: verified" in plain_text(dialog.status_text())
    assert not dialog.confirm_button.isVisible() and dialog.write_button.isEnabled()


def test_back_cancels_and_a_new_value_asks_again(qtbot: QtBot, qloop: QLoop, fake_engine: StandInEngine) -> None:
    dialog = _dialog(qtbot, fake_engine)
    dialog.entry.setText("42")
    dialog.submit()
    dialog.back_button.click()
    assert not dialog.confirm_button.isVisible() and dialog.write_button.isEnabled()
    dialog.entry.setText("43")
    dialog.submit()
    dialog.entry.setText("44")  # editing withdraws the question
    assert not dialog.confirm_button.isVisible()

    async def scenario() -> None:
        await asyncio.sleep(CONFIRM_GUARD_S + 0.1)  # the timer of the withdrawn question fires: nothing armed
        assert not dialog.confirm_button.isEnabled()
        dialog.confirm()

    qloop.run(scenario())
    assert fake_engine.writes == []


@pytest.mark.parametrize("kiosk", [False, True])
def test_nothing_moves_when_the_warning_or_the_question_appears(qtbot: QtBot, fake_engine: StandInEngine,
                                                                kiosk: bool) -> None:
    dialog = _dialog(qtbot, fake_engine, kiosk=kiosk)
    dialog.entry.setText("42")
    QApplication.processEvents()
    height, write_at = dialog.height(), dialog.write_button.geometry()
    dialog.entry.setText("75")  # out of range: the warning shows in the preview
    QApplication.processEvents()
    assert dialog.out_of_range()
    assert dialog.height() == height and dialog.write_button.geometry() == write_at
    dialog.entry.setText("42")
    dialog.submit()  # the question and "Confirm write" appear
    QApplication.processEvents()
    assert dialog.confirm_button.isVisible()
    assert dialog.height() == height and dialog.write_button.geometry() == write_at
    assert not dialog.confirm_button.geometry().intersects(write_at)
    assert dialog.confirm_button.height() >= 48 and dialog.confirm_button.width() >= 48
