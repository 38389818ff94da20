"""Where to write an export, where to read an import from: the desktop's file dialog, or in kiosk
mode the touch file picker confined to the export folder and removable media.

Both are non-modal (no nested event loop inside qasync) and report through ``chosen(Path)``.
Kiosk is the caller's session when it says so, else the window's mode (hmi.kiosk.in_kiosk).
"""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path

from PySide6.QtWidgets import QDialog, QFileDialog, QWidget

from hmi.kiosk import in_kiosk
from hmi.lifetime import delete_on_close
from hmi.widgets.touch_file_picker import TouchFilePicker, inside, removable_mounts

Mounts = Callable[[], list[Path]]


def desktop_start(start: Path, export_dir: Path) -> Path:
    """Where the desktop dialog opens: ``start`` when it is a folder, else the export folder
    (created). Never the program's working directory, where QFileDialog falls back for a folder
    that does not exist."""
    if start.is_dir():
        return start
    export_dir.mkdir(parents=True, exist_ok=True)
    return export_dir


def choose_save_path(
    parent: QWidget,
    title: str,
    suggested: Path,
    *,
    export_dir: Path,
    chosen: Callable[[Path], None],
    name_filter: str = "",
    suffixes: tuple[str, ...] = (),
    kiosk: bool | None = None,
    mounts: Mounts = removable_mounts,
) -> QDialog:
    """A file to write: desktop save dialog, or the touch picker (name on the letter keyboard)."""
    if in_kiosk(parent) if kiosk is None else kiosk:
        picker = TouchFilePicker(title, export_dir, save_name=suggested.name, suffixes=suffixes, mounts=mounts,
                                 parent=parent)
        if suggested.parent.is_dir() and inside(suggested.parent, picker.roots):
            picker.open_folder(suggested.parent)
        picker.chosen.connect(chosen)
        picker.show()
        return picker
    folder = desktop_start(suggested.parent, export_dir)
    dialog = QFileDialog(parent, title, str(folder / suggested.name), name_filter)
    dialog.setAcceptMode(QFileDialog.AcceptMode.AcceptSave)
    delete_on_close(dialog)
    dialog.fileSelected.connect(lambda path: chosen(Path(path)))
    dialog.open()
    return dialog


def choose_folder(
    parent: QWidget,
    title: str,
    start: Path,
    *,
    export_dir: Path,
    chosen: Callable[[Path], None],
    kiosk: bool | None = None,
    mounts: Mounts = removable_mounts,
) -> QDialog:
    """A folder to read from: desktop folder dialog, or the touch picker (export folder, USB media)."""
    if in_kiosk(parent) if kiosk is None else kiosk:
        picker = TouchFilePicker(title, export_dir, choose_folder=True, mounts=mounts, parent=parent)
        if start.is_dir() and inside(start, picker.roots):
            picker.open_folder(start)
        picker.chosen.connect(chosen)
        picker.show()
        return picker
    dialog = QFileDialog(parent, title, str(desktop_start(start, export_dir)))
    dialog.setFileMode(QFileDialog.FileMode.Directory)
    dialog.setOption(QFileDialog.Option.ShowDirsOnly, True)
    delete_on_close(dialog)
    dialog.fileSelected.connect(lambda path: chosen(Path(path)))
    dialog.open()
    return dialog
