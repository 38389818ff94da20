"""The overview on the kiosk panel (1280x800), English and Turkish: numerals never clipped, a
progress column that never moves with the state word.

A reviewer saw 300 mm/min (the approach) as "00,0" in Turkish: the numeral box was narrower than
five characters. Each key numeral is shown at its register's largest value (its max, or what its
type can carry) and must fit the label's contents; the progress column's geometry is the same for
every saw state.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator
from typing import Any

import pytest
from PySide6.QtWidgets import QApplication, QDialog

from core.snapshot import SawState
from hmi.cut_clock import CutView
from hmi.i18n import Translator
from hmi.main_window import MainWindow
from hmi.session import Session
from hmi.theme import apply_theme
from hmi.widgets.cut_overview import CutOverview, next_step, widest_times
from tests.hmi_screen.panel_fit import close_window


@pytest.fixture
def push(fake_engine: Any) -> Callable[..., None]:
    """One poll, delivered by the window's own bridge (flushed here as its event loop would)."""

    def poll(values: dict[str, float]) -> None:
        fake_engine.push(values)
        for window in QApplication.topLevelWidgets():
            if isinstance(window, MainWindow):
                window.bridge.flush()

    return poll


@pytest.fixture(params=["en", "tr"])
def overview(request: pytest.FixtureRequest, translator: Translator, qapp: QApplication, fake_engine: Any,
             push: Callable[..., None]) -> Iterator[CutOverview]:
    assert translator.switch(request.param)
    apply_theme(qapp)
    window = MainWindow(fake_engine, Session.default(kiosk=True))
    window.bridge.attach()  # as the application does
    window.resize(1280, 800)
    window.show()
    window.set_kiosk(True, full_screen=False)
    window.show_page("dashboard")
    push({"saw_state": float(SawState.CUTTING), "head_height": 50.0, "dimension_a": 100.0})
    qapp.processEvents()
    yield window.pages["dashboard"].cut  # type: ignore[attr-defined]
    close_window(qapp, window)


def _largest(register: Any, bar: Any) -> float:
    """The register's max; a reading without one: its configured bar's top, else its type's range."""
    if register.max is not None:
        return float(register.max)
    return float(bar.maximum) if bar is not None else register.type.raw_range[1] * register.scale


def test_every_key_numeral_fits_at_its_largest_value(overview: CutOverview, push: Callable[..., None],
                                                     qapp: QApplication) -> None:
    bars = overview.bridge.engine.settings.hmi.bars
    values = {name: _largest(row.register, bars.get(name)) for name, row in overview.rows.items()}
    # the shipped map and config (the current bar's range derived from the torque bar: core.config)
    assert values["descent_speed_actual"] > 300 and values["band_current"] == 250
    values["descent_speed_actual"] = 300.0  # the approach, as the reviewer saw it
    for name, value in [*values.items(), ("descent_speed_actual", 300.0)]:
        push({name: value})
        qapp.processEvents()
        label = overview.rows[name].value
        shown = label.text()
        assert shown not in ("", "—"), name
        needed = label.fontMetrics().horizontalAdvance(shown)
        assert needed <= label.contentsRect().width(), f"{name} {shown!r}: {needed} px > {label.contentsRect().width()}"
    push(dict.fromkeys(values, 300.0))
    qapp.processEvents()
    assert overview.rows["descent_speed_actual"].value.text() in ("300.0", "300,0")
    assert overview.window().width() <= 1280  # the wider numerals still fit the panel
    assert overview.rows["band_torque"].bar.width() >= 240  # and leave the bars room


def test_a_lifting_head_is_shown_as_the_return_not_as_a_descent(overview: CutOverview, push: Callable[..., None],
                                                                qapp: QApplication) -> None:
    """While the head lifts the descent speed reads -300 mm/min (int16). A reviewer first saw "300,0"
    (the sign clipped: it read as a +300 approach), then "-300,0" against "target 30,0 mm/min",
    marked off-target, at every cut's end. The row says what happens: the head's return at
    300 mm/min, the head going up, no target, nothing marked; the numeral whole."""
    before = overview.rows["descent_speed_actual"].title.text()
    push({"saw_state": float(SawState.COMPLETED), "descent_speed_actual": -300.0, "descent_speed": 30.0})
    qapp.processEvents()
    row = overview.rows["descent_speed_actual"]
    shown = row.value.text()
    assert shown in ("300.0", "300,0"), shown
    assert row.title.text() in ("Head return", "Kafa dönüşü") and row.title.text() != before
    assert row.target.text() in ("head going up, not cutting", "kafa yukarı çıkıyor, kesim yok")
    assert row.target.property("state") == "normal" and row.bar.value() is None
    needed = row.value.fontMetrics().horizontalAdvance(shown)
    assert needed <= row.value.contentsRect().width(), f"{shown!r}: {needed} px > {row.value.contentsRect().width()}"
    assert row.title.heightForWidth(row.title.width()) <= row.title.height()  # the title whole
    assert overview.window().width() <= 1280
    assert overview.rows["band_torque"].bar.width() >= 240
    push({"saw_state": float(SawState.CUTTING), "descent_speed_actual": 29.0})  # the next cut: a descent again
    qapp.processEvents()
    assert row.title.text() == before and row.value.text() in ("29.0", "29,0")
    assert row.target.text().startswith(("target", "hedef"))


@pytest.mark.parametrize("state", [SawState.COMPLETED, SawState.IDLE, SawState.READY, SawState.PREPARING])
def test_off_target_is_marked_only_while_cutting(overview: CutOverview, push: Callable[..., None],
                                                 qapp: QApplication, state: SawState) -> None:
    """At a cut's end the band stands (0 of 70 m/min): no deviation from the target then, nothing
    marked; while cutting the same difference is marked."""
    push({"saw_state": float(SawState.CUTTING), "cutting_speed_actual": 0.0, "cutting_speed": 70.0,
          "descent_speed_actual": 12.0, "descent_speed": 30.0})
    qapp.processEvents()
    speed, descent = overview.rows["cutting_speed_actual"], overview.rows["descent_speed_actual"]
    assert speed.target.property("state") == "off" and descent.target.property("state") == "off"
    push({"saw_state": float(state)})
    qapp.processEvents()
    assert speed.target.property("state") == "normal" and descent.target.property("state") == "normal"
    assert speed.target.text() in ("target 70 m/min", "hedef 70 m/dk")  # the next cut's setpoint, plain


def test_the_progress_column_stays_put_for_every_state(overview: CutOverview, push: Callable[..., None],
                                                       qapp: QApplication) -> None:
    geometries = {}
    for state in SawState:
        push({"saw_state": float(state)})
        qapp.processEvents()
        geometries[state.name] = [w.geometry() for w in (overview.state_label, overview.progress, overview.times,
                                                         overview.next_label, overview.section_label)]
        label = overview.state_label
        assert label.fontMetrics().horizontalAdvance(label.text()) <= label.contentsRect().width(), state.name
    first = next(iter(geometries.values()))
    moved = {name: g for name, g in geometries.items() if g != first}
    assert not moved, f"{moved} != {first}"
    for text in (overview.times, overview.next_label):  # never cut: the wrapped text fits its two lines
        assert text.heightForWidth(text.width()) <= text.height() or not text.text(), text.text()



def test_the_ml_question_is_a_dialog_and_nothing_moves(overview: CutOverview, qapp: QApplication) -> None:
    from PySide6.QtWidgets import QWidget

    from hmi.dialogs.confirm import ConfirmDialog

    page: Any = overview.parentWidget()
    shown = [w for w in page.findChildren(QWidget) if w.isVisible()]
    before = [w.geometry() for w in shown]
    page._on_ml_clicked(True)  # the operator taps "ML speed control"
    qapp.processEvents()
    dialogs = [d for d in page.findChildren(ConfirmDialog) if d.isVisible()]
    assert len(dialogs) == 1 and dialogs[0].isWindow()  # asked in a dialog, not inline on the page
    assert [w.geometry() for w in shown] == before
    dialogs[0].close()


def test_the_longest_times_fit_their_one_line(overview: CutOverview) -> None:
    """The times line has one line reserved (two made the page scroll with the link banner on the
    real engine): the longest it can read must fit it, in English and Turkish."""
    label = overview.times
    text = widest_times()
    assert "59:59" in text and "888" in text
    assert label.fontMetrics().horizontalAdvance(text) <= label.contentsRect().width(), text
    assert label.height() < 2 * label.fontMetrics().lineSpacing()  # one line, not two


@pytest.mark.parametrize("remaining", [None, float("nan")])
def test_the_next_step_reads_naturally_without_an_estimate(overview: CutOverview, remaining: float | None) -> None:
    """Early in a cut the time left is unknown: the next line said "Next: cut ends in —, then ..."
    ("Sonraki: kesim — içinde bitiyor")."""
    view = CutView(SawState.CUTTING, 0.1, 3.0, remaining, 4.0, 100.0)
    text = next_step(view, alarm=False)
    assert "—" not in text and text.startswith(("Next:", "Sonraki:")), text
    assert "—" not in next_step(CutView(SawState.CUTTING, 0.5, 60.0, 61.0, 50.0, 100.0), alarm=False)


@pytest.mark.parametrize("replay", [False, True], ids=["live", "replay"])
@pytest.mark.parametrize("kiosk", [False, True], ids=["normal", "kiosk"])
@pytest.mark.parametrize("admin", [False, True], ids=["operator", "admin"])
@pytest.mark.parametrize("lang", ["en", "tr"])
def test_the_page_fits_the_panel_without_a_scroll_bar(translator: Translator, qapp: QApplication, fake_engine: Any,
                                                      push: Callable[..., None], lang: str, admin: bool, kiosk: bool,
                                                      replay: bool) -> None:
    """The whole dashboard on 1280x800 for whoever is at the screen: the admin's status lamps pushed
    a scroll bar in (the normal window, with the menu bar), and during a replay "MQTT: off" was cut at
    the bottom. Every widget of the page shown whole, and no scroll bar, in every combination."""
    import asyncio
    from dataclasses import replace

    from core.api import ControllerStatus, Priority, ReplayState

    assert translator.switch(lang)
    apply_theme(qapp)
    fake_engine.alarms.update("plc.bit.3", True, "PLC: band deviation above 0.5 mm", priority=Priority.HIGH,
                              value=0.62)
    window = MainWindow(fake_engine, Session.default(kiosk=kiosk))
    try:
        window.bridge.attach()
        window.resize(1280, 800)
        window.show()
        if kiosk:
            window.set_kiosk(True, full_screen=False)
        if admin:
            fake_engine.access.create_first_admin("alice", "1357", by="test")
            assert asyncio.run(window.sessions.login("alice", "1357")).ok
        window.show_page("dashboard")
        push({"saw_state": float(SawState.CUTTING), "head_height": 50.0, "dimension_a": 76.1, "dimension_b": 6.3,
              "cross_section": 2.0})
        window.bridge.refresh()
        assert window.link_banner.isHidden()
        if replay:
            playing = replace(fake_engine.replay_status(), state=ReplayState.PLAYING, start_ms=1, end_ms=60_001,
                              position_ms=1, label="cut 2")
            window.bridge.replay_changed.emit(playing)
        push({"head_height": 49.0})  # fresh values: no link banner (a slow run let the first grow old)
        window.bridge.refresh()
        qapp.processEvents()
        page: Any = window.pages["dashboard"]
        assert window.link_banner.isHidden()
        assert window.size().width() <= 1280 and window.size().height() <= 800, window.size()
        assert page.lamps["mqtt"].isVisible() == admin  # the engineering lamps: for who can act on them
        assert window.replay_bar.isVisible() == replay
        area = window.page_area
        assert not area.verticalScrollBar().isVisible(), "the dashboard scrolls"
        assert not area.horizontalScrollBar().isVisible(), "the dashboard scrolls sideways"
        viewport = area.viewport().rect()
        shown = [*page.preset_buttons.values(), page.ml_toggle, page.mode_label, page.info,
                 *page.lamps.values(), *page.cut.rows.values()]
        for widget in shown:
            if not widget.isVisible():
                continue
            rect = widget.rect().translated(widget.mapTo(area.viewport(), widget.rect().topLeft()))
            assert viewport.contains(rect), (type(widget).__name__, widget.objectName(), rect, viewport)
            assert widget.height() >= widget.minimumSizeHint().height(), (widget.objectName(), widget.height())
        for mode, control in (("manual", None), ("ml", None), ("ml", ControllerStatus(controlling=True)),
                              ("ml", ControllerStatus(controlling=True, paused_reason="overrides"))):
            page._show_mode(mode, control)  # every mode line on one line, whole
            label = page.mode_label
            assert label.fontMetrics().horizontalAdvance(label.text()) <= label.contentsRect().width(), label.text()
    finally:
        for dialog in window.findChildren(QDialog):
            dialog.close()
        window.bridge.detach()
        window.finish()
        window.deleteLater()
        qapp.setStyleSheet("")
        qapp.processEvents()
