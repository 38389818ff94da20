"""Where a setting comes from: config.yaml, a .env file, the environment, the legacy names.

:func:`core.config.load_settings` reads the layers with these functions, merges them in order
and, when the merged result does not validate, names with :func:`describe_error` the layer that
set the bad value (the file, or the variable: ``BANDSAW_<SECTION>__<KEY>`` or a legacy name such
as DATABASE_URL), the key, the value (secrets masked) and what is allowed. A YAML key or a .env
variable given twice is refused, never silently resolved.
"""

from __future__ import annotations

import types
from collections.abc import Mapping
from pathlib import Path
from typing import Any, Literal, Union, get_args, get_origin

import yaml
from dotenv import dotenv_values
from dotenv.parser import parse_stream
from pydantic import BaseModel, ConfigDict, ValidationError, ValidationInfo, field_validator
from pydantic.fields import FieldInfo

from core.paths import CONFIG_DIR_ENV, CONFIG_ENV
from core.yaml_strict import DuplicateKeyError, load_yaml, yaml_error_text

ENV_PREFIX = "BANDSAW_"
NESTED_DELIMITER = "__"


class ConfigError(Exception):
    """A configuration problem, described in one line fit for an operator's console."""


# --- the sections' common rules ------------------------------------------------------------

class SettingsSection(BaseModel):
    """The base of every settings section (core.config and the parts' own settings modules).

    Unknown keys are typos until proven otherwise: rejected with the key named. NaN and infinity
    pass every range check silently (all comparisons are false): refused. A boolean where a
    number belongs is refused: pydantic reads ``port: true`` as 1 (bool is an int in Python).
    """

    model_config = ConfigDict(extra="forbid", validate_assignment=True, allow_inf_nan=False)

    @field_validator("*", mode="before")
    @classmethod
    def _no_boolean_numbers(cls, value: Any, info: ValidationInfo) -> Any:
        field = cls.model_fields.get(info.field_name or "")
        if field is not None and _boolean_for_number(field.annotation, value):
            raise ValueError("a number is required, not true/false")
        return value


def _boolean_for_number(annotation: Any, value: Any) -> bool:
    """Whether ``value`` holds a bool where ``annotation`` wants an int or float (also inside
    lists, tuples and mappings: ml.current_polynomial, hmi.bars' normal range)."""
    origin = get_origin(annotation)
    args = get_args(annotation)
    if origin in (Union, types.UnionType):
        if bool in args:  # the union takes true/false itself
            return False
        return any(_boolean_for_number(arg, value) for arg in args)
    if origin is Literal:
        return False
    if annotation in (int, float):
        return isinstance(value, bool)
    if origin in (list, tuple, set, frozenset) and isinstance(value, list | tuple):
        if origin is tuple and args and args[-1] is not Ellipsis:
            return any(_boolean_for_number(arg, item) for arg, item in zip(args, value, strict=False))
        return bool(args) and any(_boolean_for_number(args[0], item) for item in value)
    if origin is dict and isinstance(value, dict) and len(args) == 2:
        return any(_boolean_for_number(args[1], item) for item in value.values())
    return False


# --- legacy environment names --------------------------------------------------------------

_LEGACY_NAMES: dict[str, tuple[str, ...]] = {
    "DATABASE_URL": ("database", "postgresql", "url"),
    "POSTGRES_HOST": ("database", "postgresql", "host"),
    "POSTGRES_PORT": ("database", "postgresql", "port"),
    "POSTGRES_DB": ("database", "postgresql", "database"),
    "POSTGRES_USER": ("database", "postgresql", "user"),
    "POSTGRES_PASSWORD": ("database", "postgresql", "password"),
    "TB_ACCESS_TOKEN": ("iot", "thingsboard", "access_token"),
    "TB_MQTT_BROKER": ("iot", "thingsboard", "host"),
    "TB_MQTT_PORT": ("iot", "thingsboard", "port"),
}
LEGACY_ENV_NAMES: tuple[str, ...] = tuple(_LEGACY_NAMES)


def _set_nested(target: dict[str, Any], keys: tuple[str, ...], value: Any) -> None:
    for key in keys[:-1]:
        child = target.get(key)
        if not isinstance(child, dict):
            child = {}
            target[key] = child
        target = child
    target[keys[-1]] = value


def deep_merge(base: dict[str, Any], override: Mapping[str, Any]) -> dict[str, Any]:
    merged = dict(base)
    for key, value in override.items():
        if isinstance(value, Mapping) and isinstance(merged.get(key), dict):
            merged[key] = deep_merge(merged[key], value)
        else:
            merged[key] = value
    return merged


def env_to_nested(env: Mapping[str, str | None], source: str = "environment") -> dict[str, Any]:
    """BANDSAW_A__B=... variables as a nested dict (lower-cased keys). Two variables that differ
    only in case (BANDSAW_MODBUS__PORT, bandsaw_modbus__port) set the same key: refused, as
    a variable given twice in .env is (which one would win depends on the order of the
    environment)."""
    nested: dict[str, Any] = {}
    seen: dict[str, str] = {}
    for name, value in env.items():
        if name.upper().startswith(ENV_PREFIX) and value is not None:
            other = seen.setdefault(name.upper(), name)
            if other != name:
                first, second = sorted((other, name))
                raise ConfigError(f"{source}: variables {first} and {second} both set "
                                  f"{name[len(ENV_PREFIX):].lower().replace(NESTED_DELIMITER, '.')}; "
                                  f"set only one")
        if value is None or not name.upper().startswith(ENV_PREFIX):
            continue
        if name.upper() in (CONFIG_ENV, CONFIG_DIR_ENV):  # read by core.paths, not settings
            continue
        keys = tuple(part.lower() for part in name[len(ENV_PREFIX):].split(NESTED_DELIMITER))
        if all(keys):
            _set_nested(nested, keys, _parse_env_value(value, name))
    return nested


def _parse_env_value(value: str, name: str = "") -> Any:
    # Lists and objects may be given as JSON/YAML flow ("[a, b]"); scalars stay strings so
    # pydantic reports a bad one with its own message.
    stripped = value.strip()
    if stripped.startswith(("[", "{")):
        try:
            return load_yaml(stripped)  # refuses {"port": 1, "port": 2} (the last would win)
        except DuplicateKeyError as exc:
            raise ConfigError(f"variable {name}: {exc.problem} in its value") from None
        except yaml.YAMLError:
            return value
    return value


def legacy_to_nested(env: Mapping[str, str | None]) -> dict[str, Any]:
    nested: dict[str, Any] = {}
    for name, keys in _LEGACY_NAMES.items():
        value = env.get(name)
        if value not in (None, ""):
            _set_nested(nested, keys, value)
    return nested


# --- files ---------------------------------------------------------------------------------

def read_yaml(path: Path) -> dict[str, Any]:
    try:
        text = path.read_text(encoding="utf-8")
    except FileNotFoundError:
        raise ConfigError(f"{path}: file not found") from None
    except OSError as exc:
        raise ConfigError(f"{path}: cannot read: {exc.strerror}") from None
    try:
        data = load_yaml(text)
    except yaml.YAMLError as exc:
        raise ConfigError(f"{path}:{yaml_error_text(exc)}") from None
    if data is None:
        return {}
    if not isinstance(data, dict):
        raise ConfigError(f"{path}: the top level must be a mapping of sections, not {type(data).__name__}")
    return data


def read_dotenv(path: Path) -> dict[str, str | None]:
    """The .env file's variables. Refused with the line named: a line that is not a variable
    (python-dotenv skips it silently) and a variable given twice (python-dotenv keeps the last),
    ``BANDSAW_`` names compared without case as the settings read them."""
    try:
        with path.open(encoding="utf-8") as stream:
            first: dict[str, tuple[str, int]] = {}
            for binding in parse_stream(stream):
                line = _line_of(binding.original.string, binding.original.line)
                if binding.error:
                    text = binding.original.string.strip().splitlines()[0] if binding.original.string.strip() else ""
                    raise ConfigError(f"{path}: line {line}: not a variable (NAME=value): {text[:60]!r}")
                if binding.key is None:
                    continue
                key = binding.key.upper() if binding.key.upper().startswith(ENV_PREFIX) else binding.key
                if key in first:
                    earlier, earlier_line = first[key]
                    spelt = "" if earlier == binding.key else f" as '{earlier}'"
                    raise ConfigError(f"{path}: line {line}: duplicate variable "
                                      f"'{binding.key}' (first given on line {earlier_line}{spelt})")
                first[key] = (binding.key, line)
    except OSError as exc:
        raise ConfigError(f"{path}: cannot read: {exc.strerror or exc}") from None
    except UnicodeDecodeError as exc:
        raise ConfigError(f"{path}: not UTF-8 text: {exc.reason}") from None
    return dict(dotenv_values(path))


def _line_of(text: str, line: int) -> int:
    """The line a binding's text starts on: python-dotenv counts from the blank lines before it."""
    return line + text[: len(text) - len(text.lstrip())].count("\n")


def _lookup(data: Any, loc: tuple[int | str, ...]) -> tuple[bool, Any]:
    for key in loc:
        if isinstance(data, dict) and key in data:
            data = data[key]
        elif isinstance(data, list) and isinstance(key, int) and 0 <= key < len(data):
            data = data[key]
        else:
            return False, None
    return True, data


def describe_error(
    exc: ValidationError,
    layers: list[tuple[str, dict[str, Any]]],
    environ: Mapping[str, str],
    dotenv_path: Path | None,
    root: type[BaseModel],
) -> str:
    """One line: the layer that set the bad value (and its variable name), the key, the value
    (secrets masked), what is allowed; ``root`` is the settings model (for the allowed keys)."""
    error = exc.errors()[0]
    loc = tuple(part for part in error["loc"] if part != "__root__")
    key = ".".join(str(part) for part in loc) or "(top level)"
    source = "defaults"
    shown_value: Any = error.get("input")
    # The last layer that set this key is the one to blame.
    for name, data in reversed(layers):
        found, value = _lookup(data, loc)
        if found:
            source = name
            shown_value = value
            if name.startswith("environment") or (dotenv_path and name.startswith(str(dotenv_path))):
                source = f"{name} {_env_name_for(loc, name)}"
            break
    secret = any(part in {"password", "access_token", "url"} for part in map(str, loc))
    value_text = "********" if secret else repr(shown_value)
    if isinstance(shown_value, dict) and error["type"] not in ("model_type", "dict_type"):
        value_text = "(section)"
    allowed = _allowed_text(error, loc, root)
    extra_errors = len(exc.errors()) - 1
    more = f" (and {extra_errors} more problem{'s' if extra_errors > 1 else ''})" if extra_errors else ""
    return f"{source}: {key} = {value_text}: {allowed}{more}"


def _env_name_for(loc: tuple[int | str, ...], layer: str) -> str:
    if "legacy" in layer:
        for name, keys in _LEGACY_NAMES.items():
            if keys == tuple(map(str, loc)):
                return name
    return ENV_PREFIX + NESTED_DELIMITER.join(str(part).upper() for part in loc)


def _allowed_text(error: Mapping[str, Any], loc: tuple[int | str, ...], root: type[BaseModel]) -> str:
    kind = error["type"]
    if kind == "extra_forbidden":
        section_loc = loc[:-1]
        names = _field_names(root, section_loc)
        return f"unknown key; allowed here: {', '.join(names)}" if names else "unknown key"
    if kind == "finite_number":
        return "not a number (NaN and infinity are not allowed here)"
    message = str(error["msg"])
    if message.startswith("Value error, "):
        message = message[len("Value error, "):]
    return message


def _field_names(root: type[BaseModel], section_loc: tuple[int | str, ...]) -> list[str]:
    model: type[BaseModel] | None = root
    for part in section_loc:
        if model is None:
            return []
        field: FieldInfo | None = model.model_fields.get(str(part))
        annotation = field.annotation if field is not None else None
        model = annotation if isinstance(annotation, type) and issubclass(annotation, BaseModel) else None
    if model is None:
        return []
    return [name for name, info in model.model_fields.items() if not info.exclude]
