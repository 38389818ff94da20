"""Acquisition benchmark: the project's Poller beside a bare pymodbus loop, same blocks, same run.

The bench starts the simulated PLC itself: by default in a child process (a real PLC is
another machine; a simulator thread in this process fights the measured loop for the GIL and
made the figures swing five-fold between rounds), or with ``--sim-in-loop`` inside the measured
event loop (both loops then also pay for the simulator's work). Then:

(a) at the read rate (10 Hz) for ``--duration`` seconds, the Poller and a bare loop run side by
    side, each on its own connection, their deadlines half a period apart: achieved rate,
    jitter of each cycle's start against its deadline (p50/p99/max), missed cycles;
(b) flat out, interleaved rounds of each: the most cycles per second each manages, and the
    Poller's rate as a ratio of the bare loop's (target >= 0.7), with CPU time per cycle;
(c) the Poller's own CPU per cycle with reads answered from memory: its cost beyond the I/O,
    which a loaded machine does not blur (loopback sends wake the simulator and cost
    milliseconds when the CPUs are busy, for both loops alike).

    .venv/bin/python bench/acquisition.py --duration 300
"""

from __future__ import annotations

import argparse
import asyncio
import contextlib
import logging
import math
import re
import signal
import statistics
import sys
import time
from collections.abc import AsyncIterator
from dataclasses import dataclass, field
from pathlib import Path

from pymodbus.client import AsyncModbusTcpClient

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from core.analysis.alarms import AlarmManager
from core.config import PROJECT_ROOT, Settings, load_settings
from core.modbus.client import PlcClient
from core.modbus.poller import Poller
from core.modbus.stats import percentiles
from core.registers import Block, RegisterMap, load_register_map
from core.sim.server import SimulatorServer
from core.snapshot import Snapshot

FLAT_OUT_HZ = 1e6  # a period far below any cycle time: the Poller runs back to back
FLAT_ROUNDS = 6  # short interleaved rounds: load from other processes hits both loops alike
_CHILD = """
import asyncio, sys
from core.registers import load_register_map
from core.sim.server import serve
asyncio.run(serve("127.0.0.1", 0, int(sys.argv[1]), 1.0, load_register_map(sys.argv[2])))
"""


@contextlib.asynccontextmanager
async def simulator(register_map: RegisterMap, seed: int, in_loop: bool) -> AsyncIterator[int]:
    """Serve the simulated PLC; yields its port."""
    if in_loop:
        async with SimulatorServer(register_map, port=0, seed=seed) as sim:
            yield sim.port
        return
    child = await asyncio.create_subprocess_exec(
        sys.executable, "-c", _CHILD, str(seed), register_map.source,
        stdout=asyncio.subprocess.PIPE, stderr=asyncio.subprocess.DEVNULL, cwd=PROJECT_ROOT,
    )
    try:
        assert child.stdout is not None
        line = (await asyncio.wait_for(child.stdout.readline(), 60)).decode(errors="replace")
        found = re.search(r"listening on [\d.]+:(\d+)", line)
        if found is None:
            raise RuntimeError(f"simulator did not start: {line.strip() or 'no output'}")
        yield int(found.group(1))
    finally:
        if child.returncode is None:
            child.send_signal(signal.SIGTERM)
            try:
                await asyncio.wait_for(child.wait(), 10)
            except TimeoutError:
                child.kill()
                await child.wait()


@dataclass
class LoopFigures:
    cycles: int = 0
    elapsed_s: float = 0.0
    missed: int = 0
    cpu_s: float = 0.0  # process CPU time spent while the loop ran
    lateness_ms: list[float] = field(default_factory=list)

    @property
    def rate(self) -> float:
        return self.cycles / self.elapsed_s if self.elapsed_s > 0 else 0.0

    def jitter(self) -> tuple[float, float, float]:
        p50, p99, top = percentiles(self.lateness_ms, 0.5, 0.99, 1.0)
        return p50, p99, top


async def bare_loop(port: int, blocks: list[Block], period: float | None, duration: float,
                    offset: float = 0.0) -> LoopFigures:
    """Read the blocks with plain pymodbus calls; on deadlines when ``period`` is given."""
    client = AsyncModbusTcpClient("127.0.0.1", port=port, timeout=1.0, retries=0, reconnect_delay=1.0)
    if not await client.connect():
        raise RuntimeError("bare client cannot connect")
    figures = LoopFigures()
    cpu = time.process_time()
    try:
        started = time.monotonic()
        end = started + offset + duration
        deadline = started + offset
        while True:
            if period is not None:
                await asyncio.sleep(max(0.0, deadline - time.monotonic()))
                now = time.monotonic()
                if now >= end:
                    break
                figures.lateness_ms.append((now - deadline) * 1000.0)
            elif time.monotonic() >= end:
                break
            for block in blocks:
                await client.read_holding_registers(block.address, count=block.count, device_id=1)
            figures.cycles += 1
            if period is not None:
                deadline += period
                behind = time.monotonic() - deadline
                if behind > 0:
                    skipped = math.ceil(behind / period)
                    figures.missed += skipped
                    deadline += skipped * period
        figures.elapsed_s = duration
        figures.cpu_s = time.process_time() - cpu
    finally:
        client.close()
        await asyncio.sleep(0)
    return figures


async def poller_loop(settings: Settings, register_map: RegisterMap, port: int, rate_hz: float,
                      duration: float) -> LoopFigures:
    client = PlcClient(settings.modbus, host="127.0.0.1", port=port)
    count = [0]

    def consume(snapshot: Snapshot) -> None:
        count[0] += 1

    poller = Poller(settings, register_map, client, consume, alarms=AlarmManager(), rate_hz=rate_hz)
    if not await client.connect():
        raise RuntimeError("PlcClient cannot connect")
    try:
        cpu = time.process_time()
        poller.start()
        started = time.monotonic()
        await asyncio.sleep(duration)
        elapsed = time.monotonic() - started
        await poller.stop()
        cpu = time.process_time() - cpu
    finally:
        await client.close()
    jitter = poller.jitter()
    figures = LoopFigures(cycles=count[0], elapsed_s=elapsed, missed=jitter.overruns, cpu_s=cpu)
    figures.lateness_ms = poller.lateness_ms()
    return figures


class MemoryReader:
    """Answers every read at once: what the Poller costs beyond the Modbus I/O."""

    link_up = True
    last_error = ""

    async def read_holding(self, address: int, count: int) -> list[int]:
        return [address & 0xFF] * count


async def poller_overhead_us(settings: Settings, register_map: RegisterMap, duration: float) -> float:
    """CPU microseconds per Poller cycle with no I/O (scheduling, decode, snapshot, health)."""
    count = [0]

    def consume(snapshot: Snapshot) -> None:
        count[0] += 1

    poller = Poller(settings, register_map, MemoryReader(), consume, alarms=AlarmManager(), rate_hz=FLAT_OUT_HZ)
    cpu = time.process_time()
    poller.start()
    await asyncio.sleep(duration)
    await poller.stop()
    return 1e6 * (time.process_time() - cpu) / max(1, count[0])


async def run(args: argparse.Namespace) -> int:
    settings = load_settings(PROJECT_ROOT / "config" / "config.yaml", env={})
    register_map = load_register_map(settings.register_map_path)
    blocks = register_map.plan(settings.modbus.max_block_gap)
    rate = settings.modbus.read_rate_hz
    period = 1.0 / rate
    where = "in this event loop" if args.sim_in_loop else "in a child process"
    async with simulator(register_map, args.seed, args.sim_in_loop) as port:
        registers = sum(block.count for block in blocks)
        print(f"simulated PLC {where} on 127.0.0.1:{port}; {len(blocks)} blocks, {registers} registers per cycle")
        print(f"(a) {rate:g} Hz for {args.duration:g} s, Poller and bare loop side by side ...", flush=True)
        poller_task = asyncio.create_task(poller_loop(settings, register_map, port, rate, args.duration))
        bare = await bare_loop(port, blocks, period, args.duration, offset=period / 2)
        paced = await poller_task
        round_s = args.flat_duration / FLAT_ROUNDS
        print(f"(b) flat out, {FLAT_ROUNDS} interleaved rounds of {round_s:.1f} s each ...", flush=True)
        flat_bare: list[LoopFigures] = []
        flat_poller: list[LoopFigures] = []
        for _ in range(FLAT_ROUNDS):
            flat_bare.append(await bare_loop(port, blocks, None, round_s))
            flat_poller.append(await poller_loop(settings, register_map, port, FLAT_OUT_HZ, round_s))
    print("(c) the Poller's own CPU per cycle, reads answered from memory ...", flush=True)
    overhead_us = await poller_overhead_us(settings, register_map, 3.0)

    bare_max = sum(f.cycles for f in flat_bare) / sum(f.elapsed_s for f in flat_bare)
    poller_max = sum(f.cycles for f in flat_poller) / sum(f.elapsed_s for f in flat_poller)
    ratio = poller_max / bare_max if bare_max else 0.0
    # CPU per cycle barely depends on what else the machine is doing: the loops' own cost.
    bare_cpu_us = 1e6 * sum(f.cpu_s for f in flat_bare) / max(1, sum(f.cycles for f in flat_bare))
    poller_cpu_us = 1e6 * sum(f.cpu_s for f in flat_poller) / max(1, sum(f.cycles for f in flat_poller))
    round_ratios = sorted(p.rate / b.rate for p, b in zip(flat_poller, flat_bare, strict=True) if b.rate)
    p_jit, b_jit = paced.jitter(), bare.jitter()
    rows = [
        ("", "Poller", "bare pymodbus"),
        (f"(a) achieved rate at {rate:g} Hz", f"{paced.rate:.3f} Hz", f"{bare.rate:.3f} Hz"),
        ("    cycles", f"{paced.cycles}", f"{bare.cycles}"),
        ("    start jitter p50", f"{p_jit[0]:.2f} ms", f"{b_jit[0]:.2f} ms"),
        ("    start jitter p99", f"{p_jit[1]:.2f} ms", f"{b_jit[1]:.2f} ms"),
        ("    start jitter max", f"{p_jit[2]:.2f} ms", f"{b_jit[2]:.2f} ms"),
        ("    missed cycles", f"{paced.missed}", f"{bare.missed}"),
        ("(b) flat out", f"{poller_max:.0f} cycles/s", f"{bare_max:.0f} cycles/s"),
        ("    CPU per cycle", f"{poller_cpu_us:.0f} us", f"{bare_cpu_us:.0f} us"),
    ]
    width = max(len(row[0]) for row in rows) + 2
    print()
    for label, mine, baseline in rows:
        print(f"{label:<{width}}{mine:>16}{baseline:>18}")
    print(f"{'    Poller / bare':<{width}}{ratio:>16.2f}   (target >= 0.7; per round "
          f"{' '.join(f'{r:.2f}' for r in round_ratios)})")
    print(f"{'    median round ratio':<{width}}{statistics.median(round_ratios) if round_ratios else 0:>16.2f}")
    print(f"{'(c) own cost, no I/O':<{width}}{overhead_us:>13.0f} us   per cycle = "
          f"{100 * overhead_us / bare_cpu_us if bare_cpu_us else 0:.0f}% of the bare loop's CPU per cycle; "
          f"ratio implied {bare_cpu_us / (bare_cpu_us + overhead_us) if bare_cpu_us else 0:.2f}")
    verdicts = [
        ("jitter p99 <= 5 ms", p_jit[1] <= 5.0),
        ("no missed cycle", paced.missed == 0),
        ("flat-out ratio >= 0.7", ratio >= 0.7),
    ]
    print("targets: " + ", ".join(f"{name}: {'met' if ok else 'NOT met'}" for name, ok in verdicts))
    return 0


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--duration", type=float, default=300.0, help="seconds of the 10 Hz phase (default 300)")
    parser.add_argument("--flat-duration", type=float, default=30.0,
                        help="seconds of flat-out reading for each loop, split in rounds (default 30)")
    parser.add_argument("--sim-in-loop", action="store_true",
                        help="run the simulator in the measured event loop instead of a child process")
    parser.add_argument("--seed", type=int, default=1)
    args = parser.parse_args()
    if args.duration <= 0 or args.flat_duration <= 0:
        parser.error("durations must be positive")
    logging.basicConfig(level=logging.WARNING)
    logging.getLogger("pymodbus").setLevel(logging.CRITICAL)
    return asyncio.run(run(args))


if __name__ == "__main__":
    raise SystemExit(main())
