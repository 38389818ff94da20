"""One batch into PostgreSQL, idempotently: a re-sent batch never inserts a row twice.

Two ways, same result:
- staged: COPY into a staging table that lives in the transaction (``ON COMMIT DROP``), then
  ``INSERT ... SELECT ... ON CONFLICT DO NOTHING``, commit. Rows already there are skipped.
- direct: COPY straight into the table, commit. A key already there fails the whole COPY with
  a unique violation; the transaction rolls back and the batch goes the staged way.

A row whose key is there already with DIFFERENT content (another file under the same key: a
replaced file the engine could not tell apart, another saw's rows under a wrong machine id) is
never dropped silently: the staged way compares what it skipped with what is there, and those
rows are refused as conflicts (the mirror quarantines them and raises its alarm).

Id-keyed tables carry the row's generation (see core/storage/generation.py), computed per row
by the caller's ``generation_of(id)``.

Direct is the fast path (the server writes each row once, not twice: about 2x in the catch-up
benchmark); it is used unless the previous batch of the table met rows already there (a re-send
after a commit whose answer was lost, or a lost cursor file), then staged until a batch is clean.
A connection lost mid-batch leaves nothing behind either way. A batch rejected for its content
is bisected down to the rows PostgreSQL refuses.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass
from typing import Any

import asyncpg

from core.storage.pg.connection import is_content_error
from core.storage.pg.tables import TableSpec, pg_name, quote_ident, row_coercer

Row = tuple[Any, ...]
GenerationOf = Callable[[int], str]
CONFLICT = "conflict: PostgreSQL holds a different row under this key"


@dataclass(frozen=True, slots=True)
class CopyPlan:
    """How rows read from one SQLite table (columns in ``columns`` order, id first) are sent."""

    spec: TableSpec
    columns: tuple[str, ...]
    types: tuple[str, ...]  # PostgreSQL types of ``columns`` in the target table
    stage: str
    stage_ddl: str
    insert_sql: str
    coerce: Callable[[Sequence[Any]], Row] | None
    direct_columns: tuple[str, ...]  # PostgreSQL columns of a direct COPY: machine_id, then stored ones
    conflict_sql: str | None  # ids of staged rows whose key holds other content centrally

    @classmethod
    def build(
        cls,
        spec: TableSpec,
        columns: Sequence[str],
        pg_types: dict[str, str],
        declared: Sequence[str] | None = None,
    ) -> CopyPlan:
        """``declared``: the SQLite types of ``columns``, to convert where PostgreSQL's differ."""
        types = tuple("bigint" if name == "id" else pg_types[pg_name(name)] for name in columns)
        stage = f"bandsaw_stage_{spec.table}"
        definition = ", ".join(f"{quote_ident(n)} {t}" for n, t in zip(columns, types, strict=True))
        # The local id travels in the stage for every table (the cursor is built on it) but is
        # stored only where it is part of the key.
        stored = [name for name in columns if spec.keep_id or name != "id"]
        key_extra = ["generation"] if spec.keep_id else []
        if spec.keep_id:
            definition = f"generation text, {definition}"
        targets = ", ".join(quote_ident(pg_name(name)) for name in [*key_extra, *stored])
        values = ", ".join(quote_ident(name) for name in [*key_extra, *stored])
        table = quote_ident(spec.table)
        insert = (
            f"INSERT INTO {table} (machine_id, {targets}) "
            f"SELECT $1::integer, {values} FROM {quote_ident(stage)} ON CONFLICT DO NOTHING"
        )
        key = ["generation", "id"] if spec.keep_id else ["ts_ms"]
        compared = [name for name in stored if name not in key]
        conflict = None
        if compared:
            on = " AND ".join(f"t.{quote_ident(pg_name(n))} = s.{quote_ident(n)}" for n in key)
            mine = ", ".join(f"t.{quote_ident(pg_name(n))}" for n in compared)
            theirs = ", ".join(f"s.{quote_ident(n)}" for n in compared)
            conflict = (
                f"SELECT s.id FROM {quote_ident(stage)} s JOIN {table} t ON t.machine_id = $1::integer AND {on} "
                f"WHERE ROW({mine}) IS DISTINCT FROM ROW({theirs})"
            )
        return cls(
            spec=spec,
            columns=tuple(columns),
            types=types,
            stage=stage,
            stage_ddl=f"CREATE TEMP TABLE {quote_ident(stage)} ({definition}) ON COMMIT DROP",
            insert_sql=insert,
            coerce=row_coercer(types, declared),
            direct_columns=("machine_id", *key_extra, *(pg_name(name) for name in stored)),
            conflict_sql=conflict,
        )

    def direct_records(self, machine_id: int, rows: Sequence[Row], generation_of: GenerationOf) -> list[Row]:
        if self.coerce is not None:
            rows = [self.coerce(row) for row in rows]
        if self.spec.keep_id:
            return [(machine_id, generation_of(row[0]), *row) for row in rows]
        return [(machine_id, *row[1:]) for row in rows]  # samples: the local id is not stored

    def stage_records(self, rows: Sequence[Row], generation_of: GenerationOf) -> Sequence[Row]:
        if self.coerce is not None:
            rows = [self.coerce(row) for row in rows]
        if self.spec.keep_id:
            return [(generation_of(row[0]), *row) for row in rows]
        return rows

    @property
    def stage_columns(self) -> list[str]:
        return ["generation", *self.columns] if self.spec.keep_id else list(self.columns)

    def row_dict(self, row: Sequence[Any]) -> dict[str, Any]:
        return dict(zip(self.columns, row, strict=False))

    def row_from_dict(self, values: dict[str, Any]) -> Row:
        return tuple(values.get(name) for name in self.columns)


class SendState:
    """Per table: whether the last batch met rows already there (then the next one is staged)."""

    def __init__(self) -> None:
        self.conflicted = False
        self.staged_batches = 0
        self.direct_batches = 0


def _legacy(_row_id: int) -> str:
    return "legacy"


async def send_rows(
    conn: asyncpg.Connection,
    plan: CopyPlan,
    machine_id: int,
    rows: Sequence[Row],
    *,
    state: SendState | None = None,
    generation_of: GenerationOf = _legacy,
) -> tuple[int, list[int]]:
    """Insert ``rows`` in one transaction; (how many were new, ids of conflicting rows).

    Rows neither new nor conflicting were there already with the same content.
    """
    state = state if state is not None else SendState()
    if not state.conflicted:
        try:
            async with conn.transaction():
                await conn.copy_records_to_table(
                    plan.spec.table, records=plan.direct_records(machine_id, rows, generation_of),
                    columns=list(plan.direct_columns),
                )
            state.direct_batches += 1
            return len(rows), []
        except asyncpg.UniqueViolationError:
            state.conflicted = True  # some rows are there already: skip them the staged way
    inserted, conflicts = await _send_staged(conn, plan, machine_id, rows, generation_of)
    state.staged_batches += 1
    state.conflicted = inserted < len(rows)
    return inserted, conflicts


async def _send_staged(
    conn: asyncpg.Connection,
    plan: CopyPlan,
    machine_id: int,
    rows: Sequence[Row],
    generation_of: GenerationOf,
) -> tuple[int, list[int]]:
    async with conn.transaction():
        await conn.execute(plan.stage_ddl)
        await conn.copy_records_to_table(
            plan.stage, records=plan.stage_records(rows, generation_of), columns=plan.stage_columns
        )
        status = await conn.execute(plan.insert_sql, machine_id)
        inserted = int(status.rsplit(" ", 1)[-1])
        conflicts: list[int] = []
        if inserted < len(rows) and plan.conflict_sql is not None:
            conflicts = [int(r[0]) for r in await conn.fetch(plan.conflict_sql, machine_id)]
    return inserted, conflicts


def _error_text(exc: BaseException) -> str:
    detail = getattr(exc, "detail", None)
    text = f"{type(exc).__name__}: {exc}"
    return f"{text} ({detail})" if detail else text


async def send_bisecting(
    conn: asyncpg.Connection,
    plan: CopyPlan,
    machine_id: int,
    rows: Sequence[Row],
    *,
    state: SendState | None = None,
    generation_of: GenerationOf = _legacy,
) -> tuple[int, list[tuple[Row, str]]]:
    """Send ``rows``; a content error splits the batch until each refused row stands alone.

    Returns (rows inserted, [(refused row, error text)]), conflicts among the refused. Connection
    errors propagate: the caller retries the whole batch, which is safe because inserts are
    idempotent.
    """
    try:
        inserted, conflicts = await send_rows(conn, plan, machine_id, rows, state=state, generation_of=generation_of)
    except Exception as exc:
        if not is_content_error(exc):
            raise
        if len(rows) == 1:
            return 0, [(rows[0], _error_text(exc))]
    else:
        wanted = set(conflicts)
        return inserted, [(row, CONFLICT) for row in rows if row[0] in wanted]
    middle = len(rows) // 2
    left = await send_bisecting(conn, plan, machine_id, rows[:middle], state=state, generation_of=generation_of)
    right = await send_bisecting(conn, plan, machine_id, rows[middle:], state=state, generation_of=generation_of)
    return left[0] + right[0], left[1] + right[1]
