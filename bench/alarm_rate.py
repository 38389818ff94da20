"""ISA-18.2 KPI: operator alarms per hour in simulated production without injected faults.

Runs the real engine on the bundled simulator (as ``bandsaw engine --simulate --sim-speedup 30
--duration 120``: 120 s of wall time are one hour of saw time) in a temporary data directory and
counts the alarms raised for the operator (the banner's alarms: configured groups applied,
statistical detectors in the engineer's queue, process bits held between cuts). Baseline,
measured in the same run: every rising edge of the PLC's alarm code and alarm bits as polled,
plus every other condition onset reported to the alarm manager, key by key (what the operator
got before ISA-18.2 rationalisation: one alarm per source and per cut). Target: <= 6 per hour.

    .venv/bin/python -m bench.alarm_rate [--speedup 30] [--duration 120] [--seed 1]
"""

from __future__ import annotations

import argparse
import asyncio
import logging
import tempfile
from collections import Counter
from pathlib import Path
from typing import Any

from core.analysis.alarm_policy import Audience
from core.analysis.alarms import AlarmTransition
from core.analysis.cut_stats import CutRecord
from core.analysis.detectors import AnomalyEvent
from core.config import load_settings
from core.engine import Engine
from core.registers import load_register_map
from core.snapshot import Snapshot

TARGET_PER_HOUR = 6.0


class Counts:
    def __init__(self) -> None:
        self.operator: Counter[str] = Counter()
        self.engineer: Counter[str] = Counter()
        self.raw: Counter[str] = Counter()
        self._raw_active: dict[str, bool] = {}
        self.texts: dict[str, str] = {}
        self.anomalies: Counter[tuple[str, str]] = Counter()  # (detector key, onset/escalate): every episode
        self.cuts: Counter[str] = Counter()  # by outcome

    def on_anomaly(self, event: AnomalyEvent) -> None:
        if event.phase != "end":
            self.anomalies[(event.key, event.phase)] += 1

    def on_cut(self, record: CutRecord) -> None:
        self.cuts[record.outcome] += 1

    def on_transition(self, transition: AlarmTransition) -> None:
        if transition.action != "raise":
            return
        alarm = transition.alarm
        queue = self.operator if alarm.audience is Audience.OPERATOR else self.engineer
        queue[alarm.key] += 1
        self.texts[alarm.key] = alarm.text

    def on_condition(self, key: str, active: bool) -> None:
        if key.startswith("plc."):
            return  # counted from the polled registers themselves (on_snapshot)
        if active and not self._raw_active.get(key, False):
            self.raw[key] += 1
        self._raw_active[key] = active

    def on_snapshot(self, snapshot: Snapshot) -> None:
        code, bits = snapshot.values.get("alarm_status"), snapshot.values.get("alarm_info")
        if code is not None:
            self.on_raw("plc.alarm", code > 0)
        if bits is not None:
            for bit in range(16):
                self.on_raw(f"plc.bit.{bit}", bool(int(bits) & (1 << bit)))

    def on_raw(self, key: str, active: bool) -> None:
        if active and not self._raw_active.get(key, False):
            self.raw[key] += 1
        self._raw_active[key] = active


async def run(speedup: float, duration: float, seed: int, data_dir: Path) -> Counts:
    settings = load_settings(overrides={"paths": {"data_dir": str(data_dir)}})
    engine = Engine(settings, load_register_map(settings.register_map_path), simulate=True, sim_speedup=speedup,
                    sim_seed=seed)
    counts = Counts()
    engine.alarms.subscribe(counts.on_transition)
    report = engine.alarms.update

    def counting_update(key: str, active: bool, text: str, **kwargs: Any) -> None:
        counts.on_condition(key, active)  # the baseline: every condition, before groups and queues
        report(key, active, text, **kwargs)

    engine.alarms.update = counting_update  # type: ignore[method-assign]
    engine.subscribe(counts.on_snapshot)
    engine.analysis.monitor.subscribe(counts.on_anomaly)  # detector episodes, alarmed or not
    engine.analysis.tracker.subscribe(counts.on_cut)
    await engine.start()
    try:
        await asyncio.sleep(duration)
    finally:
        await engine.stop()
    return counts


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--speedup", type=float, default=30.0)
    parser.add_argument("--duration", type=float, default=120.0, help="wall-clock seconds")
    parser.add_argument("--seed", type=int, default=1)
    args = parser.parse_args()
    logging.basicConfig(level=logging.ERROR)
    with tempfile.TemporaryDirectory(prefix="bench-alarm-rate-") as tmp:
        counts = asyncio.run(run(args.speedup, args.duration, args.seed, Path(tmp)))
    hours = args.duration * args.speedup / 3600.0
    operator = sum(counts.operator.values())
    print(f"simulated production: {hours:.2f} h of saw time ({args.duration:g} s at speedup {args.speedup:g}), "
          f"seed {args.seed}, no injected faults")
    print(f"operator alarms raised:       {operator:5d}  = {operator / hours:6.1f} per hour "
          f"(ISA-18.2 target <= {TARGET_PER_HOUR:g}: {'met' if operator / hours <= TARGET_PER_HOUR else 'NOT met'})")
    print(f"engineer queue items raised:  {sum(counts.engineer.values()):5d}  = "
          f"{sum(counts.engineer.values()) / hours:6.1f} per hour")
    print(f"baseline, every condition onset (PLC bits as polled, one per cut): {sum(counts.raw.values()):5d}  = "
          f"{sum(counts.raw.values()) / hours:6.1f} per hour")
    cuts = ", ".join(f"{n} {outcome}" for outcome, n in counts.cuts.most_common()) or "none"
    print(f"cuts: {sum(counts.cuts.values())} ({cuts})")
    profile = {phase: counts.anomalies[("band_current.profile", phase)] for phase in ("onset", "escalate")}
    print(f"band_current.profile episodes: {profile['onset']} onsets, {profile['escalate']} escalations")
    print("anomaly detector episodes (onset / escalate), alarmed or not:")
    for key in sorted({k for k, _phase in counts.anomalies}):
        print(f"  {key:28s} {counts.anomalies[(key, 'onset')]:4d} / {counts.anomalies[(key, 'escalate')]:4d}")
    if not counts.anomalies:
        print("  (none)")
    print("top 10 operator alarms:")
    for key, n in counts.operator.most_common(10):
        print(f"  {n:4d}  {key:28s} {counts.texts.get(key, '')}")
    if not counts.operator:
        print("  (none)")
    print("top 10 conditions before rationalisation (baseline):")
    for key, n in counts.raw.most_common(10):
        print(f"  {n:4d}  {key}")


if __name__ == "__main__":
    main()
