"""What the parts of the ML controller share: its names, the model protocol and its state.

:class:`~core.control.ml_controller.MlController` is put together from parts with one job each:
the model slot (:mod:`core.control.model_slot`), the safety turn: operator overrides, torque
guard, load ceiling (:mod:`core.control.safety_turn`), the model's turn
(:mod:`core.control.model_turn`), the write path with its re-checks under the Writer's lock
(:mod:`core.control.write_path`) and the restore of the operator's speeds
(:mod:`core.control.restore`). Each part is a mixin over the state declared in :class:`MlParts`,
so mypy checks every part against the one declaration.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any, Protocol

if TYPE_CHECKING:
    from core.analysis.alarms import AlarmManager
    from core.config import ControlSettings, Settings
    from core.control.chip_policy import ChipPolicy, ChipSettings
    from core.control.competence import Competence
    from core.control.envelope import EnvelopeOutcome, Fault, LiveCheck, Precheck, SafetyEnvelope, WriteFn
    from core.control.handover import Handover
    from core.control.journal import ControlJournal, DecisionRow
    from core.control.load_watch import LoadCeiling
    from core.control.modes import ModeManager
    from core.control.operator_watch import OperatorWatch
    from core.control.status import ControllerStatus, ControlState
    from core.control.torque_guard import GuardEvent, TorqueGuard
    from core.ml.features import FeatureExtractor
    from core.ml.signing import ModelKey
    from core.registers import RegisterMap
    from core.snapshot import Snapshot

USER = "ml"  # who the Writer's records name for controller writes
SPEEDS = ("descent_speed", "cutting_speed")
ALARM_FAULT = "control.ml_fault"
ALARM_GUARD = "control.torque_guard"
ALARM_MODEL = "control.model_refused"
ALARM_OUTSIDE = "control.ml_outside_envelope"
ALARM_TRIP = "control.plc_trip"
ALARM_CEILING = "control.load_ceiling"


class Policy(Protocol):
    """What the controller needs of a model (core.ml.artefact.LoadedModel)."""

    name: str
    features: tuple[str, ...]
    steps: dict[str, float]
    envelope: Mapping[str, Any]  # the training envelope ({} = none recorded)

    def predict(self, x: Sequence[float]) -> float: ...


class ChipModel(Policy, Protocol):
    """A model whose output kind is "chip": the chip policy's table and band-speed feed-forward."""

    chip: ChipSettings | None

    def predict_speed(self, row: Sequence[float]) -> float: ...


@dataclass(slots=True)
class CutStart:
    start_t: float  # snapshot monotonic time when CUTTING began
    start_height: float | None


class MlParts:
    """The controller's state and the calls its parts make on each other (declarations only)."""

    settings: Settings
    control: ControlSettings
    register_map: RegisterMap
    envelope: SafetyEnvelope
    guard: TorqueGuard
    ceiling: LoadCeiling
    watch: OperatorWatch
    modes: ModeManager
    status: ControllerStatus
    model: Policy | None
    features: FeatureExtractor | None
    competence: Competence | None
    chip: ChipPolicy | None
    model_error: str
    _model_key: ModelKey | None
    _writer: WriteFn
    _alarms: AlarmManager
    _journal: ControlJournal
    _clock: Callable[[], float]
    _wall_clock: Callable[[], float]
    _latest: Snapshot | None
    _cut: CutStart | None
    _guard_event: GuardEvent | None
    _controlling: bool
    _saved: dict[str, float]
    _accum: dict[str, float]
    _restore: dict[str, float]
    _restore_until: float | None
    _paused: str
    _overrides: int
    _human_set: set[str]
    _ceiling_cut_at: float | None
    _descent_goal: tuple[float, str] | None
    _cut_cap: tuple[float, str] | None
    _restore_note: str
    _handover_want: Handover | None

    if TYPE_CHECKING:
        def _record(self, action: str, reason: str, snap: Snapshot | None, *, coefficient: float | None = None,
                    before: Mapping[str, float | None] | None = None, written: Mapping[str, float] | None = None,
                    observed: Mapping[str, float] | None = None, at_ms: int | None = None) -> DecisionRow: ...
        def _fault(self, fault: Fault, reason: str, snap: Snapshot | None = None, *, alarm: str = ...,
                   downward_only: bool = False) -> DecisionRow: ...
        async def _write(self, targets: dict[str, float], snap: Snapshot, now: float, action: str, reason: str,
                         *, coefficient: float | None = None) -> DecisionRow: ...
        def _still_ours(self, name: str, current: float | None, target: float) -> Precheck: ...
        def _restore_on_plc(self, name: str, current: float | None) -> LiveCheck: ...
        def _take_overrides(self, snap: Snapshot) -> DecisionRow | None: ...
        def _set_state(self, state: ControlState) -> None: ...
        def _want_handover(self) -> None: ...
        def _unconfirmed(self, name: str, outcome: EnvelopeOutcome) -> None: ...
        async def _sync_handover(self) -> str: ...
        def _set_competence(self, outside: str) -> None: ...
