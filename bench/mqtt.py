"""MQTT backlog drain: TelemetryService's outbox beside a bare paho publish loop, same run.

A backlog of 86,400 records (24 h at 1 Hz) is drained to a local mosquitto started here. The
bare baseline publishes the same telemetry messages (same records per message, same QoS 1 and
in-flight window) from a list in memory and waits for every PUBACK; the project path stores the
records in the SQLite outbox first, then reads, publishes and deletes each one after its PUBACK.
Target: >= 5,000 records/s.

Meanwhile the engine's poller reads the simulated PLC (a separate process) at 10 Hz in the same
event loop, feeding the service live snapshots; its jitter (cycle start minus deadline) is
reported per phase: idle, beside the bare loop, during the project's drain. Target (foundation
issue): p99 <= 5 ms, no missed cycle.

    .venv/bin/python bench/mqtt.py [--records 86400] [--no-poller]
"""

from __future__ import annotations

import argparse
import asyncio
import os
import re
import shutil
import socket
import subprocess
import sys
import tempfile
import threading
import time
from collections.abc import Awaitable, Callable, Iterator
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

import paho.mqtt.client as mqtt
from paho.mqtt.enums import CallbackAPIVersion

from core.analysis.alarms import AlarmManager
from core.config import PROJECT_ROOT, Settings, load_settings
from core.iot import TelemetryService
from core.iot import thingsboard as tb
from core.iot.outbox import Outbox
from core.modbus.client import PlcClient
from core.modbus.poller import Poller
from core.registers import RegisterMap, load_register_map
from core.snapshot import Quality, Snapshot

TARGET_RPS = 5000.0
JITTER_P99_TARGET_MS = 5.0


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


def wait_port(port: int, limit_s: float = 20.0) -> None:
    deadline = time.monotonic() + limit_s
    while time.monotonic() < deadline:
        with socket.socket() as sock:
            if sock.connect_ex(("127.0.0.1", port)) == 0:
                return
        time.sleep(0.05)
    raise RuntimeError(f"nothing listens on 127.0.0.1:{port}")


def start_mosquitto(workdir: Path) -> tuple[subprocess.Popen[bytes], int]:
    binary = shutil.which("mosquitto") or "/usr/sbin/mosquitto"
    port = free_port()
    conf = workdir / "mosquitto.conf"
    lines = [f"listener {port} 127.0.0.1", "allow_anonymous true", "persistence false",
             "max_queued_messages 0", f"log_dest file {workdir}/mosquitto.log"]
    if os.geteuid() == 0:
        lines.append("user root")
    conf.write_text("\n".join(lines) + "\n")
    process = subprocess.Popen([binary, "-c", str(conf)], stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    wait_port(port)
    return process, port


def start_simulator() -> tuple[subprocess.Popen[str], int]:
    code = (
        "import asyncio; from core.config import PROJECT_ROOT; from core.registers import load_register_map; "
        "from core.sim.server import serve; "
        "asyncio.run(serve('127.0.0.1', 0, 1, 1.0, load_register_map(PROJECT_ROOT / 'config' / 'registers.yaml')))"
    )
    process = subprocess.Popen([sys.executable, "-c", code], cwd=PROJECT_ROOT, stdout=subprocess.PIPE,
                               stderr=subprocess.DEVNULL, text=True)
    assert process.stdout is not None
    line = process.stdout.readline()
    match = re.search(r":(\d+) ", line)
    if match is None:
        process.kill()
        raise RuntimeError(f"simulator did not start: {line!r}")
    return process, int(match.group(1))


def stop_process(process: subprocess.Popen[bytes] | subprocess.Popen[str]) -> None:
    process.terminate()
    try:
        process.wait(timeout=10)
    except subprocess.TimeoutExpired:
        process.kill()
        process.wait(timeout=10)


def make_records(register_map: RegisterMap, settings: Settings, count: int) -> list[tuple[int, str]]:
    """One day of records with the default fields and plausible, varying values."""
    sampler = tb.RecordSampler(register_map, 1.0, settings.iot.thingsboard.fields,
                               {"ml_output": lambda: 0.5, "torque_guard": lambda: False})
    start_ms = int(time.time() * 1000) - count * 1000
    names = register_map.names
    records = []
    for i in range(count):
        values = {name: round((i % 997) * float(register_map[name].scale) + 1.0, 3) for name in names}
        values["saw_state"] = 3.0
        snap = Snapshot(i, start_ms + i * 1000, float(i), values, {}, Quality.GOOD)
        records.append((snap.ts_ms, tb.record_payload(sampler.values(snap))))
    return records


def pack(records: list[tuple[int, str]], max_records: int, max_bytes: int) -> Iterator[bytes]:
    """The same grouping the service uses for its backlog."""
    batch: list[tuple[int, str]] = []
    size = 2
    for record in records:
        record_size = tb.message_size(record[1])
        if batch and (len(batch) >= max_records or size + record_size > max_bytes):
            yield tb.telemetry_message(batch)
            batch, size = [], 2
        batch.append(record)
        size += record_size
    if batch:
        yield tb.telemetry_message(batch)


def bare_paho(port: int, messages: list[bytes], inflight: int) -> float:
    """Publish every message at QoS 1 and wait for every PUBACK; returns seconds."""
    client = mqtt.Client(CallbackAPIVersion.VERSION2, client_id="bench-bare")
    client.max_inflight_messages_set(inflight)
    connected = threading.Event()
    done = threading.Event()
    acked = 0

    def on_publish(*_args: object) -> None:
        nonlocal acked
        acked += 1
        if acked == len(messages):
            done.set()

    client.on_connect = lambda *_args: connected.set()
    client.on_publish = on_publish
    client.connect("127.0.0.1", port)
    client.loop_start()
    try:
        if not connected.wait(20):
            raise RuntimeError("bare client did not connect")
        started = time.perf_counter()
        for message in messages:
            client.publish(tb.TELEMETRY_TOPIC, message, qos=1)
        if not done.wait(600):
            raise RuntimeError(f"bare client: {acked}/{len(messages)} PUBACKs")
        return time.perf_counter() - started
    finally:
        client.disconnect()
        client.loop_stop()


class PollerProbe:
    """The engine's real poller on the simulated PLC, one fresh Poller per phase for its jitter."""

    def __init__(self, settings: Settings, register_map: RegisterMap, port: int | None) -> None:
        self.settings, self.register_map, self.port = settings, register_map, port
        self.client: PlcClient | None = None

    async def __aenter__(self) -> PollerProbe:
        if self.port is not None:
            self.client = PlcClient(self.settings.modbus, port=self.port)
            await self.client.connect()
        return self

    async def __aexit__(self, *_exc: object) -> None:
        if self.client is not None:
            try:
                async with asyncio.timeout(10):
                    await self.client.close()
            except TimeoutError:
                print("warning: the PLC client did not close within 10 s", flush=True)

    async def phase(
        self, name: str, work: Callable[[], Awaitable[object]], feed: Callable[[Snapshot], None] | None
    ) -> str:
        if self.client is None:
            await work()
            return f"{name}: poller not run (--no-poller)"
        poller = Poller(self.settings, self.register_map, self.client, feed or (lambda _snap: None),
                        alarms=AlarmManager())
        poller.start()
        try:
            await work()
        finally:
            try:
                async with asyncio.timeout(10):
                    await poller.stop()
            except TimeoutError:
                print(f"warning: the poller did not stop within 10 s after '{name}'", flush=True)
        j = poller.jitter()
        return (f"{name:<32} cycles {j.cycles:4d}  p50 {j.lateness_p50_ms:5.2f} ms  "
                f"p99 {j.lateness_p99_ms:5.2f} ms  max {j.lateness_max_ms:6.2f} ms  overruns {j.overruns}")


def prefill(settings: Settings, records: list[tuple[int, str]]) -> float:
    """Store the backlog the way the service would have while offline; returns seconds."""
    cfg = settings.iot.thingsboard
    outbox = Outbox(settings.data_dir / "mqtt_offline" / "outbox.db",
                    max_bytes=int(cfg.outbox_max_mb * 1e6), max_age_s=cfg.outbox_max_age_h * 3600)
    outbox.open()
    started = time.perf_counter()
    for i in range(0, len(records), 10_000):
        outbox.add(records[i:i + 10_000])
    elapsed = time.perf_counter() - started
    outbox.close()
    return elapsed


async def run(args: argparse.Namespace) -> int:
    register_map = load_register_map(PROJECT_ROOT / "config" / "registers.yaml")
    workdir = Path(tempfile.mkdtemp(prefix="bench-mqtt-"))
    broker, broker_port = start_mosquitto(workdir)
    sim, sim_port = (None, None) if args.no_poller else start_simulator()
    try:
        settings = load_settings(
            PROJECT_ROOT / "config" / "config.yaml", env={}, env_file=workdir / "no.env",
            overrides={
                "paths": {"data_dir": str(workdir / "data"), "logs_dir": str(workdir / "logs")},
                "modbus": {"port": sim_port or 502},
                "iot": {"thingsboard": {"enabled": True, "port": broker_port, "access_token": "bench"}},
            },
        )
        cfg = settings.iot.thingsboard
        count = args.records
        records = make_records(register_map, settings, count)
        messages = list(pack(records, cfg.drain_batch_records, cfg.max_message_bytes))
        payload_mb = sum(map(len, messages)) / 1e6
        print(f"backlog: {count} records in {len(messages)} messages ({payload_mb:.1f} MB, "
              f"<= {cfg.drain_batch_records} records / {cfg.max_message_bytes} B per message, "
              f"{cfg.max_inflight_messages} in flight, QoS 1)")
        lines: list[str] = []
        results: dict[str, float] = {}
        async with PollerProbe(settings, register_map, sim_port) as probe:
            lines.append(await probe.phase(f"idle, poller alone ({args.idle_s:g} s)",
                                           lambda: asyncio.sleep(args.idle_s), None))

            async def bare() -> None:
                # The bare loop is fast: repeat it for a few seconds so the poller sees it.
                elapsed, rounds = 0.0, 0
                while rounds == 0 or elapsed < 3.0:
                    elapsed += await asyncio.to_thread(bare_paho, broker_port, messages, cfg.max_inflight_messages)
                    rounds += 1
                results["bare_s"] = elapsed / rounds
                results["bare_rounds"] = rounds

            lines.append(await probe.phase("beside the bare paho loop", bare, None))
            for cap in (cfg.drain_max_records_per_s, 0.0):
                label = f"cap {cap:,.0f}/s" if cap else "no cap"
                run_settings = settings.model_copy(deep=True)
                run_settings.iot.thingsboard.drain_max_records_per_s = cap
                run_settings.paths.data_dir = workdir / f"data-{int(cap)}"
                prefill_s = prefill(run_settings, records)
                results.setdefault("prefill_s", prefill_s)
                service = TelemetryService(run_settings, register_map, AlarmManager())

                async def drain(service: TelemetryService = service, label: str = label) -> None:
                    started = time.perf_counter()
                    await service.start()
                    while service.delivered < count or service.health().backlog:
                        if time.perf_counter() - started > 600:
                            raise RuntimeError(f"drain stalled: {service.health()}")
                        await asyncio.sleep(0.01)
                    results[label] = time.perf_counter() - started
                    results[label + " live"] = service.delivered - count
                    await service.stop()

                lines.append(await probe.phase(f"during drain, {label}", drain, service.on_snapshot))
    finally:
        stop_process(broker)
        if sim is not None:
            stop_process(sim)
        shutil.rmtree(workdir, ignore_errors=True)

    bare_rps = count / results["bare_s"]
    print(f"bare paho publish loop             {bare_rps:10,.0f} records/s  "
          f"(mean of {int(results['bare_rounds'])} rounds, {results['bare_s']:.2f} s each)")
    project_rps = 0.0
    for cap in (cfg.drain_max_records_per_s, 0.0):
        label = f"cap {cap:,.0f}/s" if cap else "no cap"
        rps = count / results[label]
        project_rps = max(project_rps, rps) if cap == 0 else rps
        print(f"TelemetryService, {label:<16} {rps:10,.0f} records/s  ({results[label]:.2f} s from start(), "
              f"{int(results[label + ' live'])} live records sent meanwhile)  ratio to bare {rps / bare_rps:.2f}")
    default_rps = count / results[f"cap {cfg.drain_max_records_per_s:,.0f}/s"] if cfg.drain_max_records_per_s \
        else count / results["no cap"]
    print(f"outbox prefill (SQLite inserts)    {count / results['prefill_s']:10,.0f} records/s")
    print(f"target >= {TARGET_RPS:,.0f} records/s with the shipped config: "
          f"{'met' if default_rps >= TARGET_RPS else 'NOT met'} ({default_rps:,.0f}/s)")
    print(f"acquisition jitter (engine poller at 10 Hz on the simulated PLC; target p99 <= "
          f"{JITTER_P99_TARGET_MS:g} ms, no overrun):")
    for line in lines:
        print(f"  {line}")
    return 0


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--records", type=int, default=86_400)
    parser.add_argument("--idle-s", type=float, default=10.0, help="poller-alone phase length")
    parser.add_argument("--no-poller", action="store_true", help="skip the simulator and the jitter figures")
    sys.stdout.reconfigure(line_buffering=True)  # type: ignore[union-attr]  # progress shows when piped
    return asyncio.run(run(parser.parse_args()))


if __name__ == "__main__":
    raise SystemExit(main())
