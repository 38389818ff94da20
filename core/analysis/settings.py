"""Settings of the ``analysis`` section: cut tracking, anomaly detectors, alarm sources.

Kept beside the code that uses it; core.config includes it as ``Settings.analysis``.
This module must not import core.config (core.config imports it).
"""

from __future__ import annotations

from pathlib import Path
from typing import Literal

from pydantic import Field, model_validator

from core.config_sources import SettingsSection
from core.production.band_life_settings import BandLifeSettings


class _Section(SettingsSection):  # unknown keys, NaN/infinity, true/false for a number: refused
    pass


class CutSettings(_Section):
    # COMM_ERROR (or no snapshots) for longer than this suspends the open cut; when data
    # returns the cut resumes (same piece still cutting) or is closed as "interrupted".
    comm_loss_timeout_s: float = Field(default=5.0, gt=0)
    # The open cut is saved this often so an engine restart can close or resume it.
    persist_every_s: float = Field(default=5.0, gt=0)
    # A cut that leaves CUTTING having gone at least this fraction of the section height
    # counts as completed even if the COMPLETED state fell between two polls.
    complete_depth_ratio: float = Field(default=0.97, gt=0, le=1)
    # Head height may rise by this much during a gap and still be the same piece.
    resume_tolerance_mm: float = Field(default=2.0, ge=0)
    # Area a band is expected to cut in its life: blade life used = area cut / this.
    blade_life_area_cm2: float = Field(default=60_000.0, gt=0)


DetectorKind = Literal["zscore", "iqr", "rate", "profile"]


class DetectorSettings(_Section):
    signal: str
    kind: DetectorKind
    # zscore: |z|; iqr: distance beyond the fences in IQRs; rate: units per second;
    # profile: |value - reference| / max(reference spread, rel_floor * |reference|).
    threshold: float = Field(gt=0)
    min_samples: int = Field(default=30, ge=2)
    # zscore/iqr: samples in the sliding window (>= 4); rate: samples the slope spans (>= 1).
    window: int = Field(default=300, ge=1, le=100_000)
    # Clear when the score falls below threshold * (1 - hysteresis).
    hysteresis: float = Field(default=0.2, ge=0, lt=1)
    # Only look while the saw is cutting (process signals are meaningless at idle).
    cutting_only: bool = True
    # cutting_only: not judged while the band enters or leaves the piece (fraction of the section
    # height): currents and torques jump there by design (descent current is 0 until contact).
    skip_entry: float = Field(default=0.05, ge=0, lt=0.5)
    skip_exit: float = Field(default=0.03, ge=0, lt=0.5)
    # Spread below which a signal counts as constant (zscore sigma / iqr width floor).
    min_spread: float = Field(default=0.0, ge=0)
    # profile: bins along the normalised head position, reference cuts, relative floor.
    bins: int = Field(default=20, ge=2, le=200)
    reference_cuts: int = Field(default=5, ge=1, le=50)
    min_reference_cuts: int = Field(default=3, ge=1, le=50)
    rel_floor: float = Field(default=0.15, ge=0)

    @model_validator(mode="after")
    def _references(self) -> DetectorSettings:
        if self.kind in ("zscore", "iqr") and self.window < 4:
            raise ValueError(f"window ({self.window}) must be at least 4 for {self.kind}")
        if self.min_reference_cuts > self.reference_cuts:
            raise ValueError(
                f"min_reference_cuts ({self.min_reference_cuts}) must not exceed "
                f"reference_cuts ({self.reference_cuts})"
            )
        return self


def _default_detectors() -> list[DetectorSettings]:
    return [
        DetectorSettings(signal="band_current", kind="zscore", threshold=4.0, min_spread=0.2),
        DetectorSettings(signal="band_current", kind="profile", threshold=3.0),
        DetectorSettings(signal="band_torque", kind="zscore", threshold=4.0, min_spread=1.0),
        DetectorSettings(signal="band_torque", kind="rate", threshold=60.0, window=5, min_samples=6),
        DetectorSettings(signal="band_deviation", kind="iqr", threshold=3.0, min_spread=0.05),
        DetectorSettings(signal="vibration_x", kind="iqr", threshold=3.0, min_spread=0.01),
        DetectorSettings(signal="vibration_y", kind="iqr", threshold=3.0, min_spread=0.01),
        DetectorSettings(signal="vibration_z", kind="iqr", threshold=3.0, min_spread=0.01),
        DetectorSettings(signal="descent_current", kind="zscore", threshold=4.0, min_spread=0.1),
        DetectorSettings(
            signal="hydraulic_temp", kind="rate", threshold=0.2, window=300, min_samples=301, cutting_only=False
        ),
        DetectorSettings(
            signal="coolant_temp", kind="rate", threshold=0.2, window=300, min_samples=301, cutting_only=False
        ),
    ]


class AlarmSourceSettings(_Section):
    # Anomalies of this severity (1 low, 2 medium, 3 high) and above raise an alarm.
    anomaly_alarm_severity: int = Field(default=3, ge=1, le=3)
    # Link loss is alarmed once the link has been down this long (a single failed poll is not).
    link_loss_delay_s: float = Field(default=3.0, ge=0)
    disk_check_every_s: float = Field(default=30.0, gt=0)
    # PLC alarm_status codes and alarm_info bits, decoded for the operator (the saw PLC's table;
    # unknown codes and bits still alarm, with their number).
    plc_alarm_codes: dict[int, str] = Field(
        default_factory=lambda: {
            1: "Band torque overload: cut stopped",
            2: "Tooth breakage: cut stopped",
            3: "HMI heartbeat lost: feed stopped",
        }
    )
    plc_alarm_bits: dict[int, str] = Field(
        default_factory=lambda: {
            0: "Band torque above the overload level",
            1: "Tooth breakage",
            2: "HMI heartbeat lost",
            3: "Band deviation above 0.5 mm",
            4: "Chatter: band speed in the grade's chatter band",
            5: "Band worn (above 90 %)",
            6: "Chip too thick for the grade",
        }
    )
    # alarm_info bits that the PLC can only judge while cutting (deviation, chatter, chip too thick):
    # they hold between cuts and clear after this many polls of a cut without them, so one standing
    # condition is one alarm, not one per cut (ISA-18.2: no alarm that repeats for the same cause).
    held_between_cuts_bits: list[int] = Field(default_factory=lambda: [3, 4, 6])
    clear_after_cutting_polls: int = Field(default=30, ge=1, le=100_000)
    # Band current above the current bar's overload (hmi.bars.band_current.overload, derived from the
    # torque bar unless a plant sets its motor's rating) this long while cutting: an operator alarm
    # (process.band_overload.current); it clears below the limit less this percentage.
    current_overload_delay_s: float = Field(default=2.0, ge=0, le=600)
    current_overload_clear_pct: float = Field(default=5.0, ge=0, lt=100)
    # Priority 1 critical .. 4 low by alarm key; the longest matching prefix wins.
    priorities: dict[str, int] = Field(
        default_factory=lambda: {
            "plc.alarm": 1,
            "plc.bit": 3,
            "plc.bit.0": 2,
            "plc.bit.1": 2,
            "plc.bit.2": 2,
            "process.chatter": 3,
            "process.band_overload": 2,
            "modbus.link_lost": 1,
            "modbus.no_data": 1,
            "modbus.exception": 2,
            "modbus.partial_data": 3,
            "modbus.rate_low": 3,
            "storage": 2,
            "storage.rows_dropped": 1,
            "storage.db_vanished": 1,
            "storage.archive_stopped": 3,
            "mqtt": 4,
            "mqtt.outbox_overflow": 2,
            "mqtt.outbox_error": 2,
            "postgres": 4,
            "control.torque_guard": 3,
            "control.model_refused": 3,
            "control.ml_fault": 2,
            "control.ml_speeds_left": 2,
            "control.ml_outside_envelope": 4,
            "control.plc_trip": 2,
            "control.load_ceiling": 2,
            "security": 2,
            "security.users_db": 1,
            "security.audit_tampered": 1,
            "security.audit_unverified": 2,
            "anomaly": 3,
            "analysis.config": 3,
            "band_life": 3,
        }
    )
    # Operator texts (value, unit, limit, response) in every language: core.analysis.messages.
    # None: alarm_messages.yaml beside config.yaml, else the packaged default (Settings.config_file).
    messages_file: Path | None = None
    # Alarm key prefixes that go to the engineer's queue instead of the operator's banner
    # (statistical detectors need judgement, not an operator response: ISA-18.2).
    engineer_queue: list[str] = Field(default_factory=lambda: ["anomaly", "analysis.config"])
    # One event seen by several sources is one alarm: group key -> member key prefixes. The group is
    # the operator's alarm once an operator member is active; statistical members join it only then
    # (alone they are their own engineer items, under their own keys). A group of statistical
    # members only is an engineer item.
    groups: dict[str, list[str]] = Field(
        default_factory=lambda: {
            "process.chatter": ["plc.bit.4", "anomaly.vibration_x", "anomaly.vibration_y", "anomaly.vibration_z"],
            "process.band_overload": ["plc.bit.0", "process.band_overload.current", "anomaly.band_torque",
                                      "anomaly.band_current"],
        }
    )

    # Statistical detectors of one signal family are one engineer item while any of them stands
    # (vibration X, Y and Z seeing one event: one unusual-vibration item, not three): family key ->
    # member key prefixes. Members are engineer-queue keys only (a family never takes an operator's
    # alarm); a member of an operator's group (above) still joins that group while the operator holds it.
    engineer_families: dict[str, list[str]] = Field(
        default_factory=lambda: {
            "anomaly.vibration": ["anomaly.vibration_x", "anomaly.vibration_y", "anomaly.vibration_z"],
            "anomaly.band_load": ["anomaly.band_torque", "anomaly.band_current"],
        }
    )
    # ISA-18.2 off-delay of engineer items, in seconds, by key prefix (the longest matching wins): an
    # item's condition ends only once it has stayed clear this long, and a raise within that time is
    # counted on the standing item (Alarm.repeats) instead of raising a new one. Statistical detectors
    # chatter about their thresholds cut after cut (a fault-free hour raised 11-23 items); the first
    # raise of an episode is never delayed. Engineer-queue keys only.
    off_delay_s: dict[str, float] = Field(default_factory=lambda: {"anomaly": 600.0})

    @model_validator(mode="after")
    def _valid(self) -> AlarmSourceSettings:
        for bit in [*self.plc_alarm_bits, *self.held_between_cuts_bits]:
            if not 0 <= bit <= 15:
                raise ValueError(f"plc_alarm_bits / held_between_cuts_bits: bit {bit} is outside 0..15")
        for key, priority in self.priorities.items():
            if not 1 <= priority <= 4:
                raise ValueError(f"priorities.{key} = {priority}: allowed 1 (critical) .. 4 (low)")
        owner: dict[str, str] = {}
        for group, members in self.groups.items():
            if not members:
                raise ValueError(f"groups.{group}: list at least one member key")
            for member in members:
                if member == group or member in owner:
                    raise ValueError(f"groups.{group}: member {member!r} is already "
                                     f"{'the group itself' if member == group else 'in ' + owner[member]}")
                owner[member] = group
        family_owner: dict[str, str] = {}
        for family, members in self.engineer_families.items():
            if family in self.groups or not members:
                raise ValueError(f"engineer_families.{family}: " + (
                    "is also a group key" if members else "list at least one member key"))
            for member in members:
                if member == family or member in family_owner or not _under(member, self.engineer_queue):
                    why = ("the family itself" if member == family else f"in {family_owner[member]}"
                           if member in family_owner else "not an engineer_queue key")
                    raise ValueError(f"engineer_families.{family}: member {member!r} is {why}")
                family_owner[member] = family
        for key, seconds in self.off_delay_s.items():
            if not _under(key, self.engineer_queue):
                raise ValueError(f"off_delay_s.{key}: only engineer_queue keys have an off-delay "
                                 f"(allowed under {self.engineer_queue})")
            if not 0 <= seconds <= 86_400:
                raise ValueError(f"off_delay_s.{key} = {seconds}: allowed 0 .. 86400 s")
        return self


def _under(key: str, prefixes: list[str]) -> bool:
    """``key`` is one of ``prefixes`` or under one of them (dotted)."""
    return any(key == prefix or key.startswith(prefix + ".") for prefix in prefixes)


class AnalysisSettings(_Section):
    enabled: bool = True
    cuts: CutSettings = CutSettings()
    detectors: list[DetectorSettings] = Field(default_factory=_default_detectors)
    alarms: AlarmSourceSettings = AlarmSourceSettings()
    # Band life: estimate from the signal's rise at equal chip load, its alarm (issue 19).
    band_life: BandLifeSettings = BandLifeSettings()
    # Batched writes to total.db / anomaly.db (used until the storage writer takes over).
    batch_rows: int = Field(default=50, ge=1, le=100_000)
    batch_ms: int = Field(default=1000, ge=1, le=60_000)
