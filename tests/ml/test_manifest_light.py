"""Reading the engine's contract does not import the model libraries: core.api names the manifest
(core.ml.manifest) and the controller's status, not the controller and the skops loader, so a
front end that only lists models or shows ML's state starts without scikit-learn, pandas, skops."""

from __future__ import annotations

import subprocess
import sys

HEAVY = ("sklearn", "pandas", "skops", "joblib", "core.control.ml_controller", "core.ml.artefact")


def test_core_api_imports_no_model_library() -> None:
    code = f"import sys, core.api; print([m for m in {HEAVY!r} if m in sys.modules])"
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, timeout=120, check=True)
    assert out.stdout.strip() == "[]", out.stdout


def test_the_artefact_still_offers_the_manifest_names() -> None:
    from core.ml import artefact, manifest

    assert artefact.Manifest is manifest.Manifest and artefact.ModelRefused is manifest.ModelRefused
    assert artefact.peek_manifest is manifest.peek_manifest
