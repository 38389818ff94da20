"""``make soak``: the long chaos runs of issue 16, one table at the end (not part of ``make test``).

    python -m tests.soak.run [--only NAME ...] [--kills 50] [--restarts 20]

Scenarios (each on 127.0.0.1 only, bounded in count and time):
  engine-kill9     kill -9 of the engine at random moments: every database passes integrity_check
                   and keeps every row committed before the kill
  sim-restart      the simulated PLC killed (-9) and restarted: time from the port accepting again
                   to the first good sample (target <= 2 s every time)
  pg-outage        a PostgreSQL of our own (initdb, free port): backends killed in a loop and one
                   server restart while rows are written; then every row compared, none doubled
  replace-restore  each database file replaced (deleted, corrupt, emptied, older copy) and a
                   backup restored with the mirror on; every row compared, none doubled
  full-disk        a tiny tmpfs filled while recording (nothing lost once space returns) and at a
                   SIGTERM (bounded stop, rows spilled, replayed at the next start)
  exception-plc    a PLC answering every read with exception 4: no rows, 0 Hz, its alarms; data
                   again once it answers
Exit code 1 when any scenario fails.
"""

from __future__ import annotations

import argparse
import asyncio
import contextlib
import os
import random
import signal
import socket
import sqlite3
import subprocess
import sys
import tempfile
import time
import traceback
from collections.abc import Callable, Coroutine
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from core.config import PROJECT_ROOT, Settings, load_settings
from core.registers import RegisterMap, load_register_map
from tests.full_disk import fill, mounted_tmpfs

DATABASES = ("raw", "total", "log", "ml", "anomaly")


@dataclass
class Row:
    scenario: str
    trials: str
    result: str
    ok: bool


def settings_in(directory: Path) -> Settings:
    paths = {"data_dir": str(directory / "data"), "logs_dir": str(directory / "logs")}
    return load_settings(PROJECT_ROOT / "config" / "config.yaml", env={}, env_file=directory / "no.env",
                         overrides={"paths": paths})


async def poll_until(condition: Callable[[], Any], limit_s: float, step_s: float = 0.01) -> bool:
    """True once ``condition()`` holds (awaited when it returns a coroutine), False after ``limit_s``."""
    deadline = time.monotonic() + limit_s
    while True:
        value = condition()
        if asyncio.iscoroutine(value):
            value = await value
        if value:
            return True
        if time.monotonic() > deadline:
            return False
        await asyncio.sleep(step_s)


def register_map() -> RegisterMap:
    return load_register_map(PROJECT_ROOT / "config" / "registers.yaml")


def p99(values: list[float]) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, max(0, int(0.99 * len(ordered) + 0.999) - 1))] if ordered else 0.0


def engine_env(extra: dict[str, str] | None = None) -> dict[str, str]:
    return {**os.environ, "BANDSAW_DATABASE__SQLITE__BATCH_MS": "200", "BANDSAW_ML__MODEL_PATH": "null",
            **(extra or {})}


def start_engine(data_dir: Path, env: dict[str, str]) -> subprocess.Popen[str]:
    return subprocess.Popen(
        [sys.executable, "-m", "core.cli", "engine", "--simulate", "--sim-speedup", "5", "--data-dir", str(data_dir)],
        stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True, cwd=PROJECT_ROOT, env=env)


def samples(path: Path) -> int:
    try:
        conn = sqlite3.connect(f"{path.as_uri()}?mode=ro", uri=True, timeout=5)
    except sqlite3.Error:
        return 0
    try:
        return int(conn.execute("SELECT count(*) FROM samples").fetchone()[0])
    except sqlite3.Error:
        return 0
    finally:
        conn.close()


# --- engine kill -9 -----------------------------------------------------------------------------


def engine_kill9(kills: int) -> Row:
    work = Path(tempfile.mkdtemp(prefix="soak-kill9-"))
    data = work / "data"
    raw = data / "databases" / "raw.db"
    rng = random.Random(16)
    problems: list[str] = []
    env = engine_env({"BANDSAW_PATHS__LOGS_DIR": str(work / "logs")})
    before_total = 0
    for trial in range(kills):
        proc = start_engine(data, env)
        deadline = time.monotonic() + 90
        while samples(raw) <= before_total and time.monotonic() < deadline and proc.poll() is None:
            time.sleep(0.1)
        time.sleep(rng.uniform(0.0, 2.0))  # a random moment: mid-batch, mid-commit, idle
        committed = samples(raw)
        proc.kill()
        proc.communicate()
        after = samples(raw)
        if after < committed:
            problems.append(f"trial {trial}: {committed} committed, {after} after the kill")
        for db in DATABASES:
            path = data / "databases" / f"{db}.db"
            conn = sqlite3.connect(path)
            try:
                check = conn.execute("PRAGMA integrity_check").fetchone()[0]
            finally:
                conn.close()
            if check != "ok":
                problems.append(f"trial {trial}: {db}.db {check}")
        before_total = after
    result = f"{before_total} samples kept, integrity ok" if not problems else "; ".join(problems[:3])
    return Row("engine kill -9 at random moments", str(kills), result, not problems)


# --- simulator kill/restart ---------------------------------------------------------------------


def _free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


def _accepting(port: int) -> bool:
    with socket.socket() as sock:
        sock.settimeout(0.2)
        return sock.connect_ex(("127.0.0.1", port)) == 0


async def sim_restarts(restarts: int) -> Row:
    from core.analysis.alarms import AlarmManager
    from core.modbus.client import PlcClient
    from core.modbus.poller import Poller
    from core.snapshot import Quality, Snapshot

    work = Path(tempfile.mkdtemp(prefix="soak-sim-"))
    settings = settings_in(work)  # the shipped timing: 1 s timeout, backoff up to 10 s
    port = _free_port()
    settings.modbus.host, settings.modbus.port = "127.0.0.1", port

    def sim() -> subprocess.Popen[bytes]:
        return subprocess.Popen([sys.executable, "-m", "core.cli", "sim", "--port", str(port)], cwd=PROJECT_ROOT,
                                stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)

    until = poll_until

    proc = sim()
    await until(lambda: _accepting(port), 30)
    good: list[float] = []  # monotonic times of good snapshots
    client = PlcClient(settings.modbus)
    poller = Poller(settings, register_map(), client,
                    lambda s: good.append(time.monotonic()) if s.quality is Quality.GOOD else None,
                    alarms=AlarmManager())
    _ = Snapshot
    await client.connect()
    poller.start()
    times: list[float] = []
    rng = random.Random(20)
    failures = 0

    def good_after(back: float) -> Callable[[], bool]:
        return lambda: bool(good) and good[-1] > back

    try:
        for _trial in range(restarts):
            await until(lambda: bool(good) and time.monotonic() - good[-1] < 0.5, 30)
            proc.kill()
            proc.wait()
            await asyncio.sleep(rng.uniform(0.5, 6.0))
            proc = sim()
            if not await until(lambda: _accepting(port), 30):
                failures += 1
                continue
            back = time.monotonic()
            if await until(good_after(back), 30):
                times.append(good[-1] - back)
            else:
                failures += 1
    finally:
        await poller.stop()
        await client.close()
        proc.kill()
        proc.wait()
    ok = not failures and bool(times) and max(times) <= 2.0
    result = (f"first good sample after the PLC is back: max {max(times):.2f} s, p99 {p99(times):.2f} s, "
              f"median {sorted(times)[len(times) // 2]:.2f} s" if times else "no trial completed")
    return Row("simulator kill -9 / restart", f"{restarts}", result + (f"; {failures} failed" if failures else ""), ok)


# --- PostgreSQL ---------------------------------------------------------------------------------


async def _mirror_settings(work: Path, port: int, database: str, machine_id: int) -> Settings:
    settings = settings_in(work)
    pg = settings.database.postgresql
    pg.enabled, pg.host, pg.port, pg.user, pg.database = True, "127.0.0.1", port, "postgres", database
    pg.batch_rows, pg.interval_s, pg.retry_backoff_max_s, pg.command_timeout_s = 500, 0.1, 1.0, 10.0
    settings.machine.id = machine_id
    return settings


async def pg_outage(server: Any) -> Row:
    import asyncpg

    from core.analysis.alarms import AlarmManager
    from core.storage.pg import PostgresMirror
    from core.storage.sqlite_store import SqliteStorage
    from tests.postgres.generations import COLUMNS, compare_all, write_rows

    work = Path(tempfile.mkdtemp(prefix="soak-pg-"))
    admin = await asyncpg.connect(host="127.0.0.1", port=server.port, user="postgres", database="postgres")
    await admin.execute("CREATE DATABASE soak_outage")
    await admin.close()
    settings = await _mirror_settings(work, server.port, "soak_outage", 7)
    alarms = AlarmManager()
    storage = SqliteStorage(settings, COLUMNS, alarms)
    await storage.start()
    mirror = PostgresMirror(settings, alarms=alarms)
    await mirror.start()
    writing = True

    async def writer() -> None:
        while writing:
            write_rows(storage, 2)
            await asyncio.sleep(0.05)

    task = asyncio.create_task(writer())
    killed = 0
    restart_s = 0.0
    try:
        for round_ in range(40):
            await asyncio.sleep(0.5)
            with contextlib.suppress(Exception):
                conn = await asyncpg.connect(host="127.0.0.1", port=server.port, user="postgres",
                                             database="postgres")
                try:
                    killed += int(await conn.fetchval(
                        "SELECT count(*) FROM (SELECT pg_terminate_backend(pid) FROM pg_stat_activity "
                        "WHERE datname = 'soak_outage' AND pid <> pg_backend_pid()) k"))
                finally:
                    await conn.close()
            if round_ == 25:
                restart_s = await asyncio.to_thread(server.restart)
        writing = False
        await task
        for w in storage.writers:
            await w.drain()

        async def caught_up() -> bool:
            mirror.wake()
            return mirror.health().connected and mirror.health().backlog == 0

        await poll_until(caught_up, 120, 0.2)
    finally:
        writing = False
        await asyncio.gather(task, return_exceptions=True)
        await mirror.stop()
        await storage.stop()
    pg = await asyncpg.connect(host="127.0.0.1", port=server.port, user="postgres", database="soak_outage")
    try:
        checked = await compare_all(pg, settings.data_dir / "databases", 7)
        ok, detail = True, f"{sum(checked.values())} rows in {len(checked)} tables identical, none doubled"
    except AssertionError as exc:
        ok, detail = False, str(exc)[:200]
    finally:
        await pg.close()
    return Row("PostgreSQL backend kills + server restart under load",
               f"{killed} backends killed, 1 restart ({restart_s:.1f} s)", detail, ok)


async def replace_restore(server: Any) -> Row:
    import asyncpg

    from tests.postgres.test_pg_generations import _replace_and_restore

    work = Path(tempfile.mkdtemp(prefix="soak-replace-"))
    admin = await asyncpg.connect(host="127.0.0.1", port=server.port, user="postgres", database="postgres")
    await admin.execute("CREATE DATABASE soak_replace")
    await admin.close()
    settings = await _mirror_settings(work, server.port, "soak_replace", 8)
    pg = await asyncpg.connect(host="127.0.0.1", port=server.port, user="postgres", database="soak_replace")
    try:
        await _replace_and_restore(settings, pg, 8)
        ok, detail = True, "every row of every mirrored table in PostgreSQL, same content, none doubled"
    except AssertionError as exc:
        ok, detail = False, str(exc)[:200]
    finally:
        await pg.close()
    return Row("database replaced (deleted/corrupt/emptied/older copy) + restore, mirror on", "4 files + 1 restore",
               detail, ok)


# --- full disk ----------------------------------------------------------------------------------


@contextlib.contextmanager
def tmpfs(size: str) -> Any:
    with mounted_tmpfs(Path(tempfile.mkdtemp(prefix="soak-tmpfs-")), size) as path:
        yield path


async def full_disk_running() -> Row:
    from core.analysis.alarms import AlarmManager
    from core.snapshot import Quality, Snapshot
    from core.storage.sqlite_store import SqliteStorage

    with tmpfs("6m") as disk:
        settings = settings_in(disk)
        settings.database.sqlite.disk_free_floor_mb = 0
        alarms = AlarmManager()
        storage = SqliteStorage(settings, ("a", "b"), alarms, retry_s=(0.1, 0.5))
        await storage.start()
        recorded = 0
        try:
            for phase in ("before", "full", "freed"):
                filler = fill(disk) if phase == "full" else None
                for _ in range(50):
                    recorded += 1
                    storage.recorder.record(Snapshot(recorded, 1_700_000_000_000 + recorded, 0.0,
                                                     {"a": float(recorded), "b": 1.0}, {}, Quality.GOOD))
                    await asyncio.sleep(0.02)
                if filler is not None:
                    alarmed = alarms.is_active("storage.write_failed")
                    filler.unlink()
            await poll_until(lambda: storage.recorder.queue_rows == 0, 30, 0.1)
        finally:
            await storage.stop()
        kept = samples(settings.data_dir / "databases" / "raw.db")
    ok = kept == recorded and alarmed
    return Row("full disk while running", "1", f"{recorded} recorded, {kept} written after space returned; "
               f"write-failed alarm {'raised' if alarmed else 'MISSING'}", ok)


def full_disk_at_stop() -> Row:
    import re

    with tmpfs("8m") as disk:
        spill = Path(tempfile.mkdtemp(prefix="soak-spill-"))
        data = disk / "data"
        env = engine_env({"BANDSAW_DATABASE__SQLITE__SPILL_DIR": str(spill),
                          "BANDSAW_DATABASE__SQLITE__DISK_FREE_FLOOR_MB": "0",
                          "BANDSAW_PATHS__LOGS_DIR": str(spill / "logs")})
        proc = start_engine(data, env)
        raw = data / "databases" / "raw.db"
        deadline = time.monotonic() + 90
        while samples(raw) < 20 and time.monotonic() < deadline:
            time.sleep(0.2)
        filler = fill(disk)
        time.sleep(5.0)
        started = time.monotonic()
        proc.send_signal(signal.SIGTERM)
        output, _ = proc.communicate(timeout=60)
        took = time.monotonic() - started
        last = output.strip().splitlines()[-1] if output.strip() else ""
        match = re.search(r"(\d+) rows written; (\d+) rows not written in time: (\d+) spilled", last)
        written_before = samples(raw)
        filler.unlink()
        replay = subprocess.run([sys.executable, "-m", "core.cli", "engine", "--data-dir", str(data), "--duration",
                                 "0.5"], check=False, capture_output=True, text=True, cwd=PROJECT_ROOT, timeout=120,
                                env={**env, "BANDSAW_MODBUS__PORT": "1"})
        after = samples(raw)
    spilled = int(match[3]) if match else 0
    raw_spilled = after - written_before
    ok = bool(match) and took < 20 and proc.returncode == 1 and raw_spilled > 0 and "replayed" in (
        replay.stdout + replay.stderr)
    return Row("full disk at SIGTERM", "1",
               f"stop {took:.1f} s, exit {proc.returncode}, {spilled} rows spilled ({raw_spilled} samples), "
               f"replayed at the next start: {'yes' if ok else 'NO'}; last line: {last[-90:]}", ok)


# --- exception-only PLC -------------------------------------------------------------------------


async def exception_plc() -> Row:
    from core.analysis.alarms import AlarmManager
    from core.api import EngineStatus
    from core.modbus.client import PlcClient
    from core.modbus.health import ALARM_EXCEPTION, ALARM_NO_DATA
    from core.modbus.poller import Poller
    from core.sim.server import SimulatorServer
    from core.snapshot import Quality, Snapshot

    work = Path(tempfile.mkdtemp(prefix="soak-exc-"))
    settings = settings_in(work)
    sim = SimulatorServer(register_map(), port=0, seed=5, speedup=1.0)
    await sim.start()
    settings.modbus.host, settings.modbus.port = "127.0.0.1", sim.port
    alarms = AlarmManager()
    snapshots: list[Snapshot] = []
    client = PlcClient(settings.modbus)
    poller = Poller(settings, register_map(), client, snapshots.append, alarms=alarms)
    await client.connect()
    poller.start()
    try:
        await asyncio.sleep(1.0)
        sim.faults.exception(4)
        mark = len(snapshots)
        await asyncio.sleep(12.0)
        during = snapshots[mark:]
        with_data = sum(s.quality is not Quality.COMM_ERROR for s in during[5:])
        line = EngineStatus(link=poller.health()).one_line()
        raised = alarms.is_active(ALARM_NO_DATA) and alarms.is_active(ALARM_EXCEPTION)
        sim.faults.clear_exception()
        back = time.monotonic()
        await poll_until(lambda: any(s.quality is Quality.GOOD for s in snapshots[-3:]), 10)
        back_s = time.monotonic() - back
    finally:
        await poller.stop()
        await client.close()
        await sim.stop()
    ok = with_data == 0 and raised and "0.0 Hz" in line and line.startswith("link DOWN") and back_s < 2
    return Row("PLC answering only exception 4", "12 s",
               f"{with_data} samples with data, alarms no_data+exception {'raised' if raised else 'MISSING'}, "
               f"status '{line[:40]}...', data again {back_s:.2f} s after it answers", ok)


# --- the table ----------------------------------------------------------------------------------


def print_table(rows: list[Row]) -> None:
    headers = ("scenario", "trials", "result", "ok")
    widths = [max(len(headers[0]), *(len(r.scenario) for r in rows)),
              max(len(headers[1]), *(len(r.trials) for r in rows))]
    print()
    print(f"| {headers[0]:<{widths[0]}} | {headers[1]:<{widths[1]}} | result | ok |")
    print(f"|{'-' * (widths[0] + 2)}|{'-' * (widths[1] + 2)}|---|---|")
    for r in rows:
        print(f"| {r.scenario:<{widths[0]}} | {r.trials:<{widths[1]}} | {r.result} | {'yes' if r.ok else 'NO'} |")


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--only", nargs="*", default=None)
    parser.add_argument("--kills", type=int, default=50)
    parser.add_argument("--restarts", type=int, default=20)
    args = parser.parse_args(argv)
    from tests.soak.pgserver import OwnPostgres

    def wanted(name: str) -> bool:
        return args.only is None or name in args.only

    rows: list[Row] = []

    def run(name: str, title: str, job: Callable[[], Row | Coroutine[Any, Any, Row]]) -> None:
        if not wanted(name):
            return
        started = time.monotonic()
        print(f"soak: {name} ...", flush=True)
        try:
            outcome = job()
            row = asyncio.run(outcome) if asyncio.iscoroutine(outcome) else outcome
        except Exception as exc:
            traceback.print_exc()
            row = Row(title, "-", f"crashed: {type(exc).__name__}: {exc}"[:200], False)
        assert isinstance(row, Row)
        print(f"soak: {name}: {'ok' if row.ok else 'FAILED'} in {time.monotonic() - started:.0f} s: {row.result}",
              flush=True)
        rows.append(row)

    run("engine-kill9", "engine kill -9", lambda: engine_kill9(args.kills))
    run("sim-restart", "simulator kill/restart", lambda: sim_restarts(args.restarts))
    if wanted("pg-outage") or wanted("replace-restore"):
        server = OwnPostgres().start()
        try:
            run("pg-outage", "PostgreSQL outages", lambda: pg_outage(server))
            run("replace-restore", "replace + restore", lambda: replace_restore(server))
        finally:
            server.stop()
    run("full-disk", "full disk while running", full_disk_running)
    run("full-disk", "full disk at stop", full_disk_at_stop)
    run("exception-plc", "exception-only PLC", exception_plc)
    print_table(rows)
    return 0 if rows and all(r.ok for r in rows) else 1


if __name__ == "__main__":
    sys.exit(main())
