"""`bandsaw ml train` / `bandsaw ml eval` as processes: a model written, evaluated, refused when tampered."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

from core.config import PROJECT_ROOT


def bandsaw(*args: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run([sys.executable, "-m", "core.cli", *args], capture_output=True, text=True,
                          cwd=PROJECT_ROOT, timeout=300, check=False)


def test_train_then_eval_then_refuse_a_tampered_model(tmp_path: Path) -> None:
    out = tmp_path / "models" / "tiny"
    trained = bandsaw("ml", "train", "--simulate", "3", "--out", str(out), "--seed", "5")
    assert trained.returncode == 0, trained.stderr
    manifest = json.loads(out.with_suffix(".json").read_text(encoding="utf-8"))
    assert manifest["features"] and len(manifest["sha256"]) == 64
    stock = tmp_path / "stock.yaml"  # evaluation: tests/ml/test_eval.py; one small bar here
    stock.write_text("- {grade: 1, shape: round, a: 30}\n", encoding="utf-8")
    evaluated = bandsaw("ml", "eval", "--model", str(out), "--stock", str(stock), "--pieces", "1")
    assert evaluated.returncode == 0, evaluated.stderr
    assert "normal" in evaluated.stdout and "ml" in evaluated.stdout
    assert (tmp_path / "models" / "tiny-eval.md").is_file()
    model_file = out.with_suffix(".joblib")
    model_file.write_bytes(model_file.read_bytes() + b"tampered")
    refused = bandsaw("ml", "eval", "--model", str(out), "--stock", str(stock), "--pieces", "1")
    assert refused.returncode == 1 and "does not match" in refused.stderr


def test_train_needs_a_source() -> None:
    result = bandsaw("ml", "train", "--out", "x")
    assert result.returncode == 2 and "--from" in result.stderr
