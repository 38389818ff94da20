"""Who may import whom: the import-linter contracts in pyproject.toml hold, cover all of core, and bite."""

from __future__ import annotations

import os
import subprocess
import sys
import tomllib
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
LINT_IMPORTS = Path(sys.executable).with_name("lint-imports")
CONTRACT = "the HMI talks to the engine only through the contract (core.api and the value types)"
ALLOWED_FOR_HMI = {"core.api", "core.snapshot", "core.registers", "core.config"}


def _contracts() -> list[dict[str, object]]:
    with (ROOT / "pyproject.toml").open("rb") as handle:
        contracts: list[dict[str, object]] = tomllib.load(handle)["tool"]["importlinter"]["contracts"]
    return contracts


def _lint(cwd: Path, pythonpath: Path) -> subprocess.CompletedProcess[str]:
    env = {**os.environ, "PYTHONPATH": str(pythonpath)}
    return subprocess.run([str(LINT_IMPORTS), "--config", str(cwd / "pyproject.toml"), "--no-cache"],
                          cwd=cwd, env=env, capture_output=True, text=True, timeout=300, check=False)


def test_the_contracts_hold() -> None:
    result = _lint(ROOT, ROOT)
    assert result.returncode == 0, result.stdout + result.stderr
    assert "0 broken" in result.stdout


def test_every_part_of_core_but_the_contract_is_forbidden_to_the_hmi() -> None:
    hmi = next(c for c in _contracts() if c["name"] == CONTRACT)
    forbidden = set(hmi["forbidden_modules"])  # type: ignore[call-overload]
    parts = {f"core.{p.stem}" for p in (ROOT / "core").iterdir()
             if (p.suffix == ".py" and p.stem != "__init__") or (p / "__init__.py").exists()}
    assert parts - ALLOWED_FOR_HMI - forbidden == set(), "a new core module must be added to the contract"
    assert forbidden & ALLOWED_FOR_HMI == set()


def test_the_contracts_catch_an_hmi_module_reaching_around_the_api(tmp_path: Path) -> None:
    # The same contracts on a tree of empty modules with the real names, plus one offender each way.
    for part in (ROOT / "core").iterdir():
        if part.name == "__init__.py" or not (part.suffix == ".py" or (part / "__init__.py").exists()):
            continue
        target = tmp_path / "core" / (part.name if part.suffix == ".py" else f"{part.name}/__init__.py")
        target.parent.mkdir(parents=True, exist_ok=True)
        target.write_text("", encoding="utf-8")
    (tmp_path / "core" / "__init__.py").write_text("", encoding="utf-8")
    (tmp_path / "core" / "api.py").write_text("import core.storage\n", encoding="utf-8")  # allowed: indirect
    (tmp_path / "core" / "values.py").write_text("import core.engine\n", encoding="utf-8")  # upward
    (tmp_path / "hmi").mkdir()
    (tmp_path / "hmi" / "__init__.py").write_text("", encoding="utf-8")
    (tmp_path / "hmi" / "ok.py").write_text("import core.api\nimport core.config\n", encoding="utf-8")
    (tmp_path / "hmi" / "bad.py").write_text("def f():\n    from core.storage import backup\n", encoding="utf-8")
    (tmp_path / "core" / "storage" / "qt.py").write_text("import hmi.ok\n", encoding="utf-8")
    for contract in _contracts():  # the command modules the layers contract lets import core.cli
        for rule in contract.get("ignore_imports", []):  # type: ignore[attr-defined]
            importer, imported = (part.strip() for part in str(rule).split("->"))
            module = tmp_path / (importer.replace("*", "storage").replace(".", "/") + ".py")
            module.parent.mkdir(parents=True, exist_ok=True)
            (module.parent / "__init__.py").touch()
            module.write_text(f"import {imported}\n", encoding="utf-8")
    (tmp_path / "pyproject.toml").write_text((ROOT / "pyproject.toml").read_text(encoding="utf-8"),
                                            encoding="utf-8")
    result = _lint(tmp_path, tmp_path)
    out = " ".join(result.stdout.split())
    assert result.returncode == 1, out
    assert "hmi.bad -> core.storage" in out
    assert "core.storage.qt -> hmi.ok" in out
    assert "core.values is not allowed to import core.engine" in out
    assert "hmi.ok -> core.api is not allowed" not in out and "hmi.ok is not allowed" not in out
