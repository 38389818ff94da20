"""Telemetry and attribute key maps: native, smart-saw, explicit; bad entries are config errors."""

from __future__ import annotations

from pathlib import Path

import pytest
from http_helpers import TbHttpServer
from mqtt_helpers import SnapshotMaker, free_port, make_service, running, with_thingsboard

from core.analysis.alarms import AlarmManager
from core.config import ConfigError, Settings
from core.iot import key_map
from core.iot.service import TelemetryService
from core.registers import RegisterMap
from tests.waiting import wait_until


def test_native_changes_nothing(settings: Settings, register_map: RegisterMap) -> None:
    keys = key_map.resolve(settings.iot.thingsboard, register_map)
    assert keys.telemetry_values({"band_current": 1.0}) == {"band_current": 1.0}
    assert keys.attribute_values({"machineId": 3}) == {"machineId": 3}


def test_smart_saw_uses_the_older_systems_keys(settings: Settings, register_map: RegisterMap) -> None:
    cfg = with_thingsboard(settings, key_map="smart-saw", attribute_key_map="smart-saw").iot.thingsboard
    keys = key_map.resolve(cfg, register_map)
    sent = keys.telemetry_values({"band_current": 12.5, "band_torque": 40.0, "cutting_speed_actual": 72.0,
                                  "descent_speed_actual": 31.5, "head_height": 250.0, "band_deviation": -0.1,
                                  "saw_state": 3, "machine_id": 4, "ml_output": 0.2, "band_power": 1.0})
    assert sent == {"serit_motor_akim_a": 12.5, "serit_motor_tork_percentage": 40.0, "serit_kesme_hizi": 72.0,
                    "serit_inme_hizi": 31.5, "kafa_yuksekligi_mm": 250.0, "serit_sapmasi": -0.1,
                    "testere_durumu": 3, "makine_id": 4, "ml_output": 0.2,
                    "band_power": 1.0}  # the older system had no such key: sent under its own name
    assert keys.attribute_values({"machineId": 4, "bandId": 7, "softwareVersion": "1"}) == {
        "makine_id": 4, "serit_id": 7, "softwareVersion": "1"}


def test_explicit_mapping_and_its_errors(settings: Settings, register_map: RegisterMap) -> None:
    cfg = with_thingsboard(settings, key_map={"band_current": "current", "alarm": "alarm_event"}).iot.thingsboard
    keys = key_map.resolve(cfg, register_map)
    assert keys.telemetry_values({"band_current": 1.0, "band_torque": 2.0}) == {"current": 1.0, "band_torque": 2.0}
    bad = with_thingsboard(settings, key_map={"band_curent": "current"}).iot.thingsboard
    with pytest.raises(ConfigError, match=r"iot\.thingsboard\.key_map\.band_curent: unknown name 'band_curent'"):
        key_map.resolve(bad, register_map)
    twice = with_thingsboard(settings, key_map={"band_current": "band_torque"}).iot.thingsboard
    with pytest.raises(ConfigError, match=r"key_map\.band_torque: key 'band_torque' is already used"):
        key_map.resolve(twice, register_map)
    empty = with_thingsboard(settings, attribute_key_map={"machineId": " "}).iot.thingsboard
    with pytest.raises(ConfigError, match=r"attribute_key_map\.machineId = ' ': the key must be a non-empty text"):
        key_map.resolve(empty, register_map)
    with pytest.raises(ConfigError, match=r"attribute_key_map\.serialNo: unknown name"):
        key_map.resolve(with_thingsboard(settings, attribute_key_map={"serialNo": "x"}).iot.thingsboard, register_map)


def test_a_bad_mapping_stops_the_service_from_being_built(settings: Settings, register_map: RegisterMap) -> None:
    bad = with_thingsboard(settings, enabled=True, key_map={"nope": "x"})
    with pytest.raises(ConfigError, match=r"iot\.thingsboard\.key_map\.nope"):
        TelemetryService(bad, register_map, AlarmManager())


async def test_smart_saw_keys_on_the_wire(settings: Settings, register_map: RegisterMap) -> None:
    server = TbHttpServer(free_port()).start()
    service = make_service(settings, register_map, server.port,
                           tb={"transport": "http", "key_map": "smart-saw", "attribute_key_map": "smart-saw"})
    maker = SnapshotMaker(register_map)
    try:
        async with running(service):
            service.on_snapshot(maker.next(band_current=12.5))
            await wait_until(lambda: server.telemetry() and server.attributes(), "telemetry and attributes")
    finally:
        server.stop()
    values = server.telemetry()[0]["values"]
    assert values["serit_motor_akim_a"] == 12.5 and values["kesilen_parca_adeti"] == 1
    assert "band_current" not in values and "cut_count" not in values
    attributes = server.attributes()[-1]
    assert attributes["makine_id"] == 7 and attributes["serit_id"] == 1234 and "machineId" not in attributes
    # Every record carries the machine and band ids, as the older system's did (its dashboards
    # filter on them), though neither is in the configured fields (#18 review).
    assert "machine_id" not in settings.iot.thingsboard.fields and "band_id" not in settings.iot.thingsboard.fields
    assert values["makine_id"] == attributes["makine_id"] and values["serit_id"] == attributes["serit_id"]
    assert "machine_id" not in values and "band_id" not in values


def test_identity_fields_only_under_smart_saw(settings: Settings, register_map: RegisterMap) -> None:
    snapshot = {"machine_id": 3.0, "band_id": 1234.0, "band_current": 1.0}
    native = key_map.resolve(settings.iot.thingsboard, register_map, machine_id=9)
    assert native.with_identity({"band_current": 1.0}, snapshot) == {"band_current": 1.0}
    cfg = with_thingsboard(settings, key_map="smart-saw").iot.thingsboard
    from_plc = key_map.resolve(cfg, register_map)
    record = from_plc.with_identity({"band_current": 1.0}, snapshot)
    assert from_plc.telemetry_values(record) == {"serit_motor_akim_a": 1.0, "makine_id": 3, "serit_id": 1234}
    configured = key_map.resolve(cfg, register_map, machine_id=9)  # machine.id set: it wins over the PLC's
    assert configured.telemetry_values(configured.with_identity({}, snapshot)) == {"makine_id": 9, "serit_id": 1234}
    unread = configured.with_identity({}, {"band_id": None})  # no value read: no key, never a made-up one
    assert configured.telemetry_values(unread) == {"makine_id": 9}


def test_telemetry_fields_from_the_dashboard_may_use_its_keys(settings: Settings, register_map: RegisterMap) -> None:
    import json

    keys = key_map.resolve(with_thingsboard(settings, key_map="smart-saw").iot.thingsboard, register_map)
    got = json.loads(keys.shared_message(b'{"shared": {"telemetryFields": "serit_motor_akim_a, band_torque"}}'))
    assert got == {"shared": {"telemetryFields": "band_current,band_torque"}}
    got = json.loads(keys.shared_message(b'{"telemetryFields": ["kafa_yuksekligi_mm"], "telemetryRateHz": 2}'))
    assert got == {"telemetryFields": ["head_height"], "telemetryRateHz": 2}
    assert keys.shared_message(b"not json") == b"not json"


def test_http_on_the_mqtt_port_is_a_config_error(tmp_path: object) -> None:
    from pathlib import Path

    from core.config import PROJECT_ROOT, load_settings

    with pytest.raises(ConfigError, match="transport http needs ThingsBoard's HTTP port"):
        load_settings(PROJECT_ROOT / "config" / "config.yaml", env={}, env_file=Path(str(tmp_path)) / "no.env",
                      overrides={"iot": {"thingsboard": {"enabled": True, "transport": "http"}}})


def _config_dir(tmp_path: Path, thingsboard: dict[str, object]) -> Path:
    import shutil

    import yaml

    from core.config import PROJECT_ROOT

    folder = tmp_path / "config"
    shutil.copytree(PROJECT_ROOT / "config", folder)
    data = yaml.safe_load((folder / "config.yaml").read_text(encoding="utf-8"))
    data["iot"]["thingsboard"].update(thingsboard)
    (folder / "config.yaml").write_text(yaml.safe_dump(data, sort_keys=False), encoding="utf-8")
    return folder / "config.yaml"


@pytest.mark.parametrize(("thingsboard", "named"), [
    ({"key_map": {"band_current": "x", "bogus_register": "foo"}},
     "iot.thingsboard.key_map.bogus_register: unknown name 'bogus_register'"),
    ({"key_map": {"band_current": "amps", "band_torque": "amps"}},
     "iot.thingsboard.key_map.band_torque: key 'amps' is already used for 'band_current'"),
    ({"attribute_key_map": {"machineId": "makine", "bandId": "makine"}},
     "iot.thingsboard.attribute_key_map.bandId: key 'makine' is already used for 'machineId'"),
])
def test_config_check_fails_on_a_key_map_the_engine_would_refuse(
    tmp_path: Path, capsys: pytest.CaptureFixture[str], thingsboard: dict[str, object], named: str
) -> None:
    """`config check` said "configuration valid" for key maps that stop the engine at start (#18 review)."""
    from core.cli import EXIT_CONFIG, main

    config = _config_dir(tmp_path, thingsboard)
    assert main(["config", "check", "--config", str(config), "--data-dir", str(tmp_path / "data")]) == EXIT_CONFIG
    out = capsys.readouterr()
    assert named in out.err and "configuration valid" not in out.out


def test_config_check_passes_a_good_key_map(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    from core.cli import EXIT_OK, main

    config = _config_dir(tmp_path, {"key_map": {"band_current": "amps"}, "attribute_key_map": "smart-saw"})
    assert main(["config", "check", "--config", str(config), "--data-dir", str(tmp_path / "data")]) == EXIT_OK
    assert "configuration valid" in capsys.readouterr().out
