"""A number and its unit never break across lines (#15 review: the Turkish range warning of the write
dialog broke "mm/dk" after the slash): every unit of the map at every width, and the write dialog's
warning, refusal and question wrapped at the theme's fonts in the 1280x800 window, desktop and kiosk."""

from __future__ import annotations

import re
from collections.abc import Callable

import pytest
from PySide6.QtWidgets import QApplication, QLabel

from core.registers import UNIT_TEXTS, RegisterMap
from core.testing.standin_engine import StandInEngine
from hmi.formatting import format_g, plain_text, unit_name, with_unit
from hmi.i18n import Translator
from hmi.pages.registers import RegistersPage
from hmi.theme import apply_theme
from tests.hmi_screen.panel_fit import panel_window, wrapped_lines


@pytest.fixture(params=["en", "tr"])
def lang(request: pytest.FixtureRequest, translator: Translator) -> str:
    assert translator.switch(request.param)
    return str(request.param)


def _units(register_map: RegisterMap) -> list[str]:
    return sorted({r.unit for r in register_map if r.unit} | {"%", "s", "min", "h", *UNIT_TEXTS["tr"]})


def _unit_pattern(register_map: RegisterMap) -> re.Pattern[str]:
    """A number and a unit of the screen's language, whatever joins them (a space, a no-break space;
    a word joiner after the unit's slash): the spans no line may break."""
    names = sorted({unit_name(u) for u in _units(register_map)}, key=len, reverse=True)
    units = "|".join(re.escape(name).replace("/", "/\u2060?") for name in names)
    return re.compile(rf"%?[-+]?\d[\d.,]*[ \u00a0](?:{units})(?![\w/])|%[-+]?\d[\d.,]*")


def broken_units(text: str, lines: list[str], pattern: re.Pattern[str]) -> list[str]:
    """The number-with-unit spans of ``text`` that ``lines`` break."""
    ends, at = set(), 0
    for line in lines[:-1]:
        at += len(line)
        ends.add(at)
    return [m.group(0) for m in pattern.finditer(text) if any(m.start() < end < m.end() for end in ends)]


def test_a_number_and_its_unit_never_break(qapp: QApplication, lang: str, register_map: RegisterMap) -> None:
    """Every unit of the map in the screen's language, at every width: one unbreakable piece."""
    apply_theme(qapp)
    try:
        label = QLabel()
        label.ensurePolished()
        font = label.font()
        for unit in _units(register_map):
            text = with_unit(format_g(-150.5), unit)
            for width in range(1, label.fontMetrics().horizontalAdvance(text) + 2):
                lines = wrapped_lines(text, font, width)
                assert len(lines) == 1, (unit, width, lines)
    finally:
        qapp.setStyleSheet("")


@pytest.mark.parametrize("kiosk", [False, True], ids=["desktop", "kiosk"])
def test_the_write_dialogs_range_warning_keeps_every_unit_whole(qapp: QApplication, lang: str,
                                                                 fake_engine: StandInEngine,
                                                                 push: Callable[..., None], kiosk: bool,
                                                                 register_map: RegisterMap) -> None:
    """The Turkish range warning broke "mm/dk" across two lines ("… 200 mm/" | "dk …"): the preview, the
    refusal and the confirmation question wrapped at the dialog's width and at any narrower one keep
    each number with its unit."""
    pattern = _unit_pattern(register_map)
    with panel_window(qapp, fake_engine, push, kiosk=kiosk, admin=True) as window:
        window.show_page("registers")
        page = window.pages["registers"]
        assert isinstance(page, RegistersPage)
        page.select("descent_speed")
        dialog = page.open_write_for_selection()
        assert dialog is not None
        qapp.processEvents()
        problems: list[str] = []
        for typed, label in (("200", dialog.preview), ("-2000000", dialog.preview), ("200", dialog.status),
                             ("45", dialog.status)):
            dialog.entry.setText(typed)
            if label is dialog.status:
                dialog.submit()  # a refusal (out of range) or the confirmation question
            qapp.processEvents()
            text = label.text()
            assert pattern.search(text), text  # a number with its unit is there to keep whole
            room = label.contentsRect().width()
            for width in range(room, 120, -3):
                lines = wrapped_lines(text, label.font(), width)
                problems += [f"{typed} at {width} px: {plain_text(span)!r} broken in {lines}"
                             for span in broken_units(text, lines, pattern)]
            dialog._back()
        assert not problems, "\n".join(problems[:10])
