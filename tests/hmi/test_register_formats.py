"""Every raw/address format of the register inspector, switched the way a user does (the combo boxes)."""

from __future__ import annotations

from PySide6.QtCore import Qt

from core.registers import RegisterMap
from core.testing.standin_engine import StandInEngine
from hmi.bridge import EngineBridge
from hmi.formatting import RawFormat, format_coded, format_raw
from hmi.models.register_table import Column, RegisterTableModel

EXPECTED_RAW = {  # register, value -> raw words per format
    ("band_deviation", -0.25): {RawFormat.DECIMAL: "65511", RawFormat.HEX: "0xFFE7", RawFormat.SIGNED: "-25"},
    ("band_current", 17.3): {RawFormat.DECIMAL: "173", RawFormat.HEX: "0x00AD", RawFormat.SIGNED: "173"},
    ("band_power", -2.0): {RawFormat.DECIMAL: "49152 0", RawFormat.HEX: "0xC000 0x0000",
                           RawFormat.SIGNED: "-16384 0"},
    ("energy_total", 70.0): {RawFormat.DECIMAL: "1 4464", RawFormat.HEX: "0x0001 0x1170",
                             RawFormat.SIGNED: "1 4464"},
}


def test_every_format_through_the_combo_boxes(qtbot: object, bridge: EngineBridge, fake_engine: StandInEngine) -> None:
    from hmi.pages.registers import RegistersPage
    from hmi.session import Session

    page = RegistersPage(bridge, Session("engineer", kiosk=False))
    qtbot.addWidget(page)  # type: ignore[attr-defined]
    page.show()
    fake_engine.push({name: value for name, value in EXPECTED_RAW})
    bridge.flush()  # the bridge delivers outside the poll cycle
    for (name, _value), by_format in EXPECTED_RAW.items():
        page.select(name)
        model = page.models[page.current_group()]
        row = model.row_of(name)
        for index in range(page.raw_format.count()):
            page.raw_format.setCurrentIndex(index)  # currentData() comes back as a plain str
            fmt = RawFormat(page.raw_format.currentData())
            assert model.data(model.index(row, Column.RAW)) == by_format[fmt], (name, fmt)
            header = model.headerData(Column.RAW, Qt.Orientation.Horizontal)
            assert header == ("Raw" if fmt is RawFormat.DECIMAL else f"Raw ({fmt.value})")
        for index in range(page.address_format.count()):
            page.address_format.setCurrentIndex(index)
            fmt = RawFormat(page.address_format.currentData())
            address = model.register_at(row).address
            expected = f"0x{address:04X}" if fmt is RawFormat.HEX else str(address)
            assert model.data(model.index(row, Column.ADDRESS)) == expected
            assert model.headerData(Column.ADDRESS, Qt.Orientation.Horizontal) in ("Address", "Address (hex)")


def test_model_accepts_the_str_a_combo_returns(register_map: RegisterMap, fake_engine: StandInEngine) -> None:
    model = RegisterTableModel(register_map.in_group("motor"), stale_after_s=1.0)
    model.update_snapshot(fake_engine.push({"band_deviation": -0.25}))
    model.set_format(Column.RAW, "hex")
    assert model.formats[Column.RAW] is RawFormat.HEX
    assert model.headerData(Column.RAW, Qt.Orientation.Horizontal) == "Raw (hex)"


def test_coded_registers_show_their_names_and_values_their_decimals(register_map: RegisterMap) -> None:
    assert format_coded(register_map["saw_state"], 3.0) == "CUTTING (3)"
    assert format_coded(register_map["cross_section"], 2.0) == "tube (2)"
    assert format_coded(register_map["saw_state"], 9.0) == "9"  # an unknown code keeps its number
    assert format_coded(register_map["descent_speed"], 30.0) == "30.00"  # scale 0.01: two decimals
    assert format_coded(register_map["cutting_speed"], 70.0) == "70"  # scale 1
    assert format_raw(register_map["saw_state"], None, "signed") == "—"


def test_alarm_texts_write_values_with_the_screens_decimals(register_map: RegisterMap) -> None:
    from core.analysis.messages import signal_texts
    from hmi.formatting import decimals_for

    texts = signal_texts(register_map.registers)
    assert {name: text.decimals for name, text in texts.items()} == {
        r.name: decimals_for(r) for r in register_map.registers}
