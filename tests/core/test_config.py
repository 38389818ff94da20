"""Configuration: layering (yaml < .env < environment), legacy names, one-line errors."""

from __future__ import annotations

from pathlib import Path

import pytest

from core.config import PROJECT_ROOT, ConfigError, load_settings

SHIPPED = PROJECT_ROOT / "config" / "config.yaml"


def write(path: Path, text: str) -> Path:
    path.write_text(text, encoding="utf-8")
    return path


def test_shipped_config_loads_with_documented_defaults(tmp_path: Path) -> None:
    settings = load_settings(SHIPPED, env={}, env_file=tmp_path / "none")
    assert settings.modbus.read_rate_hz == 10.0
    assert settings.database.sqlite.batch_rows == 10
    assert settings.database.sqlite.batch_ms == 1000
    assert settings.database.postgresql.enabled is False
    assert settings.iot.thingsboard.enabled is False
    assert set(settings.control.presets) == {"slow", "normal", "fast"}
    assert settings.ml.current_polynomial == (0.015, -0.278, 15.656)


def test_environment_beats_dotenv_beats_yaml(tmp_path: Path) -> None:
    config = write(tmp_path / "c.yaml", "modbus: {host: from-yaml, port: 1502, retries: 1}\n")
    dotenv = write(tmp_path / ".env", "BANDSAW_MODBUS__PORT=2502\nBANDSAW_MODBUS__RETRIES=2\n")
    settings = load_settings(config, env={"BANDSAW_MODBUS__PORT": "3502"}, env_file=dotenv)
    assert settings.modbus.host == "from-yaml"
    assert settings.modbus.retries == 2
    assert settings.modbus.port == 3502


def test_deeply_nested_override(tmp_path: Path) -> None:
    settings = load_settings(
        SHIPPED, env={"BANDSAW_DATABASE__POSTGRESQL__ENABLED": "true"}, env_file=tmp_path / "none"
    )
    assert settings.database.postgresql.enabled is True


def test_legacy_names_still_work_and_bandsaw_names_win(tmp_path: Path) -> None:
    env = {
        "DATABASE_URL": "postgresql://saw:s3cret@db.plant/bandsaw",
        "POSTGRES_HOST": "db.plant",
        "POSTGRES_PORT": "6543",
        "POSTGRES_PASSWORD": "pw-legacy",
        "TB_ACCESS_TOKEN": "token-123",
        "TB_MQTT_BROKER": "tb.plant",
        "TB_MQTT_PORT": "8883",
        "BANDSAW_DATABASE__POSTGRESQL__HOST": "explicit.plant",
    }
    settings = load_settings(SHIPPED, env=env, env_file=tmp_path / "none")
    pg = settings.database.postgresql
    assert pg.url is not None and pg.url.get_secret_value().endswith("@db.plant/bandsaw")
    assert pg.host == "explicit.plant"
    assert pg.port == 6543
    assert pg.password.get_secret_value() == "pw-legacy"
    tb = settings.iot.thingsboard
    assert (tb.host, tb.port, tb.access_token.get_secret_value()) == ("tb.plant", 8883, "token-123")


def test_redacted_view_hides_every_secret(tmp_path: Path) -> None:
    env = {"POSTGRES_PASSWORD": "hunter22", "TB_ACCESS_TOKEN": "tok-xyz", "DATABASE_URL": "postgresql://a:b@h/d"}
    text = repr(load_settings(SHIPPED, env=env, env_file=tmp_path / "none").redacted())
    for secret in ("hunter22", "tok-xyz", "a:b@h"):
        assert secret not in text


@pytest.mark.parametrize(
    ("yaml_text", "env", "expected"),
    [
        ("modbus: {port: 70000}\n", {}, ["c.yaml", "modbus.port", "70000", "less than or equal to 65535"]),
        ("modbus: {prot: 502}\n", {}, ["c.yaml", "modbus.prot", "unknown key", "allowed here", "port"]),
        ("", {"BANDSAW_MODBUS__TIMEOUT_S": "soon"}, ["BANDSAW_MODBUS__TIMEOUT_S", "'soon'", "number"]),
        ("", {"POSTGRES_PORT": "x"}, ["POSTGRES_PORT", "database.postgresql.port"]),
        ("database: {sqlite: {synchronous: SOMETIMES}}\n", {}, ["synchronous", "SOMETIMES", "NORMAL"]),
        ("modbus: {read_rate_hz: 5, rate_alarm_floor_hz: 8}\n", {}, ["rate_alarm_floor_hz", "must not exceed"]),
    ],
)
def test_bad_value_is_one_line_naming_source_key_value_and_allowed(
    tmp_path: Path, yaml_text: str, env: dict[str, str], expected: list[str]
) -> None:
    config = write(tmp_path / "c.yaml", yaml_text)
    with pytest.raises(ConfigError) as caught:
        load_settings(config, env=env, env_file=tmp_path / "none")
    message = str(caught.value)
    assert "\n" not in message
    for part in expected:
        assert part in message, message


def test_secret_value_is_not_echoed_in_errors(tmp_path: Path) -> None:
    config = write(tmp_path / "c.yaml", "database: {postgresql: {password: [not, a, string]}}\n")
    with pytest.raises(ConfigError) as caught:
        load_settings(config, env={}, env_file=tmp_path / "none")
    assert "not" not in str(caught.value).split("=", 1)[1].split(":")[0]


def test_broken_yaml_and_missing_file(tmp_path: Path) -> None:
    with pytest.raises(ConfigError, match="not valid YAML"):
        load_settings(write(tmp_path / "c.yaml", "modbus: [unclosed\n"), env={}, env_file=tmp_path / "none")
    with pytest.raises(ConfigError, match="file not found"):
        load_settings(tmp_path / "missing.yaml", env={}, env_file=tmp_path / "none")
    with pytest.raises(ConfigError, match="mapping of sections"):
        load_settings(write(tmp_path / "d.yaml", "- a\n- b\n"), env={}, env_file=tmp_path / "none")


def test_relative_paths_resolve_against_the_project(tmp_path: Path) -> None:
    settings = load_settings(SHIPPED, env={"BANDSAW_PATHS__DATA_DIR": "var/data"}, env_file=tmp_path / "none")
    assert settings.data_dir == PROJECT_ROOT / "var" / "data"
    assert settings.register_map_path == PROJECT_ROOT / "config" / "registers.yaml"


def test_config_path_from_environment(tmp_path: Path) -> None:
    config = write(tmp_path / "etc.yaml", "machine: {name: saw-7}\n")
    settings = load_settings(None, env={"BANDSAW_CONFIG": str(config)}, env_file=tmp_path / "none")
    assert settings.machine.name == "saw-7"
    assert settings.config_path == config
