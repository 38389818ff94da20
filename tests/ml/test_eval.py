"""Evaluation on cost per cut: the split, stock files, the figures, and `bandsaw ml eval/compare`."""

from __future__ import annotations

import json
import math
import random
from pathlib import Path

import pytest
from hypothesis import given
from hypothesis import settings as settings_
from hypothesis import strategies as st

from core.config import PROJECT_ROOT, Settings
from core.ml.evaluate import GROUPS, MODES, run_evaluation
from core.ml.stock import (
    HELD_OUT_GRADES,
    HELD_OUT_WEAR,
    StockItem,
    held_out_reasons,
    held_out_stock,
    is_training_stock,
    load_stock,
    parse_stock,
    sample_training_wear,
    training_stock,
)
from core.sim.materials import GRADES_BY_CODE, Section, Shape, Stock

MODEL = PROJECT_ROOT / "data" / "models" / "default"
FIELDS = ("cuts", "mean_cut_s", "cost_per_cut", "band_life_per_cut_pct", "overloads", "guard_events",
          "chip_out_of_window_pct", "peak_torque_pct")
TINY = "- {grade: 1, shape: round, a: 30, band_wear: 10}\n- {grade: 10, hardness: 2, shape: round, a: 30}\n"


def test_split_holds_out_whole_grades_sizes_and_wear() -> None:
    train, held = training_stock(), held_out_stock()
    assert not any(held_out_reasons(item) for item in train)
    assert all(is_training_stock(item.stock) for item in train)
    reasons = [r for item in held for r in held_out_reasons(item)]
    assert any(r.startswith("grade") for r in reasons)
    assert any(r.startswith("size") for r in reasons)
    assert any(r.startswith("wear") for r in reasons)
    trained_grades = {item.stock.grade.code for item in train}
    assert trained_grades.isdisjoint(HELD_OUT_GRADES)
    # The held-out grades share hardness codes with trained ones: the PLC inputs can carry over.
    trained_hardness = {item.stock.grade.hardness_code for item in train}
    assert {GRADES_BY_CODE[c].hardness_code for c in HELD_OUT_GRADES} <= trained_hardness
    # Wider than the first catalogue: small and large sections, tubes, profiles, soft and hard grades.
    heights = [item.stock.section.height for item in train + held]
    assert min(heights) <= 20 and max(heights) >= 150
    hardness = [item.stock.grade.hardness_hb for item in train + held]
    assert min(hardness) < 100 and max(hardness) >= 400


def test_training_wear_never_falls_in_a_held_out_band() -> None:
    rng = random.Random(3)
    samples = [sample_training_wear(rng) for _ in range(5000)]
    assert not any(lo <= w < hi for w in samples for lo, hi in HELD_OUT_WEAR)
    assert min(samples) < 2 and max(samples) > 60


def test_stock_file_is_read_and_bad_items_are_named(tmp_path: Path) -> None:
    path = tmp_path / "stock.yaml"
    path.write_text(TINY + "- {grade: 0, shape: profile, profile: I, a: 80, b: 46, c: 5.2, d: 3.8, name: IPE}\n",
                    encoding="utf-8")
    items = load_stock(path)
    assert [i.stock.section.shape for i in items] == [Shape.ROUND, Shape.ROUND, Shape.PROFILE]
    assert items[0].band_wear_pct == 10 and items[2].label == "IPE"
    assert items[1].stock.grade.hardness_code == 2 and held_out_reasons(items[1]) == ["grade 16MnCr5"]
    bad = {
        "- {grade: 99, shape: round, a: 30}": "item 1: unknown grade code 99",
        "- {grade: 1, shape: tube, a: 30}": "item 1: a tube needs b",
        "- {grade: 1, shape: hexagon, a: 30}": "unknown shape 'hexagon'",
        "- {grade: 1, shape: round, a: -3}": "item 1: a:",
        "- {grade: 1, shape: round, a: 30, band_wear: 120}": "band_wear",
        "- {grade: 1, shape: round, a: 30, colour: red}": "colour",
        "- {grade: 1, hardness: 9, shape: round, a: 30}": "unknown hardness code 9",
        "[]": "non-empty YAML list",
        "- {grade: 1, shape: round, a: [": "not valid YAML",
    }
    for text, message in bad.items():
        path.write_text(text, encoding="utf-8")
        with pytest.raises(ValueError, match=None) as caught:
            load_stock(path)
        assert message in str(caught.value) and str(path) in str(caught.value), (text, caught.value)
    with pytest.raises(ValueError, match="cannot read"):
        load_stock(tmp_path / "missing.yaml")


def test_figures_per_group_and_mode_without_a_model(settings: Settings, tmp_path: Path) -> None:
    items = parse_stock([{"grade": 1, "shape": "round", "a": 40},
                         {"grade": 1, "shape": "round", "a": 40, "band_wear": 75}])
    data = run_evaluation(None, settings=settings, stock=items, pieces=1, report=tmp_path / "r.md",
                          json_out=tmp_path / "r.json")
    assert json.loads((tmp_path / "r.json").read_text()) == json.loads(json.dumps(data))
    for group in GROUPS:
        assert set(data[group]) == set(MODES) - {"ml"}
        for figures in data[group].values():
            assert set(FIELDS) <= set(figures) and figures["cuts"] == 1
        table = data[group]
        # The oracle is the ceiling: cheaper than every preset, within the torque limit.
        assert table["oracle"]["cost_per_cut"] < min(table[p]["cost_per_cut"] for p in ("slow", "normal", "fast"))
        assert table["oracle"]["overloads"] == 0 and table["oracle"]["peak_torque_pct"] < 110
        assert table["best_preset"]["cost_per_cut"] == min(table[p]["cost_per_cut"] for p in ("slow", "normal", "fast"))
        # Speed is not free: the fast preset uses more band per cut than the slow one.
        assert table["fast"]["band_life_per_cut_pct"] > 2 * table["slow"]["band_life_per_cut_pct"]
        assert table["fast"]["mean_cut_s"] < table["slow"]["mean_cut_s"]
    report = (tmp_path / "r.md").read_text()
    assert "wear 75 %" in report and "16MnCr5 (code 10)" in report and "## held-out stock" in report
    again = run_evaluation(None, settings=settings, stock=items, pieces=1)
    assert again == data  # deterministic per seed
    one_group = run_evaluation(None, settings=settings, stock=items[:1], pieces=1, report=tmp_path / "one.md")
    assert one_group["held_out"]["oracle"]["cuts"] == 0 and one_group["held_out"]["oracle"]["cost_per_cut"] is None
    assert "No items in this group." in (tmp_path / "one.md").read_text()


def test_failed_pieces_are_counted_and_cost_what_they_used(settings: Settings) -> None:
    # A worn band on wide hard stock: the normal and fast presets trip on torque.
    item = StockItem(Stock(GRADES_BY_CODE[0], Section(Shape.ROUND, 150.0)), 60.0)
    data = run_evaluation(None, settings=settings, stock=[item], pieces=1)
    table = data["catalogue"]
    assert table["normal"]["overloads"] >= 1 and table["oracle"]["overloads"] == 0
    row = data["items"][0]["modes"]
    for figures in row.values():  # a piece is tried 3 times, each try ends in a trip or a cut
        assert figures["attempts"] == figures["cuts"] + figures["overloads"] <= 3
        if figures["cuts"] == 0:
            assert figures["cost_per_cut"] is None and figures["failed_pieces"] == 1 and figures["overloads"] == 3
    assert data["items"][0]["modes"]["best_preset"]["overloads"] == 0


def bandsaw(capsys: pytest.CaptureFixture[str], data_dir: Path, *args: str) -> tuple[int, str, str]:
    """`bandsaw ARGS --data-dir DATA_DIR` in-process (the CLI's argument parsing and exit codes)."""
    from core.cli import main

    code = main([*args, "--data-dir", str(data_dir)])
    out = capsys.readouterr()
    return code, out.out, out.err


def test_cli_eval_json_and_compare(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    stock = tmp_path / "stock.yaml"
    stock.write_text(TINY, encoding="utf-8")
    out, report = tmp_path / "eval.json", tmp_path / "eval.md"
    code, stdout, stderr = bandsaw(capsys, tmp_path, "ml", "eval", "--model", str(MODEL), "--stock", str(stock),
                                   "--pieces", "1", "--json", str(out), "--report", str(report))
    assert code == 0, stderr
    data = json.loads(out.read_text())
    for group in GROUPS:
        assert set(data[group]) == set(MODES)
        assert all(set(FIELDS) <= set(f) for f in data[group].values())
        assert "ml_cost_vs_best_single_preset" in data["verdict"][group]
    assert "## Verdict" in report.read_text() and "cost/cut" in stdout
    assert data["held_out_by_kind"]["grade"]["items"] == 1 and data["held_out_by_kind"]["size"]["items"] == 0
    assert "ml_cost_vs_best_single_preset" in data["held_out_by_kind"]["grade"]["verdict"]
    assert "## Held-out stock by what was held out" in report.read_text()
    code, stdout, stderr = bandsaw(capsys, tmp_path, "ml", "compare", str(MODEL), str(MODEL), "--stock", str(stock),
                                   "--pieces", "1", "--json", str(tmp_path / "cmp.json"))
    assert code == 0, stderr
    cmp = json.loads((tmp_path / "cmp.json").read_text())
    assert cmp["held_out"]["A"] == cmp["held_out"]["B"]  # same model, same seeds: same figures
    assert cmp["held_out"]["A"]["cost_per_cut"] == data["held_out"]["ml"]["cost_per_cut"]
    assert "cost A" in stdout


def test_cli_eval_without_report_prints_it_and_never_overwrites_the_shipped_report(
    tmp_path: Path, capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    # `ml eval --stock FILE` without --report wrote its one-bar report over the shipped
    # data/models/default-eval.md (the default was NAME-eval.md beside the model).
    shipped = MODEL.with_name("default-eval.md")
    before = shipped.read_bytes(), shipped.stat().st_mtime_ns
    beside = set(MODEL.parent.iterdir())
    monkeypatch.chdir(tmp_path)
    stock = tmp_path / "stock.yaml"
    stock.write_text("- {grade: 1, shape: round, a: 20}\n", encoding="utf-8")
    code, stdout, stderr = bandsaw(capsys, tmp_path / "data", "ml", "eval", "--model", str(MODEL), "--stock",
                                   str(stock), "--pieces", "1")
    assert code == 0, stderr
    assert (shipped.read_bytes(), shipped.stat().st_mtime_ns) == before
    assert set(MODEL.parent.iterdir()) == beside
    assert stdout.startswith("# ML evaluation: cost per cut") and "## Verdict" in stdout
    assert "report written" not in stdout and sorted(p.name for p in tmp_path.iterdir()) == ["data", "stock.yaml"]
    # A path given is written; one inside the installed program is refused before anything runs.
    code, stdout, stderr = bandsaw(capsys, tmp_path / "data", "ml", "eval", "--model", str(MODEL), "--stock",
                                   str(stock), "--pieces", "1", "--report", "mine.md")
    assert code == 0 and "report written: mine.md" in stdout
    assert (tmp_path / "mine.md").read_text().startswith("# ML evaluation")
    import core.paths

    monkeypatch.setattr(core.paths.in_installed_code, "__kwdefaults__",
                        {"checkout": None, "code_root": PROJECT_ROOT})
    code, stdout, stderr = bandsaw(capsys, tmp_path / "data", "ml", "eval", "--model", str(MODEL), "--stock",
                                   str(stock), "--pieces", "1", "--report", str(PROJECT_ROOT / "core" / "x-eval.md"))
    assert code == 2 and "inside the installed program" in stderr and not stdout
    assert not (PROJECT_ROOT / "core" / "x-eval.md").exists()


def test_cli_refuses_bad_stock_and_missing_model(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    stock = tmp_path / "stock.yaml"
    stock.write_text("- {grade: 1, shape: tube, a: 30}\n", encoding="utf-8")
    code, _, stderr = bandsaw(capsys, tmp_path, "ml", "eval", "--model", str(MODEL), "--stock", str(stock))
    assert code == 2 and "item 1" in stderr and "tube needs b" in stderr
    stock.write_text(TINY, encoding="utf-8")
    code, _, stderr = bandsaw(capsys, tmp_path, "ml", "eval", "--model", str(tmp_path / "nope"), "--stock", str(stock),
                              "--pieces", "1")
    assert code == 1 and "model refused" in stderr
    code, _, stderr = bandsaw(capsys, tmp_path, "ml", "compare", str(MODEL), str(MODEL), "--pieces", "0")
    assert code == 2 and "--pieces" in stderr
    missing_stock = str(tmp_path / "no.yaml")
    code, _, stderr = bandsaw(capsys, tmp_path, "ml", "eval", "--model", str(MODEL), "--stock", missing_stock)
    assert code == 2 and "cannot read" in stderr


async def test_eval_writes_pass_the_real_writer_on_the_in_process_plc(settings: Settings) -> None:
    from core.ml.simenv import SimSaw
    from core.ml.simwriter import sim_writer
    from core.registers import load_register_map

    saw = SimSaw(seed=4)
    writer = sim_writer(settings, load_register_map(settings.register_map_path), saw)
    saw.poll()
    first = await writer.write("descent_speed", 500.0, user="ml", reason="test")
    assert first.ok and first.verified and first.written is not None
    assert first.written < 60.0 and saw.plc.descent_sp == pytest.approx(first.written)  # clamped and stepped
    too_soon = await writer.write("descent_speed", 40.0, user="ml", reason="test")
    assert not too_soon.ok  # the per-register write rate, in simulated time
    for _ in range(10):
        saw.poll()
    later = await writer.write("descent_speed", first.written - 5.0, user="ml", reason="test")
    assert later.ok and not later.clamped and saw.plc.descent_sp == pytest.approx(first.written - 5.0)
    for _ in range(30):  # no polls: the Writer's PLC value goes stale in simulated time
        saw.plc.step(0.1)
    stale = await writer.write("descent_speed", 30.0, user="ml", reason="test")
    assert not stale.ok and "stale" in stale.reason


def test_random_training_items_are_never_held_out_and_vary() -> None:
    from core.ml.stock import random_training_item
    from core.sim.oracle import Economics, best_plan

    rng = random.Random(11)
    items = [random_training_item(rng) for _ in range(300)]
    assert not any(held_out_reasons(item) for item in items)
    assert {item.stock.section.shape for item in items} == set(Shape)
    assert len({item.stock.grade.code for item in items}) == len(GRADES_BY_CODE) - len(HELD_OUT_GRADES)
    assert min(i.stock.section.height for i in items) < 35 and max(i.stock.section.height for i in items) > 140
    for item in items[:20]:  # a real section the oracle can plan
        plan = best_plan(item.stock.grade, item.stock.section, item.band_wear_pct / 100, Economics())
        assert plan.cut_s > 0 and math.isfinite(plan.cost)


def test_report_says_whether_the_model_declares_the_split(tmp_path: Path) -> None:
    from core.ml.evaluate import _declared_training
    from core.ml.stock import split_description

    manifest = tmp_path / "m.json"
    manifest.write_text(json.dumps({"training": {"source": "simulator", "held_out": split_description()}}))
    assert _declared_training(tmp_path / "m") == {"source": "simulator", "declares_split": True}
    manifest.write_text(json.dumps({"training": {"source": "simulator"}}))
    assert _declared_training(tmp_path / "m.json")["declares_split"] is False
    manifest.write_text("not json")
    assert _declared_training(tmp_path / "m") == {"declares_split": False}
    assert _declared_training(tmp_path / "missing") == {"declares_split": False}
    # A model named with a dot (chip.v2 -> chip.v2.json, as save_model writes it), not chip.json.
    (tmp_path / "chip.v2.json").write_text(json.dumps({"training": {"held_out": split_description()}}))
    assert _declared_training(tmp_path / "chip.v2")["declares_split"] is True


_scalar = st.one_of(st.none(), st.booleans(), st.integers(-5, 700), st.floats(allow_nan=True), st.text(max_size=6))
_entry = st.fixed_dictionaries(
    {}, optional={k: _scalar for k in ("grade", "hardness", "shape", "a", "b", "c", "d", "profile", "band_wear", "x")}
)


@settings_(max_examples=300, deadline=None)
@given(st.one_of(_scalar, st.lists(st.one_of(_entry, _scalar), max_size=4)))
def test_any_stock_document_is_items_or_one_clear_error(data: object) -> None:
    """Whatever a stock file holds: valid items (sections that cut) or ValueError naming the item."""
    try:
        items = parse_stock(data, "f.yaml")
    except ValueError as exc:
        assert str(exc).startswith("f.yaml: ")
        return
    for item in items:
        section = item.stock.section
        assert section.height > 0 and section.area_mm2(step=max(section.height / 50, 0.01)) >= 0
        assert 0 <= item.band_wear_pct <= 100


async def test_a_trip_stays_visible_until_the_operator_resets_it() -> None:
    """The ERROR state lasts OPERATOR_RESET_S in the snapshots a controller is fed, then the piece is re-cut."""
    from core.ml.evalrun import OPERATOR_RESET_S, Driver, run_item
    from core.ml.simenv import SimSaw
    from core.snapshot import SawState

    item = StockItem(Stock(GRADES_BY_CODE[0], Section(Shape.ROUND, 150.0)), 60.0)
    states: list[SawState | None] = []  # None: a snapshot without the state
    saw = SimSaw(seed=3)
    run = await run_item(saw, item, Driver(preset=(70.0, 30.0), feed=lambda snap: states.append(snap.saw_state)),
                         mode="normal", pieces=1)
    assert run.overloads >= 1 and run.attempts[0].trip == "torque_overload"
    first = states.index(SawState.ERROR)
    errors = 0
    while states[first + errors] is SawState.ERROR:
        errors += 1
    assert errors * saw.period == pytest.approx(OPERATOR_RESET_S, abs=saw.period)
    assert SawState.CUTTING in states[first + errors:]  # cut again after the reset
