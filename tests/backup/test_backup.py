"""Backups: consistent while the recorder writes flat out, manifest, tamper detection, retention, disk floor."""

from __future__ import annotations

import asyncio
import gzip
import json
import time
from pathlib import Path

import pytest
from backup_helpers import T0_MS, create_databases, fill_raw, query, unpack

from core.analysis.alarms import AlarmManager
from core.config import Settings
from core.registers import RegisterMap
from core.snapshot import Quality, Snapshot
from core.storage.backup import BackupBusy, BackupError, daily_dir, maintenance, prune_backups, run_backup
from core.storage.backup_manifest import BackupInvalid, list_backups, read_manifest, verify_backup
from core.storage.disk import MB
from core.storage.recorder import Recorder
from core.storage.schema import DATABASES
from core.storage.space import NoSpace
from core.storage.sqlite_open import database_path
from tests.waiting import wait_until

COLUMNS = ("head_height", "band_torque", "band_current", "saw_state")


def check_backup_against_manifest(backup: Path, work: Path) -> dict[str, dict[str, int]]:
    """Unpack every database; each must pass integrity_check and hold the manifest's row counts."""
    manifest = verify_backup(backup)
    counts: dict[str, dict[str, int]] = {}
    for db, entry in manifest.databases.items():
        copy = unpack(backup / entry.file, work / f"{backup.name}-{db}.db")
        assert query(copy, "PRAGMA integrity_check") == [("ok",)], db
        tables = {name: query(copy, f'SELECT COUNT(*) FROM "{name}"')[0][0] for name in entry.tables}
        assert tables == entry.tables, db
        assert copy.stat().st_size == entry.bytes
        counts[db] = tables
    return counts


async def test_backup_while_the_recorder_writes_flat_out(settings: Settings, alarms: AlarmManager,
                                                         tmp_path: Path) -> None:
    create_databases(settings.data_dir, COLUMNS)
    recorder = Recorder(database_path(settings.data_dir, "raw"), COLUMNS, alarms=alarms,
                        sqlite=settings.database.sqlite.model_copy(update={"batch_rows": 200, "batch_ms": 5}))
    await recorder.start()
    stop = asyncio.Event()

    async def produce() -> int:
        seq = 0
        while not stop.is_set():
            for _ in range(500):  # flat out: as fast as the loop can queue, a yield per 500 rows
                seq += 1
                recorder.record(Snapshot(seq, T0_MS + seq, float(seq), dict.fromkeys(COLUMNS, float(seq)), {},
                                         Quality.GOOD))
            await asyncio.sleep(0)
            if recorder.queue_rows > 20_000:
                await recorder.drain(5_000)
        return seq

    producer = asyncio.create_task(produce())
    try:
        await wait_until(lambda: recorder.rows_written > 20_000, "rows on disk")
        manifests = []
        for _ in range(3):
            written_before = recorder.rows_written
            manifest = await asyncio.to_thread(run_backup, settings, prune=False)
            manifests.append((written_before, manifest, recorder.rows_written))
    finally:
        stop.set()
        produced = await producer
        await recorder.stop()
    assert produced > 20_000
    for before, manifest, after in manifests:
        assert manifest.path is not None
        counts = check_backup_against_manifest(manifest.path, tmp_path)
        rows = counts["raw"]["samples"]
        assert before <= rows <= after, "the copy is one committed state taken during the backup"
        assert set(manifest.databases) == set(DATABASES)
    rows_in_order = [m.databases["raw"].tables["samples"] for _, m, _ in manifests]
    assert rows_in_order == sorted(rows_in_order) and rows_in_order[0] < rows_in_order[-1], "writes went on"
    # The newest backup holds a prefix of raw.db: the same rows, value for value.
    last = manifests[-1][1]
    assert last.path is not None
    copy = tmp_path / f"{last.path.name}-raw.db"
    n = last.databases["raw"].tables["samples"]
    live = query(database_path(settings.data_dir, "raw"), "SELECT * FROM samples ORDER BY id LIMIT ?", (n,))
    assert query(copy, "SELECT * FROM samples ORDER BY id") == live


def test_manifest_lists_times_sizes_counts_and_hashes(settings: Settings, tmp_path: Path) -> None:
    fill_raw(settings.data_dir, COLUMNS, 1234)
    now = 1_800_000_000.0
    manifest = run_backup(settings, clock=lambda: now)
    assert manifest.path == daily_dir(settings.data_dir) / time.strftime("%Y%m%dT%H%M%SZ", time.gmtime(now))
    data = json.loads((manifest.path / "manifest.json").read_text())
    assert data["created_ms"] == int(now * 1000)
    assert data["gzip_level"] == settings.database.sqlite.backup_gzip_level
    raw = data["databases"]["raw"]
    assert raw["tables"]["samples"] == 1234 and set(raw["tables"]) <= {"samples", "storage_meta"}
    assert raw["check"] == "ok"
    assert raw["compressed_bytes"] == (manifest.path / "raw.db.gz").stat().st_size
    assert len(raw["sha256"]) == 64
    assert sorted(data["databases"]) == sorted(DATABASES)
    assert not list(daily_dir(settings.data_dir).glob(".*.partial"))
    check_backup_against_manifest(manifest.path, tmp_path)


def test_a_backup_folder_holds_the_gz_files_and_the_manifest_only(settings: Settings, tmp_path: Path) -> None:
    """Every backup folder held a -wal (0 B) and a -shm (32 KiB) per database (the WAL-mode copies,
    read to count their rows, left them); a restored copy is still a good database."""
    fill_raw(settings.data_dir, COLUMNS, 100)
    manifest = run_backup(settings)
    assert manifest.path is not None
    names = sorted(path.name for path in manifest.path.iterdir())
    assert names == sorted(["manifest.json", *(f"{db}.db.gz" for db in manifest.databases)])
    assert check_backup_against_manifest(manifest.path, tmp_path)["raw"]["samples"] == 100


def test_missing_databases_are_listed_not_invented(tmp_path: Path) -> None:
    data_dir = tmp_path / "data"
    fill_raw(data_dir, COLUMNS, 10)
    database_path(data_dir, "ml").unlink()
    manifest = run_backup(data_dir)
    assert manifest.missing == ["ml"]
    assert "ml" not in manifest.databases


@pytest.mark.parametrize("damage", ["flip_byte", "truncate", "delete_file", "edit_count", "edit_hash",
                                    "garbage_manifest", "no_manifest", "bad_path"])
def test_a_damaged_or_tampered_backup_is_refused_with_the_reason(settings: Settings, damage: str) -> None:
    fill_raw(settings.data_dir, COLUMNS, 500)
    manifest = run_backup(settings)
    backup = manifest.path
    assert backup is not None
    gz = backup / "raw.db.gz"
    data = json.loads((backup / "manifest.json").read_text())
    expected = {
        "flip_byte": "sha256", "truncate": "bytes", "delete_file": "missing", "edit_count": "sha256",
        "edit_hash": "sha256", "garbage_manifest": "unreadable manifest", "no_manifest": "no manifest.json",
        "bad_path": "plain",
    }[damage]
    if damage == "flip_byte":
        blob = bytearray(gz.read_bytes())
        blob[len(blob) // 2] ^= 0xFF
        gz.write_bytes(bytes(blob))
    elif damage == "truncate":
        gz.write_bytes(gz.read_bytes()[:-10])
    elif damage == "delete_file":
        gz.unlink()
    elif damage == "edit_count":
        # A file swapped for another valid backup of different data: sizes may match, hashes do not.
        fill_raw(settings.data_dir, COLUMNS, 1, first=500)
        other = run_backup(settings)
        assert other.path is not None
        (other.path / "raw.db.gz").replace(gz)
        data["databases"]["raw"]["compressed_bytes"] = gz.stat().st_size
        (backup / "manifest.json").write_text(json.dumps(data))
    elif damage == "edit_hash":
        data["databases"]["raw"]["sha256"] = "0" * 64
        (backup / "manifest.json").write_text(json.dumps(data))
    elif damage == "garbage_manifest":
        (backup / "manifest.json").write_text("{not json")
    elif damage == "no_manifest":
        (backup / "manifest.json").unlink()
    elif damage == "bad_path":
        data["databases"]["raw"]["file"] = "../../raw.db.gz"
        (backup / "manifest.json").write_text(json.dumps(data))
    with pytest.raises(BackupInvalid, match=expected):
        verify_backup(backup)
    listed = {info.path: info for info in list_backups(daily_dir(settings.data_dir), hashes=True)}
    assert not listed[backup].ok


def test_a_manifest_edited_to_match_a_changed_database_fails_the_row_count(settings: Settings,
                                                                           tmp_path: Path) -> None:
    from core.storage.restore import restore_backup

    fill_raw(settings.data_dir, COLUMNS, 300)
    manifest = run_backup(settings)
    assert manifest.path is not None
    data = json.loads((manifest.path / "manifest.json").read_text())
    data["databases"]["raw"]["tables"]["samples"] = 299  # hashes still match the file
    (manifest.path / "manifest.json").write_text(json.dumps(data))
    verify_backup(manifest.path)  # the files match their hashes...
    with pytest.raises(BackupInvalid, match="samples has 300 rows, the manifest says 299"):
        restore_backup(manifest.path, settings.data_dir)  # ...but the content does not match


def test_retention_deletes_old_backups_but_keeps_the_newest(settings: Settings) -> None:
    fill_raw(settings.data_dir, COLUMNS, 10)
    day = 86400.0
    start = 1_800_000_000.0
    made: list[Path] = []
    for d in range(5):
        manifest = run_backup(settings, clock=lambda d=d: start + d * day, prune=False)  # type: ignore[misc]
        assert manifest.path is not None
        made.append(manifest.path)
    removed = prune_backups(settings.data_dir, 2, now_s=start + 4 * day - 60)
    assert sorted(removed) == sorted(made[:2])  # older than 2 days: day 0 and 1
    assert [info.path for info in list_backups(daily_dir(settings.data_dir))] == list(reversed(made[2:]))
    # Even when every backup is too old, the newest stays.
    removed = prune_backups(settings.data_dir, 1, now_s=start + 100 * day)
    assert [info.path for info in list_backups(daily_dir(settings.data_dir))] == [made[-1]]


def test_disk_floor_stops_the_backup_before_the_copy_and_leaves_nothing(settings: Settings) -> None:
    fill_raw(settings.data_dir, COLUMNS, 2000)
    floor = settings.database.sqlite.disk_free_floor_mb * MB
    with pytest.raises(NoSpace, match="not enough disk space"):
        run_backup(settings, free=lambda _p: floor + 10 * 1024)  # 10 kB above the floor
    root = daily_dir(settings.data_dir)
    assert list(root.iterdir()) == []


def test_disk_floor_is_checked_during_compression(settings: Settings, monkeypatch: pytest.MonkeyPatch) -> None:
    from core.storage import backup as backup_module

    monkeypatch.setattr(backup_module, "COPY_CHUNK", 64 * 1024)
    fill_raw(settings.data_dir, COLUMNS, 60_000)
    floor = settings.database.sqlite.disk_free_floor_mb * MB
    calls: list[int] = []

    def shrinking(_path: Path) -> int:
        calls.append(1)  # plenty at first, then the disk fills up (another program writing)
        return floor + (500 * MB if len(calls) <= 5 else 1024)

    with pytest.raises(NoSpace, match=r"compressing raw\.db"):
        run_backup(settings, free=shrinking)
    assert len(calls) == 6
    assert list(daily_dir(settings.data_dir).iterdir()) == []


def test_nothing_to_back_up_is_refused(tmp_path: Path) -> None:
    with pytest.raises(BackupError, match="nothing to back up"):
        run_backup(tmp_path / "empty")
    assert not (tmp_path / "empty" / "databases" / "daily").exists()


def test_one_maintenance_job_at_a_time(settings: Settings) -> None:
    fill_raw(settings.data_dir, COLUMNS, 10)
    with maintenance(settings.data_dir, "a test"), pytest.raises(BackupBusy, match="already running"):
        run_backup(settings)
    assert run_backup(settings).path is not None


def test_gzip_level_from_config(settings: Settings) -> None:
    fill_raw(settings.data_dir, COLUMNS, 3000)
    fast = run_backup(settings.model_copy(update={"database": settings.database.model_copy(update={
        "sqlite": settings.database.sqlite.model_copy(update={"backup_gzip_level": 1})})}), prune=False)
    small = run_backup(settings, gzip_level=9, prune=False)
    assert fast.gzip_level == 1 and small.gzip_level == 9
    assert small.databases["raw"].compressed_bytes < fast.databases["raw"].compressed_bytes
    assert fast.path is not None
    with gzip.open(fast.path / "raw.db.gz") as packed:
        assert packed.read(16) == b"SQLite format 3\x00"


def test_manifest_round_trip(settings: Settings) -> None:
    fill_raw(settings.data_dir, COLUMNS, 10)
    manifest = run_backup(settings)
    assert manifest.path is not None
    again = read_manifest(manifest.path)
    assert again.databases == manifest.databases
    assert again.created_ms == manifest.created_ms


@pytest.mark.slow
@pytest.mark.integration
async def test_backup_of_a_running_engine_on_the_simulator(settings: Settings, register_map: RegisterMap,
                                                           tmp_path: Path) -> None:
    from core.engine import Engine
    from core.sim.server import SimulatorServer

    sim = SimulatorServer(register_map, seed=5, speedup=20.0)
    await sim.start()
    engine_settings = settings.model_copy(update={
        "modbus": settings.modbus.model_copy(update={"host": "127.0.0.1", "port": sim.port, "read_rate_hz": 50.0,
                                                     "timeout_s": 0.5}),
        "database": settings.database.model_copy(update={
            "sqlite": settings.database.sqlite.model_copy(update={"batch_ms": 50})}),
        "ml": settings.ml.model_copy(update={"model_path": None}),
    })
    engine = Engine(engine_settings, register_map)
    await engine.start()
    try:
        await wait_until(lambda: engine.storage.recorder.rows_written >= 50, "engine recording")
        first = await asyncio.to_thread(run_backup, engine_settings, prune=False)
        await wait_until(lambda: engine.storage.recorder.rows_written
                         > first.databases["raw"].tables["samples"] + 20, "more rows")
        second = await asyncio.to_thread(run_backup, engine_settings, prune=False)
    finally:
        await engine.stop()
        await sim.stop()
    for manifest in (first, second):
        assert manifest.path is not None
        check_backup_against_manifest(manifest.path, tmp_path)
    assert second.databases["raw"].tables["samples"] > first.databases["raw"].tables["samples"]
