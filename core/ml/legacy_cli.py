"""`bandsaw ml import-legacy FILE.pkl`: the older system's model as a verified artefact.

Registered by :func:`core.ml.cli.register`. An admin's action: it asks for an admin's name
(``--admin``) and PIN (core.security.cli_admin), warns that a pickle runs code, shows the sha256
and asks before loading unless ``--yes`` (with ``--sha256`` a script pins the one file it
trusts); the import is audited under that admin. Exit codes: 0 written, 1 refused or failed,
2 bad arguments.
"""

from __future__ import annotations

import argparse
import sys
from pathlib import Path
from typing import Any

EXIT_OK, EXIT_FAILURE, EXIT_USAGE = 0, 1, 2

WARNING = ("WARNING: {file} is a pickle. Loading a pickle runs whatever code it contains, with this "
           "program's rights. Import it only if it comes from the older system you trust.")


def register(actions: Any) -> None:
    from core.cli import add_config_arguments

    legacy = actions.add_parser(
        "import-legacy", help="import the older system's model (joblib pickle) to run behind the safety layer")
    add_config_arguments(legacy)
    legacy.add_argument("pkl", type=Path, metavar="FILE.pkl", help="e.g. Bagging_dataset_v17_20250509.pkl")
    legacy.add_argument("--out", type=Path, default=None, metavar="PATH",
                        help="model name to write (default: data/models/legacy-<file name>)")
    legacy.add_argument("--descent-step", type=float, default=1.0, metavar="MM_PER_MIN",
                        help="descent speed change per unit coefficient per decision (default 1.0)")
    legacy.add_argument("--sha256", default=None, metavar="HEX", help="refuse any file with another sha256")
    legacy.add_argument("--yes", action="store_true", help="do not ask before loading the pickle")
    legacy.add_argument("--admin", default=None, metavar="NAME",
                        help="the admin who authorises this (asked when not given); the PIN is always asked")
    legacy.set_defaults(handler=_cmd_import_legacy)


def _cmd_import_legacy(args: argparse.Namespace) -> int:
    from core.cli import load_from_args
    from core.ml.artefact import ModelRefused
    from core.ml.legacy import import_legacy, sha256_of
    from core.ml.signing import load_key
    from core.security.access import AccessControl
    from core.security.audit import AuditResult
    from core.security.cli_admin import authenticate_admin
    from core.security.cli_audit import append_records, audit_cli

    settings, _ = load_from_args(args)
    pkl: Path = args.pkl
    if not pkl.is_file():
        print(f"bandsaw ml import-legacy: {pkl}: no such file", file=sys.stderr)
        return EXIT_USAGE
    records: list[Any] = []
    admin = authenticate_admin(AccessControl.from_settings(settings, audit=records.append), args.admin,
                               purpose="ml import-legacy")
    append_records(settings, records)  # the login attempt, accepted or refused
    if admin is None:
        return EXIT_FAILURE
    print(WARNING.format(file=pkl), file=sys.stderr)
    digest = sha256_of(pkl)
    print(f"sha256 {digest}  {pkl}")
    if args.sha256 is not None and digest != args.sha256.strip().lower():
        print(f"bandsaw ml import-legacy: sha256 is not the expected {args.sha256}: not loaded", file=sys.stderr)
        return EXIT_FAILURE
    if not args.yes:
        if not sys.stdin.isatty():
            print("bandsaw ml import-legacy: not confirmed (no terminal): pass --yes to load it", file=sys.stderr)
            return EXIT_FAILURE
        if input("Load this file? Type yes: ").strip().lower() != "yes":
            print("not loaded", file=sys.stderr)
            return EXIT_FAILURE
    out = args.out or settings.resolve(settings.data_dir / "models" / f"legacy-{pkl.stem}")
    try:
        result = import_legacy(pkl, out, key=load_key(settings.data_dir), averaging=settings.ml.averaging_samples,
                               polynomial=settings.ml.current_polynomial, descent_step=args.descent_step,
                               expected_sha256=digest)
    except ModelRefused as exc:
        audit_cli(settings, "ml_import_legacy", pkl.name, user=admin, new=digest, result=AuditResult.REFUSED,
                  detail=str(exc))
        print(f"bandsaw ml import-legacy: {exc}", file=sys.stderr)
        return EXIT_FAILURE
    audited = audit_cli(settings, "ml_import_legacy", result.manifest.stem, user=admin, new=digest,
                        detail=f"{result.estimator} from {pkl.name}, descent step {args.descent_step:g}")
    for note in result.warnings:
        print(f"note: {note}", file=sys.stderr)
    print(f"{result.estimator} (scikit-learn {result.trained_with}) imported: {result.manifest}")
    print("inputs: band current from torque, band deviation, cutting speed, descent speed "
          f"(mean of {settings.ml.averaging_samples} samples); output: descent speed coefficient in [-1, 1]")
    print(f"use it: ml.model_path: {result.manifest.with_suffix('')}  (or bandsaw ml eval --model ...)")
    return EXIT_OK if audited else EXIT_FAILURE
