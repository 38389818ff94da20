"""install.sh end to end: a --user install into a temporary prefix, run from there, upgrade, uninstall.

The tests share one installation and run in file order (the last ones upgrade and uninstall).
"""

from __future__ import annotations

import os
import re
import shutil
import signal
import subprocess
import time
from pathlib import Path

import pytest

from core.config import PROJECT_ROOT
from tests.installer.install_rig import INSTALL_SH, INSTALL_TIMEOUT_S, Installation, run
from tests.waiting import wait_until_sync

pytestmark = [pytest.mark.slow, pytest.mark.timeout(INSTALL_TIMEOUT_S + 300)]

SOURCE_CONFIG = PROJECT_ROOT / "config" / "config.yaml"


def test_install_lays_out_program_config_and_data(installation: Installation) -> None:
    print(f"\ninstall.sh --user took {installation.install_s:.1f} s")
    inst = installation
    for name in ("bandsaw", "bandsaw-hmi", "bandsaw-kiosk"):
        assert os.access(inst.prefix / "bin" / name, os.X_OK)
        assert (inst.home / ".local" / "bin" / name).resolve() == inst.prefix / "bin" / name
    assert (inst.config_dir / "config.yaml").read_bytes() == SOURCE_CONFIG.read_bytes()
    assert (inst.config_dir / "registers.yaml").is_file()
    assert (inst.config_dir / "alarm_messages.yaml").is_file()
    assert "BANDSAW_CONFIG=" in (inst.config_dir / "bandsaw.env").read_text()
    assert (inst.data_dir / "models" / "default.skops").is_file()
    assert (inst.data_dir / "models" / "default.json").is_file()
    assert inst.logs_dir.is_dir()
    # Installed as a wheel, not editable: the code lives in the venv, not in this checkout.
    site = next((inst.prefix / "venv" / "lib").glob("python3.*/site-packages"))
    assert (site / "core" / "config.py").is_file()
    # The wheel carries the defaults; nothing is copied beside the packages any more.
    assert (site / "core" / "defaults" / "resources" / "themes" / "high_performance.qss").is_file()
    assert (site / "core" / "defaults" / "config" / "registers.yaml").is_file()
    for stray in ("resources", "config", "data", "logs"):
        assert not (site / stray).exists(), stray


def test_installed_bandsaw_help(installation: Installation) -> None:
    result = run([str(installation.bandsaw), "--help"], installation.env, timeout=120)
    assert result.returncode == 0, result.stderr
    assert "engine" in result.stdout and "hmi" in result.stdout
    # Non-interactive first install: no admin prompt, a clear message instead.
    if re.search(r"^ +users ", result.stdout, re.MULTILINE):
        assert f"{installation.bandsaw} users init-admin NAME" in installation.output
    else:
        assert "no 'bandsaw users' command" in installation.output
    check = run([str(installation.bandsaw), "config", "check"], installation.env, timeout=120)
    assert check.returncode == 0, check.stderr
    assert f"# configuration: {installation.config_dir / 'config.yaml'}" in check.stdout
    assert str(installation.data_dir) in check.stdout


def test_installed_engine_runs_simulated(installation: Installation) -> None:
    result = run([str(installation.bandsaw), "engine", "--simulate", "--duration", "5"], installation.env, timeout=180)
    assert result.returncode == 0, result.stdout[-2000:] + result.stderr[-2000:]
    assert "stopped cleanly" in result.stdout + result.stderr
    raw = installation.data_dir / "databases" / "raw.db"
    assert raw.is_file() and raw.stat().st_size > 0
    assert (installation.logs_dir / "app.log").is_file()
    assert "ML model refused" not in (installation.logs_dir / "app.log").read_text()


def test_installed_hmi_screenshot(installation: Installation) -> None:
    shot = installation.root / "hmi.png"
    result = run([str(installation.prefix / "bin" / "bandsaw-hmi"), "--simulate", "--screenshot", str(shot),
                  "--after", "2"], installation.env, timeout=180)
    assert result.returncode == 0, result.stderr[-2000:]
    assert shot.read_bytes()[:8] == b"\x89PNG\r\n\x1a\n"
    # Themed from the wheel's packaged defaults (an unthemed HMI refuses to start).
    site = next((installation.prefix / "venv" / "lib").glob("python3.*/site-packages"))
    theme = site / "core" / "defaults" / "resources" / "themes" / "high_performance.qss"
    assert f"theme {theme} loaded" in (installation.logs_dir / "app.log").read_text()


@pytest.mark.skipif(shutil.which("desktop-file-validate") is None, reason="desktop-file-utils not installed")
def test_desktop_files_validate(installation: Installation) -> None:
    entries = [
        installation.home / ".local" / "share" / "applications" / "bandsaw-hmi.desktop",
        installation.home / "Desktop" / "bandsaw-hmi.desktop",
        installation.home / ".config" / "autostart" / "bandsaw-hmi-kiosk.desktop",
    ]
    for entry in entries:
        result = run(["desktop-file-validate", str(entry)], installation.env, timeout=30)
        assert result.returncode == 0 and not result.stdout.strip(), f"{entry}: {result.stdout}{result.stderr}"
    text = entries[0].read_text()
    assert f"Exec={installation.prefix / 'bin' / 'bandsaw-hmi'}\n" in text
    assert f"Icon={installation.prefix / 'share' / 'bandsaw-hmi.svg'}\n" in text
    assert (installation.prefix / "share" / "bandsaw-hmi.svg").is_file()
    assert f"Exec={installation.prefix / 'bin' / 'bandsaw-kiosk'}\n" in entries[2].read_text()


@pytest.mark.skipif(shutil.which("systemd-analyze") is None, reason="systemd-analyze not installed")
def test_engine_unit_verifies(installation: Installation) -> None:
    unit = installation.home / ".config" / "systemd" / "user" / "bandsaw-engine.service"
    text = unit.read_text()
    assert f"ExecStart={installation.bandsaw} engine\n" in text
    assert "Restart=on-failure" in text
    result = run(["systemd-analyze", "--user", "verify", str(unit)], installation.env, timeout=60)
    problems = [line for line in (result.stdout + result.stderr).splitlines() if "bandsaw-engine" in line]
    assert not problems, "\n".join(problems)


def test_kiosk_launcher_restarts_the_hmi_and_stops_on_sigterm(installation: Installation) -> None:
    shot = installation.root / "kiosk.png"
    args = [str(installation.prefix / "bin" / "bandsaw-kiosk"), "--simulate", "--screenshot", str(shot), "--after", "1"]
    kiosk = subprocess.Popen(args, env=installation.env, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE,
                             start_new_session=True, text=True)
    try:
        wait_until_sync(shot.exists, "the first kiosk screenshot", within_s=120)
        shot.unlink()
        # The HMI exited after its screenshot: the launcher must start it again.
        wait_until_sync(shot.exists, "the HMI to be restarted", within_s=120)
        kiosk.send_signal(signal.SIGTERM)
        kiosk.wait(timeout=60)
        assert kiosk.stderr is not None
        assert "restarting in 1s" in kiosk.stderr.read()
        wait_until_sync(lambda: not _group_alive(kiosk.pid), "the kiosk's HMI to stop", within_s=30)
    finally:
        if _group_alive(kiosk.pid):
            os.killpg(kiosk.pid, signal.SIGKILL)
        kiosk.wait(timeout=30)


def _group_alive(pgid: int) -> bool:
    try:
        os.killpg(pgid, 0)
    except ProcessLookupError:
        return False
    # Zombies count as gone: only the launcher's own is left until we reap it.
    return any(_is_live_member(pid, pgid) for pid in _pids())


def _pids() -> list[int]:
    return [int(name) for name in os.listdir("/proc") if name.isdigit()]


def _is_live_member(pid: int, pgid: int) -> bool:
    try:
        fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
    except OSError:
        return False
    return fields[0] != "Z" and int(fields[2]) == pgid


def test_upgrade_keeps_modified_config_and_data(installation: Installation) -> None:
    inst = installation
    config = inst.config_dir / "config.yaml"
    modified = config.read_text().replace("name: bandsaw-01", "name: saw-upgrade-test")
    assert modified != config.read_text()
    config.write_text(modified)
    raw_before = (inst.data_dir / "databases" / "raw.db").stat().st_size
    marker = inst.data_dir / "keep-me.txt"
    marker.write_text("operator data")
    started = time.monotonic()
    result = inst.install()
    upgrade_s = time.monotonic() - started
    print(f"\nupgrade (install.sh again) took {upgrade_s:.1f} s")
    assert result.returncode == 0, result.stdout[-3000:] + result.stderr[-3000:]
    assert "upgrading" in result.stdout
    assert config.read_text() == modified
    assert (inst.config_dir / "config.yaml.new").read_bytes() == SOURCE_CONFIG.read_bytes()
    assert marker.read_text() == "operator data"
    # Installed with --kiosk, upgraded without the flag: the choice is kept.
    assert (inst.home / ".config" / "autostart" / "bandsaw-hmi-kiosk.desktop").is_file()
    assert (inst.data_dir / "databases" / "raw.db").stat().st_size >= raw_before
    check = run([str(inst.bandsaw), "config", "check"], inst.env, timeout=120)
    assert check.returncode == 0, check.stderr
    assert "saw-upgrade-test" in check.stdout
    # The untouched shipped model was refreshed; the engine still starts on the kept data.
    assert (inst.data_dir / "models" / "default.json").read_bytes() == \
        (inst.data_dir / "models" / "shipped" / "default.json").read_bytes()


def test_uninstall_removes_program_and_keeps_config_and_data(installation: Installation) -> None:
    inst = installation
    result = run(["bash", str(INSTALL_SH), "--user", "--prefix", str(inst.prefix), "--uninstall"],
                 inst.env, timeout=120)
    assert result.returncode == 0, result.stderr
    assert not inst.prefix.exists()
    for gone in (inst.home / ".local" / "bin" / "bandsaw",
                 inst.home / ".local" / "share" / "applications" / "bandsaw-hmi.desktop",
                 inst.home / "Desktop" / "bandsaw-hmi.desktop",
                 inst.home / ".config" / "autostart" / "bandsaw-hmi-kiosk.desktop",
                 inst.home / ".config" / "systemd" / "user" / "bandsaw-engine.service"):
        assert not gone.exists() and not gone.is_symlink(), gone
    assert (inst.config_dir / "config.yaml").is_file()
    assert (inst.data_dir / "databases" / "raw.db").is_file()
    assert (inst.data_dir / "models" / "default.skops").is_file()
    assert inst.logs_dir.is_dir()
