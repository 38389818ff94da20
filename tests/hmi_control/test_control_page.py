"""The control page on a StandInEngine with a real MlControl: the ML switch, model choice, guard settings,
decisions from ml.db, and the refresh timer."""

from __future__ import annotations

import json
import shutil
import time
from collections.abc import Callable, Iterator
from pathlib import Path

import pytest
from control_helpers import SHIPPED_MODEL, make_bridge
from hmi_testing import QLoop
from PySide6.QtCore import Qt
from PySide6.QtWidgets import QApplication
from pytestqt.qtbot import QtBot

from core.analysis.alarms import Priority
from core.api import Result, Role, Text, UserSession
from core.control.journal import DecisionRow, ModeChangeRow
from core.control.load_watch import CeilingBreach
from core.control.ml_controller import ALARM_FAULT, ALARM_MODEL
from core.ml.artefact import write_manifest
from core.ml.signing import load_key
from core.security.audit import AuditResult
from core.security.testing import login_as
from core.testing.standin_engine import SqliteJournal, StandInEngine
from core.texts import C_CUT, D_DESCENT_TO, D_SET_IN_HMI, D_SET_ON_PANEL, F_RESTORE_FAILED, W_RATE
from hmi.bridge import EngineBridge
from hmi.formatting import plain_text
from hmi.i18n import Translator
from hmi.pages.control import ControlPage
from hmi.permissions import Action, set_policy
from hmi.session import Session
from hmi.widgets.control_model import ModelPanel

pytestmark = pytest.mark.gui
PageFactory = Callable[..., ControlPage]
LEFT = Qt.MouseButton.LeftButton


@pytest.fixture
def page_factory(qtbot: QtBot, qloop: QLoop) -> Iterator[PageFactory]:
    made: list[tuple[ControlPage, EngineBridge]] = []

    def make(engine: StandInEngine, *, kiosk: bool = False, user: str = "anna",
             role: Role = Role.ENGINEER) -> ControlPage:
        login_as(engine.access, user, role)  # the engine acts only for people logged in
        bridge = make_bridge(engine)
        page = ControlPage(bridge, engine, session=Session(user, kiosk=kiosk))
        qtbot.addWidget(page)
        qloop.run(page.model_panel.rescan())  # what showing the page starts: the engine lists the models
        made.append((page, bridge))
        return page

    yield make
    for page, bridge in made:
        page.stop()
        bridge.detach()


def _copy_model(target_dir: Path, name: str) -> Path:
    """The shipped model under another name (its manifest names its own file)."""
    target_dir.mkdir(parents=True, exist_ok=True)
    shutil.copyfile(SHIPPED_MODEL.with_suffix(".skops"), (target_dir / name).with_suffix(".skops"))
    manifest = json.loads(SHIPPED_MODEL.with_suffix(".json").read_text(encoding="utf-8"))
    manifest.update(name=name, model_file=f"{name}.skops")
    # A renamed copy is no longer the shipped model: it must carry this installation's signature.
    data_dir = target_dir.parent if target_dir.name == "models" else target_dir
    write_manifest((target_dir / name).with_suffix(".json"), manifest, load_key(data_dir))
    return target_dir / name


# --- the ML switch ------------------------------------------------------------------------------


def test_toggle_disabled_and_refused_without_model(
    page_factory: PageFactory, engine_without_model: StandInEngine
) -> None:
    engine = engine_without_model
    page = page_factory(engine)
    assert page.mode_label.text() == "MANUAL"
    assert not page.toggle.isEnabled()
    assert page.toggle.text() == "ML unavailable"
    assert page.toggle_reason.text() == "No usable ML model loaded: none configured (ml.model_path)"
    assert page.request_ml_on() is False  # e.g. a hardware key or a stale click
    assert "ML refused: no usable ML model loaded" in page.message.text()
    assert page.message.property("state") == "refused"
    assert engine.control is not None and engine.control.mode.value == "manual"
    assert page.confirm_dialog is None


def test_toggle_with_model_confirms_then_switches_and_back(
    qtbot: QtBot, page_factory: PageFactory, engine_with_model: StandInEngine, journal: SqliteJournal
) -> None:
    engine = engine_with_model
    page = page_factory(engine)
    modes: list[str] = []
    page.mode_changed.connect(modes.append)
    assert page.toggle.isEnabled() and page.toggle.text() == "Switch ML on"
    qtbot.mouseClick(page.toggle, LEFT)
    dialog = page.confirm_dialog
    assert dialog is not None and dialog.isVisible() and not dialog.isModal(), "ML on is confirmed in a dialog"
    assert engine.control is not None and engine.control.mode.value == "manual"
    qtbot.mouseClick(dialog.yes_button, LEFT)  # at once: the second tap of a double tap
    assert engine.control.mode.value == "manual"
    qtbot.waitUntil(dialog.yes_button.isEnabled, timeout=3000)
    qtbot.mouseClick(dialog.yes_button, LEFT)
    assert engine.control.mode.value == "ml"
    assert page.mode_label.text() == "ML" and page.mode_label.property("state") == "ml"
    assert page.toggle.text() == "Switch ML off"
    assert modes == ["ml"]
    assert page.confirm_dialog is None
    user, mode = journal.conn.execute("SELECT user, mode FROM mode_changes ORDER BY id DESC").fetchone()
    assert (user, mode) == ("anna", "ml")
    # Off is the safe direction: at once, no confirmation.
    qtbot.mouseClick(page.toggle, LEFT)
    assert engine.control.mode.value == "manual"
    assert page.mode_label.text() == "MANUAL"
    assert modes == ["ml", "manual"]


def test_confirmation_can_be_cancelled_and_expires(
    page_factory: PageFactory, engine_with_model: StandInEngine
) -> None:
    page = page_factory(engine_with_model)
    assert page.request_ml_on()
    page.cancel_confirmation()
    assert page.confirm_dialog is None
    assert page.request_ml_on()
    dialog = page.confirm_dialog
    assert dialog is not None
    dialog.no_button.click()  # "No": nothing changes
    assert page.confirm_dialog is None
    assert page.request_ml_on()
    page._confirm_until = time.monotonic() - 1  # as if the operator walked away
    page.refresh()
    assert page.confirm_dialog is None
    assert engine_with_model.control is not None and engine_with_model.control.mode.value == "manual"


def test_toggle_not_permitted_says_so(page_factory: PageFactory, engine_with_model: StandInEngine) -> None:
    set_policy(lambda user, action: action is not Action.TOGGLE_ML)
    page = page_factory(engine_with_model, user="visitor")
    assert page.request_ml_on() is False
    assert "Not permitted: visitor" in page.message.text()


def test_engine_refusal_reason_is_shown(page_factory: PageFactory, engine_with_model: StandInEngine) -> None:
    engine = engine_with_model
    page = page_factory(engine)

    def refuse(session: UserSession, mode: str, *, reason: str = "") -> Result[None]:
        return Result.refused("the PLC link is down")

    engine.set_mode = refuse  # type: ignore[method-assign]
    assert page.confirm_ml_on() is False
    assert page.message.text() == "ML refused: the PLC link is down"


def test_fault_reason_shown_with_colour_only_while_the_alarm_needs_attention(
    page_factory: PageFactory, engine_with_model: StandInEngine
) -> None:
    engine = engine_with_model
    page = page_factory(engine)
    assert page.confirm_ml_on()
    assert page.message.text() == "ML mode on." and page.message.isVisibleTo(page)
    assert engine.control is not None
    engine.control.modes.fault("stale data (newest sample 0.45 s old, stale)")
    engine.alarms.update(ALARM_FAULT, True, "ML control stopped", priority=Priority.HIGH, source="control")
    page.refresh()
    assert page.mode_label.text() == "MANUAL"
    assert page.fault_label.isVisibleTo(page)
    assert "ML stopped: stale data (newest sample 0.45 s old" in page.fault_label.text()
    assert page.fault_label.property("state") == "attention"
    assert not page.message.isVisibleTo(page), "the old 'ML mode on.' must not outlive the fault"
    engine.alarms.update(ALARM_FAULT, False, "ML control stopped", priority=Priority.HIGH, source="control")
    engine.alarms.acknowledge(ALARM_FAULT, "anna")
    page.refresh()
    assert page.fault_label.property("state") == "none"  # still says why, calmly


def test_availability_signal_for_the_dashboard(page_factory: PageFactory, engine_without_model: StandInEngine,
                                               tmp_path: Path) -> None:
    page = page_factory(engine_without_model)
    seen: list[tuple[bool, str]] = []
    page.availability_changed.connect(lambda ok, why: seen.append((ok, why)))
    assert engine_without_model.control is not None
    assert engine_without_model.control.load_model(SHIPPED_MODEL) == (True, "")
    page.refresh()
    assert seen == [(True, "")]
    assert page.toggle.isEnabled()


# --- model choice -------------------------------------------------------------------------------


def test_loaded_model_manifest_is_shown(page_factory: PageFactory, engine_with_model: StandInEngine) -> None:
    page = page_factory(engine_with_model)
    fields = page.model_panel.fields
    assert fields["name"].text() == "default"
    shipped = json.loads(SHIPPED_MODEL.with_suffix(".json").read_text(encoding="utf-8"))
    assert fields["features"].text().startswith(f"{len(shipped['features'])}: {', '.join(shipped['features'][:2])}")
    assert "source simulator" in fields["training"].text()
    assert fields["sklearn"].text().startswith("1.")
    assert fields["sha256"].text() == f"{shipped['sha256'][:12]}…"


def test_tampered_model_is_refused_with_the_reason(
    qtbot: QtBot, qloop: QLoop, page_factory: PageFactory, engine_with_model: StandInEngine
) -> None:
    engine = engine_with_model
    bad = _copy_model(engine.settings.data_dir / "models", "tampered")
    payload = bytearray(bad.with_suffix(".skops").read_bytes())
    payload[1000] ^= 0xFF
    bad.with_suffix(".skops").write_bytes(bytes(payload))
    page = page_factory(engine)
    panel = page.model_panel
    qloop.run(panel.rescan())
    assert panel.select(bad)
    results: list[tuple[bool, str]] = []
    qloop.run(load(panel, results))
    ok, why = results[0]
    assert not ok and "does not match the manifest" in why
    assert panel.message.text().startswith("Refused:") and "sha256" in panel.message.text()
    assert panel.message.property("state") == "refused"
    assert engine.alarms.is_active(ALARM_MODEL)
    assert engine.control is not None and engine.control.controller.model is None
    assert not page.toggle.isEnabled() and "does not match" in page.toggle_reason.text()
    assert engine.audited[-1].result is AuditResult.REFUSED


def test_other_model_loads_and_becomes_the_choice(
    qtbot: QtBot, qloop: QLoop, page_factory: PageFactory, engine_with_model: StandInEngine
) -> None:
    engine = engine_with_model
    other = _copy_model(engine.settings.data_dir / "models", "other")
    page = page_factory(engine)
    panel = page.model_panel
    files = qloop.run(panel.rescan())
    assert {f.path.name for f in files} >= {"other", "default"}  # data dir and the configured folder
    assert panel.select(other)
    results: list[tuple[bool, str]] = []
    qloop.run(load(panel, results))
    assert results == [(True, "")]
    assert engine.control is not None
    assert Path(engine.control.controller.model.path).parent == other.parent  # type: ignore[union-attr]
    assert engine.settings.ml.model_path == other
    assert panel.fields["file"].text() == "other.skops"
    assert any("(loaded)" in panel.list.item(i).text() and "other" in panel.list.item(i).text()
               for i in range(panel.list.count()))
    assert engine.audited[-1].action == "load_model" and engine.audited[-1].result is AuditResult.ACCEPTED


def test_model_change_refused_while_ml_controls_a_cut(
    page_factory: PageFactory, engine_with_model: StandInEngine
) -> None:
    engine = engine_with_model
    page = page_factory(engine)
    assert engine.control is not None
    engine.control.controller.status.controlling = True
    assert page.model_panel.select(SHIPPED_MODEL)
    assert page.model_panel.load_selected() is False
    assert "ML is controlling a cut" in page.model_panel.message.text()


def test_model_choice_needs_the_engineer(page_factory: PageFactory, engine_with_model: StandInEngine) -> None:
    set_policy(lambda user, action: action is Action.TOGGLE_ML)  # an operator
    page = page_factory(engine_with_model, user="otto")
    assert page.model_panel.select(SHIPPED_MODEL)
    assert page.model_panel.load_selected() is False
    assert "Not permitted: otto" in page.model_panel.message.text()


# --- torque guard settings ------------------------------------------------------------------------


def test_guard_settings_apply_to_the_live_guard(
    page_factory: PageFactory, engine_with_model: StandInEngine
) -> None:
    engine = engine_with_model
    assert engine.control is not None
    live = engine.control.controller.guard.settings
    assert live is engine.settings.control.torque_guard
    page = page_factory(engine)
    panel = page.guard_panel
    panel.entries["rise_threshold_pct"].setText("35")
    panel.entries["activation_delay_s"].setText("3.5")
    assert panel.apply()
    assert live.rise_threshold_pct == 35.0 and live.activation_delay_s == 3.5
    assert "Until restart" in panel.message.text() and "rise threshold 40 → 35 %" in plain_text(panel.message.text())
    records = {r.target: (r.old_value, r.new_value) for r in engine.audited}
    assert records["control.torque_guard.rise_threshold_pct"] == (40.0, 35.0)

    panel.entries["descent_cut_pct"].setText("150")
    assert not panel.apply()
    assert "descent_cut_pct: Input should be less than 100" in panel.message.text()
    assert live.descent_cut_pct == 25.0 and live.rise_threshold_pct == 35.0  # nothing half-applied

    panel.show_live()
    panel.enabled_button.click()
    assert panel.apply()
    assert live.enabled is False
    page.refresh()
    assert "DISABLED" in page.guard_text.text() and page.guard_text.property("state") == "attention"

    assert panel.back_to_config()
    assert live.enabled is True and live.rise_threshold_pct == 40.0 and live.activation_delay_s == 5.0


def test_engineer_actions_are_the_settings_permissions(
    qloop: QLoop, page_factory: PageFactory, engine_with_model: StandInEngine
) -> None:
    asked: list[str] = []

    def policy(user: str, action: Action) -> bool:
        asked.append(action.value)
        return action is not Action.CHANGE_CONTROL_SETTINGS

    set_policy(policy)
    page = page_factory(engine_with_model)
    asked.clear()  # what the page asked to show and hide; below: what each action asks
    assert not page.guard_panel.apply()
    assert page.model_panel.select(SHIPPED_MODEL)
    qloop.run(load(page.model_panel, []))
    assert asked == ["change_control_settings", "change_ml_settings"]


def test_guard_settings_need_the_engineer(page_factory: PageFactory, engine_with_model: StandInEngine) -> None:
    set_policy(lambda user, action: action is Action.TOGGLE_ML)
    page = page_factory(engine_with_model, user="otto")
    page.guard_panel.entries["rise_threshold_pct"].setText("10")
    assert not page.guard_panel.apply()
    assert "Not permitted" in page.guard_panel.message.text()
    assert engine_with_model.settings.control.torque_guard.rise_threshold_pct == 40.0


def test_guard_entry_uses_the_keypad_in_kiosk_mode(
    page_factory: PageFactory, engine_with_model: StandInEngine
) -> None:
    page = page_factory(engine_with_model, kiosk=True)
    entry = page.guard_panel.entries["rise_threshold_pct"]
    assert entry.isReadOnly()
    keypad = entry.open_keypad()
    assert "> 0 %" in plain_text(keypad.limits_label.text())
    for key in ("5", "5", "OK"):
        keypad.press(key)
    assert entry.text() == "55"
    assert page.guard_panel.apply()
    assert engine_with_model.settings.control.torque_guard.rise_threshold_pct == 55.0


# --- decisions and guard events from ml.db --------------------------------------------------------


def _decisions(journal: SqliteJournal, count: int, start_ms: int, *, guard_at: int | None = None) -> None:
    for i in range(count):
        action = "guard" if i == guard_at else ("write" if i % 5 == 0 else "model")
        journal.decision(DecisionRow(
            start_ms + i * 200, "ml", action,
            "torque rose 45 % within 2.5 mm of descent" if action == "guard" else "",
            seq=i, coefficient=0.2, features={"descent_speed": 30.0},
            descent_before=30.0, descent_after=31.0 if action == "write" else None, cutting_before=70.0,
            torque=50.0, model="default",
        ))


def test_decisions_table_shows_the_newest_rows(qloop: QLoop, page_factory: PageFactory,
                                               engine_with_model: StandInEngine, journal: SqliteJournal) -> None:
    page = page_factory(engine_with_model)
    qloop.run(page.load_journal())
    assert page.decisions.rowCount() == 0
    assert page.decisions_tab.source_label.text() == "No ML decisions recorded yet"  # plain words, no file name
    start = int(time.time() * 1000) - 60_000
    _decisions(journal, 80, start, guard_at=42)
    qloop.run(page.load_journal())
    model = page.decisions
    assert model.rowCount() == 50
    assert model.rows[0].ts_ms == start + 79 * 200  # newest first
    write = next(r for r in model.rows if r.action == "write")
    assert model.cell_text(write, 4) == "30.0 → 31.0"
    assert page.decisions_tab.source_label.text() == "The 50 latest ML decisions (updated every second)"
    assert "torque rose 45 %" in page._last_guard

    _decisions(journal, 3, start + 80 * 200)
    qloop.run(page.load_journal())
    assert model.rowCount() == 50 and model.rows[0].ts_ms == start + 82 * 200

    page.changes_only.blockSignals(True)
    page.changes_only.setChecked(True)  # the filter; a click starts the same read
    page.changes_only.blockSignals(False)
    qloop.run(page.load_journal(replace=True))
    assert model.rowCount() > 0
    assert {r.action for r in model.rows} <= {"write", "guard", "fault", "restore", "refused"}
    assert "guard" in {r.action for r in model.rows}
    # A tap on a row shows the whole decision (no hover on a touch panel).
    guard_row = next(i for i, r in enumerate(model.rows) if r.action == "guard")
    page.decisions_tab.view.setCurrentIndex(model.index(guard_row, 0))
    assert "guard (ml, model default)" in page.decisions_tab.detail.text()
    assert page.decisions_tab.detail.text().endswith("torque rose 45 % within 2.5 mm of descent")


def test_mode_change_and_guard_lines_in_turkish(qapp: QApplication, tmp_path: Path, qloop: QLoop,
                                                page_factory: PageFactory, engine_with_model: StandInEngine,
                                                journal: SqliteJournal) -> None:
    """Review 2: a Turkish page said 'ml → manual ... by admin: operator switched ML off' and
    'Last: 13:33:57 descent to 33.7275': the modes, the reasons and the numbers in Turkish."""
    now = int(time.time() * 1000)
    journal.mode_change(ModeChangeRow(now - 2000, "ml", "manual", "anna", str(Text("mode.operator_off"))))
    journal.decision(DecisionRow(now - 1000, "ml", "guard", str(D_DESCENT_TO(speed=33.7275)), seq=1,
                                 descent_before=40.0, descent_after=33.7275, model="default"))
    translator = Translator.install(qapp, cache=tmp_path)
    try:
        assert translator.switch("tr")
        page = page_factory(engine_with_model)
        qloop.run(page.load_journal())
        change = page.change_label.text()
        assert "ML → manuel" in change and change.endswith(": operatör ML'yi kapattı"), change
        assert page._last_guard.endswith("iniş 33,7 mm/dk'ya"), page._last_guard
        guard = page.decisions.rows[0]
        assert page.decisions.cell_text(guard, 1) == "koruma" and page.decisions.cell_text(guard, 2) == "ML"
    finally:
        translator.switch("en")


def test_missing_ml_db_is_said_not_raised(qloop: QLoop, page_factory: PageFactory, engine_with_model: StandInEngine,
                                          journal: SqliteJournal) -> None:
    page = page_factory(engine_with_model)
    journal.close()
    path = engine_with_model.settings.data_dir / "databases" / "ml.db"
    path.unlink()
    for suffix in ("-wal", "-shm"):
        path.with_name(path.name + suffix).unlink(missing_ok=True)
    qloop.run(page.load_journal())
    assert page.decisions_tab.source_label.text() == "No ML decisions recorded yet"  # said plainly


def test_live_output_and_features(page_factory: PageFactory, engine_with_model: StandInEngine) -> None:
    engine = engine_with_model
    page = page_factory(engine)
    assert engine.control is not None
    status = engine.control.controller.status
    status.in_cut, status.controlling, status.coefficient = True, True, -0.42
    model = engine.control.controller.model
    assert model is not None
    status.features = {model.features[0]: 14.55, "descent_speed": 31.0}
    page.refresh()
    assert page.coefficient_label.text() == "-0.42"
    assert page.coefficient_bar.value == -0.42 and not page.coefficient_bar.held
    assert page.features.rowCount() == len(model.features)
    name, value = page.features.item(0, 0), page.features.item(0, 1)
    assert name is not None and value is not None
    assert (name.text(), value.text()) == (model.features[0].replace("_", " "), "14.55")
    status.controlling = False
    page.refresh()
    assert page.coefficient_label.text() == "-0.42  (held)" and page.coefficient_bar.held


def test_timer_runs_only_while_shown_and_picks_up_changes(
    qtbot: QtBot, page_factory: PageFactory, engine_with_model: StandInEngine
) -> None:
    page = page_factory(engine_with_model)
    assert not page.timer.isActive()
    page.show()
    qtbot.waitExposed(page)
    assert page.timer.isActive() and page.timer.interval() <= 250
    assert engine_with_model.set_mode(UserSession.anonymous(), "ml").ok  # e.g. from another screen
    qtbot.waitUntil(lambda: page.mode_label.text() == "ML", timeout=5000)
    page.hide()
    assert not page.timer.isActive()


def test_engine_not_running(page_factory: PageFactory, engine_with_model: StandInEngine) -> None:
    engine_with_model.control = None
    page = page_factory(engine_with_model)
    assert page.mode_label.text() == "—"
    assert not page.toggle.isEnabled()
    assert "not running" in page.toggle_reason.text()
    assert page.model_panel.load_selected() is False


async def load(panel: ModelPanel, results: list[tuple[bool, str]]) -> None:
    """Click Load with the event loop running; wait for the engine's answer."""
    panel.loaded.connect(lambda ok, why: results.append((ok, why)))
    assert panel.load_selected()
    assert panel.task is not None
    await panel.task


def test_the_engines_start_is_the_last_change_in_english_and_turkish(
        qapp: QApplication, tmp_path: Path, qloop: QLoop, page_factory: PageFactory,
        engine_with_model: StandInEngine, journal: SqliteJournal) -> None:
    """Review: a restarted page showed the previous run's 'manual → ml' as the last change. The engine's
    start is journalled (no previous mode) and read as the start, in the screen's language."""
    old_run = int(time.time() * 1000) - 3_600_000
    journal.conn.execute("INSERT INTO mode_changes (ts_ms, mode, previous_mode, user, reason) "
                         "VALUES (?, 'ml', 'manual', 'anna', 'operator switched ML on')", (old_run,))
    journal.conn.execute("UPDATE mode_changes SET id = id + 1000 WHERE previous_mode IS NULL")  # the start after
    page = page_factory(engine_with_model)
    qloop.run(page.load_journal())
    change = page.change_label.text()
    assert change.startswith("Last change ") and change.endswith(": engine started in manual"), change
    assert "→" not in change
    translator = Translator.install(qapp, cache=tmp_path)
    try:
        assert translator.switch("tr")
        qloop.run(page.load_journal())
        change = page.change_label.text()
        assert change.startswith("Son değişiklik ") and change.endswith("manuel modunda başladı"), change
    finally:
        translator.switch("en")


def test_decision_reasons_name_registers_by_their_labels(
        qapp: QApplication, tmp_path: Path, qloop: QLoop, page_factory: PageFactory,
        engine_with_model: StandInEngine, journal: SqliteJournal) -> None:
    """Review: reasons showed raw register names ('operator set descent_speed 35 -> 30'); they read by
    the register map's label, in the screen's language (the table, the tap detail, the guard line)."""
    now = int(time.time() * 1000)
    panel = str(D_SET_ON_PANEL(name="descent_speed", old=35.0, new=30.0))
    refused = str(W_RATE(name="cutting_speed", wait=33.0))
    ceiling = str(C_CUT(detail=CeilingBreach("band_current", 131.26, 125.0, 2.4).describe()))
    journal.decision(DecisionRow(now - 3000, "ml", "override", panel, seq=1, model="default"))
    journal.decision(DecisionRow(now - 2000, "ml", "refused", refused, seq=2, model="default"))
    journal.decision(DecisionRow(now - 1000, "ml", "guard", ceiling, seq=3, model="default"))
    page = page_factory(engine_with_model)
    model = page.decisions

    def reasons() -> list[str]:
        return [plain_text(model.cell_text(row, 7, model.registers)) for row in model.rows[:3]]

    qloop.run(page.load_journal(replace=True))
    assert reasons() == [
        "Load ceiling: band current 131.3 A above the ceiling 125 A for 2.4 s; descent cut",
        "write rate limit: next write to cutting speed setpoint allowed in 33 ms",
        "operator set descent speed setpoint 35 -> 30 on the PLC panel",
    ]
    assert plain_text(page._last_guard).endswith(reasons()[0])  # the guard line likewise
    page.decisions_tab.view.setCurrentIndex(model.index(2, 0))
    assert page.decisions_tab.detail.text().endswith("operator set descent speed setpoint 35 -> 30 on the PLC panel")
    translator = Translator.install(qapp, cache=tmp_path)
    try:
        assert translator.switch("tr")
        qloop.run(page.load_journal(replace=True))
        shown = reasons()
        assert "şerit akımı 131,3 A" in shown[0] and "kesme hızı ayarı" in shown[1] and "iniş hızı ayarı" in shown[2]
        for text in shown:
            assert not any(name in text for name in ("descent_speed", "cutting_speed", "band_current")), text
    finally:
        translator.switch("en")


def test_hmi_override_shows_under_the_changes_filter_by_its_label(
        qapp: QApplication, tmp_path: Path, qloop: QLoop, page_factory: PageFactory,
        engine_with_model: StandInEngine, journal: SqliteJournal) -> None:
    """Review: an operator's 32.29 -> 25 in the HMI during an ML cut (ml.db action 'override') was
    missing under 'Only writes, guard and faults' (override was not a change action); it shows there,
    the register by its label in EN and TR."""
    now = int(time.time() * 1000)
    hmi = str(D_SET_IN_HMI(name="descent_speed", old=32.29, new=25.0))
    journal.decision(DecisionRow(now - 2000, "ml", "override", hmi, seq=1, model="default"))
    journal.decision(DecisionRow(now - 1000, "ml", "model", "", seq=2, model="default"))  # routine
    page = page_factory(engine_with_model)
    page.changes_only.blockSignals(True)
    page.changes_only.setChecked(True)
    page.changes_only.blockSignals(False)
    qloop.run(page.load_journal(replace=True))
    model = page.decisions
    assert [r.action for r in model.rows] == ["override"]
    shown = plain_text(model.cell_text(model.rows[0], 7, model.registers))
    assert shown == "operator set descent speed setpoint 32.29 -> 25 in the HMI"
    translator = Translator.install(qapp, cache=tmp_path)
    try:
        assert translator.switch("tr")
        qloop.run(page.load_journal(replace=True))
        shown = plain_text(model.cell_text(model.rows[0], 7, model.registers))
        assert "iniş hızı ayarı" in shown and "HMI" in shown and "descent_speed" not in shown, shown
    finally:
        translator.switch("en")


def test_fault_and_live_reason_name_registers_by_their_labels(
        page_factory: PageFactory, engine_with_model: StandInEngine) -> None:
    """The 'ML stopped: …' line names the register by its label too (was 'restore of descent_speed failed')."""
    engine = engine_with_model
    page = page_factory(engine)
    assert page.confirm_ml_on()
    assert engine.control is not None
    engine.control.modes.fault(str(F_RESTORE_FAILED(name="descent_speed", detail="no answer")))
    page.refresh()
    assert page.fault_label.text() == "ML stopped: restore of descent speed setpoint failed: no answer"
