"""`bandsaw ml eval` and `bandsaw ml compare`: cost per cut on simulated stock, on the command line.

Registered by :func:`core.ml.cli.register`. Exit codes: 0 done, 1 the run failed (model refused,
file not writable), 2 bad arguments or a bad stock file (one line naming the item and field).
"""

from __future__ import annotations

import argparse
import json
import sys
from pathlib import Path
from typing import Any

EXIT_OK, EXIT_FAILURE, EXIT_USAGE = 0, 1, 2


def register(actions: Any) -> None:
    """Add `eval` and `compare` to the `bandsaw ml` action parser."""
    from core.cli import add_config_arguments

    evaluate = actions.add_parser(
        "eval", help="cost per cut of presets, best preset, oracle and ML on catalogue and held-out stock")
    add_config_arguments(evaluate)
    evaluate.add_argument("--model", type=Path, default=None, metavar="PATH",
                          help="model to evaluate (default: the configured ml.model_path)")
    _stock_arguments(evaluate)
    evaluate.add_argument("--json", dest="json_out", type=Path, default=None, metavar="OUT",
                          help="also write the figures as JSON")
    evaluate.add_argument("--report", type=Path, default=None, metavar="PATH",
                          help="write the markdown report to PATH (default: print it; no file is written, "
                               "and never into the installed program)")
    evaluate.set_defaults(handler=_cmd_eval)

    compare = actions.add_parser("compare", help="two models side by side in ML mode on simulated stock")
    add_config_arguments(compare)
    compare.add_argument("model_a", type=Path, metavar="A", help="first model")
    compare.add_argument("model_b", type=Path, metavar="B", help="second model")
    _stock_arguments(compare)
    compare.add_argument("--json", dest="json_out", type=Path, default=None, metavar="OUT",
                         help="also write the figures as JSON")
    compare.add_argument("--raw", dest="raw_db", type=Path, default=None, metavar="RAW_DB",
                         help="also replay the cuts recorded in a raw.db through both models (core/ml/replay.py)")
    compare.set_defaults(handler=_cmd_compare)


def _stock_arguments(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("--stock", type=Path, default=None, metavar="FILE",
                        help="YAML list of stock items (grade, hardness, shape, a-d, profile, band_wear); "
                             "default: the catalogue and the held-out stock")
    parser.add_argument("--pieces", type=int, default=2, metavar="N", help="pieces per item and mode (default 2)")
    parser.add_argument("--seed", type=int, default=1, help="evaluation seed (default 1)")


def _settings(args: argparse.Namespace) -> Any:
    from core.cli import load_from_args

    settings, _ = load_from_args(args)
    return settings


def _stock(args: argparse.Namespace, command: str) -> tuple[Any, int]:
    from core.ml.stock import load_stock

    if args.pieces < 1:
        print(f"bandsaw ml {command}: --pieces must be at least 1", file=sys.stderr)
        return None, EXIT_USAGE
    if args.stock is None:
        return None, EXIT_OK
    try:
        return load_stock(args.stock), EXIT_OK
    except ValueError as exc:
        print(f"bandsaw ml {command}: {exc}", file=sys.stderr)
        return None, EXIT_USAGE


def _write_json(path: Path | None, data: dict[str, Any]) -> None:
    if path is not None:
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(json.dumps(data, indent=1, allow_nan=False) + "\n", encoding="utf-8")


def report_refused(report: Path) -> str:
    """Why ``report`` may not be written ('' when it may): never into the installed program (the
    packaged model and its shipped report live there)."""
    from core.paths import in_installed_code

    if in_installed_code(report.resolve()):
        return f"{report}: inside the installed program; give --report a path of your own"
    return ""


def _cmd_eval(args: argparse.Namespace) -> int:
    from core.ml.eval_report import report_markdown
    from core.ml.evaluate import run_evaluation

    stock, code = _stock(args, "eval")
    if code:
        return code
    settings = _settings(args)
    model = args.model if args.model is not None else settings.ml_model_path
    if model is None:
        print("bandsaw ml eval: no model: give --model PATH (ml.model_path is not set)", file=sys.stderr)
        return EXIT_USAGE
    for path in (args.report, args.json_out):
        why = report_refused(path) if path is not None else ""
        if why:
            print(f"bandsaw ml eval: {why}", file=sys.stderr)
            return EXIT_USAGE
    try:
        data = run_evaluation(model, settings=settings, stock=stock, seed=args.seed, pieces=args.pieces)
        text = report_markdown(data)
        if args.report is not None:
            args.report.parent.mkdir(parents=True, exist_ok=True)
            args.report.write_text(text, encoding="utf-8")
        _write_json(args.json_out, data)
    except (ValueError, OSError) as exc:
        print(f"bandsaw ml eval: {exc}", file=sys.stderr)
        return EXIT_FAILURE
    if args.report is None:  # the report itself, to the terminal or a pipe: no file is touched
        print(text, end="")
        if args.json_out:
            print(f"JSON: {args.json_out}")
        return EXIT_OK
    print(text[text.index("## "):] if "## " in text else text)
    print(f"report written: {args.report}" + (f"; JSON: {args.json_out}" if args.json_out else ""))
    return EXIT_OK


def _cmd_compare(args: argparse.Namespace) -> int:
    from core.ml.eval_report import compare_markdown
    from core.ml.evaluate import compare

    stock, code = _stock(args, "compare")
    if code:
        return code
    try:
        data = compare(args.model_a, args.model_b, settings=_settings(args), stock=stock, seed=args.seed,
                       pieces=args.pieces)
        _write_json(args.json_out, data)
    except (ValueError, OSError) as exc:
        print(f"bandsaw ml compare: {exc}", file=sys.stderr)
        return EXIT_FAILURE
    print(compare_markdown(data), end="")
    if args.raw_db is not None:
        return _replay(args)
    return EXIT_OK


def _replay(args: argparse.Namespace) -> int:
    """The recorded half of `ml compare`: each model's decisions on the plant's own cuts."""
    from core.ml.artefact import ModelRefused, load_model
    from core.ml.replay import replay
    from core.ml.signing import load_key

    settings = _settings(args)
    try:
        key = load_key(settings.data_dir)
        a, b = load_model(args.model_a, key), load_model(args.model_b, key)
        result = replay(args.raw_db, a, b, settings)
    except (ModelRefused, ValueError, OSError) as exc:
        print(f"bandsaw ml compare: replay: {exc}", file=sys.stderr)
        return EXIT_FAILURE
    print(result.markdown(), end="")
    return EXIT_OK
