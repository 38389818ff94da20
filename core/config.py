"""Typed settings: config/config.yaml < .env < environment variables.

Any key can be overridden as ``BANDSAW_<SECTION>__<KEY>`` (nested with ``__``). Which config.yaml is read and
where data and logs go by default (source checkout, user or system install) is core.paths' job.
The names of
the system this replaces (DATABASE_URL, POSTGRES_*, TB_ACCESS_TOKEN, TB_MQTT_BROKER,
TB_MQTT_PORT) keep working; an explicit ``BANDSAW_...`` variable wins over them.
A bad value raises :class:`ConfigError` carrying one line that names the source, the key,
the value and what is allowed. Reading the layers and naming a bad value's source is
core.config_sources' job; the sections and their checks are here (or in the part they configure).
"""

from __future__ import annotations

import math
import os
from collections.abc import Mapping
from enum import StrEnum
from pathlib import Path
from typing import Any, Literal
from urllib.parse import parse_qs, urlsplit
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from pydantic import (
    Field,
    PrivateAttr,
    SecretStr,
    ValidationError,
    field_validator,
    model_validator,
)
from pydantic_settings import BaseSettings, PydanticBaseSettingsSource, SettingsConfigDict

from core.analysis.settings import AnalysisSettings
from core.config_sources import (
    ENV_PREFIX,
    NESTED_DELIMITER,
    ConfigError,
    SettingsSection,
    deep_merge,
    describe_error,
    env_to_nested,
    legacy_to_nested,
    read_dotenv,
    read_yaml,
)
from core.paths import (
    CHECKOUT,
    CONFIG_ENV,
    PROJECT_ROOT,
    ConfigChoice,
    Locations,
    checkout_locations,
    choose_config,
    packaged,
    user_locations,
)
from core.production.settings import ProductionSettings
from core.security.settings import SecuritySettings

__all__ = [
    "CONFIG_ENV", "DEFAULT_CONFIG_PATH", "PROJECT_ROOT", "ConfigError", "Settings", "load_settings", "resource_path",
]

DEFAULT_CONFIG_PATH = packaged("config", "config.yaml")
DEFAULT_MODEL = Path("models/default")  # ml.model_path: relative to the data directory


class _Section(SettingsSection):
    # Unknown keys, NaN/infinity and true/false for a number are refused (SettingsSection).
    pass


class MachineSettings(_Section):
    # None: take the machine id from the PLC (register machine_id); set it to override.
    id: int | None = Field(default=None, ge=0, le=65535)
    name: str = "bandsaw"
    # IANA zone of the saw's local clock (e.g. Europe/Istanbul); "" = the system's zone. Used to
    # place local-time text (the older system's databases) on the UTC time line.
    time_zone: str = ""

    @field_validator("time_zone")
    @classmethod
    def _known_zone(cls, value: str) -> str:
        if value and value.lower() != "local":
            try:
                ZoneInfo(value)
            except (ZoneInfoNotFoundError, ValueError):
                raise ValueError(
                    f"unknown time zone {value!r} (an IANA name such as Europe/Istanbul, or empty)"
                ) from None
        return value


class ModbusSettings(_Section):
    host: str = "127.0.0.1"
    port: int = Field(default=502, ge=1, le=65535)
    device_id: int = Field(default=1, ge=0, le=247)
    timeout_s: float = Field(default=1.0, gt=0, le=60)
    retries: int = Field(default=3, ge=0, le=20)
    retry_delay_s: float = Field(default=1.0, ge=0, le=60)
    reconnect_backoff_max_s: float = Field(default=10.0, gt=0, le=600)
    read_rate_hz: float = Field(default=10.0, gt=0, le=100)
    write_rate_hz: float = Field(default=2.0, gt=0, le=50)
    rate_alarm_floor_hz: float = Field(default=8.0, ge=0)
    rate_alarm_delay_s: float = Field(default=10.0, ge=0)
    heartbeat_period_s: float = Field(default=1.0, gt=0, le=60)
    # Holes up to this many registers are read through to save a request.
    max_block_gap: int = Field(default=20, ge=0, le=124)
    # None: registers.yaml beside the config file in effect, else the packaged default map.
    register_map: Path | None = None
    # Link health (issue 16): how long exception answers, missing registers or "connected but no
    # data" last before their alarm (priorities: analysis.alarms.priorities); how often a refused
    # port is probed again (backoff applies only to connects that time out).
    data_alarm_delay_s: float = Field(default=3.0, ge=0, le=600)
    refused_probe_s: float = Field(default=0.5, gt=0, le=1.0)

    @model_validator(mode="after")
    def _floor_below_rate(self) -> ModbusSettings:
        if self.rate_alarm_floor_hz > self.read_rate_hz:
            raise ValueError(
                f"rate_alarm_floor_hz ({self.rate_alarm_floor_hz}) must not exceed "
                f"read_rate_hz ({self.read_rate_hz})"
            )
        return self


class PathSettings(_Section):
    # None: the place for how the program runs (core.paths: ./data and ./logs of a checkout, the
    # user's or the system's directories when installed). logs_dir None with data_dir set: DATA/logs.
    data_dir: Path | None = None
    logs_dir: Path | None = None
    # Where the screen's exports go and its file dialogs start (a USB stick mount, a share); the
    # kiosk's file picker offers this folder and removable media. None: DATA/exports.
    export_dir: Path | None = None

    @field_validator("data_dir", "logs_dir", "export_dir", mode="before")
    @classmethod
    def _empty_is_default(cls, value: Any) -> Any:
        # BANDSAW_PATHS__DATA_DIR= (set but empty) means the default, not "." (the checkout's root).
        return None if isinstance(value, str) and not value.strip() else value


class Synchronous(StrEnum):
    OFF = "OFF"
    NORMAL = "NORMAL"
    FULL = "FULL"


class SqliteSettings(_Section):
    batch_rows: int = Field(default=10, ge=1, le=100_000)
    batch_ms: int = Field(default=1000, ge=1, le=60_000)
    # NORMAL in WAL mode: a power cut can lose the last committed batches but never corrupts;
    # FULL fsyncs every commit (durable, slower); OFF trusts the OS cache (fastest, riskiest).
    synchronous: Synchronous = Synchronous.NORMAL
    retention_days: int = Field(default=30, ge=1)
    # Rows waiting for the writer beyond which producers are told and an alarm is raised.
    backpressure_rows: int = Field(default=5000, ge=10)
    disk_free_floor_mb: int = Field(default=500, ge=0)
    # Daily backup (core.storage.backup) at backup_time, local time HH:MM, gzip level 1-9, into
    # <data_dir>/databases/daily/; backups older than retention_days are deleted (the newest stays).
    backup_enabled: bool = True
    backup_time: str = Field(default="03:00", pattern=r"^([01][0-9]|2[0-3]):[0-5][0-9]$")
    backup_gzip_level: int = Field(default=6, ge=1, le=9)
    # raw.db keeps this many days of samples; older ones move to databases/archive/raw-YYYY-MM.db
    # after the daily backup. 0 keeps everything in raw.db.
    archive_live_days: int = Field(default=7, ge=0)
    # A stop has this long (SIGTERM ends within 20 s whatever the disk does: the service unit's
    # TimeoutStopSec stays above it). Rows not written by then are spilled to a journal in
    # spill_dir (best on another file system) or <data_dir>-spill, and replayed at the next start.
    stop_timeout_s: float = Field(default=18.0, gt=0, le=300)
    spill_dir: Path | None = None


def postgres_url_problem(url: str) -> str | None:
    """What is wrong with a PostgreSQL URL (never quoting its password), or None."""
    shape = "postgresql://USER:PASSWORD@HOST:PORT/DATABASE"
    try:
        parts = urlsplit(url)
        port = parts.port
    except ValueError as exc:
        return f"not a valid URL ({exc}); expected {shape}"
    if parts.scheme not in ("postgresql", "postgres"):
        got = f"'{parts.scheme}://'" if parts.scheme and "://" in url else "no scheme"
        return f"the scheme must be postgresql:// or postgres://, got {got}; expected {shape}"
    query = parse_qs(parts.query)
    if not parts.hostname and not query.get("host"):
        return f"no host; expected {shape}"
    if port is not None and port == 0:
        return "port 0 is not a port (1-65535)"
    if not parts.path.strip("/") and not query.get("dbname"):
        return f"no database name; expected {shape}"
    return None


_HOST = r"^[A-Za-z0-9_.:\[\]%-]+$"  # a name, IPv4 or IPv6 address (no spaces, slashes or '@')


class PostgresSettings(_Section):
    enabled: bool = False
    url: SecretStr | None = None
    host: str = Field(default="127.0.0.1", pattern=_HOST)
    port: int = Field(default=5432, ge=1, le=65535)
    database: str = Field(default="bandsaw", min_length=1)
    user: str = "bandsaw"
    password: SecretStr = SecretStr("")
    pool_min: int = Field(default=2, ge=1, le=100)
    pool_max: int = Field(default=10, ge=1, le=100)
    command_timeout_s: float = Field(default=30.0, gt=0)
    batch_rows: int = Field(default=5000, ge=1, le=1_000_000)
    interval_s: float = Field(default=1.0, gt=0)
    retry_backoff_max_s: float = Field(default=30.0, gt=0)
    down_alarm_after_s: float = Field(default=60.0, ge=0)

    @field_validator("url", mode="before")
    @classmethod
    def _empty_url_is_unset(cls, value: Any) -> Any:
        return None if value in ("", None) else value

    @field_validator("url")
    @classmethod
    def _url_shape(cls, value: SecretStr | None) -> SecretStr | None:
        if value is not None and (problem := postgres_url_problem(value.get_secret_value())):
            raise ValueError(problem)
        return value

    @model_validator(mode="after")
    def _pool_order(self) -> PostgresSettings:
        if self.pool_min > self.pool_max:
            raise ValueError(f"pool_min ({self.pool_min}) must not exceed pool_max ({self.pool_max})")
        return self


class DatabaseSettings(_Section):
    sqlite: SqliteSettings = SqliteSettings()
    postgresql: PostgresSettings = PostgresSettings()


class ThingsBoardSettings(_Section):
    enabled: bool = False
    host: str = "127.0.0.1"
    port: int = Field(default=1883, ge=1, le=65535)
    access_token: SecretStr = SecretStr("")
    client_id: str | None = None
    keepalive_s: int = Field(default=60, ge=5, le=3600)
    tls: bool = False
    ca_file: Path | None = None
    cert_file: Path | None = None
    key_file: Path | None = None
    record_rate_hz: float = Field(default=1.0, gt=0, le=10)
    batch_records: int = Field(default=10, ge=1, le=10_000)
    batch_interval_s: float = Field(default=5.0, gt=0, le=3600)
    reconnect_backoff_max_s: float = Field(default=60.0, gt=0)
    stop_timeout_s: float = Field(default=5.0, ge=0)
    outbox_max_mb: float = Field(default=512.0, gt=0)
    outbox_max_age_h: float = Field(default=168.0, gt=0)
    down_alarm_after_s: float = Field(default=60.0, ge=0)
    # Backlog drain: records per message and the message size ThingsBoard accepts (its MQTT
    # transport's default limit is 64 KiB); QoS 1 messages awaiting PUBACK at once.
    drain_batch_records: int = Field(default=100, ge=1, le=10_000)
    max_message_bytes: int = Field(default=60_000, ge=1024, le=16_000_000)
    max_inflight_messages: int = Field(default=20, ge=1, le=1000)
    # Drain no faster than this (records/s; 0 = as fast as the broker acks) to leave the saw
    # PC's CPU to acquisition; a 24 h backlog at 1 Hz then drains in under 10 s.
    drain_max_records_per_s: float = Field(default=10_000.0, ge=0)
    fields: list[str] = Field(
        default_factory=lambda: [
            "band_current", "band_torque", "descent_current", "descent_torque",
            "cutting_speed", "cutting_speed_actual", "descent_speed", "descent_speed_actual",
            "head_height", "band_deviation", "band_tension", "vice_pressure",
            "ambient_temp", "coolant_temp", "hydraulic_temp", "humidity",
            "vibration_x", "vibration_y", "vibration_z",
            "vibration_x_freq", "vibration_y_freq", "vibration_z_freq",
            "saw_state", "alarm_status", "cut_count",
        ]
    )


    # Telemetry keys: "native" (register names), "smart-saw" (the older system's keys, so its
    # dashboards keep working) or a mapping {field: key}; fields left out keep their name.
    key_map: Literal["native", "smart-saw"] | dict[str, str] = "native"
    # Client attribute keys likewise: "native" (machineId, bandId, ...), "smart-saw" or a mapping.
    attribute_key_map: Literal["native", "smart-saw"] | dict[str, str] = "native"
    # mqtt, or http (POST /api/v1/<token>/telemetry) for servers reachable only over HTTP.
    # For http, port is the HTTP port and tls selects https.
    transport: Literal["mqtt", "http"] = "mqtt"
    http_timeout_s: float = Field(default=10.0, gt=0, le=300)

    @model_validator(mode="after")
    def _http_port(self) -> ThingsBoardSettings:
        if self.enabled and self.transport == "http" and self.port in (1883, 8883):
            raise ValueError(
                f"port {self.port} is an MQTT port; transport http needs ThingsBoard's HTTP port "
                "(e.g. 8080, or 443 with tls: true)"
            )
        return self


class IotSettings(_Section):
    thingsboard: ThingsBoardSettings = ThingsBoardSettings()


class SpeedPreset(_Section):
    cutting_speed: float = Field(gt=0, description="m/min")
    descent_speed: float = Field(gt=0, description="mm/min")
    # The name shown on the screen, per language ({en: Slow, tr: Yavaş}); a language left out shows
    # the shipped name (slow, normal, fast) in the screen's language, else the key capitalised.
    label: dict[str, str] = Field(default_factory=dict)


class TorqueGuardSettings(_Section):
    enabled: bool = True
    activation_delay_s: float = Field(default=5.0, ge=0)
    activation_descent_mm: float = Field(default=2.5, ge=0)
    lookback_mm: float = Field(default=2.5, gt=0)
    rise_threshold_pct: float = Field(default=40.0, gt=0)
    descent_cut_pct: float = Field(default=25.0, gt=0, lt=100)
    # Percentage points above the free-running band torque that count as engaged in the
    # material; the reference torque must be engaged too (no trips on a round bar's entry).
    min_reference_torque_pct: float = Field(default=10.0, ge=0)


class ControlSettings(_Section):
    default_mode: Literal["manual", "ml"] = "manual"
    rate_hz: float = Field(default=5.0, gt=0, le=20)
    presets: dict[str, SpeedPreset] = Field(
        default_factory=lambda: {
            "slow": SpeedPreset(cutting_speed=50, descent_speed=20),
            "normal": SpeedPreset(cutting_speed=70, descent_speed=30),
            "fast": SpeedPreset(cutting_speed=90, descent_speed=40),
        }
    )
    # Speed limits, the tighter of these and the register map's. The defaults are the reference
    # system's (40-90 m/min, 10-60 mm/min) and bind ML's writes; a value set in the config binds
    # people's writes too (see :meth:`people_limit`). null: ML keeps to the reference defaults,
    # people to the map (what an unset key meant before these defaults).
    cutting_speed_min: float | None = 40.0
    cutting_speed_max: float | None = 90.0
    descent_speed_min: float | None = 10.0
    descent_speed_max: float | None = 60.0
    stale_after_periods: float = Field(default=2.0, gt=0)
    # Nothing is written on data older than stale_after_periods; ML mode ends (fault, back to the
    # operator's speeds) once the newest sample stays that old for this long. One late poll on a
    # busy PC must not throw the operator out of ML mode.
    stale_fault_after_s: float = Field(default=1.0, ge=0)
    initial_delay_min_s: float = Field(default=5.0, ge=0)
    initial_descent_mm: float = Field(default=25.0, ge=0)
    write_threshold_descent: float = Field(default=1.0, gt=0)
    write_threshold_cutting: float = Field(default=0.9, gt=0)
    global_factor: float = Field(default=1.0, ge=0, le=10)
    restore_speeds_after_cut: bool = True
    torque_guard: TorqueGuardSettings = TorqueGuardSettings()
    # Absolute load ceiling, below the PLC's own overload trip (the simulator's: 120 % for 2 s):
    # above it ML cuts the descent at once; still above after ceiling_end_after_s, ML ends.
    torque_ceiling_pct: float = Field(default=100.0, gt=0, le=300)
    current_ceiling_a: float | None = Field(default=None, gt=0)
    ceiling_descent_cut_pct: float = Field(default=25.0, gt=0, lt=100)
    ceiling_end_after_s: float = Field(default=1.5, ge=0)
    # Operator changes to the speeds during one cut (PLC panel or HMI) after which ML pauses for that cut.
    max_overrides_per_cut: int = Field(default=3, ge=1)

    def people_limit(self, key: str) -> float | None:
        """``<register>_min/_max`` for every write (people's too): only where the config sets it."""
        value = getattr(self, key, None)
        return float(value) if key in self.model_fields_set and isinstance(value, int | float) else None

    def ml_limit(self, key: str) -> float | None:
        """``<register>_min/_max`` for ML's writes: the configured value, else the reference default."""
        value = getattr(self, key, None)
        if isinstance(value, int | float):
            return float(value)
        default = type(self).model_fields.get(key)
        return float(default.default) if default is not None and isinstance(default.default, int | float) else None


class MlSettings(_Section):
    # Relative: inside the data directory; the default falls back to the packaged model until one
    # is trained or copied there. None: no model (ML mode refuses to start).
    model_path: Path | None = DEFAULT_MODEL
    averaging_samples: int = Field(default=3, ge=1, le=100)
    current_polynomial: tuple[float, float, float] = (0.015, -0.278, 15.656)
    # Inputs this far outside the training ranges (percent of each range's span) are "outside
    # the model's experience": ML holds the speeds.
    envelope_margin_pct: float = Field(default=5.0, ge=0, le=100)


class CostSettings(_Section):
    """What a cut costs, the objective of ML speed control and its evaluation (issue #14)."""

    machine_rate_per_hour: float = Field(default=60.0, gt=0, description="machine and operator time, per hour")
    band_price: float = Field(default=80.0, gt=0, description="one band, fitted")
    currency: str = Field(default="EUR", min_length=1, max_length=8)


class LogLevel(StrEnum):
    DEBUG = "DEBUG"
    INFO = "INFO"
    WARNING = "WARNING"
    ERROR = "ERROR"
    CRITICAL = "CRITICAL"


class LoggingSettings(_Section):
    level: LogLevel = LogLevel.INFO
    console_level: LogLevel = LogLevel.INFO
    max_bytes: int = Field(default=10 * 1024 * 1024, ge=1024)
    backup_count: int = Field(default=5, ge=0, le=100)


class BarSettings(_Section):
    """An analog bar on the overview: its range and the marks the operator reads it against."""

    minimum: float = 0.0
    # Left out: band_current's is derived (:func:`derive_current_bar`); every other bar must set it.
    maximum: float = Field(default=0.0, ge=0)
    normal: tuple[float, float] | None = None  # the range a healthy cut stays in
    # Protective action starts at this level: by default ML's load ceiling (control.torque_ceiling_pct,
    # the current at it), where ML cuts the descent at once. The torque guard has no level: it acts on a
    # rise (control.torque_guard.rise_threshold_pct within lookback_mm) wherever the torque stands.
    guard: float | None = None
    overload: float | None = None  # the saw trips here; an alarm stands behind it (PLC bit, current alarm)

    @property
    def has_maximum(self) -> bool:
        return "maximum" in self.model_fields_set

    @model_validator(mode="after")
    def _ordered(self) -> BarSettings:
        if self.guard is not None and self.overload is not None and self.guard > self.overload:
            raise ValueError(f"guard ({self.guard}) above overload ({self.overload})")
        if self.normal is not None and not self.normal[0] < self.normal[1]:
            raise ValueError(f"normal {list(self.normal)} must be a rising range")
        if not self.has_maximum:
            return self  # checked once the maximum is known (derived or required: HmiSettings)
        marks = [m for m in (self.guard, self.overload) if m is not None]
        if self.minimum >= self.maximum or any(not self.minimum <= m <= self.maximum for m in marks):
            raise ValueError(f"minimum < guard <= overload <= maximum required ({self.minimum} .. {self.maximum})")
        if self.normal is not None and not self.minimum <= self.normal[0] < self.normal[1] <= self.maximum:
            raise ValueError(f"normal {list(self.normal)} must be a rising range inside minimum .. maximum")
        return self


CURRENT_BAR, TORQUE_BAR = "band_current", "band_torque"
_MARKS = ("normal", "guard", "overload")


def polynomial_current(polynomial: tuple[float, float, float], torque_pct: float) -> float:
    """Band current (A) at ``torque_pct`` through ml.current_polynomial (a2*x^2 + a1*x + a0, the law the
    legacy system and the simulator use); never negative."""
    a2, a1, a0 = polynomial
    return max(0.0, a2 * torque_pct**2 + a1 * torque_pct + a0)


def ml_ceiling_marks(control: ControlSettings, polynomial: tuple[float, float, float]) -> dict[str, float]:
    """Where ML's load ceiling acts, by bar: the torque at control.torque_ceiling_pct; the current at
    control.current_ceiling_a where set, else the current at the torque ceiling (ml.current_polynomial,
    whole amperes). ML cuts the descent at once above it (core.control.load_watch)."""
    current = control.current_ceiling_a
    return {TORQUE_BAR: control.torque_ceiling_pct,
            CURRENT_BAR: current if current is not None else
            float(round(polynomial_current(polynomial, control.torque_ceiling_pct)))}


def derive_torque_bar(torque: BarSettings | None, control: ControlSettings) -> BarSettings | None:
    """The torque bar with its guard mark at ML's load ceiling (control.torque_ceiling_pct) where the config
    leaves the guard out: the mark is where a protection acts, from the setting that makes it act (a
    shipped 'guard 100' drew a limit the torque guard, acting on a rise, does not have). A ceiling
    outside the bar's range or above its overload leaves the mark out."""
    if torque is None or "guard" in torque.model_fields_set:
        return torque
    ceiling = control.torque_ceiling_pct
    top = torque.overload if torque.overload is not None else torque.maximum
    if not torque.minimum < ceiling <= top:
        return torque
    return BarSettings.model_validate({**{k: getattr(torque, k) for k in torque.model_fields_set}, "guard": ceiling})


def derive_current_bar(current: BarSettings | None, torque: BarSettings | None,
                       polynomial: tuple[float, float, float], *,
                       ceiling_a: float | None = None) -> BarSettings | None:
    """The band current bar with what the config leaves out taken from the torque bar through the
    current law: normal, guard and overload = f(the torque bar's), in whole amperes as the screen shows
    them; the maximum puts the overload at the same place on the bar as the torque's (both trip marks
    line up), rounded up to 10 A. Marks the config sets (a motor's real rating) are kept; a derived
    mark that would break the order against a kept one is left out. Without a torque bar: ``current``.
    ``ceiling_a`` (control.current_ceiling_a): ML's current ceiling, the guard mark where set."""
    if torque is None:
        return current
    explicit: dict[str, Any] = {} if current is None else {k: getattr(current, k) for k in current.model_fields_set}

    def f(torque_pct: float) -> float:
        return float(round(polynomial_current(polynomial, torque_pct)))

    derived: dict[str, Any] = {
        "normal": None if torque.normal is None else (f(torque.normal[0]), f(torque.normal[1])),
        "guard": ceiling_a if ceiling_a is not None else None if torque.guard is None else f(torque.guard),
        "overload": None if torque.overload is None else f(torque.overload),
    }
    values: dict[str, Any] = {**{k: v for k, v in derived.items() if v is not None}, **explicit}
    guard, overload, normal = values.get("guard"), values.get("overload"), values.get("normal")
    if guard is not None and overload is not None and guard > overload:
        values.pop("guard" if "guard" not in explicit else "overload")
        overload = values.get("overload")
    if "normal" not in explicit and normal is not None and (
            not normal[0] < normal[1] or (overload is not None and normal[1] > overload)):
        values.pop("normal")
    if "maximum" in explicit:
        beyond = [f"{mark} {values[mark]:g} A" for mark in ("guard", "overload")
                  if mark not in explicit and values.get(mark) is not None and values[mark] > explicit["maximum"]]
        if beyond:
            raise ValueError(f"{CURRENT_BAR}: the {' and '.join(beyond)} derived from the {TORQUE_BAR} bar through "
                             f"ml.current_polynomial lie above its maximum {explicit['maximum']:g}: raise the "
                             "maximum, leave it out, or set the current limits")
    else:
        overload = values.get("overload")
        top = overload * torque.maximum / torque.overload if overload is not None and torque.overload else \
            f(torque.maximum)
        marks = [top, *(values[m] for m in ("guard", "overload") if values.get(m) is not None)]
        if values.get("normal") is not None:
            marks.append(values["normal"][1])
        values["maximum"] = float(math.ceil(max(marks) / 10.0) * 10.0)
    return BarSettings.model_validate(values)


def current_bar_warnings(settings: Settings) -> list[str]:
    """Current marks a config sets that disagree with the machine: a current trip below the current at
    the torque guard fires the current alarm on cuts the torque guard allows (an installed config
    from before the marks were derived still says 90 A, where the torque guard's 100 % is 138 A)."""
    bars = settings.hmi.bars
    current, torque = bars.get(CURRENT_BAR), bars.get(TORQUE_BAR)
    if current is None or torque is None or torque.guard is None:
        return []
    at_guard = polynomial_current(settings.ml.current_polynomial, torque.guard)
    return [
        f"hmi.bars.{CURRENT_BAR}.{mark} {value:g} A lies below the band current at the torque guard "
        f"({at_guard:.0f} A at {torque.guard:g} % through ml.current_polynomial): the current alarm and "
        "the screen's marks will fire on cuts the torque guard allows. Leave the current marks out to "
        "derive them, or set the motor's real rating."
        for mark in ("overload", "guard")
        if mark in current.model_fields_set and (value := getattr(current, mark)) is not None
        and value < at_guard * 0.9
    ]


def _default_bars() -> dict[str, BarSettings]:
    # band_current: derived from the torque bar through ml.current_polynomial (Settings), so that its
    # "trip" is the current at the PLC's torque overload and an alarm stands behind it.
    return {
        CURRENT_BAR: BarSettings(),
        # guard: ML's load ceiling, control.torque_ceiling_pct (Settings)
        TORQUE_BAR: BarSettings(maximum=150.0, normal=(10.0, 80.0), overload=120.0),
    }


class HmiSettings(_Section):
    kiosk: bool = False
    stale_after_s: float = Field(default=1.0, gt=0)
    plot_rate_hz: float = Field(default=10.0, gt=0, le=10)
    inactivity_logout_s: float = Field(default=300.0, gt=0)
    # The screen's language (Qt translations in resources/translations); each user's own choice on
    # screen is remembered and wins for that user; `bandsaw hmi --lang` wins over both.
    language: Literal["en", "tr"] = "en"
    # Analog bars on the overview by register (speed bars take their range from the register map).
    bars: dict[str, BarSettings] = Field(default_factory=_default_bars)

    @field_validator("bars")
    @classmethod
    def _ranges(cls, bars: dict[str, BarSettings]) -> dict[str, BarSettings]:
        missing = [name for name, bar in bars.items() if name != CURRENT_BAR and not bar.has_maximum]
        if missing:
            raise ValueError(f"{missing[0]}: maximum is required")
        return bars


class SimSettings(_Section):
    seed: int = 1
    speedup: float = Field(default=1.0, gt=0, le=1000)
    physics_hz: float = Field(default=20.0, ge=20, le=1000)


class Settings(BaseSettings):
    """The whole configuration. Build it with :func:`load_settings`, not directly."""

    model_config = SettingsConfigDict(
        env_prefix=ENV_PREFIX,
        env_nested_delimiter=NESTED_DELIMITER,
        extra="forbid",
        case_sensitive=False,
    )

    machine: MachineSettings = MachineSettings()
    modbus: ModbusSettings = ModbusSettings()
    paths: PathSettings = PathSettings()
    database: DatabaseSettings = DatabaseSettings()
    iot: IotSettings = IotSettings()
    control: ControlSettings = ControlSettings()
    ml: MlSettings = MlSettings()
    cost: CostSettings = CostSettings()
    logging: LoggingSettings = LoggingSettings()
    hmi: HmiSettings = HmiSettings()
    sim: SimSettings = SimSettings()
    analysis: AnalysisSettings = AnalysisSettings()
    security: SecuritySettings = SecuritySettings()
    production: ProductionSettings = ProductionSettings()

    @model_validator(mode="after")
    def _bars_from_the_machine(self) -> Settings:
        """hmi.bars.band_current: what the config leaves out comes from the torque bar through
        ml.current_polynomial (one source of truth: the screen, the trends and the current alarm read
        it here). Every other bar sets its maximum."""
        bars = self.hmi.bars
        torque = derive_torque_bar(bars.get(TORQUE_BAR), self.control)
        if torque is not None and torque is not bars.get(TORQUE_BAR):
            self.hmi.bars = bars = {**bars, TORQUE_BAR: torque}
        current = derive_current_bar(bars.get(CURRENT_BAR), bars.get(TORQUE_BAR), self.ml.current_polynomial,
                                     ceiling_a=self.control.current_ceiling_a)
        if current is not None and current is not bars.get(CURRENT_BAR):
            self.hmi.bars = bars = {CURRENT_BAR: current, **{k: v for k, v in bars.items() if k != CURRENT_BAR}}
        if CURRENT_BAR in bars and not bars[CURRENT_BAR].has_maximum:
            raise ValueError(f"hmi.bars.{CURRENT_BAR}.maximum: set it (or a {TORQUE_BAR} bar to derive it from)")
        return self

    # Where the settings came from, for messages and for resolving relative paths.
    config_path: Path | None = Field(default=None, exclude=True)
    _choice: ConfigChoice | None = PrivateAttr(default=None)
    _env_file: Path | None = PrivateAttr(default=None)

    @property
    def config_origin(self) -> str:
        """Why this config file was read: "--config", "BANDSAW_CONFIG", "user config", ..."""
        return self._choice.origin if self._choice is not None else "given"

    @property
    def env_file(self) -> Path | None:
        """The .env file that was read, if any."""
        return self._env_file

    @property
    def locations(self) -> Locations:
        """The default directories for how the program runs (checkout, user or system install)."""
        if self._choice is not None:
            return self._choice.locations
        return checkout_locations(CHECKOUT) if CHECKOUT is not None else user_locations()

    @property
    def base_dir(self) -> Path:
        if self._choice is not None:
            return self._choice.base_dir
        return CHECKOUT if CHECKOUT is not None else self.locations.config_dir

    def resolve(self, path: Path) -> Path:
        """A path from the config, made absolute: against the checkout's root in a source checkout,
        else against the directory of the config file in effect."""
        path = path.expanduser()
        return path if path.is_absolute() else self.base_dir / path

    @property
    def data_dir(self) -> Path:
        if self.paths.data_dir is None:
            return self.locations.data_dir
        return self.resolve(self.paths.data_dir)

    @property
    def logs_dir(self) -> Path:
        if self.paths.logs_dir is not None:
            return self.resolve(self.paths.logs_dir)
        if self.paths.data_dir is not None:  # a data directory given (--data-dir): its logs beside it
            return self.data_dir / "logs"
        return self.locations.logs_dir

    @property
    def export_dir(self) -> Path:
        """paths.export_dir, else DATA/exports: where exports go and the file dialogs start."""
        if self.paths.export_dir is not None:
            return self.resolve(self.paths.export_dir)
        return self.data_dir / "exports"

    @property
    def backup_dir(self) -> Path:
        """The daily backups (core.storage.backup.daily_dir): where a restore's folder dialog starts."""
        return self.data_dir / "databases" / "daily"

    def config_file(self, configured: Path | None, name: str) -> Path:
        """A file that goes with config.yaml (registers.yaml, alarm_messages.yaml): the configured
        path, else the one beside the config file in effect, else the packaged default."""
        if configured is not None:
            return self.resolve(configured)
        if self.config_path is not None:
            beside = self.config_path.parent / name
            if beside.is_file():
                return beside
        return packaged("config", name)

    @property
    def register_map_path(self) -> Path:
        return self.config_file(self.modbus.register_map, "registers.yaml")

    @property
    def ml_model_path(self) -> Path | None:
        """The model artefact (NAME of NAME.joblib + NAME.json), or None when none is configured."""
        if self.ml.model_path is None:
            return None
        path = self.ml.model_path.expanduser()
        if path.is_absolute():
            return path
        in_data = self.data_dir / path
        if path == DEFAULT_MODEL and not in_data.with_name(in_data.name + ".json").is_file():
            return packaged("models", DEFAULT_MODEL.name)
        return in_data

    def redacted(self) -> dict[str, Any]:
        """The effective configuration as plain data, with every secret replaced."""
        return _redact(self.model_dump(mode="python"))

    @classmethod
    def settings_customise_sources(
        cls,
        settings_cls: type[BaseSettings],
        init_settings: PydanticBaseSettingsSource,
        env_settings: PydanticBaseSettingsSource,
        dotenv_settings: PydanticBaseSettingsSource,
        file_secret_settings: PydanticBaseSettingsSource,
    ) -> tuple[PydanticBaseSettingsSource, ...]:
        # load_settings merges YAML, .env, legacy names and BANDSAW_ variables itself (so that an
        # error can name the source of the bad value): the class takes only what it is given.
        return (init_settings,)


def _redact(data: Any) -> Any:
    if isinstance(data, SecretStr):
        return "********" if data.get_secret_value() else ""
    if isinstance(data, dict):
        return {key: _redact(value) for key, value in data.items()}
    if isinstance(data, list | tuple):
        return [_redact(value) for value in data]
    if isinstance(data, Path):
        return str(data)
    if isinstance(data, StrEnum):
        return str(data.value)
    return data


def resource_path(*parts: str) -> Path:
    """A shipped resource (themes/..., icons/..., translations/...) for front ends, which reach
    core only through its contract modules."""
    return packaged("resources", *parts)


def load_settings(
    config_path: Path | str | None = None,
    *,
    env: Mapping[str, str] | None = None,
    env_file: Path | str | None = None,
    overrides: Mapping[str, Any] | None = None,
) -> Settings:
    """Load config.yaml, then .env, then the environment, then explicit overrides.

    ``config_path`` None: core.paths.choose_config picks it (BANDSAW_CONFIG, the checkout's or
    the user's/system's config.yaml, else the packaged default). ``env`` defaults to
    ``os.environ``; ``env_file`` defaults to ``.env`` in the working directory (then beside the
    project) in a checkout, to ``.env`` beside config.yaml when installed. Raises
    :class:`ConfigError` with one line.
    """
    environ: Mapping[str, str] = os.environ if env is None else env
    choice = choose_config(config_path, environ)
    path = choice.path
    yaml_data = read_yaml(path)
    dotenv_path = _find_env_file(env_file, choice)
    dotenv: dict[str, str | None] = read_dotenv(dotenv_path) if dotenv_path else {}

    layers: list[tuple[str, dict[str, Any]]] = [
        (str(path), yaml_data),
        (f"{dotenv_path} (legacy name)", legacy_to_nested(dotenv)),
        (f"{dotenv_path}", env_to_nested(dotenv)),
        ("environment (legacy name)", legacy_to_nested(environ)),
        ("environment", env_to_nested(environ)),
        ("override", dict(overrides or {})),
    ]
    merged: dict[str, Any] = {}
    for _, data in layers:
        merged = deep_merge(merged, data)
    try:
        settings = Settings(**merged)
    except ValidationError as exc:
        raise ConfigError(describe_error(exc, layers, environ, dotenv_path, Settings)) from None
    settings.config_path = path
    settings._choice = choice
    settings._env_file = dotenv_path
    return settings


def _find_env_file(env_file: Path | str | None, choice: ConfigChoice) -> Path | None:
    if env_file is not None:
        candidate = Path(env_file)
        return candidate if candidate.is_file() else None
    if CHECKOUT is not None:
        candidates = [Path.cwd() / ".env", CHECKOUT / ".env"]
    else:
        # Installed: only the .env of the configuration, never whatever .env the working
        # directory holds (another project's DATABASE_URL must not reach the saw).
        candidates = [(choice.locations.config_dir if choice.packaged else choice.path.parent) / ".env"]
    return next((candidate for candidate in candidates if candidate.is_file()), None)
