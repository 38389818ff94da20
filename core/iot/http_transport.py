"""ThingsBoard over HTTP: the device API's POSTs instead of MQTT, for servers reachable only so.

Same contract as the MQTT connection (connection.py), so the telemetry service, its durable
outbox and its bookkeeping stay the same: ``publish`` queues a message and returns its id; the
id is reported published only after a 2xx answer, and only then are its records deleted.

One worker thread sends the queued messages strictly in order, one request at a time, and
keeps the message at the head of the queue until it is accepted:

- no answer (connection refused, timeout, TLS failure), 5xx or 429: the server is down or busy;
  the link is reported lost and the same message is retried with a doubling delay capped at
  ``reconnect_backoff_max_s`` (``Retry-After`` honoured within that cap);
- any other non-2xx (401/403 wrong token, 404 unknown device, 400 refused payload): a clear
  error and an alarm (``refused``); the records stay in the outbox and the message is retried at
  the longest delay, so fixing the server side lets the backlog go through without a restart.

Telemetry goes to ``/api/v1/<token>/telemetry``, client attributes to
``/api/v1/<token>/attributes``; a shared-attribute request becomes a GET whose answer is handed
back like an MQTT attribute response. RPC needs long polling and is not offered over HTTP.
The token is part of every URL: it is never logged (httpx's own request log is kept quiet).
"""

from __future__ import annotations

import asyncio
import contextlib
import json
import logging
import ssl
import threading
from collections import deque
from collections.abc import Callable
from typing import Protocol

import httpx

from core.config import ThingsBoardSettings
from core.iot import thingsboard as tb

log = logging.getLogger("bandsaw.iot")
logging.getLogger("httpx").setLevel(logging.WARNING)  # its INFO line carries the URL, hence the token
logging.getLogger("httpcore").setLevel(logging.WARNING)

MIN_DELAY_S = 1.0
_AUTH = {401: "not authorised: check TB_ACCESS_TOKEN (iot.thingsboard.access_token)",
         403: "forbidden: check TB_ACCESS_TOKEN (iot.thingsboard.access_token)",
         404: "not found: no device with this access token on the server (or not a ThingsBoard URL)"}


class HttpEvents(Protocol):
    """What the connection tells its owner, always in the owner's event loop."""

    def mqtt_connected(self) -> None: ...

    def mqtt_disconnected(self, error: str) -> None: ...

    def mqtt_published(self, mid: int) -> None: ...

    def mqtt_message(self, topic: str, payload: bytes) -> None: ...

    def transport_refused(self, error: str) -> None: ...


class HttpConnection:
    def __init__(
        self,
        settings: ThingsBoardSettings,
        events: HttpEvents,
        loop: asyncio.AbstractEventLoop,
        *,
        min_delay_s: float = MIN_DELAY_S,
        transport: httpx.BaseTransport | None = None,
    ) -> None:
        self._settings = settings
        self._events = events
        self._loop = loop
        self._token = settings.access_token.get_secret_value()
        scheme = "https" if settings.tls else "http"
        self._base = f"{scheme}://{settings.host}:{settings.port}/api/v1/"
        self.endpoint = f"{scheme}://{settings.host}:{settings.port}"
        self._max_delay = max(settings.reconnect_backoff_max_s, 0.001)
        self._min_delay = min(min_delay_s, self._max_delay)
        self._verify: ssl.SSLContext | bool = True
        self._transport = transport
        self._queue: deque[tuple[int, str, bytes]] = deque()
        self._cond = threading.Condition()
        self._next_mid = 0
        self._stopping = False
        self._thread: threading.Thread | None = None
        self._up: bool | None = None  # None before the first answer
        self._error = ""
        self.sent = 0  # messages accepted (2xx)
        self.failures = 0  # requests that failed (any reason)

    # --- the same surface as MqttConnection --------------------------------------------------

    def configure_tls(self) -> None:
        """Check the token and load the CA and client certificate; raises ValueError naming the problem."""
        if not self._token:
            raise ValueError("iot.thingsboard.access_token is empty: the HTTP API needs the device token")
        if "/" in self._token or "?" in self._token or "#" in self._token:
            raise ValueError("iot.thingsboard.access_token holds '/', '?' or '#': not a ThingsBoard token")
        settings = self._settings
        if not settings.tls:
            return
        for key in ("ca_file", "cert_file", "key_file"):
            path = getattr(settings, key)
            if path is not None and not path.is_file():
                raise ValueError(f"iot.thingsboard.{key} = {str(path)!r}: file not found")
        if settings.key_file is not None and settings.cert_file is None:
            raise ValueError("iot.thingsboard.key_file is set but cert_file is not")
        try:
            context = ssl.create_default_context(cafile=str(settings.ca_file) if settings.ca_file else None)
            if settings.cert_file is not None:
                context.load_cert_chain(str(settings.cert_file),
                                        str(settings.key_file) if settings.key_file else None)
        except (OSError, ssl.SSLError, ValueError) as exc:
            raise ValueError(f"iot.thingsboard TLS setup failed: {exc}") from None
        self._verify = context

    def start(self) -> None:
        """Start the worker thread; the link counts as up until a request fails."""
        self._stopping = False
        self._up = True
        self._thread = threading.Thread(target=self._main, name="tb-http", daemon=True)
        self._thread.start()
        self._post(self._events.mqtt_connected)

    def stop(self) -> None:
        """End the worker after the request under way (blocking: run it off the event loop).

        Messages still queued are not lost: their records stay in the outbox for the next start.
        """
        with self._cond:
            self._stopping = True
            self._cond.notify_all()
        if self._thread is not None:
            self._thread.join()
            self._thread = None

    def publish(self, topic: str, payload: bytes) -> int:
        with self._cond:
            self._next_mid += 1
            mid = self._next_mid
            self._queue.append((mid, topic, payload))
            self._cond.notify_all()
        return mid

    # --- worker thread ---------------------------------------------------------------------

    def _main(self) -> None:
        with httpx.Client(verify=self._verify, timeout=self._settings.http_timeout_s, transport=self._transport,
                          headers={"Content-Type": "application/json"}) as client:
            delay = self._min_delay
            while True:
                with self._cond:
                    while not self._queue and not self._stopping:
                        self._cond.wait()
                    if self._stopping:
                        return
                    mid, topic, payload = self._queue[0]
                wait = self._send(client, mid, topic, payload, delay)
                if wait is None:
                    with self._cond:
                        self._queue.popleft()
                    delay = self._min_delay
                    continue
                delay = min(max(delay * 2, wait), self._max_delay)
                with self._cond:  # back off, but wake at once for stop()
                    if not self._stopping:
                        self._cond.wait(wait)

    def _send(self, client: httpx.Client, mid: int, topic: str, payload: bytes, delay: float) -> float | None:
        """One attempt; None when done with this message, else the seconds to wait before retrying."""
        method, path = _route(topic)
        if method is None:
            self._post(self._events.mqtt_published, mid)  # nothing to send over HTTP (RPC reply)
            return None
        try:
            if method == "GET":
                answer = client.get(self._base + self._token + path)
            else:
                answer = client.post(self._base + self._token + path, content=payload)
        except httpx.HTTPError as exc:
            self.failures += 1
            hint = " (TLS handshake or certificate?)" if self._settings.tls and "SSL" in str(exc) else ""
            self._down(f"cannot reach {self.endpoint}: {type(exc).__name__}: {self._redact(str(exc))}{hint}; retrying")
            return delay
        code = answer.status_code
        if 200 <= code < 300:
            self.sent += 1
            if self._up is not True:
                self._up = True
                self._error = ""
                self._post(self._events.mqtt_connected)
            if method == "GET" and topic.startswith(tb.ATTRIBUTES_REQUEST_PREFIX):
                reply = tb.ATTRIBUTES_RESPONSE_PREFIX + topic[len(tb.ATTRIBUTES_REQUEST_PREFIX):]
                self._post(self._events.mqtt_message, reply, answer.content)
            self._post(self._events.mqtt_published, mid)
            return None
        self.failures += 1
        if code >= 500 or code == 429:
            self._down(f"ThingsBoard answered HTTP {code}; retrying")
            return min(max(delay, _retry_after(answer)), self._max_delay)
        if method == "GET" or topic != tb.TELEMETRY_TOPIC:
            # An attribute message the server refuses is not data: say so, do not block telemetry on it.
            log.warning("ThingsBoard HTTP %s for %s: %s", code, path, _AUTH.get(code, "refused"))
            self._post(self._events.mqtt_published, mid)
            return None
        text = f"ThingsBoard refused telemetry: HTTP {code} {_AUTH.get(code, _body(answer))}; records kept"
        self._up = False
        self._error = text
        self._post(self._events.transport_refused, text)
        return self._max_delay

    def _down(self, error: str) -> None:
        if self._up is not False or error != self._error:  # lost, or failing in a new way
            self._up = False
            self._error = error
            self._post(self._events.mqtt_disconnected, error)

    def _redact(self, text: str) -> str:
        return text.replace(self._token, "***") if self._token else text

    def _post(self, callback: Callable[..., None], *args: object) -> None:
        with contextlib.suppress(RuntimeError):  # the loop is closed: nobody left to tell
            self._loop.call_soon_threadsafe(callback, *args)


def _route(topic: str) -> tuple[str | None, str]:
    if topic == tb.TELEMETRY_TOPIC:
        return "POST", "/telemetry"
    if topic == tb.ATTRIBUTES_TOPIC:
        return "POST", "/attributes"
    if topic.startswith(tb.ATTRIBUTES_REQUEST_PREFIX):
        return "GET", "/attributes?sharedKeys=" + ",".join(tb.SHARED_KEYS)
    return None, ""


def _retry_after(answer: httpx.Response) -> float:
    try:
        return max(0.0, float(answer.headers.get("Retry-After", "0")))
    except ValueError:
        return 0.0


def _body(answer: httpx.Response) -> str:
    text = answer.text.strip().replace("\n", " ")
    with contextlib.suppress(ValueError):
        data = json.loads(text)
        if isinstance(data, dict) and isinstance(data.get("message"), str):
            text = data["message"]
    return f"({text[:200]})" if text else "(refused)"
