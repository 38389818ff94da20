"""The status bar: achieved poll rate, age of the newest sample, storage queue, active alarms, who acts."""

from __future__ import annotations

from PySide6.QtWidgets import QLabel, QStatusBar, QWidget

from core.api import EngineStatus
from hmi.bridge import EngineBridge
from hmi.formatting import format_age
from hmi.widgets.style import set_state


class HmiStatusBar(QStatusBar):
    def __init__(self, bridge: EngineBridge, user: str, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setObjectName("HmiStatusBar")
        self.setSizeGripEnabled(False)
        self._bridge = bridge
        self.rate = QLabel("poll — Hz", self)
        self.age = QLabel("newest sample —", self)
        self.queue = QLabel("storage queue —", self)
        self.alarms = QLabel("alarms 0", self)
        self.user = QLabel(self)
        self.set_user(user)
        for label in (self.rate, self.age, self.queue, self.alarms, self.user):
            label.setObjectName("StatusField")
            self.addPermanentWidget(label)
        bridge.status_changed.connect(self._on_status)
        bridge.tick.connect(self._on_tick)
        bridge.alarms_changed.connect(lambda alarms: self._show_alarms(len(alarms)))

    def set_user(self, user: str, role: str = "") -> None:
        """The user actions are done as; the role once someone is logged in (the main window follows logins)."""
        self.user.setText(f"user {user} ({role})" if role else f"user {user}")
        set_state(self.user, "active" if role else "normal")

    def _on_status(self, status: EngineStatus) -> None:
        self.rate.setText(f"poll {status.link.achieved_hz:.1f} Hz")
        queue = status.storage.queue_rows
        self.queue.setText(f"storage queue {queue} rows")
        set_state(self.queue, "warn" if status.storage.backpressure else "normal")

    def _on_tick(self, now: float) -> None:
        age = self._bridge.data_age_s(now)
        self.age.setText(f"newest sample {format_age(age)}" + ("" if age is None else " old"))
        stale = age is None or age > self._bridge.stale_after_s
        set_state(self.age, "fault" if stale else "normal")
        self._show_alarms(len(self._bridge.active_alarms()))

    def _show_alarms(self, count: int) -> None:
        text = f"alarms {count}"
        if text != self.alarms.text():
            self.alarms.setText(text)
            set_state(self.alarms, "warn" if count else "normal")
