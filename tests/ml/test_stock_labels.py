"""--stock items are labelled by their distance from what training cut (#14 review, item 5):
a thin tube, a section beyond training's heights, a grade at a hardness training never cut are
held out (they were "catalogue", or only "wear 30 %" for a 300 mm round)."""

from __future__ import annotations

from pathlib import Path

from core.ml.stock import held_out_reasons, held_out_stock, load_stock, training_stock

STOCK = """\
- {name: thin tube, grade: 1, shape: tube, a: 60, b: 1.5, band_wear: 20}
- {name: round 300, grade: 2, shape: round, a: 300, band_wear: 30}
- {name: wide rectangle, grade: 1, shape: rectangle, a: 60, b: 200, band_wear: 10}
- {name: hard C45, grade: 1, hardness: 6, shape: round, a: 60, band_wear: 10}
- {name: plain C45, grade: 1, shape: round, a: 60, band_wear: 10}
"""


def test_stock_beyond_training_is_held_out_with_the_reason(tmp_path: Path) -> None:
    path = tmp_path / "stock.yaml"
    path.write_text(STOCK, encoding="utf-8")
    reasons = {item.label: held_out_reasons(item) for item in load_stock(path)}
    assert reasons["thin tube"] == ["size: tube wall 1.5 mm (training: 2 mm or more)"]
    assert reasons["round 300"] == ["size 300 mm (training: 25-160 mm)", "wear 30 %"]
    assert reasons["wide rectangle"] == ["size: width 200 mm (training: 20-120 mm)"]
    assert len(reasons["hard C45"]) == 1 and reasons["hard C45"][0].startswith("grade C45 at hardness 6")
    assert reasons["plain C45"] == []


def test_default_split_is_unchanged() -> None:
    assert not any(held_out_reasons(item) for item in training_stock())
    assert all(held_out_reasons(item) for item in held_out_stock())
