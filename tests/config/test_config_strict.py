"""Stricter configuration (#16 item 5): PostgreSQL URL and parts, duplicate YAML keys, the
registers the engine depends on, NaN/inf, a closed pipe. Each refused with rc 2 and one line."""

from __future__ import annotations

import copy
import os
import subprocess
import sys
from pathlib import Path
from typing import Any

import pytest
import yaml

from core.config import PROJECT_ROOT, ConfigError, load_settings
from core.registers import ENGINE_REGISTERS, RegisterMapError, load_register_map

SHIPPED = PROJECT_ROOT / "config" / "config.yaml"
SHIPPED_MAP = PROJECT_ROOT / "config" / "registers.yaml"


def bandsaw(*args: str, env: dict[str, str] | None = None, cwd: Path | None = None) -> subprocess.CompletedProcess[str]:
    clean = {k: v for k, v in os.environ.items() if not k.startswith(("BANDSAW_", "POSTGRES_")) and k != "DATABASE_URL"}
    return subprocess.run([sys.executable, "-m", "core.cli", *args], capture_output=True, text=True, timeout=120,
                          env={**clean, **(env or {})}, cwd=cwd or PROJECT_ROOT, check=False)


def one_config_error(result: subprocess.CompletedProcess[str]) -> str:
    assert result.returncode == 2, (result.returncode, result.stdout[-500:], result.stderr)
    lines = result.stderr.strip().splitlines()
    assert len(lines) == 1, result.stderr
    assert "Traceback" not in result.stderr
    return lines[0]


# --- PostgreSQL URL and parts --------------------------------------------------------------


@pytest.mark.parametrize(("url", "expected"), [
    ("notaurl", "scheme must be postgresql:// or postgres://, got no scheme"),
    ("mysql://u:p@db/x", "got 'mysql://'"),
    ("postgresql://u:p@db:port/x", "not a valid URL"),
    ("postgresql://u:p@db:99999/x", "not a valid URL"),
    ("postgresql://u:p@[::1/bandsaw", "Invalid IPv6 URL"),
    ("postgresql://u:p@/bandsaw", "no host"),
    ("postgresql://u:p@db:5432/", "no database name"),
    ("postgresql://u:p@db:5432", "no database name"),
])
def test_bad_database_url_is_named(tmp_path: Path, url: str, expected: str) -> None:
    with pytest.raises(ConfigError) as caught:
        load_settings(SHIPPED, env={"DATABASE_URL": url}, env_file=tmp_path / "none")
    message = str(caught.value)
    assert message.startswith("environment (legacy name) DATABASE_URL: database.postgresql.url"), message
    assert expected in message
    assert "p@" not in message and ":p" not in message  # the password is never echoed
    assert "\n" not in message


@pytest.mark.parametrize("url", [
    "postgresql://u:p@db.example:5432/bandsaw", "postgres://db/bandsaw", "postgresql://u@[::1]:5433/x",
    "postgresql:///bandsaw?host=/var/run/postgresql",
])
def test_good_database_urls_pass(tmp_path: Path, url: str) -> None:
    settings = load_settings(SHIPPED, env={"DATABASE_URL": url}, env_file=tmp_path / "none")
    assert settings.database.postgresql.url is not None


def test_database_url_from_dotenv_and_bandsaw_name_are_named(tmp_path: Path) -> None:
    dotenv = tmp_path / ".env"
    dotenv.write_text("DATABASE_URL=mysql://x/y\n")
    with pytest.raises(ConfigError, match=r"\.env \(legacy name\) DATABASE_URL: .*postgresql://"):
        load_settings(SHIPPED, env={}, env_file=dotenv)
    with pytest.raises(ConfigError, match=r"^environment BANDSAW_DATABASE__POSTGRESQL__URL: "):
        load_settings(SHIPPED, env={"BANDSAW_DATABASE__POSTGRESQL__URL": "http://db/x"}, env_file=tmp_path / "no")


@pytest.mark.parametrize(("name", "value", "expected"), [
    ("POSTGRES_PORT", "fivefour", "valid integer"),
    ("POSTGRES_PORT", "0", "greater than or equal to 1"),
    ("POSTGRES_PORT", "70000", "less than or equal to 65535"),
    ("POSTGRES_HOST", "db host", "should match pattern"),
    ("POSTGRES_HOST", "user@db", "should match pattern"),
])
def test_bad_postgres_parts_are_named(tmp_path: Path, name: str, value: str, expected: str) -> None:
    with pytest.raises(ConfigError) as caught:
        load_settings(SHIPPED, env={name: value}, env_file=tmp_path / "none")
    assert str(caught.value).startswith(f"environment (legacy name) {name}: "), caught.value
    assert expected in str(caught.value)


def test_empty_database_name_is_refused(tmp_path: Path) -> None:
    config = tmp_path / "c.yaml"
    config.write_text("database: {postgresql: {database: ''}}\n")
    with pytest.raises(ConfigError, match=r"database\.postgresql\.database = '': String should have at least 1"):
        load_settings(config, env={}, env_file=tmp_path / "none")


def test_config_check_cli_refuses_a_bad_url_naming_the_variable() -> None:
    line = one_config_error(bandsaw("config", "check", env={"DATABASE_URL": "notaurl"}))
    assert "DATABASE_URL" in line and "postgresql://" in line


# --- duplicate YAML keys -------------------------------------------------------------------


def test_duplicate_section_in_config_names_file_line_and_key(tmp_path: Path) -> None:
    config = tmp_path / "c.yaml"
    config.write_text("modbus:\n  host: 10.0.0.5\nmachine: {name: a}\nmodbus:\n  port: 1502\n")
    with pytest.raises(ConfigError) as caught:
        load_settings(config, env={}, env_file=tmp_path / "none")
    assert str(caught.value) == f"{config}: line 4: duplicate key 'modbus' (first given on line 1)"


def test_duplicate_nested_key_and_anchor_merge(tmp_path: Path) -> None:
    config = tmp_path / "c.yaml"
    config.write_text("modbus:\n  host: a\n  port: 1502\n  host: b\n")
    with pytest.raises(ConfigError, match=r"line 4: duplicate key 'host' \(first given on line 2\)"):
        load_settings(config, env={}, env_file=tmp_path / "none")
    # A merge key may be overridden: that is what it is for, not a duplicate.
    config.write_text("control:\n  presets:\n    slow: &s {cutting_speed: 50, descent_speed: 20}\n"
                      "    fast: {<<: *s, cutting_speed: 90}\n")
    settings = load_settings(config, env={}, env_file=tmp_path / "none")
    assert settings.control.presets["fast"].cutting_speed == 90
    assert settings.control.presets["fast"].descent_speed == 20


def test_duplicate_key_in_register_map_is_named(tmp_path: Path) -> None:
    text = SHIPPED_MAP.read_text()
    path = tmp_path / "registers.yaml"
    path.write_text(text.replace("word_order: big", "word_order: big\nword_order: little", 1))
    line = next(i for i, row in enumerate(path.read_text().splitlines(), 1) if row == "word_order: little")
    with pytest.raises(RegisterMapError) as caught:
        load_register_map(path)
    assert str(caught.value) == f"{path}: line {line}: duplicate key 'word_order' (first given on line {line - 1})"


def test_cli_duplicate_key_rc2_one_line(tmp_path: Path) -> None:
    config = tmp_path / "c.yaml"
    config.write_text("modbus: {port: 1502}\nmodbus: {host: x}\n")
    line = one_config_error(bandsaw("config", "check", "--config", str(config)))
    assert f"{config}: line 2: duplicate key 'modbus'" in line


# --- registers the engine depends on -------------------------------------------------------


def shipped_map() -> dict[str, Any]:
    data: dict[str, Any] = yaml.safe_load(SHIPPED_MAP.read_text())
    return data


@pytest.mark.parametrize("name", sorted(ENGINE_REGISTERS))
def test_every_engine_register_missing_is_named(tmp_path: Path, name: str) -> None:
    data = copy.deepcopy(shipped_map())
    data["registers"] = [entry for entry in data["registers"] if entry["name"] != name]
    path = tmp_path / "registers.yaml"
    path.write_text(yaml.safe_dump(data))
    with pytest.raises(RegisterMapError) as caught:
        load_register_map(path)
    assert str(caught.value).startswith(f"{path}: register '{name}' is missing: the engine needs it")


def test_a_setpoint_made_read_only_is_refused(tmp_path: Path) -> None:
    data = copy.deepcopy(shipped_map())
    for entry in data["registers"]:
        if entry["name"] == "cutting_speed":
            entry["access"] = "r"
            for key in ("min", "max", "max_step_per_s"):
                entry.pop(key, None)
    path = tmp_path / "registers.yaml"
    path.write_text(yaml.safe_dump(data))
    with pytest.raises(RegisterMapError, match="'cutting_speed' must be writable"):
        load_register_map(path)


def test_engine_registers_are_used_by_the_code() -> None:
    # The list is not invented: each name appears in the engine's code outside the simulator.
    sources = "\n".join(path.read_text() for path in (PROJECT_ROOT / "core").rglob("*.py")
                        if "sim" not in path.parts and path.name != "registers.py")
    for name in ENGINE_REGISTERS:
        assert f'"{name}"' in sources, name


def test_cli_map_without_saw_state_rc2(tmp_path: Path) -> None:
    data = copy.deepcopy(shipped_map())
    data["registers"] = [entry for entry in data["registers"] if entry["name"] != "saw_state"]
    path = tmp_path / "registers.yaml"
    path.write_text(yaml.safe_dump(data))
    line = one_config_error(bandsaw("config", "check", env={"BANDSAW_MODBUS__REGISTER_MAP": str(path)}))
    assert "register 'saw_state' is missing" in line


def test_cli_a_setpoint_without_a_step_limit_rc2(tmp_path: Path) -> None:
    """cutting_speed's max_step_per_s deleted: 'config check' said rc 0 and one write went 20 -> 120 m/min."""
    data = copy.deepcopy(shipped_map())
    for entry in data["registers"]:
        if entry["name"] == "cutting_speed":
            del entry["max_step_per_s"]
    path = tmp_path / "registers.yaml"
    path.write_text(yaml.safe_dump(data))
    line = one_config_error(bandsaw("config", "check", env={"BANDSAW_MODBUS__REGISTER_MAP": str(path)}))
    assert "register 'cutting_speed'" in line and "'max_step_per_s' is missing" in line and "null" in line


# --- NaN and infinity ----------------------------------------------------------------------


@pytest.mark.parametrize(("text", "key"), [
    ("modbus: {timeout_s: .nan}\n", "modbus.timeout_s"),
    ("modbus: {read_rate_hz: .inf}\n", "modbus.read_rate_hz"),
    ("control: {presets: {slow: {cutting_speed: .nan, descent_speed: 20}}}\n", "control.presets.slow.cutting_speed"),
    ("ml: {current_polynomial: [0.1, .nan, 1]}\n", "ml.current_polynomial.1"),
    ("control: {cutting_speed_max: -.inf}\n", "control.cutting_speed_max"),
])
def test_nan_and_inf_say_not_a_number(tmp_path: Path, text: str, key: str) -> None:
    config = tmp_path / "c.yaml"
    config.write_text(text)
    with pytest.raises(ConfigError) as caught:
        load_settings(config, env={}, env_file=tmp_path / "none")
    assert f"{key} = " in str(caught.value)
    assert "not a number" in str(caught.value)


def test_nan_from_environment_and_in_register_map(tmp_path: Path) -> None:
    with pytest.raises(ConfigError, match=r"BANDSAW_MODBUS__TIMEOUT_S: modbus.timeout_s = 'nan': not a number"):
        load_settings(SHIPPED, env={"BANDSAW_MODBUS__TIMEOUT_S": "nan"}, env_file=tmp_path / "none")
    path = tmp_path / "registers.yaml"
    path.write_text(SHIPPED_MAP.read_text().replace("scale: 0.1", "scale: .inf", 1))
    with pytest.raises(RegisterMapError, match=r"field 'scale' = inf: not a number"):
        load_register_map(path)


def test_other_sections_refuse_nan_too(tmp_path: Path) -> None:
    # analysis and security have their own section models: the same rule holds there.
    from core.config import Settings

    for section in ("analysis", "security"):
        model = Settings.model_fields[section].annotation
        assert model is not None and model.model_config.get("allow_inf_nan") is False, section


# --- closed pipe ---------------------------------------------------------------------------


def test_config_check_into_a_closed_pipe_prints_no_traceback() -> None:
    clean = {k: v for k, v in os.environ.items() if not k.startswith("BANDSAW_")}
    result = subprocess.run(
        f"'{sys.executable}' -m core.cli config check | head -1", shell=True, capture_output=True, text=True,
        timeout=120, env=clean, cwd=PROJECT_ROOT, check=False,
    )
    assert result.stdout.startswith("# configuration: ")
    assert len(result.stdout.splitlines()) == 1
    assert "Traceback" not in result.stderr and "BrokenPipe" not in result.stderr, result.stderr
    assert result.stderr == ""
    # A reader that is gone before the first write (`| true`): the write itself fails.
    result = subprocess.run(
        f"'{sys.executable}' -m core.cli config check | true", shell=True, capture_output=True, text=True,
        timeout=120, env=clean, cwd=PROJECT_ROOT, check=False,
    )
    assert result.stderr == "", result.stderr


def test_duplicate_key_in_alarm_messages_fails_config_check(tmp_path: Path) -> None:
    text = (PROJECT_ROOT / "config" / "alarm_messages.yaml").read_text()
    messages = tmp_path / "alarm_messages.yaml"
    messages.write_text(text.replace("  plc.alarm.1:\n", "  plc.alarm:\n    signal: band_torque\n  plc.alarm.1:\n", 1))
    config = tmp_path / "config.yaml"
    config.write_text("machine: {name: x}\n")  # alarm_messages.yaml beside it is the one read
    line = one_config_error(bandsaw("config", "check", "--config", str(config)))
    assert f"{messages}: line " in line and "duplicate key 'plc.alarm' (first given on line" in line


def test_format_spec_in_alarm_messages_fails_config_check(tmp_path: Path) -> None:
    # '{value:.1f}' passed the placeholder check and raised in the poll loop when the alarm came.
    text = (PROJECT_ROOT / "config" / "alarm_messages.yaml").read_text()
    messages = tmp_path / "alarm_messages.yaml"
    bad = text.replace('"PLC read rate low: {value} {unit}"', '"PLC read rate low: {value:.1f} {unit}"', 1)
    messages.write_text(bad)
    assert messages.read_text() != text
    (tmp_path / "config.yaml").write_text("machine: {name: x}\n")
    line = one_config_error(bandsaw("config", "check", "--config", str(tmp_path / "config.yaml")))
    assert f"{messages}: messages.modbus.rate_low.en.text: " in line and "cannot be rendered" in line


def test_duplicate_key_in_a_json_environment_value_is_named(tmp_path: Path) -> None:
    # {"port": 7, "port": 9} was accepted silently (the last won), like a duplicate YAML key.
    env = {"BANDSAW_MODBUS": '{"port": 7, "port": 9}'}
    with pytest.raises(ConfigError, match=r"^variable BANDSAW_MODBUS: duplicate key 'port'.* in its value$"):
        load_settings(SHIPPED, env=env, env_file=tmp_path / "none.env")
    ok = load_settings(SHIPPED, env={"BANDSAW_MODBUS": '{"port": 7}'}, env_file=tmp_path / "none.env")
    assert ok.modbus.port == 7


def test_variable_given_twice_in_dotenv_is_named(tmp_path: Path) -> None:
    dotenv = tmp_path / ".env"
    dotenv.write_text("# secrets\nBANDSAW_MODBUS__PORT=1502\nexport POSTGRES_PASSWORD=x\nBANDSAW_MODBUS__PORT=2502\n")
    with pytest.raises(ConfigError, match=rf"^{dotenv}: line 4: duplicate variable 'BANDSAW_MODBUS__PORT' "
                                          r"\(first given on line 2\)$"):
        load_settings(SHIPPED, env={}, env_file=dotenv)
    dotenv.write_text("BANDSAW_MODBUS__PORT=1502\nPOSTGRES_PASSWORD=x\n")
    assert load_settings(SHIPPED, env={}, env_file=dotenv).modbus.port == 1502


def test_cli_duplicate_in_environment_value_rc2_one_line() -> None:
    line = one_config_error(bandsaw("config", "check", env={"BANDSAW_CONTROL__PRESETS": '{"slow": {}, "slow": {}}'}))
    assert line.startswith("bandsaw: configuration error: variable BANDSAW_CONTROL__PRESETS: duplicate key 'slow'")


def test_config_check_names_a_model_the_register_map_cannot_feed(tmp_path: Path) -> None:
    # A map without material_type passed `config check`; the engine then refused the model.
    data = yaml.safe_load(SHIPPED_MAP.read_text())
    data["registers"] = [r for r in data["registers"] if r["name"] not in ("material_type", "cross_section")]
    reduced = tmp_path / "registers.yaml"
    reduced.write_text(yaml.safe_dump(data, sort_keys=False))
    result = bandsaw("config", "check", env={"BANDSAW_MODBUS__REGISTER_MAP": str(reduced)})
    assert result.returncode == 0, result.stderr
    assert "Traceback" not in result.stderr
    # The shipped chip policy reads the grade code (a known grade's own chip window) and the
    # section shape: both are named.
    assert result.stderr.strip() == ("bandsaw: warning: the ML model will be refused: "
                                     "features not in the register map: material_type, cross_section")
    assert ("(REFUSED: features not in the register map: material_type, cross_section; ML speed control "
            "unavailable)") in result.stdout
    missing = bandsaw("config", "check", env={"BANDSAW_ML__MODEL_PATH": str(tmp_path / "nope")})
    assert f"the ML model will be refused: {tmp_path / 'nope.json'}: manifest not found" in missing.stderr
    fine = bandsaw("config", "check")
    assert fine.returncode == 0 and fine.stderr == "", fine.stderr
    assert "REFUSED" not in fine.stdout


# --- true/false for a number; case variants and garbage in the environment and .env ----------


@pytest.mark.parametrize(("text", "key"), [
    ("modbus: {port: true}\n", "modbus.port = True"),
    ("modbus: {timeout_s: false}\n", "modbus.timeout_s = False"),
    ("machine: {id: true}\n", "machine.id = True"),  # int | None
    ("ml: {current_polynomial: [0.1, true, 1]}\n", "ml.current_polynomial = [0.1, True, 1]"),
    ("control: {presets: {slow: {cutting_speed: true, descent_speed: 20}}}\n", "control.presets.slow.cutting_speed"),
    ("hmi: {bars: {band_current: {maximum: 100, normal: [true, 50]}}}\n", "hmi.bars.band_current.normal"),
    ("security: {lockout_after_failures: true}\n", "security.lockout_after_failures = True"),
    ("analysis: {band_life: {min_cuts: true}}\n", "analysis.band_life.min_cuts = True"),
    ("database: {postgresql: {port: true}}\n", "database.postgresql.port = True"),
])
def test_a_boolean_is_not_a_number(tmp_path: Path, text: str, key: str) -> None:
    # `port: true` was read as port 1 (bool is an int in Python; pydantic's lax mode takes it).
    config = tmp_path / "c.yaml"
    config.write_text(text)
    with pytest.raises(ConfigError) as caught:
        load_settings(config, env={}, env_file=tmp_path / "none")
    assert f"{config}: {key}" in str(caught.value)
    assert "a number is required, not true/false" in str(caught.value)


def test_every_section_refuses_a_boolean_for_a_number() -> None:
    # Every model under Settings has the rule (the parts' own settings modules included).
    from pydantic import BaseModel

    from core.config import Settings
    from core.config_sources import SettingsSection

    def models(annotation: Any) -> list[type[BaseModel]]:
        if isinstance(annotation, type) and issubclass(annotation, BaseModel):
            return [annotation]
        return [m for arg in getattr(annotation, "__args__", ()) for m in models(arg)]

    seen: set[type[BaseModel]] = set()
    todo = [m for f in Settings.model_fields.values() for m in models(f.annotation)]
    while todo:
        model = todo.pop()
        if model in seen:
            continue
        seen.add(model)
        assert issubclass(model, SettingsSection), model
        todo += [m for f in model.model_fields.values() for m in models(f.annotation)]
    assert len(seen) > 20
    # Booleans stay booleans; numbers from the environment (text) still count.
    settings = load_settings(SHIPPED, env={"BANDSAW_MODBUS__PORT": "600", "BANDSAW_HMI__KIOSK": "true"},
                             env_file=Path("/nonexistent/.env"))
    assert settings.modbus.port == 600 and settings.hmi.kiosk is True


def test_case_variants_of_a_variable_in_the_environment_are_refused(tmp_path: Path) -> None:
    # BANDSAW_MODBUS__PORT=600 and bandsaw_modbus__port=700: one won silently (700).
    env = {"BANDSAW_MODBUS__PORT": "600", "bandsaw_modbus__port": "700"}
    with pytest.raises(ConfigError, match=r"^environment: variables BANDSAW_MODBUS__PORT and bandsaw_modbus__port "
                                          r"both set modbus.port; set only one$"):
        load_settings(SHIPPED, env=env, env_file=tmp_path / "none.env")
    line = one_config_error(bandsaw("config", "check", env=env))
    assert line == ("bandsaw: configuration error: environment: variables BANDSAW_MODBUS__PORT and "
                    "bandsaw_modbus__port both set modbus.port; set only one")


def test_case_variants_and_garbage_in_dotenv_are_refused_with_the_line(tmp_path: Path) -> None:
    dotenv = tmp_path / ".env"
    dotenv.write_text("BANDSAW_MODBUS__PORT=1502\n\n# a comment\nbandsaw_modbus__port=2502\n")
    with pytest.raises(ConfigError, match=rf"^{dotenv}: line 4: duplicate variable 'bandsaw_modbus__port' "
                                          r"\(first given on line 1 as 'BANDSAW_MODBUS__PORT'\)$"):
        load_settings(SHIPPED, env={}, env_file=dotenv)
    dotenv.write_text("BANDSAW_MODBUS__PORT=1502\n\nthis is not an env line\nPOSTGRES_PASSWORD=x\n")
    with pytest.raises(ConfigError, match=rf"^{dotenv}: line 3: not a variable \(NAME=value\): "
                                          r"'this is not an env line'$"):
        load_settings(SHIPPED, env={}, env_file=dotenv)
    line = one_config_error(bandsaw("config", "check", cwd=tmp_path, env={"BANDSAW_CONFIG": str(SHIPPED)}))
    assert line.endswith(f"{dotenv}: line 3: not a variable (NAME=value): 'this is not an env line'"), line
    # Comments, blank lines, `export` and a bare name are still fine.
    dotenv.write_text("# c\n\nexport BANDSAW_MODBUS__PORT=1502\n  \nPOSTGRES_PASSWORD=x\n")
    assert load_settings(SHIPPED, env={}, env_file=dotenv).modbus.port == 1502
