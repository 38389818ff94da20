"""A local ThingsBoard HTTP device API for the tests: records what it accepts, fails on request."""

from __future__ import annotations

import json
import ssl
import threading
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any

from mqtt_helpers import Certificates


@dataclass
class Received:
    method: str
    path: str
    body: Any


@dataclass
class Behaviour:
    fail_next: int = 0  # this many requests answered with fail_code
    fail_code: int = 500
    retry_after: str | None = None
    refuse_code: int | None = None  # every telemetry POST answered with this while set
    shared: dict[str, Any] = field(default_factory=dict)


class TbHttpServer:
    """``stop()``/``start()`` again keep the port (an outage); ``accepted`` holds 2xx requests only."""

    def __init__(self, port: int, *, tls: Certificates | None = None) -> None:
        self.port = port
        self.tls = tls
        self.behaviour = Behaviour()
        self.accepted: list[Received] = []
        self.answers: list[int] = []  # every status code sent, in order
        self._lock = threading.Lock()
        self._server: ThreadingHTTPServer | None = None
        self._thread: threading.Thread | None = None

    def start(self) -> TbHttpServer:
        owner = self

        class Handler(BaseHTTPRequestHandler):
            def log_message(self, format: str, *args: Any) -> None:  # quiet
                pass

            def do_POST(self) -> None:
                length = int(self.headers.get("Content-Length", "0"))
                body = self.rfile.read(length)
                owner._answer(self, "POST", body)

            def do_GET(self) -> None:
                owner._answer(self, "GET", b"")

        server = ThreadingHTTPServer(("127.0.0.1", self.port), Handler)
        server.daemon_threads = True
        if self.tls is not None:
            context = ssl.create_default_context(ssl.Purpose.CLIENT_AUTH)
            context.load_cert_chain(str(self.tls.server_cert), str(self.tls.server_key))
            server.socket = context.wrap_socket(server.socket, server_side=True)
        self._server = server
        self._thread = threading.Thread(target=server.serve_forever, kwargs={"poll_interval": 0.05},
                                        name="tb-http-test-server", daemon=True)
        self._thread.start()
        return self

    def stop(self) -> None:
        if self._server is not None:
            self._server.shutdown()
            self._server.server_close()
            self._server = None
        if self._thread is not None:
            self._thread.join()
            self._thread = None

    def _answer(self, handler: BaseHTTPRequestHandler, method: str, body: bytes) -> None:
        b = self.behaviour
        with self._lock:
            headers: dict[str, str] = {}
            if b.fail_next > 0:
                b.fail_next -= 1
                code = b.fail_code
                if b.retry_after is not None:
                    headers["Retry-After"] = b.retry_after
            elif b.refuse_code is not None and method == "POST" and handler.path.endswith("/telemetry"):
                code = b.refuse_code
            else:
                code = 200
                self.accepted.append(Received(method, handler.path, json.loads(body) if body else None))
            self.answers.append(code)
        reply = json.dumps({"shared": b.shared}).encode() if method == "GET" and code == 200 else b""
        handler.send_response(code)
        for key, value in headers.items():
            handler.send_header(key, value)
        handler.send_header("Content-Length", str(len(reply)))
        handler.end_headers()
        handler.wfile.write(reply)

    # --- what arrived -------------------------------------------------------------------------

    def telemetry(self) -> list[dict[str, Any]]:
        with self._lock:
            out: list[dict[str, Any]] = []
            for item in self.accepted:
                if item.method == "POST" and item.path.endswith("/telemetry"):
                    out.extend(item.body if isinstance(item.body, list) else [item.body])
            return out

    def attributes(self) -> list[dict[str, Any]]:
        with self._lock:
            return [item.body for item in self.accepted if item.method == "POST" and item.path.endswith("/attributes")]

    def paths(self) -> list[str]:
        with self._lock:
            return [item.path for item in self.accepted]
