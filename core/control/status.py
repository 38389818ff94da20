"""The ML controller's public status: what the Control page and the API show (a typed value)."""

from __future__ import annotations

from dataclasses import dataclass, field
from enum import StrEnum


class ControlState(StrEnum):
    """What ML is doing now, in one word for the Control page."""

    OFF = "off"  # manual mode
    IDLE = "idle"  # ML mode, no cut in progress
    WAITING = "waiting"  # in a cut, before the initial delay has passed
    CONTROLLING = "controlling"  # the model adapts the speeds
    HOLDING = "holding"  # outside the model's experience: speeds kept, nothing written upward
    PAUSED = "paused"  # the operator overrode ML too often in this cut: ML waits for the next cut
    STALE = "stale"  # waiting for fresh data (a late poll), writes nothing


OUTSIDE_EXPERIENCE = "outside the model's experience"


@dataclass(slots=True)
class ControllerStatus:
    """The controller as the HMI's control page shows it."""

    mode: str = "manual"
    state: ControlState = ControlState.OFF
    in_cut: bool = False
    controlling: bool = False
    model: str = ""
    coefficient: float | None = None
    features: dict[str, float] = field(default_factory=dict)
    saved_speeds: dict[str, float] = field(default_factory=dict)
    guard_events: int = 0
    last_action: str = ""
    last_reason: str = ""
    # "" inside the training envelope; else "outside the model's experience: <which input>".
    competence: str = ""
    overrides_this_cut: int = 0
    paused_reason: str = ""  # why ML pauses for this cut (operator overrides)
    ceiling_events: int = 0  # descent cuts by the absolute torque/current ceiling
    last_fault: str = ""  # why ML mode last ended on its own (fault, trip, ceiling)
    # The previous run ended with ML holding the speeds and the PLC still holds others than the
    # operator's: the PLC's now (ML's) and the operator's saved ones; {} when there is no question.
    left_speeds: dict[str, float] = field(default_factory=dict)
    left_operator: dict[str, float] = field(default_factory=dict)
    # Of those, the speeds a person set since the start (their value now): a restore leaves them.
    left_changed: dict[str, float] = field(default_factory=dict)

    @property
    def outside_envelope(self) -> bool:
        return bool(self.competence)
