"""The HMI's session: who is logged in at this screen, automatic log-out, and the permission policy.

One :class:`SessionController` per window. It keeps ``session.user`` (the object every page
reads) equal to the logged-in user, or ``operator`` when nobody is; installs the
hmi.permissions policy that asks the engine (``allowed``: the engine's one table); restarts the
inactivity time on every touch, click or key; and logs out to operator after ``hmi.inactivity_logout_s`` (checked once
a second against the engine's injected clock).
"""

from __future__ import annotations

import logging
from collections.abc import Callable

from PySide6.QtCore import QEvent, QObject, QTimer, Signal
from PySide6.QtWidgets import QApplication

from core.api import ANONYMOUS_USER, EngineApi, Result, Role, UserSession
from hmi.permissions import Action, set_policy
from hmi.session import Session, acting

log = logging.getLogger("bandsaw.hmi.session")

IDLE_CHECK_MS = 1000
ACTIVITY_EVENTS = frozenset({
    QEvent.Type.MouseButtonPress, QEvent.Type.KeyPress, QEvent.Type.TouchBegin, QEvent.Type.Wheel,
})


class SessionController(QObject):
    """``user_changed(user, role)`` after every login and log-out (manual, inactivity, disabled)."""

    user_changed = Signal(str, str)

    def __init__(
        self,
        engine: EngineApi,
        session: Session,
        *,
        parent: QObject | None = None,
        idle_check_ms: int = IDLE_CHECK_MS,
    ) -> None:
        super().__init__(parent)
        self.engine = engine
        self.session = session
        self.session.user = ANONYMOUS_USER
        self.session.role = Role.OPERATOR
        self._unsubscribe: Callable[[], None] | None = engine.subscribe_sessions(self._on_access_event)
        self._timer = QTimer(self)
        self._timer.setInterval(idle_check_ms)
        self._timer.timeout.connect(self.check_idle)
        self._filtering = False
        set_policy(self.policy)

    # --- life ------------------------------------------------------------------------------

    def start(self) -> None:
        """Start the inactivity timer and watch input for activity."""
        self._timer.start()
        app = QApplication.instance()
        if app is not None and not self._filtering:
            app.installEventFilter(self)
            self._filtering = True

    def stop(self) -> None:
        """Log out (audited), stop watching, restore the default policy. Call before the engine stops."""
        self._timer.stop()
        app = QApplication.instance()
        if app is not None and self._filtering:
            app.removeEventFilter(self)
            self._filtering = False
        if self.session.user != ANONYMOUS_USER:
            self.engine.logout(self.session.actor(), reason="program stopped")
        if self._unsubscribe is not None:
            self._unsubscribe()
            self._unsubscribe = None
        set_policy(None)

    # --- who -------------------------------------------------------------------------------

    @property
    def user(self) -> str:
        return self.session.user

    @property
    def role(self) -> Role:
        current = self.engine.current(self.session.actor())
        return current.role if current is not None else Role.OPERATOR

    @property
    def logged_in(self) -> bool:
        return self.session.user != ANONYMOUS_USER

    def policy(self, user: str, action: Action) -> bool:
        """hmi.permissions' policy: core access control decides (the one table, the live session)."""
        return self.engine.allowed(acting(user), action.value)

    def allowed(self, action: str) -> bool:
        return self.engine.allowed(self.session.actor(), action)

    # --- logging in and out ------------------------------------------------------------------

    async def login(self, name: str, secret: str) -> Result[UserSession]:
        """The engine checks the PIN off the GUI thread; a refusal comes back with the reason."""
        result = await self.engine.login(name, secret)
        if not result.ok or result.value is None:
            return result
        session = result.value
        previous = self.session.actor()
        self._set_user(session.user, session.role)  # first: the log-out below is no switch to operator
        if previous.user not in (ANONYMOUS_USER, session.user):
            self.engine.logout(previous, reason=f"{session.user} logged in at this screen")
        return result

    def logout(self) -> None:
        if self.logged_in:
            self.engine.logout(self.session.actor())  # the listener switches to operator
        self._set_user(ANONYMOUS_USER)

    def check_idle(self) -> list[str]:
        """Log out idle sessions (the timer calls this; tests call it after moving the clock)."""
        gone = self.engine.expire_idle()
        if self.logged_in and self.engine.current(self.session.actor()) is None:
            self._set_user(ANONYMOUS_USER)  # disabled from elsewhere, or already expired
        return gone

    def touched(self) -> None:
        if self.logged_in:
            self.engine.touch(self.session.actor())

    def follow(self, widget: QObject) -> None:
        """Keep a page in step with logins: on each change call its ``set_user(user)`` (AlarmsPage,
        DataPage), then ``update_permissions()`` if it has one, else ``refresh()``."""
        def apply(user: str, _role: str) -> None:
            for name, args in (("set_user", (user,)), ("update_permissions", ()), ("refresh", ())):
                method = getattr(widget, name, None)
                if not callable(method):
                    continue
                try:
                    method(*args)
                except Exception:  # one page's bug must not stop the others from following
                    log.exception("%s.%s failed after a login change", type(widget).__name__, name)
                if name != "set_user":
                    return

        self.user_changed.connect(apply)
        apply(self.session.user, self.role.value)

    def eventFilter(self, watched: QObject, event: QEvent) -> bool:
        if event.type() in ACTIVITY_EVENTS:
            self.touched()
        return False  # never swallow input

    # --- internals -------------------------------------------------------------------------

    def _on_access_event(self, user: str, event: str) -> None:
        if event == "logout" and user == self.session.user:
            self._set_user(ANONYMOUS_USER)
        elif event == "role" and user == self.session.user:  # pages show and hide what the new role allows
            current = self.engine.current(self.session.actor())
            if current is not None:
                self._set_user(user, current.role)

    def _set_user(self, user: str, role: Role = Role.OPERATOR) -> None:
        self.session.role = role
        if user == self.session.user and user != ANONYMOUS_USER:
            self.user_changed.emit(user, self.role.value)  # a renewed login: pages re-check anyway
            return
        changed = user != self.session.user
        self.session.user = user
        if changed:
            log.info("HMI user is now %s (%s)", user, self.role.value)
            self.user_changed.emit(user, self.role.value)
