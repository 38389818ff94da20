"""The dialogs and the ML journal on a Turkish screen (review 2): the alarm's own Turkish in the shelve
dialog, durations in Turkish units, the locale's decimal comma in the write dialog and on its keypad,
the register's label as the keypad's title, the journal's decisions and mode changes in Turkish with
Turkish numbers, ML's hold on a register said in the refusal, one Turkish word for replay. And the
write dialog keeps "Write…" still under the themed fonts.
"""

from __future__ import annotations

import re
import xml.etree.ElementTree as ET
from collections.abc import Iterator

import pytest
from PySide6.QtCore import QPoint
from PySide6.QtWidgets import QApplication, QMainWindow, QWidget
from pytestqt.qtbot import QtBot

from core.analysis.alarms import Alarm, Priority
from core.api import DecisionView, Text, WriteResult
from core.security.permissions import Role
from core.security.testing import login_as
from core.testing.standin_engine import StandInEngine
from core.texts import D_CHIP, D_CHIP_WINDOW, D_DESCENT_TO, D_GRADE, D_GUARD, W_RATE_ML
from hmi.code_names import audit_detail, journal_text
from hmi.dialogs.alarm_shelve import ShelveDialog
from hmi.dialogs.write_dialog import WriteDialog, describe_result
from hmi.formatting import plain_text, register_label
from hmi.i18n import Translator, ts_file
from hmi.theme import apply_theme
from hmi.widgets.control_decisions import DecisionTableModel
from hmi.widgets.keypad import NumericKeypad

GUARD_EN = "Torque guard slowed the descent: band torque 95 %"
GUARD_TR = "Tork koruması inişi yavaşlattı: şerit torku %95"
ENGLISH_WORDS = re.compile(r"\b(operator|speeds|chip|window|descent|band|restore|manual|writing|allowed)\b")


@pytest.fixture
def themed(qapp: QApplication) -> Iterator[QApplication]:
    """The shipped theme, as the running HMI has it (fonts, paddings and frames from the QSS)."""
    apply_theme(qapp)
    yield qapp
    qapp.setStyleSheet("")


def _alarm() -> Alarm:
    return Alarm(
        "control.torque_guard",
        GUARD_EN,
        Priority.MEDIUM,
        "control",
        texts=(("en", GUARD_EN, ""), ("tr", GUARD_TR, "İşlem gerekmez")),
    )


def _write_dialog(
    qtbot: QtBot, engine: StandInEngine, current: float, *, kiosk: bool = False, parent: QWidget | None = None
) -> WriteDialog:
    login_as(engine.access, "engineer", Role.ENGINEER)
    dialog = WriteDialog(
        engine, engine.register_map["descent_speed"], current, user="engineer", kiosk=kiosk, parent=parent
    )
    if parent is None:
        qtbot.addWidget(dialog)
    return dialog


# --- 1. English in the Turkish screen ---------------------------------------------------------------


def test_shelve_dialog_names_the_alarm_and_the_durations_in_turkish(qtbot: QtBot, translator: Translator) -> None:
    assert translator.switch("tr")
    dialog = ShelveDialog(_alarm())
    qtbot.addWidget(dialog)
    assert dialog.title_label.text() == f"Rafa kaldır: {GUARD_TR}"
    buttons = [plain_text(dialog.duration_group.button(i).text()) for i in range(4)]
    assert buttons == ["15 dk", "1 sa", "4 sa", "8 sa"]
    dialog.choose("Bakım çalışması", 2)
    assert dialog.duration_s == 14400.0
    assert translator.switch("en")
    english = ShelveDialog(_alarm())
    qtbot.addWidget(english)
    assert english.title_label.text() == f"Shelve: {GUARD_EN}"
    assert [plain_text(english.duration_group.button(i).text()) for i in range(4)] == ["15 min", "1 h", "4 h", "8 h"]


def test_audit_detail_of_sealing_users_db_in_turkish(translator: Translator) -> None:
    assert translator.switch("tr")
    assert audit_detail("users.db rows protected by their MACs") == "users.db kayıtları MAC'leriyle korundu"


def _decision(action: str, mode: str, reason: str, **values: float | None) -> DecisionView:
    fields: dict[str, float | None] = {
        "coefficient": None,
        "descent_before": None,
        "descent_after": None,
        "cutting_before": None,
        "cutting_after": None,
        "torque": None,
    }
    fields.update(values)
    return DecisionView(1, 1_764_000_000_000, mode, action, reason, applied=True, model="default", **fields)


def test_decision_rows_in_the_screens_language_with_turkish_numbers(translator: Translator) -> None:
    """The review's rows: restore / manual / operator speeds (done) / 45.0 → 35.0, and the chip reason."""
    chip = str(D_CHIP(now=3.8, chip=3.8, detail=str(D_CHIP_WINDOW()), top=4.0, source=str(D_GRADE(grade=2)), band=71))
    restore = _decision(
        "restore",
        "manual",
        "operator speeds (done)",
        descent_before=45.0,
        descent_after=35.0,
        cutting_before=71.0,
        cutting_after=51.0,
        torque=32.3,
    )
    model = _decision("write", "ml", chip, coefficient=0.25, descent_before=45.0, torque=30.5)
    assert translator.switch("tr")
    cells = [DecisionTableModel.cell_text(restore, c) for c in range(1, 8)]
    assert cells == ["geri getirme", "manuel", "—", "45,0 → 35,0", "71,0 → 51,0", "32,3", "operatör hızları (tamam)"]
    assert DecisionTableModel.cell_text(model, 3) == "+0,25"
    assert DecisionTableModel.cell_text(model, 7) == (
        "talaş 3,80 → 3,80 µm (talaş penceresi; pencere üstü 4,00 µm, malzeme kalitesi 2), şerit 71 m/dk"
    )
    assert DecisionTableModel.cell_text(model, 2) == "ML"
    assert translator.switch("en")
    assert [DecisionTableModel.cell_text(restore, c) for c in (1, 2, 4, 7)] == [
        "restore",
        "manual",
        "45.0 → 35.0",
        "operator speeds (done)",
    ]


def test_guard_and_mode_change_reasons_in_turkish(translator: Translator) -> None:
    """The torque guard's line read 'descent to 33.7275' and the mode change 'operator switched ML off'."""
    assert str(D_DESCENT_TO(speed=33.7275)) == "descent to 33.7 mm/min"  # what ml.db keeps: sensible decimals
    guard = str(D_GUARD(rise=45, lookback=2.5, before=41.0, now=59.9, factor=80))
    overridden = "operator set descent_speed 45 -> 35 in the HMI; ML pauses for this cut (3 overrides)"
    assert translator.switch("tr")
    assert journal_text(str(D_DESCENT_TO(speed=33.7275))) == "iniş 33,7 mm/dk'ya"
    assert journal_text(str(Text("mode.operator_off"))) == "operatör ML'yi kapattı"
    assert journal_text(guard) == "tork 2,5 mm inişte %45 arttı (%41,0 → %59,9): iniş hızı %80 düzeyine düşürüldü"
    shown = journal_text(overridden)
    assert shown == "operatör descent_speed değerini HMI'da 45 → 35 yaptı; ML bu kesimde duraklıyor (3 müdahale)"
    for text in (
        journal_text("operator chose manual"),
        journal_text("initial delay 1.2/5.0 s"),
        journal_text("speeds, pitch, hardness or head position unknown"),
    ):
        assert not ENGLISH_WORDS.search(text), text


# --- 2. the write dialog's numbers in the locale; the keypad's title ----------------------------------


def test_write_dialog_and_keypad_use_the_decimal_comma_in_turkish(
    qtbot: QtBot, translator: Translator, fake_engine: StandInEngine
) -> None:
    assert translator.switch("tr")
    dialog = _write_dialog(qtbot, fake_engine, 45.85, kiosk=True)
    assert dialog.entry.text() == "45,85"
    assert dialog.entry.value() == 45.85
    label = register_label(fake_engine.register_map["descent_speed"])
    assert dialog.entry.title == f"Yeni {label}" and "descent_speed" not in dialog.entry.title
    keypad = dialog.entry.open_keypad()
    try:
        assert keypad.title_label.text() == f"Yeni {label}"
        assert keypad.keys["."].text() == ","
        for key in ("4", "5", ".", "7", ",", "5"):  # a second separator is not taken
            keypad.press(key)
        assert keypad.display.text() == "45,75" and keypad.value() == 45.75
        with qtbot.waitSignal(keypad.entered) as entered:
            keypad.press("OK")
        assert entered.args == [45.75]
        assert dialog.entry.text() == "45,75" and dialog.entry.value() == 45.75
    finally:
        keypad.close()
    dialog.entry.setText("45.5")  # typed with a point (a desktop keyboard): read all the same
    assert dialog.entry.value() == 45.5
    assert translator.switch("en")
    english = NumericKeypad("New", initial="1")
    qtbot.addWidget(english)
    assert english.keys["."].text() == "."


NUMBER = re.compile(r"\d+(?:[.,]\d+)*")


@pytest.mark.parametrize(("lang", "typed", "old", "new", "limit", "target"), [
    ("en", "1234567.25", "30.00", "1234567.25", "60.00", "25.00"),
    ("tr", "1234567,25", "30,00", "1234567,25", "60,00", "25,00"),
])
def test_write_dialog_numbers_have_the_registers_decimals_never_e_notation(
    qtbot: QtBot, translator: Translator, fake_engine: StandInEngine,
    lang: str, typed: str, old: str, new: str, limit: str, target: str,
) -> None:
    """The reviewer's Turkish screen: the range warning read "1,23457e+06 mm/dk", the preview
    "30,00 → 25 mm/dk": both sides of the arrow, the warning and the question with the register's
    decimals (descent_speed: 0.01 -> 2), grouped as the screen's locale does (hmi.i18n: not at all)."""
    assert translator.switch(lang)
    dialog = _write_dialog(qtbot, fake_engine, 30.0)
    unit = "mm/dk" if lang == "tr" else "mm/min"
    dialog.entry.setText(typed)
    preview = plain_text(dialog.preview.text())
    assert preview.startswith(f"{old} → {new} {unit}") and dialog.out_of_range(), preview
    assert NUMBER.findall(preview) == [old, new, new, limit] and "e+" not in preview, preview  # words: translated
    dialog.submit()
    refusal = plain_text(dialog.status_text())
    assert NUMBER.findall(refusal) == [new, limit], refusal
    dialog.entry.setText("25")
    assert plain_text(dialog.preview.text()) == f"{old} → {target} {unit}"
    dialog.submit()
    assert f"{old} → {target} {unit}" in plain_text(dialog.status_text())


# --- 3. the write dialog: Write… stays put, one current value, ML's hold said ---------------------------


@pytest.mark.parametrize(("lang", "kiosk"), [("en", False), ("tr", False), ("tr", True)])
def test_write_stays_put_when_the_range_warning_appears_under_the_theme(
    qtbot: QtBot,
    translator: Translator,
    themed: QApplication,
    fake_engine: StandInEngine,
    lang: str,
    kiosk: bool,
) -> None:
    """The reviewer's window: the themed 16 pt preview wrapped '45.98 → 200 mm/min ⚠ out of range: …' to
    two lines and 'Write…' jumped from y=507 to y=538 under the finger."""
    assert translator.switch(lang)
    window = QMainWindow()
    qtbot.addWidget(window)
    window.setProperty("kiosk", "true" if kiosk else "false")
    window.resize(1280, 800)
    window.show()
    dialog = _write_dialog(qtbot, fake_engine, 45.98, kiosk=kiosk, parent=window)
    try:
        dialog.entry.setText("45,65" if lang == "tr" else "45.65")
        dialog.show()
        QApplication.processEvents()
        height, write_at = dialog.height(), dialog.write_button.mapTo(dialog, QPoint(0, 0))
        for value in ("200", "-2000000", "45"):
            dialog.entry.setText(value)
            QApplication.processEvents()
            assert dialog.out_of_range() == (value != "45")
            assert dialog.write_button.mapTo(dialog, QPoint(0, 0)) == write_at, value
            assert dialog.height() == height, value
        dialog.submit()  # the confirmation question appears: nothing moves either
        QApplication.processEvents()
        assert dialog.write_button.mapTo(dialog, QPoint(0, 0)) == write_at and dialog.height() == height
    finally:
        dialog.close()
        dialog.deleteLater()


def test_the_confirmation_and_the_preview_follow_the_current_value(qtbot: QtBot, fake_engine: StandInEngine) -> None:
    """The question said '45.76 → 25' while 'Current' read 45.56: one value, refreshed."""
    dialog = _write_dialog(qtbot, fake_engine, 45.76)
    dialog.show()
    dialog.entry.setText("25")
    dialog.submit()
    assert "45.76 → 25.00" in plain_text(dialog.status_text())
    dialog.set_current(45.56)
    assert plain_text(dialog.current_label.text()) == "45.56 mm/min"
    question = plain_text(dialog.status_text())
    assert "45.56 → 25.00 mm/min?" in question and "45.76" not in question
    assert plain_text(dialog.preview.text()).startswith("45.56 → 25.00")
    assert dialog.confirm_button.isVisible() and not dialog.write_button.isEnabled()  # still asking


def test_a_refusal_because_ml_writes_the_register_says_so_in_turkish(
    translator: Translator, fake_engine: StandInEngine
) -> None:
    register = fake_engine.register_map["descent_speed"]
    refused = WriteResult.refused("descent_speed", 25.0, str(W_RATE_ML(name="descent_speed", wait=33.4)))
    assert refused.code == "write.rate_ml"
    assert translator.switch("tr")
    state, text = describe_result(register, refused)
    assert state == "refused"
    assert "ML yazıyor" in text and "33 ms" in text and "ML'yi kapatın" in text
    assert not ENGLISH_WORDS.search(text), text


# --- 4. one Turkish word for replay -------------------------------------------------------------------


def test_replay_is_named_one_way_in_turkish() -> None:
    """'Geri oynat…' on the button, 'Yeniden oynat' in the dialog: every Turkish text about replay uses
    'yeniden oynat…', none 'geri oynat…'."""
    texts = []
    for message in ET.parse(ts_file("tr")).getroot().iter("message"):
        source, translation = message.findtext("source", ""), message.findtext("translation", "")
        if "replay" in source.lower():
            texts.append(translation)
    assert len(texts) >= 8
    lowered = [t.replace("İ", "i").lower() for t in texts]
    assert [t for t in lowered if "geri oynat" in t] == []
    assert [t for t in lowered if "yeniden oynat" not in t] == []
