"""Rows PostgreSQL refuses are bisected out, quarantined, alarmed; the rest is mirrored."""

from __future__ import annotations

import asyncpg
import pytest

from core.analysis.alarms import AlarmManager
from core.config import Settings
from core.storage.pg import ALARM_QUARANTINE, MirrorUnavailable
from tests.postgres.pgtools import assert_content, pg_count, running
from tests.postgres.sources import Sources
from tests.waiting import wait_until

pytestmark = pytest.mark.integration


async def test_bad_rows_are_quarantined_and_the_rest_mirrored(
    mirror_settings: Settings, sources: Sources, pg: asyncpg.Connection, machine_id: int
) -> None:
    sources.create(["samples", "events"])
    sources.append("samples", 1_200)
    sources.append("events", 40)
    # SQLite stores text in a REAL column; PostgreSQL (DOUBLE PRECISION) will not take it.
    sources.execute("samples", "UPDATE samples SET band_torque = 'broken' WHERE id = 777")
    # A NUL character is valid in SQLite text, never in PostgreSQL text.
    sources.execute("events", "UPDATE events SET message = 'a' || char(0) || 'b' WHERE id = 13")
    alarms = AlarmManager()
    async with running(mirror_settings, alarms=alarms) as mirror:

        async def rest_mirrored() -> bool:
            return (
                await pg_count(pg, "samples", machine_id) == 1_199
                and await pg_count(pg, "events", machine_id) == 39
                and len(await mirror.quarantined()) == 2
            )

        await wait_until(rest_mirrored, "everything but the two bad rows")
        await assert_content(pg, sources, machine_id, "samples", skip_ids={777})
        await assert_content(pg, sources, machine_id, "events", skip_ids={13})

        entries = {entry.source: entry for entry in await mirror.quarantined()}
        assert entries["raw.samples"].row_id == 777 and entries["raw.samples"].values["band_torque"] == "broken"
        assert "real number" in entries["raw.samples"].error or "float" in entries["raw.samples"].error
        assert entries["log.events"].row_id == 13 and "0x00" in entries["log.events"].error
        assert alarms.is_active(ALARM_QUARANTINE)
        assert "2 row(s) quarantined" in mirror.health().error

        # The mirror moved on: new rows keep flowing.
        sources.append("samples", 10)
        mirror.wake()

        async def moved_on() -> bool:
            return await pg_count(pg, "samples", machine_id) == 1_209

        await wait_until(moved_on, "rows after the bad one")

        # An engineer repairs the sample at the source and retries; the event stays refused.
        sources.execute("samples", "UPDATE samples SET band_torque = 12.5 WHERE id = 777")
        result = await mirror.retry_quarantined()
        assert (result.sent, result.still_failing) == (1, 1)
        await assert_content(pg, sources, machine_id, "samples")
        remaining = await mirror.quarantined()
        assert [entry.row_id for entry in remaining] == [13] and remaining[0].attempts == 2
        assert alarms.is_active(ALARM_QUARANTINE)

        assert await mirror.drop_quarantined([remaining[0].id]) == 1
        assert await mirror.quarantined() == []
        assert not alarms.is_active(ALARM_QUARANTINE)
        assert mirror.health().error == ""
    assert sources.count("events") == 40  # dropped from the quarantine, never from SQLite


async def test_retry_needs_a_connection(mirror_settings: Settings, sources: Sources) -> None:
    mirror_settings.database.postgresql.port = 1  # nothing listens there
    async with running(mirror_settings) as mirror:
        with pytest.raises(MirrorUnavailable):
            await mirror.retry_quarantined()


async def test_a_column_typed_otherwise_centrally_converts_what_it_can(
    mirror_settings: Settings, sources: Sources, pg: asyncpg.Connection, machine_id: int
) -> None:
    """Another saw (or release) created a central column as DOUBLE PRECISION; ours is TEXT."""
    await pg.execute('ALTER TABLE decisions ADD COLUMN IF NOT EXISTS "speed_text" DOUBLE PRECISION')
    sources.create(["decisions"])
    sources.execute("decisions", 'ALTER TABLE decisions ADD COLUMN "speed_text" TEXT')
    sources.append("decisions", 5)
    sources.execute("decisions", "UPDATE decisions SET speed_text = '12.5' WHERE id <= 4")
    sources.execute("decisions", "UPDATE decisions SET speed_text = 'fast' WHERE id = 5")
    async with running(mirror_settings) as mirror:

        async def done() -> bool:
            return await pg_count(pg, "decisions", machine_id) == 4 and len(await mirror.quarantined()) == 1

        await wait_until(done, "4 converted, 1 quarantined")
    values = await pg.fetch('SELECT "speed_text" FROM decisions WHERE machine_id = $1', machine_id)
    assert [row[0] for row in values] == [12.5] * 4
