"""ThingsBoard payloads without a broker: sampling, fields, shared attributes, RPC answers."""

from __future__ import annotations

import json

from mqtt_helpers import SnapshotMaker

from core.api import EngineStatus
from core.iot import thingsboard as tb
from core.registers import RegisterMap
from core.snapshot import Quality, Snapshot


def test_sampler_keeps_the_record_rate_without_drift(register_map: RegisterMap) -> None:
    sampler = tb.RecordSampler(register_map, 1.0, ["band_torque"], {})
    # Polls at 10 Hz with a little jitter: one record per second, on the schedule.
    taken = [i for i in range(0, 100) if sampler.due(i * 0.1 + (0.003 if i % 3 else -0.003))]
    assert len(taken) == 10
    sampler.set_rate(2.0)
    taken = [i for i in range(100, 200) if sampler.due(i * 0.1)]
    assert len(taken) == 20
    # A long gap restarts the schedule instead of bursting.
    assert sampler.due(1000.0) and not sampler.due(1000.1)


def test_values_follow_the_fields_and_types(register_map: RegisterMap) -> None:
    guard_state = {"value": True}
    sampler = tb.RecordSampler(
        register_map, 1.0, ["band_torque", "saw_state", "cut_count", "no_such_register"],
        {"torque_guard": lambda: guard_state["value"]},
    )
    assert sampler.fields == ("band_torque", "saw_state", "cut_count", "torque_guard")
    snap = SnapshotMaker(register_map).next(band_torque=41.5, cut_count=None)
    values = sampler.values(snap)
    assert values == {"band_torque": 41.5, "saw_state": 3, "torque_guard": True}
    assert isinstance(values["saw_state"], int)  # codes go out as integers
    # Not provided -> omitted: ml_output has no callable.
    assert "ml_output" not in values
    # A live list from ThingsBoard is the exact set.
    unknown = sampler.set_fields(["band_current", "bogus"], include_computed=False)
    assert unknown == ["bogus"] and sampler.fields == ("band_current",)


def test_telemetry_message_is_a_thingsboard_array() -> None:
    message = tb.telemetry_message([(1_700_000_000_000, tb.record_payload({"a": 1.5})),
                                    (1_700_000_001_000, tb.record_payload({"b": float("nan")}))])
    assert json.loads(message) == [
        {"ts": 1_700_000_000_000, "values": {"a": 1.5}},
        {"ts": 1_700_000_001_000, "values": {"b": None}},
    ]


def test_shared_attribute_parsing() -> None:
    update = tb.parse_shared({"telemetryRateHz": 2, "telemetryFields": "band_torque, band_current"})
    assert update.rate_hz == 2.0 and update.fields == ["band_torque", "band_current"]
    response = tb.parse_shared({"shared": {"telemetry_rate_hz": "0.5"}})
    assert response.rate_hz == 0.5
    bad = tb.parse_shared({"telemetryRateHz": 500, "telemetryFields": 3})
    assert bad.rate_hz is None and bad.fields is None and len(bad.problems) == 2
    assert tb.parse_shared({"deleted": ["telemetryRateHz"]}).reset_rate
    assert tb.parse_shared({"bandId": 5}) == tb.SharedUpdate()  # our own client attributes echoed
    assert tb.parse_shared([1, 2]).problems


def test_rpc_answers_are_read_only(register_map: RegisterMap) -> None:
    snap = SnapshotMaker(register_map).next()
    status = tb.rpc_answer(b'{"method":"getStatus","params":{}}', status_provider=EngineStatus, latest=snap)
    assert json.loads(status)["link"]["connected"] is False
    snapshot = json.loads(tb.rpc_answer(b'{"method":"getSnapshot"}', status_provider=dict, latest=snap))
    assert snapshot["seq"] == snap.seq and snapshot["values"]["cut_count"] == 1
    unknown = json.loads(tb.rpc_answer(b'{"method":"setSpeed","params":90}', status_provider=dict, latest=snap))
    assert "unknown method" in unknown["error"] and "getStatus" in unknown["error"]
    assert "not JSON" in json.loads(tb.rpc_answer(b"{", status_provider=dict, latest=None))["error"]

    def broken() -> dict[str, object]:
        raise RuntimeError("engine gone")

    failed = json.loads(tb.rpc_answer(b'{"method":"getStatus"}', status_provider=broken, latest=None))
    assert "engine gone" in failed["error"]
    empty = json.loads(tb.rpc_answer(b'{"method":"getSnapshot"}', status_provider=dict, latest=None))
    assert empty == {"error": "no snapshot yet"}


def test_client_attributes_keep_last_known_plc_values(register_map: RegisterMap) -> None:
    maker = SnapshotMaker(register_map)
    first = tb.client_attributes(maker.next(band_id=11.0), machine_id=None, software_version="1.0",
                                 model_version="m1", register_map_hash="abc", previous={})
    assert first["bandId"] == 11 and first["machineId"] == 7 and first["registerMapHash"] == "abc"
    assert first["modelVersion"] == "m1" and "material" in first and "bandBrand" in first
    lost = Snapshot(9, 0, 0.0, dict.fromkeys(register_map.names), {}, Quality.COMM_ERROR)
    kept = tb.client_attributes(lost, machine_id=3, software_version="1.0", model_version=None,
                                register_map_hash="abc", previous=first)
    assert kept["bandId"] == 11 and kept["machineId"] == 3  # configured id wins over the PLC's
