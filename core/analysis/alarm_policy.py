"""How the alarm manager treats each alarm key: one source of truth for the whole engine.

The ``analysis.alarms`` section of the configuration says, by alarm key (the longest matching
key prefix wins), the priority, whether the alarm is for the operator or for the engineer's
queue (statistical detectors are not operator alarms, ISA-18.2), and which alarms are one event
seen by several sources (a chatter is the PLC's chatter bit *and* unusual vibration on X, Y and
Z: the operator gets one alarm). Texts come from the message catalogue (core.analysis.messages).
Whoever raises an alarm passes a priority only as a fallback for keys the configuration does
not name.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from enum import IntEnum, StrEnum
from typing import TYPE_CHECKING

from core.analysis.messages import MessageCatalogue, Signals, load_catalogue

if TYPE_CHECKING:
    from core.analysis.settings import AlarmSourceSettings
    from core.config import Settings


class Priority(IntEnum):
    """Lower number sorts first (ISA-101: shown as colour, shape and this number)."""

    CRITICAL = 1
    HIGH = 2
    MEDIUM = 3
    LOW = 4


class Audience(StrEnum):
    OPERATOR = "operator"  # the banner, the alarm page, the status bar count, the KPI
    ENGINEER = "engineer"  # the engineer's queue: diagnostics that need judgement, not a response now


def longest_prefix(key: str, prefixes: Sequence[str]) -> str | None:
    """The longest of ``prefixes`` that is ``key`` or a dotted prefix of it."""
    best: str | None = None
    for prefix in prefixes:
        if (key == prefix or key.startswith(prefix + ".")) and (best is None or len(prefix) > len(best)):
            best = prefix
    return best


# The alarms that can stop the saw, by key prefix: the PLC's own alarms (alarm_status codes and
# alarm_info bits: overload, tooth breakage, heartbeat lost), process alarms (band overload,
# chatter), the link to the PLC (modbus: no data, link lost) and ML control's report that the
# PLC tripped the cut. Everything else is housekeeping that never stops a cut: security (audit
# trail, users), storage, telemetry (mqtt, postgres), ML's own faults and limits, statistical
# detectors, band life. The production report's downtime causes are only these
# (core.production.data), however high another alarm's priority.
STOPPING_ALARMS: tuple[str, ...] = ("plc", "process", "modbus", "control.plc_trip")


def can_stop_the_saw(key: str) -> bool:
    """Whether the alarm ``key`` is one that can stop the saw (:data:`STOPPING_ALARMS`)."""
    return longest_prefix(key, STOPPING_ALARMS) is not None


def configured_priority(priorities: Mapping[str, int], key: str, default: Priority = Priority.MEDIUM) -> Priority:
    prefix = longest_prefix(key, list(priorities))
    return Priority(priorities[prefix]) if prefix is not None else default


@dataclass(frozen=True, slots=True)
class AlarmPolicy:
    priorities: Mapping[str, int] = field(default_factory=dict)
    engineer_prefixes: Sequence[str] = ()
    groups: Mapping[str, Sequence[str]] = field(default_factory=dict)  # group key -> member key prefixes
    catalogue: MessageCatalogue = field(default_factory=MessageCatalogue)
    families: Mapping[str, Sequence[str]] = field(default_factory=dict)  # engineer item -> member key prefixes
    off_delays: Mapping[str, float] = field(default_factory=dict)  # key prefix -> off-delay (s), engineer items

    @classmethod
    def from_section(cls, section: AlarmSourceSettings, catalogue: MessageCatalogue | None = None) -> AlarmPolicy:
        return cls(
            priorities=dict(section.priorities),
            engineer_prefixes=tuple(section.engineer_queue),
            groups={key: tuple(members) for key, members in section.groups.items()},
            catalogue=catalogue or MessageCatalogue(),
            families={key: tuple(members) for key, members in section.engineer_families.items()},
            off_delays=dict(section.off_delay_s),
        )

    @classmethod
    def from_settings(cls, settings: Settings, units: Signals | None = None) -> AlarmPolicy:
        """The policy of a configuration; the catalogue is loaded and validated (MessageCatalogueError).
        ``units``: the register map (the texts name registers by their label, in their unit), or a
        {register: unit} table."""
        section = settings.analysis.alarms
        catalogue = load_catalogue(settings.config_file(section.messages_file, "alarm_messages.yaml"), units=units)
        return cls.from_section(section, catalogue)

    def priority(self, key: str, fallback: Priority = Priority.MEDIUM) -> Priority:
        return configured_priority(self.priorities, key, fallback)

    def audience(self, key: str) -> Audience:
        return Audience.ENGINEER if longest_prefix(key, self.engineer_prefixes) else Audience.OPERATOR

    def engineer_group(self, group: str) -> bool:
        """A group of statistical members only (no operator member): an engineer item under the group's key."""
        return all(self.audience(member) is Audience.ENGINEER for member in self.groups.get(group, ()))

    def family_of(self, key: str) -> str | None:
        """The engineer family ``key`` belongs to (longest member prefix), or None."""
        return _holder(key, self.families)

    def off_delay_s(self, key: str) -> float:
        """How long an engineer item ``key`` stays raised after its condition ends (0: it clears at once)."""
        if self.audience(key) is not Audience.ENGINEER:
            return 0.0
        prefix = longest_prefix(key, list(self.off_delays))
        return float(self.off_delays[prefix]) if prefix is not None else 0.0

    def group_of(self, key: str) -> str | None:
        """The group ``key`` belongs to (the group whose member prefix matches it longest)."""
        return _holder(key, self.groups)


def _holder(key: str, holders: Mapping[str, Sequence[str]]) -> str | None:
    """The holder (group or family) whose member prefix matches ``key`` longest."""
    best: tuple[int, str] | None = None
    for holder, members in holders.items():
        prefix = longest_prefix(key, members)
        if prefix is not None and (best is None or len(prefix) > best[0]):
            best = (len(prefix), holder)
    return best[1] if best else None
