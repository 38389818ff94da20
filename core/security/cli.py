"""``bandsaw users``: add, list, passwd, enable, disable, role, init-admin; ``bandsaw audit verify``.

Changing users needs an admin: ``--admin NAME`` (else asked) and that admin's PIN, read like
every secret from the terminal (getpass) or, when standard input is not a terminal, from its
next lines - never from an argument (argv is visible to every process). Piped, the lines are:
the admin's name (unless ``--admin``), the admin's PIN, then the new PIN where one is set.
The change is audited under that admin. The one exception is the first admin: ``init-admin``
(or ``add --role admin``) while no enabled admin exists, audited as ``cli:<os user>``.
``list`` needs no login (names and roles, never secrets).
Exit codes: 0 done (audit verify: intact), 1 refused or failed (audit verify: broken), 2 bad usage.
"""

from __future__ import annotations

import argparse
import functools
import getpass
import sys
import time
from collections.abc import Callable
from typing import Any

from core.cli import EXIT_CONFIG, EXIT_FAILURE, EXIT_OK, add_config_arguments, load_from_args
from core.config import Settings
from core.security.access import DESPITE_BACKUP, AccessControl, users_db_path
from core.security.audit import AuditRecord, AuditResult
from core.security.audit_cli import register as audit_commands
from core.security.audit_missing import accept_loss, note_in_cli, standing_loss
from core.security.cli_admin import authenticate_admin
from core.security.cli_audit import append_records, cli_actor, os_user
from core.security.permissions import ACCOUNT_ROLES, Role
from core.security.users import ROW_TAMPERED, UserError, UserStoreError, UserTampered, check_name

FIRST_ADMIN = "admin"
RESTORE_USERS = "users database unreadable: restore it from a backup (bandsaw restore --latest --with-users)"
RESTORE_TAMPERED = "restore users.db from a backup (bandsaw restore --latest --with-users)"


def restore_advice(problem: str, sep: str = "; ") -> str:
    """What to do about a users.db failing its MACs: a restore - unless the key changed, which a
    restored users.db (sealed with the same old key) fails as well: the problem says what then."""
    return "" if "keys/model-signing.key" in problem else f"{sep}{RESTORE_TAMPERED}"


def _guarded(handler: Callable[[argparse.Namespace], int]) -> Callable[[argparse.Namespace], int]:
    """A damaged or unwritable users.db: one clear line and exit 1, never a traceback."""
    @functools.wraps(handler)
    def run(args: argparse.Namespace) -> int:
        try:
            return handler(args)
        except UserTampered as exc:
            print(f"bandsaw: {exc}{restore_advice(str(exc), ': ')}", file=sys.stderr)
            return EXIT_FAILURE
        except UserStoreError as exc:
            print(f"bandsaw: {exc}: {RESTORE_USERS}", file=sys.stderr)
            return EXIT_FAILURE

    return run


def register(commands: Any) -> None:
    users = commands.add_parser("users", help="manage HMI users (roles operator, engineer, admin)")
    actions = users.add_subparsers(dest="users_command", metavar="ACTION", required=True)

    add = actions.add_parser("add", help="add a user; the PIN/password is read from the terminal or stdin")
    add.add_argument("name")
    add.add_argument("--role", required=True, choices=[r.value for r in ACCOUNT_ROLES])
    add.set_defaults(handler=_guarded(_cmd_add))

    init = actions.add_parser("init-admin", help="first run: create the first admin (refused once one exists)")
    init.add_argument("name", nargs="?", default=FIRST_ADMIN, help=f"login name (default {FIRST_ADMIN})")
    init.add_argument("--if-needed", action="store_true",
                      help="exit 0 without asking when an admin exists (for installers and upgrades)")
    init.add_argument("--accept-lost-trail", action="store_true",
                      help="installers: go ahead though the audit trail or ledger was found missing beside "
                           "recorded data (audited)")
    init.add_argument("--accept-lost-users", action="store_true",
                      help="installers: go ahead though the audit trail shows users this users.db does not have "
                           "(deleted or emptied, no backup to restore; audited)")
    init.add_argument("--despite-backup", action="store_true",
                      help="with --accept-lost-users: go ahead though a verified backup holds users.db (audited; "
                           "a critical alarm at the engine's next start) - restore it instead when you can")
    init.set_defaults(handler=_guarded(_cmd_init_admin))

    listing = actions.add_parser("list", help="list users, roles, enabled and lock-out state")
    listing.set_defaults(handler=_guarded(_cmd_list))

    passwd = actions.add_parser("passwd", help="set a user's PIN/password (clears a lock-out)")
    passwd.add_argument("name")
    passwd.set_defaults(handler=_guarded(_cmd_passwd))

    for verb, helptext in (("disable", "disable a user (the last enabled admin cannot be)"),
                           ("enable", "enable a disabled user")):
        sub = actions.add_parser(verb, help=helptext)
        sub.add_argument("name")
        sub.set_defaults(handler=_guarded(_cmd_enable if verb == "enable" else _cmd_disable))

    role = actions.add_parser("role", help="change a user's role (the last enabled admin stays admin)")
    role.add_argument("name")
    role.add_argument("role", choices=[r.value for r in ACCOUNT_ROLES])
    role.set_defaults(handler=_guarded(_cmd_role))

    for sub in (add, init, listing, passwd, *actions.choices.values()):
        if not any(a.dest == "config" for a in sub._actions):
            add_config_arguments(sub)
        if sub is not listing and sub is not init and not any(a.dest == "admin" for a in sub._actions):
            sub.add_argument("--admin", default=None, metavar="NAME",
                             help="the admin who authorises this (asked when not given); the PIN is always asked")
    audit_commands(commands)


# --- handlers ------------------------------------------------------------------------------


def _cmd_add(args: argparse.Namespace) -> int:
    with _Context(args) as ctx:
        name = ctx.valid_name(args.name)
        if name is None:
            return EXIT_CONFIG
        role = Role(args.role)
        first = not ctx.access.store.has_admin()
        if first and role is not Role.ADMIN:
            return ctx.fail("no admin exists yet: the first user must be an admin "
                            f"(bandsaw users add {name} --role admin, or bandsaw users init-admin)")
        if ctx.trail_missing("user_add", name):
            return EXIT_FAILURE
        if not first and not ctx.login(args, f"user_add {name}"):
            return EXIT_FAILURE
        secret = read_secret(f"PIN/password for {name}: ")
        if secret is None:
            return ctx.fail("no PIN/password given")
        try:
            if first:
                ctx.access.create_first_admin(name, secret, by=ctx.by)
            else:
                user = ctx.access.store.add(name, role, secret)
                ctx.access.trail.record(ctx.by, "user_add", user.name, new=user.role.value, detail=ctx.via)
        except UserError as exc:
            ctx.refused("user_add", name, str(exc))
            return ctx.fail(str(exc))
        print(f"user {name} added as {role.value}")
        return ctx.done()


def _cmd_init_admin(args: argparse.Namespace) -> int:
    with _Context(args) as ctx:
        name = ctx.valid_name(args.name)
        if name is None:
            return EXIT_CONFIG
        integrity = ctx.access.store.integrity() if ctx.access.store.path.exists() else None
        if integrity is not None and not integrity.ok:  # admins removed or disabled by hand make no first run
            ctx.refused("user_add", name, f"first admin refused: users.db fails its integrity check: "
                                          f"{integrity.describe()}")
            return ctx.fail(f"refused: users.db fails its integrity check: {integrity.describe()}"
                            f"{restore_advice(integrity.describe())}")
        if ctx.access.store.has_admin():
            if args.if_needed:
                print("an admin exists already: nothing to do")
                return EXIT_OK
            return ctx.fail("an admin exists already; use 'bandsaw users add' or the HMI's users page")
        databases = users_db_path(ctx.settings.data_dir).parent
        lost = standing_loss(databases)
        if lost and not args.accept_lost_trail:
            ctx.refused("user_add", name, f"first admin refused: audit trail missing: {lost}")
            return ctx.fail(f"refused: the audit trail is missing: {lost}")
        gone = ctx.access.stale_users()
        if gone and not args.accept_lost_users:
            ctx.refused("user_add", name, f"first admin refused: {'; '.join(gone.values())}")
            return ctx.fail(f"refused: {'; '.join(gone.values())}: users.db was deleted or emptied; "
                            f"{RESTORE_TAMPERED}, or, with no backup, --accept-lost-users (audited)")
        despite = ""
        if gone:  # with --accept-lost-users: only when no verified backup can put the users back
            held = backup_with_users(ctx.settings.data_dir)
            if held and not args.despite_backup:
                ctx.refused("user_add", name, f"first admin refused: --accept-lost-users while the verified "
                                              f"backup {held} holds users.db")
                return ctx.fail(f"refused: the verified backup {held} holds users.db: put the users back with "
                                f"'bandsaw restore {'--latest' if held == _latest(ctx) else held} --with-users' "
                                "(no admin needed); only when that backup must not be used: "
                                "--accept-lost-users --despite-backup (audited, critical alarm at the next start)")
            if held:
                despite = f"{DESPITE_BACKUP} {held}"
        secret = read_secret(f"PIN/password for the admin {name}: ")
        if secret is None:
            return ctx.fail("no PIN/password given")
        if lost:
            accepted, signed = accept_loss(databases, ctx.by)
            ctx.access.trail.record(ctx.by, "audit_loss_accepted", "log.db", result=AuditResult.ACCEPTED,
                                    detail=f"{accepted or lost}; --accept-lost-trail; {ctx.via} {signed}".rstrip())
        try:
            ctx.access.create_first_admin(name, secret, by=ctx.by, accept_lost_users=args.accept_lost_users,
                                          why=despite)
        except UserError as exc:
            return ctx.fail(str(exc))
        print(f"admin {name} created")
        return ctx.done()


def backup_with_users(data_dir: Any) -> str:
    """The newest backup that verifies (sha256) and holds a users.db with users: its name, or ""."""
    from core.storage.backup import daily_dir  # storage sits above security
    from core.storage.backup_manifest import BackupInvalid, list_backups, verify_backup

    for info in list_backups(daily_dir(data_dir)):
        entry = info.manifest.databases.get("users") if info.ok and info.manifest is not None else None
        if entry is None or not entry.tables.get("users"):
            continue
        try:
            verify_backup(info.path)
        except BackupInvalid:
            continue
        return info.path.name
    return ""


def _latest(ctx: _Context) -> str:
    from core.storage.restore import latest_verified_backup  # storage sits above security

    found = latest_verified_backup(ctx.settings.data_dir)
    return found.name if found is not None else ""


def _cmd_list(args: argparse.Namespace) -> int:
    with _Context(args) as ctx:
        problem = ctx.access.store.check() if ctx.access.store.path.exists() else ""
        if problem:  # rows past the damage would be missing silently
            raise UserStoreError(f"users database {ctx.access.store.path}: {problem}")
        users = ctx.access.store.list()
        if not users:
            gone = ctx.access.stale_users()  # users.db deleted or emptied: init-admin would refuse
            if gone:
                held = backup_with_users(ctx.settings.data_dir)
                way = (f"restore it: bandsaw restore {'--latest' if held == _latest(ctx) else held} --with-users"
                       if held else "with no backup holding it, an installer accepts the loss: "
                                    "bandsaw users init-admin NAME --accept-lost-users (audited)")
                print(f"users.db has no users, but the audit trail shows users: {'; '.join(gone.values())}: "
                      f"users.db was deleted or emptied; {way}")
                return EXIT_FAILURE
            if ctx.lost:
                print(f"no users, and the audit trail is MISSING: {ctx.lost}")
                return EXIT_FAILURE
            print("no users yet: run 'bandsaw users init-admin'")
            return EXIT_OK
        now_ms = int(time.time() * 1000)
        stale = ctx.access.stale_users()  # rows older than the audit trail: an old copy put back
        print(f"{'name':<24} {'role':<9} {'state':<9} failures  locked")
        for user in users:
            locked = f"{(user.locked_until_ms - now_ms) / 1000:.0f} s" if user.locked_until_ms > now_ms else "-"
            state = "enabled" if user.enabled else "disabled"
            if not user.intact:  # what the row says cannot be trusted: shown, and marked
                state = "TAMPERED" if user.problem == ROW_TAMPERED else "UNSEALED"
            elif user.name in stale:
                state = "STALE"
            print(f"{user.name:<24} {user.role.value:<9} {state:<9} {user.failures:>8}  {locked}")
        problems = [p for p in (ctx.access.store.integrity().describe(), *stale.values()) if p]
        if ctx.lost:
            print(f"audit trail MISSING: {ctx.lost}")
        if problems:
            print(f"users.db FAILS its integrity check: {'; '.join(problems)}; such users cannot log in"
                  f"{restore_advice('; '.join(problems))}")
            return EXIT_FAILURE
        return EXIT_FAILURE if ctx.lost else EXIT_OK


def _cmd_passwd(args: argparse.Namespace) -> int:
    with _Context(args) as ctx:
        name = args.name.strip().lower()
        if ctx.trail_missing("user_passwd", name) or not ctx.login(args, f"user_passwd {name}"):
            return EXIT_FAILURE
        if ctx.access.store.get(name) is None:
            ctx.refused("user_passwd", name, "no such user")
            return ctx.fail(f"no user {name!r}")
        secret = read_secret(f"new PIN/password for {name}: ")
        if secret is None:
            return ctx.fail("no PIN/password given")
        try:
            ctx.access.store.set_secret(name, secret)
        except UserError as exc:
            ctx.refused("user_passwd", name, str(exc))
            return ctx.fail(str(exc))
        ctx.access.trail.record(ctx.by, "user_passwd", name,
                                detail=f"PIN/password changed; lock-out cleared; {ctx.via}")
        print(f"PIN/password of {name} changed")
        return ctx.done()


def _cmd_disable(args: argparse.Namespace) -> int:
    return _set_enabled(args, False)


def _cmd_enable(args: argparse.Namespace) -> int:
    return _set_enabled(args, True)


def _set_enabled(args: argparse.Namespace, enabled: bool) -> int:
    action = "user_enable" if enabled else "user_disable"
    with _Context(args) as ctx:
        name = args.name.strip().lower()
        if ctx.trail_missing(action, name) or not ctx.login(args, f"{action} {name}"):
            return EXIT_FAILURE
        before = ctx.access.store.get(name)
        try:
            ctx.access.store.set_enabled(name, enabled)
        except UserError as exc:
            ctx.refused(action, name, str(exc))
            return ctx.fail(str(exc))
        old = None if before is None else ("enabled" if before.enabled else "disabled")
        ctx.access.trail.record(ctx.by, action, name, old=old, new="enabled" if enabled else "disabled", detail=ctx.via)
        print(f"user {name} {'enabled' if enabled else 'disabled'}")
        return ctx.done()


def _cmd_role(args: argparse.Namespace) -> int:
    with _Context(args) as ctx:
        name = args.name.strip().lower()
        if ctx.trail_missing("user_role", name) or not ctx.login(args, f"user_role {name}"):
            return EXIT_FAILURE
        before = ctx.access.store.get(name)
        try:
            user = ctx.access.store.set_role(name, args.role)
        except UserError as exc:
            ctx.refused("user_role", name, str(exc))
            return ctx.fail(str(exc))
        old = None if before is None else before.role.value
        ctx.access.trail.record(ctx.by, "user_role", user.name, old=old, new=user.role.value, detail=ctx.via)
        print(f"user {user.name} is now {user.role.value}" + (f" (was {old})" if old else ""))
        return ctx.done()


# --- helpers -------------------------------------------------------------------------------


def read_secret(prompt: str) -> str | None:
    """From the terminal (asked twice) or the first line of a piped stdin; None if empty or mismatched."""
    if sys.stdin.isatty():
        first = getpass.getpass(prompt)
        if getpass.getpass("again: ") != first:
            print("bandsaw: the two entries differ", file=sys.stderr)
            return None
        return first or None
    line = sys.stdin.readline()
    secret = line.rstrip("\r\n")
    return secret or None


class _Context:
    """Settings, access control and the audit rows of one command (written to log.db at the end)."""

    def __init__(self, args: argparse.Namespace) -> None:
        settings, _ = load_from_args(args)
        self.settings: Settings = settings
        self.records: list[AuditRecord] = []
        self.access = AccessControl.from_settings(settings, audit=self.records.append)
        self.by = cli_actor()  # the authenticated admin once login() succeeded
        self.via = f"command line, os user {os_user()}"
        databases = users_db_path(settings.data_dir).parent
        note_in_cli(databases)  # log.db deleted beside recorded data: kept before anything creates it
        self.lost = standing_loss(databases)
        if self.access.store.path.exists():  # a users.db from before row protection: sealed first
            self.access.seal_unsealed(by=self.by)

    def login(self, args: argparse.Namespace, purpose: str) -> bool:
        """Authenticate an admin for this command (name from --admin or asked; PIN asked)."""
        admin = authenticate_admin(self.access, getattr(args, "admin", None), purpose=purpose)
        if admin is None:
            return False
        self.by = admin
        return True

    def __enter__(self) -> _Context:
        return self

    def __exit__(self, *_exc: object) -> None:
        self._flush()

    def valid_name(self, name: str) -> str | None:
        try:
            return check_name(name)
        except UserError as exc:
            print(f"bandsaw: {exc}", file=sys.stderr)
            return None

    def refused(self, action: str, target: str, why: str) -> None:
        self.access.trail.record(self.by, action, target, result=AuditResult.REFUSED, detail=why)

    def trail_missing(self, action: str, target: str) -> bool:
        """A user change while the audit trail stands missing: refused (audited) - True then."""
        if not self.lost:
            return False
        self.refused(action, target, f"refused: audit trail missing: {self.lost}")
        self.fail(f"refused: the audit trail is missing: {self.lost}")
        return True

    def fail(self, message: str) -> int:
        print(f"bandsaw: {message}", file=sys.stderr)
        return EXIT_FAILURE

    def done(self) -> int:
        return EXIT_OK if self._flush() else EXIT_FAILURE

    def _flush(self) -> bool:
        if not self.records:
            return True
        records, self.records[:] = list(self.records), []
        try:
            append_records(self.settings, records)
        except Exception as exc:  # the change is made; say loudly that its audit row is missing
            print(f"bandsaw: done, but the audit trail could not be written: {exc}", file=sys.stderr)
            return False
        return True
