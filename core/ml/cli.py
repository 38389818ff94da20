"""`bandsaw ml train` and `bandsaw ml eval`: the model's life cycle on the command line."""

from __future__ import annotations

import argparse
import sys
from pathlib import Path
from typing import Any

EXIT_OK, EXIT_FAILURE, EXIT_USAGE = 0, 1, 2


def register(commands: Any) -> None:
    """Add the `ml` subcommand group to the `bandsaw` parser."""
    from core.cli import add_config_arguments

    ml = commands.add_parser("ml", help="train and evaluate the ML speed-control model")
    actions = ml.add_subparsers(dest="ml_command", metavar="ACTION", required=True)

    train = actions.add_parser("train", help="train a model (bagged decision trees) and write NAME.joblib + NAME.json")
    add_config_arguments(train, data_dir=False)
    source = train.add_mutually_exclusive_group(required=True)
    source.add_argument("--from", dest="from_raw_db", type=Path, metavar="RAW_DB",
                        help="learn from the operator's corrections recorded in a raw.db")
    source.add_argument("--simulate", dest="simulate_cuts", type=int, metavar="N_CUTS",
                        help="learn from N simulated cuts labelled by the simulator's physics")
    train.add_argument("--out", type=Path, required=True, metavar="PATH", help="model name, e.g. data/models/mine")
    train.add_argument("--seed", type=int, default=42, help="random seed (same seed, same model)")
    train.set_defaults(handler=_cmd_train)

    from core.ml.eval_cli import register as register_eval

    register_eval(actions)  # `ml eval` and `ml compare`: core/ml/eval_cli.py

    from core.ml.legacy_cli import register as register_legacy

    register_legacy(actions)  # `ml import-legacy`: core/ml/legacy_cli.py


def _settings(args: argparse.Namespace) -> Any:
    from core.cli import load_from_args

    settings, _ = load_from_args(args)
    return settings


def _cmd_train(args: argparse.Namespace) -> int:
    from core.ml.train import train

    if args.simulate_cuts is not None and args.simulate_cuts < 1:
        print("bandsaw ml train: --simulate needs at least 1 cut", file=sys.stderr)
        return EXIT_USAGE
    if args.from_raw_db is not None and not args.from_raw_db.is_file():
        print(f"bandsaw ml train: {args.from_raw_db}: no such file", file=sys.stderr)
        return EXIT_USAGE
    try:
        manifest = train(args.from_raw_db, args.simulate_cuts, args.out, args.seed, settings=_settings(args))
    except (ValueError, OSError) as exc:
        print(f"bandsaw ml train: {exc}", file=sys.stderr)
        return EXIT_FAILURE
    print(f"model written: {manifest} (and {manifest.with_suffix('.joblib').name})")
    return EXIT_OK

