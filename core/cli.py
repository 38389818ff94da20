"""The `bandsaw` command line: one subcommand per job.

Front ends that live outside core (the Qt HMI) add their subcommands through the entry-point
group ``bandsaw.commands`` (a callable taking the subparsers object), so core never imports them.
Exit codes: 0 success, 1 runtime failure, 2 bad configuration or usage.
"""

from __future__ import annotations

import argparse
import asyncio
import contextlib
import logging
import os
import signal
import sys
from collections.abc import Callable, Sequence
from importlib.metadata import entry_points
from pathlib import Path
from typing import TYPE_CHECKING, Any

import yaml

from core import paths
from core.config import ConfigError, Settings, load_settings
from core.registers import RegisterMap, RegisterMapError, load_register_map

if TYPE_CHECKING:  # the contract imports the whole engine's types: not for `bandsaw --help`
    from core.api import EngineApi

EXIT_OK = 0
EXIT_FAILURE = 1
EXIT_CONFIG = 2

log = logging.getLogger("bandsaw.cli")

Handler = Callable[[argparse.Namespace], int]


def add_config_arguments(parser: argparse.ArgumentParser, *, data_dir: bool = True) -> None:
    parser.add_argument("--config", type=Path, default=None, metavar="PATH",
                        help="configuration file (default: see `bandsaw config check`)")
    if data_dir:
        parser.add_argument("--data-dir", type=Path, default=None, metavar="DIR",
                            help="data directory (default: paths.data_dir of the configuration); "
                                 "logs go to DIR/logs unless paths.logs_dir is set")
        parser.add_argument("--logs-dir", type=Path, default=None, metavar="DIR",
                            help="log directory (default: paths.logs_dir, else beside the data)")


def load_from_args(args: argparse.Namespace) -> tuple[Settings, RegisterMap]:
    """Settings and register map for a subcommand; raises ConfigError/RegisterMapError."""
    overrides: dict[str, Any] = {}
    paths_given = {key: str(Path(value).resolve()) for key in ("data_dir", "logs_dir")
                   if (value := getattr(args, key, None)) is not None}
    if paths_given:
        overrides["paths"] = paths_given
    settings = load_settings(getattr(args, "config", None), overrides=overrides)
    register_map = load_register_map(settings.register_map_path)
    return settings, register_map


# --- config check --------------------------------------------------------------------------


def _cmd_config_check(args: argparse.Namespace) -> int:
    from core.analysis.messages import load_catalogue
    from core.config import current_bar_warnings
    from core.control.envelope import limit_conflicts
    from core.iot import key_map

    settings, register_map = load_from_args(args)
    # The engine resolves the ThingsBoard key maps against the register map at start (enabled or
    # not): a mistake there stops it, so it fails here, naming the key (ConfigError -> exit 2).
    key_map.resolve(settings.iot.thingsboard, register_map)
    conflicts = limit_conflicts(register_map, settings.control)
    if conflicts:
        # The engine runs (acquisition, manual control) with ML unavailable; the config is still wrong.
        for conflict in conflicts:
            print(f"bandsaw: configuration invalid: {conflict}", file=sys.stderr)
        return EXIT_CONFIG
    effective = settings.redacted()
    model = settings.ml_model_path
    # The engine loads the operator's alarm texts at start: a bad file must fail here already.
    messages = settings.config_file(settings.analysis.alarms.messages_file, "alarm_messages.yaml")
    load_catalogue(messages, units=register_map)
    print(f"# configuration: {settings.config_path} ({settings.config_origin}; {settings.locations.scope})")
    print(f"# register map: {register_map.source} ({len(register_map)} registers, "
          f"{len(register_map.plan(settings.modbus.max_block_gap))} block reads, sha256 {register_map.digest[:12]})")
    for warning in current_bar_warnings(settings):
        print(f"bandsaw: warning: {warning}", file=sys.stderr)
    print(f"# alarm messages: {messages}")
    print(f"# environment file: {settings.env_file or 'none'}")
    print(f"# data directory: {settings.data_dir}")
    print(f"# logs directory: {settings.logs_dir}")
    refused = _model_refused(model, settings, register_map)
    if refused:
        # Not fatal (the engine runs, in manual), but the engineer must see it before the engine
        # raises control.model_refused.
        print(f"bandsaw: warning: the ML model will be refused: {refused}", file=sys.stderr)
    print(f"# ML model: {model if model is not None else 'none (ml.model_path is null)'}"
          + (f" (REFUSED: {refused}; ML speed control unavailable)" if refused else ""))
    print(f"# theme: {paths.packaged('resources', 'themes', 'high_performance.qss')}")
    if paths.CHECKOUT is None:
        print(f"# `bandsaw config init` writes to: {paths.config_target(False, os.environ)}")
    print(yaml.safe_dump(effective, sort_keys=False, allow_unicode=True), end="")
    print("configuration valid")
    return EXIT_OK


def _model_refused(model: Path | None, settings: Settings, register_map: RegisterMap) -> str:
    """Why the engine would refuse the configured model at start (manifest missing or unreadable,
    features the register map lacks), or "". Reads the manifest only: loading the estimator
    (scikit-learn) would make `config check` slow."""
    import json

    from core.ml.features import FeatureError, FeatureExtractor

    if model is None:
        return ""
    stem = model.with_suffix("") if model.suffix in (".json", ".joblib") else model  # as artefact_paths
    manifest = stem.with_name(stem.name + ".json")
    try:
        features = json.loads(manifest.read_text(encoding="utf-8"))["features"]
        FeatureExtractor([str(f) for f in features], averaging=settings.ml.averaging_samples,
                         polynomial=settings.ml.current_polynomial, available=register_map.names)
    except FileNotFoundError:
        return f"{manifest}: manifest not found"
    except (OSError, UnicodeDecodeError, ValueError, KeyError, TypeError) as exc:
        return f"{manifest}: {exc}" if not isinstance(exc, FeatureError) else str(exc)
    return ""


def _cmd_config_init(args: argparse.Namespace) -> int:
    if paths.CHECKOUT is not None and not args.system and not os.environ.get(paths.CONFIG_DIR_ENV):
        print(f"source checkout: the configuration read is {paths.CHECKOUT / 'config'} (edit it there); "
              "nothing written. Installed copies write to the user's config directory.")
        return EXIT_OK
    target = paths.config_target(args.system, os.environ)
    try:
        written = paths.init_config(target, force=args.force)
    except FileExistsError as exc:
        print(f"bandsaw: config init: not overwriting {exc} (--force replaces them)", file=sys.stderr)
        return EXIT_CONFIG
    except OSError as exc:
        print(f"bandsaw: config init: cannot write to {target}: {exc.strerror or exc}", file=sys.stderr)
        return EXIT_FAILURE
    for path in written:
        print(f"wrote {path}")
    print(f"edit them there; copy .env.example to {target / '.env'} for secrets. Check with: bandsaw config check")
    return EXIT_OK


# --- engine --------------------------------------------------------------------------------


def _cmd_engine(args: argparse.Namespace) -> int:
    from core.engine import Engine
    from core.logging_setup import setup_logging

    settings, register_map = load_from_args(args)
    setup_logging(settings)
    engine = Engine(settings, register_map, simulate=args.simulate, sim_speedup=args.sim_speedup)
    return asyncio.run(_run_engine(engine, args.duration, args.status_every))


async def _run_engine(engine: Any, duration: float | None, status_every: float) -> int:
    stop = asyncio.Event()
    loop = asyncio.get_running_loop()
    for sig in (signal.SIGINT, signal.SIGTERM):
        try:
            loop.add_signal_handler(sig, stop.set)
        except (NotImplementedError, RuntimeError):  # Windows: fall back to KeyboardInterrupt
            signal.signal(sig, lambda *_: loop.call_soon_threadsafe(stop.set))
    status_log = logging.getLogger("bandsaw.status")
    try:
        await engine.start()
    except Exception as exc:  # e.g. another engine holds the data directory, a database cannot open
        log.error("engine failed to start: %s", exc)
        await engine.stop()
        return EXIT_FAILURE
    deadline = None if duration is None else loop.time() + duration
    try:
        while not stop.is_set():
            timeout = status_every if deadline is None else max(0.0, min(status_every, deadline - loop.time()))
            with contextlib.suppress(TimeoutError):
                await asyncio.wait_for(stop.wait(), timeout=timeout)
            status_log.info("%s", engine.status().one_line())
            if deadline is not None and loop.time() >= deadline:
                break
    finally:
        await engine.stop()
        storage = engine.status().storage
        outcome = engine.storage.last_stop  # the last line says what a stop could not write
        if outcome.unwritten:
            status_log.critical("stopped in %.1f s: %d rows written; %s", outcome.seconds, storage.rows_written,
                                outcome.summary())
        else:
            status_log.info("stopped cleanly: %d rows written, 0 left unwritten", storage.rows_written)
    return EXIT_FAILURE if outcome.unwritten else EXIT_OK


# --- simulator -----------------------------------------------------------------------------


def _cmd_sim(args: argparse.Namespace) -> int:
    from core.logging_setup import setup_logging
    from core.sim.server import serve

    settings, register_map = load_from_args(args)
    setup_logging(settings)
    seed = settings.sim.seed if args.seed is None else args.seed
    speedup = settings.sim.speedup if args.speedup is None else args.speedup
    asyncio.run(serve(args.host, args.port, seed, speedup, register_map))
    return EXIT_OK


# --- parser --------------------------------------------------------------------------------


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(
        prog="bandsaw", description="Band saw HMI and data engine.",
        epilog="Configuration: config.yaml < .env < BANDSAW_<SECTION>__<KEY> environment variables. "
               "`bandsaw config check` shows which files and directories are in effect.",
    )
    commands = parser.add_subparsers(dest="command", metavar="COMMAND", required=True)

    config = commands.add_parser("config", help="check the configuration (secrets redacted) or write editable copies")
    config_commands = config.add_subparsers(dest="config_command", metavar="ACTION", required=True)
    check = config_commands.add_parser("check", help="validate config and register map, print the effective config")
    add_config_arguments(check)
    check.set_defaults(handler=_cmd_config_check)
    init = config_commands.add_parser(
        "init", help="write editable copies of config.yaml, registers.yaml and .env.example where they are read")
    init.add_argument("--system", action="store_true",
                      help=f"for the whole machine ({paths.system_locations().config_dir}; needs root)")
    init.add_argument("--force", action="store_true", help="overwrite existing files")
    init.set_defaults(handler=_cmd_config_init)

    engine = commands.add_parser("engine", help="run the acquisition engine headless (service mode)")
    add_config_arguments(engine)
    engine.add_argument("--simulate", action="store_true", help="start the simulated PLC in-process and use it")
    engine.add_argument("--sim-speedup", type=float, default=None, metavar="X",
                        help="with --simulate: run the physics X times faster than real time")
    engine.add_argument("--duration", type=float, default=None, metavar="S", help="stop after S seconds")
    engine.add_argument("--status-every", type=float, default=5.0, metavar="S", help=argparse.SUPPRESS)
    engine.set_defaults(handler=_cmd_engine)

    sim = commands.add_parser("sim", help="serve the simulated band-saw PLC over Modbus TCP")
    add_config_arguments(sim, data_dir=False)
    sim.add_argument("--host", default="127.0.0.1", help="address to listen on (default 127.0.0.1)")
    sim.add_argument("--port", type=int, default=5020, help="TCP port (default 5020)")
    sim.add_argument("--seed", type=int, default=None, help="random seed (deterministic runs)")
    sim.add_argument("--speedup", type=float, default=None, metavar="X", help="physics X times faster than real time")
    sim.set_defaults(handler=_cmd_sim)

    for extension in _extensions():
        extension(commands)
    return parser


def _extensions() -> list[Callable[[Any], None]]:
    # Headless command groups of core itself; front ends outside core come in by entry point.
    from core.migrate.cli import register as import_commands
    from core.ml.cli import register as ml_commands
    from core.production.cli import register as report_commands
    from core.security.cli import register as users_commands
    from core.storage.cli import register as data_commands

    found: list[Callable[[Any], None]] = [data_commands, users_commands, ml_commands, import_commands,
                                           report_commands]
    for point in sorted(entry_points(group="bandsaw.commands"), key=lambda p: p.name):
        try:
            found.append(point.load())
        except Exception as exc:  # a broken front end must not take the headless commands down
            print(f"bandsaw: subcommand '{point.name}' unavailable: {exc}", file=sys.stderr)
    return found


def engine_factory(settings: Settings, register_map: RegisterMap, simulate: bool) -> EngineApi:
    """The real engine, for front ends (they import only core.api: the engine is handed in)."""
    from core.engine import Engine

    return Engine(settings, register_map, simulate=simulate)


def hmi_main(argv: Sequence[str] | None = None) -> int:
    """`bandsaw-hmi`: the same as `bandsaw hmi`."""
    return main(["hmi", *(sys.argv[1:] if argv is None else argv)])


def main(argv: Sequence[str] | None = None) -> int:
    parser = build_parser()
    args = parser.parse_args(argv)
    args.engine_factory = engine_factory  # front ends (`bandsaw hmi`) build the engine with it
    handler: Handler = args.handler
    try:
        return handler(args)
    except (ConfigError, RegisterMapError) as exc:
        print(f"bandsaw: configuration error: {exc}", file=sys.stderr)
        return EXIT_CONFIG
    except KeyboardInterrupt:
        return EXIT_OK
    except BrokenPipeError:
        # The reader went away (`bandsaw config check | head -1`): no traceback, and none at exit
        # when Python flushes stdout again.
        with contextlib.suppress(OSError):
            devnull = os.open(os.devnull, os.O_WRONLY)
            os.dup2(devnull, sys.stdout.fileno())
        return EXIT_FAILURE


if __name__ == "__main__":
    sys.exit(main())
