"""Store-and-forward against a real mosquitto: a broker outage and a killed process lose nothing."""

from __future__ import annotations

import asyncio
import os
import signal
import subprocess
import sys
import time
from collections import Counter
from pathlib import Path

import pytest
from mqtt_helpers import TELEMETRY, Mosquitto, SnapshotMaker, Subscriber, free_port, make_service, running

from core.config import Settings
from core.registers import RegisterMap
from tests.waiting import wait_until

pytestmark = [pytest.mark.integration, pytest.mark.slow]

# The scenario stops the broker for 30 s; 10 s exercises the same paths (several
# reconnect attempts with backoff) and keeps the folder fast. Override for the full run.
OUTAGE_S = float(os.environ.get("BANDSAW_TEST_MQTT_OUTAGE_S", "10"))
FEED_HZ = 10.0


def _cut_counts(sub: Subscriber) -> list[int]:
    return [int(r["values"]["cut_count"]) for r in sub.telemetry() if "cut_count" in r["values"]]


async def test_broker_outage_every_record_arrives_once(
    settings: Settings, register_map: RegisterMap, broker: Mosquitto
) -> None:
    # A persistent session: the broker keeps what arrives while this checker reconnects.
    sub = Subscriber(broker.port, [TELEMETRY], client_id="outage-checker", persistent=True).start()
    service = make_service(settings, register_map, broker.port)
    maker = SnapshotMaker(register_map)

    async def feed(seconds: float) -> None:
        # Real time at FEED_HZ; each snapshot carries 1 s of monotonic time, so each is a record.
        end = time.monotonic() + seconds
        while time.monotonic() < end:
            service.on_snapshot(maker.next())
            await asyncio.sleep(1 / FEED_HZ)

    try:
        async with running(service):
            await wait_until(lambda: service.connected, "connection")
            await feed(1.0)
            # Stop the broker with nothing in flight, so no record can legitimately come twice.
            await wait_until(lambda: service.health().backlog == 0, "outbox empty before the outage")
            before = maker.seq
            broker.stop()  # blocks the loop briefly; a thread pool here would outlive the test
            await feed(OUTAGE_S)
            health = service.health()
            assert not health.connected and health.error
            assert health.backlog >= maker.seq - before - 1  # the last may be on its way to disk
            broker.start()
            await feed(2.0)  # live records while the backlog drains
            await wait_until(lambda: service.connected, "reconnection")
            await wait_until(lambda: len(set(_cut_counts(sub))) == maker.seq, f"all {maker.seq} records", within_s=60)
            await wait_until(lambda: service.health().backlog == 0, "outbox drained")
            assert service.health().error == ""
    finally:
        sub.stop()
    counts = _cut_counts(sub)
    assert sorted(counts) == list(range(1, maker.seq + 1)), "every record, none twice"
    assert maker.seq - before >= OUTAGE_S * FEED_HZ * 0.5  # the outage really had records
    assert max(Counter(counts).values()) == 1


def _store_then_kill(data_dir: Path, count: int) -> None:
    """Run a TelemetryService process with no broker until it has stored ``count`` records, then SIGKILL it."""
    writer = subprocess.Popen(
        [sys.executable, str(Path(__file__).parent / "outbox_writer.py"), str(data_dir), str(free_port()),
         str(count)],
        stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True,
    )
    try:
        assert writer.stdout is not None and writer.stderr is not None
        line = writer.stdout.readline()  # the child exits on its own after an hour at most
        assert line.strip() == f"STORED {count}", line or writer.stderr.read()
    finally:
        writer.send_signal(signal.SIGKILL)  # no clean stop: only what is on disk survives
        writer.wait(timeout=30)
        for stream in (writer.stdout, writer.stderr):
            if stream is not None:
                stream.close()
    assert writer.returncode == -signal.SIGKILL


async def test_killed_process_backlog_is_delivered_after_restart(
    settings: Settings, register_map: RegisterMap, broker: Mosquitto
) -> None:
    count = 200
    _store_then_kill(settings.data_dir, count)  # nothing else runs in this loop yet

    sub = Subscriber(broker.port, [TELEMETRY]).start()
    service = make_service(settings, register_map, broker.port)
    try:
        async with running(service):
            assert service.health().backlog == count
            await wait_until(lambda: len(_cut_counts(sub)) >= count, f"{count} records")
            await wait_until(lambda: service.health().backlog == 0, "outbox drained")
    finally:
        sub.stop()
    assert sorted(_cut_counts(sub)) == list(range(1, count + 1))
