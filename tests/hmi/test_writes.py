"""Writes from the HMI: permission and confirmation path, limits refused with the reason, presets and the
ML switch on the overview page."""

from __future__ import annotations

import time
from pathlib import Path

import pytest
from hmi_testing import QLoop
from PySide6.QtCore import QEvent
from PySide6.QtWidgets import QApplication, QLabel
from pytestqt.qtbot import QtBot

from core.config import PROJECT_ROOT, Settings
from core.registers import RegisterMap
from core.security.permissions import Role
from core.security.testing import login_as
from core.testing.standin_engine import StandInEngine
from hmi.bridge import EngineBridge
from hmi.dialogs.write_dialog import WriteDialog, check_limits
from hmi.formatting import plain_text
from hmi.pages.overview import OverviewPage
from hmi.pages.registers import RegistersPage
from hmi.permissions import Action, can, needs_confirmation, set_policy
from hmi.session import Session
from tests.waiting import wait_until


def test_permission_function_is_the_gate() -> None:
    assert can("engineer", Action.WRITE_REGISTER)
    assert not can("", Action.WRITE_REGISTER)
    assert not can("engineer", "format_disk")
    assert needs_confirmation(Action.WRITE_REGISTER)
    assert needs_confirmation(Action.LEAVE_KIOSK)
    set_policy(lambda user, action: action is not Action.WRITE_REGISTER)
    assert not can("engineer", Action.WRITE_REGISTER)
    set_policy(None)


def _dialog(qtbot: QtBot, engine: StandInEngine, name: str, *, user: str = "engineer") -> WriteDialog:
    if user == "engineer":
        login_as(engine.access, user, Role.ENGINEER)  # the engine writes only for a logged-in engineer
    register = engine.register_map[name]
    dialog = WriteDialog(engine, register, engine.values[name], user=user, kiosk=False)
    qtbot.addWidget(dialog)
    dialog.show()
    return dialog


async def confirm(dialog: WriteDialog) -> None:
    """A deliberate confirmation: wait out the guard, then tap "Confirm write"."""
    await wait_until(dialog.confirm_armed, "confirmation armed")
    dialog.confirm_button.click()


def test_write_asks_to_confirm_then_verifies(qtbot: QtBot, qloop: QLoop, fake_engine: StandInEngine) -> None:
    dialog = _dialog(qtbot, fake_engine, "descent_speed")
    assert "30" in plain_text(dialog.preview.text())
    dialog.entry.setText("42.5")
    assert plain_text(dialog.preview.text()) == "30.00 → 42.50 mm/min"
    assert "1 … 60 mm/min" in plain_text(dialog.limits_label.text())
    dialog.write_button.click()
    assert plain_text(dialog.status_text()).startswith("Confirm: write descent_speed 30.00 → 42.50")
    assert fake_engine.writes == []  # nothing sent before the confirmation

    async def scenario() -> None:
        await confirm(dialog)  # Qt slots start asyncio work: the loop must be running
        await wait_until(lambda: dialog.task is not None and dialog.task.done(), "write")

    qloop.run(scenario())
    assert fake_engine.writes == [("descent_speed", 42.5, "engineer")]
    assert "read back 42.50 mm/min: verified" in plain_text(dialog.status_text())


def test_out_of_range_is_flagged_in_the_preview_and_refused(qtbot: QtBot, fake_engine: StandInEngine) -> None:
    dialog = _dialog(qtbot, fake_engine, "descent_speed")
    dialog.entry.setText("75")  # flagged as it is typed, before anyone presses Write
    assert dialog.out_of_range() and dialog.preview.property("state") == "refused"
    assert "out of range: 75.00 mm/min is above the maximum 60.00 mm/min" in plain_text(dialog.preview.text())
    assert not dialog.write_button.isEnabled()
    dialog.submit()  # Return on the desktop, or anything else that gets past the button: still refused
    refusal = "Refused: 75.00 mm/min is above the maximum 60.00 mm/min. Nothing was written."
    assert plain_text(dialog.status_text()) == refusal
    assert dialog.status.property("state") == "refused"
    assert fake_engine.writes == []
    dialog.entry.setText("42")
    assert not dialog.out_of_range() and dialog.write_button.isEnabled()
    assert plain_text(dialog.preview.text()) == "30.00 → 42.00 mm/min"
    assert plain_text(check_limits(fake_engine.register_map["descent_speed"], 0.5)).startswith("0.50 mm/min is below")


@pytest.mark.parametrize("kiosk", [False, True])
def test_refusal_text_never_covers_the_entry(qtbot: QtBot, fake_engine: StandInEngine, kiosk: bool) -> None:
    set_policy(lambda user, action: False)
    try:
        register = fake_engine.register_map["cutting_speed"]
        user = "a-guest-with-a-very-long-name-" * 6
        dialog = WriteDialog(fake_engine, register, 70.0, user=user, kiosk=kiosk)
        qtbot.addWidget(dialog)
        dialog.show()
        dialog.entry.setText("500")  # out of range: the preview grows too
        dialog.entry.setText("80")
        dialog.submit()  # a refusal several lines long
        QApplication.processEvents()
        assert plain_text(dialog.status_text()).startswith("Not permitted:")
        for label in (dialog.status, dialog.preview):
            assert not label.geometry().intersects(dialog.entry.geometry())
            assert label.height() >= label.heightForWidth(label.width())  # every line of it shown
        assert dialog.status.geometry().top() >= dialog.preview.geometry().bottom()
        assert dialog.write_button.geometry().top() >= dialog.status.geometry().bottom()
        assert dialog.height() >= dialog.minimumSizeHint().height()
    finally:
        set_policy(None)


def test_current_follows_the_plc_and_the_write(
    qtbot: QtBot, qloop: QLoop, bridge: EngineBridge, fake_engine: StandInEngine
) -> None:
    login_as(fake_engine.access, "engineer", Role.ENGINEER)
    page = RegistersPage(bridge, Session("engineer", kiosk=False))
    qtbot.addWidget(page)
    page.show()
    fake_engine.push({"cutting_speed": 70.0})
    bridge.flush()
    page.select("cutting_speed")
    dialog = page.open_write_for_selection()
    assert dialog is not None
    assert plain_text(dialog.current_label.text()) == "70.0 m/min"  # the unit's decimals (cutting_speed_actual: 0.1)
    fake_engine.push({"cutting_speed": 75.0})  # changed at the PLC while the dialog is open
    bridge.flush()
    assert plain_text(dialog.current_label.text()) == "75.0 m/min"
    assert plain_text(dialog.preview.text()).startswith("75.0 →")
    dialog.entry.setText("80")
    dialog.submit()

    async def scenario() -> None:
        await confirm(dialog)
        await wait_until(lambda: dialog.task is not None and dialog.task.done(), "write")

    qloop.run(scenario())
    assert "verified" in plain_text(dialog.status_text())
    assert plain_text(dialog.current_label.text()) == "80.0 m/min"  # the read-back, at once
    before_ms = int((time.time() - 0.5) * 1000)
    dialog.set_current(75.0, polled_at_ms=before_ms)  # a poll that read before the write, delivered after
    assert plain_text(dialog.current_label.text()) == "80.0 m/min"
    dialog.set_current(81.0, polled_at_ms=int(time.time() * 1000) + 1)  # read after: the PLC's word
    assert plain_text(dialog.current_label.text()) == "81.0 m/min"
    dialog.close()


def test_refused_by_policy(qtbot: QtBot, fake_engine: StandInEngine) -> None:
    set_policy(lambda user, action: user == "admin")
    dialog = _dialog(qtbot, fake_engine, "cutting_speed", user="guest")
    dialog.entry.setText("80")
    dialog.write_button.click()
    assert plain_text(dialog.status_text()) == "Not permitted: guest may not write registers"
    assert fake_engine.writes == []


def test_engine_refusal_reason_shown(qtbot: QtBot, qloop: QLoop, fake_engine: StandInEngine) -> None:
    fake_engine.offline = True
    dialog = _dialog(qtbot, fake_engine, "cutting_speed")
    dialog.entry.setText("80")
    dialog.write_button.click()

    async def scenario() -> None:
        await confirm(dialog)
        await wait_until(lambda: dialog.task is not None and dialog.task.done(), "write")

    qloop.run(scenario())
    assert plain_text(dialog.status_text()) == "Refused: PLC not connected"


def test_registers_page_opens_write_for_writable_only(
    qtbot: QtBot, bridge: EngineBridge, fake_engine: StandInEngine
) -> None:
    page = RegistersPage(bridge, Session("engineer", kiosk=False))
    qtbot.addWidget(page)
    page.show()
    fake_engine.push()
    QApplication.processEvents()  # the bridge shows it after the poll cycle
    page.select("band_current")
    assert not page.write_button.isEnabled()
    page.select("cutting_speed")
    assert page.write_button.isEnabled()
    dialog = page.open_write_for_selection()
    assert dialog is not None and dialog.register.name == "cutting_speed"
    assert dialog.current == 70
    dialog.close()


def test_preset_button_applies_through_engine(
    qtbot: QtBot, qloop: QLoop, bridge: EngineBridge, fake_engine: StandInEngine
) -> None:
    page = OverviewPage(bridge, Session("operator", kiosk=True))
    qtbot.addWidget(page)

    async def scenario() -> None:
        page.preset_buttons["fast"].click()
        await wait_until(lambda: page.task is not None and page.task.done(), "preset")

    qloop.run(scenario())
    fast = fake_engine.settings.control.presets["fast"]
    assert fake_engine.values["cutting_speed"] == fast.cutting_speed
    assert fake_engine.values["descent_speed"] == fast.descent_speed
    assert page.message.text() == "Preset Fast applied"  # its display name, not the config key
    assert page.message.property("state") == "ok"
    assert all(b.isEnabled() for b in page.preset_buttons.values())
    bridge.refresh()
    assert not page.ml_toggle.isEnabled()  # no model loaded yet


def test_ml_toggle_follows_model_and_confirms(qtbot: QtBot, settings: Settings, register_map: RegisterMap) -> None:
    from hmi.dialogs.confirm import ConfirmDialog

    settings.ml.model_path = PROJECT_ROOT / "data" / "models" / "default"
    engine = StandInEngine(settings, register_map, with_control=True)  # a real MlControl with the model
    bridge = EngineBridge(engine)
    bridge.attach()
    page = OverviewPage(bridge, Session("operator", kiosk=True))
    qtbot.addWidget(page)
    bridge.refresh()
    assert page.ml_toggle.isEnabled() and page.ml_toggle.text() == "ML speed control"
    page.ml_toggle.click()
    assert engine.status().mode == "manual"  # asks first, in a dialog
    confirm = page.findChild(ConfirmDialog)
    assert confirm is not None and confirm.isVisible() and not page.ml_toggle.isChecked()
    qtbot.waitUntil(confirm.yes_button.isEnabled, timeout=3000)  # a double tap's second tap is ignored
    confirm.yes_button.click()
    assert engine.status().mode == "ml" and page.ml_toggle.isChecked()
    assert [(r.user, r.action, r.old_value, r.new_value) for r in engine.audited if r.action == "set_mode"] == [
        ("operator", "set_mode", "manual", "ml")]
    assert page.message.text() == "Mode ML"  # the mode by name (683d059), not its code
    page.ml_toggle.click()
    page.findChildren(ConfirmDialog)[-1].no_button.click()  # "no" changes nothing
    assert engine.status().mode == "ml" and page.ml_toggle.isChecked()
    bridge.detach()
    bridge.deleteLater()
    assert engine.journal is not None
    engine.journal.close()


def test_preset_names_per_language_and_the_message_goes(
    qtbot: QtBot, qloop: QLoop, bridge: EngineBridge, fake_engine: StandInEngine, tmp_path: Path
) -> None:
    """'Ön ayar slow uygulandı' stayed on the Turkish screen for six minutes (#15 review): the name is
    the preset's label in the screen's language (config ``label``, else the shipped name translated),
    and the message goes after 10 s or at the saw's next state change."""
    from hmi.i18n import Translator

    fake_engine.settings.control.presets["slow"].label.update({"en": "Gentle", "tr": "Yumuşak"})
    page = OverviewPage(bridge, Session("operator", kiosk=True))
    qtbot.addWidget(page)
    translator = Translator.install(QApplication.instance(), cache=tmp_path)  # type: ignore[arg-type]
    try:
        translator.switch("tr")
        page.changeEvent(QEvent(QEvent.Type.LanguageChange))
        assert page.preset_buttons["slow"].text().startswith("Yumuşak\n")
        assert page.preset_buttons["fast"].text().startswith("Hızlı\n")  # shipped name, translated

        async def apply(name: str) -> None:
            page.apply_preset(name)
            await wait_until(lambda: page.task is not None and page.task.done(), "preset")

        qloop.run(apply("slow"))
        assert page.message.text() == "Ön ayar Yumuşak uygulandı"
        assert page.message_timer.isActive() and page.message_timer.interval() == 10_000
        page.message_timer.timeout.emit()  # 10 s later
        assert page.message.text() == ""

        qloop.run(apply("fast"))
        assert page.message.text() == "Ön ayar Hızlı uygulandı"
        fake_engine.push({"saw_state": 2.0})
        bridge.flush()
        assert page.message.text() != ""  # the state it was shown in
        fake_engine.push({"saw_state": 4.0})
        bridge.flush()
        assert page.message.text() == ""  # the saw moved on: the message went with it
    finally:
        translator.switch("en")


def test_two_band_wear_numbers_say_whose_they_are(qtbot: QtBot, qapp: QApplication, bridge: EngineBridge,
                                                   fake_engine: StandInEngine, tmp_path: Path) -> None:
    """The Turkish kiosk read 'Kullanılan ömür %0' on the band-life panel and 'Şerit aşınması %2' on the
    overview (#15 review): the PLC's band_wear register and the engine's estimate from the cuts are two
    numbers; each says whose it is."""
    from hmi.i18n import Translator, translate

    page = OverviewPage(bridge, Session("operator", kiosk=True))
    qtbot.addWidget(page)
    translator = Translator.install(qapp, cache=tmp_path)
    try:
        translator.switch("tr")
        fake_engine.push({"band_wear": 2.0})
        bridge.flush()
        texts = [w.text() for w in page.findChildren(QLabel)]
        assert any("PLC şerit aşınması %2" in t for t in texts), texts
        caption = translate("BandLifePanel", "Life used (estimated from the cuts)")
        assert caption == "Kullanılan ömür (kesimlerden tahmin)"
    finally:
        translator.switch("en")
