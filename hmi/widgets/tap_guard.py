"""Swallow the taps that follow a layout shift, so a double tap never lands on what moved under it.

A banner above the navigation bar (the REPLAY bar, the PLC link banner) that hides or shows moves
every button below it by its height. An operator who taps Back to live twice saw the second tap
land on whatever slid under the finger: the navigation bar's Log in. For the double-click interval
after such a shift, presses and touches inside the window are eaten (releases pass, so no widget is
left pressed); a deliberate tap after that works as always. The application-wide filter is in place
only while armed: a Python filter on every event of the running screen would cost CPU for nothing.
"""

from __future__ import annotations

import time

from PySide6.QtCore import QEvent, QObject, QTimer
from PySide6.QtWidgets import QApplication, QWidget

_EATEN = frozenset({
    QEvent.Type.MouseButtonPress,
    QEvent.Type.MouseButtonDblClick,
    QEvent.Type.TouchBegin,
})
_SHIFTS = frozenset({QEvent.Type.Show, QEvent.Type.Hide})


class TapGuard(QObject):
    """Watches ``shifters``; for ``hold_s`` after one shows or hides, presses in ``window`` are eaten."""

    def __init__(self, window: QWidget, shifters: list[QWidget], hold_s: float | None = None) -> None:
        super().__init__(window)
        self._window = window
        self._shifters = list(shifters)
        self.hold_s = hold_s if hold_s is not None else max(QApplication.doubleClickInterval(), 300) / 1000.0
        self._until = 0.0
        self._filtering = False
        self.eaten = 0  # presses swallowed, for tests
        self._disarm = QTimer(self)
        self._disarm.setSingleShot(True)
        self._disarm.timeout.connect(self._stop_filtering)
        for widget in self._shifters:
            widget.installEventFilter(self)

    @property
    def armed(self) -> bool:
        return time.monotonic() < self._until

    def arm(self) -> None:
        """A shift happened: eat presses in the window for ``hold_s``."""
        self._until = time.monotonic() + self.hold_s
        app = QApplication.instance()
        if app is not None and not self._filtering:
            app.installEventFilter(self)
            self._filtering = True
        self._disarm.start(int(self.hold_s * 1000) + 20)

    def eventFilter(self, watched: QObject, event: QEvent) -> bool:
        kind = event.type()
        if kind in _SHIFTS and any(watched is widget for widget in self._shifters):
            if self._window.isVisible():
                self.arm()
            return False
        if kind in _EATEN and self.armed and isinstance(watched, QWidget) and watched.window() is self._window:
            self.eaten += 1
            return True
        return False

    def _stop_filtering(self) -> None:
        if self.armed:  # armed again meanwhile
            self._disarm.start(int((self._until - time.monotonic()) * 1000) + 20)
            return
        app = QApplication.instance()
        if app is not None and self._filtering:
            app.removeEventFilter(self)
        self._filtering = False
