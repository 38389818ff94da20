"""The evaluation's figures as markdown: the tables per group, the verdict, cost per item.

Input is the JSON document of :func:`core.ml.evaluate.run_evaluation` (or :func:`~core.ml.evaluate.compare`),
so a report can be rebuilt from a saved ``--json`` file.
"""

from __future__ import annotations

from typing import Any

from core.ml.evaluate import GROUPS, MODES, TARGET_CHIP_OUT_PCT, TARGET_COST_RATIO, wins_and_losses


def _span(pair: Any) -> str:
    """(40.0, 90.0) or, read back from --json, [40.0, 90.0] -> '40-90'."""
    low, high = pair
    return f"{low:g}-{high:g}"


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


GROUP_NAMES = {"catalogue": "catalogue", "held_out": "held-out"}
KIND_NAMES = {"grade": "unseen grades", "size": "unseen sizes", "wear": "unseen band wear"}


def _cost(value: Any, ratio: Any = None) -> str:
    text = _cell(value, ".3f")
    return text if ratio is None else f"{text} ({ratio:.3f} x)"


def _verdict_line(group: str, v: dict[str, Any], currency: str = "EUR") -> str:
    name = GROUP_NAMES.get(group, group)
    if "ml_better" not in v:
        return f"- {name}: best single preset `{v.get('best_single_preset')}`; no ML figures."
    line = (f"- {name}: **{wins_and_losses(v, f'{name} items')}** against the right preset (the best of "
            "the presets for each item, chosen after the fact).")
    if v["ml_worse_on"]:
        line += " Worse on: " + "; ".join(v["ml_worse_on"]) + "."
    same = v["same_cuts"]
    line += (f" On the same cuts ({same['items']} items, {same['cuts']} cuts, each cut by ML and by the right "
             f"preset): ML {_cell(v['ml_cost_per_cut'], '.3f')} {currency}/cut; the right presets "
             f"{_cost(v['best_preset_per_item_cost_per_cut'])}, ML = "
             f"{_cell(v['ml_cost_vs_best_preset_per_item'], '.3f')} x; the best single preset "
             f"`{v['best_single_preset']}` {_cost(v['best_single_preset_cost_per_cut'])}, ML = "
             f"{_cell(v['ml_cost_vs_best_single_preset'], '.3f')} x; the oracle "
             f"{_cost(v['oracle_cost_per_cut'])} = {_cell(v['oracle_cost_vs_best_single_preset'], '.3f')} x. "
             f"ML overloads {v['ml_overloads']}, failed pieces {v['ml_failed_pieces']}, chip out "
             f"{v['ml_chip_out_of_window_pct']:.1f} %.")
    met = "MET" if v["meets_target"] else "NOT met"
    line += (f" Target of #14 (<= {TARGET_COST_RATIO} x the best single preset on the same cuts, 0 overloads, "
             f"chip out <= {TARGET_CHIP_OUT_PCT:g} %, no failed pieces): {met}.")
    return line


def _by_kind(kinds: dict[str, dict[str, Any]]) -> list[str]:
    """Held-out stock by what was held out: where a controller carries over and where it does not."""
    rows = [(kind, k) for kind, k in kinds.items() if k.get("items")]
    if not rows:
        return []
    header = ("held out", "items", "ML vs the right preset", "right presets cost", "best single preset cost",
              "oracle cost", "ML cost", "ML / right preset", "ML / best single preset", "ML overloads",
              "ML chip out %")
    lines = ["## Held-out stock by what was held out", "",
             "Costs per cut on the same cuts (the items ML and the right preset both cut completely).", "",
             " | ".join(header), " | ".join("---" for _ in header)]
    for kind, k in rows:
        v = k["verdict"]
        single = v.get("best_single_preset_cost_per_cut")
        lines.append(" | ".join((
            kind, str(k["items"]), f"better {v['ml_better']}, worse {v['ml_worse']}" if "ml_better" in v else "-",
            _cell(v.get("best_preset_per_item_cost_per_cut"), ".3f"),
            f"{_cell(single, '.3f')} ({v.get('best_single_preset')})" if single is not None else "-",
            _cell(v.get("oracle_cost_per_cut"), ".3f"), _cell(v.get("ml_cost_per_cut"), ".3f"),
            _cell(v.get("ml_cost_vs_best_preset_per_item"), ".3f"),
            _cell(v.get("ml_cost_vs_best_single_preset"), ".3f"),
            _cell(v.get("ml_overloads"), "d"), _cell(v.get("ml_chip_out_of_window_pct"), ".1f"),
        )))
    return [*lines, ""]


def _per_item(data: dict[str, Any], currency: str) -> list[str]:
    """ML against the right preset, item by item (grade x section x band wear), held-out first."""
    items = [it for it in data["items"] if it.get("ml_vs_best_preset")]
    if not items:
        return []
    header = ("item", "held out because", "right preset", f"preset {currency}/cut", f"ML {currency}/cut",
              "ML / preset", "ML", "ML trips")
    lines = ["## ML against the right preset, item by item", ""]
    for group in reversed(GROUPS):
        members = [it for it in items if it["group"] == group]
        if not members:
            continue
        v = data["verdict"][group]
        lines += [f"{GROUP_NAMES[group].capitalize()} stock: {wins_and_losses(v, GROUP_NAMES[group] + ' items')}.",
                  "", " | ".join(header), " | ".join("---" for _ in header)]
        for it in members:
            o = it["ml_vs_best_preset"]
            outcome = o["outcome"] + (f" ({o['note']})" if o["note"] else "")
            lines.append(" | ".join((
                it["item"]["name"], ", ".join(it["held_out_because"]) or "-", o["best_preset"],
                _cell(o["best_preset_cost_per_cut"], ".2f"), _cell(o["ml_cost_per_cut"], ".2f"),
                _cell(o["ml_vs_best_preset"], ".3f"), outcome, str(o["ml_overloads"]),
            )))
        lines.append("")
    return lines


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
        f"oracle within band {_span(data['speed_ranges']['cutting_speed'])} m/min, descent "
        f"{_span(data['speed_ranges']['descent_speed'])} mm/min; ML starts each piece from the normal preset.",
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
    if any("ml" in data[g] for g in GROUPS):
        lines += ["Each mode's cost per cut above divides by the pieces that mode completed (a preset that "
                  "trips out of a piece leaves it out): the verdict compares on the same cuts.", ""]
    lines += ["## Verdict", ""] + [_verdict_line(g, data["verdict"][g], currency) for g in reversed(GROUPS)
                                   if g in data["verdict"] and data["verdict"][g].get("items")]
    kinds = [(KIND_NAMES.get(kind, kind), k["verdict"]) for kind, k in data.get("held_out_by_kind", {}).items()
             if "ml_better" in k.get("verdict", {})]
    if kinds:
        lines.append("- Held-out by what was held out, against the right preset: " + "; ".join(
            f"{name}: better on {v['ml_better']} of {v['items']}, worse on {v['ml_worse']} "
            f"(ML = {_cell(v['ml_cost_vs_best_preset_per_item'], '.3f')} x the right presets)"
            for name, v in kinds) + ".")
    if data["model"] is not None:
        declared = data["model_training"].get("declares_split")
        lines.append("- The model's manifest " + (
            "declares it was trained on this split (training.held_out): held-out stock is unseen."
            if declared else "does NOT declare this split (training.held_out): it may have been trained on "
            "held-out stock, so its held-out figures may be optimistic."))
    lines.append("")
    lines += _by_kind(data.get("held_out_by_kind", {}))
    lines += _per_item(data, currency)
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
