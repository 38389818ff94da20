"""The Control page after a run that ended with ML holding the speeds (kill -9 in ML mode): it says what
the PLC holds and what the operator had, ML stays off, and an engineer restores (or keeps) on the page."""

from __future__ import annotations

import time
from collections.abc import Iterator

import pytest
from control_helpers import make_bridge
from hmi_testing import QLoop
from PySide6.QtCore import Qt
from pytestqt.qtbot import QtBot

from core.api import Role
from core.control.handover import Handover
from core.security.audit import AuditResult
from core.security.testing import login_as
from core.snapshot import Quality, Snapshot
from core.testing.standin_engine import StandInEngine
from hmi.bridge import EngineBridge
from hmi.pages.control import ControlPage
from hmi.permissions import Action, set_policy
from hmi.session import Session

pytestmark = pytest.mark.gui


def _left_by_ml(engine: StandInEngine) -> None:
    """What the engine finds at start: ml.db says the operator had 70/30, the PLC holds 75/36."""
    assert engine.control is not None
    controller = engine.control.controller
    controller.previous = Handover(1, {"descent_speed": 30.0, "cutting_speed": 70.0}, "default")
    engine.values.update(descent_speed=36.0, cutting_speed=75.0)
    now = time.monotonic()
    snap = Snapshot(1, int(time.time() * 1000), now, dict(engine.values), {}, Quality.GOOD)
    controller._check_previous(snap)


@pytest.fixture
def pages(qtbot: QtBot, qloop: QLoop) -> Iterator[list[tuple[ControlPage, EngineBridge]]]:
    made: list[tuple[ControlPage, EngineBridge]] = []
    yield made
    for page, bridge in made:
        page.stop()
        bridge.detach()


def _page(engine: StandInEngine, qtbot: QtBot, made: list[tuple[ControlPage, EngineBridge]], user: str,
          role: Role) -> ControlPage:
    login_as(engine.access, user, role)
    bridge = make_bridge(engine)
    page = ControlPage(bridge, engine, session=Session(user, kiosk=False))
    qtbot.addWidget(page)
    made.append((page, bridge))
    page.show()
    return page


def test_engineer_sees_both_sets_of_speeds_and_restores(
    engine_with_model: StandInEngine, qtbot: QtBot, pages: list[tuple[ControlPage, EngineBridge]]
) -> None:
    engine = engine_with_model
    _left_by_ml(engine)
    page = _page(engine, qtbot, pages, "erin", Role.ENGINEER)
    page.refresh()
    panel = page.handover
    assert panel.isVisible()
    text = panel.text.text()
    assert "band speed 75 m/min, descent 36 mm/min" in text and "band speed 70 m/min, descent 30 mm/min" in text
    assert "(no model loaded)" not in page.mode_detail.text()
    assert "still holds the speeds ML set" in page.mode_detail.text()
    assert page.toggle.text() == "ML unavailable" and "still hold speeds ML set" in page.toggle_reason.text()
    assert panel.restore_button.isVisible() and panel.keep_button.isVisible()
    qtbot.mouseClick(panel.restore_button, Qt.MouseButton.LeftButton)
    assert panel.answer.text() == "Restoring the operator's speeds: band speed 70 m/min, descent 30 mm/min"
    assert engine.control is not None and engine.control.controller._restore == {"descent_speed": 30.0,
                                                                                  "cutting_speed": 70.0}
    record = engine.audited[-1]
    assert (record.user, record.action, record.result) == ("erin", "restore_speeds", AuditResult.ACCEPTED)
    page.refresh()
    assert panel.restore_button.isHidden()  # the question is answered
    assert not page.toggle_reason.text().startswith("The PLC may still hold")


def test_operator_reads_it_but_the_engineer_answers(
    engine_with_model: StandInEngine, qtbot: QtBot, pages: list[tuple[ControlPage, EngineBridge]]
) -> None:
    engine = engine_with_model
    _left_by_ml(engine)
    set_policy(lambda user, action: action is not Action.CHANGE_ML_SETTINGS)  # an operator's screen
    try:
        page = _page(engine, qtbot, pages, "olga", Role.OPERATOR)
        page.refresh()
    finally:
        set_policy(None)
    assert page.handover.isVisible()
    assert page.handover.restore_button.isHidden() and page.handover.keep_button.isHidden()
    assert "An engineer answers here." in page.handover.text.text()


def test_engineer_keeps_the_plc_speeds(
    engine_with_model: StandInEngine, qtbot: QtBot, pages: list[tuple[ControlPage, EngineBridge]]
) -> None:
    engine = engine_with_model
    _left_by_ml(engine)
    page = _page(engine, qtbot, pages, "erin", Role.ENGINEER)
    page.refresh()
    qtbot.mouseClick(page.handover.keep_button, Qt.MouseButton.LeftButton)
    assert page.handover.answer.text() == "The PLC's speeds stay."
    assert engine.audited[-1].action == "keep_speeds"
    assert engine.control is not None and engine.control.controller.previous is None
    page.refresh()
    assert page.toggle.text() == "Switch ML on"


def test_a_speed_a_person_set_since_the_start_is_shown_and_not_restored(
    engine_with_model: StandInEngine, qtbot: QtBot, pages: list[tuple[ControlPage, EngineBridge]]
) -> None:
    """The operator set descent 25 at the panel after the restart: the panel shows the PLC's speeds now,
    says the person's stays, and the engineer's restore puts back only the band speed."""
    engine = engine_with_model
    _left_by_ml(engine)
    assert engine.control is not None
    controller = engine.control.controller
    engine.values.update(descent_speed=25.0)
    snap = Snapshot(2, int(time.time() * 1000), time.monotonic(), dict(engine.values), {}, Quality.GOOD)
    controller._follow_previous(snap)
    page = _page(engine, qtbot, pages, "erin", Role.ENGINEER)
    page.refresh()
    panel = page.handover
    text = panel.text.text()
    assert "The PLC still holds the speeds ML set: band speed 75 m/min." in text, text
    assert "Set by a person since the start, not restored: descent 25 mm/min." in text, text
    qtbot.mouseClick(panel.restore_button, Qt.MouseButton.LeftButton)
    assert panel.answer.text() == "Restoring the operator's speeds: band speed 70 m/min"
    assert controller._restore == {"cutting_speed": 70.0}


def test_a_restore_while_the_saw_cuts_says_the_descent_is_held(
    engine_with_model: StandInEngine, qtbot: QtBot, pages: list[tuple[ControlPage, EngineBridge]]
) -> None:
    """Restarted in a cut the previous run's torque guard had cut (PLC descent 22.5 < the operator's 30):
    the restore holds the descent until the cut ends (core.control.restore), and the panel says so."""
    engine = engine_with_model
    assert engine.control is not None
    controller = engine.control.controller
    controller.previous = Handover(1, {"descent_speed": 30.0, "cutting_speed": 70.0}, "default")
    engine.values.update(descent_speed=22.5, cutting_speed=75.0, saw_state=3)
    snap = Snapshot(1, int(time.time() * 1000), time.monotonic(), dict(engine.values), {}, Quality.GOOD)
    controller.feed(snap)
    controller._check_previous(snap)
    assert controller.status.in_cut
    page = _page(engine, qtbot, pages, "erin", Role.ENGINEER)
    page.refresh()
    qtbot.mouseClick(page.handover.restore_button, Qt.MouseButton.LeftButton)
    assert page.handover.answer.text() == (
        "Restoring the operator's speeds: band speed 70 m/min, descent 30 mm/min. The saw is cutting: the descent "
        "stays at 22.5 mm/min until the cut ends, then the operator's comes back.")
