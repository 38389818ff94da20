"""Every page and tab, for each role: a control the role can never use is hidden, not greyed (#15.7).

The main window runs on the stand-in engine with access control; for nobody logged in (both
choices of security.anonymous_role), an operator, an engineer and an admin it walks every page
the role can reach, every tab on it and the dialogs its shown controls open (replay chooser,
shelving, register write, export, import), and records each interactive control: shown, enabled,
and the action it is tagged with (hmi.permissions.requires). Then:
- a shown control tagged with an action is one the role may do (the engine's allowed());
- a control shown greyed to a role is greyed for the admin too, in the same state: nothing is
  greyed because of permission alone (the admin may do everything);
- the controls known to need a permission are tagged, so the first rule sees them.
"""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass
from typing import Any

import pytest
from hmi_security_helpers import PINS
from hmi_testing import QLoop
from PySide6.QtCore import QEvent
from PySide6.QtWidgets import (
    QAbstractButton,
    QAbstractItemView,
    QAbstractSlider,
    QAbstractSpinBox,
    QApplication,
    QCalendarWidget,
    QComboBox,
    QLineEdit,
    QScrollBar,
    QTabBar,
    QTabWidget,
    QWidget,
)
from pytestqt.qtbot import QtBot

from core.analysis.alarms import Priority
from core.security.access import AccessControl
from core.testing.standin_engine import StandInEngine
from hmi.main_window import MainWindow
from hmi.permissions import Action, required
from hmi.session import Session

CONTROLS = (QAbstractButton, QComboBox, QLineEdit, QAbstractSpinBox, QAbstractSlider)
INSIDE = (QComboBox, QAbstractSpinBox, QTabBar, QAbstractItemView, QCalendarWidget, QScrollBar)
# (who logs in, security.anonymous_role): None is nobody.
WHO = [(None, "operator"), (None, "viewer"), ("otto", "operator"), ("erin", "operator"), ("alice", "operator")]
# Controls that need a permission, by page and attribute: each must carry its tag.
TAGGED = {
    "dashboard": {"ml_toggle": Action.TOGGLE_ML},
    "data": {"backup_button": Action.BACKUP, "import_button": Action.BACKUP, "export_button": Action.EXPORT,
             "restore_button": Action.RESTORE_BACKUP, "restore_from_button": Action.RESTORE_BACKUP},
    "registers": {"write_button": Action.WRITE_REGISTER},
    "alarms": {"ack_button": Action.ACKNOWLEDGE_ALARM, "ack_all_button": Action.ACKNOWLEDGE_ALARM,
               "shelve_button": Action.SHELVE_ALARM, "history.export_button": Action.EXPORT},
    "control": {"toggle": Action.TOGGLE_ML},
    "production": {"export_button": Action.EXPORT},
}


@dataclass(frozen=True)
class Control:
    shown: bool
    enabled: bool
    action: Action | None
    text: str


def path_of(widget: QWidget, root: QWidget) -> str:
    """The widget's place under ``root``: class, object name and index among same-class siblings."""
    parts = []
    current: QWidget | None = widget
    while current is not None and current is not root:
        parent = current.parentWidget()
        siblings = [c for c in (parent.children() if parent is not None else []) if type(c) is type(current)]
        parts.append(f"{type(current).__name__}:{current.objectName()}:{siblings.index(current)}")
        current = parent
    return "/".join(reversed(parts))


def interactive(widget: QWidget, root: QWidget) -> bool:
    if not isinstance(widget, CONTROLS):
        return False
    parent = widget.parentWidget()
    while parent is not None and parent is not root:
        if isinstance(parent, INSIDE):
            return False  # a part of a composite control (combo's line edit, tab bar arrows, table editors)
        parent = parent.parentWidget()
    return True


def collect(root: QWidget, into: dict[str, Control], prefix: str) -> None:
    for widget in root.findChildren(QWidget):
        if not interactive(widget, root):
            continue
        key = f"{prefix}/{path_of(widget, root)}"
        seen = Control(widget.isVisible(), widget.isEnabled(), required(widget), getattr(widget, "text", str)())
        if key not in into or (seen.shown and not into[key].shown):
            into[key] = seen


def walk(window: MainWindow, app: QApplication) -> dict[str, Control]:
    """Every reachable page, each of its tabs in turn; the navigation row too."""
    controls: dict[str, Control] = {}
    for key, button in window.nav_buttons.items():
        if button.isHidden():
            continue
        window.show_page(key)
        app.processEvents()
        page = window.pages[key]
        collect(page, controls, key)
        for tabs in page.findChildren(QTabWidget):
            for index in range(tabs.count()):
                if tabs.isVisible() and tabs.isTabVisible(index):
                    tabs.setCurrentIndex(index)
                    app.processEvents()
                    collect(page, controls, key)
            tabs.setCurrentIndex(0)
    nav = window.nav_bar
    collect(nav, controls, "nav")
    window.show_page("dashboard")
    return controls


def walk_dialogs(window: MainWindow, app: QApplication, qloop: QLoop, controls: dict[str, Control]) -> None:
    """The dialogs the role's shown controls open: replay chooser, shelving, register write, export."""
    pages: Any = window.pages

    def take(dialog: QWidget | None, prefix: str) -> None:
        assert dialog is not None, prefix
        app.processEvents()
        collect(dialog, controls, prefix)
        dialog.close()
        qtbot_flush(app)

    async def chooser() -> QWidget:
        dialog = window.open_replay()
        loading = dialog._loading  # the cut and alarm lists, read in the engine's worker
        if loading is not None:
            await loading
        return dialog

    if not window.replay_button.isHidden():
        take(qloop.run(chooser()), "dialog:replay")  # outside the task: take() lets Qt work (processEvents)
    alarms = pages["alarms"]
    if not alarms.shelve_button.isHidden():
        alarms.active_view.selectRow(0)
        take(alarms.open_shelve_dialog(), "dialog:shelve")
    registers = pages["registers"]
    if not registers.write_button.isHidden():
        take(registers.open_write(window.engine.register_map["cutting_speed"]), "dialog:write")
    data = pages["data"]
    if not data.export_button.isHidden():
        take(data.open_export(), "dialog:export")
    if not data.import_button.isHidden():
        take(data.open_import(), "dialog:import")


def qtbot_flush(app: QApplication) -> None:
    """Deliver deferred deletes: a closed dialog is gone before the next is opened."""
    app.sendPostedEvents(None, QEvent.Type.DeferredDelete)
    app.processEvents()


@pytest.fixture
def windows(qtbot: QtBot) -> Iterator[list[MainWindow]]:
    made: list[MainWindow] = []
    yield made
    for window in made:
        window.finish()


def open_window(qtbot: QtBot, qloop: QLoop, engine: StandInEngine, access: AccessControl, name: str | None,
                anonymous_role: str, made: list[MainWindow]) -> MainWindow:
    access.security = access.security.model_copy(update={"anonymous_role": anonymous_role})
    # An alarm waiting for acknowledgement: the banner's and the alarm page's buttons have work to offer.
    engine.alarms.update("test.unack", True, "Test alarm", priority=Priority.HIGH, source="test")
    window = MainWindow(engine, Session.default(kiosk=False))
    qtbot.addWidget(window)
    made.append(window)
    window.show()
    if name is not None:
        qloop.run(window.sessions.login(name, PINS[name]))
    return window


def test_controls_follow_the_role(qtbot: QtBot, qapp: QApplication, qloop: QLoop, engine: StandInEngine,
                                  access: AccessControl, people: dict[str, str], windows: list[MainWindow]) -> None:
    seen: dict[tuple[str | None, str], dict[str, Control]] = {}
    for name, anonymous_role in [("alice", "operator"), *WHO]:
        window = open_window(qtbot, qloop, engine, access, name, anonymous_role, windows)
        who = window.sessions.session.actor()
        seen[(name, anonymous_role)] = controls = walk(window, qapp)
        walk_dialogs(window, qapp, qloop, controls)
        for key, control in controls.items():
            if control.shown and control.action is not None:
                assert engine.allowed(who, control.action), (
                    f"{name or 'nobody'} ({anonymous_role}) sees {key} {control.text!r} needing {control.action}")
        if name is not None:
            window.sessions.logout()
        window.finish()
        windows.remove(window)
    admin = seen[("alice", "operator")]
    for (name, anonymous_role), controls in seen.items():
        for key, control in controls.items():
            if control.shown and not control.enabled:
                reference = admin.get(key)
                assert not (reference is not None and reference.shown and reference.enabled), (
                    f"{name or 'nobody'} ({anonymous_role}): {key} {control.text!r} greyed by permission alone")
    opened = {who: {key.split("/")[0] for key in controls if key.startswith("dialog:")}
              for who, controls in seen.items()}
    assert opened[("alice", "operator")] == {"dialog:replay", "dialog:shelve", "dialog:write", "dialog:export",
                                             "dialog:import"}
    assert opened[("otto", "operator")] == {"dialog:replay", "dialog:shelve"}
    assert opened[(None, "viewer")] == {"dialog:replay"}  # looking back is for everyone
    # The viewer sees no preset, no ML switch, no acknowledge; the operator view does.
    viewer, operator = seen[(None, "viewer")], seen[(None, "operator")]
    for action in (Action.APPLY_PRESET, Action.TOGGLE_ML, Action.ACKNOWLEDGE_ALARM):
        assert not any(c.shown and c.action is action for c in viewer.values()), action
        assert any(c.shown and c.action is action for c in operator.values()), action
    # An operator (logged in or not) sees no backup, restore, import or export button on the Data page.
    for person in ((None, "operator"), ("otto", "operator")):
        data = {k: c for k, c in seen[person].items() if k.startswith("data/") and c.shown}
        assert not any(c.action in (Action.BACKUP, Action.RESTORE_BACKUP, Action.EXPORT) for c in data.values())
        assert data, "the Data page still shows its list and Verify/Refresh to an operator"


def test_known_permission_controls_are_tagged(qtbot: QtBot, qloop: QLoop, engine: StandInEngine,
                                              access: AccessControl, people: dict[str, str],
                                              windows: list[MainWindow]) -> None:
    window = open_window(qtbot, qloop, engine, access, "alice", "operator", windows)
    for page_key, attributes in TAGGED.items():
        page = window.pages[page_key]
        for attribute, action in attributes.items():
            widget = page
            for part in attribute.split("."):
                widget = getattr(widget, part)
            assert required(widget) is action, (page_key, attribute)
    for button in window.pages["dashboard"].preset_buttons.values():  # type: ignore[attr-defined]
        assert required(button) is Action.APPLY_PRESET


def test_a_role_change_while_logged_in_shows_and_hides_at_once(qtbot: QtBot, qloop: QLoop, engine: StandInEngine,
                                                               access: AccessControl, people: dict[str, str],
                                                               windows: list[MainWindow]) -> None:
    window = open_window(qtbot, qloop, engine, access, "otto", "operator", windows)
    data = window.pages["data"]
    assert data.export_button.isHidden()  # type: ignore[attr-defined]
    access.store.set_role("otto", "engineer")  # an admin elsewhere (the command line) promotes otto
    qloop.run(access.refresh_sessions())  # what the engine does about once a second
    assert window.status_bar.user.text() == "user otto (engineer)"
    assert not data.export_button.isHidden()  # type: ignore[attr-defined]
    assert not window.nav_buttons["audit"].isHidden()


def test_unavailable_for_now_stays_shown_greyed_with_the_reason(qtbot: QtBot, qloop: QLoop, engine: StandInEngine,
                                                                access: AccessControl, people: dict[str, str],
                                                                windows: list[MainWindow],
                                                                monkeypatch: pytest.MonkeyPatch) -> None:
    window = open_window(qtbot, qloop, engine, access, "erin", "operator", windows)
    bridge = window.bridge
    bridge.attach()
    overview, registers = window.pages["dashboard"], window.pages["registers"]
    presets = list(overview.preset_buttons.values())  # type: ignore[attr-defined]
    write = registers.write_button  # type: ignore[attr-defined]
    registers.select("cutting_speed")  # type: ignore[attr-defined]
    engine.push()
    bridge.refresh()
    assert all(b.isEnabled() and not b.isHidden() for b in presets) and write.isEnabled()

    engine.fail()  # the PLC link is lost: nothing can be written now, but the controls stay
    bridge.refresh()
    assert bridge.link_lost
    lost = "PLC link lost: nothing can be written until it is back."
    for button in [*presets, write]:
        assert not button.isHidden() and not button.isEnabled() and button.toolTip() == lost
    engine.recover()
    engine.push()
    bridge.refresh()
    assert all(b.isEnabled() and b.toolTip() == "" for b in presets) and write.isEnabled()

    held = "replay is running (test): nothing is written to the PLC during replay; go back to live first"
    monkeypatch.setattr(engine, "replay_hold", lambda: held)
    bridge.replay_changed.emit(engine.replay_status())
    for button in [*presets, write]:
        assert not button.isHidden() and not button.isEnabled() and button.toolTip() == held
    toggle = overview.ml_toggle  # type: ignore[attr-defined]
    assert not toggle.isHidden() and not toggle.isEnabled() and toggle.toolTip() == held  # before "no model"
    bridge.detach()
