"""``bandsaw backup``, ``bandsaw restore``, ``bandsaw archive`` and ``bandsaw export``.

core/cli.py calls :func:`register` with its subparsers. Handlers return exit codes: 0 done,
1 refused or failed (the reason on stderr), 2 bad arguments (raised as ConfigError).
"""

from __future__ import annotations

import argparse
import re
import sys
import time
from datetime import datetime
from pathlib import Path
from typing import Any, TextIO

from core.cli import EXIT_FAILURE, EXIT_OK, add_config_arguments, load_from_args
from core.config import ConfigError, Settings
from core.security.access import AccessControl
from core.security.audit import AuditRecord, AuditResult
from core.security.cli_admin import authenticate_admin
from core.security.cli_audit import append_records, audit_cli, cli_actor, os_user
from core.security.permissions import Role
from core.security.users import UserStoreError, UserTampered
from core.storage.archive import archive_raw
from core.storage.backup import BackupError, daily_dir, run_backup
from core.storage.backup_manifest import BackupInvalid, list_backups
from core.storage.export import FORMATS, WHATS, ExportError, ExportRequestError, export_data
from core.storage.lock import DataDirLocked
from core.storage.restore import RestoreError, latest_verified_backup, restore_backup
from core.storage.space import NoSpace

_RELATIVE = re.compile(r"^-(\d+(?:\.\d+)?)([smhd])$")
_UNIT_S = {"s": 1, "m": 60, "h": 3600, "d": 86400}


def parse_time(text: str, *, now_s: float | None = None, option: str = "time") -> int:
    """Epoch ms from ISO 8601 (local time when no offset is given), ``now``, or ``-2h``/``-7d``."""
    value = text.strip()
    now = time.time() if now_s is None else now_s
    if value == "now":
        return int(now * 1000)
    relative = _RELATIVE.match(value)
    if relative:
        return int((now - float(relative[1]) * _UNIT_S[relative[2]]) * 1000)
    try:
        moment = datetime.fromisoformat(value.replace("Z", "+00:00"))
    except ValueError:
        raise ConfigError(
            f"{option} {text!r}: not a time; use e.g. 2026-11-27, '2026-11-27 14:30', "
            "2026-11-27T14:30:00+01:00, now, or -2h / -7d") from None
    return int(moment.timestamp() * 1000)  # naive: local time


def _settings(args: argparse.Namespace) -> Settings:
    settings, _ = load_from_args(args)
    return settings


class ProgressBar:
    """A text progress bar on stderr (a line per 10 % when stderr is not a terminal)."""

    def __init__(self, label: str, stream: TextIO | None = None) -> None:
        self.label = label
        self.stream = stream or sys.stderr
        self.tty = self.stream.isatty()
        self._last = 0.0
        self._last_decile = -1

    def __call__(self, done: int, total: int) -> None:
        fraction = done / total if total else 1.0
        if self.tty:
            now = time.monotonic()
            if now - self._last < 0.1 and done < total:
                return
            self._last = now
            bar = "#" * int(fraction * 30)
            self.stream.write(f"\r{self.label} [{bar:<30}] {fraction:4.0%} {done}/{total} rows")
        else:
            decile = int(fraction * 10)
            if decile == self._last_decile:
                return
            self._last_decile = decile
            self.stream.write(f"{self.label}: {fraction:.0%} ({done}/{total} rows)\n")
        self.stream.flush()

    def close(self) -> None:
        if self.tty:
            self.stream.write("\n")
            self.stream.flush()


def _fail(message: str) -> int:
    print(f"bandsaw: {message}", file=sys.stderr)
    return EXIT_FAILURE


# --- handlers --------------------------------------------------------------------------------


def _cmd_backup(args: argparse.Namespace) -> int:
    settings = _settings(args)
    if args.list:
        backups = list_backups(daily_dir(settings.data_dir), hashes=args.verify)
        for info in backups:
            m = info.manifest
            detail = f"{m.created}  {m.total_rows} rows  {m.compressed_bytes / 1e6:.1f} MB" if m else ""
            print(f"{info.path}  {'ok' if info.ok else 'DAMAGED: ' + info.problem}  {detail}")
        if not backups:
            print(f"no backups under {daily_dir(settings.data_dir)}")
        return EXIT_OK if all(info.ok for info in backups) else EXIT_FAILURE
    try:
        manifest = run_backup(settings)
    except (BackupError, NoSpace) as exc:
        audit_cli(settings, "backup", "now", result=AuditResult.FAILED, detail=str(exc))
        return _fail(str(exc))
    audit_cli(settings, "backup", str(manifest.path), detail=f"{len(manifest.databases)} databases (command line)")
    for name, entry in manifest.databases.items():
        rows = entry.rows
        print(f"{name}.db: {rows} rows, {entry.bytes / 1e6:.1f} MB -> {entry.compressed_bytes / 1e6:.1f} MB")
    print(f"backup written to {manifest.path} in {manifest.seconds:.1f} s")
    return EXIT_OK


def _cmd_restore(args: argparse.Namespace) -> int:
    settings = _settings(args)
    if args.latest == (args.backup is not None):
        raise ConfigError("restore takes either BACKUP or --latest")
    if args.latest:
        found = latest_verified_backup(settings.data_dir)
        if found is None:
            return _fail(f"no verified backup under {daily_dir(settings.data_dir)} (see 'bandsaw backup --list')")
        args.backup = str(found)
    backup = Path(args.backup)
    if not backup.is_dir():
        candidate = daily_dir(settings.data_dir) / args.backup
        if not candidate.is_dir():
            return _fail(f"no backup directory {args.backup!r} (see 'bandsaw backup --list')")
        backup = candidate
    # An admin of the CURRENT users.db authorises it (as 'bandsaw users ...' does); only while no
    # admin exists at all, whoever holds the data directory (as 'users init-admin'), audited as cli:<os user>.
    records: list[AuditRecord] = []
    access = AccessControl.from_settings(settings, audit=records.append)
    by = cli_actor()
    action = "restore_backup_with_users" if args.with_users else "restore_backup"
    via = f"command line, os user {os_user()}"
    try:
        problem = access.store.check() if access.store.path.exists() else ""
        if problem:
            raise UserStoreError(f"users database {access.store.path}: {problem}")
        if access.store.path.exists():
            access.seal_unsealed(by=by)  # a users.db from before row protection (refused when stripped)
            integrity, stale = access.store.integrity(), access.stale_users()
            if (not integrity.ok or stale) and not any(u.intact and u.enabled and u.role is Role.ADMIN
                                                       and u.name not in stale for u in access.store.list()):
                why = "; ".join(p for p in (integrity.describe(), *stale.values()) if p)
                raise UserTampered(f"users database {access.store.path}: no admin passes its MAC ({why})")
        if access.store.has_admin():
            admin = authenticate_admin(access, args.admin, purpose=f"{action} {backup.name}")
            if admin is None:
                _write_audit(settings, records)
                return EXIT_FAILURE
            by = admin
    except UserStoreError as exc:
        if not args.with_users:  # nobody can be authenticated: only putting the users back helps
            return _fail(f"restore refused: {exc}; restore the users too with --with-users")
        via += f"; users database unreadable, no admin could be asked ({exc})"
    try:
        report = restore_backup(backup, settings.data_dir, floor_mb=settings.database.sqlite.disk_free_floor_mb,
                                with_users=args.with_users, admin_authorised=by != cli_actor())
    except BackupInvalid as exc:
        access.trail.record(by, action, str(backup), result=AuditResult.REFUSED, detail=f"backup refused: {exc}; {via}")
        _write_audit(settings, records)
        return _fail(f"backup refused: {exc}")
    except (DataDirLocked, RestoreError, BackupError, NoSpace) as exc:
        access.trail.record(by, action, str(backup), result=AuditResult.REFUSED,
                            detail=f"restore refused: {exc}; {via}")
        _write_audit(settings, records)
        return _fail(f"restore refused: {exc}")
    # Into the live trail (log.db is never rolled back): who restored which backup, and what.
    kept = f"; kept live: {', '.join(report.kept_live)}" if report.kept_live else ""
    if report.users_sealed:  # a users.db from before row protection: this admin vouched for it
        kept += f"; users.db from before row protection sealed: {', '.join(report.users_sealed)}"
    access.trail.record(by, action, str(backup), old="live", new=str(report.manifest.created),
                        detail=f"restored {', '.join(report.restored)}{kept}; {via}")
    audited = _write_audit(settings, records)
    print(f"restored {', '.join(report.restored)} from {backup} ({report.manifest.created})")
    if "log" in report.kept_live:
        print("the audit trail (log.db) is kept as it is: a restore never rolls it back")
    if "users" in report.kept_live:
        print("the users (users.db) are kept as they are (--with-users restores them too)")
    if report.users_sealed:
        sealed = ", ".join(report.users_sealed)
        print(f"the backup's users.db predates row protection: its users were sealed ({sealed})")
    for db, path in report.kept_aside.items():
        print(f"previous {db}.db kept as {path}")
    print("start the engine to continue recording")
    return EXIT_OK if audited else EXIT_FAILURE


def _write_audit(settings: Settings, records: list[AuditRecord]) -> bool:
    try:
        append_records(settings, records)
    except Exception as exc:  # the action is done (or refused): say loudly that its rows are missing
        print(f"bandsaw: the audit trail could not be written: {exc}", file=sys.stderr)
        return False
    return True


def _cmd_archive(args: argparse.Namespace) -> int:
    settings = _settings(args)
    try:
        report = archive_raw(settings, live_days=args.live_days)
    except (DataDirLocked, BackupError) as exc:
        audit_cli(settings, "archive", "raw.db", result=AuditResult.REFUSED, detail=str(exc))
        return _fail(f"archive refused: {exc}")
    audit_cli(settings, "archive", "raw.db", result=AuditResult.FAILED if report.stopped else AuditResult.ACCEPTED,
              detail=f"{report.moved} samples before {report.cutoff_ms} moved" + (
                  f"; stopped: {report.stopped}" if report.stopped else ""))
    months = ", ".join(f"{name}: {rows}" for name, rows in report.months.items()) or "nothing to move"
    print(f"archived {report.moved} samples older than {datetime.fromtimestamp(report.cutoff_ms / 1000)} ({months})")
    if report.max_id is not None:
        print(f"samples after id {report.max_id} stay in raw.db until the PostgreSQL mirror has sent them")
    if report.stopped:
        return _fail(f"archive stopped: {report.stopped}")
    return EXIT_OK


def _cmd_export(args: argparse.Namespace) -> int:
    settings = _settings(args)
    start = parse_time(args.start, option="--from") if args.start else None
    end = parse_time(args.end, option="--to") if args.end else None
    signals = [name.strip() for name in args.signals.split(",") if name.strip()] if args.signals else None
    if signals and args.what != "samples":
        raise ConfigError("--signals applies to --what samples only")
    bar = ProgressBar(f"export {args.what}")
    try:
        result = export_data(settings.data_dir, Path(args.out), what=args.what, start_ms=start, end_ms=end,
                             signals=signals, fmt=args.format, zone=args.tz, progress=bar)
    except ExportRequestError as exc:
        bar.close()
        raise ConfigError(str(exc)) from None
    except ExportError as exc:
        bar.close()
        audit_cli(settings, "export", str(args.out), result=AuditResult.FAILED, detail=f"{args.what}: {exc}")
        return _fail(str(exc))
    bar.close()
    audit_cli(settings, "export", str(result.path), detail=f"{args.what}: {result.rows} rows, {start}..{end}")
    print(f"{result.rows} rows written to {result.path} in {result.seconds:.1f} s")
    return EXIT_OK


# --- registration ----------------------------------------------------------------------------


def register(commands: Any) -> None:
    """Add the storage subcommands to ``bandsaw``'s subparsers."""
    backup = commands.add_parser("backup", help="back up the databases and users now (gzip + manifest)")
    add_config_arguments(backup)
    backup.add_argument("--list", action="store_true", help="list the backups and their status instead")
    backup.add_argument("--verify", action="store_true", help="with --list: check every file's sha256")
    backup.set_defaults(handler=_cmd_backup)

    restore = commands.add_parser(
        "restore", help="restore a backup (engine stopped; an admin's name and PIN; the audit trail stays)")
    add_config_arguments(restore)
    restore.add_argument("backup", metavar="BACKUP", nargs="?", default=None,
                         help="backup directory (or its name under databases/daily)")
    restore.add_argument("--latest", action="store_true", help="the newest backup whose files match their sha256")
    restore.add_argument("--admin", default=None, metavar="NAME",
                         help="the admin who authorises this (asked when not given); the PIN is always asked")
    restore.add_argument("--with-users", action="store_true",
                         help="restore users.db too (default: the current users stay); the audit trail never")
    restore.set_defaults(handler=_cmd_restore)

    archive = commands.add_parser("archive", help="move old raw samples into the monthly archive now")
    add_config_arguments(archive)
    archive.add_argument("--live-days", type=int, default=None, metavar="N",
                         help="days kept in raw.db (default database.sqlite.archive_live_days)")
    archive.set_defaults(handler=_cmd_archive)

    export = commands.add_parser("export", help="export samples, cuts or alarms to CSV or xlsx")
    add_config_arguments(export)
    export.add_argument("--from", dest="start", default=None, metavar="T",
                        help="start (ISO local time, e.g. '2026-11-27 06:00', or --from=-2h); default: first row")
    export.add_argument("--to", dest="end", default=None, metavar="T", help="end (exclusive); default: last row")
    export.add_argument("--signals", default=None, metavar="A,B", help="register names (samples; default all)")
    export.add_argument("--what", choices=WHATS, default="samples", help="what to export (default samples)")
    export.add_argument("--format", choices=FORMATS, default=None, help="csv or xlsx (default: from --out)")
    export.add_argument("--tz", default=None, metavar="ZONE", help="time zone for the time column (default local)")
    export.add_argument("--out", required=True, metavar="FILE", help="file to write")
    export.set_defaults(handler=_cmd_export)
