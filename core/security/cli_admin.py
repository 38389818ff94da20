"""An admin's name and PIN for a command-line action (``bandsaw users ...``, ``bandsaw ml trust``).

Holding the data directory is not enough to manage users: the command asks for an admin's
name (``--admin NAME``, else asked) and PIN, read from the terminal (getpass) or, when
standard input is not a terminal, from its next lines (name first when not given, then the
PIN) - never from an argument, which every process can see. The check is a real login
attempt (core.security.users.UserStore.attempt_login): it counts towards the name's lock-out
like a wrong PIN at the HMI, and every attempt is audited (target ``cli``).
"""

from __future__ import annotations

import getpass
import sys

from core.security.access import AccessControl
from core.security.audit import AuditResult
from core.security.cli_audit import os_user
from core.security.permissions import Role
from core.security.users import NAME_PATTERN, LoginOutcome, UserStoreError


def read_line(prompt: str, *, secret: bool = False) -> str:
    """One answer from the terminal (hidden when ``secret``) or the next line of a piped stdin."""
    if sys.stdin.isatty():
        return getpass.getpass(prompt) if secret else input(prompt)
    return sys.stdin.readline().rstrip("\r\n")


def authenticate_admin(access: AccessControl, name: str | None = None, *, purpose: str = "") -> str | None:
    """The admin's login name when name and PIN are right, the user is an enabled admin and not
    locked out; else None, with the reason on stderr. Audited either way (``login``/``login_failed``,
    target ``cli``)."""
    shown = (name if name is not None else read_line("admin name: ")).strip().lower()
    if not shown:
        print("bandsaw: an admin's name is needed", file=sys.stderr)
        return None
    pin = read_line(f"PIN/password of {shown}: ", secret=True)
    detail = f"command line, os user {os_user()}" + (f", for {purpose}" if purpose else "")
    left_s = _trail_lockout(access, shown)
    if left_s > 0:  # users.db's counter may be an older copy's: the trail's count stands
        why = f"too many failed attempts: try again in {left_s:.0f} s"
        access.trail.record(shown if NAME_PATTERN.match(shown) else "?", "login_failed", "cli",
                            result=AuditResult.REFUSED, detail=f"{why} (counted in the audit trail); {detail}")
        print(f"bandsaw: {why}", file=sys.stderr)
        return None
    try:
        attempt = access.store.attempt_login(shown, pin, access.security.lockout_s)
    except UserStoreError as exc:
        print(f"bandsaw: {exc}", file=sys.stderr)
        return None
    who = attempt.user.name if attempt.user is not None else (shown if NAME_PATTERN.match(shown) else "?")
    why = ""
    stale = access.stale_users().get(attempt.user.name, "") if attempt.user is not None else ""
    if attempt.outcome is LoginOutcome.TAMPERED:
        assert attempt.user is not None
        why = f"refused: {who}'s entry in users.db {attempt.user.problem}; restore users.db from a backup"
    elif attempt.ok and stale:
        why = f"refused: {stale}; restore users.db from a backup"
    elif attempt.outcome is LoginOutcome.LOCKED:
        wait_s = max(0.0, (attempt.user.locked_until_ms if attempt.user else 0) / 1000 - access.trail.now_ms() / 1000)
        why = f"too many failed attempts: try again in {wait_s:.0f} s"
    elif attempt.outcome is not LoginOutcome.OK:
        why = "wrong admin name or PIN" if attempt.outcome is LoginOutcome.WRONG else f"{who} is disabled"
    elif attempt.user is None or attempt.user.role is not Role.ADMIN:
        why = f"{who} is not an admin"
    if why:
        counted = f"; {attempt.failures} in a row" if attempt.counted else ""
        access.trail.record(who, "login_failed", "cli", result=AuditResult.REFUSED, detail=f"{why}{counted}; {detail}")
        print(f"bandsaw: {why}", file=sys.stderr)
        return None
    assert attempt.user is not None
    access.trail.record(attempt.user.name, "login", "cli", new=attempt.user.role.value, detail=detail)
    return attempt.user.name


def _trail_lockout(access: AccessControl, name: str) -> float:
    """Seconds ``name`` is still locked out by the failures the audit trail counts (0: not)."""
    from core.security.trail_facts import failures_in_a_row  # reads log.db

    if not NAME_PATTERN.match(name):
        return 0.0
    count, last_ms = failures_in_a_row(access.store.path.parent / "log.db", name)
    delay_s = access.security.lockout_s(count) if count else 0.0
    return max(0.0, (last_ms + delay_s * 1000 - access.trail.now_ms()) / 1000) if delay_s > 0 else 0.0
