"""The new widgets: analog bar, section drawing, letter keyboard, touch file picker."""

from __future__ import annotations

from pathlib import Path

import pytest
from PySide6.QtCore import QPointF, QRectF, Qt
from PySide6.QtGui import QColor, QImage

from hmi.widgets.analog_bar import FILL, GUARD, OVERLOAD, AnalogBar, BarScale
from hmi.widgets.letter_keyboard import KEY_SIZE, KEY_SPACING, LetterKeyboard, TextEntry
from hmi.widgets.section_view import Section, SectionView, Shape
from hmi.widgets.touch_file_picker import TouchFilePicker, inside


def _pixel(widget: object, x: float, y: float) -> QColor:
    image: QImage = widget.grab().toImage()  # type: ignore[attr-defined]
    return image.pixelColor(int(x), int(y))


# --- analog bar --------------------------------------------------------------------------------


def test_bar_fill_is_grey_normally_amber_past_the_guard_red_past_overload(qtbot: object) -> None:
    bar = AnalogBar(BarScale(0, 150, normal=(20, 80), guard=100, overload=120))
    qtbot.addWidget(bar)  # type: ignore[attr-defined]
    bar.resize(300, 40)
    y = 10 + (40 - 10) / 2  # middle of the fill
    for value, level, colour in ((50, "normal", FILL), (110, "guard", GUARD), (130, "overload", OVERLOAD)):
        bar.set_value(value)
        assert bar.level() == level
        assert _pixel(bar, 20, y) == colour, level
    bar.set_value(None)
    assert bar.level() == "unknown"
    assert _pixel(bar, 20, y) != FILL  # no value: no fill


def test_bar_marks_the_target_and_only_repaints_on_change(qtbot: object, monkeypatch: pytest.MonkeyPatch) -> None:
    bar = AnalogBar(BarScale(0, 100))
    qtbot.addWidget(bar)  # type: ignore[attr-defined]
    bar.resize(201, 40)
    bar.set_target(50)
    assert _pixel(bar, 101, 2) == QColor("#000000")  # the triangle above the bar at 50 %
    # The repaint requests themselves, counted: no waiting for paints that should not come.
    requested: list[int] = []
    monkeypatch.setattr(bar, "update", lambda: requested.append(1))
    bar.set_target(50)
    bar.set_value(float("nan"))
    assert requested == []  # nothing changed: no repaint asked for
    bar.set_value(20.0)
    assert requested == [1]  # a change: one repaint asked for


# --- section drawing ---------------------------------------------------------------------------


@pytest.mark.parametrize(("section", "centre_filled", "label"), [
    (Section(Shape.ROUND, 100), True, "round bar Ø 100 mm"),
    (Section(Shape.RECTANGLE, 80, 80), True, "square 80 × 80 mm"),
    (Section(Shape.RECTANGLE, 50, 120), True, "rectangle 50 × 120 mm"),
    (Section(Shape.TUBE, 100, 5), False, "tube Ø 100 × 5 mm"),
    (Section(Shape.PROFILE, 200, 100, 12, 8), True, "profile 200 × 100 mm"),
])
def test_sections_are_drawn_in_their_real_shape(qtbot: object, section: Section, centre_filled: bool,
                                                label: str) -> None:
    view = SectionView()
    qtbot.addWidget(view)  # type: ignore[attr-defined]
    view.resize(216, 216)
    view.set_section(section)
    box = view.box()
    assert box.width() / box.height() == pytest.approx(section.width_mm / section.height_mm, rel=0.01)
    outline = section.outline(box)
    assert outline.contains(box.center()) is centre_filled
    corner = QPointF(box.left() + 2, box.top() + 2)
    assert outline.contains(corner) is (section.shape in (Shape.RECTANGLE, Shape.PROFILE))
    if section.shape == Shape.PROFILE:  # an I-beam: the web, not the flanges' width, at mid-height
        assert not outline.contains(QPointF(box.left() + 4, box.center().y()))
    assert section.label() == label


def test_the_cut_part_is_shaded_and_bad_dimensions_draw_nothing(qtbot: object) -> None:
    view = SectionView()
    qtbot.addWidget(view)  # type: ignore[attr-defined]
    view.resize(216, 216)
    view.set_section(Section(Shape.RECTANGLE, 100, 100))
    view.set_position(0.5)
    box: QRectF = view.box()
    top = _pixel(view, box.center().x(), box.top() + box.height() * 0.25)
    bottom = _pixel(view, box.center().x(), box.top() + box.height() * 0.75)
    assert top != bottom and top.lightness() < bottom.lightness()  # cut part darker
    view.set_section(Section(Shape.ROUND, 0))
    assert view.section() is None


# --- letter keyboard ---------------------------------------------------------------------------


def test_turkish_keyboard_types_turkish_letters_and_capitals(qtbot: object) -> None:
    keyboard = LetterKeyboard("Name", lang="tr")
    qtbot.addWidget(keyboard)  # type: ignore[attr-defined]
    for char in "çğıöşü":
        assert char in keyboard.keys
    entered: list[str] = []
    keyboard.entered.connect(entered.append)
    for key in ("⇧", "i", "ş", "ı", "k", "␣", "⇧", "ı", "ğ", "⌫", "ş"):
        qtbot.mouseClick(keyboard.keys[key], Qt.MouseButton.LeftButton)  # type: ignore[attr-defined]
    assert keyboard.text() == "İşık Iş"
    keyboard.press("lang")
    assert keyboard.language() == "en" and "ş" not in keyboard.keys and "w" in keyboard.keys
    keyboard.press("OK")
    assert entered == ["İşık Iş"]


def test_keyboard_keys_are_touch_sized_and_spaced(qtbot: object) -> None:
    keyboard = LetterKeyboard("Name", lang="tr")
    qtbot.addWidget(keyboard)  # type: ignore[attr-defined]
    keyboard.show()
    qtbot.waitExposed(keyboard)  # type: ignore[attr-defined]
    rects = [button.geometry() for button in keyboard.keys.values()]
    assert all(r.width() >= KEY_SIZE and r.height() >= KEY_SIZE for r in rects)
    for a in rects:
        for b in rects:
            if a is not b and a.intersects(b.adjusted(-KEY_SPACING + 1, -KEY_SPACING + 1,
                                                      KEY_SPACING - 1, KEY_SPACING - 1)):
                pytest.fail(f"keys closer than {KEY_SPACING} px: {a} {b}")
    keyboard.close()


def test_text_entry_opens_the_keyboard_in_kiosk_only(qtbot: object) -> None:
    entry = TextEntry("Filter", touch=True, lang="tr")
    qtbot.addWidget(entry)  # type: ignore[attr-defined]
    assert entry.isReadOnly()
    qtbot.mouseClick(entry, Qt.MouseButton.LeftButton)  # type: ignore[attr-defined]
    keyboard = entry.keyboard
    assert keyboard is not None and keyboard.isVisible()
    keyboard.press("ç")
    keyboard.press("OK")
    assert entry.text() == "ç"
    desk = TextEntry("Filter", touch=False)
    qtbot.addWidget(desk)  # type: ignore[attr-defined]
    qtbot.mouseClick(desk, Qt.MouseButton.LeftButton)  # type: ignore[attr-defined]
    assert desk.keyboard is None and not desk.isReadOnly()


# --- touch file picker -------------------------------------------------------------------------


def test_picker_shows_only_the_export_folder_and_media(qtbot: object, tmp_path: Path) -> None:
    export = tmp_path / "export"
    (export / "2026").mkdir(parents=True)
    (export / "cuts.csv").write_text("x")
    (export / "notes.txt").write_text("x")
    usb = tmp_path / "media" / "USB1"
    usb.mkdir(parents=True)
    picker = TouchFilePicker("Open", export, suffixes=(".csv",), mounts=lambda: [usb])
    qtbot.addWidget(picker)  # type: ignore[attr-defined]
    assert [picker.list.item(i).text().split()[-1] for i in range(picker.list.count())] == ["folder", "USB1"]
    picker.open_folder(export)
    names = [picker.list.item(i).text().strip() for i in range(picker.list.count())]
    assert names == ["▸  2026", "cuts.csv"]  # folders first; only the suffixes asked for
    assert not picker.open_folder(tmp_path)  # above a root: refused
    assert not picker.open_folder(Path("/etc"))
    assert picker.folder == export
    picker.go_up()
    assert picker.folder is None  # back to the roots, never above
    link = export / "escape"
    link.symlink_to(tmp_path)
    assert not inside(link, picker.roots)  # a link out of the export folder does not get out


def test_picker_save_needs_a_plain_name_inside_a_root(qtbot: object, tmp_path: Path) -> None:
    export = tmp_path / "export"
    chosen: list[Path] = []
    picker = TouchFilePicker("Save", export, save_name="cuts.xlsx", mounts=lambda: [])
    qtbot.addWidget(picker)  # type: ignore[attr-defined]
    picker.chosen.connect(chosen.append)
    assert picker.folder == export and picker.ok_button.isEnabled()
    for bad in ("../x.csv", "", "..", "a/b"):
        picker.name.setText(bad)
        assert picker.selected_path() is None and not picker.ok_button.isEnabled(), bad
    picker.name.setText("cuts.xlsx")
    picker.accept_choice()
    assert chosen == [export / "cuts.xlsx"]


def test_rows_are_touch_sized(qtbot: object, tmp_path: Path) -> None:
    picker = TouchFilePicker("Open", tmp_path, mounts=lambda: [])
    qtbot.addWidget(picker)  # type: ignore[attr-defined]
    (tmp_path / "a.csv").write_text("x")
    picker.open_folder(tmp_path)
    picker.show()
    qtbot.waitExposed(picker)  # type: ignore[attr-defined]
    assert picker.list.visualItemRect(picker.list.item(0)).height() >= 48
    for button in (picker.up_button, picker.ok_button, picker.cancel_button):
        assert button.height() >= 48 and button.width() >= 48
    picker.close()


def test_up_is_greyed_where_it_leads_nowhere(qtbot: object, tmp_path: Path) -> None:
    """At the export folder with no removable media, Up does nothing: it is greyed (#15 review)."""
    export = tmp_path / "export"
    (export / "2026").mkdir(parents=True)
    picker = TouchFilePicker("Open", export, mounts=lambda: [])
    qtbot.addWidget(picker)  # type: ignore[attr-defined]
    assert picker.folder == export and not picker.up_button.isEnabled()
    picker.open_folder(export / "2026")
    assert picker.up_button.isEnabled()
    picker.go_up()
    assert picker.folder == export and not picker.up_button.isEnabled()
    usb = tmp_path / "USB1"
    usb.mkdir()
    with_media = TouchFilePicker("Open", export, mounts=lambda: [usb])
    qtbot.addWidget(with_media)  # type: ignore[attr-defined]
    assert with_media.folder is None and not with_media.up_button.isEnabled()  # the list of roots
    with_media.open_folder(export)
    assert with_media.up_button.isEnabled()  # back to the list of roots
