"""Outages: killed connections, a server restart, wrong credentials. Nothing lost, nothing doubled."""

from __future__ import annotations

import asyncio
import re
import socket
import time
from collections.abc import AsyncIterator, Awaitable, Callable

import asyncpg
import pytest
from pydantic import SecretStr

from core.analysis.alarms import AlarmManager
from core.config import Settings
from core.storage.pg import ALARM_DOWN
from core.storage.pg.mirror import PostgresMirror
from core.storage.pg.tables import quote_ident
from tests.postgres.pgtools import (
    PG_HOST,
    PG_PORT,
    PG_USER,
    assert_content,
    counts_match,
    ensure_server_up,
    pg_cluster,
    running,
)
from tests.postgres.sources import Sources
from tests.waiting import wait_until

pytestmark = pytest.mark.integration

TABLES = ["samples", "events", "cuts"]


class FakeClock:
    def __init__(self) -> None:
        self.now = time.time()

    def __call__(self) -> float:
        return self.now


async def _write_while(sources: Sources, busy: Callable[[], Awaitable[None]]) -> None:
    """Append rows every few ms (like the recorder) for as long as ``busy`` runs."""
    done = asyncio.Event()

    async def writer() -> None:
        while not done.is_set():
            sources.append("samples", 20)
            sources.append("events", 1)
            sources.append("cuts", 1)
            await asyncio.sleep(0.02)

    task = asyncio.create_task(writer())
    try:
        await busy()
    finally:
        done.set()
        await task


async def _assert_mirrored(pg: asyncpg.Connection, sources: Sources, machine_id: int) -> None:
    await wait_until(lambda: counts_match(pg, sources, machine_id, TABLES), "catch-up", within_s=90)
    for table in TABLES:
        await assert_content(pg, sources, machine_id, table)


async def _wait_connected(mirror: PostgresMirror) -> None:
    # The rows are visible in PostgreSQL a moment before the mirror's loop marks itself healthy.
    async def connected() -> bool:
        return mirror.health().connected

    await wait_until(connected, "health to show the mirror connected again", within_s=30)


async def test_killed_connections_lose_and_double_nothing(
    mirror_settings: Settings, sources: Sources, pg: asyncpg.Connection, pg_database: str, machine_id: int
) -> None:
    mirror_settings.database.postgresql.batch_rows = 200
    sources.create(TABLES)
    sources.append("samples", 2_000)
    killed = 0
    running_mirror: list[PostgresMirror] = []

    async def kill_connections() -> None:
        # Keep killing until a kill lands mid-operation (a killed idle pooled connection is
        # replaced silently); on a quiet machine the mirror's queries are short, so allow many tries.
        nonlocal killed
        for attempt in range(200):
            await asyncio.sleep(0.15 if attempt < 12 else 0.02)
            killed += len(await pg.fetch(
                "SELECT pg_terminate_backend(pid) FROM pg_stat_activity "
                "WHERE datname = $1 AND application_name = 'bandsaw-mirror'",
                pg_database,
            ))
            if attempt >= 11 and running_mirror and running_mirror[0].failures > 0:
                return

    async with running(mirror_settings) as mirror:
        running_mirror.append(mirror)
        await _write_while(sources, kill_connections)
        await _assert_mirrored(pg, sources, machine_id)
        await _wait_connected(mirror)
        assert mirror.failures > 0  # the kills did hit the mirror mid-run
    assert killed > 0


@pytest.fixture
async def server_restored() -> AsyncIterator[None]:
    """Whatever happens in the test, the server is up again afterwards."""
    yield
    await asyncio.to_thread(ensure_server_up)


@pytest.mark.slow
async def test_server_restart_mid_run(
    mirror_settings: Settings, sources: Sources, pg_database: str, machine_id: int, server_restored: None
) -> None:
    sources.create(TABLES)
    sources.append("samples", 30_000)  # still catching up when the server goes down
    version, cluster = pg_cluster()

    async def restart() -> None:
        async def sending() -> bool:  # restart while it is still catching up, not before it began
            return mirror.rows_sent > 0

        await wait_until(sending, "the mirror to send its first batch")
        proc = await asyncio.create_subprocess_exec(
            "pg_ctlcluster", "--skip-systemctl-redirect", version, cluster, "restart",
            stdout=asyncio.subprocess.DEVNULL, stderr=asyncio.subprocess.PIPE,
        )
        _, err = await proc.communicate()
        assert proc.returncode == 0, err.decode()
        await asyncio.sleep(0.5)

    async with running(mirror_settings) as mirror:
        await _write_while(sources, restart)
        pg = await asyncpg.connect(host=PG_HOST, port=PG_PORT, user=PG_USER, database=pg_database)
        try:
            await _assert_mirrored(pg, sources, machine_id)
        finally:
            await pg.close()
        await _wait_connected(mirror)
        assert mirror.failures > 0


def _free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


@pytest.mark.parametrize(
    ("change", "expected"),
    [
        ({"database": "bandsaw_no_such_db"}, "database 'bandsaw_no_such_db' does not exist"),
        ({"user": "bandsaw_no_such_role"}, "refused user 'bandsaw_no_such_role'"),
        ({"port": 0}, "cannot reach PostgreSQL at 127.0.0.1:"),
    ],
)
async def test_bad_target_is_reported_and_local_data_untouched(
    mirror_settings: Settings, sources: Sources, change: dict[str, object], expected: str
) -> None:
    pg = mirror_settings.database.postgresql
    for key, value in change.items():
        setattr(pg, key, _free_port() if key == "port" else value)
    pg.password = SecretStr("s3cret-pw")
    pg.down_alarm_after_s = 60
    sources.create(TABLES)
    sources.append("samples", 100)
    clock, alarms = FakeClock(), AlarmManager()
    async with running(mirror_settings, alarms=alarms, clock=clock) as mirror:

        async def reported() -> bool:
            return expected in mirror.health().error

        # Recording goes on while the mirror fails.
        await _write_while(sources, lambda: wait_until(reported, f"health error {expected!r}"))
        health = mirror.health()
        assert not health.connected and "s3cret" not in health.error
        local_rows = sources.count("samples") + sources.count("events") + sources.count("cuts")

        async def backlog_counted() -> bool:
            return mirror.health().backlog == local_rows

        await wait_until(backlog_counted, "the backlog to count every local row")
        assert not alarms.is_active(ALARM_DOWN)

        clock.now += 61  # down longer than down_alarm_after_s

        async def alarmed() -> bool:
            return alarms.is_active(ALARM_DOWN)

        await wait_until(alarmed, "postgres.down alarm")
        alarm = alarms.get(ALARM_DOWN)
        assert alarm is not None and expected in alarm.text
        assert health.lag_s < mirror.health().lag_s  # the lag grows with the outage

        before, failures = sources.digest(), mirror.failures

        async def failed_again() -> bool:
            return mirror.failures >= failures + 2

        await wait_until(failed_again, "two more failed attempts")
        assert sources.digest() == before  # the mirror never writes to the recorder's files
    assert sources.count("samples") > 100


async def test_password_never_logged(
    mirror_settings: Settings, sources: Sources, caplog: pytest.LogCaptureFixture
) -> None:
    pg = mirror_settings.database.postgresql
    pg.url = SecretStr(f"postgresql://bandsaw_no_such_role:Hunter2pw@127.0.0.1:{PG_PORT}/nowhere")
    sources.create(["events"])
    caplog.set_level("DEBUG", logger="bandsaw.storage.postgres")
    async with running(mirror_settings) as mirror:

        async def failed() -> bool:
            return "refused user" in mirror.health().error

        await wait_until(failed, "login refused")
        assert "Hunter2pw" not in mirror.health().error
    assert "Hunter2pw" not in caplog.text
    assert re.search(r"postgresql://bandsaw_no_such_role:\*+@127\.0\.0\.1", caplog.text), caplog.text
    assert quote_ident("x") == '"x"'
