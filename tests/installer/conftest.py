"""Fixture for the installer tests: one real `install.sh --user` shared by a test module."""

from __future__ import annotations

import shutil
import time
from collections.abc import Iterator

import pytest

from tests.installer.install_rig import Installation, sandbox_env


@pytest.fixture(scope="module")
def installation(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Installation]:
    """One `install.sh --user --prefix TMP --kiosk` shared by the module's tests (in file order)."""
    root = tmp_path_factory.mktemp("installer")
    home = root / "home"
    (home / "Desktop").mkdir(parents=True)
    inst = Installation(root, root / "opt" / "bandsaw-hmi", sandbox_env(home), 0.0, "")
    started = time.monotonic()
    result = inst.install("--kiosk")
    inst.install_s = time.monotonic() - started
    inst.output = result.stdout + result.stderr
    assert result.returncode == 0, f"install.sh failed ({result.returncode}):\n{inst.output[-4000:]}"
    yield inst
    shutil.rmtree(root, ignore_errors=True)
