"""The register table model: only changed cells signal, formats per column, staleness, ages."""

from __future__ import annotations

import time

from PySide6.QtCore import QModelIndex, Qt
from PySide6.QtWidgets import QApplication

from core.registers import RegisterMap
from core.testing.standin_engine import StandInEngine
from hmi.formatting import RawFormat, format_raw
from hmi.models.register_table import Column, RegisterTableModel


def _collect(model: RegisterTableModel) -> list[tuple[int, int, int, int]]:
    changes: list[tuple[int, int, int, int]] = []

    def record(top: QModelIndex, bottom: QModelIndex, _roles: object = None) -> None:
        changes.append((top.row(), top.column(), bottom.row(), bottom.column()))

    model.dataChanged.connect(record)
    return changes


def test_only_changed_cells_update(fake_engine: StandInEngine, register_map: RegisterMap) -> None:
    model = RegisterTableModel(register_map.in_group("motor"), stale_after_s=1.0)
    now = time.monotonic()
    model.update_snapshot(fake_engine.push(monotonic=now))
    changes = _collect(model)
    model.update_snapshot(fake_engine.push({"band_current": 17.3}, monotonic=now + 0.1))
    row = model.row_of("band_current")
    assert sorted(changes) == [(row, Column.RAW, row, Column.RAW), (row, Column.VALUE, row, Column.VALUE)]
    index = model.index(row, Column.VALUE)
    assert model.data(index) == "17.3"
    assert model.data(model.index(row, Column.RAW)) == "173"


def test_ticks_update_age_cells_only_when_text_changes(fake_engine: StandInEngine, register_map: RegisterMap) -> None:
    model = RegisterTableModel(register_map.in_group("vibration"), stale_after_s=1.0)
    now = time.monotonic()
    model.update_snapshot(fake_engine.push(monotonic=now))
    changes = _collect(model)
    model.tick(now + 0.01)  # still "0.0 s": nothing to repaint
    assert changes == []
    model.tick(now + 0.5)
    assert {c[1] for c in changes} == {Column.AGE}
    changes.clear()
    model.tick(now + 1.5)  # stale now: raw/value/age change colour
    assert {c[1] for c in changes} == {Column.RAW, Column.VALUE, Column.AGE}
    assert model.data(model.index(0, Column.VALUE), Qt.ItemDataRole.ForegroundRole) is not None


def test_formats_per_column(fake_engine: StandInEngine, register_map: RegisterMap) -> None:
    model = RegisterTableModel(register_map.in_group("motor"), stale_after_s=1.0)
    model.update_snapshot(fake_engine.push({"band_deviation": -0.25}))
    row = model.row_of("band_deviation")  # int16, scale 0.01
    raw = model.index(row, Column.RAW)
    assert model.data(raw) == str(0x10000 - 25)  # decimal: the word as read
    model.set_format(Column.RAW, RawFormat.SIGNED)
    assert model.data(raw) == "-25"
    model.set_format(Column.RAW, RawFormat.HEX)
    assert model.data(raw) == "0xFFE7"
    model.set_format(Column.ADDRESS, RawFormat.HEX)
    assert model.data(model.index(row, Column.ADDRESS)) == "0x07E5"
    assert model.headerData(Column.RAW, Qt.Orientation.Horizontal) == "Raw (hex)"
    assert model.data(model.index(row, Column.VALUE)) == "-0.25"


def test_float_and_32_bit_raw_formats(register_map: RegisterMap) -> None:
    power = register_map["band_power"]
    assert format_raw(power, 1.0, RawFormat.HEX) == "0x3F80 0x0000"  # the register words, not a float
    energy = register_map["energy_total"]
    assert format_raw(energy, 70000, RawFormat.HEX) == "0x0001 0x1170"


def test_registers_page_refreshes_only_the_visible_table(
    qtbot: object, bridge: object, fake_engine: StandInEngine
) -> None:
    from hmi.pages.registers import RegistersPage
    from hmi.session import Session

    page = RegistersPage(bridge, Session("engineer", kiosk=False))  # type: ignore[arg-type]
    qtbot.addWidget(page)  # type: ignore[attr-defined]
    page.show()
    fake_engine.push({"band_current": 12.3, "vibration_x": 0.5})
    QApplication.processEvents()  # the bridge shows it after the poll cycle
    motor, vibration = page.models["motor"], page.models["vibration"]
    assert motor.value_of("band_current") == 12.3
    assert vibration.value_of("vibration_x") is None  # hidden tab: not refreshed
    page.select("vibration_x")  # shown: catches up from the newest snapshot
    assert vibration.value_of("vibration_x") == 0.5
