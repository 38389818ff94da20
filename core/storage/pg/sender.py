"""One batch into PostgreSQL, idempotently: a re-sent batch never inserts a row twice.

Two ways, same result:
- staged: COPY into a staging table that lives in the transaction (``ON COMMIT DROP``), then
  ``INSERT ... SELECT ... ON CONFLICT DO NOTHING``, commit. Rows already there are skipped.
- direct: COPY straight into the table, commit. A key already there fails the whole COPY with
  a unique violation; the transaction rolls back and the batch goes the staged way.

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
        targets = ", ".join(quote_ident(pg_name(name)) for name in stored)
        values = ", ".join(quote_ident(name) for name in stored)
        insert = (
            f"INSERT INTO {quote_ident(spec.table)} (machine_id, {targets}) "
            f"SELECT $1::integer, {values} FROM {quote_ident(stage)} ON CONFLICT DO NOTHING"
        )
        return cls(
            spec=spec,
            columns=tuple(columns),
            types=types,
            stage=stage,
            stage_ddl=f"CREATE TEMP TABLE {quote_ident(stage)} ({definition}) ON COMMIT DROP",
            insert_sql=insert,
            coerce=row_coercer(types, declared),
            direct_columns=("machine_id", *(pg_name(name) for name in stored)),
        )

    def direct_records(self, machine_id: int, rows: Sequence[Row]) -> list[Row]:
        skip = 0 if self.spec.keep_id else 1  # samples: the local id is not stored
        if self.coerce is not None:
            return [(machine_id, *self.coerce(row)[skip:]) for row in rows]
        return [(machine_id, *row[skip:]) for row in rows]

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


async def send_rows(
    conn: asyncpg.Connection,
    plan: CopyPlan,
    machine_id: int,
    rows: Sequence[Row],
    *,
    state: SendState | None = None,
) -> int:
    """Insert ``rows`` in one transaction; returns how many were new (the rest were there)."""
    state = state if state is not None else SendState()
    if not state.conflicted:
        try:
            async with conn.transaction():
                await conn.copy_records_to_table(
                    plan.spec.table, records=plan.direct_records(machine_id, rows), columns=list(plan.direct_columns)
                )
            state.direct_batches += 1
            return len(rows)
        except asyncpg.UniqueViolationError:
            state.conflicted = True  # some rows are there already: skip them the staged way
    inserted = await _send_staged(conn, plan, machine_id, rows)
    state.staged_batches += 1
    state.conflicted = inserted < len(rows)
    return inserted


async def _send_staged(
    conn: asyncpg.Connection,
    plan: CopyPlan,
    machine_id: int,
    rows: Sequence[Row],
) -> int:
    records = [plan.coerce(row) for row in rows] if plan.coerce is not None else rows
    async with conn.transaction():
        await conn.execute(plan.stage_ddl)
        await conn.copy_records_to_table(plan.stage, records=records, columns=list(plan.columns))
        status = await conn.execute(plan.insert_sql, machine_id)
    return int(status.rsplit(" ", 1)[-1])


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
) -> tuple[int, list[tuple[Row, str]]]:
    """Send ``rows``; a content error splits the batch until each refused row stands alone.

    Returns (rows inserted, [(refused row, error text)]). Connection errors propagate: the caller
    retries the whole batch, which is safe because inserts are idempotent.
    """
    try:
        return await send_rows(conn, plan, machine_id, rows, state=state), []
    except Exception as exc:
        if not is_content_error(exc):
            raise
        if len(rows) == 1:
            return 0, [(rows[0], _error_text(exc))]
    middle = len(rows) // 2
    inserted_left, refused_left = await send_bisecting(conn, plan, machine_id, rows[:middle], state=state)
    inserted_right, refused_right = await send_bisecting(conn, plan, machine_id, rows[middle:], state=state)
    return inserted_left + inserted_right, refused_left + refused_right
