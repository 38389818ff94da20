"""The ML model: what is loaded (its manifest) and the engineer's choice of another model file.

Model files are listed from their JSON manifests (cheap to read) in ``<data_dir>/models/`` and the
folder of the configured model. Loading verifies the file (sha256, versions, unpickling) on a
worker thread so the event loop, which polls the PLC and runs the controller, never stalls on it;
the verified model is then handed to the controller on the GUI thread. A refused file goes through
``MlControl.load_model`` on the GUI thread so the refusal raises its alarm, leaves ML mode and
records the reason exactly as the engine does at start-up. No modal dialogs anywhere.
"""

from __future__ import annotations

import asyncio
import logging
from collections.abc import Awaitable, Callable
from pathlib import Path
from typing import Any

import sklearn
from PySide6.QtCore import Qt, Signal
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

from core.api import ControlView, ModelFile, Result
from hmi.code_names import reason_text
from hmi.formatting import format_g
from hmi.i18n import translate
from hmi.tasks import spawn
from hmi.widgets.style import set_state

log = logging.getLogger("bandsaw.hmi.control")

TOUCH_PX = 56


def training_text(training: dict[str, Any]) -> str:
    """The manifest's training description in one or two readable lines."""
    if not training:
        return "not described"
    preferred = ("source", "cuts", "rows", "seed", "estimator", "train_mae", "labels")
    keys = [k for k in preferred if k in training] + [k for k in training if k not in preferred]
    return "; ".join(f"{k.replace('_', ' ')} {training[k]}" for k in keys)


class ModelPanel(QWidget):
    """``control()`` gives the engine's MlControl (None before start); ``permitted()`` the engineer check."""

    loaded = Signal(bool, str)  # ok, reason (after a load attempt)

    def __init__(
        self,
        control: Callable[[], ControlView | None],
        models: Callable[[], Awaitable[Result[list[ModelFile]]]],
        loader: Callable[[Path], Awaitable[Result[ModelFile]]],
        *,
        permitted: Callable[[], tuple[bool, str]],
        parent: QWidget | None = None,
    ) -> None:
        super().__init__(parent)
        self.setObjectName("ModelPanel")
        self._control = control
        self._models = models
        self.scan_task: asyncio.Task[list[ModelFile]] | None = None
        self._permitted = permitted
        self._loader = loader
        self.task: asyncio.Task[bool] | None = None
        self.loading: Path | None = None
        self._shown: object = ()  # the model (or error) the manifest view shows

        self.fields: dict[str, QLabel] = {}
        grid = QGridLayout()
        grid.setHorizontalSpacing(12)
        self.captions: dict[str, QLabel] = {}
        for row, key in enumerate(("name", "sha256", "sklearn", "file", "output", "features", "training")):
            caption = QLabel()
            self.captions[key] = caption
            caption.setObjectName("FieldTitle")
            value = QLabel("—")
            value.setObjectName("FieldValue")
            value.setWordWrap(True)
            value.setTextInteractionFlags(Qt.TextInteractionFlag.TextSelectableByMouse)
            grid.addWidget(caption, row, 0, Qt.AlignmentFlag.AlignTop)
            grid.addWidget(value, row, 1)
            self.fields[key] = value
        grid.setColumnStretch(1, 1)

        self.choose = choose = QLabel(self)
        choose.setObjectName("SectionTitle")
        self.list = QListWidget(self)
        self.list.setObjectName("ModelList")
        self.list.setMinimumHeight(2 * 52)
        self.list.currentItemChanged.connect(lambda *_a: self._update_buttons())
        self.rescan_button = QPushButton(self)
        self.load_button = QPushButton(self)
        self.load_button.setObjectName("PrimaryButton")
        for button in (self.rescan_button, self.load_button):
            button.setMinimumSize(150, TOUCH_PX)
        self.rescan_button.clicked.connect(self.start_rescan)
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
        self.retranslate()
        self.start_rescan()
        self.refresh()

    def retranslate(self) -> None:
        titles = {"name": translate("ModelPanel", "Model"), "sha256": "sha256", "sklearn": "scikit-learn",
                  "file": translate("ModelPanel", "File"), "output": translate("ModelPanel", "Output"),
                  "features": translate("ModelPanel", "Features"), "training": translate("ModelPanel", "Training")}
        for key, caption in self.captions.items():
            caption.setText(titles[key])
        self.choose.setText(translate("ModelPanel", "Model files"))
        self.rescan_button.setText(translate("ModelPanel", "Rescan"))
        self.load_button.setText(translate("ModelPanel", "Load selected model"))
        self._shown = ()  # the manifest texts again, in the new language
        self.refresh()

    # --- the loaded model ----------------------------------------------------------------

    def refresh(self) -> None:
        """Show the loaded model's manifest (only rebuilt when the model object changes)."""
        control = self._control()
        model = control.model if control is not None else None
        error = control.model_error if control is not None else ""
        key: object = (model, error, control is None)
        if key == self._shown:
            return
        self._shown = key
        if control is None:
            self._fill(name=translate("ModelPanel", "— (the engine is not running)"))
            return
        if model is None:
            reason = error or translate("ModelPanel", "no model configured (ml.model_path)")
            self._fill(name=translate("ModelPanel", "No model loaded — %1").replace("%1", reason))
            set_state(self.fields["name"], "refused" if error else "none")
            return
        set_state(self.fields["name"], "none")
        manifest = model.manifest
        path: Path | None = model.path.with_name(manifest.model_file) if manifest is not None else None
        if manifest is None:
            self._fill(name=model.path.name, features=", ".join(control.model_features if control else ()))
            return
        sk = manifest.sklearn_version
        self._fill(
            name=manifest.name,
            file=path.name if path is not None else "—",
            features=f"{len(manifest.features)}: {', '.join(manifest.features)}",
            output=f"{manifest.output_kind}; " + translate("ModelPanel", "steps per decision") + " "
                   + ", ".join(f"{k} {format_g(v)}" for k, v in manifest.steps.items()),
            training=training_text(dict(manifest.training)),
            sklearn=sk if sk == sklearn.__version__ else f"{sk} (" + translate("ModelPanel", "this install %1").replace(
                "%1", sklearn.__version__) + ")",
            sha256=f"{manifest.sha256[:12]}…",
        )
        self.fields["sha256"].setToolTip(manifest.sha256)
        self.fields["file"].setToolTip(str(path) if path is not None else "")

    def _fill(self, **values: str) -> None:
        for key, label in self.fields.items():
            label.setText(values.get(key, "—"))
        self.fields["sha256"].setToolTip("")

    # --- choosing a file -------------------------------------------------------------------

    def start_rescan(self) -> None:
        try:
            self.scan_task = spawn(self.rescan())
        except RuntimeError:  # no event loop (a widget test without one): the list stays
            self.scan_task = None

    async def rescan(self) -> list[ModelFile]:
        """The engine lists the manifests in its model folders (in its worker)."""
        result = await self._models()
        files = result.value or []
        current = self._selected()
        self.list.clear()
        loaded = self._loaded_path()
        for model_file in files:
            text = model_file.describe()
            if loaded is not None and model_file.path.resolve() == loaded:
                text += "   " + translate("ModelPanel", "(loaded)")
            item = QListWidgetItem(text)
            item.setData(Qt.ItemDataRole.UserRole, model_file.path)
            item.setToolTip(str(model_file.path))
            self.list.addItem(item)
            if current is not None and model_file.path == current:
                self.list.setCurrentItem(item)
        if not result.ok:
            self._say("refused",
                      translate("ModelPanel", "Models cannot be listed: %1").replace("%1", reason_text(result)))
        elif not files:
            self._say("none", translate("ModelPanel", "No model manifests (*.json) in the model folders."))
        self._update_buttons()
        return files

    def _loaded_path(self) -> Path | None:
        control = self._control()
        model = control.model if control is not None else None
        return model.path.resolve() if model is not None else None

    def select(self, path: Path) -> bool:
        stem = path.with_suffix("") if path.suffix in (".json", ".skops", ".joblib") else path
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
            self._say("refused", translate("ModelPanel", "Not loaded — the engine is not running."))
            return False
        if control.status.controlling:
            self._say("refused", translate("ModelPanel", "Not loaded — ML is controlling a cut: switch ML off or wait "
                                                         "for the cut to end."))
            return False
        self._say("busy", translate("ModelPanel", "Checking %1 (sha256, versions)…").replace("%1", path.name))
        try:  # the engine verifies in a worker thread, loads, raises or clears the alarm, audits
            self.task = spawn(self._load(path))
        except RuntimeError:
            self._say("refused", translate("ModelPanel", "Not loaded — no event loop is running."))
            return False
        self.loading = path
        self._update_buttons()
        return True

    async def _load(self, path: Path) -> bool:
        try:
            result = await self._loader(path)
        except Exception as exc:  # the HMI reports, it does not crash
            log.exception("model load failed")
            ok, why = False, f"{type(exc).__name__}: {exc}"
        else:
            ok, why = result.ok, reason_text(result)
        self.loading = None
        if ok:
            log.info("ML model %s loaded from the HMI", path)
            self._say("ok", translate("ModelPanel", "Loaded %1.").replace("%1", path.name))
        else:
            log.warning("ML model %s refused: %s", path, why)
            self._say("refused", translate("ModelPanel", "Refused: %1").replace("%1", why))
        await self.rescan()
        self.refresh()
        self.loaded.emit(ok, why)
        return ok

    def _say(self, state: str, text: str) -> None:
        self.message.setText(text)
        set_state(self.message, state)
