"""Installer test rig: a sandboxed environment and a --user installation to drive.

Nothing touches the real user: HOME and the XDG directories point into a temporary directory,
and the program goes to a temporary --prefix. The install runs pip against the package index
with installer/requirements.lock (set BANDSAW_TEST_WHEELS=DIR to install offline from a
wheelhouse instead: `install.sh --wheelhouse DIR`).
"""

from __future__ import annotations

import os
import subprocess
from collections.abc import Mapping
from dataclasses import dataclass
from pathlib import Path

from core.config import PROJECT_ROOT

INSTALL_SH = PROJECT_ROOT / "installer" / "install.sh"
INSTALL_PS1 = PROJECT_ROOT / "installer" / "install.ps1"
INSTALL_TIMEOUT_S = 900.0


def sandbox_env(home: Path) -> dict[str, str]:
    """The test process's environment with HOME moved and nothing bandsaw- or XDG-specific."""
    env = {
        name: value for name, value in os.environ.items()
        if not name.startswith(("BANDSAW_", "XDG_", "VIRTUAL_ENV", "PYTHONPATH"))
        and name not in {"DISPLAY", "WAYLAND_DISPLAY", "DATABASE_URL", "TB_ACCESS_TOKEN"}
    }
    # The project venv's bin first on PATH would make its python the installer's choice: drop it.
    venv_bin = str(PROJECT_ROOT / ".venv" / "bin")
    env["PATH"] = os.pathsep.join(p for p in env.get("PATH", "").split(os.pathsep) if p != venv_bin)
    env["HOME"] = str(home)
    env["QT_QPA_PLATFORM"] = "offscreen"
    return env


def run(args: list[str], env: Mapping[str, str], timeout: float = 180.0,
        cwd: Path | None = None) -> subprocess.CompletedProcess[str]:
    return subprocess.run(args, env=dict(env), cwd=cwd, capture_output=True, text=True, timeout=timeout, check=False)


@dataclass
class Installation:
    root: Path          # the temporary directory holding everything
    prefix: Path
    env: dict[str, str]
    install_s: float    # wall time of the first install
    output: str

    @property
    def home(self) -> Path:
        return Path(self.env["HOME"])

    @property
    def config_dir(self) -> Path:
        return self.home / ".config" / "bandsaw-hmi"

    @property
    def data_dir(self) -> Path:
        return self.home / ".local" / "share" / "bandsaw-hmi"

    @property
    def logs_dir(self) -> Path:
        return self.home / ".local" / "state" / "bandsaw-hmi" / "log"

    @property
    def bandsaw(self) -> Path:
        return self.prefix / "bin" / "bandsaw"

    def install(self, *extra: str) -> subprocess.CompletedProcess[str]:
        args = ["bash", str(INSTALL_SH), "--user", "--prefix", str(self.prefix), "--non-interactive", *extra]
        wheels = os.environ.get("BANDSAW_TEST_WHEELS")
        if wheels:
            args += ["--wheelhouse", wheels]
        return run(args, self.env, timeout=INSTALL_TIMEOUT_S, cwd=self.root)
