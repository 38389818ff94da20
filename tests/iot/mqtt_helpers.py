"""A real mosquitto on a free port, a paho subscriber, synthetic snapshots: for tests/iot only."""

from __future__ import annotations

import json
import os
import shutil
import socket
import subprocess
import threading
import time
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import paho.mqtt.client as mqtt
from paho.mqtt.enums import CallbackAPIVersion

from core.analysis.alarms import AlarmManager
from core.config import IotSettings, Settings, ThingsBoardSettings
from core.iot import TelemetryService
from core.registers import RegisterMap
from core.snapshot import Quality, Snapshot

MOSQUITTO = shutil.which("mosquitto") or "/usr/sbin/mosquitto"
MOSQUITTO_PASSWD = shutil.which("mosquitto_passwd") or "/usr/bin/mosquitto_passwd"
DEADLINE_S = 30.0
TELEMETRY = "v1/devices/me/telemetry"
ATTRIBUTES = "v1/devices/me/attributes"


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


def port_open(port: int) -> bool:
    with socket.socket() as sock:
        sock.settimeout(0.2)
        return sock.connect_ex(("127.0.0.1", port)) == 0


@dataclass(frozen=True)
class Certificates:
    ca: Path
    server_cert: Path
    server_key: Path


def make_certificates(folder: Path) -> Certificates:
    """A throw-away CA and a server certificate for 127.0.0.1 (openssl CLI)."""
    folder.mkdir(parents=True, exist_ok=True)

    def openssl(*args: str) -> None:
        subprocess.run(["openssl", *args], check=True, capture_output=True, cwd=folder)

    openssl("req", "-x509", "-newkey", "rsa:2048", "-nodes", "-keyout", "ca.key", "-out", "ca.crt",
            "-days", "2", "-subj", "/CN=bandsaw test CA")
    openssl("req", "-newkey", "rsa:2048", "-nodes", "-keyout", "server.key", "-out", "server.csr",
            "-subj", "/CN=127.0.0.1")
    (folder / "san.ext").write_text("subjectAltName=IP:127.0.0.1\n")
    openssl("x509", "-req", "-in", "server.csr", "-CA", "ca.crt", "-CAkey", "ca.key", "-CAcreateserial",
            "-out", "server.crt", "-days", "2", "-extfile", "san.ext")
    return Certificates(folder / "ca.crt", folder / "server.crt", folder / "server.key")


class Mosquitto:
    """One broker process; ``stop``/``start`` again keeps its port and its persistence file."""

    def __init__(self, workdir: Path, *, users: dict[str, str] | None = None,
                 tls: Certificates | None = None) -> None:
        self.workdir = workdir
        self.workdir.mkdir(parents=True, exist_ok=True)
        self.port = free_port()
        self.process: subprocess.Popen[bytes] | None = None
        lines = [
            f"listener {self.port} 127.0.0.1",
            "persistence true",
            f"persistence_location {self.workdir}/",
            "max_queued_messages 0",
            f"log_dest file {self.workdir}/mosquitto.log",
        ]
        if os.geteuid() == 0:
            lines.append("user root")  # else mosquitto drops to a user that cannot write here
        if tls is not None:
            lines += [f"cafile {tls.ca}", f"certfile {tls.server_cert}", f"keyfile {tls.server_key}"]
        if users:
            password_file = self.workdir / "passwords"
            password_file.write_text("")
            for user, password in users.items():
                subprocess.run([MOSQUITTO_PASSWD, "-b", str(password_file), user, password], check=True)
            lines += ["allow_anonymous false", f"password_file {password_file}"]
        else:
            lines.append("allow_anonymous true")
        self.conf = self.workdir / "mosquitto.conf"
        self.conf.write_text("\n".join(lines) + "\n")

    def start(self) -> None:
        assert self.process is None
        self.process = subprocess.Popen(
            [MOSQUITTO, "-c", str(self.conf)], stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL
        )
        deadline = time.monotonic() + DEADLINE_S
        while not port_open(self.port):
            if self.process.poll() is not None or time.monotonic() > deadline:
                log = (self.workdir / "mosquitto.log")
                text = log.read_text() if log.exists() else ""
                self.stop()
                raise RuntimeError(f"mosquitto did not start on port {self.port}: {text[-2000:]}")
            time.sleep(0.05)

    def stop(self) -> None:
        if self.process is None:
            return
        self.process.terminate()
        try:
            self.process.wait(timeout=10)
        except subprocess.TimeoutExpired:
            self.process.kill()
            self.process.wait(timeout=10)
        self.process = None


class Subscriber:
    """A paho client standing in for ThingsBoard's side of the conversation."""

    def __init__(self, port: int, topics: list[str], *, client_id: str = "", persistent: bool = False,
                 username: str | None = None, password: str | None = None,
                 ca_file: Path | None = None) -> None:
        self.topics = topics
        self.messages: list[tuple[str, bytes]] = []
        self._lock = threading.Lock()
        self._subscribed = threading.Event()
        self._client = mqtt.Client(
            CallbackAPIVersion.VERSION2, client_id=client_id, clean_session=not persistent
        )
        if username:
            self._client.username_pw_set(username, password)
        if ca_file is not None:
            self._client.tls_set(ca_certs=str(ca_file))
        self._client.reconnect_delay_set(min_delay=1, max_delay=1)
        self._client.on_connect = self._on_connect
        self._client.on_subscribe = lambda *args: self._subscribed.set()
        self._client.on_message = self._on_message
        self._port = port

    def start(self) -> Subscriber:
        self._client.connect("127.0.0.1", self._port)
        self._client.loop_start()
        if not self._subscribed.wait(DEADLINE_S):
            self.stop()
            raise RuntimeError("subscriber: no SUBACK")
        return self

    def stop(self) -> None:
        self._client.disconnect()
        self._client.loop_stop()

    def _on_connect(self, client: mqtt.Client, *args: Any) -> None:
        client.subscribe([(topic, 1) for topic in self.topics])

    def _on_message(self, client: mqtt.Client, userdata: object, message: mqtt.MQTTMessage) -> None:
        with self._lock:
            self.messages.append((message.topic, bytes(message.payload)))

    def on(self, topic_prefix: str) -> list[Any]:
        """Decoded JSON payloads received on topics starting with ``topic_prefix``."""
        with self._lock:
            return [json.loads(payload) for topic, payload in self.messages if topic.startswith(topic_prefix)]

    def topics_seen(self) -> list[str]:
        with self._lock:
            return [topic for topic, _ in self.messages]

    def telemetry(self) -> list[dict[str, Any]]:
        """Every telemetry record received, in arrival order."""
        return [record for message in self.on("v1/devices/me/telemetry") for record in message]

    def publish(self, topic: str, payload: object) -> None:
        info = self._client.publish(topic, json.dumps(payload), qos=1)
        info.wait_for_publish(DEADLINE_S)


def with_thingsboard(settings: Settings, **changes: Any) -> Settings:
    """The test settings with iot.thingsboard changed (validated like a config file would be)."""
    data = settings.iot.thingsboard.model_dump()
    data.update(changes)
    return settings.model_copy(update={"iot": IotSettings(thingsboard=ThingsBoardSettings(**data))})


class SnapshotMaker:
    """Synthetic snapshots, one record each at 1 Hz: ``cut_count`` = seq identifies a record."""

    def __init__(self, register_map: RegisterMap, start_ms: int | None = None) -> None:
        self._map = register_map
        # Ten minutes ago by default: in the past (a lag to see), well inside the age cap.
        self.start_ms = int(time.time() * 1000) - 600_000 if start_ms is None else start_ms
        self.seq = 0

    def next(self, **overrides: float | None) -> Snapshot:
        self.seq += 1
        values: dict[str, float | None] = {reg.name: round(1.0 + (self.seq % 7) * float(reg.scale), 4)
                                           for reg in self._map}
        values.update(saw_state=3.0, cut_count=float(self.seq), band_id=1234.0, machine_id=7.0)
        values.update(overrides)
        return Snapshot(
            seq=self.seq,
            ts_ms=self.start_ms + self.seq * 1000,
            monotonic=float(self.seq),
            values=values,
            raw=dict(values),
            quality=Quality.GOOD,
        )


class FakeClock:
    def __init__(self) -> None:
        self.now = 1000.0

    def __call__(self) -> float:
        return self.now


@asynccontextmanager
async def running(service: TelemetryService) -> AsyncIterator[TelemetryService]:
    await service.start()
    try:
        yield service
    finally:
        await service.stop()


def make_service(settings: Settings, register_map: RegisterMap, port: int, **kwargs: Any) -> TelemetryService:
    tb_changes = {"enabled": True, "port": port, "access_token": "good-token", "batch_records": 5,
                  "batch_interval_s": 0.3, "stop_timeout_s": 5.0, "reconnect_backoff_max_s": 1.0}
    tb_changes.update(kwargs.pop("tb", {}))
    alarms = kwargs.pop("alarms", None) or AlarmManager()
    return TelemetryService(with_thingsboard(settings, **tb_changes), register_map, alarms, **kwargs)
