"""Restore a backup over the data directory's databases, after proving the backup is sound.

Order (nothing current is touched until the backup has passed every check):
1. the manifest parses and every file matches its size and sha256 (else :class:`BackupInvalid`);
2. each ``.db.gz`` is unpacked next to the databases, passes ``integrity_check`` and has the
   manifest's row count in every table (a manifest edited to match a changed file still fails);
3. the data-directory lock is taken: refused while an engine runs on it (stop it first; the HMI
   stops its engine, restores, starts it again);
4. raw.db's id counter is raised past every id the archive and the current raw.db use (new
   samples never take an id an archived one has);
5. each current file (with its -wal/-shm) is renamed ``<db>.before-restore-<UTC stamp>.db`` and
   the checked copy takes its place. Should a rename fail half-way, the files already swapped
   are put back.
A database the backup does not have (it did not exist then) is moved aside too: the engine
starts it fresh, as it was at backup time.

Two files are never rolled back by default:
- log.db, the audit trail (and events): a restore must not erase the record of what people did
  after the backup (user changes, logins, the restore itself). The live trail stays and gets a
  ``restore`` row naming the backup; the backup's log.db is left in the backup.
- users.db: restoring it would bring back removed users and old PINs (or none at all, when the
  backup was taken before the first admin). Only ``with_users=True`` (``bandsaw restore
  --with-users``, asked for by an authenticated admin and audited) puts the backup's users.db in
  place; the audit anchor it holds then points at an older row of the same live trail. The
  backup's users.db must pass its MACs with this installation's key (core.security.users_mac):
  rows changed in the backup folder are refused, never sealed. A users.db from before rows were
  protected (no MACs) is sealed only with ``admin_authorised`` (an authenticated admin vouches
  for it); without one (users.db unusable, nobody could be asked) it is refused. An admin's
  restore is stamped in users.db's seal, so the trail's user changes made before it do not make
  the restored rows "older than the trail" (core.security.access.AccessControl.stale_users).
Each restored file is a new generation (see :mod:`core.storage.generation`) forked from the
backup's, and the ledger records it, so the engine knows the swap was intended and the mirror
never mistakes rows written after the restore for rows it already has.
"""

from __future__ import annotations

import gzip
import logging
import shutil
import sqlite3
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from core.storage.backup import BACKED_UP, daily_dir, maintenance
from core.storage.backup_manifest import BackupInvalid, Manifest, list_backups, verify_backup
from core.storage.disk import FreeBytes, free_bytes
from core.storage.generation import fork_file
from core.storage.ledger import LedgerEntry, entry_of, update_ledger
from core.storage.lock import DataDirLock
from core.storage.samples_reader import archive_dir
from core.storage.schema import DATABASES
from core.storage.space import SpaceGuard
from core.storage.sqlite_open import database_path, move_aside

log = logging.getLogger("bandsaw.database")

UNPACK_CHUNK = 4 * 1024 * 1024
KEPT_LIVE = "log"  # the audit trail: never rolled back by a restore

__all__ = ["BackupInvalid", "RestoreError", "RestoreReport", "latest_verified_backup", "restore_backup",
           "restore_latest"]


class RestoreError(Exception):
    """The restore could not be done; the current databases are as they were."""


@dataclass(slots=True)
class RestoreReport:
    backup: Path
    manifest: Manifest
    restored: list[str] = field(default_factory=list)
    kept_aside: dict[str, Path] = field(default_factory=dict)  # db -> where the previous file went
    kept_live: list[str] = field(default_factory=list)  # in the backup, left as they are (log, users)
    users_sealed: list[str] = field(default_factory=list)  # a users.db from before MACs, sealed (admin)
    seconds: float = 0.0


def restore_backup(
    backup: Path,
    data_dir: Path,
    *,
    floor_mb: int = 0,
    free: FreeBytes = free_bytes,
    clock: Callable[[], float] = time.time,
    with_users: bool = False,
    admin_authorised: bool = False,
) -> RestoreReport:
    """Verify ``backup`` and put its databases in place under ``data_dir`` (engine stopped).

    log.db (the audit trail) is never replaced; users.db only with ``with_users``.

    Raises :class:`BackupInvalid` (damaged or tampered backup, with the reason),
    ``DataDirLocked`` (an engine runs on ``data_dir``), ``BackupBusy`` or :class:`RestoreError`.
    """
    started = time.monotonic()
    manifest = verify_backup(backup)  # 1: sizes and hashes
    report_sealed: list[str] = []
    databases = data_dir / "databases"
    with maintenance(data_dir, "a restore"):
        staging = databases / f".restore-{time.strftime('%Y%m%dT%H%M%SZ', time.gmtime(clock()))}"
        shutil.rmtree(staging, ignore_errors=True)
        staging.mkdir(parents=True)
        try:
            _unpack_and_check(manifest, staging, SpaceGuard(data_dir, floor_mb, free))  # 2
            if with_users and "users" in manifest.databases:
                report_sealed = _check_users(staging / "users.db", data_dir, admin_authorised, int(clock() * 1000))
            with DataDirLock(data_dir):  # 3
                if "raw" in manifest.databases:
                    _keep_ids_unique(staging / "raw.db", data_dir)  # 4
                entries = _new_generations(manifest, staging, int(clock() * 1000))
                report = _swap(manifest, staging, data_dir, clock(), _restored(with_users))  # 5
                entries = {db: entry for db, entry in entries.items() if db in report.restored}
                removed: dict[str, LedgerEntry | None] = {db: None for db in report.kept_aside if db not in entries}
                update_ledger(databases, {**removed, **entries})
        finally:
            shutil.rmtree(staging, ignore_errors=True)
    report.seconds = round(time.monotonic() - started, 3)
    report.users_sealed = report_sealed
    log.warning("restored %s from %s; previous files kept as %s", ", ".join(report.restored), backup,
                ", ".join(str(p) for p in report.kept_aside.values()) or "(none)")
    return report


def latest_verified_backup(data_dir: Path) -> Path | None:
    """The newest backup whose files all match their manifest (sha256 checked), or None."""
    for info in list_backups(daily_dir(data_dir)):
        if not info.ok:
            continue
        try:
            verify_backup(info.path)
        except BackupInvalid as exc:
            log.warning("backup %s skipped: %s", info.path.name, exc)
            continue
        return info.path
    return None


def restore_latest(data_dir: Path, **options: Any) -> RestoreReport:
    """Restore the newest verified backup (``bandsaw restore --latest``, the HMI's admin action).

    Raises :class:`RestoreError` when there is none; otherwise as :func:`restore_backup`.
    """
    backup = latest_verified_backup(data_dir)
    if backup is None:
        raise RestoreError(f"no verified backup under {daily_dir(data_dir)}")
    return restore_backup(backup, data_dir, **options)


def _restored(with_users: bool) -> tuple[str, ...]:
    """The databases a restore may replace: never log.db (the audit trail); users.db on request."""
    return tuple(db for db in BACKED_UP if db != KEPT_LIVE and (with_users or db != "users"))


def _check_users(staged: Path, data_dir: Path, admin: bool, now_ms: int) -> list[str]:
    """The backup's users.db against this installation's key: every row and the seal must pass
    (else :class:`BackupInvalid`); one from before row protection is sealed for an authenticated
    ``admin`` (returns the names sealed) and refused otherwise. An admin's restore is stamped in
    the seal: the audit trail's user changes before it no longer count against these rows; without
    an admin they do (rows older than the trail are refused at login)."""
    from core.security.users import UserStore, UserStoreError  # security sits beside storage
    from core.security.users_mac import UsersKeyError, users_key

    sealed: list[str] = []
    try:
        store = UserStore(staged, key=users_key(data_dir))
        integrity = store.integrity()
        if integrity.unsealed:
            if not admin:
                raise BackupInvalid("users.db: from before users.db rows were protected (no MACs): only an "
                                    "admin of the current users may restore it")
            sealed = store.seal_unsealed()
        elif not integrity.ok:
            raise BackupInvalid(f"users.db: fails its MACs with this installation's key: {integrity.describe()}")
        if admin:
            store.stamp_restored(now_ms)
    except (UserStoreError, UsersKeyError) as exc:
        raise BackupInvalid(f"users.db: {exc}") from None
    return sealed


def _new_generations(manifest: Manifest, staging: Path, now_ms: int) -> dict[str, LedgerEntry | None]:
    """Fork each staged database to a new generation; their ledger entries."""
    entries: dict[str, LedgerEntry | None] = {}
    for db in manifest.databases:
        conn = sqlite3.connect(str(staging / f"{db}.db"), isolation_level=None)
        try:
            generation = fork_file(conn, "restored", now_ms) if db in DATABASES else None
            entries[db] = entry_of(conn, generation.id if generation else db, now_ms)
        finally:
            conn.close()
    return entries


def _unpack_and_check(manifest: Manifest, staging: Path, guard: SpaceGuard) -> None:
    assert manifest.path is not None
    for db, entry in manifest.databases.items():
        if db not in BACKED_UP:
            raise BackupInvalid(f"the manifest lists an unknown database {db!r}")
        guard.need(entry.bytes, f"unpacking {entry.file}")
        target = staging / f"{db}.db"
        try:
            with gzip.open(manifest.path / entry.file, "rb") as packed, open(target, "wb") as out:
                while chunk := packed.read(UNPACK_CHUNK):
                    out.write(chunk)
        except (OSError, EOFError, gzip.BadGzipFile) as exc:
            raise BackupInvalid(f"{db}: {entry.file} cannot be unpacked: {exc}") from None
        if target.stat().st_size != entry.bytes:
            raise BackupInvalid(f"{db}: unpacked to {target.stat().st_size} bytes, the manifest says {entry.bytes}")
        problem = _check(target, entry.tables)
        if problem:
            raise BackupInvalid(f"{db}: {problem}")


def _check(path: Path, tables: dict[str, int]) -> str:
    try:
        conn = sqlite3.connect(f"{path.resolve().as_uri()}?mode=ro", uri=True)
    except sqlite3.Error as exc:
        return f"cannot open the copy: {exc}"
    try:
        results = [str(row[0]) for row in conn.execute("PRAGMA integrity_check")]
        if results != ["ok"]:
            return "integrity_check: " + "; ".join(results[:3])
        for table, expected in tables.items():
            count = int(conn.execute(f'SELECT COUNT(*) FROM "{table}"').fetchone()[0])
            if count != expected:
                return f"table {table} has {count} rows, the manifest says {expected}"
    except sqlite3.Error as exc:
        return f"unreadable: {exc}"
    finally:
        conn.close()
    return ""


def _keep_ids_unique(staged_raw: Path, data_dir: Path) -> None:
    """New samples after the restore must not reuse ids the archive or the current raw.db hold.

    Archived rows keep their ids; a restored (older) raw.db would hand out ids again that rows
    recorded after the backup have, some of them archived since. Raising AUTOINCREMENT's counter
    past every id in use keeps each id one sample everywhere.
    """
    highest = 0
    others = [*sorted(archive_dir(data_dir).glob("raw-*.db")), database_path(data_dir, "raw")]
    for path in others:
        if not path.exists():
            continue
        conn = sqlite3.connect(f"{path.resolve().as_uri()}?mode=ro", uri=True)
        try:
            found = conn.execute("SELECT MAX(id) FROM samples").fetchone()[0]
            seq = conn.execute("SELECT seq FROM sqlite_sequence WHERE name = 'samples'").fetchone()
        except sqlite3.Error as exc:
            log.warning("restore: ids of %s unreadable (%s)", path, exc)
            continue
        finally:
            conn.close()
        highest = max(highest, int(found or 0), int(seq[0]) if seq else 0)
    conn = sqlite3.connect(str(staged_raw), isolation_level=None)
    try:
        conn.execute("BEGIN IMMEDIATE")
        current = conn.execute("SELECT seq FROM sqlite_sequence WHERE name = 'samples'").fetchone()
        if current is None:
            conn.execute("INSERT INTO sqlite_sequence (name, seq) VALUES ('samples', ?)", (highest,))
        elif int(current[0]) < highest:
            conn.execute("UPDATE sqlite_sequence SET seq = ? WHERE name = 'samples'", (highest,))
        conn.execute("COMMIT")
    finally:
        conn.close()


def _swap(manifest: Manifest, staging: Path, data_dir: Path, now: float, which: tuple[str, ...]) -> RestoreReport:
    assert manifest.path is not None
    report = RestoreReport(backup=manifest.path, manifest=manifest)
    report.kept_live = [db for db in BACKED_UP if db not in which and db in manifest.databases]
    placed: list[str] = []
    try:
        for db in which:
            current = database_path(data_dir, db)
            if db not in DATABASES and db not in manifest.databases:
                continue  # users.db: kept when the backup has none
            if current.exists() or Path(f"{current}-wal").exists():
                current.touch(exist_ok=True)  # a lone -wal goes aside with its file
                report.kept_aside[db] = move_aside(current, now, "before-restore")
            if db in manifest.databases:
                (staging / f"{db}.db").replace(current)
                placed.append(db)
                report.restored.append(db)
    except OSError as exc:
        _undo(report, placed, data_dir)
        raise RestoreError(f"restore failed while swapping files, previous files put back: {exc}") from exc
    return report


def _undo(report: RestoreReport, placed: list[str], data_dir: Path) -> None:
    for db in placed:
        database_path(data_dir, db).unlink(missing_ok=True)
    for db, aside in report.kept_aside.items():
        current = database_path(data_dir, db)
        for suffix in ("-wal", "-shm", "-journal"):
            side = Path(f"{aside}{suffix}")
            if side.exists():
                side.rename(Path(f"{current}{suffix}"))
        aside.rename(current)
