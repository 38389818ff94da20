"""`bandsaw ml train / eval / trust` as processes: a model written and signed, evaluated, refused when
tampered, and an imported model signed only by an admin."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

from core.config import PROJECT_ROOT


def bandsaw(*args: str, stdin: str = "") -> subprocess.CompletedProcess[str]:
    return subprocess.run([sys.executable, "-m", "core.cli", *args], capture_output=True, text=True,
                          cwd=PROJECT_ROOT, timeout=300, check=False, input=stdin)


def test_train_then_eval_then_refuse_a_tampered_model(tmp_path: Path) -> None:
    out = tmp_path / "models" / "tiny"
    data = str(tmp_path / "data")
    # 9 cuts: the smallest count whose model beats the naive baselines on held-out simulated cuts
    # (tests/ml/test_train_validation.py: 3 cuts are refused).
    trained = bandsaw("ml", "train", "--simulate", "9", "--out", str(out), "--seed", "5", "--data-dir", data)
    assert trained.returncode == 0, trained.stderr
    assert "held-out MAE: model " in trained.stdout
    manifest = json.loads(out.with_suffix(".json").read_text(encoding="utf-8"))
    assert manifest["features"] and len(manifest["sha256"]) == 64 and manifest["signature"]["value"]
    assert manifest["training"]["validation"]["accepted"] is True
    stock = tmp_path / "stock.yaml"  # evaluation: tests/ml/test_eval.py; one small bar here
    stock.write_text("- {grade: 1, shape: round, a: 30}\n", encoding="utf-8")
    evaluated = bandsaw("ml", "eval", "--model", str(out), "--stock", str(stock), "--pieces", "1", "--data-dir", data)
    assert evaluated.returncode == 0, evaluated.stderr
    assert "normal" in evaluated.stdout and "ml" in evaluated.stdout
    assert evaluated.stdout.startswith("# ML evaluation")  # printed: no file beside the model
    assert sorted(p.name for p in (tmp_path / "models").iterdir()) == ["tiny.json", "tiny.skops"]
    model_file = out.with_suffix(".skops")
    model_file.write_bytes(model_file.read_bytes() + b"tampered")
    refused = bandsaw("ml", "eval", "--model", str(out), "--stock", str(stock), "--pieces", "1", "--data-dir", data)
    assert refused.returncode == 1 and "does not match" in refused.stderr
    refused = bandsaw("ml", "trust", str(out), "--data-dir", data, "--admin", "boss", stdin="1234\n")
    assert refused.returncode == 1 and "does not match" in refused.stderr


def test_trust_needs_an_admin_pin(tmp_path: Path) -> None:
    data = str(tmp_path / "data")
    other = str(tmp_path / "other")
    out = tmp_path / "models" / "imported"
    trained = bandsaw("ml", "train", "--simulate", "9", "--out", str(out), "--seed", "5", "--data-dir", other)
    assert trained.returncode == 0, trained.stderr
    assert bandsaw("users", "init-admin", "boss", "--data-dir", data, stdin="1234\n").returncode == 0
    no_admin = bandsaw("ml", "trust", str(out), "--data-dir", data, "--admin", "boss", stdin="9999\n")
    assert no_admin.returncode == 1 and "not signed" in no_admin.stderr
    assert "sha256:" in no_admin.stdout and "1. band_current_est" in no_admin.stdout
    signed = bandsaw("ml", "trust", str(out), "--data-dir", data, "--admin", "boss", stdin="1234\n")
    assert signed.returncode == 0, signed.stderr
    assert "signed with this installation's key" in signed.stdout


def test_train_needs_a_source() -> None:
    result = bandsaw("ml", "train", "--out", "x")
    assert result.returncode == 2 and "--from" in result.stderr
