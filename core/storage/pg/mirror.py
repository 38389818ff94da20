"""PostgresMirror: copies the local SQLite databases into one central PostgreSQL, loss- and duplicate-free.

One asyncio task loops: connect and migrate, wait for the machine id, then per table read rows
after the durable cursor (on the mirror's own SQLite thread, in bounded batches), send them
(see :mod:`core.storage.pg.sender`), and advance the cursor after the commit. Outages back off
up to ``retry_backoff_max_s`` and resume from the cursors, oldest rows first. Acquisition and
the GUI never wait on any of this.

Wiring (engine)::

    mirror = PostgresMirror(settings, alarms=alarms)   # data_dir defaults to settings.data_dir
    await mirror.start()                    # returns at once; a no-op unless enabled
    engine listener: mirror.on_snapshot     # machine id from the PLC when machine.id is unset
    after a local commit: mirror.wake()     # on the event loop thread; optional (else interval_s)
    status line / lamp: mirror.health()     # core.api.ServiceHealth, no IO
    await mirror.stop()
"""

from __future__ import annotations

import asyncio
import contextlib
import functools
import logging
import os
import time
from collections.abc import Callable, Sequence
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass
from pathlib import Path
from typing import Any, ParamSpec, TypeVar

import asyncpg

from core.analysis.alarms import AlarmManager
from core.config import Settings
from core.snapshot import Quality, Snapshot
from core.storage.generation import Generation
from core.storage.pg.connection import create_pool, describe_error, target_from_settings
from core.storage.pg.schema import SchemaError, add_columns, enable_timescale, migrate, pg_columns
from core.storage.pg.sender import CopyPlan, SendState, send_bisecting
from core.storage.pg.source import SourceReader
from core.storage.pg.state import MirrorState, QuarantinedRow, Rejected
from core.storage.pg.status import ALARM_DOWN, ALARM_QUARANTINE, MirrorStatus
from core.storage.pg.tables import MIRRORED_TABLES, TableSpec, pg_name, pg_type
from core.values import ServiceHealth

log = logging.getLogger("bandsaw.storage.postgres")

P = ParamSpec("P")
T = TypeVar("T")

__all__ = ["ALARM_DOWN", "ALARM_QUARANTINE", "CommitInfo", "MirrorUnavailable", "PostgresMirror", "RetryResult"]
_BACKOFF_START_S = 0.5
_BATCHES_PER_TURN = 20  # then the next table gets its turn, so small tables are never starved
_STOP_GRACE_S = 5.0
_WATCH_PERIOD_S = 0.1  # how often an idle mirror looks at the source files' size and time


@dataclass(frozen=True, slots=True)
class CommitInfo:
    """One committed batch, for the engine's metrics (and the fleet benchmark)."""

    source: str  # "<database>.<table>"
    rows: int
    inserted: int  # new in PostgreSQL; rows - inserted - quarantined were already there
    quarantined: int
    first_ts_ms: int
    last_ts_ms: int
    committed_ms: int


@dataclass(frozen=True, slots=True)
class RetryResult:
    sent: int
    still_failing: int


class MirrorUnavailable(Exception):
    """An engineer's action needs the connection and there is none; the text says why."""


class PostgresMirror:
    def __init__(
        self,
        settings: Settings,
        *,
        alarms: AlarmManager,
        data_dir: Path | None = None,
        clock: Callable[[], float] = time.time,
        tables: Sequence[TableSpec] = MIRRORED_TABLES,
        on_commit: Callable[[CommitInfo], None] | None = None,
    ) -> None:
        self._pg = settings.database.postgresql
        self._clock = clock
        self._status = MirrorStatus(alarms, clock, self._pg.down_alarm_after_s)
        self._tables = tuple(tables)
        self._by_name = {spec.name: spec for spec in self._tables}
        self._on_commit = on_commit
        self._target = target_from_settings(self._pg)
        self._fixed_machine_id = settings.machine.id is not None
        self._machine_id: int | None = settings.machine.id
        self._db_dir = (data_dir if data_dir is not None else settings.data_dir) / "databases"
        self._executor: ThreadPoolExecutor | None = None
        self._reader = SourceReader(self._db_dir)
        self._state: MirrorState | None = None
        self._pool: asyncpg.Pool | None = None
        self._task: asyncio.Task[None] | None = None
        self._wake_event = asyncio.Event()
        self._stopping = False
        self._schema_ready = False
        self._passes_begun = 0  # passes over every table (for catch_up)
        self._caught_up_pass = 0  # the latest pass that found nothing left to send
        self._pass_done = asyncio.Event()
        self._plans: dict[str, CopyPlan] = {}
        self._send_state: dict[str, SendState] = {}
        self._cursors: dict[tuple[str, str], int] = {}  # (source, file generation) -> last id sent
        self._generations: dict[str, Generation] = {}  # source -> its file's generation, this cycle
        self.rows_sent = 0
        self.rows_duplicate = 0  # re-sent rows PostgreSQL already had (skipped, not doubled)
        self.cycles = 0  # passes over the sources that ended well, caught up or not: tests wait on it
        self.timescale = False

    # --- the engine's side ---------------------------------------------------------------

    @property
    def enabled(self) -> bool:
        return self._pg.enabled

    @property
    def machine_id(self) -> int | None:
        return self._machine_id

    @property
    def failures(self) -> int:
        """Attempts that failed (connection lost, server down, ...) since construction."""
        return self._status.failures

    async def start(self) -> None:
        """Open the local state and start mirroring in the background; returns at once."""
        if not self._pg.enabled or self._task is not None:
            return
        self._stopping = False
        self._executor = ThreadPoolExecutor(max_workers=1, thread_name_prefix="pg-mirror-sqlite")
        try:
            self._state = await self._io(MirrorState, self._db_dir / "pg_mirror.db")
            self._cursors = await self._io(self._state.cursors, self._target.identity)
            quarantined = await self._io(self._state.quarantine_count, self._target.identity)
        except Exception as exc:  # a broken local file must not stop the engine: say it instead
            self._status.error = f"PostgreSQL mirror state {self._db_dir / 'pg_mirror.db'}: {exc}"
            log.error("%s", self._status.error)
            await self._close_local()
            return
        self._status.set_quarantined(quarantined)
        log.info("PostgreSQL mirror to %s starting", self._target.display)
        self._task = asyncio.create_task(self._run(), name="postgres-mirror")

    @property
    def task(self) -> asyncio.Task[None] | None:
        return self._task

    @property
    def sending(self) -> bool:
        """Running and connected with a machine id: rows committed now can be sent now."""
        return self._task is not None and self._status.connected and self._machine_id is not None

    async def catch_up(self, timeout_s: float) -> bool:
        """Before a stop: send what is committed locally by now (a stop's closing rows) within
        ``timeout_s``. True once a pass begun after this call found nothing left to send; False at
        once when not :attr:`sending` (the rows go at the next start, as after an outage)."""
        if not self.sending:
            return False
        wanted = self._passes_begun + 1  # a pass in progress may have read a table already
        self._wake_event.set()
        loop = asyncio.get_running_loop()
        deadline = loop.time() + timeout_s
        try:
            while self._caught_up_pass < wanted and self._task is not None:
                await asyncio.wait_for(self._pass_done.wait(), max(deadline - loop.time(), 0.0))
        except TimeoutError:
            log.warning("stop: rows not sent to PostgreSQL within %.1f s go at the next start", timeout_s)
            return False
        return self._caught_up_pass >= wanted

    async def stop(self) -> None:
        """Let the batch in flight finish (briefly), then close everything; nothing is lost."""
        self._stopping = True
        self._wake_event.set()
        task, self._task = self._task, None
        if task is not None:
            try:
                await asyncio.wait_for(asyncio.shield(task), _STOP_GRACE_S)
            except TimeoutError:
                task.cancel()  # an uncommitted batch rolls back; its cursor never moved
                await asyncio.gather(task, return_exceptions=True)
        pool, self._pool = self._pool, None
        if pool is not None:
            try:
                await asyncio.wait_for(pool.close(), _STOP_GRACE_S)
            except (TimeoutError, OSError, asyncpg.PostgresError):
                pool.terminate()
        self._status.connected = False
        await self._close_local()

    def set_machine_id(self, machine_id: int) -> None:
        """The machine id read from the PLC; ignored when ``machine.id`` is configured."""
        if self._fixed_machine_id or machine_id == self._machine_id:
            return
        if not 0 <= machine_id <= 65535:
            log.warning("machine id %r from the PLC is out of range; ignored", machine_id)
            return
        if self._machine_id is not None:
            log.warning("machine id changed from %d to %d", self._machine_id, machine_id)
        self._machine_id = machine_id
        self._wake_event.set()

    def on_snapshot(self, snapshot: Snapshot) -> None:
        """Engine listener: takes the machine id from the first good snapshot that has one."""
        if self._machine_id is not None or snapshot.quality is not Quality.GOOD:
            return
        value = snapshot.values.get("machine_id")
        if value is not None:
            self.set_machine_id(round(value))

    def wake(self) -> None:
        """New rows were committed locally: look now rather than at the next interval."""
        self._wake_event.set()

    def health(self) -> ServiceHealth:
        if not self._pg.enabled:
            return ServiceHealth(enabled=False)
        return self._status.health(
            running=self._task is not None, machine_known=self._machine_id is not None, target=self._target.display
        )

    # --- the engineer's side: the quarantine ---------------------------------------------

    async def quarantined(self, ids: list[int] | None = None) -> list[QuarantinedRow]:
        if self._state is None:
            return []
        return await self._io(self._state.quarantined, self._target.identity, ids)

    async def retry_quarantined(self, ids: list[int] | None = None) -> RetryResult:
        """Send quarantined rows again (all, or those ``ids``); the source row wins if it still exists."""
        if self._pool is None or self._state is None or not self._status.connected:
            raise MirrorUnavailable(self._status.error or "PostgreSQL is not connected")
        sent = failing = 0
        for entry in await self._io(self._state.quarantined, self._target.identity, ids):
            spec = self._by_name.get(entry.source)
            columns = await self._io(self._reader.columns, spec) if spec is not None else None
            if spec is None or columns is None:
                await self._io(self._state.requarantine, entry.id, f"source {entry.source} not found", self._now_ms())
                failing += 1
                continue
            plan = await self._plan(spec, columns)
            current = await self._io(self._reader.generation, spec)
            fresh: dict[int, Any] = {}
            if current is not None and current.key_generation(spec.table, entry.row_id) == entry.generation:
                fresh = await self._io(self._reader.read_ids, spec, list(plan.columns), [entry.row_id])
            row = fresh.get(entry.row_id) or plan.row_from_dict(entry.values)
            try:
                async with self._pool.acquire() as conn:
                    _, refused = await send_bisecting(conn, plan, entry.machine_id, [row],
                                                      generation_of=functools.partial(_fixed, entry.generation))
            except Exception as exc:  # the connection, not the row: the entry stays as it was
                raise MirrorUnavailable(describe_error(exc, self._target)) from exc
            if refused:
                await self._io(self._state.requarantine, entry.id, self._target.redact(refused[0][1]), self._now_ms())
                failing += 1
            else:
                await self._io(self._state.drop, self._target.identity, [entry.id])
                sent += 1
        await self._refresh_quarantine("")
        log.info("quarantine retry: %d sent, %d still rejected", sent, failing)
        return RetryResult(sent, failing)

    async def drop_quarantined(self, ids: list[int]) -> int:
        """Give up on these quarantined rows (they stay in SQLite); returns how many were dropped."""
        if self._state is None:
            return 0
        dropped = await self._io(self._state.drop, self._target.identity, list(ids))
        await self._refresh_quarantine("")
        log.info("quarantine: %d row(s) dropped by an engineer", dropped)
        return dropped

    # --- the loop --------------------------------------------------------------------------

    async def _run(self) -> None:
        backoff = _BACKOFF_START_S
        fresh_retry_used = False
        while not self._stopping:
            try:
                await self._ensure_ready()
                if self._machine_id is None:
                    self._status.succeeded(self._target.display)
                    await self._refresh_backlog()
                    await self._sleep(self._pg.interval_s)
                    continue
                self._passes_begun += 1
                begun = self._passes_begun
                progressed = await self._cycle()
                self._status.succeeded(self._target.display)
                self.cycles += 1
                backoff, fresh_retry_used = _BACKOFF_START_S, False
                if not progressed:
                    self._caught_up_pass = begun
                    self._pass_done.set()
                    self._pass_done = asyncio.Event()
                    await self._idle(self._pg.interval_s)
            except asyncio.CancelledError:
                raise
            except Exception as exc:
                was_up = self._on_failure(exc)
                if was_up and not fresh_retry_used:
                    # After a server restart the pool's first query fails on a dead socket;
                    # the retry gets a new connection.
                    fresh_retry_used = True
                    continue
                await self._backoff(backoff)
                backoff = min(backoff * 2, self._pg.retry_backoff_max_s)

    async def _ensure_ready(self) -> None:
        if self._pool is None:
            self._pool = await create_pool(self._target, self._pg)
        if not self._schema_ready:
            async with self._pool.acquire() as conn:
                found = await migrate(conn, self._tables)
                if found == 0 or not self.timescale:
                    self.timescale = await enable_timescale(conn)
            self._plans.clear()
            self._schema_ready = True

    async def _cycle(self) -> bool:
        progressed = False
        for spec in self._tables:
            if self._stopping:
                break
            columns = await self._io(self._reader.columns, spec)
            generation = await self._io(self._reader.generation, spec) if columns is not None else None
            if columns is None or generation is None:
                continue  # that database or table does not exist yet
            self._generations[spec.name] = generation
            plan = await self._plan(spec, columns)
            progressed = await self._drain(plan, generation) or progressed
        await self._refresh_backlog()
        return progressed

    async def _plan(self, spec: TableSpec, columns: list[tuple[str, str]]) -> CopyPlan:
        names = tuple(name for name, _ in columns)
        plan = self._plans.get(spec.table)
        if plan is not None and plan.columns == names:
            return plan
        assert self._pool is not None
        async with self._pool.acquire() as conn:
            known = await pg_columns(conn, spec.table)
            missing = [(pg_name(n), pg_type(d)) for n, d in columns if n != "id" and pg_name(n) not in known]
            if missing:
                await add_columns(conn, spec.table, missing)
                known = await pg_columns(conn, spec.table)
        plan = CopyPlan.build(spec, names, known, [decl for _, decl in columns])
        self._plans[spec.table] = plan
        return plan

    def _cursor(self, spec: TableSpec, generation: Generation) -> int:
        """Where sending resumes in this file: its own cursor, or what its parent file already sent.

        A restored or replaced file holds its parent's rows up to the fork: those the parent's
        cursor had passed are central already (under the parent's key) and are not read again.
        """
        key = (spec.name, generation.id)
        if key not in self._cursors:
            start = 0
            inherited = generation.inherited(spec.table)
            if inherited is not None:
                parent, bound = inherited
                start = min(bound, self._cursors.get((spec.name, parent), 0))
            self._cursors[key] = start
        return self._cursors[key]

    async def _drain(self, plan: CopyPlan, generation: Generation) -> bool:
        """Send up to a turn's worth of batches, reading the next batch while one is sent.

        (sqlite3 releases the GIL while it steps, so the read overlaps the COPY measurably.)
        """
        spec, limit = plan.spec, self._pg.batch_rows
        columns = list(plan.columns)
        pending: asyncio.Future[list[Any] | None] | None = self._submit(
            self._reader.read, spec, columns, self._cursor(spec, generation), limit
        )
        batches = 0
        try:
            while pending is not None:
                rows, pending = await pending, None
                if not rows:  # None: the columns changed; the next cycle re-plans
                    break
                batches += 1
                if len(rows) == limit and batches < _BATCHES_PER_TURN and not self._stopping:
                    pending = self._submit(self._reader.read, spec, columns, rows[-1][0], limit)
                await self._send(plan, rows, generation)
        finally:
            if pending is not None:
                pending.cancel()
        return batches > 0

    async def _send(self, plan: CopyPlan, rows: list[Any], generation: Generation) -> None:
        assert self._pool is not None and self._state is not None and self._machine_id is not None
        machine_id, source, table = self._machine_id, plan.spec.name, plan.spec.table

        def generation_of(row_id: int) -> str:
            return generation.key_generation(table, row_id)

        async with self._pool.acquire() as conn:
            state = self._send_state.setdefault(source, SendState())
            inserted, refused = await send_bisecting(conn, plan, machine_id, rows, state=state,
                                                     generation_of=generation_of)
        now_ms = self._now_ms()
        rejected = [
            Rejected(r[0], r[1], plan.row_dict(r), self._target.redact(err), generation_of(r[0])) for r, err in refused
        ]
        await self._io(
            self._state.commit_batch,
            self._target.identity,
            source,
            generation.id,
            last_id=rows[-1][0],
            machine_id=machine_id,
            rejected=rejected,
            now_ms=now_ms,
        )
        self._cursors[(source, generation.id)] = rows[-1][0]
        self._status.last_commit_ms = now_ms
        self.rows_sent += inserted
        self.rows_duplicate += len(rows) - inserted - len(rejected)
        if rejected:
            log.warning("%s: %d row(s) quarantined: %s", source, len(rejected), rejected[0].error)
            await self._refresh_quarantine(rejected[-1].error)
        if self._on_commit is not None:
            self._on_commit(CommitInfo(source, len(rows), inserted, len(rejected), rows[0][1], rows[-1][1], now_ms))

    # --- health, alarms and waiting --------------------------------------------------------

    def _on_failure(self, exc: Exception) -> bool:
        """Record the failure; True when the mirror was healthy until now."""
        text = str(exc) if isinstance(exc, SchemaError) else describe_error(exc, self._target)
        was_up = self._status.failed(text)
        self._schema_ready = False
        # A fresh pool on the next attempt: our backoff paces reconnects, and asyncpg's own
        # floor keeper (which retries every second with a traceback each time) never runs.
        pool, self._pool = self._pool, None
        if pool is not None:
            pool.terminate()
        return was_up

    async def _backoff(self, delay: float) -> None:
        # Short slices so the down alarm is raised on time and stop() is prompt.
        loop = asyncio.get_running_loop()
        deadline = loop.time() + delay
        await self._refresh_backlog()
        while not self._stopping:
            self._status.check_down_alarm()
            remaining = deadline - loop.time()
            if remaining <= 0:
                break
            await self._sleep(min(remaining, 0.5))

    async def _idle(self, seconds: float) -> None:
        """Caught up: wait ``seconds``, but look again as soon as a source file changes.

        A stat of each database and its WAL every 0.1 s (no SQLite access) notices a commit, so
        the lag stays near 0.1 s even where nobody calls :meth:`wake`.
        """
        loop = asyncio.get_running_loop()
        deadline = loop.time() + seconds
        before = self._sources_signature()
        while not self._stopping:
            remaining = deadline - loop.time()
            if remaining <= 0:
                return
            if await self._sleep(min(remaining, _WATCH_PERIOD_S)):
                return
            if self._sources_signature() != before:
                return

    def _sources_signature(self) -> tuple[tuple[int, int], ...]:
        marks = []
        for database in dict.fromkeys(spec.database for spec in self._tables):
            for suffix in (".db", ".db-wal"):
                try:
                    stat = os.stat(self._db_dir / f"{database}{suffix}")
                    marks.append((stat.st_mtime_ns, stat.st_size))
                except OSError:
                    marks.append((0, 0))
        return tuple(marks)

    async def _sleep(self, seconds: float) -> bool:
        """Wait ``seconds`` or until woken (new rows, a machine id, stop); True when woken."""
        if self._stopping:
            return True
        with contextlib.suppress(TimeoutError):
            await asyncio.wait_for(self._wake_event.wait(), seconds)
        woken = self._wake_event.is_set()
        if not self._stopping:
            self._wake_event.clear()
        return woken

    async def _refresh_backlog(self) -> None:
        if self._state is None:
            return
        try:
            self._status.backlog_rows, self._status.oldest_ts_ms = await self._io(self._backlog_all)
        except Exception as exc:  # a source being replaced mid-read: next cycle tries again
            log.debug("backlog not measured: %s", exc)

    def _backlog_all(self) -> tuple[int, int | None]:
        """On the SQLite thread: the lag, and cursors past a source's end put back to its start."""
        total, oldest = 0, None
        for spec in self._tables:
            generation = self._generations.get(spec.name) or self._reader.generation(spec)
            if generation is None:
                continue
            cursor = self._cursor(spec, generation)
            rows, ts_ms, high = self._reader.backlog(spec, cursor)
            if high is not None and high < cursor:
                self._source_replaced(spec, generation, cursor, high)
                rows, ts_ms, high = self._reader.backlog(spec, 0)
            total += rows
            if ts_ms is not None and (oldest is None or ts_ms < oldest):
                oldest = ts_ms
        return total, oldest

    def _source_replaced(self, spec: TableSpec, generation: Generation, cursor: int, high: int) -> None:
        # The ids of this generation end below its cursor: the file went back without a new
        # generation (swapped by hand while the engine did not look, or a legacy file). Send it
        # all again: identical rows are skipped, different ones are conflicts (quarantine, alarm).
        log.warning(
            "%s: ids end at %d, below the mirror's cursor %d in generation %s: the file was replaced; "
            "re-sending it", spec.name, high, cursor, generation.id,
        )
        assert self._state is not None
        self._state.set_cursor(self._target.identity, spec.name, generation.id, 0, self._now_ms())
        self._cursors[(spec.name, generation.id)] = 0
        self._send_state[spec.name] = SendState()
        self._send_state[spec.name].conflicted = True

    async def _refresh_quarantine(self, last_error: str) -> None:
        assert self._state is not None
        count = await self._io(self._state.quarantine_count, self._target.identity)
        self._status.set_quarantined(count, last_error)

    # --- plumbing ---------------------------------------------------------------------------

    def _now_ms(self) -> int:
        return int(self._clock() * 1000)

    def _submit(self, fn: Callable[P, T], *args: P.args, **kwargs: P.kwargs) -> asyncio.Future[T]:
        assert self._executor is not None
        return asyncio.get_running_loop().run_in_executor(self._executor, lambda: fn(*args, **kwargs))

    async def _io(self, fn: Callable[P, T], *args: P.args, **kwargs: P.kwargs) -> T:
        """Run blocking SQLite work on the mirror's own thread (connections stay on one thread)."""
        return await self._submit(fn, *args, **kwargs)

    async def _close_local(self) -> None:
        executor, self._executor = self._executor, None
        if executor is None:
            return
        state, self._state = self._state, None

        def close() -> None:
            self._reader.close()
            if state is not None:
                state.close()

        await asyncio.get_running_loop().run_in_executor(executor, close)
        executor.shutdown(wait=True)


def _fixed(generation: str, _row_id: int) -> str:
    return generation
