"""Stock for training and evaluation, and the split between them (issue #14, "honest evaluation").

A :class:`StockItem` is what the saw is given: a bar (grade, possibly at another hardness, and a
section) and the band's wear when the piece is cut. The evaluation cuts every item with each
mode from the same seed; ``band_wear_pct`` is the wear at the start of each piece.

The split holds out whole grades, section sizes and band-wear levels. Nothing that meets any
rule below may be used for training; :func:`is_held_out` says why an item is held out.

* grades: :data:`HELD_OUT_GRADES` (16MnCr5, X153CrMoV12). Their hardness codes (2 and 3) also
  occur in training (C45, X5CrNi18-10; 100Cr6), so a model keyed on the PLC's hardness code and
  the measured load can carry over; one keyed on the material code cannot. 16MnCr5 behaves like
  its code-2 neighbours; X153CrMoV12 (a tool steel with carbides) has a narrower chip window than
  100Cr6 of the same hardness code: the hard case, where only the band's own signals (deviation
  drifting faster above the window, torque) can tell.
* section sizes: height (dimension the head cuts through) in :data:`HELD_OUT_HEIGHTS`:
  below 25 mm (smaller than anything in training) or 95-130 mm (between training's 90 and 140).
* band wear: :data:`HELD_OUT_WEAR` 25-35 % (between training levels) and above 65 % (more worn
  than anything in training). Training samples wear from :data:`TRAINING_WEAR_RANGES`.

Use :func:`training_stock` (the catalogue at training wear levels), :func:`random_training_item`
(random bars of training grades and heights at a training wear; more variety, still never
held out) and :func:`sample_training_wear` to train, :func:`held_out_stock` to evaluate;
:func:`load_stock` reads an engineer's own list (YAML, see its docstring). A model trained
this way records ``training["held_out"] = split_description()`` in its manifest; the
evaluation report says whether the model it evaluates declares the split.
"""

from __future__ import annotations

import math
import random
from collections.abc import Iterable
from dataclasses import dataclass
from pathlib import Path
from typing import Any, Literal

import yaml
from pydantic import BaseModel, ConfigDict, Field, ValidationError, model_validator

from core.sim.materials import GRADES_BY_CODE, HARDNESS_CODES, STOCK, Section, Shape, Stock
from core.yaml_strict import load_yaml

HELD_OUT_GRADES: frozenset[int] = frozenset({8, 10})  # X153CrMoV12, 16MnCr5
HELD_OUT_HEIGHTS: tuple[tuple[float, float], ...] = ((0.0, 25.0), (95.0, 130.0))  # mm, [low, high)
HELD_OUT_WEAR: tuple[tuple[float, float], ...] = ((25.0, 35.0), (65.0, 1000.0))  # %, [low, high)
TRAINING_WEAR_RANGES: tuple[tuple[float, float], ...] = ((0.0, 25.0), (35.0, 65.0))  # %, [low, high)
TRAINING_HEIGHTS: tuple[tuple[float, float], ...] = ((25.0, 95.0), (130.0, 160.0))  # mm, [low, high)
TRAINING_TUBE_WALL_MIN = 2.0  # mm: random_training_item's thinnest tube wall
TRAINING_WIDTHS = (20.0, 120.0)  # mm: random_training_item's rectangle widths


@dataclass(frozen=True, slots=True)
class StockItem:
    stock: Stock
    band_wear_pct: float = 0.0
    name: str = ""

    @property
    def label(self) -> str:
        if self.name:
            return self.name
        hardness = "" if self.stock.grade.hardness_code == GRADES_BY_CODE[self.stock.grade.code].hardness_code \
            else f" (hardness {self.stock.grade.hardness_code})"
        return f"{self.stock.label}{hardness} @ {self.band_wear_pct:g} % wear"

    def as_dict(self) -> dict[str, Any]:
        s = self.stock.section
        out: dict[str, Any] = {
            "name": self.label, "grade": self.stock.grade.code, "hardness": self.stock.grade.hardness_code,
            "shape": s.shape.name.lower(), "a": s.a, "b": s.b, "c": s.c, "d": s.d,
            "band_wear": self.band_wear_pct,
        }
        if s.shape is Shape.PROFILE:
            out["profile"] = s.profile
        return out


def _in(value: float, ranges: Iterable[tuple[float, float]]) -> bool:
    return any(low <= value < high for low, high in ranges)


def held_out_reasons(item: StockItem) -> list[str]:
    """Why ``item`` is held out (empty: it may be used for training)."""
    reasons = []
    grade = item.stock.grade
    if grade.code in HELD_OUT_GRADES:
        reasons.append(f"grade {grade.name}")
    elif grade.code in GRADES_BY_CODE and grade.hardness_code != GRADES_BY_CODE[grade.code].hardness_code:
        # Training cuts each grade at its own hardness class only.
        reasons.append(f"grade {grade.name} at hardness {grade.hardness_code} "
                       f"(training: {GRADES_BY_CODE[grade.code].hardness_code})")
    section = item.stock.section
    if _in(section.height, HELD_OUT_HEIGHTS):
        reasons.append(f"size {section.height:g} mm")
    else:
        # Beyond what training ever cut (an engineer's --stock): as unseen as a held-out size.
        low, high = TRAINING_HEIGHTS[0][0], TRAINING_HEIGHTS[-1][1]
        if not low <= section.height <= high:
            reasons.append(f"size {section.height:g} mm (training: {low:g}-{high:g} mm)")
        elif section.shape is Shape.TUBE and section.b < TRAINING_TUBE_WALL_MIN:
            reasons.append(f"size: tube wall {section.b:g} mm (training: {TRAINING_TUBE_WALL_MIN:g} mm or more)")
        elif section.shape is Shape.RECTANGLE and not TRAINING_WIDTHS[0] <= section.b <= TRAINING_WIDTHS[1]:
            reasons.append(f"size: width {section.b:g} mm (training: {TRAINING_WIDTHS[0]:g}-{TRAINING_WIDTHS[1]:g} mm)")
    if _in(item.band_wear_pct, HELD_OUT_WEAR):
        reasons.append(f"wear {item.band_wear_pct:g} %")
    return reasons


def is_held_out(item: StockItem) -> bool:
    return bool(held_out_reasons(item))


def is_training_stock(stock: Stock) -> bool:
    """A bar (at any training wear) that training may cut: no held-out grade or size."""
    return stock.grade.code not in HELD_OUT_GRADES and not _in(stock.section.height, HELD_OUT_HEIGHTS)




def _uniform_in(rng: random.Random, ranges: tuple[tuple[float, float], ...]) -> float:
    total = sum(high - low for low, high in ranges)
    x = rng.uniform(0.0, total)
    for low, high in ranges:
        if x < high - low:
            return low + x
        x -= high - low
    return ranges[-1][1] - 1e-6


def sample_training_wear(rng: random.Random) -> float:
    """A band wear (%) from the training ranges, uniform over their union."""
    return min(_uniform_in(rng, TRAINING_WEAR_RANGES), TRAINING_WEAR_RANGES[-1][1] - 1e-6)


def _floor1(x: float) -> float:
    """Down to 0.1 (rounding up could land on the lower bound of a held-out range)."""
    return math.floor(x * 10.0) / 10.0


def random_training_item(rng: random.Random) -> StockItem:
    """A bar training may cut: any non-held-out grade, a random section of a training height
    (round, rectangle, tube or I/U/L profile), a training band wear. Wide sections on worn bands
    may need the descent floor or less; the oracle says what is feasible.
    """
    code = rng.choice(sorted(set(GRADES_BY_CODE) - HELD_OUT_GRADES))
    height = _floor1(_uniform_in(rng, TRAINING_HEIGHTS))
    kind = rng.choices((Shape.ROUND, Shape.RECTANGLE, Shape.TUBE, Shape.PROFILE), weights=(4, 2.5, 1.5, 2))[0]
    if kind is Shape.ROUND:
        section = Section(kind, height)
    elif kind is Shape.RECTANGLE:
        section = Section(kind, height, round(rng.uniform(*TRAINING_WIDTHS), 1))
    elif kind is Shape.TUBE:
        section = Section(kind, height, round(rng.uniform(TRAINING_TUBE_WALL_MIN, height / 5.0), 1))
    else:
        profile = rng.choice(("I", "U", "L"))
        flange = round(rng.uniform(0.05, 0.09) * height, 1)
        section = Section(kind, height, round(rng.uniform(0.5, 1.0) * height, 1), flange,
                          round(flange * rng.uniform(0.6, 0.9), 1), profile=profile)
    item = StockItem(Stock(GRADES_BY_CODE[code], section), _floor1(sample_training_wear(rng)))
    assert not is_held_out(item)
    return item


def _item(code: int, section: Section, wear: float) -> StockItem:
    return StockItem(Stock(GRADES_BY_CODE[code], section), wear)


# The simulator's catalogue at training wear levels: what the model may learn from and what the
# "catalogue" rows of the evaluation cut.
_TRAINING_WEAR = (0.0, 20.0, 45.0, 60.0, 10.0, 40.0)


def training_stock() -> tuple[StockItem, ...]:
    """Every catalogue bar (core.sim.materials.STOCK) at a training wear level, in a fixed order."""
    items = tuple(StockItem(stock, _TRAINING_WEAR[i % len(_TRAINING_WEAR)]) for i, stock in enumerate(STOCK))
    assert not any(is_held_out(item) for item in items), "the catalogue holds held-out stock"
    return items


def held_out_stock() -> tuple[StockItem, ...]:
    """Stock the model must never have seen: each item has a held-out grade, size or wear."""
    r, rect, tube = Shape.ROUND, Shape.RECTANGLE, Shape.TUBE
    items = (
        _item(10, Section(r, 60.0), 0.0),  # grade
        _item(10, Section(rect, 50.0, 80.0), 45.0),  # grade
        _item(8, Section(r, 50.0), 0.0),  # grade
        _item(8, Section(rect, 40.0, 80.0), 20.0),  # grade
        _item(1, Section(r, 110.0), 0.0),  # size
        _item(2, Section(r, 120.0), 15.0),  # size
        _item(0, Section(rect, 100.0, 120.0), 0.0),  # size
        _item(0, Section(Shape.PROFILE, 120.0, 64.0, 6.3, 4.4, profile="I"), 20.0),  # size: IPE 120
        _item(4, Section(r, 20.0), 0.0),  # size
        _item(1, Section(r, 60.0), 30.0),  # wear
        _item(2, Section(r, 70.0), 75.0),  # wear
        _item(5, Section(r, 90.0), 75.0),  # wear
        _item(3, Section(tube, 88.9, 5.0), 30.0),  # wear
        _item(10, Section(r, 110.0), 70.0),  # grade, size and wear
    )
    assert all(is_held_out(item) for item in items)
    return items


def split_description() -> dict[str, Any]:
    """What is held out, for the report."""
    return {
        "grades": sorted(f"{GRADES_BY_CODE[c].name} (code {c})" for c in HELD_OUT_GRADES),
        "section_heights_mm": [list(r) for r in HELD_OUT_HEIGHTS],
        "band_wear_pct": [list(r) for r in HELD_OUT_WEAR],
        "training_band_wear_pct": [list(r) for r in TRAINING_WEAR_RANGES],
    }


# --- an engineer's own stock list ----------------------------------------------------------

_SHAPES = {shape.name.lower(): shape for shape in Shape}


class _ItemModel(BaseModel):
    model_config = ConfigDict(extra="forbid")

    name: str = ""
    grade: int = Field(description="PLC material code (register material_type)")
    hardness: int | None = Field(default=None, description="PLC hardness code (register material_hardness)")
    shape: str | int
    a: float = Field(gt=0, le=600)
    b: float = Field(default=0.0, ge=0, le=600)
    c: float = Field(default=0.0, ge=0, le=600)
    d: float = Field(default=0.0, ge=0, le=600)
    profile: Literal["", "I", "U", "L"] = ""
    band_wear: float = Field(default=0.0, ge=0, le=100)

    @model_validator(mode="after")
    def _check(self) -> _ItemModel:
        if self.grade not in GRADES_BY_CODE:
            raise ValueError(f"unknown grade code {self.grade}; the simulator knows "
                             + ", ".join(f"{c} {g.name}" for c, g in GRADES_BY_CODE.items()))
        if self.hardness is not None and self.hardness not in HARDNESS_CODES:
            raise ValueError(f"unknown hardness code {self.hardness}; known: {', '.join(map(str, HARDNESS_CODES))}")
        shape = self.shape_enum()
        if shape in (Shape.RECTANGLE, Shape.TUBE) and self.b <= 0:
            raise ValueError(f"a {shape.name.lower()} needs b (rectangle: width; tube: wall)")
        if shape is Shape.TUBE and 2 * self.b >= self.a:
            raise ValueError("tube wall b must be less than half the diameter a")
        if shape is Shape.PROFILE and (not self.profile or self.b <= 0 or self.c <= 0 or self.d <= 0):
            raise ValueError("a profile needs profile (I, U or L) and b, c, d (flange width, flange, web)")
        return self

    def shape_enum(self) -> Shape:
        if isinstance(self.shape, int):
            if self.shape not in {s.value for s in Shape}:
                raise ValueError(f"unknown shape code {self.shape}; 0 round, 1 rectangle, 2 tube, 3 profile")
            return Shape(self.shape)
        if self.shape.lower() not in _SHAPES:
            raise ValueError(f"unknown shape {self.shape!r}; one of {', '.join(_SHAPES)}")
        return _SHAPES[self.shape.lower()]

    def to_item(self) -> StockItem:
        grade = GRADES_BY_CODE[self.grade]
        if self.hardness is not None:
            grade = grade.at_hardness(self.hardness)
        section = Section(self.shape_enum(), self.a, self.b, self.c, self.d, profile=self.profile)
        return StockItem(Stock(grade, section), self.band_wear, self.name)


def parse_stock(data: Any, source: str = "stock") -> tuple[StockItem, ...]:
    """Stock items from parsed YAML (a list of mappings); ValueError names the item and field."""
    if not isinstance(data, list) or not data:
        raise ValueError(f"{source}: expected a non-empty YAML list of stock items")
    items = []
    for i, entry in enumerate(data, start=1):
        try:
            items.append(_ItemModel.model_validate(entry).to_item())
        except ValidationError as exc:
            first = exc.errors()[0]
            where = ".".join(str(p) for p in first["loc"])
            message = str(first["msg"]).removeprefix("Value error, ")
            raise ValueError(f"{source}: item {i}: {where + ': ' if where else ''}{message}") from None
        except ValueError as exc:
            raise ValueError(f"{source}: item {i}: {exc}") from None
    return tuple(items)


def load_stock(path: Path) -> tuple[StockItem, ...]:
    """Read a stock list, e.g.::

        - grade: 1          # PLC material code (register material_type): 1 = C45
          hardness: 2       # PLC hardness code (register material_hardness); default: the grade's
          shape: round      # round | rectangle | tube | profile (or 0-3)
          a: 80             # mm: diameter (round, tube) or height (rectangle, profile)
          band_wear: 40     # % of the band's life used when the piece is cut
        - {grade: 0, shape: profile, profile: I, a: 80, b: 46, c: 5.2, d: 3.8}
        - {grade: 2, shape: rectangle, a: 50, b: 80, name: "my 42CrMo4 flat"}
    """
    try:
        text = path.read_text(encoding="utf-8")
    except OSError as exc:
        raise ValueError(f"{path}: cannot read: {exc.strerror or exc}") from None
    try:
        data = load_yaml(text)  # refuses duplicate keys
    except yaml.YAMLError as exc:
        raise ValueError(f"{path}: not valid YAML: {exc}") from None
    return parse_stock(data, str(path))
