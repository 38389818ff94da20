"""One batch into PostgreSQL: COPY into a staging table, INSERT ... ON CONFLICT DO NOTHING, commit.

The staging table lives in the transaction (``ON COMMIT DROP``), so a connection lost mid-batch
leaves nothing behind, and a batch re-sent after a commit whose answer was lost inserts nothing
twice. A batch rejected for its content is bisected down to the rows PostgreSQL refuses.
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

    @classmethod
    def build(cls, spec: TableSpec, columns: Sequence[str], pg_types: dict[str, str]) -> CopyPlan:
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
            coerce=row_coercer(types),
        )

    def row_dict(self, row: Sequence[Any]) -> dict[str, Any]:
        return dict(zip(self.columns, row, strict=False))

    def row_from_dict(self, values: dict[str, Any]) -> Row:
        return tuple(values.get(name) for name in self.columns)


async def send_rows(conn: asyncpg.Connection, plan: CopyPlan, machine_id: int, rows: Sequence[Row]) -> int:
    """Insert ``rows`` in one transaction; returns how many were new (the rest were there)."""
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
    conn: asyncpg.Connection, plan: CopyPlan, machine_id: int, rows: Sequence[Row]
) -> tuple[int, list[tuple[Row, str]]]:
    """Send ``rows``; a content error splits the batch until each refused row stands alone.

    Returns (rows inserted, [(refused row, error text)]). Connection errors propagate: the caller
    retries the whole batch, which is safe because inserts are idempotent.
    """
    try:
        return await send_rows(conn, plan, machine_id, rows), []
    except Exception as exc:
        if not is_content_error(exc):
            raise
        if len(rows) == 1:
            return 0, [(rows[0], _error_text(exc))]
    middle = len(rows) // 2
    inserted_left, refused_left = await send_bisecting(conn, plan, machine_id, rows[:middle])
    inserted_right, refused_right = await send_bisecting(conn, plan, machine_id, rows[middle:])
    return inserted_left + inserted_right, refused_left + refused_right
