"""The evaluation's figures as markdown: the tables per group, the verdict, cost per item.

Input is the JSON document of :func:`core.ml.evaluate.run_evaluation` (or :func:`~core.ml.evaluate.compare`),
so a report can be rebuilt from a saved ``--json`` file.
"""

from __future__ import annotations

from typing import Any

from core.ml.evaluate import GROUPS, MODES, TARGET_CHIP_OUT_PCT, TARGET_COST_RATIO


def _cell(value: Any, fmt: str) -> str:
    return "-" if value is None else format(value, fmt)


def format_table(table: dict[str, dict[str, Any]], currency: str = "EUR") -> str:
    header = ("mode", "cuts", "mean cut s", f"cost/cut {currency}", "band life/cut %", "overloads", "failed",
              "guard", "chip out %", "peak torque %", "mean |dev| mm")
    lines = [" | ".join(header), " | ".join("---" for _ in header)]
    for mode, f in table.items():
        lines.append(" | ".join((
            mode, str(f["cuts"]), _cell(f["mean_cut_s"], ".1f"), _cell(f["cost_per_cut"], ".3f"),
            _cell(f["band_life_per_cut_pct"], ".3f"), str(f["overloads"]), str(f["failed_pieces"]),
            str(f["guard_events"]) if mode == "ml" else "-", _cell(f["chip_out_of_window_pct"], ".1f"),
            _cell(f["peak_torque_pct"], ".0f"), _cell(f["mean_abs_deviation_mm"], ".3f"),
        )))
    return "\n".join(lines)


def _verdict_line(group: str, v: dict[str, Any]) -> str:
    if "ml_cost_vs_best_single_preset" not in v:
        return f"- {group}: best single preset `{v.get('best_single_preset')}`; no ML figures."
    met = "MET" if v["meets_target"] else "NOT met"
    oracle_ratio = _cell(v.get("oracle_cost_vs_best_single_preset"), ".3f")
    return (f"- {group}: ML cost per cut = {v['ml_cost_vs_best_single_preset']:.3f} x the best single preset "
            f"(`{v['best_single_preset']}`); oracle {oracle_ratio} x. Target (<= {TARGET_COST_RATIO} x, "
            f"0 overloads, chip out <= {TARGET_CHIP_OUT_PCT:g} %, no failed pieces): **{met}**.")


def _by_kind(kinds: dict[str, dict[str, Any]]) -> list[str]:
    """Held-out stock by what was held out: where a controller carries over and where it does not."""
    rows = [(kind, k) for kind, k in kinds.items() if k.get("items")]
    if not rows:
        return []
    header = ("held out", "items", "best preset cost", "oracle cost", "ML cost", "ML / best single preset",
              "ML overloads", "ML chip out %")
    lines = ["## Held-out stock by what was held out", "", " | ".join(header), " | ".join("---" for _ in header)]
    for kind, k in rows:
        ml = k.get("ml", {})
        lines.append(" | ".join((
            kind, str(k["items"]), _cell(k["best_preset"]["cost_per_cut"], ".3f"),
            _cell(k["oracle"]["cost_per_cut"], ".3f"), _cell(ml.get("cost_per_cut"), ".3f"),
            _cell(k["verdict"].get("ml_cost_vs_best_single_preset"), ".3f"), _cell(ml.get("overloads"), "d"),
            _cell(ml.get("chip_out_of_window_pct"), ".1f"),
        )))
    return [*lines, ""]


def report_markdown(data: dict[str, Any]) -> str:
    currency = data["cost"]["currency"]
    split = data["split"]
    lines = [
        "# ML evaluation: cost per cut",
        "",
        f"Model: `{data['model']}`. Each item cut {data['pieces_per_item']} times per mode from the same seed "
        f"(base seed {data['seed']}), each piece from the item's band wear. Cost per cut = "
        f"{data['cost']['machine_rate_per_hour']:g} {currency}/h x cut time + {data['cost']['band_price']:g} "
        f"{currency}/band x band life used; failed attempts count, divided by completed pieces. ML and the "
        f"oracle within band {data['speed_ranges']['cutting_speed']} m/min, descent "
        f"{data['speed_ranges']['descent_speed']} mm/min; ML starts each piece from the normal preset.",
        "",
        "Held out (never in training): grades " + ", ".join(split["grades"])
        + "; section heights " + ", ".join(f"{lo:g}-{hi:g} mm" for lo, hi in split["section_heights_mm"])
        + "; band wear " + ", ".join(f"{lo:g}-{min(hi, 100):g} %" for lo, hi in split["band_wear_pct"])
        + " (training wear " + ", ".join(f"{lo:g}-{hi:g} %" for lo, hi in split["training_band_wear_pct"]) + ").",
        "",
    ]
    for group in GROUPS:
        title = f"## {group.replace('_', '-')} stock"
        if not any(f["attempts"] for f in data[group].values()):
            lines += [title, "", "No items in this group.", ""]
            continue
        lines += [title, "", format_table(data[group], currency), ""]
    lines += ["## Verdict", ""] + [_verdict_line(g, v) for g, v in data["verdict"].items()]
    if data["model"] is not None:
        declared = data["model_training"].get("declares_split")
        lines.append("- The model's manifest " + (
            "declares it was trained on this split (training.held_out): held-out stock is unseen."
            if declared else "does NOT declare this split (training.held_out): it may have been trained on "
            "held-out stock, so its held-out figures may be optimistic."))
    lines.append("")
    lines += _by_kind(data.get("held_out_by_kind", {}))
    modes = [m for m in MODES if any(m in it["modes"] for it in data["items"])]
    lines += ["## Cost per cut per item", "", " | ".join(["item", "group", *modes]),
              " | ".join("---" for _ in range(len(modes) + 2))]
    for it in data["items"]:
        cells = []
        for m in modes:
            f = it["modes"].get(m)
            cell = "-" if f is None or f["cost_per_cut"] is None else f"{f['cost_per_cut']:.2f}"
            if f is not None and m == "best_preset":
                cell += f" ({f['preset']})"
            if f is not None and f["overloads"]:
                cell += f" ({f['overloads']} trips)"
            cells.append(cell)
        why = ", ".join(it["held_out_because"]) or "catalogue"
        lines.append(" | ".join([it["item"]["name"], why, *cells]))
    return "\n".join(lines) + "\n"


def compare_markdown(data: dict[str, Any]) -> str:
    lines = [f"A = `{data['A']}`, B = `{data['B']}` (ML mode, same stock and seeds)", ""]
    for group in GROUPS:
        if any(f["attempts"] for f in data[group].values()):
            lines += [f"{group.replace('_', '-')}:", "", format_table(data[group]), ""]
    header = ("item", "cost A", "cost B", "B/A", "trips A", "trips B")
    lines += [" | ".join(header), " | ".join("---" for _ in header)]
    for it in data["items"]:
        ca, cb = it["A"]["cost_per_cut"], it["B"]["cost_per_cut"]
        ratio = f"{cb / ca:.3f}" if ca and cb else "-"
        lines.append(" | ".join((it["item"]["name"], _cell(ca, ".3f"), _cell(cb, ".3f"), ratio,
                                 str(it["A"]["overloads"]), str(it["B"]["overloads"]))))
    return "\n".join(lines) + "\n"
