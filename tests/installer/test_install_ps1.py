"""install.ps1: parsed by PowerShell when pwsh is installed, else reviewed statically."""

from __future__ import annotations

import re
import shutil
import subprocess
from pathlib import Path

import pytest

from core.config import PROJECT_ROOT
from tests.installer.install_rig import INSTALL_PS1, INSTALL_SH

# install.sh options without a Windows parameter, and why.
LINUX_ONLY = {
    "--operator": "a machine install's kiosk autostart goes to the all-users Startup folder",
    "--help": "PowerShell's Get-Help reads the comment-based help",
}


def ps1_parameters() -> set[str]:
    block = re.search(r"\bparam\((.*?)\n\)", INSTALL_PS1.read_text(), re.DOTALL)
    assert block is not None, "install.ps1 has no param() block"
    return set(re.findall(r"\$([A-Za-z]+)", block.group(1)))


def sh_options() -> set[str]:
    return set(re.findall(r"^    (--[a-z-]+)\)", INSTALL_SH.read_text(), re.MULTILINE)) | {"--help"}


def pascal(option: str) -> str:
    return "".join(part.capitalize() for part in option.lstrip("-").split("-"))


def strip_strings_and_comments(text: str) -> str:
    """PowerShell source with comments and string literals blanked, for bracket matching."""
    text = re.sub(r"<#.*?#>", "", text, flags=re.DOTALL)
    out: list[str] = []
    index, quote = 0, ""
    while index < len(text):
        char = text[index]
        if quote:
            if char == "`":
                index += 2
                continue
            if char == quote:
                quote = ""
            index += 1
            continue
        if char in "\"'":
            quote = char
        elif char == "#":
            index = text.find("\n", index)
            if index < 0:
                break
            continue
        else:
            out.append(char)
        index += 1
    assert not quote, "unterminated string literal"
    return "".join(out)


@pytest.mark.skipif(shutil.which("pwsh") is None, reason="pwsh not installed: static review below instead")
def test_pwsh_parses_install_ps1() -> None:
    command = (
        "$errors = $null; [System.Management.Automation.Language.Parser]::ParseFile("
        f"'{INSTALL_PS1}', [ref]$null, [ref]$errors) | Out-Null; "
        "$errors | ForEach-Object { $_.ToString() }; exit $errors.Count"
    )
    result = subprocess.run(["pwsh", "-NoProfile", "-NonInteractive", "-Command", command],
                            capture_output=True, text=True, timeout=120, check=False)
    assert result.returncode == 0, result.stdout + result.stderr


def test_parameters_match_install_sh_options() -> None:
    expected = {pascal(option) for option in sh_options() if option not in LINUX_ONLY}
    assert ps1_parameters() == expected


def test_source_tree_paths_it_uses_exist() -> None:
    text = INSTALL_PS1.read_text()
    paths = set(re.findall(r'Join-Path \$SourceDir "([^"$]+)"', text))
    required = re.search(r'foreach \(\$required in @\((.*?)\)\)', text, re.DOTALL)
    assert required is not None
    paths |= set(re.findall(r'"([^"]+)"', required.group(1)))
    assert {"installer\\requirements.lock", "installer\\launcher.py", "config\\config.yaml"} <= paths
    for path in paths:
        assert (PROJECT_ROOT / Path(*path.split("\\"))).exists(), path


def test_brackets_balance_and_functions_are_defined() -> None:
    code = strip_strings_and_comments(INSTALL_PS1.read_text())
    for opening, closing in ("{}", "()", "[]"):
        depth = 0
        for char in code:
            depth += (char == opening) - (char == closing)
            assert depth >= 0, f"unbalanced {closing}"
        assert depth == 0, f"unbalanced {opening}{closing}"
    defined = set(re.findall(r"^function ([A-Za-z-]+)", code, re.MULTILINE))
    called = set(re.findall(r"^\s*(?:if \(.*?\) \{ )?((?:Invoke|Install|Write|New|Find)-[A-Za-z]+)\b", code,
                            re.MULTILINE))
    builtin = {"New-Item", "New-Object", "New-ScheduledTaskAction", "New-ScheduledTaskSettingsSet",
               "New-ScheduledTaskTrigger", "New-ScheduledTaskPrincipal", "New-TimeSpan", "Write-Host",
               "Write-Warning", "Write-Error"}
    assert called - builtin <= defined, f"called but not defined: {sorted(called - builtin - defined)}"


def test_same_layout_and_keep_rules_as_install_sh() -> None:
    text = INSTALL_PS1.read_text()
    for needle in ("%ProgramFiles%", "%ProgramData%", "%LOCALAPPDATA%",       # documented locations
                   "$env:ProgramFiles", "$env:ProgramData", "$env:LOCALAPPDATA",
                   '"$target.new"', "--constraint", "--force-reinstall",       # upgrade keeps config
                   "CommonStartup", "CommonPrograms", "CommonDesktopDirectory",  # shortcuts, autostart
                   "--restart always -- hmi --kiosk", "--restart on-failure -- engine",
                   "BANDSAW_CONFIG=", "BANDSAW_PATHS__DATA_DIR=", "BANDSAW_ML__MODEL_PATH="):
        assert needle in text, needle
