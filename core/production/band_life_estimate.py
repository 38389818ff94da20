"""Remaining band life from the measured rise of band torque (or current) at equal chip load.

A dull band needs more force for the same chip (Kienzle, with a wear factor), so per cut::

    load = (mean signal - idle level) / (mean contact length * chip^chip_exponent)

with the mean contact length = cut area / depth (the time mean of the chord at a steady feed) and
the chip thickness taken as descent speed / band speed (the tooth pitch is the band's own and
cancels within one band). Materials differ in specific cutting force, so the fit is, over the
cuts of one band::

    ln(load_i) = a[material_i] + b1 * A_i + b2 * A_i^2        (b2 >= 0, else b2 = 0)

with A_i the band's cut area (cm^2) at the middle of cut i and one intercept per material
(grade, section, size, hardness class): cuts of every material tell the same wear curve. One pass drops
outliers (beyond 4 robust sigmas) and fits again. Until the fitted rise reaches ``curve_from_rise``
the curvature is not told from noise and the rise is fitted as a straight line (a convex fit to
the first few per cent overshoots; bench/band_life.py). End of life is where the fitted rise reaches
``end_of_life_rise``; life used = A_now / A_end, remaining = A_end - A_now.

Too few usable cuts or too small a rise to extrapolate: the figure is the area-based one (area cut
against the configured blade life area), and :attr:`BandEstimate.method` says which it is.
"""

from __future__ import annotations

import math
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, replace
from typing import Any, Literal

import numpy as np

from core.analysis.cut_stats import material_key
from core.production.band_life_settings import BandLifeSettings

Method = Literal["trend", "area", "none"]
OUTLIER_SIGMAS = 4.0


@dataclass(frozen=True, slots=True)
class CutLoad:
    """What one cut tells about the band (see the module docstring)."""

    start_ms: int
    material: str
    area_mid_cm2: float  # band's cut area at the middle of this cut
    load: float | None  # None: the cut does not count for the trend (too short, aborted, no data)


@dataclass(frozen=True, slots=True)
class BandEstimate:
    band_id: int
    cuts: int
    area_cm2: float
    run_s: float
    method: Method  # trend (from the signal's rise), area (area cut / blade life area), none
    life_used_pct: float | None
    remaining_pct: float | None
    remaining_cm2: float | None
    remaining_cuts: float | None  # at this band's mean area per cut
    rise_pct: float | None  # the fitted rise of the normalised signal now, % over a new band
    usable_cuts: int
    materials: int
    note: str  # why the method was chosen, in plain words (English; the screen translates the method)
    first_ms: int | None
    last_ms: int | None


def cut_load(row: Mapping[str, Any], settings: BandLifeSettings) -> float | None:
    """The normalised load of one cut row (total.db ``cuts`` columns), or None if it does not count."""
    if row.get("outcome") != "completed":
        return None
    signal = _num(row.get(f"{settings.signal}_mean"))
    depth, area = _num(row.get("depth_mm")), _num(row.get("area_cm2"))
    descent, band = _num(row.get("descent_speed_mean")), _num(row.get("cutting_speed_mean"))
    if None in (signal, depth, area, descent, band):
        return None
    assert signal is not None and depth is not None and area is not None and descent is not None and band is not None
    if depth < max(settings.min_depth_mm, 1e-6) or area <= 0 or descent <= 0 or band <= 0:
        return None
    working = signal - settings.idle_level
    if working <= 0:
        return None
    chord = area * 100.0 / depth
    chip = descent / band
    return working / (chord * chip**settings.chip_exponent)


def material_of(row: Mapping[str, Any]) -> str:
    """Comparable cuts: grade, section and its size (the profile detector's key) and hardness class.

    The section is part of it: the entry and exit of a round bar or a profile's flanges load the
    band differently from a plain rectangle, a constant of the section that the intercept takes.
    """
    hardness = _num(row.get("material_hardness"))
    key = material_key(_num(row.get("material_type")), _num(row.get("cross_section")),
                       _num(row.get("dimension_a")), _num(row.get("dimension_b")))
    return f"{key}/h{'?' if hardness is None else f'{hardness:g}'}"


def area_of(row: Mapping[str, Any]) -> float:
    """The cut's area (cm²); 0 when not known."""
    return max(_num(row.get("area_cm2")) or 0.0, 0.0)


def cut_loads(rows: Iterable[Mapping[str, Any]], settings: BandLifeSettings) -> list[CutLoad]:
    """One band's cuts, oldest first, as :class:`CutLoad` (the cut area runs over every cut)."""
    out: list[CutLoad] = []
    area = 0.0
    for row in rows:
        cut_area = area_of(row)
        out.append(CutLoad(int(row.get("start_ms") or 0), material_of(row), area + cut_area / 2.0,
                           cut_load(row, settings)))
        area += cut_area
    return out


@dataclass(frozen=True, slots=True)
class TrendFit:
    b1: float  # per cm^2
    b2: float  # per cm^4
    used: int
    materials: int

    def rise(self, area_cm2: float) -> float:
        return math.expm1(self.b1 * area_cm2 + self.b2 * area_cm2**2)

    def end_of_life_area(self, rise: float) -> float | None:
        """Cut area (cm^2) at which the fitted rise reaches ``rise``; None if it never does."""
        target = math.log1p(rise)
        if self.b2 > 0:
            return (-self.b1 + math.sqrt(self.b1**2 + 4.0 * self.b2 * target)) / (2.0 * self.b2)
        if self.b1 > 0:
            return target / self.b1
        return None


def fit_trend(loads: Sequence[CutLoad], *, quadratic: bool = True) -> TrendFit | None:
    """Least squares of ln(load) on per-material intercepts and a convex rise over cut area
    (a straight rise with ``quadratic`` False)."""
    points = [c for c in loads if c.load is not None and c.load > 0 and math.isfinite(c.load)]
    if len(points) < 3:
        return None
    keep = np.ones(len(points), dtype=bool)
    fit = None
    for _ in range(2):
        fit, residuals = _solve([p for p, k in zip(points, keep, strict=True) if k], quadratic=quadratic)
        if fit is None or residuals is None:
            return fit
        spread = 1.4826 * float(np.median(np.abs(residuals - np.median(residuals))))
        if spread <= 0:
            return fit
        full = np.ones(len(points), dtype=bool)
        full[np.flatnonzero(keep)] = np.abs(residuals) <= OUTLIER_SIGMAS * spread
        if full.sum() == keep.sum() or full.sum() < 3:
            return fit
        keep = full
    return fit


def _solve(points: Sequence[CutLoad], *, quadratic: bool = True) -> tuple[TrendFit | None, np.ndarray | None]:
    """Per-material intercepts by demeaning within each material (the fixed-effects form of the
    dummy-variable fit: same coefficients, O(n) instead of an n x materials design matrix)."""
    materials = sorted({p.material for p in points})
    if len(points) <= len(materials) + 1:
        return None, None
    index = {m: i for i, m in enumerate(materials)}
    codes = np.array([index[p.material] for p in points])
    counts = np.bincount(codes).astype(float)
    y = np.log(np.array([p.load for p in points], dtype=float))
    area = np.array([p.area_mid_cm2 for p in points], dtype=float)
    scale = float(area.max()) if area.max() > 0 else 1.0
    a = area / scale

    def within(v: np.ndarray) -> np.ndarray:
        return v - (np.bincount(codes, weights=v) / counts)[codes]

    y_w = within(y)
    for curved in (True, False) if quadratic else (False,):
        x = np.column_stack([within(a), within(a * a)] if curved else [within(a)])
        coef, *_ = np.linalg.lstsq(x, y_w, rcond=None)
        b1 = float(coef[0])
        b2 = float(coef[1]) if curved else 0.0
        if curved and b2 < 0:
            continue  # wear does not slow down: a concave fit would put the end of life too far
        residuals = y_w - x @ coef
        return TrendFit(b1 / scale, b2 / scale**2, len(points), len(materials)), residuals
    return None, None


def estimate(
    band_id: int,
    rows: Sequence[Mapping[str, Any]],
    settings: BandLifeSettings,
    *,
    blade_life_area_cm2: float,
    run_s: float | None = None,
    loads: Sequence[CutLoad] | None = None,
) -> BandEstimate:
    """The band's figures and its estimated remaining life from its cut rows (oldest first).

    ``loads``: the rows' :func:`cut_loads`, when the caller keeps them (one per row, same order).
    """
    if loads is None:
        loads = cut_loads(rows, settings)
    area = sum(area_of(r) for r in rows)
    if run_s is None:
        run_s = sum(max((_num(r.get("duration_s")) or 0.0) - (_num(r.get("gap_s")) or 0.0), 0.0) for r in rows)
    usable = sum(1 for c in loads if c.load is not None)
    materials = len({c.material for c in loads if c.load is not None})
    per_cut = area / len(rows) if rows else None
    first = int(rows[0].get("start_ms") or 0) if rows else None
    last = int(rows[-1].get("end_ms") or rows[-1].get("start_ms") or 0) if rows else None
    base = BandEstimate(band_id=band_id, cuts=len(rows), area_cm2=area, run_s=run_s, method="none",
                        life_used_pct=None, remaining_pct=None, remaining_cm2=None, remaining_cuts=None,
                        rise_pct=None, usable_cuts=usable, materials=materials, note="", first_ms=first, last_ms=last)
    if band_id == 0:
        return replace(base, note="band id 0: no band id is set on the PLC, so cuts of every band are counted "
                                  "together; set the band id at each band change")
    fit = fit_trend(loads) if usable >= settings.min_cuts else None
    if fit is not None and fit.b2 > 0 and fit.rise(area) < settings.curve_from_rise:
        fit = fit_trend(loads, quadratic=False)  # too little rise yet to tell a curve from noise
    rise = fit.rise(area) if fit is not None else None
    end = fit.end_of_life_area(settings.end_of_life_rise) if fit is not None else None
    if fit is not None and rise is not None and rise >= settings.min_rise and end is not None and end > 0:
        used = 100.0 if rise >= settings.end_of_life_rise else min(100.0 * area / end, 100.0)
        remaining_cm2 = max(end - area, 0.0) if used < 100.0 else 0.0
        note = (f"trend of {settings.signal} over {fit.used} cuts of {fit.materials} material(s): "
                f"risen {100 * rise:.0f} % of the {100 * settings.end_of_life_rise:.0f} % end-of-life rise")
        return replace(base, method="trend", life_used_pct=used, remaining_pct=100.0 - used,
                       remaining_cm2=remaining_cm2, remaining_cuts=_cuts(remaining_cm2, per_cut),
                       rise_pct=100.0 * rise, note=note)
    if usable < settings.min_cuts:
        why = f"{usable} usable cuts, the trend needs {settings.min_cuts}"
    elif rise is None or end is None:
        why = f"{settings.signal} shows no rise at equal chip load yet"
    else:
        why = f"{settings.signal} has risen {100 * rise:.1f} %, below the {100 * settings.min_rise:.0f} % needed"
    used = min(100.0 * area / blade_life_area_cm2, 100.0)
    remaining_cm2 = max(blade_life_area_cm2 - area, 0.0)
    return replace(base, method="area", life_used_pct=used, remaining_pct=100.0 - used, remaining_cm2=remaining_cm2,
                   remaining_cuts=_cuts(remaining_cm2, per_cut), rise_pct=None if rise is None else 100 * rise,
                   note=f"area cut against {blade_life_area_cm2:g} cm² blade life ({why})")


def _cuts(remaining_cm2: float, per_cut: float | None) -> float | None:
    return remaining_cm2 / per_cut if per_cut else None


def _num(value: object) -> float | None:
    if value is None or isinstance(value, bool):
        return None
    try:
        number = float(value)  # type: ignore[arg-type]
    except (TypeError, ValueError):
        return None
    return number if math.isfinite(number) else None
