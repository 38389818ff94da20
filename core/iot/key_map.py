"""Telemetry and attribute keys as the plant's ThingsBoard dashboards expect them.

``iot.thingsboard.key_map`` (telemetry) and ``iot.thingsboard.attribute_key_map``:

- ``native``: register names (telemetry) and machineId, bandId, ... (attributes), as today;
- ``smart-saw``: the older system's keys (its sensor_data column names, SMART-SAW.md), so the
  dashboards built for it keep working after the switch;
- a mapping ``{our name: key}`` for anything else; names left out keep their own key.

A mapping naming something this saw does not send, an empty key, or two names sent under one key
is a configuration error naming the entry. Renaming happens once, when a record is stored in the
outbox (telemetry) or when attributes are sent.
"""

from __future__ import annotations

import json
import math
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from typing import Any

from core.config import ConfigError, ThingsBoardSettings
from core.iot import thingsboard as tb
from core.migrate.smart_saw_columns import ATTRIBUTE_KEYS, telemetry_keys
from core.registers import RegisterMap

# The fitted band's life (core.production.band_life_monitor): the older system had none of these, so
# under "smart-saw" they keep these names; a mapping may rename them like any other.
BAND_LIFE_ATTRIBUTES = ("bandLifeBandId", "bandLifeCuts", "bandLifeAreaCm2", "bandLifeRunHours", "bandLifeUsedPct",
                        "bandLifeRemainingPct", "bandLifeRemainingCm2", "bandLifeMethod")
ATTRIBUTE_NAMES = ("machineId", "bandId", "bandType", "bandBrand", "material", "softwareVersion", "modelVersion",
                   "registerMapHash", *BAND_LIFE_ATTRIBUTES)
ALARM_FIELD = "alarm"  # alarm transitions travel as telemetry under this key
# The older system sent these with every record (makine_id, serit_id; its dashboards filter on
# them): under "smart-saw" each record carries them whatever the fields are. The machine id is
# machine.id when set, else the PLC's machine_id register; the band id is the band_id register.
# Its kesim_id (cut id) has no value here: no register holds the cut's id while it runs.
IDENTITY_FIELDS = ("machine_id", "band_id")


@dataclass(frozen=True, slots=True)
class KeyMap:
    telemetry: Mapping[str, str]  # only the names that change
    attributes: Mapping[str, str]
    identity: tuple[str, ...] = ()  # registers every record carries (IDENTITY_FIELDS under smart-saw)
    machine_id: int | None = None  # machine.id: sent as machine_id instead of the register's value

    def with_identity(self, values: dict[str, Any], snapshot: Mapping[str, float | None]) -> dict[str, Any]:
        """A record's values plus the identity fields (native names; renamed when stored)."""
        if not self.identity:
            return values
        for name in self.identity:
            if name == "machine_id" and self.machine_id is not None:
                values[name] = self.machine_id
                continue
            if name in values:
                continue
            value = snapshot.get(name)
            if value is not None and math.isfinite(value):
                values[name] = int(value) if float(value).is_integer() else value
        return values

    def telemetry_values(self, values: Mapping[str, Any]) -> dict[str, Any]:
        keys = self.telemetry
        if not keys:
            return dict(values)
        return {keys.get(name, name): value for name, value in values.items()}

    def attribute_values(self, values: Mapping[str, Any]) -> dict[str, Any]:
        keys = self.attributes
        return {keys.get(name, name): value for name, value in values.items()}

    def attribute_message(self, topic: str, payload: bytes) -> tuple[str, bytes]:
        """Client attributes (on ``v1/devices/me/attributes``) under the configured keys."""
        if topic != tb.ATTRIBUTES_TOPIC or not self.attributes:
            return topic, payload
        values = json.loads(payload)
        return topic, tb.record_payload(self.attribute_values(values)).encode()

    def shared_message(self, payload: bytes) -> bytes:
        """Shared attributes from ThingsBoard: ``telemetryFields`` may name the dashboard's keys."""
        if not self.telemetry:
            return payload
        try:
            data = json.loads(payload)
        except (UnicodeDecodeError, ValueError):
            return payload  # the device side says what is wrong with it
        holder = data.get("shared") if isinstance(data, dict) and isinstance(data.get("shared"), dict) else data
        if not isinstance(holder, dict):
            return payload
        for key in tb.SHARED_FIELDS_KEYS:
            value = holder.get(key)
            if isinstance(value, str):
                holder[key] = ",".join(self.field_name(part.strip()) for part in value.split(","))
            elif isinstance(value, list):
                holder[key] = [self.field_name(item) if isinstance(item, str) else item for item in value]
        return json.dumps(data).encode()

    def field_name(self, key: str) -> str:
        """Our name for a telemetry key (telemetryFields set from a dashboard in its own keys)."""
        for name, mapped in self.telemetry.items():
            if mapped == key:
                return name
        return key


def resolve(cfg: ThingsBoardSettings, register_map: RegisterMap, *, machine_id: int | None = None) -> KeyMap:
    """The key maps of the configuration; raises ConfigError naming the bad entry."""
    fields = [*register_map.names, *tb.COMPUTED_FIELDS, ALARM_FIELD]
    telemetry = _resolve("key_map", cfg.key_map, fields, telemetry_keys())
    attributes = _resolve("attribute_key_map", cfg.attribute_key_map, ATTRIBUTE_NAMES, ATTRIBUTE_KEYS)
    if cfg.key_map != "smart-saw":
        return KeyMap(telemetry, attributes)
    identity = tuple(name for name in IDENTITY_FIELDS
                     if name in register_map or (name == "machine_id" and machine_id is not None))
    keys = telemetry_keys()
    telemetry = {**telemetry, **{name: keys[name] for name in identity}}
    return KeyMap(telemetry, attributes, identity, machine_id)


def _resolve(option: str, value: str | Mapping[str, str], known: Iterable[str],
             smart_saw: Mapping[str, str]) -> dict[str, str]:
    key = f"iot.thingsboard.{option}"
    known_names = list(dict.fromkeys(known))
    if value == "native":
        return {}
    if value == "smart-saw":
        return {name: mapped for name, mapped in smart_saw.items() if name in known_names and name != mapped}
    if not isinstance(value, Mapping):
        raise ConfigError(f"{key} = {value!r}: allowed native, smart-saw or a mapping of names to keys")
    for name, mapped in value.items():
        if name not in known_names:
            raise ConfigError(f"{key}.{name}: unknown name {name!r}; allowed: {', '.join(known_names)}")
        if not isinstance(mapped, str) or not mapped.strip():
            raise ConfigError(f"{key}.{name} = {mapped!r}: the key must be a non-empty text")
    result = {name: mapped.strip() for name, mapped in value.items()}
    sent_as: dict[str, str] = {}
    for name in known_names:
        sent = result.get(name, name)
        if sent in sent_as:
            raise ConfigError(f"{key}.{name}: key {sent!r} is already used for {sent_as[sent]!r}")
        sent_as[sent] = name
    return {name: mapped for name, mapped in result.items() if name != mapped}
