"""ISA-18.2 KPI: operator alarms per hour in simulated production without injected faults.

Runs the real engine on the bundled simulator (as ``bandsaw engine --simulate --sim-speedup 30
--duration 120``: 120 s of wall time are one hour of saw time) in a temporary data directory and
counts the alarms raised for the operator (the banner's alarms: configured groups applied,
statistical detectors in the engineer's queue, process bits held between cuts). Baseline,
measured in the same run: every rising edge of the PLC's alarm code and alarm bits as polled,
plus every other condition onset reported to the alarm manager, key by key (what the operator
got before ISA-18.2 rationalisation: one alarm per source and per cut). Target: <= 6 per hour.

The engineer's queue (statistical detectors) is counted the same way, items raised per hour,
beside its own baseline from the same run: a second alarm manager fed the same conditions
without detector families and off-delays (one item per detector key and episode). Off-delays are
saw time: divided by the speedup here. Target: <= 6 per hour as well.

    .venv/bin/python -m bench.alarm_rate [--speedup 30] [--duration 120] [--seed 1]
"""

from __future__ import annotations

import argparse
import asyncio
import logging
import tempfile
from collections import Counter
from dataclasses import replace
from pathlib import Path
from typing import Any

from core.analysis.alarm_policy import Audience
from core.analysis.alarms import AlarmManager, AlarmTransition
from core.analysis.cut_stats import CutRecord
from core.analysis.detectors import AnomalyEvent
from core.config import Settings, load_settings
from core.engine import Engine
from core.registers import load_register_map
from core.snapshot import Snapshot

TARGET_PER_HOUR = 6.0


class Counts:
    def __init__(self) -> None:
        self.operator: Counter[str] = Counter()
        self.engineer: Counter[str] = Counter()
        self.engineer_per_key: Counter[str] = Counter()  # the same conditions without families and off-delays
        self.raw: Counter[str] = Counter()
        self._raw_active: dict[str, bool] = {}
        self.texts: dict[str, str] = {}
        self.repeats: Counter[str] = Counter()  # raises counted on a standing engineer item (its off-delay)
        self.anomalies: Counter[tuple[str, str]] = Counter()  # (detector key, onset/escalate): every episode
        self.cuts: Counter[str] = Counter()  # by outcome

    def on_anomaly(self, event: AnomalyEvent) -> None:
        if event.phase != "end":
            self.anomalies[(event.key, event.phase)] += 1

    def on_cut(self, record: CutRecord) -> None:
        self.cuts[record.outcome] += 1

    def on_transition(self, transition: AlarmTransition) -> None:
        alarm = transition.alarm
        if transition.action == "clear":
            self.repeats[alarm.key] += alarm.repeats
        if transition.action != "raise":
            return
        queue = self.operator if alarm.audience is Audience.OPERATOR else self.engineer
        queue[alarm.key] += 1
        self.texts[alarm.key] = alarm.text

    def on_per_key(self, transition: AlarmTransition) -> None:
        if transition.action == "raise" and transition.alarm.audience is Audience.ENGINEER:
            self.engineer_per_key[transition.alarm.key] += 1

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


def saw_time_settings(data_dir: Path, speedup: float) -> Settings:
    """The configuration with the engineer items' off-delays in saw time: the simulator runs
    ``speedup`` times faster than the wall clock the alarm manager keeps, so a configured 600 s
    off-delay is 600 / speedup s of wall time here (unscaled it would span speedup times as many
    cuts as at the saw, and flatter the figure)."""
    paths = {"data_dir": str(data_dir)}
    configured = load_settings(overrides={"paths": paths}).analysis.alarms.off_delay_s
    scaled = {key: seconds / speedup for key, seconds in configured.items()}
    return load_settings(overrides={"paths": paths, "analysis": {"alarms": {"off_delay_s": scaled}}})


async def run(speedup: float, duration: float, seed: int, data_dir: Path) -> Counts:
    settings = saw_time_settings(data_dir, speedup)
    engine = Engine(settings, load_register_map(settings.register_map_path), simulate=True, sim_speedup=speedup,
                    sim_seed=seed)
    counts = Counts()
    engine.alarms.subscribe(counts.on_transition)
    report = engine.alarms.update
    # The engineer's queue as it was before families and off-delays (one item per detector key and
    # episode, 5b50bfa), fed the same conditions in the same run: the queue's own baseline.
    per_key = AlarmManager(policy=replace(engine.alarms.policy, families={}, off_delays={}))
    per_key.subscribe(counts.on_per_key)

    def counting_update(key: str, active: bool, text: str, **kwargs: Any) -> None:
        counts.on_condition(key, active)  # the baseline: every condition, before groups and queues
        per_key.update(key, active, text, **kwargs)
        report(key, active, text, **kwargs)

    engine.alarms.update = counting_update  # type: ignore[method-assign]
    engine.subscribe(counts.on_snapshot)
    engine.analysis.monitor.subscribe(counts.on_anomaly)  # detector episodes, alarmed or not
    engine.analysis.tracker.subscribe(counts.on_cut)
    await engine.start()
    try:
        await asyncio.sleep(duration)
        for alarm in engine.alarms.all():  # the items still standing at the end
            if alarm.condition:
                counts.repeats[alarm.key] += alarm.repeats
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
    engineer = sum(counts.engineer.values())
    print(f"engineer queue items raised:  {engineer:5d}  = {engineer / hours:6.1f} per hour "
          f"(target <= {TARGET_PER_HOUR:g}: {'met' if engineer / hours <= TARGET_PER_HOUR else 'NOT met'}; "
          f"{sum(counts.repeats.values())} re-raises counted on standing items)")
    per_key = sum(counts.engineer_per_key.values())
    print(f"  baseline, same run, one item per detector key and episode (no families, no off-delay): "
          f"{per_key:5d}  = {per_key / hours:6.1f} per hour")
    delays = load_settings().analysis.alarms.off_delay_s
    print("engineer items' off-delay (saw time): "
          + (", ".join(f"{key} {seconds:g} s" for key, seconds in delays.items()) or "none")
          + f", run at 1/{args.speedup:g} of it in wall time")
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
    print("top 10 engineer queue items:")
    for key, n in counts.engineer.most_common(10):
        print(f"  {n:4d}  {key:28s} {counts.texts.get(key, '')}")
    if not counts.engineer:
        print("  (none)")
    print("top 10 engineer items, baseline (one per detector key and episode):")
    for key, n in counts.engineer_per_key.most_common(10):
        print(f"  {n:4d}  {key}")
    if not counts.engineer_per_key:
        print("  (none)")
    print("top 10 conditions before rationalisation (baseline):")
    for key, n in counts.raw.most_common(10):
        print(f"  {n:4d}  {key}")


if __name__ == "__main__":
    main()
