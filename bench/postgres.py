"""PostgreSQL mirror benchmarks, each beside a bare baseline measured in the same run.

1. Catch-up: a backlog of N samples rows (default 1,000,000; 48 registers) in raw.db, mirrored
   by PostgresMirror, against bare asyncpg ``copy_records_to_table`` of the same rows (already in
   memory) into an identical table. Target: mirror >= 0.7x bare.
2. Fleet: M saws (default 20, different machine ids), each with a writer appending samples at
   10 Hz (--rate-hz for a speedup) and committing like the recorder (10 rows per commit), each
   with its own mirror, all into one PostgreSQL for a fixed time: the mirror woken by the commit
   (as the engine wires it), the mirror polling, and bare (each commit COPYed straight in).
   Lag p99 (target < 2 s) and the server's CPU from /proc.

Run: .venv/bin/python -m bench.postgres [--rows N] [--saws M] [--seconds S] [--rate-hz R]
Needs PostgreSQL at 127.0.0.1:5432 (user postgres, trust); uses a scratch database it drops.
"""

from __future__ import annotations

import argparse
import asyncio
import os
import secrets
import sqlite3
import statistics
import tempfile
import threading
import time
from collections.abc import Callable
from pathlib import Path
from typing import Any

import asyncpg

from core.analysis.alarms import AlarmManager
from core.config import DEFAULT_CONFIG_PATH, Settings, load_settings
from core.registers import load_register_map
from core.storage.pg import CommitInfo, PostgresMirror
from core.storage.pg.tables import pg_name, quote_ident

HOST, PORT, USER = "127.0.0.1", 5432, "postgres"
T0_MS = 1_750_000_000_000


def _settings(data_dir: Path, database: str, machine_id: int, **pg: Any) -> Settings:
    return load_settings(
        DEFAULT_CONFIG_PATH,
        env={},
        env_file=data_dir / "no.env",
        overrides={
            "paths": {"data_dir": str(data_dir)},
            "machine": {"id": machine_id},
            "database": {"postgresql": {"enabled": True, "host": HOST, "port": PORT, "user": USER,
                                        "database": database, **pg}},
        },
    )


def _registers() -> list[str]:
    return [reg.name for reg in load_register_map(Settings().register_map_path)]


def _create_raw(data_dir: Path, registers: list[str]) -> sqlite3.Connection:
    (data_dir / "databases").mkdir(parents=True, exist_ok=True)
    conn = sqlite3.connect(data_dir / "databases" / "raw.db", isolation_level=None, check_same_thread=False)
    conn.execute("PRAGMA journal_mode = WAL")
    conn.execute("PRAGMA synchronous = NORMAL")
    columns = ", ".join(f"{quote_ident(name)} REAL" for name in registers)
    conn.execute(f"CREATE TABLE samples (id INTEGER PRIMARY KEY AUTOINCREMENT, ts_ms INTEGER NOT NULL, {columns})")
    return conn


# --- /proc CPU of the PostgreSQL server -----------------------------------------------------------


def _postgres_ticks(database: str | None = None) -> dict[int, int]:
    """utime+stime ticks of every postgres process (or only the backends serving ``database``)."""
    ticks: dict[int, int] = {}
    for entry in os.listdir("/proc"):
        if not entry.isdigit():
            continue
        try:
            with open(f"/proc/{entry}/stat", encoding="ascii") as f:
                stat = f.read()
            with open(f"/proc/{entry}/cmdline", "rb") as f:
                cmdline = f.read().replace(b"\0", b" ").decode(errors="replace")
        except OSError:
            continue
        comm = stat[stat.index("(") + 1 : stat.rindex(")")]
        if comm != "postgres" and not cmdline.startswith("postgres"):
            continue
        if database is not None and f" {database} " not in cmdline:
            continue
        fields = stat[stat.rindex(")") + 2 :].split()
        ticks[int(entry)] = int(fields[11]) + int(fields[12])
    return ticks


class ServerCpu:
    def __init__(self, database: str | None = None) -> None:
        self._database = database
        self._start = _postgres_ticks(database)
        self._t0 = time.monotonic()

    def percent(self) -> float:
        """Average CPU over the interval, in % of one core (processes that ended are missed)."""
        end = _postgres_ticks(self._database)
        used = sum(ticks - self._start.get(pid, 0) for pid, ticks in end.items())
        return 100.0 * used / os.sysconf("SC_CLK_TCK") / (time.monotonic() - self._t0)


# --- 1. catch-up ----------------------------------------------------------------------------------


async def catch_up(root: Path, database: str, rows: int, batch_rows: int) -> None:
    registers = _registers()
    data_dir = root / "catchup"
    conn = _create_raw(data_dir, registers)
    values = ", ".join(f"(abs(random()) % 100000) / 100.0 + {i}" for i in range(len(registers)))
    names = ", ".join(quote_ident(name) for name in registers)
    conn.execute(
        f"WITH RECURSIVE n(x) AS (SELECT 1 UNION ALL SELECT x + 1 FROM n LIMIT {rows}) "
        f"INSERT INTO samples (ts_ms, {names}) SELECT {T0_MS} + x * 100, {values} FROM n"
    )
    machine_id = 1
    pg = await asyncpg.connect(host=HOST, port=PORT, user=USER, database=database)
    pg_columns = ["machine_id", "ts_ms", *(pg_name(name) for name in registers)]
    definition = ", ".join(f"{quote_ident(pg_name(n))} DOUBLE PRECISION" for n in registers)
    for table in ("bare_memory", "bare_batches"):
        await pg.execute(
            f"CREATE TABLE {table} (machine_id INTEGER NOT NULL, ts_ms BIGINT NOT NULL, {definition}, "
            "PRIMARY KEY (machine_id, ts_ms))"
        )

    # Bare 1: the same rows read from SQLite batch by batch, each batch one COPY straight in.
    select = f"SELECT id, ts_ms, {names} FROM samples WHERE id > ? ORDER BY id LIMIT ?"
    started, last_id = time.perf_counter(), 0
    while batch := conn.execute(select, (last_id, batch_rows)).fetchall():
        last_id = batch[-1][0]
        await pg.copy_records_to_table(
            "bare_batches", records=[(machine_id, *row[1:]) for row in batch], columns=pg_columns
        )
    bare_batches_s = time.perf_counter() - started
    await pg.execute("CHECKPOINT")

    # Bare 2: all rows already in memory, one COPY (reading them is not timed): the upper bound.
    records = [(machine_id, *row) for row in conn.execute(f"SELECT ts_ms, {names} FROM samples ORDER BY id")]
    conn.close()
    started = time.perf_counter()
    await pg.copy_records_to_table("bare_memory", records=records, columns=pg_columns)
    bare_s = time.perf_counter() - started
    del records
    await pg.execute("CHECKPOINT")

    done = asyncio.Event()
    committed = 0

    def on_commit(info: CommitInfo) -> None:
        nonlocal committed
        committed += info.rows
        if committed >= rows:
            done.set()

    settings = _settings(data_dir, database, machine_id, batch_rows=batch_rows)
    mirror = PostgresMirror(settings, alarms=AlarmManager(), on_commit=on_commit)
    cpu = ServerCpu(database)
    started = time.perf_counter()
    await mirror.start()
    await done.wait()
    mirror_s = time.perf_counter() - started
    server_cpu = cpu.percent()
    await mirror.stop()
    count = await pg.fetchval("SELECT count(*) FROM samples WHERE machine_id = $1", machine_id)
    await pg.close()
    assert count == rows, f"{count} rows in PostgreSQL, {rows} expected"

    print(f"catch-up of {rows:,} samples rows ({len(registers)} registers), batch {batch_rows}:")
    print(f"  bare: SQLite batch read + copy_records_to_table:  {rows / bare_batches_s:10,.0f} rows/s "
          f"({bare_batches_s:.1f} s)")
    print(f"  bare: copy_records_to_table, rows in memory:     {rows / bare_s:10,.0f} rows/s ({bare_s:.1f} s)")
    print(f"  PostgresMirror (cursor, idempotent, durable):     {rows / mirror_s:10,.0f} rows/s ({mirror_s:.1f} s)"
          f"  server CPU {server_cpu:.0f}% of a core")
    print(f"  ratio vs bare read+copy {bare_batches_s / mirror_s:.2f}x, vs in-memory copy {bare_s / mirror_s:.2f}x"
          "  (target >= 0.7x)")


# --- 2. fleet -------------------------------------------------------------------------------------


class Saw:
    """raw.db of one simulated saw and a recorder-like writer: 10 Hz samples, 10 rows per commit."""

    def __init__(self, data_dir: Path, registers: list[str], index: int) -> None:
        self.conn_dir = data_dir
        self.conn = _create_raw(data_dir, registers)
        self.registers = registers
        self.index = index
        self.machine_id = 100 + index
        self.pending: list[tuple[Any, ...]] = []
        self.last_ts_ms = 0
        self.visible_ms: dict[int, float] = {}  # ts_ms -> when its commit made it readable
        names = ", ".join(quote_ident(name) for name in registers)
        marks = ", ".join("?" for _ in range(len(registers) + 1))
        self.sql = f"INSERT INTO samples (ts_ms, {names}) VALUES ({marks})"
        # Called on the writer thread after each commit (hand over to the loop thread-safely).
        self.after_commit: Callable[[list[tuple[Any, ...]]], None] | None = None

    def sample(self, now_ms: int, tick: int) -> None:
        # Strictly increasing per saw (samples are keyed by machine id and time), even when the
        # writer thread runs late and catches up several ticks within one millisecond.
        self.last_ts_ms = max(now_ms, self.last_ts_ms + 1)
        values = (float((tick * (i + 1) + self.index) % 1000) for i in range(len(self.registers)))
        self.pending.append((self.last_ts_ms, *values))
        if len(self.pending) >= 10:
            self.conn.execute("BEGIN")
            self.conn.executemany(self.sql, self.pending)
            self.conn.execute("COMMIT")
            visible = time.time() * 1000
            for row in self.pending:
                self.visible_ms[row[0]] = visible
            if self.after_commit is not None:
                self.after_commit(self.pending)
            self.pending = []


def _writer(saws: list[Saw], stop: threading.Event, rate_hz: float) -> None:
    """All saws' writers on one thread, on deadlines of the monotonic clock."""
    period, tick = 1.0 / rate_hz, 0
    next_at = time.monotonic()
    while not stop.is_set():
        now_ms = int(time.time() * 1000)
        for saw in saws:
            saw.sample(now_ms + saw.index, tick)  # distinct ts per saw, like unsynchronised PLCs
        tick += 1
        next_at += period
        time.sleep(max(0.0, next_at - time.monotonic()))


class Lags:
    def __init__(self) -> None:
        self.e2e: list[float] = []  # sample taken -> committed in PostgreSQL (oldest row of a batch)
        self.mirror: list[float] = []  # committed in SQLite -> committed in PostgreSQL
        self.rows = 0

    def record(self, saw: Saw, rows: int, first_ts_ms: int, committed_ms: float) -> None:
        self.rows += rows
        self.e2e.append(committed_ms - first_ts_ms)
        visible = saw.visible_ms.pop(first_ts_ms, None)
        if visible is not None:
            self.mirror.append(committed_ms - visible)


async def _bare_sender(saw: Saw, database: str, queue: asyncio.Queue[list[Any]], lags: Lags) -> None:
    """The bare way: each committed SQLite batch COPYed straight in (no cursor, no retry)."""
    conn = await asyncpg.connect(host=HOST, port=PORT, user=USER, database=database)
    columns = ["machine_id", "ts_ms", *(pg_name(name) for name in saw.registers)]
    try:
        while True:
            rows = await queue.get()
            await conn.copy_records_to_table(
                "bare_fleet", records=[(saw.machine_id, *row) for row in rows], columns=columns
            )
            lags.record(saw, len(rows), rows[0][0], time.time() * 1000)
    finally:
        await conn.close()


async def fleet(root: Path, database: str, count: int, seconds: float, *, mode: str, rate_hz: float) -> None:
    """``mode``: wake (mirror woken after each commit), poll (mirror on its interval), bare."""
    registers = _registers()
    saws = [Saw(root / f"saw{i}", registers, i) for i in range(count)]
    loop = asyncio.get_running_loop()
    lags = Lags()
    mirrors: list[PostgresMirror] = []
    senders: list[asyncio.Task[None]] = []
    if mode == "bare":
        admin = await asyncpg.connect(host=HOST, port=PORT, user=USER, database=database)
        definition = ", ".join(f"{quote_ident(pg_name(n))} DOUBLE PRECISION" for n in registers)
        await admin.execute(
            f"CREATE TABLE IF NOT EXISTS bare_fleet (machine_id INTEGER NOT NULL, ts_ms BIGINT NOT NULL, "
            f"{definition}, PRIMARY KEY (machine_id, ts_ms))"
        )
        await admin.close()
    for saw in saws:
        if mode == "bare":
            queue: asyncio.Queue[list[Any]] = asyncio.Queue()

            def hand_over(rows: list[tuple[Any, ...]], q: asyncio.Queue[list[Any]] = queue) -> None:
                loop.call_soon_threadsafe(q.put_nowait, list(rows))

            saw.after_commit = hand_over
            senders.append(asyncio.create_task(_bare_sender(saw, database, queue, lags)))
            continue

        def on_commit(info: CommitInfo, saw: Saw = saw) -> None:
            lags.record(saw, info.rows, info.first_ts_ms, info.committed_ms)

        settings = _settings(saw.conn_dir, database, saw.machine_id, pool_min=1, pool_max=2)
        mirror = PostgresMirror(settings, alarms=AlarmManager(), on_commit=on_commit)
        if mode == "wake":  # as the engine wires it: the recorder's commit wakes the mirror

            def wake(rows: list[tuple[Any, ...]], m: PostgresMirror = mirror) -> None:
                loop.call_soon_threadsafe(m.wake)

            saw.after_commit = wake
        mirrors.append(mirror)
        await mirror.start()

    stop = threading.Event()
    thread = threading.Thread(target=_writer, args=(saws, stop, rate_hz), name="bench-saw-writers")
    thread.start()
    await asyncio.sleep(3.0)  # warm-up: pools open, schema settled
    lags.__init__()  # type: ignore[misc]
    cpu_all, cpu_ours = ServerCpu(), ServerCpu(database)
    started = time.monotonic()
    await asyncio.sleep(seconds)
    elapsed = time.monotonic() - started
    all_pct, ours_pct = cpu_all.percent(), cpu_ours.percent()
    e2e, mirror_lag, rows = list(lags.e2e), list(lags.mirror), lags.rows
    stop.set()
    await asyncio.to_thread(thread.join)
    for mirror in mirrors:
        await mirror.stop()
    failed = [task for task in senders if task.done()]
    for task in senders:
        task.cancel()
    await asyncio.gather(*senders, return_exceptions=True)
    for saw in saws:
        saw.conn.close()

    def p(values: list[float], q: int) -> float:
        return statistics.quantiles(values, n=100)[q - 1] / 1000 if len(values) >= 2 else float("nan")


    title = {
        "wake": "PostgresMirror, woken by the recorder's commit",
        "poll": "PostgresMirror, not woken (interval_s 1.0 + its 0.1 s file watch)",
        "bare": "bare: each SQLite commit COPYed straight in (no cursor, no retry)",
    }[mode]
    print(f"fleet: {count} saws x {rate_hz:g} Hz for {elapsed:.0f} s: {title}")
    print(f"  rows {rows:,} ({rows / elapsed:,.0f} rows/s), batches {len(e2e):,}")
    for task in failed:
        print(f"  a bare sender failed: {task.exception()!r}")
    print(f"  lag sample->PostgreSQL (incl. the recorder's 1 s batching): p50 {p(e2e, 50):.2f} s  "
          f"p99 {p(e2e, 99):.2f} s  max {max(e2e, default=float('nan')) / 1000:.2f} s  (target p99 < 2 s)")
    print(f"  lag SQLite commit->PostgreSQL commit: p50 {p(mirror_lag, 50):.3f} s  p99 {p(mirror_lag, 99):.3f} s")
    print(f"  PostgreSQL CPU: backends of this database {ours_pct:.1f}% of a core, all postgres processes "
          f"{all_pct:.1f}% ({os.cpu_count()} cores)")


async def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--rows", type=int, default=1_000_000)
    parser.add_argument("--batch-rows", type=int, default=5000)
    parser.add_argument("--saws", type=int, default=20)
    parser.add_argument("--seconds", type=float, default=60.0)
    parser.add_argument("--rate-hz", type=float, default=10.0, help="samples per saw per second (speedup x 10 Hz)")
    parser.add_argument("--skip-catch-up", action="store_true")
    parser.add_argument("--skip-fleet", action="store_true")
    args = parser.parse_args()

    database = f"bandsaw_bench_{os.getpid()}_{secrets.token_hex(3)}"
    admin = await asyncpg.connect(host=HOST, port=PORT, user=USER, database="postgres")
    await admin.execute(f"CREATE DATABASE {quote_ident(database)}")
    try:
        with tempfile.TemporaryDirectory(prefix="bench-pg-") as tmp:
            if not args.skip_catch_up:
                await catch_up(Path(tmp), database, args.rows, args.batch_rows)
            if not args.skip_fleet:
                for mode in ("wake", "poll", "bare"):
                    await fleet(
                        Path(tmp) / f"fleet-{mode}", database, args.saws, args.seconds, mode=mode, rate_hz=args.rate_hz
                    )
    finally:
        await admin.execute(f"DROP DATABASE IF EXISTS {quote_ident(database)} WITH (FORCE)")
        await admin.close()


if __name__ == "__main__":
    asyncio.run(main())
