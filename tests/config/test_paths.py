"""Where things live (core.paths): checkout, user and system installs; config init."""

from __future__ import annotations

import re
from pathlib import Path

import pytest

from core import paths
from core.config import PROJECT_ROOT, load_settings
from core.paths import Locations, Scope, choose_config, init_config


@pytest.fixture
def xdg(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    """XDG directories in tmp_path and a system config dir there too (instead of /etc)."""
    for name in ("CONFIG", "DATA", "STATE"):
        monkeypatch.setenv(f"XDG_{name}_HOME", str(tmp_path / name.lower()))
    system = Locations(Scope.SYSTEM, tmp_path / "etc", tmp_path / "var-lib", tmp_path / "var-log")
    monkeypatch.setattr(paths, "system_locations", lambda: system)
    return tmp_path


def test_checkout_reads_its_own_folders() -> None:
    assert paths.CHECKOUT == PROJECT_ROOT
    choice = choose_config(None, {})
    assert choice.path == PROJECT_ROOT / "config" / "config.yaml"
    assert choice.locations == Locations(Scope.CHECKOUT, PROJECT_ROOT / "config", PROJECT_ROOT / "data",
                                         PROJECT_ROOT / "logs")
    settings = load_settings(None, env={}, env_file=PROJECT_ROOT / "no.env")
    assert settings.data_dir == PROJECT_ROOT / "data"
    assert settings.logs_dir == PROJECT_ROOT / "logs"
    assert settings.register_map_path == PROJECT_ROOT / "config" / "registers.yaml"
    assert settings.ml_model_path == PROJECT_ROOT / "data" / "models" / "default"


def test_installed_without_config_uses_packaged_default_and_user_dirs(xdg: Path) -> None:
    choice = choose_config(None, {}, checkout=None)
    assert choice.packaged
    assert choice.locations.scope is Scope.USER
    assert choice.locations.config_dir == xdg / "config" / "bandsaw-hmi"
    assert choice.locations.data_dir == xdg / "data" / "bandsaw-hmi"
    assert choice.locations.logs_dir == xdg / "state" / "bandsaw-hmi" / "log"
    # Relative paths of the packaged config never resolve into the package.
    assert choice.base_dir == xdg / "config" / "bandsaw-hmi"


def test_installed_user_config_beats_system_config(xdg: Path) -> None:
    (xdg / "etc").mkdir()
    (xdg / "etc" / "config.yaml").write_text("{}\n")
    choice = choose_config(None, {}, checkout=None)
    assert choice.path == xdg / "etc" / "config.yaml"
    assert choice.locations.scope is Scope.SYSTEM
    assert choice.locations.data_dir == xdg / "var-lib"
    assert choice.locations.logs_dir == xdg / "var-log"
    user = xdg / "config" / "bandsaw-hmi"
    init_config(user)
    choice = choose_config(None, {}, checkout=None)
    assert choice.path == user / "config.yaml"
    assert choice.locations.scope is Scope.USER
    assert choice.base_dir == user


def test_explicit_config_inside_the_system_dir_is_a_system_install(xdg: Path) -> None:
    (xdg / "etc").mkdir()
    choice = choose_config(xdg / "etc" / "config.yaml", {}, checkout=None)
    assert choice.locations.scope is Scope.SYSTEM
    choice = choose_config(None, {"BANDSAW_CONFIG": str(xdg / "mine.yaml")}, checkout=None)
    assert choice.origin == "BANDSAW_CONFIG"
    assert choice.locations.scope is Scope.USER
    assert choice.base_dir == xdg


def test_config_dir_from_environment(xdg: Path) -> None:
    choice = choose_config(None, {"BANDSAW_PATHS__CONFIG_DIR": str(xdg / "cfg")}, checkout=None)
    assert choice.path == xdg / "cfg" / "config.yaml"
    assert paths.config_target(False, {"BANDSAW_PATHS__CONFIG_DIR": str(xdg / "cfg")}) == xdg / "cfg"
    assert paths.config_target(True, {}) == xdg / "etc"


def test_data_dir_given_puts_logs_beside_it_unless_configured(tmp_path: Path) -> None:
    data = tmp_path / "d"
    settings = load_settings(None, env={}, env_file=tmp_path / "no.env", overrides={"paths": {"data_dir": str(data)}})
    assert settings.data_dir == data
    assert settings.logs_dir == data / "logs"
    settings = load_settings(None, env={"BANDSAW_PATHS__LOGS_DIR": str(tmp_path / "l")}, env_file=tmp_path / "no.env",
                             overrides={"paths": {"data_dir": str(data)}})
    assert settings.logs_dir == tmp_path / "l"
    # The packaged model until one is in the data directory; then that one.
    assert settings.ml_model_path == PROJECT_ROOT / "data" / "models" / "default"
    (data / "models").mkdir(parents=True)
    (data / "models" / "default.json").write_text("{}")
    assert settings.ml_model_path == data / "models" / "default"


def test_register_map_beside_the_config_else_packaged(tmp_path: Path) -> None:
    config = tmp_path / "config.yaml"
    config.write_text("machine: {name: x}\n")
    settings = load_settings(config, env={}, env_file=tmp_path / "no.env")
    assert settings.register_map_path == PROJECT_ROOT / "config" / "registers.yaml"
    (tmp_path / "registers.yaml").write_text("x")
    assert settings.register_map_path == tmp_path / "registers.yaml"


def test_init_config_refuses_to_overwrite_without_force(tmp_path: Path) -> None:
    target = tmp_path / "cfg"
    written = init_config(target)
    assert [path.name for path in written] == ["config.yaml", "registers.yaml", "alarm_messages.yaml", ".env.example"]
    assert (target / "config.yaml").read_bytes() == (PROJECT_ROOT / "config" / "config.yaml").read_bytes()
    (target / "config.yaml").write_text("mine\n")
    with pytest.raises(FileExistsError, match=re.escape(str(target / "config.yaml"))):
        init_config(target)
    assert (target / "config.yaml").read_text() == "mine\n"
    init_config(target, force=True)
    assert (target / "config.yaml").read_bytes() == (PROJECT_ROOT / "config" / "config.yaml").read_bytes()


def test_installed_copy_reads_dotenv_only_beside_its_config(
    xdg: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch,
) -> None:
    import core.config as config_module

    monkeypatch.setattr(config_module, "CHECKOUT", None)
    monkeypatch.setattr(config_module, "choose_config",
                        lambda explicit, env: choose_config(explicit, env, checkout=None))
    work = tmp_path / "work"
    work.mkdir()
    (work / ".env").write_text("DATABASE_URL=mysql://someone-elses/db\n")
    monkeypatch.chdir(work)
    settings = load_settings(None, env={})
    assert settings.env_file is None
    assert settings.database.postgresql.url is None
    user = xdg / "config" / "bandsaw-hmi"
    init_config(user)
    (user / ".env").write_text("BANDSAW_MACHINE__NAME=from-user-dotenv\n")
    settings = load_settings(None, env={})
    assert settings.env_file == user / ".env"
    assert settings.machine.name == "from-user-dotenv"


def test_spec_places_the_defaults_where_setup_py_does() -> None:
    setup = (PROJECT_ROOT / "setup.py").read_text()
    spec = (PROJECT_ROOT / "installer" / "bandsaw.spec").read_text()
    for package, folder in re.findall(r'"(core\.defaults\.\w+)": \("([^"]+)"', setup):
        assert f'"{package.replace(".", "/")}"' in spec, package
        assert (PROJECT_ROOT / folder).is_dir(), folder


def test_empty_path_variables_mean_the_default(tmp_path: Path) -> None:
    settings = load_settings(None, env={"BANDSAW_PATHS__DATA_DIR": "", "BANDSAW_PATHS__LOGS_DIR": " "},
                             env_file=tmp_path / "no.env")
    assert settings.data_dir == PROJECT_ROOT / "data"
    assert settings.logs_dir == PROJECT_ROOT / "logs"


def test_cli_data_and_logs_dir_options(tmp_path: Path) -> None:
    import os
    import subprocess
    import sys

    env = {k: v for k, v in os.environ.items() if not k.startswith("BANDSAW_")}

    def check(*args: str) -> str:
        result = subprocess.run([sys.executable, "-m", "core.cli", "config", "check", *args], capture_output=True,
                                text=True, timeout=120, env=env, cwd=tmp_path, check=False)
        assert result.returncode == 0, result.stderr
        return result.stdout

    out = check("--data-dir", "d")  # relative to the working directory, like any path argument
    assert f"# data directory: {tmp_path / 'd'}\n" in out
    assert f"# logs directory: {tmp_path / 'd' / 'logs'}\n" in out
    out = check("--data-dir", "d", "--logs-dir", str(tmp_path / "l"))
    assert f"# logs directory: {tmp_path / 'l'}\n" in out
    assert list(tmp_path.iterdir()) == []  # config check creates nothing


def test_nothing_is_written_into_installed_code(tmp_path: Path) -> None:
    # `bandsaw ml eval` on the packaged model wrote default-eval.md into site-packages.
    from core.ml.eval_cli import report_refused

    site = tmp_path / "site-packages"
    shipped = site / "core" / "defaults" / "models" / "default"
    assert paths.in_installed_code(shipped, checkout=None, code_root=site)
    assert not paths.in_installed_code(tmp_path / "data" / "models" / "default", checkout=None, code_root=site)
    assert not paths.in_installed_code(shipped, checkout=PROJECT_ROOT, code_root=site)
    # In this checkout data/models is the developer's: `make eval` rewrites the shipped report on purpose
    # (`ml eval` writes a report only to a --report path given; without one it prints it).
    assert report_refused(PROJECT_ROOT / "data" / "models" / "default-eval.md") == ""
    assert report_refused(tmp_path / "m" / "mine-eval.md") == ""


def test_a_report_into_an_installed_program_is_refused(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    from core.ml.eval_cli import report_refused

    site = tmp_path / "site-packages"
    monkeypatch.setattr(paths, "CHECKOUT", None)
    monkeypatch.setattr(paths, "PROJECT_ROOT", site)
    monkeypatch.setattr(paths.in_installed_code, "__kwdefaults__", {"checkout": None, "code_root": site})
    shipped = site / "core" / "defaults" / "models" / "default-eval.md"
    assert "inside the installed program" in report_refused(shipped)
    assert report_refused(tmp_path / "data" / "models" / "default-eval.md") == ""


def test_a_user_config_that_is_not_a_file_is_read_and_refused_not_replaced_by_the_default(
    xdg: Path, monkeypatch: pytest.MonkeyPatch,
) -> None:
    # A config.yaml that became a directory (or a dangling link) made `config check` say
    # "configuration valid" with the packaged default: the plant's settings silently gone.
    from core.config import ConfigError

    user = xdg / "config" / "bandsaw-hmi"
    (user / "config.yaml").mkdir(parents=True)
    choice = choose_config(None, {}, checkout=None)
    assert choice.path == user / "config.yaml"
    assert not choice.packaged
    monkeypatch.setattr("core.config.choose_config",
                        lambda explicit, env: choose_config(explicit, env, checkout=None))
    with pytest.raises(ConfigError, match=rf"^{user / 'config.yaml'}: cannot read: Is a directory$"):
        load_settings(None, env={}, env_file=xdg / "no.env")
    (user / "config.yaml").rmdir()
    (user / "config.yaml").symlink_to(xdg / "gone.yaml")
    assert choose_config(None, {}, checkout=None).path == user / "config.yaml"
    with pytest.raises(ConfigError, match=rf"^{user / 'config.yaml'}: file not found$"):
        load_settings(None, env={}, env_file=xdg / "no.env")
