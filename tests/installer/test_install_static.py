"""Fast installer checks without pip: syntax, lint, options, generated files, purge, the lock."""

from __future__ import annotations

import os
import re
import shutil
import subprocess
import time
from pathlib import Path

import pytest
from packaging.requirements import Requirement
from packaging.utils import canonicalize_name

from core.config import PROJECT_ROOT
from tests.installer.install_rig import INSTALL_SH, run, sandbox_env

INSTALLER = PROJECT_ROOT / "installer"
SHELL_FILES = [INSTALL_SH, INSTALLER / "lib" / "render.sh", INSTALLER / "lib" / "steps.sh"]


def render(function: str, tmp_path: Path, mode: str = "system", prefix: Path | None = None) -> str:
    """Output of a render.sh function for an installation under tmp_path."""
    prefix = prefix or tmp_path / "opt" / "bandsaw-hmi"
    env = {
        "MODE": mode, "PREFIX": str(prefix), "CONFIG_DIR": str(tmp_path / "etc"),
        "DATA_DIR": str(tmp_path / "var" / "lib"), "LOGS_DIR": str(tmp_path / "var" / "log"),
        "SERVICE_USER": "bandsaw", "SERVICE_GROUP": "bandsaw", "ICON_PATH": str(prefix / "share" / "bandsaw-hmi.svg"),
        "PATH": "/usr/bin:/bin",
    }
    script = f'. "{INSTALLER / "lib" / "render.sh"}" && {function}'
    result = subprocess.run(["bash", "-c", script], env=env, capture_output=True, text=True, timeout=30, check=True)
    return result.stdout


def test_shell_syntax() -> None:
    for path in SHELL_FILES:
        result = subprocess.run(["bash", "-n", str(path)], capture_output=True, text=True, timeout=30, check=False)
        assert result.returncode == 0, f"{path}: {result.stderr}"


@pytest.mark.skipif(shutil.which("shellcheck") is None, reason="shellcheck not installed (apt install shellcheck)")
def test_shellcheck_clean() -> None:
    result = subprocess.run(["shellcheck", "-x", *map(str, SHELL_FILES)], cwd=PROJECT_ROOT,
                            capture_output=True, text=True, timeout=60, check=False)
    assert result.returncode == 0, result.stdout + result.stderr


def test_help_lists_every_option_the_parser_handles(tmp_path: Path) -> None:
    result = run(["bash", str(INSTALL_SH), "--help"], sandbox_env(tmp_path), timeout=30)
    assert result.returncode == 0
    listed = set(re.findall(r"^  (--[a-z-]+)", result.stdout, re.MULTILINE))
    handled = set(re.findall(r"^    (--[a-z-]+)\)", INSTALL_SH.read_text(), re.MULTILINE))
    assert listed == handled
    assert "-h, --help" in result.stdout
    assert {"--prefix", "--user", "--kiosk", "--headless", "--uninstall", "--purge"} <= listed


@pytest.mark.parametrize(("args", "message"), [
    (["--purge"], "--purge only goes with --uninstall"),
    (["--user", "--kiosk", "--headless"], "both run an engine"),
    (["--operator", "saw", "--no-kiosk"], "contradict"),
    (["--kiosk"], "needs --operator"),
    (["--user", "--operator", "saw"], "--operator is for system installs"),
    (["--bogus"], "unknown option"),
    (["--user", "--prefix", "/tmp/with space"], "path not supported"),
])
def test_bad_options_stop_before_doing_anything(tmp_path: Path, args: list[str], message: str) -> None:
    result = run(["bash", str(INSTALL_SH), *args], sandbox_env(tmp_path / "home"), timeout=30)
    assert result.returncode != 0
    assert message in result.stderr
    assert not (tmp_path / "home").exists()


@pytest.mark.skipif(shutil.which("desktop-file-validate") is None, reason="desktop-file-utils not installed")
@pytest.mark.parametrize("function", ["render_desktop_entry", "render_kiosk_autostart"])
def test_desktop_entries_validate(tmp_path: Path, function: str) -> None:
    entry = tmp_path / "bandsaw-hmi.desktop"
    entry.write_text(render(function, tmp_path))
    result = subprocess.run(["desktop-file-validate", str(entry)], capture_output=True, text=True, timeout=30,
                            check=False)
    assert result.returncode == 0 and not result.stdout.strip(), result.stdout + result.stderr


@pytest.mark.skipif(shutil.which("systemd-analyze") is None, reason="systemd-analyze not installed")
def test_system_engine_unit_verifies_and_is_hardened(tmp_path: Path) -> None:
    prefix = tmp_path / "opt" / "bandsaw-hmi"
    (prefix / "bin").mkdir(parents=True)
    (prefix / "bin" / "bandsaw").write_text("#!/bin/sh\n")
    (prefix / "bin" / "bandsaw").chmod(0o755)
    unit = tmp_path / "bandsaw-engine.service"
    text = render("render_engine_unit", tmp_path, prefix=prefix)
    unit.write_text(text)
    for line in ("Restart=on-failure", "RestartPreventExitStatus=2", "NoNewPrivileges=yes", "ProtectSystem=strict",
                 "Nice=-5",
                 f"ReadWritePaths={tmp_path / 'var' / 'lib'} {tmp_path / 'var' / 'log'}", "User=bandsaw",
                 f"ExecStart={prefix / 'bin' / 'bandsaw'} engine", "WantedBy=multi-user.target"):
        assert f"\n{line}\n" in text, line
    result = subprocess.run(["systemd-analyze", "verify", str(unit)], capture_output=True, text=True, timeout=60,
                            check=False)
    problems = [line for line in (result.stdout + result.stderr).splitlines() if "bandsaw-engine" in line]
    assert not problems, "\n".join(problems)


def test_unit_under_home_drops_protect_home(tmp_path: Path) -> None:
    text = render("render_engine_unit", tmp_path, prefix=Path("/home/saw/bandsaw-hmi"))
    assert "\nProtectHome=yes\n" not in text
    assert "\nProtectHome=yes\n" in render("render_engine_unit", tmp_path)


def test_launcher_loads_env_file_without_overriding_the_caller(tmp_path: Path) -> None:
    prefix = tmp_path / "opt"
    launcher = tmp_path / "bandsaw"
    launcher.write_text(render("render_launcher bandsaw", tmp_path, mode="user", prefix=prefix))
    launcher.chmod(0o755)
    (prefix / "venv" / "bin").mkdir(parents=True)
    fake = prefix / "venv" / "bin" / "bandsaw"
    fake.write_text('#!/bin/sh\necho "config=$BANDSAW_CONFIG data=$BANDSAW_PATHS__DATA_DIR args=$*"\n')
    fake.chmod(0o755)
    (tmp_path / "etc").mkdir()
    (tmp_path / "etc" / "bandsaw.env").write_text(render("render_env_file", tmp_path, mode="user", prefix=prefix))
    env = {"PATH": "/usr/bin:/bin", "BANDSAW_PATHS__DATA_DIR": "/caller/data"}
    result = subprocess.run([str(launcher), "engine", "--simulate"], env=env, capture_output=True, text=True,
                            timeout=30, check=True)
    assert result.stdout.strip() == (
        f"config={tmp_path / 'etc' / 'config.yaml'} data=/caller/data args=engine --simulate")


def test_uninstall_purge_removes_config_data_and_logs(tmp_path: Path) -> None:
    """A fake installation (no pip): --uninstall --purge follows install-info and the manifest."""
    home = tmp_path / "home"
    prefix = tmp_path / "opt"
    config, data, logs = home / ".config" / "bandsaw-hmi", home / "data", home / "logs"
    shortcut = home / ".local" / "share" / "applications" / "bandsaw-hmi.desktop"
    for directory in (prefix / "venv", config, data / "databases", logs, shortcut.parent):
        directory.mkdir(parents=True)
    shortcut.write_text("[Desktop Entry]\n")
    (prefix / "install-manifest").write_text(f"{shortcut}\n")
    (prefix / "install-info").write_text(f"MODE=user\nCONFIG_DIR={config}\nDATA_DIR={data}\nLOGS_DIR={logs}\n")
    env = sandbox_env(home)
    result = run(["bash", str(INSTALL_SH), "--user", "--prefix", str(prefix), "--uninstall", "--purge"], env)
    assert result.returncode == 0, result.stderr
    for gone in (prefix, config, data, logs, shortcut):
        assert not gone.exists(), gone
    again = run(["bash", str(INSTALL_SH), "--user", "--prefix", str(prefix), "--uninstall"], env)
    assert again.returncode != 0 and "no installation" in again.stderr


def test_purge_after_a_plain_uninstall_clears_the_default_places(tmp_path: Path) -> None:
    home = tmp_path / "home"
    config, data = home / ".config" / "bandsaw-hmi", home / ".local" / "share" / "bandsaw-hmi"
    logs = home / ".local" / "state" / "bandsaw-hmi" / "log"
    old_logs = home / ".local" / "state" / "bandsaw-hmi" / "logs"  # before the installers installed the wheel
    for directory in (config, data, logs, old_logs):
        directory.mkdir(parents=True)
    result = run(["bash", str(INSTALL_SH), "--user", "--prefix", str(tmp_path / "gone"), "--uninstall", "--purge"],
                 sandbox_env(home))
    assert result.returncode == 0, result.stderr
    assert not config.exists() and not data.exists() and not logs.exists() and not old_logs.exists()


def test_lock_pins_every_runtime_requirement_within_its_range() -> None:
    import tomllib

    pins = {}
    for line in (INSTALLER / "requirements.lock").read_text().splitlines():
        if line and not line.startswith("#"):
            name, version = line.split("==")
            pins[canonicalize_name(name)] = version
    project = tomllib.loads((PROJECT_ROOT / "pyproject.toml").read_text())["project"]
    for text in project["dependencies"]:
        requirement = Requirement(text)
        if requirement.marker is not None and not requirement.marker.evaluate():
            continue
        name = canonicalize_name(requirement.name)
        assert name in pins, f"{name} is not pinned in installer/requirements.lock (run installer/make_lock.py)"
        assert requirement.specifier.contains(pins[name], prereleases=True), \
            f"lock pins {name}=={pins[name]}, pyproject wants {requirement.specifier}"


def _fake_bandsaw_with_users(tmp_path: Path) -> tuple[Path, Path]:
    """A prefix whose bin/bandsaw knows `users` and records `users add` calls."""
    prefix = tmp_path / "opt"
    (prefix / "bin").mkdir(parents=True)
    calls = tmp_path / "calls.txt"
    fake = prefix / "bin" / "bandsaw"
    fake.write_text(
        "#!/bin/sh\n"
        'case "$1 $2" in\n'
        '  "--help ") printf "usage: bandsaw COMMAND\\n    engine    run\\n    users     manage users\\n" ;;\n'
        '  "users list") if [ -n "$FAKE_ADMIN" ]; then echo "boss admin enabled 0 -"; else echo "no users"; fi ;;\n'
        '  "users init-admin") [ "$3" = --help ] && exit 0\n'
        f'    read -r password; echo "init-admin $3 password=$password" >> "{calls}" ;;\n'
        "esac\n"
    )
    fake.chmod(0o755)
    return prefix, calls


def _first_run_admin_script(prefix: Path, interactive: int) -> str:
    steps = INSTALLER / "lib" / "steps.sh"
    return (f'say() {{ echo "say: $*"; }}; warn() {{ echo "warn: $*"; }}; die() {{ echo "die: $*"; exit 1; }}; '
            f'. "{steps}"; MODE=user PREFIX="{prefix}" INTERACTIVE={interactive} ADMIN=""; first_run_admin')


def test_first_run_admin_skipped_without_a_terminal(tmp_path: Path) -> None:
    prefix, calls = _fake_bandsaw_with_users(tmp_path)
    result = subprocess.run(["bash", "-c", _first_run_admin_script(prefix, 1)], stdin=subprocess.DEVNULL,
                            capture_output=True, text=True, timeout=30, check=True)
    assert "no terminal to ask for a password" in result.stdout
    assert f"{prefix}/bin/bandsaw users init-admin NAME" in result.stdout
    assert not calls.exists()


def test_first_run_admin_keeps_an_existing_admin(tmp_path: Path) -> None:
    prefix, calls = _fake_bandsaw_with_users(tmp_path)
    result = subprocess.run(["bash", "-c", _first_run_admin_script(prefix, 1)], stdin=subprocess.DEVNULL,
                            env={"PATH": "/usr/bin:/bin", "FAKE_ADMIN": "1"},
                            capture_output=True, text=True, timeout=30, check=True)
    assert "an admin account exists: kept" in result.stdout
    assert not calls.exists()


def test_first_run_admin_asks_on_a_terminal(tmp_path: Path) -> None:
    import pty

    prefix, calls = _fake_bandsaw_with_users(tmp_path)
    pid, fd = pty.fork()
    if pid == 0:  # child: bash on the pty
        os.execvp("bash", ["bash", "-c", _first_run_admin_script(prefix, 1)])
    output = b""
    try:
        for answer in (b"boss\n", b"s3cret\n"):
            output += _read_until(fd, b"admin" if answer == b"boss\n" else b"asks for the password")
            os.write(fd, answer)
        output += _read_until(fd, b"")
    finally:
        _, status = os.waitpid(pid, 0)
        os.close(fd)
    assert os.waitstatus_to_exitcode(status) == 0, output.decode(errors="replace")
    assert calls.read_text() == "init-admin boss password=s3cret\n"


def _read_until(fd: int, marker: bytes, timeout: float = 20.0) -> bytes:
    import select

    data = b""
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        ready, _, _ = select.select([fd], [], [], 0.2)
        if not ready:
            continue
        try:
            chunk = os.read(fd, 1024)
        except OSError:  # the child closed the pty
            return data
        if not chunk:
            return data
        data += chunk
        if marker and marker in data:
            return data
    if marker:
        pytest.fail(f"no {marker!r} from the installer within {timeout} s: {data!r}")
    return data


def test_only_the_system_unit_raises_the_engines_priority(tmp_path: Path) -> None:
    """A per-user systemd cannot lower a niceness (the unit would fail with status 201/NICE)."""
    assert "\nNice=-5\n" in render("render_engine_unit", tmp_path)
    assert "Nice=" not in render("render_engine_unit", tmp_path, mode="user")


def test_the_kiosk_operator_is_granted_the_engines_priorities_and_nothing_else(tmp_path: Path) -> None:
    """A system install with --operator: limits.d and a user-manager drop-in for that account only,
    with the values the engine's process asks for (core.engine_host); no capability anywhere."""
    import getpass

    from core.engine_host import ENGINE_NICE, ENGINE_RT_PRIORITY

    operator = getpass.getuser()
    limits_dir, unit_dir = tmp_path / "limits.d", tmp_path / "systemd"
    env = {"MODE": "system", "OPERATOR": operator, "APP": "bandsaw-hmi", "LIMITS_DIR": str(limits_dir),
           "UNIT_DIR": str(unit_dir), "MANIFEST": str(tmp_path / "manifest"), "PATH": "/usr/bin:/bin"}
    script = (f'say() {{ echo "$*"; }}; . "{INSTALLER / "lib" / "render.sh"}"; . "{INSTALLER / "lib" / "steps.sh"}";'
              " install_kiosk_limits")
    result = subprocess.run(["bash", "-c", script], env=env, capture_output=True, text=True, timeout=30, check=False)
    assert result.returncode == 0, result.stderr
    limits = (limits_dir / "90-bandsaw-hmi.conf").read_text()
    rules = [line.split() for line in limits.splitlines() if line.strip() and not line.startswith("#")]
    assert rules == [[operator, "-", "rtprio", str(ENGINE_RT_PRIORITY)], [operator, "-", "nice", str(ENGINE_NICE)]]
    dropin = unit_dir / f"user@{os.getuid()}.service.d" / "bandsaw-hmi.conf"
    settings = [line for line in dropin.read_text().splitlines() if line and not line.startswith("#")]
    assert settings == ["[Service]", f"LimitRTPRIO={ENGINE_RT_PRIORITY}", f"LimitNICE={ENGINE_NICE}"]
    # Both are the installation's files: --uninstall and a later install without the kiosk remove them.
    assert (tmp_path / "manifest.tmp").read_text().split() == [str(limits_dir / "90-bandsaw-hmi.conf"), str(dropin)]
    assert "from their next login" in result.stdout
    for function in ("render_engine_unit", "render_kiosk_autostart", "render_kiosk_launcher"):
        assert "CAP_SYS_NICE" not in render(function, tmp_path)  # least privilege: limits, not a capability
