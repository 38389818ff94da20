"""Shared by the import tests: the default register map with some units changed."""

from __future__ import annotations

from pathlib import Path

import yaml

from core.config import PROJECT_ROOT
from core.registers import RegisterMap, load_register_map


def map_with_units(tmp_path: Path, units: dict[str, str]) -> RegisterMap:
    """config/registers.yaml with ``units`` (register name -> unit) replaced, written to tmp_path."""
    spec = yaml.safe_load((PROJECT_ROOT / "config" / "registers.yaml").read_text(encoding="utf-8"))
    for entry in spec["registers"]:
        entry["unit"] = units.get(entry["name"], entry["unit"])
    path = tmp_path / "registers.yaml"
    path.write_text(yaml.safe_dump(spec, allow_unicode=True), encoding="utf-8")
    return load_register_map(path)
