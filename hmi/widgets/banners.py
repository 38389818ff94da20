"""Banners: the newest active alarm, and the PLC-link-lost banner readable across the room."""

from __future__ import annotations

from PySide6.QtCore import Qt
from PySide6.QtWidgets import QFrame, QHBoxLayout, QLabel, QSizePolicy, QVBoxLayout, QWidget

from core.api import Alarm, Priority
from hmi.bridge import EngineBridge
from hmi.code_names import link_error
from hmi.engine_process import STOPPED_ALARM as ENGINE_STOPPED_ALARM
from hmi.formatting import format_age, plant_time
from hmi.widgets.style import set_state

_PRIORITY_STATE = {
    Priority.CRITICAL: "critical",
    Priority.HIGH: "high",
    Priority.MEDIUM: "medium",
    Priority.LOW: "low",
}


def newest_alarm(alarms: list[Alarm]) -> Alarm | None:
    return max(alarms, key=lambda a: a.raised_ms, default=None)


class AlarmBanner(QFrame):
    """The newest alarm that needs attention; calm grey text when there is none."""

    def __init__(self, bridge: EngineBridge, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setObjectName("AlarmBanner")
        self.setMinimumHeight(56)
        self.priority_label = QLabel("", self)
        self.priority_label.setObjectName("BannerPriority")
        self.text_label = QLabel(self.tr("No active alarms"), self)
        self.text_label.setObjectName("BannerText")
        self.text_label.setSizePolicy(QSizePolicy.Policy.Ignored, QSizePolicy.Policy.Preferred)
        self.count_label = QLabel("", self)
        self.count_label.setObjectName("BannerCount")
        layout = QHBoxLayout(self)
        layout.setContentsMargins(16, 4, 16, 4)
        layout.addWidget(self.priority_label)
        layout.addWidget(self.text_label, 1)
        layout.addWidget(self.count_label)
        bridge.alarms_changed.connect(self.show_alarms)
        self.show_alarms(bridge.active_alarms())

    def text(self) -> str:
        return self.text_label.text()

    def show_alarms(self, alarms: list[Alarm]) -> None:
        alarm = newest_alarm(alarms)
        if alarm is None:
            set_state(self, "none")
            self.priority_label.setText("")
            self.text_label.setText(self.tr("No active alarms"))
            self.count_label.setText("")
            return
        set_state(self, _PRIORITY_STATE.get(alarm.priority, "medium"))
        raised = plant_time(alarm.raised_ms, "HH:mm:ss")
        self.priority_label.setText(alarm.priority.name)
        suffix = " " + self.tr("(acknowledged)") if alarm.state.value == "acknowledged" else ""
        self.text_label.setText(f"{raised}  {alarm.text}{suffix}")
        self.count_label.setText(self.tr("%1 active").replace("%1", str(len(alarms))) if len(alarms) > 1 else "")


class LinkBanner(QFrame):
    """Hidden while the PLC data is live; a full-width red bar when it is not."""

    def __init__(self, bridge: EngineBridge, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setObjectName("LinkBanner")
        self._bridge = bridge
        self.label = QLabel(self.tr("PLC LINK LOST — values are not live"), self)
        self.label.setObjectName("LinkBannerText")
        self.detail = QLabel("", self)
        self.detail.setObjectName("LinkBannerDetail")
        for label in (self.label, self.detail):
            label.setAlignment(Qt.AlignmentFlag.AlignCenter)
            # Never let the banner's text widen the window beyond the panel.
            label.setSizePolicy(QSizePolicy.Policy.Ignored, QSizePolicy.Policy.Preferred)
        layout = QVBoxLayout(self)
        layout.setContentsMargins(8, 6, 8, 6)
        layout.setSpacing(0)
        layout.addWidget(self.label)
        layout.addWidget(self.detail)
        set_state(self, "lost")
        self.setVisible(False)
        bridge.link_changed.connect(self._on_link)
        bridge.tick.connect(self._on_tick)

    def text(self) -> str:
        return f"{self.label.text()} ({self.detail.text()})"

    def _on_link(self, ok: bool) -> None:
        self.setVisible(not ok)
        self._on_tick()

    def _on_tick(self, now: float | None = None) -> None:
        if self.isHidden():
            return
        age = self._bridge.data_age_s(now)
        error = self._bridge.status.link.last_error
        detail = (self.tr("no data for %1").replace("%1", format_age(age)) if age is not None
                  else self.tr("no data received yet"))
        if error:
            detail += f" — {link_error(error)}"
        self.detail.setText(detail)
        # The engine's process ended: that, not the PLC link, is what stopped the values.
        stopped = self._bridge.engine.alarm(ENGINE_STOPPED_ALARM) is not None
        self.label.setText(self.tr("ENGINE STOPPED — values are not live") if stopped
                           else self.tr("PLC LINK LOST — values are not live"))
