"""The alarms page's History tab: filters, the alarm log from log.db, and its CSV export.

Reads are short read-only queries in the engine's worker (never on the GUI thread's time); a locked
or damaged log.db is said on the page, never a frozen screen. The texts keep the page's translation
context ("AlarmsPage"): they are the page's words, wherever the code lives.
"""

from __future__ import annotations

import asyncio
import contextlib
import time
from collections.abc import Callable
from pathlib import Path
from typing import Any

from PySide6.QtCore import QTimer
from PySide6.QtGui import QHideEvent, QShowEvent
from PySide6.QtWidgets import QComboBox, QHBoxLayout, QPushButton, QVBoxLayout, QWidget

from core.api import AlarmHistoryFilter as HistoryFilter
from core.api import EngineApi, UserSession
from hmi.code_names import reason_text
from hmi.i18n import translate
from hmi.kiosk import FIELD_PX, in_kiosk
from hmi.tasks import spawn
from hmi.widgets.alarm_table import AlarmView, HistoryTableModel
from hmi.widgets.empty_hint import EmptyHint
from hmi.widgets.letter_keyboard import TextEntry

RELOAD_AFTER_MS = 2000  # new alarm transitions re-read the history at most this often (a chattering alarm)
PERIOD_SECONDS: tuple[float | None, ...] = (3600.0, 8 * 3600.0, 86400.0, 7 * 86400.0, None)
PRIORITY_LIMITS: tuple[int | None, ...] = (None, 1, 2, 3)
ACTION_SETS: tuple[tuple[str, ...], ...] = ((), ("raise",), ("clear",), ("acknowledge",), ("shelve", "unshelve"),
                                            ("remove_from_service", "return_to_service"))
HISTORY_COLUMNS = {0: "2026-12-31 23:59:59", 2: "removed from service", 3: "4 Critical", 5: "administrator"}

Say = Callable[..., None]  # the page's message line: say(key, *args)


def touch_button(parent: QWidget, name: str = "") -> QPushButton:
    button = QPushButton(parent)
    button.setMinimumSize(FIELD_PX * 2, FIELD_PX)
    if name:
        button.setObjectName(name)
    return button


def _combo(values: tuple[Any, ...], parent: QWidget) -> QComboBox:
    combo = QComboBox(parent)
    combo.setMinimumHeight(FIELD_PX)
    for value in values:
        combo.addItem("", value)
    return combo


class AlarmHistoryPanel(QWidget):
    """``AlarmHistoryPanel(engine, actor, say)``: ``actor()`` is who exports; ``say`` reports on the page."""

    def __init__(self, engine: EngineApi, actor: Callable[[], UserSession], say: Say,
                 parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.engine = engine
        self._actor = actor
        self._say = say
        self.export_dir: Path = engine.settings.export_dir
        self.history_task: asyncio.Task[int] | None = None
        # Transitions while shown re-read the log after a short pause, one read for a burst.
        self.reload_timer = QTimer(self)
        self.reload_timer.setSingleShot(True)
        self.reload_timer.setInterval(RELOAD_AFTER_MS)
        self.reload_timer.timeout.connect(self.reload_history)
        self.period_combo = _combo(PERIOD_SECONDS, self)
        self.period_combo.setCurrentIndex(2)
        self.priority_combo = _combo(PRIORITY_LIMITS, self)
        self.action_combo = _combo(ACTION_SETS, self)
        self.search_edit = TextEntry("", touch=lambda: in_kiosk(self), parent=self)  # letter keyboard in kiosk
        self.search_edit.setMinimumHeight(FIELD_PX)
        self.search_edit.editingFinished.connect(self.reload_history)  # Return, or OK on the keyboard
        for combo in (self.period_combo, self.priority_combo, self.action_combo):
            combo.currentIndexChanged.connect(self.reload_history)
        self.refresh_button = touch_button(self)
        self.refresh_button.clicked.connect(self.reload_history)
        self.export_button = touch_button(self, "ExportButton")
        self.export_button.clicked.connect(self._export_clicked)
        filters = QHBoxLayout()
        filters.setSpacing(8)
        for widget in (self.period_combo, self.priority_combo, self.action_combo):
            filters.addWidget(widget)
        filters.addWidget(self.search_edit, 1)
        filters.addWidget(self.refresh_button)
        filters.addWidget(self.export_button)
        self.history_model = HistoryTableModel(self)
        self.history_view = AlarmView(self.history_model, self, fixed=HISTORY_COLUMNS, icons=(3,), stretch=(1, 4))
        self.history_hint = EmptyHint(self.history_view, "")
        layout = QVBoxLayout(self)
        layout.addLayout(filters)
        layout.addWidget(self.history_view, 1)

    def retranslate(self) -> None:
        self.refresh_button.setText(translate("AlarmsPage", "Refresh"))
        self.export_button.setText(translate("AlarmsPage", "Export CSV"))
        self.search_edit.setPlaceholderText(translate("AlarmsPage", "Alarm or text contains…"))
        periods = (translate("AlarmsPage", "Last hour"), translate("AlarmsPage", "Last 8 h"),
                   translate("AlarmsPage", "Last 24 h"), translate("AlarmsPage", "Last 7 days"),
                   translate("AlarmsPage", "All"))
        priorities = (translate("AlarmsPage", "All priorities"), translate("AlarmsPage", "Critical"),
                      translate("AlarmsPage", "High and above"), translate("AlarmsPage", "Medium and above"))
        actions = (translate("AlarmsPage", "All actions"), translate("AlarmsPage", "Raised"),
                   translate("AlarmsPage", "Cleared"), translate("AlarmsPage", "Acknowledged"),
                   translate("AlarmsPage", "Shelving"), translate("AlarmsPage", "Service"))
        for combo, texts in ((self.period_combo, periods), (self.priority_combo, priorities),
                             (self.action_combo, actions)):
            for i, text in enumerate(texts):
                combo.setItemText(i, text)
        self.history_hint.setText(translate("AlarmsPage", "No alarm history for these filters"))
        self.history_model.retranslate()
        self.history_view.fit_columns()

    def history_filter(self, limit: int = 1000) -> HistoryFilter:
        period = self.period_combo.currentData()
        since = int((time.time() - period) * 1000) if period else None
        text = self.search_edit.text().strip()
        a_key = "." in text and " " not in text  # "plc.alarm" names a key; anything else is searched in the text
        return HistoryFilter(
            since_ms=since,
            key_contains=text if a_key else "",
            text_contains="" if a_key else text,
            max_priority=self.priority_combo.currentData(),
            actions=self.action_combo.currentData() or (),
            limit=limit,
        )

    def showEvent(self, event: QShowEvent) -> None:
        super().showEvent(event)
        self.reload_history()  # the tab (or the page with this tab) shown: the log as it is now

    def hideEvent(self, event: QHideEvent) -> None:
        self.reload_timer.stop()  # hidden: nobody to read for; shown again, it reads anyway
        super().hideEvent(event)

    def transition_seen(self) -> None:
        """An alarm transition (it is in log.db by the next read): re-read soon if shown, throttled."""
        if self.isVisible() and not self.reload_timer.isActive():
            self.reload_timer.start()

    def reload_history(self) -> asyncio.Task[int] | None:
        """Start a history read (a click, a filter change); the table fills when it returns."""
        try:
            self.history_task = spawn(self.load_history())
        except RuntimeError:  # no event loop (a widget test without one): nothing to read with
            return None
        return self.history_task

    def _export_clicked(self) -> None:
        with contextlib.suppress(RuntimeError):  # no event loop: nothing to export with
            spawn(self.export_history())

    async def load_history(self) -> int:
        """Read in the engine's worker thread: a locked or damaged log.db says so, never freezes."""
        result = await self.engine.alarm_history(self.history_filter())
        if not result.ok or result.value is None:
            self._say("History unavailable: %1", reason_text(result))
            return 0
        self.history_model.set_entries(result.value)
        return len(result.value)

    async def export_history(self) -> Path | None:
        target = self.export_dir / f"alarms-{time.strftime('%Y%m%d-%H%M%S')}.csv"
        try:
            self.export_dir.mkdir(parents=True, exist_ok=True)
        except OSError as exc:  # disk full, permissions: say so, keep the page alive
            self._say("Export failed: %1", str(exc))
            return None
        result = await self.engine.export_alarm_history(self._actor(), self.history_filter(limit=1_000_000), target)
        if not result.ok:
            self._say("Export failed: %1", reason_text(result))
            return None
        self._say("Exported %1 rows to %2", str(result.value), str(target))
        return target
