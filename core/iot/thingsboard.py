"""The ThingsBoard device API: topics, telemetry records, attributes and RPC payloads.

What the plant's ThingsBoard sees of one saw (MQTT, the access token as username, QoS 1):

- ``v1/devices/me/telemetry``: ``[{"ts": <epoch ms>, "values": {<field>: <value>, ...}}, ...]``;
  fields from ``iot.thingsboard.fields`` (register names, engineering units; integer codes as
  integers) plus ``ml_output`` / ``torque_guard`` when the engine provides them. Alarm
  transitions arrive as ``{"alarm": {key, state, active, priority, text, action, user}}``.
- ``v1/devices/me/attributes`` (client side, on connect and on change): machineId, bandId,
  bandType, bandBrand, material, softwareVersion, modelVersion, registerMapHash.
- Shared attributes read on connect and applied live: ``telemetryRateHz`` (0 < rate <= 10) and
  ``telemetryFields`` (a list or a comma-separated string); deleting them restores the config.
- RPC (read-only): ``getStatus`` and ``getSnapshot``; any other method gets ``{"error": ...}``.

Pure functions and small value holders, no I/O: the telemetry service decides when to send.
"""

from __future__ import annotations

import dataclasses
import json
import logging
import math
from collections.abc import Callable, Iterable, Mapping, Sequence
from typing import Any

from core.analysis.alarms import AlarmTransition
from core.registers import DataType, RegisterMap
from core.snapshot import Quality, Snapshot

log = logging.getLogger("bandsaw.iot")

TELEMETRY_TOPIC = "v1/devices/me/telemetry"
ATTRIBUTES_TOPIC = "v1/devices/me/attributes"
ATTRIBUTES_REQUEST_PREFIX = "v1/devices/me/attributes/request/"
ATTRIBUTES_RESPONSE_PREFIX = "v1/devices/me/attributes/response/"
RPC_REQUEST_PREFIX = "v1/devices/me/rpc/request/"
RPC_RESPONSE_PREFIX = "v1/devices/me/rpc/response/"
SUBSCRIPTIONS = (ATTRIBUTES_TOPIC, ATTRIBUTES_RESPONSE_PREFIX + "+", RPC_REQUEST_PREFIX + "+")

# Fields computed by the engine rather than read from a register.
COMPUTED_FIELDS = ("ml_output", "torque_guard")

# Shared attributes this device understands (camelCase as ThingsBoard users write them; the
# snake_case spelling is accepted too).
SHARED_RATE_KEYS = ("telemetryRateHz", "telemetry_rate_hz")
SHARED_FIELDS_KEYS = ("telemetryFields", "telemetry_fields")
SHARED_KEYS = (SHARED_RATE_KEYS[0], SHARED_FIELDS_KEYS[0])
MAX_RECORD_RATE_HZ = 10.0

RPC_METHODS = ("getStatus", "getSnapshot")

Value = float | int | bool | str | None
ValueSource = Callable[[], Value]


def _json(data: object) -> str:
    return json.dumps(data, separators=(",", ":"), allow_nan=False, default=str)


class RecordSampler:
    """Turns snapshots into telemetry records at the record rate, with the chosen fields.

    Sampling runs on the snapshot's monotonic time (next = previous + period, no drift); a gap
    longer than a period restarts the schedule instead of bursting to catch up.
    """

    def __init__(
        self,
        register_map: RegisterMap,
        rate_hz: float,
        fields: Sequence[str],
        computed: Mapping[str, ValueSource],
    ) -> None:
        self._map = register_map
        self._computed = dict(computed)
        # Integer registers with scale 1 are sent as JSON integers (codes, counters, states).
        self._integral = {
            reg.name for reg in register_map if reg.type is not DataType.FLOAT32 and float(reg.scale) == 1.0
        }
        self._next_due: float | None = None
        self.rate_hz = rate_hz
        self.fields: tuple[str, ...] = ()
        self._register_fields: tuple[str, ...] = ()
        self._computed_fields: tuple[str, ...] = ()
        self.set_fields(fields, include_computed=True)

    @property
    def period_s(self) -> float:
        return 1.0 / self.rate_hz

    def set_rate(self, rate_hz: float) -> None:
        self.rate_hz = rate_hz
        self._next_due = None

    def set_fields(self, fields: Iterable[str], *, include_computed: bool) -> list[str]:
        """Choose the fields; returns the names that were not understood (and are ignored).

        From config the list names registers and every provided computed field is added; a list
        from ThingsBoard is taken as the exact set (``include_computed=False``).
        """
        wanted = list(dict.fromkeys(fields))
        unknown = [name for name in wanted if name not in self._map and name not in COMPUTED_FIELDS]
        registers = tuple(name for name in wanted if name in self._map)
        if include_computed:
            computed = tuple(name for name in COMPUTED_FIELDS if name in self._computed)
        else:
            computed = tuple(name for name in wanted if name in self._computed)
        self._register_fields = registers
        self._computed_fields = computed
        self.fields = registers + computed
        return unknown

    def due(self, monotonic: float) -> bool:
        """True when a record should be taken from a snapshot completed at ``monotonic``."""
        if self._next_due is None or monotonic >= self._next_due + self.period_s:
            self._next_due = monotonic + self.period_s
            return True
        if monotonic >= self._next_due:
            self._next_due += self.period_s
            return True
        return False

    def values(self, snapshot: Snapshot) -> dict[str, Value]:
        """The telemetry values of one snapshot: None values are left out."""
        values: dict[str, Value] = {}
        source = snapshot.values
        for name in self._register_fields:
            value = source.get(name)
            if value is None or not math.isfinite(value):
                continue
            if name in self._integral and float(value).is_integer():
                values[name] = int(value)
            else:
                values[name] = value
        for name in self._computed_fields:
            try:
                computed = self._computed[name]()
            except Exception:  # an engine callable must not stop telemetry
                log.exception("telemetry field %s: provider failed", name)
                continue
            if computed is None or (isinstance(computed, float) and not math.isfinite(computed)):
                continue
            values[name] = computed
        return values


def alarm_values(transition: AlarmTransition) -> dict[str, Any]:
    """An alarm transition as a telemetry record's values (key "alarm")."""
    alarm = transition.alarm
    return {"alarm": {
        "key": alarm.key,
        "state": str(alarm.state.value),
        "active": alarm.condition,
        "priority": alarm.priority.name.lower(),
        "text": alarm.text,
        "action": transition.action,
        "user": transition.user,
    }}


def record_payload(values: Mapping[str, Any]) -> str:
    return _json(_finite(values))


def telemetry_message(records: Iterable[tuple[int, str]]) -> bytes:
    """A ThingsBoard telemetry array from ``(ts_ms, values_json)`` records, no re-encoding."""
    body = ",".join(f'{{"ts":{ts_ms},"values":{payload}}}' for ts_ms, payload in records)
    return f"[{body}]".encode()


def message_size(payload: str) -> int:
    return len(payload) + 20  # {"ts":<13 digits>,"values":...}, plus the comma


def client_attributes(
    snapshot: Snapshot | None,
    *,
    machine_id: int | None,
    software_version: str,
    model_version: str | None,
    register_map_hash: str,
    previous: Mapping[str, Value],
) -> dict[str, Value]:
    """Client-side attributes; PLC-sourced ones keep their last known value through a comm error."""
    attrs: dict[str, Value] = dict(previous)
    attrs["softwareVersion"] = software_version
    attrs["registerMapHash"] = register_map_hash
    if model_version is not None:
        attrs["modelVersion"] = model_version
    if machine_id is not None:
        attrs["machineId"] = machine_id
    if snapshot is not None and snapshot.quality is not Quality.COMM_ERROR:
        from_plc = {
            "machineId": "machine_id",
            "bandId": "band_id",
            "bandType": "band_type",
            "bandBrand": "band_brand",
            "material": "material_type",
        }
        for key, register in from_plc.items():
            if key == "machineId" and machine_id is not None:
                continue
            value = snapshot.values.get(register)
            if value is not None:
                attrs[key] = int(value) if float(value).is_integer() else value
    return attrs


@dataclasses.dataclass(frozen=True, slots=True)
class SharedUpdate:
    rate_hz: float | None = None
    fields: list[str] | None = None
    reset_rate: bool = False
    reset_fields: bool = False
    problems: tuple[str, ...] = ()


def parse_shared(data: object) -> SharedUpdate:
    """Read a shared-attribute update or an attribute response ({"shared": {...}})."""
    if not isinstance(data, dict):
        return SharedUpdate(problems=("shared attributes: expected a JSON object",))
    if isinstance(data.get("shared"), dict):
        data = data["shared"]
    assert isinstance(data, dict)
    problems: list[str] = []
    rate: float | None = None
    fields: list[str] | None = None
    deleted = data.get("deleted")
    deleted_keys = set(deleted) if isinstance(deleted, list) else set()
    reset_rate = bool(deleted_keys & set(SHARED_RATE_KEYS))
    reset_fields = bool(deleted_keys & set(SHARED_FIELDS_KEYS))
    for key in SHARED_RATE_KEYS:
        if key in data:
            raw = data[key]
            try:
                value = float(raw)
            except (TypeError, ValueError):
                problems.append(f"{key}={raw!r}: not a number")
                continue
            if not 0 < value <= MAX_RECORD_RATE_HZ:
                problems.append(f"{key}={raw!r}: allowed 0 < rate <= {MAX_RECORD_RATE_HZ:g}")
                continue
            rate = value
    for key in SHARED_FIELDS_KEYS:
        if key in data:
            raw = data[key]
            if isinstance(raw, str):
                raw = [part.strip() for part in raw.split(",") if part.strip()]
            if not isinstance(raw, list) or not all(isinstance(item, str) for item in raw) or not raw:
                problems.append(f"{key}: expected a non-empty list of field names or a comma-separated string")
                continue
            fields = list(raw)
    return SharedUpdate(rate, fields, reset_rate, reset_fields, tuple(problems))


def attribute_request(shared_keys: Sequence[str]) -> bytes:
    return _json({"sharedKeys": ",".join(shared_keys)}).encode()


def snapshot_as_dict(snapshot: Snapshot | None) -> dict[str, Any]:
    if snapshot is None:
        return {"error": "no snapshot yet"}
    return {
        "seq": snapshot.seq,
        "ts": snapshot.ts_ms,
        "quality": str(snapshot.quality.value),
        "values": dict(snapshot.values),
    }


def rpc_response(
    method: object,
    *,
    status_provider: Callable[[], object],
    latest: Snapshot | None,
) -> dict[str, Any]:
    """Answer a read-only RPC; nothing here writes to the PLC."""
    if method == "getStatus":
        try:
            status = status_provider()
        except Exception as exc:  # a failing provider is an answer, not a crash
            log.exception("rpc getStatus: status provider failed")
            return {"error": f"getStatus failed: {type(exc).__name__}: {exc}"}
        if dataclasses.is_dataclass(status) and not isinstance(status, type):
            return dataclasses.asdict(status)
        if isinstance(status, Mapping):
            return dict(status)
        return {"status": status}
    if method == "getSnapshot":
        return snapshot_as_dict(latest)
    return {"error": f"unknown method {method!r}; allowed: {', '.join(RPC_METHODS)} (read-only)"}


def rpc_answer(payload: bytes, *, status_provider: Callable[[], object], latest: Snapshot | None) -> bytes:
    try:
        request = json.loads(payload)
    except (UnicodeDecodeError, json.JSONDecodeError) as exc:
        return _json({"error": f"request is not JSON: {exc}"}).encode()
    method = request.get("method") if isinstance(request, dict) else None
    answer = rpc_response(method, status_provider=status_provider, latest=latest)
    return _json(_finite(answer)).encode()


def _finite(data: Any) -> Any:
    """NaN and infinities are not JSON: send them as null."""
    if isinstance(data, float):
        return data if math.isfinite(data) else None
    if isinstance(data, dict):
        return {str(key): _finite(value) for key, value in data.items()}
    if isinstance(data, list | tuple):
        return [_finite(value) for value in data]
    return data
