"""The model files an engineer can choose from: every manifest in the model folders, readable or not."""

from __future__ import annotations

import time
from dataclasses import dataclass
from pathlib import Path

from core.config import Settings
from core.ml.manifest import Manifest, ModelRefused, peek_manifest


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


def model_folders(settings: Settings) -> list[Path]:
    """<data_dir>/models, and the configured model's folder when that is elsewhere."""
    folders = [settings.data_dir / "models"]
    if settings.ml.model_path is not None:
        configured = settings.resolve(settings.ml.model_path).parent
        if configured.resolve() != folders[0].resolve():
            folders.append(configured)
    return folders


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
                found.append(ModelFile(stem, peek_manifest(stem)))  # listing only; loading checks trust
            except ModelRefused as exc:
                if "unknown manifest format" in str(exc):
                    continue  # another JSON beside the models (an eval report, a note): not a model
                found.append(ModelFile(stem, None, str(exc).split(": ", 1)[-1]))
    return found
