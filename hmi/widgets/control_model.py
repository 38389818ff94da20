"""The ML model: what is loaded (its manifest) and the engineer's choice of another model file.

Model files are listed from their JSON manifests (cheap to read) in ``<data_dir>/models/`` and the
folder of the configured model. Loading verifies the file (sha256, versions, unpickling) on a
worker thread so the event loop, which polls the PLC and runs the controller, never stalls on it;
the verified model is then handed to the controller on the GUI thread. A refused file goes through
``MlControl.load_model`` on the GUI thread so the refusal raises its alarm, leaves ML mode and
records the reason exactly as the engine does at start-up. No modal dialogs anywhere.
"""

from __future__ import annotations

import logging
import threading
import time
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import sklearn
from PySide6.QtCore import QObject, Qt, Signal
from PySide6.QtWidgets import (
    QFrame,
    QGridLayout,
    QHBoxLayout,
    QLabel,
    QListWidget,
    QListWidgetItem,
    QPushButton,
    QScrollArea,
    QVBoxLayout,
    QWidget,
)

from core.control.service import MlControl
from core.ml.artefact import LoadedModel, Manifest, ModelRefused, artefact_paths, load_model, read_manifest
from hmi.widgets.style import set_state

log = logging.getLogger("bandsaw.hmi.control")

TOUCH_PX = 56


@dataclass(frozen=True, slots=True)
class ModelFile:
    path: Path  # NAME (without suffix), as ml.model_path takes it
    manifest: Manifest | None
    problem: str = ""  # why the manifest cannot be read

    def describe(self) -> str:
        if self.manifest is None:
            return f"{self.path.name} — {self.problem}"
        m = self.manifest
        created = time.strftime("%Y-%m-%d", time.localtime(m.created_ms / 1000)) if m.created_ms else "?"
        return (f"{m.name} — {len(m.features)} features, {m.output_kind}, scikit-learn {m.sklearn_version}, "
                f"created {created}, sha256 {m.sha256[:12]}")


def find_models(folders: list[Path]) -> list[ModelFile]:
    """Every ``*.json`` manifest in ``folders`` (sorted by name); unreadable ones say why."""
    found: list[ModelFile] = []
    seen: set[Path] = set()
    for folder in folders:
        try:
            manifests = sorted(folder.glob("*.json"))
        except OSError:
            continue
        for manifest_path in manifests:
            stem = manifest_path.with_suffix("")
            if stem.resolve() in seen:
                continue
            seen.add(stem.resolve())
            try:
                found.append(ModelFile(stem, read_manifest(stem)))
            except ModelRefused as exc:
                if "unknown manifest format" in str(exc):
                    continue  # another JSON beside the models (an eval report, a note): not a model
                found.append(ModelFile(stem, None, str(exc).split(": ", 1)[-1]))
    return found


def training_text(training: dict[str, Any]) -> str:
    """The manifest's training description in one or two readable lines."""
    if not training:
        return "not described"
    preferred = ("source", "cuts", "rows", "seed", "estimator", "train_mae", "labels")
    keys = [k for k in preferred if k in training] + [k for k in training if k not in preferred]
    return "; ".join(f"{k.replace('_', ' ')} {training[k]}" for k in keys)


class _Verifier(QObject):
    """Loads a model file on a worker thread; ``done`` arrives queued on the GUI thread."""

    done = Signal(object, object)  # path, LoadedModel | Exception

    def start(self, path: Path) -> threading.Thread:
        thread = threading.Thread(target=self._run, args=(path,), name="hmi-model-verify", daemon=True)
        thread.start()
        return thread

    def _run(self, path: Path) -> None:
        try:
            result: object = load_model(path)
        except Exception as exc:  # ModelRefused, or anything unpickling raised: reported, not raised
            result = exc
        try:
            self.done.emit(path, result)
        except RuntimeError:  # the page was closed while the file was being checked
            log.info("model check of %s finished after the page closed", path)


class ModelPanel(QWidget):
    """``control()`` gives the engine's MlControl (None before start); ``permitted()`` the engineer check."""

    loaded = Signal(bool, str)  # ok, reason (after a load attempt)

    def __init__(
        self,
        control: Callable[[], MlControl | None],
        folders: Callable[[], list[Path]],
        *,
        permitted: Callable[[], tuple[bool, str]],
        parent: QWidget | None = None,
    ) -> None:
        super().__init__(parent)
        self.setObjectName("ModelPanel")
        self._control = control
        self._folders = folders
        self._permitted = permitted
        self._verifier = _Verifier(self)
        self._verifier.done.connect(self._verified)
        self.worker: threading.Thread | None = None
        self.loading: Path | None = None
        self._shown: object = ()  # the model (or error) the manifest view shows

        self.fields: dict[str, QLabel] = {}
        grid = QGridLayout()
        grid.setHorizontalSpacing(12)
        for row, (key, title) in enumerate((("name", "Model"), ("sha256", "sha256"), ("sklearn", "scikit-learn"),
                                            ("file", "File"), ("output", "Output"), ("features", "Features"),
                                            ("training", "Training"))):
            caption = QLabel(title)
            caption.setObjectName("FieldTitle")
            value = QLabel("—")
            value.setObjectName("FieldValue")
            value.setWordWrap(True)
            value.setTextInteractionFlags(Qt.TextInteractionFlag.TextSelectableByMouse)
            grid.addWidget(caption, row, 0, Qt.AlignmentFlag.AlignTop)
            grid.addWidget(value, row, 1)
            self.fields[key] = value
        grid.setColumnStretch(1, 1)

        choose = QLabel("Model files", self)
        choose.setObjectName("SectionTitle")
        self.list = QListWidget(self)
        self.list.setObjectName("ModelList")
        self.list.setMinimumHeight(2 * 52)
        self.list.currentItemChanged.connect(lambda *_a: self._update_buttons())
        self.rescan_button = QPushButton("Rescan", self)
        self.load_button = QPushButton("Load selected model", self)
        self.load_button.setObjectName("PrimaryButton")
        for button in (self.rescan_button, self.load_button):
            button.setMinimumSize(150, TOUCH_PX)
        self.rescan_button.clicked.connect(self.rescan)
        self.load_button.clicked.connect(self.load_selected)
        self.message = QLabel("", self)
        self.message.setObjectName("ControlMessage")
        self.message.setWordWrap(True)

        buttons = QHBoxLayout()
        buttons.addWidget(self.load_button)
        buttons.addWidget(self.rescan_button)
        buttons.addStretch(1)
        # The manifest can be longer than the tab is high: it scrolls, the file choice stays in view.
        details = QWidget(self)
        details.setObjectName("ModelDetails")
        details.setLayout(grid)
        scroll = QScrollArea(self)
        scroll.setWidget(details)
        scroll.setWidgetResizable(True)
        scroll.setFrameShape(QFrame.Shape.NoFrame)
        scroll.setHorizontalScrollBarPolicy(Qt.ScrollBarPolicy.ScrollBarAlwaysOff)
        layout = QVBoxLayout(self)
        layout.addWidget(scroll, 3)
        layout.addWidget(choose)
        layout.addWidget(self.list, 1)
        layout.addLayout(buttons)
        layout.addWidget(self.message)
        self.rescan()
        self.refresh()

    # --- the loaded model ----------------------------------------------------------------

    def refresh(self) -> None:
        """Show the loaded model's manifest (only rebuilt when the model object changes)."""
        control = self._control()
        model = control.controller.model if control is not None else None
        error = control.controller.model_error if control is not None else ""
        key: object = (model, error, control is None)
        if key == self._shown:
            return
        self._shown = key
        if control is None:
            self._fill(name="— (the engine is not running)")
            return
        if model is None:
            reason = error or "no model configured (ml.model_path)"
            self._fill(name=f"No model loaded — {reason}")
            set_state(self.fields["name"], "refused" if error else "none")
            return
        set_state(self.fields["name"], "none")
        manifest: Manifest | None = getattr(model, "manifest", None)
        path: Path | None = getattr(model, "path", None)
        if manifest is None:
            self._fill(name=model.name, features=", ".join(model.features))
            return
        sk = manifest.sklearn_version
        self._fill(
            name=manifest.name,
            file=path.name if path is not None else "—",
            features=f"{len(manifest.features)}: {', '.join(manifest.features)}",
            output=f"{manifest.output_kind}; steps per decision "
                   + ", ".join(f"{k} {v:g}" for k, v in manifest.steps.items()),
            training=training_text(dict(manifest.training)),
            sklearn=sk if sk == sklearn.__version__ else f"{sk} (this install {sklearn.__version__})",
            sha256=f"{manifest.sha256[:12]}…",
        )
        self.fields["sha256"].setToolTip(manifest.sha256)
        self.fields["file"].setToolTip(str(path) if path is not None else "")

    def _fill(self, **values: str) -> None:
        for key, label in self.fields.items():
            label.setText(values.get(key, "—"))
        self.fields["sha256"].setToolTip("")

    # --- choosing a file -------------------------------------------------------------------

    def rescan(self) -> list[ModelFile]:
        files = find_models(self._folders())
        current = self._selected()
        self.list.clear()
        loaded = self._loaded_path()
        for model_file in files:
            text = model_file.describe()
            if loaded is not None and model_file.path.resolve() == loaded:
                text += "   (loaded)"
            item = QListWidgetItem(text)
            item.setData(Qt.ItemDataRole.UserRole, model_file.path)
            item.setToolTip(str(model_file.path))
            self.list.addItem(item)
            if current is not None and model_file.path == current:
                self.list.setCurrentItem(item)
        if not files:
            folders = ", ".join(str(f) for f in self._folders())
            self._say("none", f"No model manifests (*.json) in {folders}.")
        self._update_buttons()
        return files

    def _loaded_path(self) -> Path | None:
        control = self._control()
        path = getattr(control.controller.model, "path", None) if control is not None else None
        return Path(path).with_suffix("").resolve() if path is not None else None

    def select(self, path: Path) -> bool:
        stem, _ = artefact_paths(path)
        stem = stem.with_suffix("")
        for i in range(self.list.count()):
            item = self.list.item(i)
            if Path(item.data(Qt.ItemDataRole.UserRole)) == stem:
                self.list.setCurrentItem(item)
                return True
        return False

    def _selected(self) -> Path | None:
        item = self.list.currentItem()
        return Path(item.data(Qt.ItemDataRole.UserRole)) if item is not None else None

    def _update_buttons(self) -> None:
        self.load_button.setEnabled(self.loading is None and self._selected() is not None)

    def load_selected(self) -> bool:
        """Start verifying the selected file; False (with the reason shown) if it cannot start."""
        path = self._selected()
        if path is None or self.loading is not None:
            return False
        ok, why = self._permitted()
        if not ok:
            self._say("refused", why)
            return False
        control = self._control()
        if control is None:
            self._say("refused", "Not loaded — the engine is not running.")
            return False
        if control.status().controlling:
            self._say("refused", "Not loaded — ML is controlling a cut: switch ML off or wait for the cut to end.")
            return False
        self.loading = path
        self._update_buttons()
        self._say("busy", f"Checking {path.name} (sha256, versions)…")
        self.worker = self._verifier.start(path)
        return True

    def _verified(self, path: Path, result: object) -> None:
        self.loading = None
        control = self._control()
        if control is None:
            ok, why = False, "the engine stopped meanwhile"
        elif isinstance(result, LoadedModel):
            ok = control.controller.set_model(result)
            why = "" if ok else control.controller.model_error
        else:
            # Refused: let the engine's own path raise the alarm, leave ML and keep the reason.
            ok, why = control.load_model(path)
            if ok:  # the file changed between the two reads and now checks out
                why = ""
        if ok:
            log.info("ML model %s loaded from the HMI", path)
            self._say("ok", f"Loaded {path.name}.")
        else:
            log.warning("ML model %s refused: %s", path, why)
            self._say("refused", f"Refused: {why}")
        self.rescan()
        self.refresh()
        self.loaded.emit(ok, why)

    def _say(self, state: str, text: str) -> None:
        self.message.setText(text)
        set_state(self.message, state)

    def wait_idle(self, timeout_s: float = 10.0) -> None:
        """Join the verify thread (shutdown and tests)."""
        if self.worker is not None:
            self.worker.join(timeout_s)
