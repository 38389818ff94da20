"""Install as a user would: build the wheel, install it into a fresh venv outside the repository,
run every command from an empty directory with HOME and the XDG directories in a temp dir.

Asserts the wheel carries its defaults (config, register map, theme, model), that data and logs
land in the user's directories, that `config init` writes editable copies there, and that nothing
is written into the venv's site-packages or the working directory.

The dependencies come from PyPI (pip's cache makes repeats quick; `uv` is used when on PATH, with
its cache); BANDSAW_TEST_WHEELS=DIR installs them offline from a wheelhouse instead.
"""

from __future__ import annotations

import os
import shutil
import sqlite3
import subprocess
import sys
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

import pytest

from core.config import PROJECT_ROOT
from tests.installer.install_rig import run, sandbox_env

pytestmark = [pytest.mark.slow, pytest.mark.timeout(1800)]

# What setup.py maps into the wheel, and the rest of a clean build tree.
BUILD_ITEMS = ("pyproject.toml", "setup.py", "README.md", "core", "hmi", "config", "resources", "data/models")
LOCK = PROJECT_ROOT / "installer" / "requirements.lock"


@dataclass
class UserInstall:
    root: Path
    venv: Path
    site: Path
    wheel: Path
    env: dict[str, str]  # HOME and XDG_* in root/home, nothing bandsaw-specific
    work: Path           # the empty working directory every command runs in
    files_before: dict[str, tuple[int, int]]

    @property
    def bandsaw(self) -> str:
        return str(self.venv / "bin" / "bandsaw")

    @property
    def config_dir(self) -> Path:
        return Path(self.env["XDG_CONFIG_HOME"]) / "bandsaw-hmi"

    @property
    def data_dir(self) -> Path:
        return Path(self.env["XDG_DATA_HOME"]) / "bandsaw-hmi"

    @property
    def logs_dir(self) -> Path:
        return Path(self.env["XDG_STATE_HOME"]) / "bandsaw-hmi" / "log"

    def run(self, *args: str, timeout: float = 240) -> subprocess.CompletedProcess[str]:
        return run([self.bandsaw, *args], self.env, timeout=timeout, cwd=self.work)


def tree(root: Path) -> dict[str, tuple[int, int]]:
    """Every file under root with its size and modification time (ns)."""
    files: dict[str, tuple[int, int]] = {}
    for path in root.rglob("*"):
        if path.is_file() or path.is_symlink():
            info = path.lstat()
            files[str(path.relative_to(root))] = (info.st_size, info.st_mtime_ns)
    return files


def build_wheel(root: Path) -> Path:
    source = root / "src"
    for item in BUILD_ITEMS:
        origin = PROJECT_ROOT / item
        target = source / item
        target.parent.mkdir(parents=True, exist_ok=True)
        if origin.is_dir():
            shutil.copytree(origin, target, ignore=shutil.ignore_patterns("__pycache__", "*.pyc"))
        else:
            shutil.copy2(origin, target)
    dist = root / "dist"
    # pip builds the wheel in an isolated environment with the build-system requirements.
    result = subprocess.run([sys.executable, "-m", "pip", "wheel", "--no-deps", "--quiet", "--wheel-dir", str(dist),
                             str(source)], capture_output=True, text=True, timeout=600, check=False)
    assert result.returncode == 0, result.stdout[-3000:] + result.stderr[-3000:]
    wheels = list(dist.glob("bandsaw_hmi-*.whl"))
    assert len(wheels) == 1, wheels
    return wheels[0]


def install(venv: Path, wheel: Path) -> None:
    offline = os.environ.get("BANDSAW_TEST_WHEELS")
    find = ["--no-index", "--find-links", offline] if offline else []
    python = venv / "bin" / "python"
    uv = shutil.which("uv")
    if uv:
        commands = [[uv, "venv", "--quiet", "--seed", "-p", sys.executable, str(venv)],
                    [uv, "pip", "install", "--quiet", "--compile-bytecode", "-p", str(python), "-c", str(LOCK),
                     *find, str(wheel)]]
    else:
        commands = [[sys.executable, "-m", "venv", str(venv)],
                    [str(python), "-m", "pip", "install", "--quiet", "--disable-pip-version-check", "-c", str(LOCK),
                     *find, str(wheel)]]
    env = {k: v for k, v in os.environ.items() if k not in ("VIRTUAL_ENV", "PYTHONPATH")}
    for command in commands:
        result = subprocess.run(command, capture_output=True, text=True, timeout=1200, env=env, check=False)
        assert result.returncode == 0, f"{command[:3]}: {result.stdout[-3000:]}{result.stderr[-3000:]}"


@pytest.fixture(scope="module")
def user_install(tmp_path_factory: pytest.TempPathFactory) -> Iterator[UserInstall]:
    root = tmp_path_factory.mktemp("user-install")
    assert not root.resolve().is_relative_to(PROJECT_ROOT)
    wheel = build_wheel(root)
    venv = root / "venv"
    install(venv, wheel)
    purelib = "import sysconfig; print(sysconfig.get_paths()['purelib'])"
    site = Path(subprocess.run([str(venv / "bin" / "python"), "-c", purelib],
                               capture_output=True, text=True, check=True, timeout=60).stdout.strip())
    home = root / "home"
    home.mkdir()
    env = sandbox_env(home)
    env.update(XDG_CONFIG_HOME=str(home / "xdg-config"), XDG_DATA_HOME=str(home / "xdg-data"),
               XDG_STATE_HOME=str(home / "xdg-state"), XDG_CACHE_HOME=str(home / "xdg-cache"))
    env["PATH"] = os.pathsep.join([str(venv / "bin"), env["PATH"]])
    work = root / "work"
    work.mkdir()
    yield UserInstall(root, venv, site, wheel, env, work, tree(site))
    shutil.rmtree(root, ignore_errors=True)


def test_wheel_carries_the_defaults(user_install: UserInstall) -> None:
    packaged = user_install.site / "core" / "defaults"
    for path in ("config/config.yaml", "config/registers.yaml", "config/alarm_messages.yaml", "config/.env.example",
                 "resources/themes/high_performance.qss", "resources/icons/bandsaw.svg",
                 "models/default.skops", "models/default.json"):
        assert (packaged / path).is_file(), path
    assert (packaged / "config" / "config.yaml").read_bytes() == (PROJECT_ROOT / "config" / "config.yaml").read_bytes()
    if (PROJECT_ROOT / "resources" / "translations").is_dir():
        assert (packaged / "resources" / "translations").is_dir()
    for stray in ("config", "resources", "data", "logs"):  # nothing beside the packages
        assert not (user_install.site / stray).exists(), stray


def test_config_check_shows_the_user_directories(user_install: UserInstall) -> None:
    result = user_install.run("config", "check")
    assert result.returncode == 0, result.stderr
    packaged = user_install.site / "core" / "defaults"
    lines = result.stdout
    assert f"# configuration: {packaged / 'config' / 'config.yaml'} (packaged default; user)" in lines
    assert f"# register map: {packaged / 'config' / 'registers.yaml'} (" in lines
    assert f"# data directory: {user_install.data_dir}\n" in lines
    assert f"# logs directory: {user_install.logs_dir}\n" in lines
    assert f"# ML model: {packaged / 'models' / 'default'}\n" in lines
    assert f"# theme: {packaged / 'resources' / 'themes' / 'high_performance.qss'}\n" in lines
    assert f"# `bandsaw config init` writes to: {user_install.config_dir}\n" in lines
    assert lines.rstrip().endswith("configuration valid")


def test_engine_records_into_the_user_data_dir(user_install: UserInstall) -> None:
    result = user_install.run("engine", "--simulate", "--duration", "5")
    output = result.stdout + result.stderr
    assert result.returncode == 0, output[-3000:]
    assert "stopped cleanly" in output
    raw = user_install.data_dir / "databases" / "raw.db"
    with sqlite3.connect(f"file:{raw}?mode=ro", uri=True) as conn:
        rows = conn.execute("SELECT count(*) FROM samples").fetchone()[0]
    assert rows > 0
    app_log = (user_install.logs_dir / "app.log").read_text()
    assert "engine started" in app_log
    assert "ML model refused" not in app_log


def test_hmi_screenshot_is_themed(user_install: UserInstall) -> None:
    shot = user_install.root / "hmi.png"
    result = user_install.run("hmi", "--simulate", "--screenshot", str(shot), "--after", "3")
    assert result.returncode == 0, result.stderr[-3000:]
    assert shot.read_bytes()[:8] == b"\x89PNG\r\n\x1a\n"
    theme = user_install.site / "core" / "defaults" / "resources" / "themes" / "high_performance.qss"
    assert f"theme {theme} loaded" in (user_install.logs_dir / "app.log").read_text()


def test_data_dir_option_puts_logs_beside_the_data(user_install: UserInstall) -> None:
    data = user_install.root / "elsewhere"
    result = user_install.run("engine", "--simulate", "--duration", "2", "--data-dir", str(data))
    assert result.returncode == 0, result.stderr[-2000:]
    assert (data / "databases" / "raw.db").is_file()
    assert (data / "logs" / "app.log").is_file()


def test_config_init_writes_editable_copies_where_they_are_read(user_install: UserInstall) -> None:
    result = user_install.run("config", "init")
    assert result.returncode == 0, result.stderr
    for name in ("config.yaml", "registers.yaml", "alarm_messages.yaml", ".env.example"):
        assert (user_install.config_dir / name).is_file(), name
    again = user_install.run("config", "init")
    assert again.returncode == 2
    assert again.stderr.startswith("bandsaw: config init: not overwriting ") and "--force" in again.stderr
    # The copies are what is read now: an edit shows in `config check`.
    config = user_install.config_dir / "config.yaml"
    config.write_text(config.read_text().replace("name: bandsaw-01", "name: saw-from-user-config"))
    check = user_install.run("config", "check")
    assert check.returncode == 0, check.stderr
    assert f"# configuration: {config} (config directory; user)" in check.stdout
    assert f"# register map: {user_install.config_dir / 'registers.yaml'} (" in check.stdout
    assert "name: saw-from-user-config" in check.stdout
    assert f"# data directory: {user_install.data_dir}\n" in check.stdout
    forced = user_install.run("config", "init", "--force")
    assert forced.returncode == 0, forced.stderr
    assert "saw-from-user-config" not in config.read_text()


def test_ml_eval_of_the_packaged_model_prints_its_report(user_install: UserInstall) -> None:
    # It used to write default-eval.md beside the packaged model, inside site-packages, then into
    # the data dir: a report is written only where --report says; without it, it is printed.
    stock = user_install.root / "stock.yaml"
    stock.write_text("- {grade: 1, shape: round, a: 20}\n")
    result = user_install.run("ml", "eval", "--stock", str(stock), "--pieces", "1", timeout=600)
    assert result.returncode == 0, (result.stdout + result.stderr)[-3000:]
    assert result.stdout.startswith("# ML evaluation") and "report written" not in result.stdout
    assert not (user_install.data_dir / "models" / "default-eval.md").exists()


def test_nothing_was_written_into_site_packages_or_the_working_dir(user_install: UserInstall) -> None:
    # Runs last (file order): every command above has run against this installation.
    after = tree(user_install.site)
    added = sorted(set(after) - set(user_install.files_before))
    changed = sorted(name for name in after if name in user_install.files_before
                     and after[name] != user_install.files_before[name])
    assert not added and not changed, {"added": added[:20], "changed": changed[:20]}
    assert list(user_install.work.iterdir()) == []
