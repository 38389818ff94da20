"""The overview built around the cut: progress, times, next step, bars against limits, real section."""

from __future__ import annotations

from collections.abc import Callable

import pytest
from PySide6.QtWidgets import QApplication

from core.snapshot import SawState
from core.testing.standin_engine import StandInEngine
from hmi.bridge import EngineBridge
from hmi.cut_clock import CutClock, format_duration
from hmi.formatting import plain_text
from hmi.i18n import Translator
from hmi.theme import apply_theme
from hmi.widgets.cut_overview import CutOverview
from hmi.widgets.section_view import Shape

CUT = {"saw_state": float(SawState.CUTTING), "dimension_a": 100.0, "cross_section": 0.0, "descent_speed_actual": 30.0}


def test_clock_progress_elapsed_remaining_and_completed_is_100() -> None:
    clock = CutClock()
    assert clock.feed({"saw_state": float(SawState.READY), "head_height": 100.0, "dimension_a": 100.0}, 0).elapsed_s \
        is None
    view = clock.feed(dict(CUT, head_height=100.0), 1_000)
    assert view.fraction == 0.0 and view.elapsed_s == 0.0
    view = clock.feed(dict(CUT, head_height=40.0), 121_000)
    assert view.fraction == pytest.approx(0.6) and view.elapsed_s == pytest.approx(120.0)
    assert view.remaining_s == pytest.approx(40.0 / 30.0 * 60.0)  # 40 mm left at 30 mm/min
    done = clock.feed({"saw_state": float(SawState.COMPLETED), "head_height": 98.5, "dimension_a": 100.0}, 200_000)
    assert done.fraction == 1.0 and done.elapsed_s == pytest.approx(120.0) and done.remaining_s is None
    idle = clock.feed({"saw_state": float(SawState.IDLE), "head_height": 120.0}, 210_000)
    assert idle.fraction is None and idle.elapsed_s is None
    assert format_duration(83) == "1:23" and format_duration(3725) == "1:02:05" and format_duration(None) == "—"


def test_clock_ignores_noise_and_bad_values() -> None:
    clock = CutClock()
    clock.feed(dict(CUT, head_height=100.0), 0)
    for i, speed in enumerate((30.0, 60.0, 0.0, float("nan"), 30.0)):
        view = clock.feed(dict(CUT, head_height=50.0, descent_speed_actual=speed), 1000 * (i + 1))
    assert view.remaining_s is not None and 50.0 < view.remaining_s < 120.0  # smoothed: no jump to 50 s or inf
    assert clock.feed({"saw_state": None}, 9_000).state == SawState.CUTTING  # a failed poll keeps the state


@pytest.fixture
def overview(qtbot: object, bridge: EngineBridge, fake_engine: StandInEngine) -> CutOverview:
    fake_engine.started = True
    widget = CutOverview(bridge)
    qtbot.addWidget(widget)  # type: ignore[attr-defined]
    widget.resize(1240, 600)
    bridge.refresh()
    return widget


def test_overview_shows_the_cut(overview: CutOverview, push: Callable[..., None], fake_engine: StandInEngine) -> None:
    live = dict(CUT, cutting_speed_actual=64.0, cutting_speed=70.0, descent_speed=30.0, band_current=24.6,
                band_torque=104.0)
    push(dict(live, head_height=100.0))
    push(dict(live, head_height=55.0))
    assert overview.state_label.text() == "CUTTING"
    assert plain_text(overview.progress.format()) == "45 %" and overview.progress.value() == 450
    assert "remaining 1:50" in overview.times.text() and "45 of 100 mm" in overview.times.text()
    assert overview.next_label.text() == "Next: cut ends in 1:50, then the saw lifts the band"
    speed = overview.rows["cutting_speed_actual"]
    assert speed.value.text() == "64" and speed.target.text() == "target 70 m/min"
    assert speed.target.property("state") == "off"  # 64 is not 70: marked
    torque = overview.rows["band_torque"]
    assert torque.bar.level() == "guard" and torque.value.property("state") == "guard"
    assert torque.target.text() == "normal 10–80 %\nML ceiling 100 · trip 120 %"
    assert overview.section.section() is not None and overview.section.section().shape == Shape.ROUND  # type: ignore[union-attr]
    assert overview.section_label.text() == "round bar Ø 100\u00a0mm"  # "mm" never alone on a line
    push({"cross_section": float(Shape.RECTANGLE), "dimension_a": 40.0, "dimension_b": 100.0})
    assert overview.section_label.text() == "rectangle 40\u00a0×\u00a0100\u00a0mm"
    push({"saw_state": float(SawState.COMPLETED), "head_height": 98.5})
    assert overview.state_label.text() == "COMPLETED" and plain_text(overview.progress.format()) == "100 %"
    assert overview.next_label.text().startswith("Next: remove the cut piece")


def test_overview_greys_out_without_link(overview: CutOverview, push: Callable[..., None],
                                         bridge: EngineBridge) -> None:
    push(dict(CUT, head_height=60.0, band_current=20.0))
    push(fail=True)
    bridge.refresh()
    assert overview.state_label.property("state") == "stale"
    assert overview.rows["band_current"].value.property("state") == "stale"


def test_readable_at_two_metres_and_in_turkish(overview: CutOverview, push: Callable[..., None], qapp: QApplication,
                                               tmp_path_factory: pytest.TempPathFactory) -> None:
    apply_theme(qapp)
    translator = Translator.install(qapp, cache=tmp_path_factory.mktemp("qm"))
    try:
        overview.ensurePolished()
        for row in overview.rows.values():
            row.ensurePolished()
            for label in (row.value, row.title, row.unit, row.target):
                label.ensurePolished()
            assert 60 <= row.value.fontMetrics().capHeight() <= 80, row.register.name  # digit height in px
            for label in (row.title, row.unit, row.target):
                assert label.fontInfo().pixelSize() >= 18, label.text()
        translator.switch("tr")
        push(dict(CUT, head_height=50.0, descent_speed_actual=12.5))
        assert overview.state_label.text() == "KESİYOR"
        assert overview.rows["descent_speed_actual"].value.text() == "12,5"
    finally:
        translator.switch("en")
        qapp.setStyleSheet("")
