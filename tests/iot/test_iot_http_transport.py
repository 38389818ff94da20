"""ThingsBoard over HTTP against a local server: outage, 500 storm, refusal, TLS; nothing lost or doubled."""

from __future__ import annotations

import asyncio
import logging
import time
from collections import Counter
from pathlib import Path

import pytest
from http_helpers import TbHttpServer
from mqtt_helpers import SnapshotMaker, free_port, make_certificates, make_service, running

from core.analysis.alarms import AlarmManager
from core.config import Settings
from core.iot.service import ALARM_DOWN
from core.registers import RegisterMap
from tests.waiting import wait_until

FEED_HZ = 20.0
HTTP = {"transport": "http", "reconnect_backoff_max_s": 0.3}


def _counts(server: TbHttpServer) -> list[int]:
    return [int(r["values"]["cut_count"]) for r in server.telemetry() if "cut_count" in r["values"]]


async def _feed(service: object, maker: SnapshotMaker, seconds: float) -> None:
    end = time.monotonic() + seconds
    while time.monotonic() < end:
        service.on_snapshot(maker.next())  # type: ignore[attr-defined]
        await asyncio.sleep(1 / FEED_HZ)


async def test_outage_and_500_storm_every_record_arrives_once(
    settings: Settings, register_map: RegisterMap, caplog: pytest.LogCaptureFixture
) -> None:
    caplog.set_level(logging.DEBUG)
    server = TbHttpServer(free_port()).start()
    service = make_service(settings, register_map, server.port, tb=HTTP)
    maker = SnapshotMaker(register_map)
    try:
        async with running(service):
            await _feed(service, maker, 1.0)
            await wait_until(lambda: len(_counts(server)) == maker.seq, "first records")
            # A 500 storm (with a Retry-After the backoff cap shortens) while records keep coming.
            server.behaviour.retry_after = "5"
            server.behaviour.fail_next = 25
            await _feed(service, maker, 1.5)
            await wait_until(lambda: server.behaviour.fail_next == 0, "the storm to pass")
            server.behaviour.fail_code, server.behaviour.fail_next = 429, 3  # busy: slow down
            await _feed(service, maker, 0.5)
            await wait_until(lambda: server.behaviour.fail_next == 0, "the 429s to pass")
            # An outage: nothing listens on the port.
            server.stop()
            outage_from = maker.seq
            await _feed(service, maker, 2.0)
            health = service.health()
            assert not health.connected and "cannot reach" in health.error
            assert health.backlog >= maker.seq - outage_from - 1
            server.start()
            await _feed(service, maker, 1.0)
            await wait_until(lambda: len(set(_counts(server))) == maker.seq, f"all {maker.seq} records")
            await wait_until(lambda: service.health().backlog == 0, "outbox drained")
            assert service.connected and service.health().error == ""
    finally:
        server.stop()
    counts = _counts(server)
    assert sorted(counts) == list(range(1, maker.seq + 1)), "every record, none twice"
    assert max(Counter(counts).values()) == 1
    assert server.answers.count(500) == 25 and server.answers.count(429) == 3
    assert all(path.startswith("/api/v1/good-token/") for path in server.paths())
    assert any(path.endswith("/attributes") for path in server.paths())  # client attributes too
    assert not any("good-token" in record.getMessage() for record in caplog.records), "token in a log line"
    # A plant on HTTP reads HTTP in its logs, never MQTT (found in review of #18).
    iot_lines = [record.getMessage() for record in caplog.records if record.name == "bandsaw.iot"]
    assert any("ThingsBoard HTTP" in line for line in iot_lines), iot_lines[:5]
    wrong = [line for line in iot_lines if "MQTT" in line or line.startswith("mqtt")]  # paths may say mqtt_offline
    assert not wrong, wrong[:3]


async def test_refusal_is_an_alarm_and_keeps_the_records(settings: Settings, register_map: RegisterMap) -> None:
    server = TbHttpServer(free_port()).start()
    server.behaviour.refuse_code = 401
    alarms = AlarmManager()
    service = make_service(settings, register_map, server.port, tb=HTTP, alarms=alarms)
    maker = SnapshotMaker(register_map)
    try:
        async with running(service):
            await _feed(service, maker, 0.5)
            await wait_until(lambda: alarms.is_active(ALARM_DOWN), "the refusal alarm")
            alarm = alarms.get(ALARM_DOWN)
            assert alarm is not None and "HTTP 401" in alarm.text and "access_token" in alarm.text
            assert "MQTT" not in alarm.text, alarm.text
            assert "good-token" not in alarm.text
            assert service.health().backlog >= maker.seq - 1 and not _counts(server)
            server.behaviour.refuse_code = None  # the device is registered on the server side
            await wait_until(lambda: sorted(_counts(server)) == list(range(1, maker.seq + 1)), "the backlog")
            await wait_until(lambda: not alarms.get(ALARM_DOWN).condition, "the alarm to clear")  # type: ignore[union-attr]
    finally:
        server.stop()


async def test_https_with_the_plants_ca(settings: Settings, register_map: RegisterMap, tmp_path: Path) -> None:
    certs = make_certificates(tmp_path / "certs")
    server = TbHttpServer(free_port(), tls=certs).start()
    service = make_service(settings, register_map, server.port,
                           tb={**HTTP, "tls": True, "ca_file": str(certs.ca)})
    maker = SnapshotMaker(register_map)
    try:
        async with running(service):
            await _feed(service, maker, 0.5)
            await wait_until(lambda: sorted(_counts(server)) == list(range(1, maker.seq + 1)), "records")
    finally:
        server.stop()


async def test_https_with_an_unknown_ca_is_refused_and_kept(
    settings: Settings, register_map: RegisterMap, tmp_path: Path
) -> None:
    certs = make_certificates(tmp_path / "certs")
    server = TbHttpServer(free_port(), tls=certs).start()
    service = make_service(settings, register_map, server.port, tb={**HTTP, "tls": True})  # system CAs only
    maker = SnapshotMaker(register_map)
    try:
        async with running(service):
            await _feed(service, maker, 0.5)
            await wait_until(lambda: "cannot reach" in service.health().error, "the TLS error")
            assert "TLS" in service.health().error and not server.telemetry()
            assert service.health().backlog >= maker.seq - 1
    finally:
        server.stop()


async def test_empty_token_is_a_clear_error(settings: Settings, register_map: RegisterMap) -> None:
    alarms = AlarmManager()
    service = make_service(settings, register_map, free_port(), tb={**HTTP, "access_token": ""}, alarms=alarms)
    async with running(service):
        assert "access_token is empty" in service.health().error
        assert alarms.is_active(ALARM_DOWN)
