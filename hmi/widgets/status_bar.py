"""The status bar: age of the newest sample, the alarm count, who acts; poll rate and storage queue for engineers.

The alarm count is the alarm manager's one definition (AlarmCounts), as on the banner and the alarm
page. During a link loss the poll field says so instead of an old rate.
"""

from __future__ import annotations

from PySide6.QtCore import QEvent
from PySide6.QtGui import QResizeEvent
from PySide6.QtWidgets import QLabel, QStatusBar, QStyle, QWidget

from core.api import EngineStatus
from hmi.bridge import EngineBridge
from hmi.code_names import role_name
from hmi.formatting import format_age, format_number
from hmi.i18n import translate
from hmi.session import OPERATOR
from hmi.widgets.style import set_state

ENGINEERING_ROLES = ("engineer", "admin")


class HmiStatusBar(QStatusBar):
    def __init__(self, bridge: EngineBridge, user: str, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setObjectName("HmiStatusBar")
        self.setSizeGripEnabled(False)
        self._bridge = bridge
        self._summary = bridge.engine.alarm_summary
        self.rate = QLabel("—", self)
        self.age = QLabel(translate("HmiStatusBar", "newest sample %1").replace("%1", "—"), self)
        self.queue = QLabel("—", self)
        self.alarms = QLabel(translate("HmiStatusBar", "alarms %1").replace("%1", "0"), self)
        self.user = QLabel(self)
        self.set_user(user)
        for label in (self.rate, self.age, self.queue, self.alarms, self.user):
            label.setObjectName("StatusField")
            self.addPermanentWidget(label)
        # Least needed first, these step aside when the bar is too narrow (fit()): with REPLAY, an
        # alarm and an admin in Turkish on the kiosk the fields asked for 1292 px and the window grew
        # past the 1280 px panel. Their minimum is 1 px (0 would leave the text's width), so the bar
        # never widens the window; they have their text's width whenever the bar has it.
        self._droppable = (self.queue, self.rate, self.age)
        for label in self._droppable:
            label.setMinimumWidth(1)
        bridge.status_changed.connect(self._on_status)
        bridge.tick.connect(self._on_tick)
        bridge.alarms_changed.connect(lambda _alarms: self._show_alarms())
        self.set_user(user)

    def changeEvent(self, event: QEvent) -> None:
        super().changeEvent(event)
        if event.type() == QEvent.Type.LanguageChange:  # the role's name is in the screen's language too
            user, role, view_only = getattr(self, "_shown_user", ("", "", False))
            self.set_user(user, role, view_only=view_only)

    def set_user(self, user: str, role: str = "", *, view_only: bool = False) -> None:
        """The user actions are done as; the role once someone is logged in (the main window follows
        logins). Nobody logged in: which view the plant chose (security.anonymous_role)."""
        self._shown_user = (user, role, view_only)
        if role:
            text = translate("HmiStatusBar", "user %1 (%2)").replace("%2", role_name(role))
        elif user == OPERATOR and view_only:
            text = translate("HmiStatusBar", "not logged in (view only)")
        elif user == OPERATOR:  # nobody logged in: say so, not a user name nobody has
            text = translate("HmiStatusBar", "not logged in (operator view)")
        else:
            text = translate("HmiStatusBar", "user %1")
        self.user.setText(text.replace("%1", user))
        set_state(self.user, "active" if role else "normal")
        engineer = str(role).lower() in ENGINEERING_ROLES
        # poll rate and queue rows mean something to engineers only
        self._wanted = {self.age, self.rate, self.queue} if engineer else {self.age}
        self.fit()

    def fit(self) -> None:
        """Show the fields the user wants that fit the bar's width; the rest step aside, the storage
        queue first, then the poll rate, then the sample age (alarms, user and REPLAY always stay)."""
        if not hasattr(self, "_droppable"):
            return
        for label in self._droppable:
            label.setVisible(label in self._wanted)
        if not self.isVisible():
            return
        room = self.contentsRect().width()
        shown = [w for w in self.findChildren(QWidget) if w.parentWidget() is self and w.isVisibleTo(self)]
        gap = self.style().pixelMetric(QStyle.PixelMetric.PM_LayoutHorizontalSpacing) + 8
        needed = sum(w.sizeHint().width() + gap for w in shown)
        for label in self._droppable:
            if needed <= room:
                break
            if label.isVisibleTo(self):
                label.setVisible(False)
                needed -= label.sizeHint().width() + gap

    def resizeEvent(self, event: QResizeEvent) -> None:
        super().resizeEvent(event)
        self.fit()

    def _on_status(self, status: EngineStatus) -> None:
        if self._bridge.link_ok:
            hz = format_number(status.link.achieved_hz, 1)
            self.rate.setText(translate("HmiStatusBar", "poll %1 Hz").replace("%1", hz))
            set_state(self.rate, "normal")
        else:  # an old rate during a link loss would say all is well
            self.rate.setText(translate("HmiStatusBar", "PLC link lost"))
            set_state(self.rate, "fault")
        queue = status.storage.queue_rows
        self.queue.setText(self.tr("storage queue %n rows", "", queue))
        set_state(self.queue, "warn" if status.storage.backpressure else "normal")

    def _on_tick(self, now: float) -> None:
        age = self._bridge.data_age_s(now)
        self.age.setText(translate("HmiStatusBar", "newest sample %1").replace("%1", format_age(age)))
        stale = age is None or age > self._bridge.stale_after_s
        set_state(self.age, "fault" if stale else "normal")
        self._show_alarms()
        self.fit()  # the texts changed, or the main window's REPLAY field came or went

    def _show_alarms(self) -> None:
        counts = self._summary()
        text = translate("HmiStatusBar", "alarms %1").replace("%1", str(counts.attention))
        if counts.unacknowledged:
            text += " " + translate("HmiStatusBar", "(%1 unacknowledged)").replace("%1", str(counts.unacknowledged))
        if text != self.alarms.text():
            self.alarms.setText(text)
            set_state(self.alarms, "warn" if counts.attention else "normal")
