"""`bandsaw ml train`, `eval` and `trust`: the model's life cycle on the command line.

``ml trust FILE`` shows the model's file, sha256 and features, then asks an admin's name and
PIN (from the terminal, or the first two lines of a piped stdin; never from argv) and signs the
model with this installation's key. Audited under that admin in log.db.
"""

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

    train = actions.add_parser("train", help="train a model and write NAME.skops + NAME.json, signed here")
    add_config_arguments(train)
    source = train.add_mutually_exclusive_group(required=True)
    source.add_argument("--from", dest="from_raw_db", type=Path, metavar="RAW_DB",
                        help="learn from the operator's corrections recorded in a raw.db")
    source.add_argument("--simulate", dest="simulate_cuts", type=int, metavar="N_CUTS",
                        help="learn from N simulated cuts labelled by the simulator's physics")
    source.add_argument("--chip", dest="chip_bars", type=int, metavar="N_BARS",
                        help="the chip-thickness policy (the shipped kind): chip windows of the training "
                             "grades and a band-speed feed-forward learned from N random training bars")
    train.add_argument("--ml-db", type=Path, default=None, metavar="ML_DB",
                       help="with --from: the ML journal that tells the machine's writes from people's "
                            "(default: ml.db beside RAW_DB)")
    train.add_argument("--log-db", type=Path, default=None, metavar="LOG_DB",
                       help="with --from: the audit trail (default: log.db beside RAW_DB)")
    train.add_argument("--out", type=Path, required=True, metavar="PATH", help="model name, e.g. data/models/mine")
    train.add_argument("--seed", type=int, default=42, help="random seed (same seed, same model)")
    train.set_defaults(handler=_cmd_train)

    from core.ml.eval_cli import register as register_eval

    register_eval(actions)  # `ml eval` and `ml compare`: core/ml/eval_cli.py

    from core.ml.legacy_cli import register as register_legacy

    register_legacy(actions)  # `ml import-legacy`: core/ml/legacy_cli.py

    trust = actions.add_parser("trust", help="sign an imported model with this installation's key (admin)")
    add_config_arguments(trust)
    trust.add_argument("model", type=Path, metavar="FILE", help="the model's manifest (NAME.json) or NAME")
    trust.add_argument("--admin", default=None, metavar="NAME", help="admin login name (asked when not given)")
    trust.set_defaults(handler=_cmd_trust)


def _settings(args: argparse.Namespace) -> Any:
    from core.cli import load_from_args

    settings, _ = load_from_args(args)
    return settings


def _cmd_train(args: argparse.Namespace) -> int:
    from core.ml.train import train

    if args.chip_bars is not None:
        return _train_chip(args)
    if args.simulate_cuts is not None and args.simulate_cuts < 1:
        print("bandsaw ml train: --simulate needs at least 1 cut", file=sys.stderr)
        return EXIT_USAGE
    if args.from_raw_db is not None and not args.from_raw_db.is_file():
        print(f"bandsaw ml train: {args.from_raw_db}: no such file", file=sys.stderr)
        return EXIT_USAGE
    if args.from_raw_db is None and (args.ml_db is not None or args.log_db is not None):
        print("bandsaw ml train: --ml-db and --log-db go with --from", file=sys.stderr)
        return EXIT_USAGE
    try:
        manifest = train(args.from_raw_db, args.simulate_cuts, args.out, args.seed, settings=_settings(args),
                         ml_db=args.ml_db, log_db=args.log_db, figures=print)
    except (ValueError, OSError) as exc:
        print(f"bandsaw ml train: {exc}", file=sys.stderr)
        return EXIT_FAILURE
    print(f"model written and signed: {manifest} (and {manifest.with_suffix('.skops').name})")
    return EXIT_OK


def _train_chip(args: argparse.Namespace) -> int:
    from core.ml.train_chip import train_chip

    try:
        manifest = train_chip(args.out, items=args.chip_bars, seed=args.seed, settings=_settings(args))
    except (ValueError, OSError) as exc:
        print(f"bandsaw ml train: {exc}", file=sys.stderr)
        return EXIT_FAILURE
    print(f"chip model written and signed: {manifest} (and {manifest.with_suffix('.skops').name})")
    return EXIT_OK


def _cmd_trust(args: argparse.Namespace) -> int:
    from core.ml.cli_trust import run_trust

    return run_trust(args, _settings(args))
