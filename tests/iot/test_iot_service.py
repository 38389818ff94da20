"""TelemetryService against a real mosquitto: payloads, attributes, RPC, auth, caps, alarms."""

from __future__ import annotations

import json
import sqlite3
from pathlib import Path
from typing import Any

import pytest
from mqtt_helpers import (
    ATTRIBUTES,
    TELEMETRY,
    FakeClock,
    Mosquitto,
    SnapshotMaker,
    Subscriber,
    free_port,
    make_certificates,
    make_service,
    running,
)

from core.analysis.alarms import AlarmManager
from core.api import EngineStatus
from core.config import Settings
from core.iot import ALARM_DOWN, ALARM_OVERFLOW, TelemetryService
from core.registers import RegisterMap
from tests.waiting import wait_until

pytestmark = pytest.mark.integration


async def test_disabled_service_does_nothing(settings: Settings, register_map: RegisterMap) -> None:
    service = TelemetryService(settings, register_map, AlarmManager())
    async with running(service):
        service.on_snapshot(SnapshotMaker(register_map).next())
        assert service.health().enabled is False and service.health().backlog == 0
    assert not service.outbox_path.exists()


async def test_telemetry_schema_fields_attributes_and_alarms(
    settings: Settings, register_map: RegisterMap, broker: Mosquitto
) -> None:
    sub = Subscriber(broker.port, [TELEMETRY, ATTRIBUTES]).start()
    alarms = AlarmManager()
    service = make_service(settings, register_map, broker.port, alarms=alarms,
                           ml_output=lambda: 0.75, torque_guard=lambda: False, model_version=lambda: "m-7")
    maker = SnapshotMaker(register_map)
    try:
        async with running(service):
            await wait_until(lambda: service.connected, "connection")
            for _ in range(12):
                service.on_snapshot(maker.next())
            alarms.update("test.hot", True, "coolant hot")
            await wait_until(lambda: len([r for r in sub.telemetry() if "cut_count" in r["values"]]) == 12,
                             "12 records")
            await wait_until(lambda: any("alarm" in r["values"] for r in sub.telemetry()), "alarm record")
            await wait_until(lambda: service.health().backlog == 0, "outbox empty")
            health = service.health()
            assert health.connected and health.error == "" and health.last_ok_ms is not None
            # Client attributes on connect, then again when the band changes.
            service.on_snapshot(maker.next(band_id=999.0))
            await wait_until(lambda: any(a.get("bandId") == 999 for a in sub.on(ATTRIBUTES)), "bandId 999")
    finally:
        sub.stop()
    assert set(sub.topics_seen()) == {TELEMETRY, ATTRIBUTES}
    for message in sub.on(TELEMETRY):
        assert isinstance(message, list) and message
        for record in message:
            assert set(record) == {"ts", "values"}
            assert 1_600_000_000_000 < record["ts"] < 4_000_000_000_000  # milliseconds, not seconds
    records = [r for r in sub.telemetry() if "cut_count" in r["values"]]
    assert [r["values"]["cut_count"] for r in records][:12] == list(range(1, 13))
    assert [r["ts"] for r in records][:12] == [maker.start_ms + i * 1000 for i in range(1, 13)]
    expected = {*settings.iot.thingsboard.fields, "ml_output", "torque_guard"}
    assert set(records[0]["values"]) == expected
    assert records[0]["values"]["ml_output"] == 0.75 and records[0]["values"]["torque_guard"] is False
    alarm = next(r["values"]["alarm"] for r in sub.telemetry() if "alarm" in r["values"])
    assert alarm["key"] == "test.hot" and alarm["state"] == "unacknowledged"
    assert alarm["priority"] == "medium" and alarm["text"] == "coolant hot"
    attrs: dict[str, Any] = {}
    for message in sub.on(ATTRIBUTES):
        attrs.update(message)
    assert attrs["registerMapHash"] == register_map.digest and attrs["modelVersion"] == "m-7"
    assert attrs["softwareVersion"] and "bandType" in attrs and "material" in attrs
    with sqlite3.connect(service.outbox_path) as db:
        assert db.execute("SELECT count(*) FROM outbox").fetchone()[0] == 0


async def test_shared_attributes_and_rpc_round_trip(
    settings: Settings, register_map: RegisterMap, broker: Mosquitto
) -> None:
    # Stand in for ThingsBoard: answer the attribute request the device makes on connect.
    tb_side = Subscriber(broker.port, [TELEMETRY, "v1/devices/me/attributes/request/+",
                                       "v1/devices/me/rpc/response/+"]).start()
    status = EngineStatus(running=True, mode="ml")
    service = make_service(settings, register_map, broker.port, status_provider=lambda: status)
    maker = SnapshotMaker(register_map)
    try:
        async with running(service):
            await wait_until(lambda: tb_side.on("v1/devices/me/attributes/request/"), "attribute request")
            request_topic = next(t for t in tb_side.topics_seen() if "/attributes/request/" in t)
            assert tb_side.on("v1/devices/me/attributes/request/")[0] == {
                "sharedKeys": "telemetryRateHz,telemetryFields"}
            tb_side.publish(request_topic.replace("request", "response"),
                            {"shared": {"telemetryFields": ["band_torque", "band_current"]}})
            await wait_until(lambda: service.fields == ("band_torque", "band_current"), "fields applied")

            # A live update: rate and a new field list.
            tb_side.publish(ATTRIBUTES, {"telemetryRateHz": 5, "telemetryFields": "head_height"})
            await wait_until(lambda: service.record_rate_hz == 5.0 and service.fields == ("head_height",),
                             "shared update applied")
            service.on_snapshot(maker.next())
            await wait_until(tb_side.telemetry, "telemetry")
            assert set(tb_side.telemetry()[0]["values"]) == {"head_height"}
            # Nonsense from the server is ignored, not fatal.
            tb_side.publish(ATTRIBUTES, {"telemetryRateHz": -3})
            tb_side.publish(ATTRIBUTES, {"telemetryFields": ["nope"]})

            tb_side.publish("v1/devices/me/rpc/request/41", {"method": "getStatus", "params": {}})
            tb_side.publish("v1/devices/me/rpc/request/42", {"method": "getSnapshot", "params": {}})
            tb_side.publish("v1/devices/me/rpc/request/43", {"method": "setCuttingSpeed", "params": 120})
            await wait_until(lambda: len(tb_side.on("v1/devices/me/rpc/response/")) == 3, "3 RPC answers")
            answers = {t.rsplit("/", 1)[1]: json.loads(p) for t, p in tb_side.messages if "/rpc/response/" in t}
            assert service.record_rate_hz == 5.0 and service.fields == ("head_height",)
    finally:
        tb_side.stop()
    assert answers["41"]["running"] is True and answers["41"]["mode"] == "ml" and "link" in answers["41"]
    assert answers["42"]["seq"] == maker.seq and answers["42"]["values"]["cut_count"] == maker.seq
    assert "unknown method 'setCuttingSpeed'" in answers["43"]["error"]


async def test_wrong_token_is_reported_and_records_stay(
    settings: Settings, register_map: RegisterMap, auth_broker: Mosquitto
) -> None:
    clock = FakeClock()
    alarms = AlarmManager()
    service = make_service(settings, register_map, auth_broker.port, alarms=alarms, clock=clock,
                           tb={"access_token": "wrong-token", "down_alarm_after_s": 30.0})
    maker = SnapshotMaker(register_map)
    async with running(service):
        for _ in range(5):
            service.on_snapshot(maker.next())
        await wait_until(lambda: "not authorised" in service.health().error, "auth error")
        health = service.health()
        assert "TB_ACCESS_TOKEN" in health.error and not health.connected
        assert health.backlog == 5 and health.lag_s > 0
        assert not alarms.is_active(ALARM_DOWN)
        clock.now += 31
        await wait_until(lambda: alarms.is_active(ALARM_DOWN), "mqtt.down alarm")
        alarm = alarms.get(ALARM_DOWN)
        assert alarm is not None and "not authorised" in alarm.text
    with sqlite3.connect(service.outbox_path) as db:
        payloads = [json.loads(p) for (p,) in db.execute("SELECT payload FROM outbox")]
    assert [p["cut_count"] for p in payloads if "cut_count" in p] == [1, 2, 3, 4, 5]
    assert any(p.get("alarm", {}).get("key") == ALARM_DOWN for p in payloads)  # the alarm waits too


async def test_caps_drop_oldest_with_count_and_alarm(
    settings: Settings, register_map: RegisterMap, broker: Mosquitto
) -> None:
    alarms = AlarmManager()
    # Nobody listens on this port: everything stays in the outbox. 0.02 MB holds ~30 records.
    service = make_service(settings, register_map, free_port(), alarms=alarms,
                           tb={"outbox_max_mb": 0.02, "outbox_max_age_h": 1.0})
    maker = SnapshotMaker(register_map)
    async with running(service):
        for _ in range(100):
            service.on_snapshot(maker.next())
        await wait_until(lambda: service.dropped > 0, "records dropped")
        assert alarms.is_active(ALARM_OVERFLOW)
        assert 0 < service.health().backlog < 100
        # 100 records plus the overflow alarm's own record: each one kept or counted as dropped.
        assert service.health().backlog + service.dropped == 101
    with sqlite3.connect(service.outbox_path) as db:
        payloads = [json.loads(p) for (p,) in db.execute("SELECT payload FROM outbox ORDER BY id")]
    counts = [p["cut_count"] for p in payloads if "cut_count" in p]
    assert counts == list(range(101 - len(counts), 101))  # the newest survive

    # Once the broker is back and the backlog has drained, the alarm returns to normal.
    sub = Subscriber(broker.port, [TELEMETRY]).start()
    drained = make_service(settings, register_map, broker.port, alarms=alarms)
    try:
        async with running(drained):
            await wait_until(lambda: drained.health().backlog == 0, "backlog drained")
            await wait_until(lambda: not alarms.is_active(ALARM_OVERFLOW), "overflow alarm cleared")
            await wait_until(lambda: len([r for r in sub.telemetry() if "cut_count" in r["values"]]) == len(counts),
                             "the kept records")
    finally:
        sub.stop()


async def test_tls_with_a_private_ca(settings: Settings, register_map: RegisterMap, tmp_path: Path) -> None:
    certs = make_certificates(tmp_path / "certs")
    server = Mosquitto(tmp_path / "mosquitto-tls", tls=certs)
    server.start()
    try:
        sub = Subscriber(server.port, [TELEMETRY], ca_file=certs.ca).start()
        service = make_service(settings, register_map, server.port, tb={"tls": True, "ca_file": certs.ca})
        maker = SnapshotMaker(register_map)
        try:
            async with running(service):
                for _ in range(3):
                    service.on_snapshot(maker.next())
                await wait_until(lambda: len(sub.telemetry()) == 3, "3 records over TLS")
                assert service.health().connected
        finally:
            sub.stop()
    finally:
        server.stop()


async def test_missing_tls_file_is_a_clear_error_and_records_are_kept(
    settings: Settings, register_map: RegisterMap, tmp_path: Path
) -> None:
    alarms = AlarmManager()
    service = make_service(settings, register_map, free_port(), alarms=alarms,
                           tb={"tls": True, "ca_file": tmp_path / "missing-ca.crt"})
    async with running(service):
        health = service.health()
        assert "iot.thingsboard.ca_file" in health.error and "file not found" in health.error
        alarm = alarms.get(ALARM_DOWN)
        assert alarm is not None and alarm.condition and "ca_file" in alarm.text
        service.on_snapshot(SnapshotMaker(register_map).next())
        await wait_until(lambda: service.unsaved == 0 and service.health().backlog >= 1, "record stored")


async def test_down_alarm_is_one_update_however_long_the_link_stays_down(
    settings: Settings, register_map: RegisterMap
) -> None:
    # The catalogue renders "ThingsBoard link: ..." while the service compares its own wording:
    # comparing the rendered text with the raw one re-sent the update at every pump step.
    from core.analysis.alarm_policy import AlarmPolicy

    clock = FakeClock()
    alarms = AlarmManager(policy=AlarmPolicy.from_settings(settings))
    service = make_service(settings, register_map, free_port(), alarms=alarms, clock=clock,
                           tb={"down_alarm_after_s": 30.0})
    updates: list[str] = []
    original = alarms.update

    def counting(key: str, active: bool, text: str, **kwargs: Any) -> None:
        if key == ALARM_DOWN and active:
            updates.append(text)
        original(key, active, text, **kwargs)

    alarms.update = counting  # type: ignore[method-assign]
    maker = SnapshotMaker(register_map)
    async with running(service):
        await wait_until(lambda: service.health().error, "the connection error")
        clock.now += 31
        await wait_until(lambda: alarms.is_active(ALARM_DOWN), "mqtt.down alarm")
        alarm = alarms.get(ALARM_DOWN)
        assert alarm is not None and alarm.text != alarm.detail  # the catalogue's words, our detail
        checks = 0
        check_down = service._check_down

        def counted() -> None:
            nonlocal checks
            checks += 1
            check_down()

        service._check_down = counted  # type: ignore[method-assign]
        updates.clear()
        service.on_snapshot(maker.next())
        await wait_until(lambda: checks >= 10, "10 pump steps with the link down")
        assert alarms.get(ALARM_DOWN) is not None and alarms.get(ALARM_DOWN).detail == alarm.detail  # type: ignore[union-attr]
        assert updates == [], len(updates)
