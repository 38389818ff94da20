"""The device side of ThingsBoard besides telemetry: client attributes, shared attributes, RPC.

:class:`DeviceState` decides what to say; the telemetry service sends it. Nothing here does I/O
and nothing here writes to the PLC: the RPC methods are read-only.
"""

from __future__ import annotations

import importlib.metadata
import json
import logging
from collections.abc import Callable, Mapping

from core.config import ThingsBoardSettings
from core.iot import thingsboard as tb
from core.registers import RegisterMap
from core.snapshot import Snapshot

log = logging.getLogger("bandsaw.iot")

Message = tuple[str, bytes]  # topic, payload


def software_version() -> str:
    try:
        return importlib.metadata.version("bandsaw-hmi")
    except importlib.metadata.PackageNotFoundError:
        return "0+unknown"


class DeviceState:
    def __init__(
        self,
        cfg: ThingsBoardSettings,
        register_map: RegisterMap,
        sampler: tb.RecordSampler,
        *,
        machine_id: int | None,
        status_provider: Callable[[], object],
        model_version: Callable[[], str | None] | None,
        extra_attributes: Callable[[], Mapping[str, tb.Value]] | None = None,
    ) -> None:
        self._cfg = cfg
        self._map = register_map
        self._sampler = sampler
        self._machine_id = machine_id
        self._status_provider = status_provider
        self._model_version = model_version
        self._extra = extra_attributes
        self._software_version = software_version()
        self._attrs: dict[str, tb.Value] = {}
        self._attrs_sent: dict[str, tb.Value] | None = None
        self._request_id = 0
        self.latest: Snapshot | None = None
        self.observe(None)

    # --- client attributes ----------------------------------------------------------------

    def observe(self, snapshot: Snapshot | None) -> None:
        """Refresh the client attributes from a snapshot (at the record rate, not every poll)."""
        model_version: str | None = None
        if self._model_version is not None:
            try:
                model_version = self._model_version()
            except Exception:  # the model's own fault, reported by the ML side
                log.exception("model_version provider failed")
        self._attrs = tb.client_attributes(
            snapshot,
            machine_id=self._machine_id,
            software_version=self._software_version,
            model_version=model_version,
            register_map_hash=self._map.digest,
            previous=self._attrs,
        )
        if self._extra is not None:
            try:
                extra = self._extra()
            except Exception:  # the provider's own fault (e.g. band life), not the link's
                log.exception("attribute provider failed")
                extra = {}
            # A figure that is not known now (None: e.g. band id 0) is not sent; its method says why.
            for key, value in extra.items():
                if value is None:
                    self._attrs.pop(key, None)
                else:
                    self._attrs[key] = value

    def attributes_due(self) -> Message | None:
        """The client attributes, when they differ from what was last sent in this session."""
        if self._attrs == self._attrs_sent:
            return None
        self._attrs_sent = dict(self._attrs)
        return tb.ATTRIBUTES_TOPIC, tb.record_payload(self._attrs).encode()

    def connected(self) -> Message:
        """A new session: attributes go out again; ask ThingsBoard for the shared attributes."""
        self._attrs_sent = None
        self._request_id += 1
        return f"{tb.ATTRIBUTES_REQUEST_PREFIX}{self._request_id}", tb.attribute_request(tb.SHARED_KEYS)

    # --- messages from ThingsBoard --------------------------------------------------------

    def handle(self, topic: str, payload: bytes) -> Message | None:
        """Answer an RPC request or apply shared attributes; returns the reply to send, if any."""
        if topic.startswith(tb.RPC_REQUEST_PREFIX):
            request_id = topic[len(tb.RPC_REQUEST_PREFIX):]
            answer = tb.rpc_answer(payload, status_provider=self._status_provider, latest=self.latest)
            return tb.RPC_RESPONSE_PREFIX + request_id, answer
        if topic == tb.ATTRIBUTES_TOPIC or topic.startswith(tb.ATTRIBUTES_RESPONSE_PREFIX):
            self._apply_shared(payload)
        return None

    def _apply_shared(self, payload: bytes) -> None:
        try:
            data = json.loads(payload)
        except (UnicodeDecodeError, ValueError) as exc:
            log.warning("shared attributes: not JSON (%s); ignored", exc)
            return
        update = tb.parse_shared(data)
        for problem in update.problems:
            log.warning("shared attribute ignored: %s", problem)
        if update.rate_hz is not None:
            self._sampler.set_rate(update.rate_hz)
            log.info("telemetry rate set to %g Hz by ThingsBoard", update.rate_hz)
        elif update.reset_rate:
            self._sampler.set_rate(self._cfg.record_rate_hz)
            log.info("telemetry rate back to the configured %g Hz", self._cfg.record_rate_hz)
        if update.fields is not None:
            self._set_fields(update.fields)
        elif update.reset_fields:
            self._sampler.set_fields(self._cfg.fields, include_computed=True)
            log.info("telemetry fields back to the configured list")

    def _set_fields(self, fields: list[str]) -> None:
        before = self._sampler.fields
        unknown = self._sampler.set_fields(fields, include_computed=False)
        if not self._sampler.fields:
            self._sampler.set_fields(before, include_computed=False)
            log.warning("shared attribute telemetryFields names no known field (%s); ignored", fields)
            return
        if unknown:
            log.warning("shared attribute telemetryFields: unknown fields ignored: %s", ", ".join(unknown))
        log.info("telemetry fields set by ThingsBoard: %s", ", ".join(self._sampler.fields))
