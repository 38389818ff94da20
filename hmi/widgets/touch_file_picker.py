"""A touch file picker for export and backup: the export folder and removable media, nothing else.

Kiosk mode must not open the desktop file dialog (it browses the whole file system). Here the
roots are the configured export folder and the mounted removable media (``/media/<user>/*``,
``/run/media/<user>/*``, ``/media/*``, ``/mnt/*``); the user may go down into folders of a root and
back up to it, never above. Rows are 56 px. ``chosen(Path)`` is emitted for a file (open), for
the folder plus the name typed on the letter keyboard (save), or for the folder shown
(``choose_folder``: an import source); every path is checked to stay inside a root after
resolving links.
"""

from __future__ import annotations

import logging
import os
from collections.abc import Callable, Iterable
from pathlib import Path

from PySide6.QtCore import QSize, Qt, Signal
from PySide6.QtWidgets import (
    QDialog,
    QHBoxLayout,
    QListWidget,
    QListWidgetItem,
    QPushButton,
    QVBoxLayout,
    QWidget,
)

from hmi.lifetime import delete_on_close
from hmi.widgets.letter_keyboard import TextEntry
from hmi.widgets.path_label import PathLabel

log = logging.getLogger("bandsaw.hmi.file_picker")

ROW_HEIGHT = 56
MEDIA_PARENTS = (Path("/media"), Path("/run/media"), Path("/mnt"))


def removable_mounts(parents: Iterable[Path] = MEDIA_PARENTS) -> list[Path]:
    """Mounted media under the usual parents (one level, or two for ``/media/<user>/<label>``)."""
    found: list[Path] = []
    for parent in parents:
        try:
            children = sorted(p for p in parent.iterdir() if p.is_dir())
        except OSError:
            continue
        for child in children:
            if os.path.ismount(child):
                found.append(child)
                continue
            try:
                found.extend(sorted(p for p in child.iterdir() if p.is_dir() and os.path.ismount(p)))
            except OSError:
                continue
    return found


def inside(path: Path, roots: Iterable[Path]) -> bool:
    """Is ``path`` (links resolved) one of ``roots`` or below one."""
    try:
        real = path.resolve()
    except OSError:
        return False
    return any(real == root.resolve() or real.is_relative_to(root.resolve()) for root in roots)


class TouchFilePicker(QDialog):
    chosen = Signal(Path)

    def __init__(
        self,
        title: str,
        export_dir: Path,
        *,
        save_name: str | None = None,
        suffixes: tuple[str, ...] = (),
        choose_folder: bool = False,
        lang: str | None = None,
        mounts: Callable[[], list[Path]] = removable_mounts,
        parent: QWidget | None = None,
    ) -> None:
        super().__init__(parent)
        self.setObjectName("TouchFilePicker")
        self.setWindowTitle(title)
        self.setModal(False)
        delete_on_close(self)
        export_dir.mkdir(parents=True, exist_ok=True)
        self.roots = [export_dir, *mounts()]
        self._suffixes = tuple(s.lower() for s in suffixes)
        self._saving = save_name is not None
        self._folders_only = choose_folder and not self._saving
        self.folder: Path | None = None  # None: the list of roots

        # The folder shown: a long path elided in the middle (its start and the folder's name), never
        # widening the picker past the panel; whole in its tooltip.
        self.where = PathLabel("", self)
        self.where.setObjectName("PickerWhere")
        self.list = QListWidget(self)
        self.list.setObjectName("PickerList")
        self.list.setSpacing(4)
        self.list.itemClicked.connect(self._activate)
        self.up_button = QPushButton(self.tr("Up"), self)
        self.up_button.clicked.connect(self.go_up)
        self.name = TextEntry(self.tr("File name"), touch=True, lang=lang, parent=self)
        self.name.setText(save_name or "")
        self.name.setVisible(self._saving)
        ok_text = (self.tr("Save here") if self._saving else self.tr("Choose this folder") if self._folders_only
                   else self.tr("Open"))
        self.ok_button = QPushButton(ok_text, self)
        self.ok_button.setObjectName("KeypadOk")
        self.ok_button.clicked.connect(self.accept_choice)
        self.cancel_button = QPushButton(self.tr("Cancel"), self)
        self.cancel_button.clicked.connect(self.close)
        for button in (self.up_button, self.ok_button, self.cancel_button):
            button.setMinimumSize(120, ROW_HEIGHT)
        buttons = QHBoxLayout()
        buttons.setSpacing(12)
        buttons.addWidget(self.up_button)
        buttons.addStretch(1)
        buttons.addWidget(self.cancel_button)
        buttons.addWidget(self.ok_button)
        layout = QVBoxLayout(self)
        layout.setSpacing(8)
        layout.addWidget(self.where)
        layout.addWidget(self.list, 1)
        layout.addWidget(self.name)
        layout.addLayout(buttons)
        self.resize(720, 560)
        self.name.textChanged.connect(lambda _text: self._update_buttons())
        if len(self.roots) > 1:
            self.show_roots()
        else:
            self.open_folder(export_dir)

    # --- navigation --------------------------------------------------------------------

    def show_roots(self) -> None:
        self.folder = None
        self.where.setText(self.tr("Export folder and removable media"))
        self.list.clear()
        for root in self.roots:
            label = self.tr("Export folder") if root == self.roots[0] else self.tr("USB: %1").replace("%1", root.name)
            self._add(f"▣  {label}", root, folder=True)
        self._update_buttons()

    def open_folder(self, folder: Path) -> bool:
        if not inside(folder, self.roots) or not folder.is_dir():
            log.warning("file picker: %s is outside the export folder and removable media", folder)
            return False
        self.folder = folder
        self.where.setText(str(folder))
        self.list.clear()
        try:
            entries = sorted(folder.iterdir(), key=lambda p: (not p.is_dir(), p.name.lower()))
        except OSError as exc:
            self.where.setText(self.tr("Cannot read %1: %2").replace("%1", str(folder)).replace("%2", str(exc)))
            entries = []
        for entry in entries:
            if entry.name.startswith("."):
                continue
            if entry.is_dir():
                self._add(f"▸  {entry.name}", entry, folder=True)
            elif self._folders_only:
                continue
            elif not self._suffixes or entry.suffix.lower() in self._suffixes:
                self._add(f"    {entry.name}", entry, folder=False)
        if self.list.count() == 0:
            empty = QListWidgetItem(self.tr("No folders here") if self._folders_only
                                    else self.tr("This folder is empty"))
            empty.setFlags(Qt.ItemFlag.NoItemFlags)
            empty.setSizeHint(QSize(0, ROW_HEIGHT))
            self.list.addItem(empty)
        self._update_buttons()
        return True

    def go_up(self) -> None:
        if self.folder is None:
            return
        if any(self.folder.resolve() == root.resolve() for root in self.roots):
            if len(self.roots) > 1:
                self.show_roots()
            return
        self.open_folder(self.folder.parent)

    def accept_choice(self) -> None:
        path = self.selected_path()
        if path is None:
            return
        if not inside(path.parent if self._saving else path, self.roots):
            log.warning("file picker: %s is outside the export folder and removable media", path)
            return
        self.chosen.emit(path)
        self.close()

    def selected_path(self) -> Path | None:
        """The file to open, the folder + typed name to save to, or the folder shown (choose_folder);
        None while nothing fits."""
        if self._folders_only:
            return self.folder
        if self._saving:
            name = self.name.text().strip()
            if self.folder is None or not name or "/" in name or "\\" in name or name in (".", ".."):
                return None
            return self.folder / name
        item = self.list.currentItem()
        path = item.data(Qt.ItemDataRole.UserRole) if item is not None else None
        return path if isinstance(path, Path) and path.is_file() else None

    # --- internals -----------------------------------------------------------------------

    def _add(self, text: str, path: Path, *, folder: bool) -> None:
        item = QListWidgetItem(text)
        item.setData(Qt.ItemDataRole.UserRole, path)
        item.setData(Qt.ItemDataRole.UserRole + 1, folder)
        item.setSizeHint(QSize(0, ROW_HEIGHT))
        self.list.addItem(item)

    def _activate(self, item: QListWidgetItem) -> None:
        path = item.data(Qt.ItemDataRole.UserRole)
        if isinstance(path, Path) and item.data(Qt.ItemDataRole.UserRole + 1):
            self.open_folder(path)
        self._update_buttons()

    def _can_go_up(self) -> bool:
        """Up leads somewhere: below a root, or from a root back to the list of roots (greyed at
        the export folder itself when it is the only root)."""
        if self.folder is None:
            return False
        at_root = any(self.folder.resolve() == root.resolve() for root in self.roots)
        return not at_root or len(self.roots) > 1

    def _update_buttons(self) -> None:
        self.up_button.setEnabled(self._can_go_up())
        self.ok_button.setEnabled(self.selected_path() is not None)
        self.name.setEnabled(self.folder is not None)
