"""The ML controller's model slot: which model decides, checked before it is used.

A model is taken only when every feature it needs can be computed from the register map; a
model file is loaded only when its signature verifies (:mod:`core.ml.artefact`). A refused model
raises an alarm and, in ML mode, ends ML (the operator's speeds are put back).
"""

from __future__ import annotations

import logging
from pathlib import Path

from core.analysis.alarms import Priority
from core.control.chip_policy import ChipPolicy, ChipSettings
from core.control.competence import Competence
from core.control.envelope import Fault
from core.control.ml_parts import ALARM_MODEL, MlParts, Policy
from core.ml.artefact import ModelRefused, load_model
from core.ml.features import FeatureError, FeatureExtractor
from core.ml.signing import ModelKey, SigningKeyError, load_key

log = logging.getLogger("bandsaw.control")


class ModelSlot(MlParts):
    """Set, load and refuse models (a part of the controller)."""

    def set_model(self, model: Policy | None) -> bool:
        """Use ``model`` (None: no model; ML mode then faults). False if its features are unusable."""
        if model is None:
            self.model, self.features, self.competence, self.chip = None, None, None, None
            self.status.model = ""
            return True
        try:
            features = FeatureExtractor(
                model.features,
                averaging=self.settings.ml.averaging_samples,
                polynomial=self.settings.ml.current_polynomial,
                available=self.register_map.names,
            )
        except FeatureError as exc:
            self._refuse_model(f"model {model.name}: {exc}")
            return False
        self.model, self.features = model, features
        chip: ChipSettings | None = getattr(model, "chip", None)
        self.chip = ChipPolicy(chip, getattr(model, "predict_speed", None)) if chip is not None else None
        self.competence = Competence(model.envelope, model.features, self.settings.ml.envelope_margin_pct)
        self.model_error = ""
        self.status.model = model.name
        self._alarms.update(ALARM_MODEL, False, "ML model refused", priority=Priority.HIGH, source="control")
        return True

    def load_model(self, path: Path) -> bool:
        """Load and verify a model file; a refused model raises an alarm and leaves ML mode."""
        try:
            model = load_model(path, self.model_key())
        except ModelRefused as exc:
            self._refuse_model(str(exc))
            return False
        return self.set_model(model)

    def model_key(self) -> ModelKey | None:
        """The installation's signing key (created on first need); None: only shipped models load."""
        if self._model_key is None:
            try:
                self._model_key = load_key(self.settings.data_dir)
            except SigningKeyError as exc:
                log.error("%s", exc)
                return None
        return self._model_key

    def _refuse_model(self, reason: str) -> None:
        log.error("ML model refused: %s", reason)
        self.model_error = reason
        self.model, self.features, self.competence, self.chip = None, None, None, None
        self.status.model = ""
        self._alarms.update(ALARM_MODEL, True, f"ML model refused: {reason}", priority=Priority.HIGH,
                            source="control")
        if self.modes.is_ml:
            self._fault(Fault.MODEL, f"model refused: {reason}")
