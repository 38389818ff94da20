"""Launcher for installed bandsaw-hmi on Windows: environment file, then `bandsaw ARGS`.

install.ps1 copies this file to <prefix>\\bin\\bandsaw-launcher.pyw; shortcuts, the autostart
entry and the engine's scheduled task run it with the venv's pythonw.exe (no console window):

    pythonw.exe bandsaw-launcher.pyw ENV_FILE [--restart always|on-failure] [--] BANDSAW_ARGS...

ENV_FILE holds KEY="VALUE" lines (the same format as bandsaw.env on Linux); a variable already
set in the environment wins. With --restart the command runs in a child process that is started
again when it exits (always) or when it fails (on-failure; exit status 2, a configuration
error, is final), after a delay doubling from 1 s to 60 s that resets after a minute-long run.
It is plain Python so the Linux tests run it too.
"""

from __future__ import annotations

import argparse
import os
import re
import subprocess
import sys
import time
from collections.abc import Callable, MutableMapping, Sequence
from pathlib import Path

EXIT_CONFIG = 2
MAX_DELAY_S = 60.0
STABLE_RUN_S = 60.0
_LINE = re.compile(r'^([A-Za-z_][A-Za-z0-9_]*)=(.*)$')


def load_env_file(path: Path, environ: MutableMapping[str, str]) -> list[str]:
    """Set the file's variables that ``environ`` lacks; returns the names it set."""
    try:
        text = path.read_text(encoding="utf-8")
    except OSError as exc:
        print(f"bandsaw-launcher: {path}: {exc.strerror or exc}: running without it", file=sys.stderr)
        return []
    added = []
    for line in text.splitlines():
        match = _LINE.match(line.strip())
        if match is None:
            continue
        key, value = match.groups()
        if len(value) >= 2 and value[0] == value[-1] and value[0] in "\"'":
            value = value[1:-1]
        if key not in environ:
            environ[key] = value
            added.append(key)
    return added


def next_delay(delay: float, ran_s: float) -> tuple[float, float]:
    """(wait now, delay for the time after) given the current delay and how long the run lasted."""
    if ran_s >= STABLE_RUN_S:
        delay = 1.0
    return delay, min(delay * 2, MAX_DELAY_S)


def supervise(
    command: Sequence[str],
    policy: str,
    *,
    run: Callable[[Sequence[str]], int] = lambda cmd: subprocess.call(list(cmd)),
    sleep: Callable[[float], None] = time.sleep,
    clock: Callable[[], float] = time.monotonic,
    max_runs: int | None = None,
) -> int:
    """Run ``command`` again and again per ``policy``; returns the last exit status when it stops."""
    delay, runs = 1.0, 0
    while True:
        started = clock()
        status = run(command)
        runs += 1
        ran_s = clock() - started
        if policy == "on-failure" and status in (0, EXIT_CONFIG):
            return status
        if max_runs is not None and runs >= max_runs:
            return status
        wait, delay = next_delay(delay, ran_s)
        print(f"bandsaw-launcher: exited with status {status} after {ran_s:.0f}s; restarting in {wait:.0f}s",
              file=sys.stderr, flush=True)
        sleep(wait)


def main(argv: Sequence[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="bandsaw-launcher", description=__doc__.splitlines()[0])
    parser.add_argument("env_file", type=Path)
    parser.add_argument("--restart", choices=("always", "on-failure"), default=None)
    parser.add_argument("args", nargs=argparse.REMAINDER)
    options = parser.parse_args(argv)
    args = options.args[1:] if options.args[:1] == ["--"] else options.args
    load_env_file(options.env_file, os.environ)
    if options.restart is None:
        from core.cli import main as bandsaw

        return bandsaw(args)
    try:
        return supervise([sys.executable, "-m", "core.cli", *args], options.restart)
    except KeyboardInterrupt:
        return 0


if __name__ == "__main__":
    sys.exit(main())
