"""Banners: the newest active alarm, and the PLC-link-lost banner readable across the room.

When the engine's process has died, the link banner says ENGINE STOPPED and offers "Restart engine"
(hmi.engine_restart: who may, the automatic restarts) and, once a restart is done, says so for a
while: by whom, in manual mode.
"""

from __future__ import annotations

from PySide6.QtCore import Qt
from PySide6.QtWidgets import QFrame, QHBoxLayout, QLabel, QPushButton, QSizePolicy, QVBoxLayout, QWidget

from core.api import Alarm, Priority, UserSession
from hmi.bridge import EngineBridge
from hmi.code_names import link_error
from hmi.engine_process import STOPPED_ALARM as ENGINE_STOPPED_ALARM
from hmi.engine_process import EngineProcess
from hmi.engine_restart import RestartOutcome
from hmi.formatting import format_age, plant_time
from hmi.tasks import spawn
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
        # The engine's process died: start a fresh one (a person allowed to; hmi.engine_restart).
        self.restart_button = QPushButton(self.tr("Restart engine"), self)
        self.restart_button.setObjectName("LinkBannerButton")
        self.restart_button.clicked.connect(self.restart_engine)
        self.restart_button.setVisible(False)
        layout = QVBoxLayout(self)
        layout.setContentsMargins(8, 6, 8, 6)
        layout.setSpacing(0)
        layout.addWidget(self.label)
        layout.addWidget(self.detail)
        layout.addWidget(self.restart_button, 0, Qt.AlignmentFlag.AlignHCenter)
        set_state(self, "lost")
        self.setVisible(False)
        bridge.link_changed.connect(self._on_link)
        bridge.tick.connect(self._on_tick)

    def text(self) -> str:
        return f"{self.label.text()} ({self.detail.text()})"

    def _process(self) -> EngineProcess | None:
        engine = self._bridge.engine
        return engine if isinstance(engine, EngineProcess) else None  # only a process can be restarted

    def _restarted(self) -> RestartOutcome | None:
        """The restart to tell of now: a recent one that brought the engine back."""
        process = self._process()
        outcome = process.last_restart if process is not None else None
        return outcome if outcome is not None and outcome.ok and outcome.recent() else None

    def _on_link(self, ok: bool) -> None:
        self.setVisible(not ok or self._restarted() is not None)
        self._on_tick()

    def restart_engine(self) -> None:
        """The button: as the logged-in user the engine last knew, if they may (the proxy checks again)."""
        process = self._process()
        who = process.restart_user() if process is not None else None
        if process is None or who is None:
            return
        self.restart_button.setEnabled(False)
        self.detail.setText(self.tr("Restarting the engine…"))
        spawn(self._restart(process, who))

    async def _restart(self, process: EngineProcess, who: UserSession) -> None:
        await process.restart(who)
        self._on_link(self._bridge.link_ok)  # the outcome: said while it is recent, or why not

    def _on_tick(self, now: float | None = None) -> None:
        if self._bridge.link_ok:  # live: shown only to tell of a restart (a person's or automatic), while recent
            restarted = self._restarted()
            self.setVisible(restarted is not None)
            if restarted is not None:
                self._show_restarted(restarted)
            return
        if self.isHidden():
            return
        set_state(self, "lost")
        age = self._bridge.data_age_s(now)
        error = self._bridge.status.link.last_error
        detail = (self.tr("no data for %1").replace("%1", format_age(age)) if age is not None
                  else self.tr("no data received yet"))
        if error:
            detail += f" — {link_error(error)}"
        self.detail.setText(detail)
        # The engine's process ended: that, not the PLC link, is what stopped the values.
        stopped = self._bridge.engine.alarm(ENGINE_STOPPED_ALARM) is not None
        process = self._process()
        if process is not None and (process.restarting or process.auto_restart_pending):
            self.label.setText(self.tr("ENGINE RESTARTING — values are not live"))
            self.restart_button.setVisible(False)
            return
        self.label.setText(self.tr("ENGINE STOPPED — values are not live") if stopped
                           else self.tr("PLC LINK LOST — values are not live"))
        self._offer_restart(process if stopped else None)

    def _offer_restart(self, process: EngineProcess | None) -> None:
        """The button while the engine is stopped: enabled for whoever may restart it, with why not."""
        self.restart_button.setVisible(process is not None)
        if process is None:
            return
        who = process.restart_user()
        self.restart_button.setEnabled(who is not None)
        self.restart_button.setToolTip("" if who is not None else self.tr(
            "An engineer who is logged in can restart the engine here; otherwise restart the program"))
        outcome = process.last_restart
        if outcome is not None and not outcome.ok and outcome.recent():
            why = (self.tr("Automatic restarts used up: waiting for a person") if outcome.automatic
                   else self.tr("Restart failed: %1").replace("%1", outcome.reason))
            self.detail.setText(f"{self.detail.text()} — {why}")

    def _show_restarted(self, outcome: RestartOutcome) -> None:
        """Live again after a restart: say by whom and when, in manual mode, for a while."""
        set_state(self, "restarted")
        self.restart_button.setVisible(False)
        self.label.setText(self.tr("ENGINE RESTARTED — manual mode (ML off)"))
        by = (self.tr("automatically") if outcome.automatic
              else self.tr("by %1").replace("%1", outcome.user))
        detail = self.tr("Restarted %1 at %2").replace("%1", by).replace("%2", plant_time(outcome.wall_ms, "HH:mm:ss"))
        if outcome.logged_out:
            detail += " — " + self.tr("log in again")
        self.detail.setText(detail)
