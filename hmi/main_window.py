"""The main window: link banner, page navigation, login, status bar; kiosk and desktop modes.

Closing never happens inside a Qt callback: closeEvent asks the application (``close_requested``)
and the application stops the engine, then calls :meth:`finish` which really closes the window.

Access control: with ``engine.access`` (core.security.access.AccessControl) the window owns a
SessionController (``self.sessions``): the operator view until someone logs in with the login
button, pages follow logins, pages a user may not use are hidden. An engine without ``access``
(a widget-test fake, an engine built elsewhere) keeps hmi.permissions' allow-and-confirm policy:
no login button, every page shown, and the engine stays the one that refuses.
"""

from __future__ import annotations

import importlib
import importlib.util
import logging

from PySide6.QtCore import QCoreApplication, QSize, Qt, Signal
from PySide6.QtGui import QAction, QCloseEvent, QKeySequence
from PySide6.QtWidgets import (
    QButtonGroup,
    QFrame,
    QLabel,
    QMainWindow,
    QMessageBox,
    QPushButton,
    QScrollArea,
    QStackedWidget,
    QVBoxLayout,
    QWidget,
)

from core.api import EngineApi
from hmi.bridge import EngineBridge
from hmi.dialogs.login_admin import CreateAdminDialog, offer_first_admin
from hmi.dialogs.login_button import LoginButton
from hmi.dialogs.login_session import SessionController
from hmi.formatting import use_plant_zone
from hmi.i18n import QT_TRANSLATE_NOOP, translate
from hmi.kiosk import TOUCH_PX, apply_touch_sizes
from hmi.lifetime import delete_later, delete_on_close
from hmi.pages.overview import OverviewPage
from hmi.pages.registers import RegistersPage
from hmi.pages.trends import TrendsPage
from hmi.permissions import Action, can, needs_confirmation
from hmi.session import Session
from hmi.widgets.banners import LinkBanner
from hmi.widgets.language_switch import LanguageSwitch
from hmi.widgets.nav_bar import NavBar
from hmi.widgets.replay_bar import ReplayBar, ReplayChooser
from hmi.widgets.status_bar import HmiStatusBar
from hmi.widgets.style import set_state
from hmi.widgets.tap_guard import TapGuard

log = logging.getLogger("bandsaw.hmi.window")

ALARMS_MODULE = "hmi.pages.alarms"
# Pages other engineers write, each `Page(bridge, engine, parent)`: (key, module, class, title).
OPTIONAL_PAGES = (
# Titles are marked for lupdate here and translated where shown (page_title).
    ("alarms", ALARMS_MODULE, "AlarmsPage", QT_TRANSLATE_NOOP("MainWindow", "Alarms")),
    ("control", "hmi.pages.control", "ControlPage", QT_TRANSLATE_NOOP("MainWindow", "Control")),
    ("production", "hmi.pages.production", "ProductionPage", QT_TRANSLATE_NOOP("MainWindow", "Production")),
    ("data", "hmi.pages.data", "DataPage", QT_TRANSLATE_NOOP("MainWindow", "Data")),
    ("users", "hmi.pages.users", "UsersPage", QT_TRANSLATE_NOOP("MainWindow", "Users")),
    ("audit", "hmi.pages.audit", "AuditPage", QT_TRANSLATE_NOOP("MainWindow", "Audit")),
)
# Pages shown only to users who may do what they are for (hidden otherwise). The audit trail is
# evidence engineers export; there is no separate "view audit" permission, so EXPORT gates it.
PAGE_ACTIONS: dict[str, Action] = {"users": Action.MANAGE_USERS, "audit": Action.EXPORT}
NAV_HEIGHT = TOUCH_PX  # touch target (the theme adds the border)
NAV_MIN_WIDTH = 80  # the rest as the text needs: every button fits 1280 px, in Turkish too
CORE_TITLES = {"dashboard": QT_TRANSLATE_NOOP("MainWindow", "Dashboard"),
               "trends": QT_TRANSLATE_NOOP("MainWindow", "Trends"),
               "registers": QT_TRANSLATE_NOOP("MainWindow", "Registers")}


def page_title(title: str) -> str:
    """A page's navigation title in the screen's language (the English title when not translated)."""
    return QCoreApplication.translate("MainWindow", title)


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


class PageStack(QStackedWidget):
    """A stack as tall as the page shown needs, not the tallest page there is.

    QStackedWidget's minimum is the largest over every page, hidden ones included: one tall page
    (control) would make the window overflow the 1280x800 panel as soon as the PLC-link banner shows.
    """

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.currentChanged.connect(lambda _index: self.updateGeometry())

    def hasHeightForWidth(self) -> bool:
        page = self.currentWidget()
        return page is not None and page.hasHeightForWidth()

    def heightForWidth(self, width: int) -> int:
        page = self.currentWidget()
        return page.heightForWidth(width) if page is not None else -1

    def minimumSizeHint(self) -> QSize:
        page = self.currentWidget()
        return page.minimumSizeHint() if page is not None else super().minimumSizeHint()


class MainWindow(QMainWindow):
    close_requested = Signal()

    def __init__(self, engine: EngineApi, session: Session, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setObjectName("MainWindow")
        self.setWindowTitle(self.tr("Band saw — %1").replace("%1", engine.settings.machine.name))
        self.engine = engine
        self.session = session
        # The application's one window sets the process-wide plant zone: every time on the screen.
        use_plant_zone(engine.settings.machine.time_zone)
        self.bridge = EngineBridge(engine, parent=self)
        self._finishing = False
        self._confirm: QMessageBox | None = None
        self._sessions_running = False
        self.first_admin_dialog: CreateAdminDialog | None = None
        # Built before the pages: it sets session.user to operator and installs the policy they read.
        self.sessions = SessionController(engine, session, parent=self)

        self.link_banner = LinkBanner(self.bridge, self)
        self.replay_bar = ReplayBar(self.bridge, session, self)  # REPLAY, unmissable, while one runs
        self.replay_chooser: ReplayChooser | None = None
        # Either banner showing or hiding moves the nav bar and the page under a finger mid double tap.
        self.tap_guard = TapGuard(self, [self.link_banner, self.replay_bar])
        self.stack = PageStack(self)
        self.pages: dict[str, QWidget] = {
            "dashboard": OverviewPage(self.bridge, session, self),
            "trends": TrendsPage(self.bridge, parent=self),
            "registers": RegistersPage(self.bridge, session, self),
        }
        titles = dict(CORE_TITLES)
        for key, module_name, class_name, title in OPTIONAL_PAGES:
            page = load_optional_page(module_name, class_name, self.bridge, engine, self)
            if page is not None:
                self.pages[key] = page
                titles[key] = title

        nav = NavBar(self)  # pages left, session buttons right, one row; pages that do not fit under More
        self.nav_group = QButtonGroup(self)
        self.nav_buttons: dict[str, QPushButton] = {}
        for i, (key, page) in enumerate(self.pages.items()):
            self.stack.addWidget(page)
            button = QPushButton(page_title(titles.get(key, key.capitalize())), self)
            button.setObjectName("NavButton")
            button.setCheckable(True)
            button.setMinimumSize(NAV_MIN_WIDTH, NAV_HEIGHT)  # wider as its text needs (Turkish is longer)
            button.clicked.connect(lambda _c=False, k=key: self.show_page(k))
            self.nav_group.addButton(button, i)
            self.nav_buttons[key] = button
            nav.add_page(button)
        self.replay_button = QPushButton(translate("MainWindow", "Replay…"), self)
        self.replay_button.setObjectName("NavButton")
        self.replay_button.setMinimumSize(NAV_MIN_WIDTH, NAV_HEIGHT)
        self.replay_button.clicked.connect(self.open_replay)
        nav.add_session(self.replay_button)
        # English / Türkçe for everyone at the screen, remembered per user (hmi.widgets.language_switch).
        self.language_button = LanguageSwitch.in_data_dir(engine.settings.data_dir, user=session.user, parent=self)
        self.language_button.setMinimumHeight(NAV_HEIGHT)
        nav.add_session(self.language_button)
        self.login_button = LoginButton(self.sessions, kiosk=session.kiosk, parent=self)
        self.login_button.setMinimumHeight(NAV_HEIGHT)
        nav.add_session(self.login_button)
        self.leave_kiosk_button = QPushButton(self.tr("Leave kiosk"), self)
        self.leave_kiosk_button.setObjectName("NavButton")
        self.leave_kiosk_button.setMinimumSize(NAV_MIN_WIDTH, NAV_HEIGHT)
        self.leave_kiosk_button.clicked.connect(self.request_leave_kiosk)
        self.leave_kiosk_button.setVisible(session.kiosk and can(session.user, Action.LEAVE_KIOSK))
        nav.add_extra(self.leave_kiosk_button)  # under More: rarely used, and the row is full

        central = QWidget(self)
        layout = QVBoxLayout(central)
        layout.setContentsMargins(6, 4, 6, 0)
        layout.setSpacing(4)  # every pixel counts on the 1280x800 panel when the link banner shows
        layout.addWidget(self.link_banner)
        layout.addWidget(self.replay_bar)
        layout.addWidget(nav)
        self.nav_bar = nav
        # The pages take what the banners leave: with the link banner and the REPLAY bar both shown a
        # page scrolls rather than grow the window past the 1280x800 panel (the status bar, where
        # REPLAY shows, would go off-screen), and Back to live gives the page its height back.
        self.page_area = QScrollArea(self)
        self.page_area.setObjectName("PageArea")
        self.page_area.setFrameShape(QFrame.Shape.NoFrame)
        self.page_area.setWidgetResizable(True)
        self.page_area.setWidget(self.stack)
        layout.addWidget(self.page_area, 1)
        self.setCentralWidget(central)
        self.status_bar = HmiStatusBar(self.bridge, session.user, self)
        self.setStatusBar(self.status_bar)
        self.replay_field = QLabel(translate("MainWindow", "REPLAY"), self)
        self.replay_field.setObjectName("StatusField")
        set_state(self.replay_field, "replay")
        self.replay_field.setVisible(False)
        self.status_bar.addWidget(self.replay_field)
        self.bridge.replay_changed.connect(lambda status: self.replay_field.setVisible(status.active))
        self._build_menus()
        self.show_page("dashboard")
        self._permissions: frozenset[Action] = frozenset()  # what the user could do when the pages last followed
        self.sessions.user_changed.connect(self._user_changed)
        for page in self.pages.values():
            self.sessions.follow(page)
        self._user_changed(self.sessions.user, self.sessions.role.value)
        self.bridge.tick.connect(self.recheck_permissions)
        self.resize(1280, 800)

    def translator_language(self) -> str:
        """The language the screen shows now (en, tr)."""
        return self.language_button.translator.language

    # --- sessions ----------------------------------------------------------------------

    def start_sessions(self) -> None:
        """After the window shows: inactivity log-out runs; a first start offers to create the admin."""
        if self._sessions_running:
            return
        self._sessions_running = True
        self.sessions.start()
        dialog = offer_first_admin(self.engine, kiosk=self.session.kiosk, parent=self)
        if dialog is not None:
            self.first_admin_dialog = dialog
            dialog.finished.connect(self._first_admin_closed)
            dialog.created.connect(lambda _name: self._refresh_users())

    def stop_sessions(self) -> None:
        """Log out the screen's user (audited) and stop watching input; before the engine stops."""
        if self.first_admin_dialog is not None:
            self.first_admin_dialog.close()
            self.first_admin_dialog = None
        if self.login_button is not None and self.login_button.dialog is not None:
            self.login_button.dialog.close()
        if self.replay_chooser is not None:
            self.replay_chooser.close()
        if self._sessions_running:
            self._sessions_running = False
            self.sessions.stop()

    # --- replay ------------------------------------------------------------------------------

    def open_replay(self) -> ReplayChooser:
        """The chooser (non-modal): a period, a cut or an alarm; the dashboard shows the replay."""
        if self.replay_chooser is None:
            chooser = ReplayChooser(self.bridge, self.session, self)
            chooser.started.connect(lambda _status: self._replay_started())
            chooser.finished.connect(self._replay_chooser_closed)
            self.replay_chooser = chooser
        if self.session.kiosk:
            apply_touch_sizes(self.replay_chooser, True)
        self.replay_chooser.load_lists()
        self.replay_chooser.open()
        return self.replay_chooser

    def _replay_started(self) -> None:
        if self.stack.currentWidget() not in (self.pages["dashboard"], self.pages["trends"]):
            self.show_page("dashboard")

    def _replay_chooser_closed(self, _result: int) -> None:
        if self.replay_chooser is not None:
            delete_later(self.replay_chooser)
            self.replay_chooser = None

    def _first_admin_closed(self) -> None:
        self.first_admin_dialog = None

    def _refresh_users(self) -> None:
        users = self.pages.get("users")
        refresh = getattr(users, "refresh", None)
        if callable(refresh):
            refresh()

    def permissions(self) -> frozenset[Action]:
        """What the screen's user may do now, as hmi.permissions answers."""
        return frozenset(action for action in Action if can(self.session.user, action))

    def recheck_permissions(self, _now: float = 0.0) -> None:
        """The pages follow what the user may do, not only who the user is. The process host answers
        can() from the sessions view the engine pushes, and a window built before the first push showed
        the operator's view without presets and ML until a login and a log-out; a plant's change of
        what nobody-logged-in may do is followed too. Asked on every status tick (a few set lookups)."""
        if self.permissions() != self._permissions:
            log.info("what %s may do changed: the pages follow", self.session.user)
            self.sessions.user_changed.emit(self.session.user, self.sessions.role.value)

    def _user_changed(self, user: str, role: str) -> None:
        """Status bar names who acts; pages the user may not use disappear (back to the dashboard)."""
        self._permissions = self.permissions()
        logged_in = self.sessions.logged_in
        if user != self.language_button.user:
            self.language_button.follow_user(user)  # their last choice of language, if any
        self.status_bar.set_user(user, role if logged_in else "", view_only=not logged_in and role == "viewer")
        # Operators never see a button that can only refuse them.
        self.leave_kiosk_button.setVisible(self.session.kiosk and can(user, Action.LEAVE_KIOSK))
        for key, action in PAGE_ACTIONS.items():
            if key not in self.nav_buttons:
                continue
            allowed = can(user, action)
            self.nav_buttons[key].setVisible(allowed)
            self.view_actions[key].setEnabled(allowed)
            self.view_actions[key].setVisible(allowed)
            if not allowed and self.stack.currentWidget() is self.pages[key]:
                self.show_page("dashboard")

    # --- pages and menus ---------------------------------------------------------------

    def show_page(self, key: str) -> None:
        action = PAGE_ACTIONS.get(key)
        if action is not None and self.sessions is not None and not can(self.session.user, action):
            key = "dashboard"  # a hidden page's shortcut or --page: the dashboard instead
        self.stack.setCurrentWidget(self.pages[key])
        self.nav_buttons[key].setChecked(True)

    def _build_menus(self) -> None:
        menu = self.menuBar()
        file_menu = menu.addMenu(self.tr("&File"))
        quit_action = QAction(self.tr("&Quit"), self)
        quit_action.setShortcut(QKeySequence.StandardKey.Quit)
        quit_action.triggered.connect(self.close)
        file_menu.addAction(quit_action)
        view = menu.addMenu(self.tr("&View"))
        self.view_actions: dict[str, QAction] = {}
        for i, key in enumerate(self.pages):
            action = QAction(self.nav_buttons[key].text(), self)
            if i < 9:
                action.setShortcut(QKeySequence(f"Ctrl+{i + 1}"))
            action.triggered.connect(lambda _c=False, k=key: self.show_page(k))
            view.addAction(action)
            self.addAction(action)  # shortcuts keep working while the menu bar is hidden
            self.view_actions[key] = action
        view.addSeparator()
        full = QAction(self.tr("&Full screen"), self)
        full.setShortcut(QKeySequence(Qt.Key.Key_F11))
        full.triggered.connect(self._toggle_full_screen)
        view.addAction(full)
        kiosk = QAction(self.tr("&Kiosk mode"), self)
        kiosk.triggered.connect(lambda: self.set_kiosk(True))
        view.addAction(kiosk)
        help_menu = menu.addMenu(self.tr("&Help"))
        about = QAction(self.tr("&About"), self)
        about.triggered.connect(self._about)
        help_menu.addAction(about)

    def _toggle_full_screen(self) -> None:
        if self.session.kiosk:
            return
        self.showNormal() if self.isFullScreen() else self.showFullScreen()

    def _about(self) -> None:
        box = QMessageBox(QMessageBox.Icon.Information, self.tr("About"), self.tr("Band saw HMI"), parent=self)
        delete_on_close(box)
        box.open()

    # --- kiosk -------------------------------------------------------------------------

    def set_kiosk(self, kiosk: bool, *, full_screen: bool = True) -> None:
        """Full screen, frameless, no menus (kiosk) or a normal resizable window (desktop).

        ``full_screen=False`` gives the kiosk look at the window's size (screenshots of the panel).
        """
        self.session.kiosk = kiosk
        set_state(self, "true" if kiosk else "false", prop="kiosk")
        apply_touch_sizes(self, kiosk)  # 48 px targets 8 px apart, dialogs included
        self.menuBar().setVisible(not kiosk)
        self.leave_kiosk_button.setVisible(kiosk and can(self.session.user, Action.LEAVE_KIOSK))
        if self.login_button is not None:
            self.login_button.kiosk = kiosk  # the next login dialog: keypad or typed PIN
        if not full_screen:
            return
        self.setWindowFlag(Qt.WindowType.FramelessWindowHint, kiosk)
        if kiosk:
            self.showFullScreen()
        else:
            self.showNormal()

    def request_leave_kiosk(self) -> QMessageBox | None:
        """Leaving kiosk mode is protected: permission, then a confirmation (non-modal)."""
        if not can(self.session.user, Action.LEAVE_KIOSK):
            box = QMessageBox(QMessageBox.Icon.Warning, self.tr("Not permitted"),
                              self.tr("%1 may not leave kiosk mode.").replace("%1", self.session.user), parent=self)
            delete_on_close(box)
            box.open()
            return box
        if not needs_confirmation(Action.LEAVE_KIOSK):
            self.set_kiosk(False)
            return None
        box = QMessageBox(QMessageBox.Icon.Question, self.tr("Leave kiosk mode"),
                          self.tr("Leave kiosk mode and show the desktop window?"),
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
            delete_later(self._confirm)
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
        """Log out, stop the bridge and every timer the pages own (before the engine stops)."""
        self.stop_sessions()
        self.language_button.detach()
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
