"""The register inspector: a search across every tab, decimals per unit, touch sizes in kiosk."""

from __future__ import annotations

from collections.abc import Callable

from PySide6.QtCore import Qt
from PySide6.QtWidgets import QApplication

from core.registers import RegisterMap
from core.testing.standin_engine import StandInEngine
from hmi.bridge import EngineBridge
from hmi.formatting import unit_decimals
from hmi.kiosk import TOUCH_PX, apply_touch_sizes, touch_violations
from hmi.models.register_table import Column, RegisterTableModel
from hmi.pages.registers import ALL, RegistersPage
from hmi.session import Session


def _page(qtbot: object, bridge: EngineBridge, *, kiosk: bool = False) -> RegistersPage:
    page = RegistersPage(bridge, Session("engineer", kiosk=kiosk))
    qtbot.addWidget(page)  # type: ignore[attr-defined]
    page.resize(1280, 700)
    page.show()
    return page


def _names(page: RegistersPage, key: str) -> list[str]:
    proxy = page.proxies[key]
    return [str(proxy.index(row, Column.NAME).data()) for row in range(proxy.rowCount())]


def test_search_covers_every_tab(qtbot: object, bridge: EngineBridge, register_map: RegisterMap) -> None:
    page = _page(qtbot, bridge)
    assert page.current_group() == "motor"
    page.search.setText("torque")  # typed on the desktop
    assert page.current_group() == ALL  # the results across all groups
    assert sorted(_names(page, ALL)) == ["band_torque", "descent_torque"]
    titles = [page.tabs.tabText(i) for i in range(page.tabs.count())]
    assert "Motor && mechanical (2)" in titles and "All registers (2)" in titles and "Vibration (0)" in titles
    assert page.matches_label.text() == f"2 of {len(register_map)} registers match “torque”"
    page.search.setText("0x7d0")  # an address in hex finds head_height @ 2000
    assert _names(page, ALL) == ["head_height"]
    page.search.setText("2000")
    assert "head_height" in _names(page, ALL)
    page.search.setText("cutting state")  # every word; coded names are searched too
    assert _names(page, ALL) == ["saw_state"]
    page.search.setText("cutting rw")
    assert _names(page, ALL) == ["cutting_speed"]
    page.search.setText("no such thing")
    assert page.proxies[ALL].rowCount() == 0 and page.empty_hint.isVisible()
    assert page.matches_label.text() == "No register matches “no such thing”"
    page.clear_button.click()
    assert page.proxies[ALL].rowCount() == len(register_map) and not page.empty_hint.isVisible()
    assert page.tabs.tabText(0) == "Motor && mechanical"


def test_select_and_write_through_the_results(qtbot: object, bridge: EngineBridge, push: Callable[..., None]) -> None:
    page = _page(qtbot, bridge)
    push({"cutting_speed": 70.0})
    page.search.setText("speed")
    view = page.views[ALL]
    rows = _names(page, ALL)
    view.selectRow(rows.index("cutting_speed"))
    selected = page.selected_register()
    assert selected is not None and selected.name == "cutting_speed"
    assert page.write_button.isEnabled()
    view.selectRow(rows.index("cutting_speed_actual"))
    assert not page.write_button.isEnabled()  # read-only
    page.select("head_height")  # hidden by the search: the search is cleared, its tab shown
    assert page.search.text() == "" and page.current_group() == "motor"
    selected = page.selected_register()
    assert selected is not None and selected.name == "head_height"
    page.search.setText("cutting_speed")
    view.selectRow(_names(page, ALL).index("cutting_speed"))
    dialog = page.open_write_for_selection()
    assert dialog is not None and dialog.register.name == "cutting_speed" and dialog.current == 70.0
    dialog.close()


def test_values_keep_one_number_of_decimals_per_unit(register_map: RegisterMap, fake_engine: StandInEngine) -> None:
    decimals = unit_decimals(register_map)
    assert decimals["m/min"] == 1 and decimals["mm/min"] == 2 and decimals["A"] == 1 and decimals["kW"] == 2
    model = RegisterTableModel(register_map.in_group("process") + register_map.in_group("motor"), stale_after_s=1.0,
                               decimals=decimals)
    model.update_snapshot(fake_engine.push({"cutting_speed": 70.0, "cutting_speed_actual": 69.5,
                                            "descent_speed": 30.0, "saw_state": 3.0}))

    def value(name: str) -> str:
        return str(model.index(model.row_of(name), Column.VALUE).data())

    assert value("cutting_speed") == "70.0" and value("cutting_speed_actual") == "69.5"  # same unit, same look
    assert value("descent_speed") == "30.00"
    assert value("saw_state") == "CUTTING (3)"


def test_kiosk_rows_and_search_are_touch_sized(qtbot: object, bridge: EngineBridge, qapp: QApplication) -> None:
    page = _page(qtbot, bridge, kiosk=True)
    apply_touch_sizes(page, True)
    qapp.processEvents()
    for view in page.views.values():
        assert view.verticalHeader().defaultSectionSize() >= TOUCH_PX
    assert touch_violations(page) == []
    qtbot.mouseClick(page.search, Qt.MouseButton.LeftButton)  # type: ignore[attr-defined]
    keyboard = page.search.keyboard
    assert keyboard is not None and keyboard.isVisible()  # no physical keyboard needed
    assert touch_violations(keyboard) == []
    for key in "vib":
        keyboard.press(key)
    keyboard.press("OK")
    assert page.search.text() == "vib" and page.current_group() == ALL
    assert set(_names(page, ALL)) >= {"vibration_x", "vibration_y", "vibration_z"}
    page.search.setText("")
    apply_touch_sizes(page, False)


def test_read_write_looks_tappable_only_to_who_may_write(qtbot: object, bridge: EngineBridge) -> None:
    """The reviewer: operators saw "read/write" in link blue, double-tapped, and nothing happened."""
    from hmi.permissions import set_policy

    page = _page(qtbot, bridge)
    model = page.models[ALL]
    names = [model.index(r, Column.NAME).data() for r in range(model.rowCount())]
    rw = model.index(names.index("cutting_speed"), Column.ACCESS)
    set_policy(lambda _user, _action: False)  # an operator: no register writes
    page.update_permissions()
    assert rw.data(Qt.ItemDataRole.ForegroundRole) is None and not page.write_button.isVisible()
    set_policy(lambda _user, _action: True)  # an engineer
    page.update_permissions()
    assert rw.data(Qt.ItemDataRole.ForegroundRole) is not None and page.write_button.isVisible()
