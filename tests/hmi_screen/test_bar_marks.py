"""The overview's bars tell the truth about their marks and emphasise a value above its normal band (#15 review).

1. The torque bar's guard mark is ML's load ceiling (control.torque_ceiling_pct: ML cuts the descent at
   once above it) and says so ("ML ceiling 100"); the torque guard acts on a rise and has no level. The
   current bar's mark is the current at that ceiling, named the same.
2. ML held cuts at 93-96 % torque, above the normal band (10-80 %), and the bar showed no emphasis: a value
   above its normal band is "high" (a darker grey fill, a grey box behind the numeral), amber only past
   the guard, red past the trip.
"""

from __future__ import annotations

from collections.abc import Callable

import pytest
from PySide6.QtGui import QColor, QImage
from PySide6.QtWidgets import QApplication

from core.config import Settings
from core.snapshot import SawState
from core.testing.standin_engine import StandInEngine
from hmi.bridge import EngineBridge
from hmi.i18n import Translator
from hmi.pages.trends import make_panels
from hmi.theme import apply_theme
from hmi.widgets.analog_bar import FILL, GUARD, HIGH, OVERLOAD, AnalogBar, BarScale, guard_name
from hmi.widgets.cut_overview import CutOverview

pytestmark = pytest.mark.gui

CUT = {"saw_state": float(SawState.CUTTING), "head_height": 60.0, "cutting_speed_actual": 70.0,
       "cutting_speed": 70.0, "descent_speed_actual": 30.0, "descent_speed": 30.0}


def _pixel(widget: AnalogBar, x: float, y: float) -> QColor:
    image: QImage = widget.grab().toImage()
    return image.pixelColor(int(x), int(y))


def test_above_the_normal_band_is_high_in_grey_then_amber_then_red(qtbot: object) -> None:
    bar = AnalogBar(BarScale(0, 150, normal=(10, 80), guard=100, overload=120))
    qtbot.addWidget(bar)  # type: ignore[attr-defined]
    bar.resize(300, 40)
    y = 10 + (40 - 10) / 2
    for value, level, colour in ((50, "normal", FILL), (80, "normal", FILL), (94, "high", HIGH),
                                 (100, "guard", GUARD), (130, "overload", OVERLOAD)):
        bar.set_value(value)
        assert bar.level() == level, value
        assert _pixel(bar, 4, y) == colour, value
    bar.set_value(3)  # below the band: the band running free, nothing abnormal
    assert bar.level() == "normal"
    no_band = AnalogBar(BarScale(0, 100, guard=90))
    qtbot.addWidget(no_band)  # type: ignore[attr-defined]
    no_band.set_value(85)
    assert no_band.level() == "normal"  # no normal band: nothing to be above


def test_the_guard_mark_is_mls_load_ceiling(settings: Settings) -> None:
    bars = settings.hmi.bars
    assert bars["band_torque"].guard == settings.control.torque_ceiling_pct
    assert guard_name(settings, "band_torque", bars["band_torque"].guard) == "ML ceiling"
    assert guard_name(settings, "band_current", bars["band_current"].guard) == "ML ceiling"
    assert guard_name(settings, "band_torque", 105.0) == "guard"  # a plant's own mark is no ceiling
    limits = {panel.title: [s.label for s in panel.limits] for panel in make_panels(settings) if panel.limits}
    assert all(labels[0] == "ML ceiling" for labels in limits.values()), limits  # the trends say the same


def test_ml_holding_the_torque_above_normal_is_emphasised_and_the_marks_named(
        qapp: QApplication, bridge: EngineBridge, fake_engine: StandInEngine, push: Callable[..., None],
        qtbot: object, tmp_path_factory: pytest.TempPathFactory) -> None:
    fake_engine.started = True
    overview = CutOverview(bridge)
    qtbot.addWidget(overview)  # type: ignore[attr-defined]
    overview.resize(1240, 600)
    bridge.refresh()
    a2, a1, a0 = fake_engine.settings.ml.current_polynomial
    push(dict(CUT, band_torque=95.0, band_current=a2 * 95**2 + a1 * 95 + a0))  # the reviewer's ML cut
    torque, current = overview.rows["band_torque"], overview.rows["band_current"]
    for row in (torque, current):
        assert row.bar.level() == "high" and row.value.property("state") == "high", row.register.name
    assert torque.target.text() == "normal 10–80 %\nML ceiling 100 · trip 120 %"
    assert current.target.text() == "normal 14–89 A\nML ceiling 138 · trip 198 A"
    apply_theme(qapp)
    translator = Translator.install(qapp, cache=tmp_path_factory.mktemp("qm"))
    try:
        def behind_numeral() -> QColor:  # what the row shows at the numeral's corner (its box, or the row)
            torque.value.style().polish(torque.value)
            corner = torque.value.geometry().topLeft()
            return torque.grab().toImage().pixelColor(corner.x() + 2, corner.y() + 2)

        overview.show()  # laid out: the numeral where the row draws it
        high = behind_numeral()
        push(dict(CUT, band_torque=50.0, band_current=30.0))
        assert torque.bar.level() == "normal" and torque.value.property("state") == "normal"
        normal = behind_numeral()
        assert high != normal and high.lightness() < normal.lightness()  # the box behind the numeral: grey
        assert high.saturation() < 20  # ISA-101: no colour short of the guard
        assert translator.switch("tr")
        qapp.processEvents()  # the language change reaches the rows (not inside a qasync task)
        assert torque.target.text() == "normal %10–%80\nML tavanı %100 · açma %120"
        assert current.target.text() == "normal 14–89 A\nML tavanı 138 · açma 198 A"
    finally:
        translator.switch("en")
        qapp.setStyleSheet("")
