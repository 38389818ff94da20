"""The main window: link banner, page navigation, status bar; kiosk and desktop modes.

Closing never happens inside a Qt callback: closeEvent asks the application (``close_requested``)
and the application stops the engine, then calls :meth:`finish` which really closes the window.
"""

from __future__ import annotations

import importlib
import importlib.util
import logging

from PySide6.QtCore import Qt, Signal
from PySide6.QtGui import QAction, QCloseEvent, QKeySequence
from PySide6.QtWidgets import (
    QButtonGroup,
    QHBoxLayout,
    QMainWindow,
    QMessageBox,
    QPushButton,
    QStackedWidget,
    QVBoxLayout,
    QWidget,
)

from core.api import EngineApi
from hmi.bridge import EngineBridge
from hmi.pages.dashboard import DashboardPage
from hmi.pages.registers import RegistersPage
from hmi.pages.trends import TrendsPage
from hmi.permissions import Action, can, needs_confirmation
from hmi.session import Session
from hmi.widgets.banners import LinkBanner
from hmi.widgets.status_bar import HmiStatusBar
from hmi.widgets.style import set_state

log = logging.getLogger("bandsaw.hmi.window")

ALARMS_MODULE = "hmi.pages.alarms"
# Pages other engineers write, each `Page(bridge, engine, parent)`: (key, module, class, title).
OPTIONAL_PAGES = (
    ("alarms", ALARMS_MODULE, "AlarmsPage", "Alarms"),
    ("control", "hmi.pages.control", "ControlPage", "Control"),
    ("data", "hmi.pages.data", "DataPage", "Data"),
)


def load_optional_page(module_name: str, class_name: str, bridge: EngineBridge, engine: EngineApi,
                       parent: QWidget) -> QWidget | None:
    """A page from its own module if it has been written (no stand-in otherwise).

    A page that fails to build is logged and left out: it must not take the operator's window down.
    """
    if importlib.util.find_spec(module_name) is None:
        return None
    try:
        module = importlib.import_module(module_name)
        page: QWidget = getattr(module, class_name)(bridge, engine, parent)
    except Exception:
        log.exception("page %s.%s could not be built; it is left out", module_name, class_name)
        return None
    return page


class MainWindow(QMainWindow):
    close_requested = Signal()

    def __init__(self, engine: EngineApi, session: Session, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setObjectName("MainWindow")
        self.setWindowTitle(f"Band saw — {engine.settings.machine.name}")
        self.engine = engine
        self.session = session
        self.bridge = EngineBridge(engine, parent=self)
        self._finishing = False
        self._confirm: QMessageBox | None = None

        self.link_banner = LinkBanner(self.bridge, self)
        self.stack = QStackedWidget(self)
        self.pages: dict[str, QWidget] = {
            "dashboard": DashboardPage(self.bridge, session, self),
            "trends": TrendsPage(self.bridge, parent=self),
            "registers": RegistersPage(self.bridge, session, self),
        }
        titles = {"dashboard": "Dashboard", "trends": "Trends", "registers": "Registers"}
        for key, module_name, class_name, title in OPTIONAL_PAGES:
            page = load_optional_page(module_name, class_name, self.bridge, engine, self)
            if page is not None:
                self.pages[key] = page
                titles[key] = title

        nav = QHBoxLayout()
        nav.setSpacing(4)
        self.nav_group = QButtonGroup(self)
        self.nav_buttons: dict[str, QPushButton] = {}
        for i, (key, page) in enumerate(self.pages.items()):
            self.stack.addWidget(page)
            button = QPushButton(titles.get(key, key.capitalize()), self)
            button.setObjectName("NavButton")
            button.setCheckable(True)
            button.setMinimumSize(140, 56)
            button.clicked.connect(lambda _c=False, k=key: self.show_page(k))
            self.nav_group.addButton(button, i)
            self.nav_buttons[key] = button
            nav.addWidget(button)
        nav.addStretch(1)
        self.leave_kiosk_button = QPushButton("Leave kiosk", self)
        self.leave_kiosk_button.setObjectName("NavButton")
        self.leave_kiosk_button.setMinimumSize(140, 56)
        self.leave_kiosk_button.clicked.connect(self.request_leave_kiosk)
        nav.addWidget(self.leave_kiosk_button)
        self.leave_kiosk_button.setVisible(session.kiosk)

        central = QWidget(self)
        layout = QVBoxLayout(central)
        layout.setContentsMargins(6, 6, 6, 0)
        layout.addWidget(self.link_banner)
        layout.addLayout(nav)
        layout.addWidget(self.stack, 1)
        self.setCentralWidget(central)
        self.setStatusBar(HmiStatusBar(self.bridge, session.user, self))
        self._build_menus()
        self.show_page("dashboard")
        self.resize(1280, 800)

    # --- pages and menus ---------------------------------------------------------------

    def show_page(self, key: str) -> None:
        self.stack.setCurrentWidget(self.pages[key])
        self.nav_buttons[key].setChecked(True)

    def _build_menus(self) -> None:
        menu = self.menuBar()
        file_menu = menu.addMenu("&File")
        quit_action = QAction("&Quit", self)
        quit_action.setShortcut(QKeySequence.StandardKey.Quit)
        quit_action.triggered.connect(self.close)
        file_menu.addAction(quit_action)
        view = menu.addMenu("&View")
        for i, key in enumerate(self.pages):
            action = QAction(self.nav_buttons[key].text(), self)
            action.setShortcut(QKeySequence(f"Ctrl+{i + 1}"))
            action.triggered.connect(lambda _c=False, k=key: self.show_page(k))
            view.addAction(action)
            self.addAction(action)  # shortcuts keep working while the menu bar is hidden
        view.addSeparator()
        full = QAction("&Full screen", self)
        full.setShortcut(QKeySequence(Qt.Key.Key_F11))
        full.triggered.connect(self._toggle_full_screen)
        view.addAction(full)
        kiosk = QAction("&Kiosk mode", self)
        kiosk.triggered.connect(lambda: self.set_kiosk(True))
        view.addAction(kiosk)
        help_menu = menu.addMenu("&Help")
        about = QAction("&About", self)
        about.triggered.connect(self._about)
        help_menu.addAction(about)

    def _toggle_full_screen(self) -> None:
        if self.session.kiosk:
            return
        self.showNormal() if self.isFullScreen() else self.showFullScreen()

    def _about(self) -> None:
        box = QMessageBox(QMessageBox.Icon.Information, "About", "Band saw HMI", parent=self)
        box.setAttribute(Qt.WidgetAttribute.WA_DeleteOnClose)
        box.open()

    # --- kiosk -------------------------------------------------------------------------

    def set_kiosk(self, kiosk: bool) -> None:
        """Full screen, frameless, no menus (kiosk) or a normal resizable window (desktop)."""
        self.session.kiosk = kiosk
        set_state(self, "true" if kiosk else "false", prop="kiosk")
        self.menuBar().setVisible(not kiosk)
        self.leave_kiosk_button.setVisible(kiosk)
        self.setWindowFlag(Qt.WindowType.FramelessWindowHint, kiosk)
        if kiosk:
            self.showFullScreen()
        else:
            self.showNormal()

    def request_leave_kiosk(self) -> QMessageBox | None:
        """Leaving kiosk mode is protected: permission, then a confirmation (non-modal)."""
        if not can(self.session.user, Action.LEAVE_KIOSK):
            box = QMessageBox(QMessageBox.Icon.Warning, "Not permitted",
                              f"{self.session.user} may not leave kiosk mode.", parent=self)
            box.setAttribute(Qt.WidgetAttribute.WA_DeleteOnClose)
            box.open()
            return box
        if not needs_confirmation(Action.LEAVE_KIOSK):
            self.set_kiosk(False)
            return None
        box = QMessageBox(QMessageBox.Icon.Question, "Leave kiosk mode",
                          "Leave kiosk mode and show the desktop window?",
                          QMessageBox.StandardButton.Yes | QMessageBox.StandardButton.No, self)
        box.setDefaultButton(QMessageBox.StandardButton.No)
        for button in box.buttons():
            button.setMinimumSize(120, 56)
        box.finished.connect(self._leave_kiosk_answered)
        self._confirm = box
        box.open()
        return box

    def _leave_kiosk_answered(self, result: int) -> None:
        if result == QMessageBox.StandardButton.Yes:
            self.set_kiosk(False)
        if self._confirm is not None:
            self._confirm.deleteLater()
            self._confirm = None

    # --- closing -----------------------------------------------------------------------

    def closeEvent(self, event: QCloseEvent) -> None:
        if self._finishing:
            event.accept()
            return
        event.ignore()
        if self.session.kiosk:
            return  # the window manager's close does not end kiosk mode; Leave kiosk does
        self.close_requested.emit()

    def shutdown(self) -> None:
        """Stop the bridge and every timer the pages own (before the engine stops)."""
        self.bridge.detach()
        trends = self.pages["trends"]
        if isinstance(trends, TrendsPage):
            trends.plot.stop()
        for key, page in self.pages.items():
            stop = getattr(page, "shutdown", None) or getattr(page, "stop", None)
            if key not in ("dashboard", "trends", "registers") and callable(stop):
                try:
                    stop()
                except Exception:  # one page's clean-up must not block the others or the engine stop
                    log.exception("page %s failed to stop", key)

    def finish(self) -> None:
        """Really close (the application has stopped the engine)."""
        self.shutdown()
        self._finishing = True
        self.close()
