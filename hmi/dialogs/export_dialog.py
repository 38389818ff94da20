"""Export dialog: what (samples, cuts, alarms), a time range, signals, CSV or Excel, then a progress
bar with Cancel.

Non-modal and never blocking: the engine runs the export in its worker thread (it writes in
pages); the thread only stores its progress in plain attributes, and a 100 ms QTimer on the GUI
thread shows it. Cancel (or closing the dialog) asks the export to stop at the next page; it then
removes its partial file.
"""

from __future__ import annotations

import asyncio
import logging
import threading
import time
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

from PySide6.QtCore import QCoreApplication, QDateTime, QEvent, QSize, Qt, QTimer, Signal
from PySide6.QtGui import QCloseEvent
from PySide6.QtWidgets import (
    QButtonGroup,
    QComboBox,
    QDateTimeEdit,
    QDialog,
    QGridLayout,
    QHBoxLayout,
    QLabel,
    QListView,
    QListWidget,
    QListWidgetItem,
    QProgressBar,
    QPushButton,
    QVBoxLayout,
    QWidget,
)

from core.api import EngineApi, ExportRequest, ExportResult, UserSession
from hmi.code_names import reason_text
from hmi.dialogs.file_choice import choose_save_path
from hmi.formatting import description, format_number, register_label
from hmi.i18n import QT_TRANSLATE_NOOP
from hmi.kiosk import FIELD_PX, in_kiosk
from hmi.tasks import spawn
from hmi.widgets.path_label import PathEdit, PathLabel, breakable
from hmi.widgets.touch_file_picker import removable_mounts

log = logging.getLogger("bandsaw.hmi.export")

# Marked for lupdate here, translated where shown (QCoreApplication.translate("ExportDialog", label)).
RANGES: tuple[tuple[str, float | None], ...] = (
    (QT_TRANSLATE_NOOP("ExportDialog", "Last hour"), 3600.0),
    (QT_TRANSLATE_NOOP("ExportDialog", "Last 8 h"), 8 * 3600.0),
    (QT_TRANSLATE_NOOP("ExportDialog", "Last 24 h"), 86400.0),
    (QT_TRANSLATE_NOOP("ExportDialog", "Last 7 days"), 7 * 86400.0),
    (QT_TRANSLATE_NOOP("ExportDialog", "Everything"), None))
WHATS = ((QT_TRANSLATE_NOOP("ExportDialog", "Samples (signals)"), "samples"),
         (QT_TRANSLATE_NOOP("ExportDialog", "Cuts"), "cuts"), (QT_TRANSLATE_NOOP("ExportDialog", "Alarms"), "alarms"))
PROGRESS_QSS = "QProgressBar { text-align: center; } QProgressBar::chunk { background: #7d8287; }"  # ISA-101 grey


@dataclass
class _Job:
    """Shared between the worker thread (writes) and the GUI thread (reads on its timer)."""

    cancel: threading.Event
    done: int = 0
    total: int = 0
    finished: bool = False
    result: ExportResult | None = None
    error: str = ""


KIOSK_CELL = QSize(292, 56)  # a signal in kiosk mode: 48 px check box, 20-letter name


class ExportDialog(QDialog):
    finished_export = Signal(str)  # the message shown when it ended (written, cancelled, failed)

    def __init__(self, engine: EngineApi, actor: Callable[[], UserSession], signals: list[str],
                 parent: QWidget | None = None, *, clock: float | None = None) -> None:
        super().__init__(parent)
        self.setObjectName("ExportDialog")
        self.setWindowTitle(self.tr("Export data"))
        self.setModal(False)
        self.engine = engine
        self._actor = actor
        self.data_dir = engine.settings.data_dir
        self.export_dir = engine.settings.export_dir  # paths.export_dir, else DATA/exports
        self._now = clock
        self._job: _Job | None = None
        self.task: asyncio.Task[None] | None = None
        self._file_dialog: QDialog | None = None
        self.kiosk = in_kiosk(parent)  # touch: no desktop file dialog, no typing
        self.mounts: Callable[[], list[Path]] = removable_mounts
        self._timer = QTimer(self)
        self._timer.setInterval(100)
        self._timer.timeout.connect(self._poll)

        self.what_combo = QComboBox(self)
        self.what_combo.setMinimumHeight(FIELD_PX)
        for label, value in WHATS:
            self.what_combo.addItem(QCoreApplication.translate("ExportDialog", label), value)
        self.what_combo.currentIndexChanged.connect(self._what_changed)

        self.range_group = QButtonGroup(self)
        ranges = QHBoxLayout()
        for i, (label, _seconds) in enumerate(RANGES):
            button = self._button(QCoreApplication.translate("ExportDialog", label), checkable=True)
            self.range_group.addButton(button, i)
            ranges.addWidget(button)
        self.range_group.idClicked.connect(self.choose_range)
        self.start_edit = self._time_edit()
        self.end_edit = self._time_edit()

        # Signals in columns that fill the width; a touch anywhere on a name toggles it (gloves).
        self.signal_list = QListWidget(self)
        self.signal_list.setMinimumHeight(200)
        self.signal_list.setFlow(QListView.Flow.LeftToRight)
        self.signal_list.setWrapping(True)
        self.signal_list.setResizeMode(QListView.ResizeMode.Adjust)
        # Kiosk: a 48 px check box in a 60 px cell (the whole cell toggles); desktop rows stay compact.
        self.signal_list.setGridSize(QSize(KIOSK_CELL.width() + 8, 60) if self.kiosk else QSize(250, 44))
        # Each signal by its label in the screen's language (registers.yaml), the register's name kept
        # as the item's data (what is exported) and shown with the description in its tooltip.
        self.signal_list.addItems(signals)
        for row, name in enumerate(signals):
            item = self.signal_list.item(row)
            item.setData(Qt.ItemDataRole.UserRole, name)
            if self.kiosk:  # the whole cell: 48 px check box and the full name (the style's own hint elided it)
                item.setSizeHint(KIOSK_CELL)
            item.setFlags(Qt.ItemFlag.ItemIsEnabled)  # checked by touch on the whole item, below
            item.setCheckState(Qt.CheckState.Checked)
        self._label_signals()
        self.signal_list.itemClicked.connect(self.toggle_signal)
        self.all_button = self._button(self.tr("All signals"))
        self.all_button.clicked.connect(lambda: self.set_all_signals(True))
        self.none_button = self._button(self.tr("None"))
        self.none_button.clicked.connect(lambda: self.set_all_signals(False))

        self.format_group = QButtonGroup(self)
        formats = QHBoxLayout()
        for i, label in enumerate(("CSV", self.tr("Excel (xlsx)"))):
            button = self._button(label, checkable=True)
            button.setChecked(i == 0)
            self.format_group.addButton(button, i)
            formats.addWidget(button)
        self.format_group.idClicked.connect(lambda _id: self._suggest_path())
        # A long path is shown elided in the middle, so the folder's start and the file name both stay
        # readable (a line edit showed only its end), the whole in the tooltip: a field that can be
        # typed into on the desktop, a label in kiosk (no typing: chosen in the touch picker, Choose…).
        self.path_edit = PathEdit(self)
        self.path_edit.setMinimumHeight(FIELD_PX)
        self.path_edit.setReadOnly(self.kiosk)
        self.path_view = PathLabel("", self)
        self.path_view.setMinimumHeight(FIELD_PX)
        self.path_edit.textChanged.connect(self._show_path)
        self.path_edit.setVisible(not self.kiosk)
        self.path_view.setVisible(self.kiosk)
        self.browse_button = self._button(self.tr("Choose…"))
        self.browse_button.clicked.connect(self.choose_file)
        formats.addWidget(self.path_edit, 1)
        formats.addWidget(self.path_view, 1)
        formats.addWidget(self.browse_button)

        self.progress = QProgressBar(self)
        self.progress.setMinimumHeight(32)
        self.progress.setStyleSheet(PROGRESS_QSS)
        self.progress.setRange(0, 100)
        self.progress.setValue(0)
        self.status_label = QLabel("", self)
        self.status_label.setWordWrap(True)
        self.export_button = self._button(self.tr("Export"))
        self.export_button.setObjectName("PrimaryButton")
        self.export_button.clicked.connect(self.start)
        self.cancel_button = self._button(self.tr("Cancel export"))
        self.cancel_button.clicked.connect(self.cancel)
        self.cancel_button.setEnabled(False)
        self.close_button = self._button(self.tr("Close"))
        self.close_button.clicked.connect(self.close)

        grid = QGridLayout()
        grid.addWidget(QLabel(self.tr("What"), self), 0, 0)
        grid.addWidget(self.what_combo, 0, 1, 1, 3)
        grid.addWidget(QLabel(self.tr("From"), self), 1, 0)
        grid.addWidget(self.start_edit, 1, 1)
        grid.addWidget(QLabel(self.tr("to"), self), 1, 2)
        grid.addWidget(self.end_edit, 1, 3)
        signal_buttons = QHBoxLayout()
        signal_buttons.addWidget(self.all_button)
        signal_buttons.addWidget(self.none_button)
        signal_buttons.addStretch(1)
        actions = QHBoxLayout()
        actions.addStretch(1)
        for button in (self.cancel_button, self.close_button, self.export_button):
            actions.addWidget(button)
        layout = QVBoxLayout(self)
        layout.addLayout(grid)
        layout.addLayout(ranges)
        self.signals_title = QLabel(self.tr("Signals"), self)
        self.signals_title.setObjectName("SectionTitle")
        layout.addWidget(self.signals_title)
        layout.addWidget(self.signal_list, 1)
        layout.addLayout(signal_buttons)
        layout.addLayout(formats)
        layout.addWidget(self.progress)
        layout.addWidget(self.status_label)
        layout.addLayout(actions)
        self.choose_range(0)
        self.resize(1040 if self.kiosk else 820, 700)  # kiosk: three columns of touch-sized signals

    # --- building --------------------------------------------------------------------------

    def _button(self, text: str, *, checkable: bool = False) -> QPushButton:
        button = QPushButton(text, self)
        button.setMinimumSize(FIELD_PX * 2, FIELD_PX)
        button.setCheckable(checkable)
        return button

    def _time_edit(self) -> QDateTimeEdit:
        edit = QDateTimeEdit(self)
        edit.setDisplayFormat("yyyy-MM-dd HH:mm:ss")
        edit.setCalendarPopup(True)
        edit.setMinimumHeight(FIELD_PX)
        return edit

    # --- choices ---------------------------------------------------------------------------

    def _current_s(self) -> float:
        return self._now if self._now is not None else time.time()

    def choose_range(self, index: int) -> None:
        """A range button: the last hour ... everything (no limits)."""
        self.range_group.button(index).setChecked(True)
        seconds = RANGES[index][1]
        everything = seconds is None
        self.start_edit.setEnabled(not everything)
        self.end_edit.setEnabled(not everything)
        now = self._current_s()
        self.end_edit.setDateTime(QDateTime.fromMSecsSinceEpoch(int(now * 1000)))
        self.start_edit.setDateTime(QDateTime.fromMSecsSinceEpoch(int((now - (seconds or 0)) * 1000)))
        self._suggest_path()

    def toggle_signal(self, item: QListWidgetItem) -> None:
        checked = item.checkState() == Qt.CheckState.Checked
        item.setCheckState(Qt.CheckState.Unchecked if checked else Qt.CheckState.Checked)

    def set_all_signals(self, checked: bool) -> None:
        state = Qt.CheckState.Checked if checked else Qt.CheckState.Unchecked
        for row in range(self.signal_list.count()):
            self.signal_list.item(row).setCheckState(state)

    def chosen_signals(self) -> list[str]:
        """The registers' names (not the labels shown) of the signals ticked."""
        return [str(self.signal_list.item(row).data(Qt.ItemDataRole.UserRole))
                for row in range(self.signal_list.count())
                if self.signal_list.item(row).checkState() == Qt.CheckState.Checked]

    def signal_item(self, name: str) -> QListWidgetItem | None:
        """The list's item of register ``name``."""
        for row in range(self.signal_list.count()):
            item = self.signal_list.item(row)
            if item.data(Qt.ItemDataRole.UserRole) == name:
                return item
        return None

    def _label_signals(self) -> None:
        registers = self.engine.register_map
        for row in range(self.signal_list.count()):
            item = self.signal_list.item(row)
            name = str(item.data(Qt.ItemDataRole.UserRole))
            if name in registers:
                item.setText(register_label(registers[name]))
                item.setToolTip(f"{name} — {description(registers[name])}")
            else:  # a signal the map does not have (a derived one): by its name
                item.setText(name)
                item.setToolTip(name)

    def changeEvent(self, event: QEvent) -> None:
        super().changeEvent(event)
        if event.type() == QEvent.Type.LanguageChange:
            self._label_signals()

    def chosen_range_ms(self) -> tuple[int | None, int | None]:
        if RANGES[max(self.range_group.checkedId(), 0)][1] is None:
            return None, None
        return self.start_edit.dateTime().toMSecsSinceEpoch(), self.end_edit.dateTime().toMSecsSinceEpoch()

    @property
    def what(self) -> str:
        return str(self.what_combo.currentData())

    @property
    def fmt(self) -> str:
        return "xlsx" if self.format_group.checkedId() == 1 else "csv"

    def _what_changed(self) -> None:
        samples = self.what == "samples"
        for widget in (self.signal_list, self.all_button, self.none_button, self.signals_title):
            widget.setVisible(samples)
        self._suggest_path()

    def _show_path(self, path: str) -> None:
        self.path_view.setText(path)  # the edit's tooltip follows its text (PathEdit)

    def _suggest_path(self) -> None:
        stamp = time.strftime("%Y%m%d-%H%M%S", time.localtime(self._current_s()))
        self.path_edit.setText(str(self.export_dir / f"{self.what}-{stamp}.{self.fmt}"))

    def choose_file(self) -> QDialog:
        """Where to write (non-modal): the desktop's save dialog, or in kiosk mode the touch picker
        limited to the export folder and removable media; the choice fills the path."""
        suggested = Path(self.path_edit.text().strip() or self.export_dir / f"{self.what}.{self.fmt}")
        dialog = choose_save_path(self, self.tr("Export to"), suggested, export_dir=self.export_dir,
                                  chosen=lambda path: self.path_edit.setText(str(path)),
                                  name_filter="CSV (*.csv);;Excel (*.xlsx)", suffixes=(".csv", ".xlsx"),
                                  kiosk=self.kiosk, mounts=self.mounts)
        dialog.finished.connect(self._file_dialog_closed)
        self._file_dialog = dialog
        return dialog

    def _file_dialog_closed(self, _result: int) -> None:
        self._file_dialog = None

    # --- running ---------------------------------------------------------------------------

    @property
    def running(self) -> bool:
        return self._job is not None and not self._job.finished

    def start(self) -> bool:
        """Start the export in a worker thread; False (with the reason shown) when it cannot."""
        if self.running:
            return False
        signals = self.chosen_signals() if self.what == "samples" else None
        if self.what == "samples" and not signals:
            self._say(self.tr("Choose at least one signal."))
            return False
        start_ms, end_ms = self.chosen_range_ms()
        if start_ms is not None and end_ms is not None and end_ms <= start_ms:
            self._say(self.tr("The end of the range must be after its start."))
            return False
        out = Path(self.path_edit.text().strip())
        if not out.name:
            self._say(self.tr("Choose a file to write."))
            return False
        job = _Job(cancel=threading.Event())
        request = ExportRequest(out, what=self.what, start_ms=start_ms, end_ms=end_ms,  # type: ignore[arg-type]
                                signals=signals, fmt=self.fmt)  # type: ignore[arg-type]
        try:
            self.task = spawn(self._run(job, request))
        except RuntimeError:
            self._say(self.tr("Export not possible: no event loop is running."))
            return False
        self._job = job
        self.progress.setValue(0)
        self._say(self.tr("Exporting to %1 …").replace("%1", str(out)))
        self._set_running(True)
        self._timer.start()
        return True

    async def _run(self, job: _Job, request: ExportRequest) -> None:
        """The engine checks the right, writes in its worker thread and audits the export;
        the worker only stores its progress in ``job`` (the timer shows it)."""

        def progress(done: int, total: int) -> None:
            job.done, job.total = done, total

        try:
            result = await self.engine.export(self._actor(), request, progress=progress, cancel=job.cancel.is_set)
        except Exception as exc:  # anything else must still end the job and be shown
            log.exception("export failed")
            job.error = self.tr("Export failed: %1").replace("%1", f"{type(exc).__name__}: {exc}")
        else:
            if result.ok:
                job.result = result.value
            elif job.cancel.is_set():
                job.error = self.tr("Export cancelled; no file was left.")
            else:
                job.error = self.tr("Export failed: %1").replace("%1", reason_text(result))
        finally:
            job.finished = True

    def cancel(self) -> None:
        if self._job is not None and not self._job.finished:
            self._job.cancel.set()
            self._say(self.tr("Cancelling …"))

    def _poll(self) -> None:
        job = self._job
        if job is None:
            self._timer.stop()
            return
        if job.total:
            self.progress.setValue(int(100 * job.done / job.total))
        if not job.finished:
            return
        self._timer.stop()
        self._set_running(False)
        if job.result is not None:
            self.progress.setValue(100)
            result = job.result
            message = (self.tr("%n rows written to %1 in %2 s", "", result.rows).replace("%1", str(result.path))
                       .replace("%2", format_number(result.seconds, 1)))
        else:
            message = job.error
        self._say(message)
        self.finished_export.emit(message)

    def _set_running(self, running: bool) -> None:
        self.cancel_button.setEnabled(running)
        for widget in (self.export_button, self.what_combo, self.signal_list, self.path_edit, self.browse_button,
                       self.start_edit, self.end_edit):
            widget.setEnabled(not running)
        if not running:
            self.choose_range_enabled()

    def choose_range_enabled(self) -> None:
        everything = RANGES[max(self.range_group.checkedId(), 0)][1] is None
        self.start_edit.setEnabled(not everything)
        self.end_edit.setEnabled(not everything)

    def _say(self, text: str) -> None:
        self.status_label.setText(breakable(text))  # a long path wraps, never cut off

    def wait_finished(self, timeout_s: float = 5.0) -> bool:
        """True when no export is running any more (the engine's worker stops at its next page
        once cancelled; its task finishes on the loop)."""
        return self.task is None or self.task.done()

    def closeEvent(self, event: QCloseEvent) -> None:
        # Closing cancels: the worker stops at its next page and removes its partial file.
        self.cancel()
        self._timer.stop()
        if self._file_dialog is not None:
            self._file_dialog.close()
            self._file_dialog = None
        super().closeEvent(event)
