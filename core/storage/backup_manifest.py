"""The manifest of one backup (``manifest.json``) and checking a backup against it.

A backup directory ``<data_dir>/databases/daily/<UTC stamp>/`` holds ``<db>.db.gz`` per
database and ``manifest.json``: when it was taken, and per database the uncompressed and
compressed sizes, the row count of every table, the schema version, the result of SQLite's
check on the copy, and the sha256 of the compressed file. A backup whose files do not match
their manifest is damaged or tampered with and is never restored.
"""

from __future__ import annotations

import hashlib
import json
import os
from dataclasses import asdict, dataclass, field
from pathlib import Path
from typing import Any

MANIFEST_NAME = "manifest.json"
FORMAT = 1
HASH_CHUNK = 1024 * 1024


class BackupInvalid(Exception):
    """The backup cannot be trusted; the message says why."""


@dataclass(slots=True)
class DbEntry:
    file: str  # e.g. raw.db.gz, relative to the backup directory
    bytes: int  # uncompressed database size
    compressed_bytes: int
    sha256: str  # of the compressed file
    tables: dict[str, int]  # rows per table
    user_version: int
    check: str  # "ok" or what SQLite's check said about the copy

    @property
    def rows(self) -> int:
        """Recorded rows; the file's own bookkeeping (storage_meta: its generation) is not data."""
        return sum(n for table, n in self.tables.items() if table != "storage_meta")


@dataclass(slots=True)
class Manifest:
    created_ms: int  # Unix epoch ms, UTC
    created: str  # ISO 8601 with the local offset, for people
    gzip_level: int
    databases: dict[str, DbEntry]
    missing: list[str] = field(default_factory=list)  # databases that did not exist yet
    seconds: float = 0.0
    format: int = FORMAT
    path: Path | None = None  # where it was read from / written to (not stored)

    def to_json(self) -> str:
        data = asdict(self)
        data.pop("path")
        return json.dumps(data, indent=2, sort_keys=True)

    @property
    def total_rows(self) -> int:
        return sum(entry.rows for entry in self.databases.values())

    @property
    def compressed_bytes(self) -> int:
        return sum(entry.compressed_bytes for entry in self.databases.values())


def write_manifest(directory: Path, manifest: Manifest) -> Path:
    """Write ``manifest.json`` durably (fsync): it is what marks the backup complete."""
    target = directory / MANIFEST_NAME
    with open(target, "w", encoding="utf-8") as handle:
        handle.write(manifest.to_json())
        handle.flush()
        os.fsync(handle.fileno())
    manifest.path = directory
    return target


def read_manifest(directory: Path) -> Manifest:
    """Parse ``manifest.json``; :class:`BackupInvalid` names what is wrong."""
    path = directory / MANIFEST_NAME
    try:
        data = json.loads(path.read_text(encoding="utf-8"))
    except FileNotFoundError:
        raise BackupInvalid(f"{directory}: no {MANIFEST_NAME} (incomplete or not a backup)") from None
    except (OSError, UnicodeDecodeError, json.JSONDecodeError) as exc:
        raise BackupInvalid(f"{path}: unreadable manifest: {exc}") from None
    try:
        if data.get("format") != FORMAT:
            raise BackupInvalid(f"{path}: manifest format {data.get('format')!r}, this program reads {FORMAT}")
        databases = {name: _entry(name, value) for name, value in data["databases"].items()}
        return Manifest(
            created_ms=int(data["created_ms"]),
            created=str(data["created"]),
            gzip_level=int(data["gzip_level"]),
            databases=databases,
            missing=[str(name) for name in data.get("missing", [])],
            seconds=float(data.get("seconds", 0.0)),
            path=directory,
        )
    except (KeyError, TypeError, ValueError, AttributeError) as exc:
        raise BackupInvalid(f"{path}: malformed manifest ({type(exc).__name__}: {exc})") from None


def _entry(name: str, value: dict[str, Any]) -> DbEntry:
    if not isinstance(value, dict):
        raise TypeError(f"entry {name} is not an object")
    file = str(value["file"])
    if Path(file).name != file or not file.endswith(".db.gz"):
        raise ValueError(f"entry {name}: file {file!r} must be a plain <db>.db.gz name")
    return DbEntry(
        file=file,
        bytes=int(value["bytes"]),
        compressed_bytes=int(value["compressed_bytes"]),
        sha256=str(value["sha256"]),
        tables={str(k): int(v) for k, v in value["tables"].items()},
        user_version=int(value["user_version"]),
        check=str(value["check"]),
    )


def sha256_file(path: Path) -> str:
    digest = hashlib.sha256()
    with open(path, "rb") as handle:
        while chunk := handle.read(HASH_CHUNK):
            digest.update(chunk)
    return digest.hexdigest()


def check_files(manifest: Manifest, *, hashes: bool = True) -> None:
    """Every listed file present with its size (and sha256 when ``hashes``); else BackupInvalid."""
    directory = manifest.path
    assert directory is not None
    if not manifest.databases:
        raise BackupInvalid(f"{directory}: the manifest lists no database")
    for name, entry in manifest.databases.items():
        path = directory / entry.file
        try:
            size = path.stat().st_size
        except OSError:
            raise BackupInvalid(f"{name}: {entry.file} is missing from {directory}") from None
        if size != entry.compressed_bytes:
            raise BackupInvalid(f"{name}: {entry.file} is {size} bytes, the manifest says {entry.compressed_bytes}")
        if entry.check != "ok":
            raise BackupInvalid(f"{name}: the copy failed its check when it was taken ({entry.check})")
        if hashes and sha256_file(path) != entry.sha256:
            raise BackupInvalid(f"{name}: {entry.file} does not match its sha256 in the manifest (damaged or altered)")


def verify_backup(directory: Path, *, hashes: bool = True) -> Manifest:
    """Read the manifest and check the files against it; raises :class:`BackupInvalid`."""
    manifest = read_manifest(directory)
    check_files(manifest, hashes=hashes)
    return manifest


@dataclass(frozen=True, slots=True)
class BackupInfo:
    path: Path
    manifest: Manifest | None
    problem: str  # "" when the manifest and file sizes are fine

    @property
    def ok(self) -> bool:
        return not self.problem


def list_backups(daily_dir: Path, *, hashes: bool = False) -> list[BackupInfo]:
    """Backups under ``daily_dir``, newest first, each with its status (sizes; hashes if asked)."""
    if not daily_dir.is_dir():
        return []
    found: list[BackupInfo] = []
    for path in sorted((p for p in daily_dir.iterdir() if p.is_dir() and not p.name.startswith(".")), reverse=True):
        try:
            manifest = read_manifest(path)
        except BackupInvalid as exc:
            found.append(BackupInfo(path, None, str(exc)))
            continue
        try:
            check_files(manifest, hashes=hashes)
        except BackupInvalid as exc:
            found.append(BackupInfo(path, manifest, str(exc)))
        else:
            found.append(BackupInfo(path, manifest, ""))
    return found
