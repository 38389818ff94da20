"""The Turkish screen is Turkish everywhere, with one number format; the English one has no Turkish style.

Every page is walked as an admin sees it, on the typed stand-in engine, with live values that
have decimals, an alarm, audit rows and the production view, and every text a person reads is
collected: labels, buttons, tabs, group titles, combo items, progress texts, table headers and
cells, plot legends. A Turkish screen fails on
- a text that is the English source of a tr() text with a Turkish translation;
- an English text from config (registers.yaml groups, labels, descriptions, code names; shift
  names) that has its Turkish there, also inside a cell ("COMPLETED (4)");
- one of core's codes (roles, audit actions and results) shown raw where it has a name;
- one of core's texts (core.texts: refusals, log-in answers, alarm and audit details) in English,
  whole or as a part ("; "-separated, in brackets);
- a decimal point in a number (0.2 s, 63.8), "63 %" (Turkish writes %63), and m/min (m/dk).
An English screen fails on "%63" and on a decimal comma: a placeholder left unfilled ("%1") or
Turkish style leaking.
"""

from __future__ import annotations

import asyncio
import dataclasses
import re
from collections.abc import Callable, Iterator
from typing import Any

import pyqtgraph as pg
import pytest
from PySide6.QtCore import Qt
from PySide6.QtWidgets import (
    QAbstractButton,
    QAbstractItemView,
    QApplication,
    QComboBox,
    QDialog,
    QGroupBox,
    QHeaderView,
    QLabel,
    QLineEdit,
    QProgressBar,
    QTabBar,
    QWidget,
)

from core.analysis.alarm_policy import AlarmPolicy
from core.analysis.alarms import Priority
from core.api import parse_text
from core.config import Settings
from core.registers import RegisterMap
from core.security.audit_query import AuditRow
from core.testing.standin_engine import StandInEngine
from hmi.code_names import (
    AUDIT_ACTIONS,
    AUDIT_RESULTS,
    ROLES,
    audit_action_name,
    audit_result_name,
    core_text,
    role_name,
)
from hmi.i18n import Translator
from hmi.main_window import MainWindow
from hmi.retranslate import catalogue
from hmi.session import Session
from hmi.theme import apply_theme

VALUES = {  # live values with decimals in every group the pages show
    "saw_state": 4.0, "head_height": 55.7, "band_current": 63.8, "band_torque": 66.4, "descent_current": 1.1,
    "cutting_speed": 70.0, "cutting_speed_actual": 70.3, "descent_speed": 30.5, "descent_speed_actual": 30.25,
    "vibration_x": 0.211, "vibration_y": 0.127, "vibration_z": 0.074, "band_wear": 7.0, "material_type": 2.0,
    "material_hardness": 3.0, "cross_section": 0.0, "dimension_a": 100.0, "material_width": 100.0,
    "band_type": 1.0, "band_material": 2.0, "band_power": 4.25, "ambient_temp": 21.5,
}
AUDIT = [
    AuditRow(1, 1_764_000_000_000, "erin", "write", "descent_speed", "30.5", "32.25", "clamped", "preset normal"),
    AuditRow(5, 1_764_000_000_500, "erin", "write", "cutting_speed", 70.0, 72.5, "accepted", ""),  # log.db: TEXT
    AuditRow(2, 1_764_000_001_000, "alice", "login", "hmi", None, "admin", "accepted", ""),
    AuditRow(3, 1_764_000_002_000, "alice", "user_role", "otto", "operator", "engineer", "accepted", ""),
    AuditRow(4, 1_764_000_003_000, "otto", "set_mode", "control", "manual", "ml", "refused", ""),
    AuditRow(6, 1_764_000_004_000, "alice", "user_add", "ali", None, None, "refused",
             "PIN/password too short: at least 4 characters"),
    AuditRow(7, 1_764_000_005_000, "alice", "user_add", "ali", None, "operator", "accepted", ""),
    AuditRow(8, 1_764_000_006_000, "ali", "login_failed", "hmi", None, None, "refused",
             "wrong name or PIN; 5 in a row; locked for 60 s"),
    AuditRow(9, 1_764_000_007_000, "otto", "manage_users", "ali", None, None, "refused",
             "manage_users needs admin rights; otto is operator"),
]
# A number written with a point between digits (not a date, a time, an address or a file name).
DECIMAL_POINT = re.compile(r"(?<![\w.:/-])\d+\.\d+(?![\w.])")
DECIMAL_COMMA = re.compile(r"(?<![\w.,])\d+,\d+(?![\w,])")
PERCENT_AFTER = re.compile(r"\d %")
PERCENT_FIRST = re.compile(r"%\d")


@pytest.fixture
def fake_engine(settings: Settings, register_map: RegisterMap) -> StandInEngine:
    """The stand-in with the engine's alarm policy: alarm texts from the message catalogue, as shown."""
    units = {register.name: register.unit for register in register_map}
    return StandInEngine(settings, register_map, alarm_policy=AlarmPolicy.from_settings(settings, units))


@pytest.fixture(params=[False, True], ids=["desktop", "kiosk"])
def window(request: pytest.FixtureRequest, qapp: QApplication, fake_engine: Any, push: Callable[..., None],
           translator: Translator) -> Iterator[MainWindow]:
    apply_theme(qapp)
    fake_engine.alarms.update("plc.bit.3", True, "PLC: band deviation above 0.5 mm", priority=Priority.HIGH,
                              value=0.62)
    window = MainWindow(fake_engine, Session.default(kiosk=bool(request.param)))
    window.resize(1280, 800)
    window.show()
    if request.param:
        window.set_kiosk(True, full_screen=False)
    push(VALUES)
    fake_engine.access.create_first_admin("alice", "1357", by="test")
    assert window.sessions is not None
    assert asyncio.run(window.sessions.login("alice", "1357")).ok  # an admin's view: every page, role shown
    qapp.processEvents()
    yield window
    for dialog in window.findChildren(QDialog):
        dialog.close()
    window.finish()
    window.deleteLater()
    qapp.setStyleSheet("")
    qapp.processEvents()


def _cells(view: QAbstractItemView, limit: int = 60) -> list[str]:
    model = view.model()
    if model is None:
        return []
    texts = []
    for row in range(min(model.rowCount(), limit)):
        for column in range(model.columnCount()):
            value = model.data(model.index(row, column), Qt.ItemDataRole.DisplayRole)
            if value is not None:
                texts.append(str(value))
    return texts


def read(root: QWidget) -> list[str]:
    """Every text a person reads under ``root`` (visible widgets only)."""
    texts: list[str] = []
    for widget in [root, *root.findChildren(QWidget)]:
        if not widget.isVisible():
            continue
        if isinstance(widget, QLabel | QAbstractButton):
            texts.append(widget.text())
        elif isinstance(widget, QGroupBox):
            texts.append(widget.title())
        elif isinstance(widget, QLineEdit):
            texts.append(widget.placeholderText())
        elif isinstance(widget, QTabBar):
            texts += [widget.tabText(i) for i in range(widget.count())]
        elif isinstance(widget, QComboBox):
            texts += [widget.itemText(i) for i in range(widget.count())]
        elif isinstance(widget, QProgressBar) and widget.isTextVisible():
            texts.append(widget.text())
        elif isinstance(widget, QHeaderView) and widget.model() is not None:
            model = widget.model()
            heads = [model.headerData(i, widget.orientation()) for i in range(widget.count())]
            texts += [str(head) for head in heads if head is not None]
        elif isinstance(widget, QAbstractItemView) and not isinstance(widget, QHeaderView):
            texts += _cells(widget)
        elif isinstance(widget, pg.GraphicsLayoutWidget):
            for item in widget.scene().items():
                if isinstance(item, pg.LabelItem):
                    texts.append(re.sub(r"<[^>]+>|&#\d+;", " ", item.text))
                elif isinstance(item, pg.AxisItem) and item.isVisible() and item.orientation == "left":
                    lo, hi = item.range
                    texts += item.tickStrings([lo + (hi - lo) * f for f in (0.25, 0.5, 0.75)], 1.0, (hi - lo) / 4)
    return [t for t in texts if t and t.strip()]


def config_english(register_map: RegisterMap, shifts: list[Any]) -> set[str]:
    """English texts from config that have their Turkish there (what a Turkish screen must not show)."""
    found: set[str] = set()
    for group, title in register_map.groups.items():
        if register_map.group_title(group, "tr") != title:
            found.add(title)
    for register in register_map:
        if register.description_in("tr") != register.description:
            found.add(register.description)
        if register.label and register.label_in("tr") != register.label:
            found.add(register.label)
        for code, name in register.enum:
            if register.enum_name(code, "tr") != name:
                found.add(name)
    found |= {shift.name for shift in shifts if shift.tr is not None and shift.tr.name != shift.name}
    return found


def feed(window: MainWindow, key: str, engine: Any, qapp: QApplication) -> None:
    """What a page loads off the loop in the running HMI, given here (no qasync loop in these tests)."""
    page: Any = window.pages[key]
    if key == "audit":
        page.model.set_rows(AUDIT)
    elif key == "production":
        view = asyncio.run(engine.production_view())
        if view.ok and view.value is not None:
            page.show_view(view.value)
    qapp.processEvents()


UNIT = re.compile(r"(?<![\w/])(m/min|mm/min)(?![\w/])")  # in Turkish: m/dk, mm/dk


def problems_in(texts: list[str], lang: str, english: Any, from_config: set[str]) -> list[str]:
    found = []
    codes = {code: namer(code) for table, namer in ((AUDIT_ACTIONS, audit_action_name),
                                                    (AUDIT_RESULTS, audit_result_name), (ROLES, role_name))
             for code in table}
    for text in sorted(set(texts)):
        if lang == "tr":
            mapped = english.map(text)
            if mapped not in (None, text):
                found.append(f"English with a Turkish translation: {text!r} (-> {mapped!r})")
            parts = {text, *re.split(r" \(|\n| · |: ", text)}
            if parts & from_config:
                found.append(f"config text in English: {text!r}")
            if codes.get(text, text) != text or any(re.search(rf"\b{r}\b", text) for r in ROLES if role_name(r) != r):
                found.append(f"a code shown raw: {text!r}")
            for part in {text, *text.split("; "), *re.findall(r"\(([^()]+)\)", text)}:
                coded = parse_text(part)
                if coded is not None and core_text(coded) != part:
                    found.append(f"core's text in English: {part!r} in {text!r}")
            if DECIMAL_POINT.search(text):
                found.append(f"decimal point: {text!r}")
            if PERCENT_AFTER.search(text):
                found.append(f"percent after the number: {text!r}")
            if UNIT.search(text):
                found.append(f"unit in English: {text!r}")
        else:
            if DECIMAL_COMMA.search(text):
                found.append(f"decimal comma: {text!r}")
            if PERCENT_FIRST.search(text):
                found.append(f"percent sign before a number (or a placeholder left): {text!r}")
    return found


@pytest.mark.parametrize("lang", ["tr", "en"])
def test_every_page_in_one_language(window: MainWindow, qapp: QApplication, translator: Translator,
                                    fake_engine: Any, lang: str) -> None:
    translator.switch(lang)
    qapp.processEvents()
    english = catalogue("en", "tr")
    from_config = config_english(fake_engine.register_map, fake_engine.settings.production.shifts)
    problems: list[str] = []
    for key in window.pages:
        window.show_page(key)
        qapp.processEvents()
        feed(window, key, fake_engine, qapp)
        problems += [f"{key}: {p}" for p in problems_in(read(window), lang, english, from_config)]
    assert problems == [], "\n".join(problems)


LINK_LOST = "PLC link lost: cannot connect to 10.0.0.5:502: refused or no answer within 1.5 s"


def test_what_core_says_in_turkish(window: MainWindow, qapp: QApplication, translator: Translator,
                                   fake_engine: Any, push: Callable[..., None]) -> None:
    """Core's own words on the Turkish screen: a wrong PIN on the login dialog, a refused command, the
    link-lost alarm's detail, a downtime cause on the Production page, the Audit page's details."""
    from core.production.values import DowntimeCause
    from hmi.dialogs.login import LoginDialog

    translator.switch("tr")
    qapp.processEvents()
    english = catalogue("en", "tr")
    from_config = config_english(fake_engine.register_map, fake_engine.settings.production.shifts)
    problems: list[str] = []

    dialog = LoginDialog(window.sessions, kiosk=window.session.kiosk, parent=window)
    dialog.show()
    assert asyncio.run(dialog.attempt("alice", "0000")) is False
    assert dialog.message_label.text() == "Ad veya PIN yanlış"
    problems += [f"login: {p}" for p in problems_in(read(dialog), "tr", english, from_config)]
    dialog.close()

    window.show_page("users")  # a refused command: the engine's user store says why
    users: Any = window.pages["users"]
    assert asyncio.run(users.add_user("ali", "operator", "1", "1")) is False
    assert users.message_label.text() == "PIN/parola çok kısa: en az 4 karakter"
    problems += [f"users: {p}" for p in problems_in(read(window), "tr", english, from_config)]

    fake_engine.alarms.update("modbus.link_lost", True, LINK_LOST, source="modbus")
    push(fail=True)
    window.show_page("alarms")
    qapp.processEvents()
    shown = read(window)
    assert any("10.0.0.5:502 adresine bağlanılamıyor" in text for text in shown), shown
    problems += [f"alarms: {p}" for p in problems_in(shown, "tr", english, from_config)]

    window.show_page("production")
    view = asyncio.run(fake_engine.production_view())
    assert view.ok and view.value is not None and view.value.current is not None
    logged = fake_engine.alarm("modbus.link_lost").text_for("en")
    cause = DowntimeCause("modbus.link_lost", logged, 600.0, 1)
    detail, texts = fake_engine.alarms.policy.catalogue.reread(cause.key, cause.text)
    assert detail == LINK_LOST
    report = dataclasses.replace(view.value.current, downtime=(dataclasses.replace(cause, detail=detail,
                                                                                   texts=texts),))
    page: Any = window.pages["production"]
    page.show_view(dataclasses.replace(view.value, current=report))
    qapp.processEvents()
    shown = read(window)
    assert any("PLC bağlantısı koptu" in text and "adresine bağlanılamıyor" in text for text in shown), shown
    problems += [f"production: {p}" for p in problems_in(shown, "tr", english, from_config)]

    window.show_page("audit")
    feed(window, "audit", fake_engine, qapp)
    shown = read(window)
    assert "PIN/parola çok kısa: en az 4 karakter" in shown and "yanlış ad veya PIN; üst üste 5; 60 sn kilitli" in shown
    problems += [f"audit: {p}" for p in problems_in(shown, "tr", english, from_config)]
    assert problems == [], "\n".join(problems)
