"""The MQTT connection to ThingsBoard: paho-mqtt 2.x on its own network thread.

paho runs its network loop in its own thread (``loop_start``), which works the same on Windows
and Linux; every callback is handed to the asyncio loop with ``call_soon_threadsafe`` and
nothing else happens on the network thread, so the owner's state is only touched in the loop.
paho reconnects by itself with a doubling delay capped at ``reconnect_backoff_max_s`` and
re-sends the QoS 1 messages still waiting for their PUBACK after a reconnect.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
import ssl
from collections.abc import Callable
from typing import Any, Protocol

import paho.mqtt.client as mqtt
from paho.mqtt.enums import CallbackAPIVersion

from core.config import ThingsBoardSettings
from core.iot.thingsboard import SUBSCRIPTIONS

log = logging.getLogger("bandsaw.iot")

QOS = 1
RECONNECT_MIN_DELAY_S = 1
# MQTT 3.1.1 CONNACK codes 4/5 and their MQTT 5 reason codes as paho reports them.
_AUTH_FAILURES = {4, 5, 134, 135}


class ConnectionEvents(Protocol):
    """What the connection tells its owner, always in the owner's event loop."""

    def mqtt_connected(self) -> None: ...

    def mqtt_disconnected(self, error: str) -> None: ...

    def mqtt_published(self, mid: int) -> None: ...

    def mqtt_message(self, topic: str, payload: bytes) -> None: ...


def describe_connack(reason: Any) -> str:
    """One line for the operator and the plant's IT from a refused CONNACK."""
    code = getattr(reason, "value", reason)
    if code in _AUTH_FAILURES:
        return "not authorised: check TB_ACCESS_TOKEN (iot.thingsboard.access_token)"
    return f"broker refused the connection: {reason}"


class MqttConnection:
    def __init__(
        self,
        settings: ThingsBoardSettings,
        events: ConnectionEvents,
        loop: asyncio.AbstractEventLoop,
        *,
        client_id: str,
        max_inflight: int,
    ) -> None:
        self._settings = settings
        self._events = events
        self._loop = loop
        self.endpoint = f"{settings.host}:{settings.port}"
        client = mqtt.Client(
            CallbackAPIVersion.VERSION2,
            client_id=client_id,
            protocol=mqtt.MQTTv311,
            clean_session=True,
        )
        # A broken callback must never kill the network thread.
        client.suppress_exceptions = True
        token = settings.access_token.get_secret_value()
        if token:
            client.username_pw_set(token)
        client.reconnect_delay_set(
            min_delay=RECONNECT_MIN_DELAY_S,
            max_delay=max(RECONNECT_MIN_DELAY_S, round(settings.reconnect_backoff_max_s)),
        )
        client.max_inflight_messages_set(max_inflight)
        client.on_connect = self._on_connect
        client.on_connect_fail = self._on_connect_fail
        client.on_disconnect = self._on_disconnect
        client.on_publish = self._on_publish
        client.on_message = self._on_message
        self._client = client
        # Set and read on the network thread only: a refusal's reason outlives the disconnect.
        self._refusal: str | None = None

    def configure_tls(self) -> None:
        """Load the CA and client certificate; raises ValueError with the file named."""
        settings = self._settings
        if not settings.tls:
            return
        files = {"ca_file": settings.ca_file, "cert_file": settings.cert_file, "key_file": settings.key_file}
        for key, path in files.items():
            if path is not None and not path.is_file():
                raise ValueError(f"iot.thingsboard.{key} = {str(path)!r}: file not found")
        if settings.key_file is not None and settings.cert_file is None:
            raise ValueError("iot.thingsboard.key_file is set but cert_file is not")
        try:
            self._client.tls_set(
                ca_certs=str(settings.ca_file) if settings.ca_file else None,
                certfile=str(settings.cert_file) if settings.cert_file else None,
                keyfile=str(settings.key_file) if settings.key_file else None,
                cert_reqs=ssl.CERT_REQUIRED,
                tls_version=ssl.PROTOCOL_TLS_CLIENT,
            )
        except (OSError, ssl.SSLError, ValueError) as exc:
            raise ValueError(f"iot.thingsboard TLS setup failed: {exc}") from None

    def start(self) -> None:
        """Begin connecting in paho's thread; returns at once."""
        self._client.connect_async(self._settings.host, self._settings.port, keepalive=self._settings.keepalive_s)
        self._client.loop_start()

    def stop(self) -> None:
        """Disconnect and join the network thread (blocking: run it off the event loop)."""
        self._client.disconnect()
        self._client.loop_stop()

    def publish(self, topic: str, payload: bytes) -> int:
        """Queue a QoS 1 message (paho sends it, or re-sends it after a reconnect); returns its mid."""
        info = self._client.publish(topic, payload, qos=QOS)
        return int(info.mid)

    # --- paho's network thread: hand over and return ---------------------------------------

    def _post(self, callback: Callable[..., None], *args: object) -> None:
        # A closed loop means the owner is gone: nothing left to tell.
        with contextlib.suppress(RuntimeError):
            self._loop.call_soon_threadsafe(callback, *args)

    def _on_connect(self, client: mqtt.Client, userdata: object, flags: object, reason: Any, props: object) -> None:
        if getattr(reason, "is_failure", False):
            self._refusal = describe_connack(reason)
            self._post(self._events.mqtt_disconnected, self._refusal)
            return
        self._refusal = None
        # Subscribe here, in the network thread, so no request can arrive unheard.
        client.subscribe([(topic, QOS) for topic in SUBSCRIPTIONS])
        self._post(self._events.mqtt_connected)

    def _on_connect_fail(self, client: mqtt.Client, userdata: object) -> None:
        hint = " (TLS handshake or certificate?)" if self._settings.tls else ""
        self._post(self._events.mqtt_disconnected, f"cannot connect to {self.endpoint}{hint}; retrying")

    def _on_disconnect(
        self, client: mqtt.Client, userdata: object, flags: object, reason: Any, props: object
    ) -> None:
        failed = getattr(reason, "is_failure", False)
        text = f"connection to {self.endpoint} lost: {reason}; reconnecting" if failed else "disconnected"
        if self._refusal is not None:
            text = self._refusal
        self._post(self._events.mqtt_disconnected, text)

    def _on_publish(self, client: mqtt.Client, userdata: object, mid: int, reason: Any, props: object) -> None:
        self._post(self._events.mqtt_published, mid)

    def _on_message(self, client: mqtt.Client, userdata: object, message: mqtt.MQTTMessage) -> None:
        self._post(self._events.mqtt_message, message.topic, bytes(message.payload))
