<#
.SYNOPSIS
Install, upgrade or uninstall bandsaw-hmi on Windows: a venv with the bandsaw-hmi wheel (built
once from this source tree, or taken from -Wheelhouse DIR with no network) and its pinned
dependencies. Config files and the model come from the installed wheel's packaged defaults.

.DESCRIPTION
Machine install (run as Administrator): program in %ProgramFiles%\bandsaw-hmi (venv + launcher),
config in %ProgramData%\bandsaw-hmi, data and logs in %ProgramData%\bandsaw-hmi\data and \logs,
Start-menu and desktop shortcuts for all users. -User: program in
%LOCALAPPDATA%\Programs\bandsaw-hmi, config in %APPDATA%\bandsaw-hmi, data and logs in
%LOCALAPPDATA%\bandsaw-hmi. Running it again upgrades: config, data, users and models are kept.
The options mirror install.sh (-Operator has no Windows counterpart: a machine install's kiosk
autostart goes to the all-users Startup folder).

.EXAMPLE
powershell -ExecutionPolicy Bypass -File installer\install.ps1 -Kiosk
powershell -ExecutionPolicy Bypass -File installer\install.ps1 -User
powershell -ExecutionPolicy Bypass -File installer\install.ps1 -Uninstall -Purge
#>
[CmdletBinding()]
param(
    [string]$Prefix = "",
    [switch]$User,
    [string]$Python = "",
    [string]$Wheelhouse = "",
    [switch]$Kiosk,
    [switch]$NoKiosk,
    [switch]$Headless,
    [switch]$NoDesktop,
    [string]$Admin = "",
    [switch]$NonInteractive,
    [switch]$Uninstall,
    [switch]$Purge
)

Set-StrictMode -Version Latest
$ErrorActionPreference = "Stop"

$App = "bandsaw-hmi"
$TaskName = "bandsaw-engine"
$ShortcutName = "Bandsaw HMI"
$SourceDir = Split-Path -Parent $PSScriptRoot
$Lock = Join-Path $SourceDir "installer\requirements.lock"

function Say([string]$Message) { Write-Host "install.ps1: $Message" }
function Warn([string]$Message) { Write-Warning "install.ps1: $Message" }
function Fail([string]$Message) { Write-Error "install.ps1: error: $Message"; exit 1 }

if ($Purge -and -not $Uninstall) { Fail "-Purge only goes with -Uninstall" }
# Each of them runs an engine that polls the PLC and writes the same databases: only one may run.

# --- paths ---------------------------------------------------------------------------------

if ($User) {
    if (-not $Prefix) { $Prefix = Join-Path $env:LOCALAPPDATA "Programs\$App" }
    $ConfigDir = Join-Path $env:APPDATA $App
    $DataDir = Join-Path $env:LOCALAPPDATA "$App\data"
    $LogsDir = Join-Path $env:LOCALAPPDATA "$App\logs"
    $StartMenuDir = [Environment]::GetFolderPath("Programs")
    $DesktopDir = [Environment]::GetFolderPath("Desktop")
    $StartupDir = [Environment]::GetFolderPath("Startup")
} else {
    if (-not $Prefix) { $Prefix = Join-Path $env:ProgramFiles $App }
    $ConfigDir = Join-Path $env:ProgramData $App
    $DataDir = Join-Path $env:ProgramData "$App\data"
    $LogsDir = Join-Path $env:ProgramData "$App\logs"
    $StartMenuDir = [Environment]::GetFolderPath("CommonPrograms")
    $DesktopDir = [Environment]::GetFolderPath("CommonDesktopDirectory")
    $StartupDir = [Environment]::GetFolderPath("CommonStartup")
    $principal = New-Object Security.Principal.WindowsPrincipal([Security.Principal.WindowsIdentity]::GetCurrent())
    if (-not $principal.IsInRole([Security.Principal.WindowsBuiltInRole]::Administrator)) {
        Fail "a machine install needs an elevated PowerShell (Run as Administrator), or use -User"
    }
}
$Prefix = [IO.Path]::GetFullPath($Prefix)
$Venv = Join-Path $Prefix "venv"
$VenvPython = Join-Path $Venv "Scripts\python.exe"
$VenvPythonw = Join-Path $Venv "Scripts\pythonw.exe"
$Launcher = Join-Path $Prefix "bin\bandsaw-launcher.pyw"
$EnvFile = Join-Path $ConfigDir "bandsaw.env"
$IconPath = Join-Path $Prefix "share\$App.ico"
$Manifest = Join-Path $Prefix "install-manifest"
$Info = Join-Path $Prefix "install-info"

# An upgrade keeps the kiosk choice of the installation unless -Kiosk/-NoKiosk says otherwise.
if (-not $Kiosk -and -not $NoKiosk -and -not $Uninstall -and (Test-Path $Info)) {
    $Kiosk = [bool](Select-String -Path $Info -Pattern "^KIOSK=1$" -Quiet)
}
if ($Kiosk -and $NoKiosk) { Fail "-Kiosk and -NoKiosk contradict each other" }
# Each of them runs an engine that polls the PLC and writes the same databases: only one may run.
if ($Kiosk -and $Headless) { Fail "-Kiosk and -Headless both run an engine (the installed kiosk too: add -NoKiosk)" }

# --- helpers -------------------------------------------------------------------------------

function Invoke-Checked([string]$What, [string]$Exe, [string[]]$Arguments) {
    & $Exe @Arguments
    if ($LASTEXITCODE -ne 0) { Fail "$What failed (exit $LASTEXITCODE)" }
}

function Invoke-VenvPip([string[]]$Arguments) {
    $offline = @()
    if ($Wheelhouse) { $offline = @("--no-index", "--find-links", $Wheelhouse) }
    Invoke-Checked "pip $($Arguments[0])" $VenvPython (@("-m", "pip", "--disable-pip-version-check") + $Arguments + $offline)
}

function Find-Python {
    if ($Python) { $candidates = @(, @($Python)) }
    else { $candidates = @(@("py", "-3.13"), @("py", "-3.12"), @("py", "-3.11"), @("python")) }
    foreach ($candidate in $candidates) {
        $exe = $candidate[0]
        if (-not (Get-Command $exe -ErrorAction SilentlyContinue)) { continue }
        $extra = @($candidate | Select-Object -Skip 1)
        $probe = "import sys, venv, ensurepip; assert sys.version_info >= (3, 11); print(sys.executable)"
        $found = & $exe @extra -c $probe 2>$null
        if ($LASTEXITCODE -eq 0 -and $found) { return ($found | Select-Object -Last 1).Trim() }
    }
    Fail "no Python >= 3.11 found (install it from python.org, or give -Python PATH)"
}

function New-Shortcut([string]$Path, [string]$Arguments, [string]$Description) {
    $shell = New-Object -ComObject WScript.Shell
    $link = $shell.CreateShortcut($Path)
    $link.TargetPath = $VenvPythonw
    $link.Arguments = $Arguments
    $link.WorkingDirectory = $DataDir
    $link.Description = $Description
    if (Test-Path $IconPath) { $link.IconLocation = "$IconPath,0" }
    $link.Save()
    Add-Content -Path "$Manifest.tmp" -Value $Path
}

# A packaged default of the installed program (core\defaults\KIND inside its site-packages).
function Get-PackagedDefault([string[]]$Parts) {
    $code = "import sys; from core.paths import packaged; print(packaged(*sys.argv[1:]))"
    $found = & $VenvPython -c $code @Parts
    if ($LASTEXITCODE -ne 0 -or -not $found) { Fail "the installed program has no packaged defaults" }
    return ($found | Select-Object -Last 1).Trim()
}

# Config file from the installed wheel; an existing one is never overwritten, a different new
# default lands beside it as NAME.new.
function Install-Default([string]$Name) {
    $source = Join-Path (Get-PackagedDefault @("config")) $Name
    $target = Join-Path $ConfigDir $Name
    Copy-Item $source (Join-Path $Prefix "share\defaults\$Name") -Force
    if (-not (Test-Path $target)) {
        Copy-Item $source $target
        Say "installed $target"
    } elseif ((Get-FileHash $source).Hash -eq (Get-FileHash $target).Hash) {
        Remove-Item "$target.new" -ErrorAction SilentlyContinue
    } else {
        Copy-Item $source "$target.new" -Force
        Say "kept your $target; the new default is $target.new (compare and merge by hand)"
    }
}

function Install-Models {
    $source = Get-PackagedDefault @("models")
    $models = Join-Path $DataDir "models"
    $shipped = Join-Path $models "shipped"
    $pair = @("default.joblib", "default.json")
    foreach ($file in $pair) {
        if (-not (Test-Path (Join-Path $source $file))) {
            Warn "no shipped ML model in ${source}: ML speed control stays off until a model is trained"
            return
        }
    }
    # A model the user retrained (differs from the last shipped copy) is kept.
    $replace = $true
    foreach ($file in $pair) {
        $current = Join-Path $models $file
        $previous = Join-Path $shipped $file
        if ((Test-Path $current) -and -not ((Test-Path $previous) -and
                (Get-FileHash $current).Hash -eq (Get-FileHash $previous).Hash)) { $replace = $false }
    }
    New-Item -ItemType Directory -Force -Path $shipped | Out-Null
    foreach ($file in @("default.joblib", "default.json", "default-eval.md")) {
        $path = Join-Path $source $file
        if (Test-Path $path) { Copy-Item $path $shipped -Force }
    }
    if ($replace) { foreach ($file in $pair) { Copy-Item (Join-Path $source $file) $models -Force } }
    else { Say "kept your trained model in $models; the shipped one is in $shipped" }
}

function Write-EnvFile {
    $lines = @(
        "# bandsaw-hmi environment, written by install.ps1 on every install: edit config.yaml instead.",
        "# Read by bandsaw-launcher.pyw (a variable already set in the environment wins).",
        "BANDSAW_CONFIG=`"$(Join-Path $ConfigDir 'config.yaml')`"",
        "BANDSAW_MODBUS__REGISTER_MAP=`"$(Join-Path $ConfigDir 'registers.yaml')`"",
        "BANDSAW_PATHS__DATA_DIR=`"$DataDir`"",
        "BANDSAW_PATHS__LOGS_DIR=`"$LogsDir`"",
        "BANDSAW_ML__MODEL_PATH=`"$(Join-Path $DataDir 'models\default')`""
    )
    Set-Content -Path $EnvFile -Value $lines -Encoding ASCII
}

function Write-CmdLaunchers {
    # Console use: bandsaw.cmd ARGS (and bandsaw-hmi.cmd) run the launcher with python.exe.
    $bin = Join-Path $Prefix "bin"
    Set-Content -Path (Join-Path $bin "bandsaw.cmd") -Encoding ASCII -Value @(
        "@echo off",
        "`"$VenvPython`" `"$Launcher`" `"$EnvFile`" -- %*"
    )
    Set-Content -Path (Join-Path $bin "bandsaw-hmi.cmd") -Encoding ASCII -Value @(
        "@echo off",
        "start `"`" `"$VenvPythonw`" `"$Launcher`" `"$EnvFile`" -- hmi %*"
    )
}

function Install-EngineTask {
    $arguments = "`"$Launcher`" `"$EnvFile`" --restart on-failure -- engine"
    $action = New-ScheduledTaskAction -Execute $VenvPythonw -Argument $arguments -WorkingDirectory $DataDir
    $settings = New-ScheduledTaskSettingsSet -ExecutionTimeLimit ([TimeSpan]::Zero) -RestartCount 999 `
        -RestartInterval (New-TimeSpan -Minutes 1) -StartWhenAvailable -AllowStartIfOnBatteries
    if ($User) {
        $trigger = New-ScheduledTaskTrigger -AtLogOn -User $env:USERNAME
        $principal = New-ScheduledTaskPrincipal -UserId $env:USERNAME -LogonType Interactive
    } else {
        $trigger = New-ScheduledTaskTrigger -AtStartup
        $principal = New-ScheduledTaskPrincipal -UserId "SYSTEM" -LogonType ServiceAccount -RunLevel Limited
    }
    Register-ScheduledTask -TaskName $TaskName -Action $action -Trigger $trigger -Settings $settings `
        -Principal $principal -Description "bandsaw-hmi headless engine" -Force | Out-Null
    Start-ScheduledTask -TaskName $TaskName
    Say "the engine runs as the scheduled task $TaskName (restarted on failure)"
}

# First run with access control: an admin account instead of a default password.
# `bandsaw users init-admin NAME` (refused once an admin exists) reads the password itself.
function Invoke-FirstRunAdmin {
    $bandsaw = Join-Path $Prefix "bin\bandsaw.cmd"
    $help = & $bandsaw --help 2>$null | Out-String
    if ($help -notmatch "(?m)^\s+users(\s|$)") {
        Say "this version has no 'bandsaw users' command: no admin account to create"
        return
    }
    $list = & $bandsaw users list 2>$null | Out-String
    if ($LASTEXITCODE -eq 0 -and $list -match "(?m)^\S+\s+admin\s") { Say "an admin account exists: kept"; return }
    & $bandsaw users init-admin --help *> $null
    if ($LASTEXITCODE -eq 0) { $create = @("users", "init-admin") } else { $create = @("users", "add", "--role", "admin") }
    $later = "create it later with: $bandsaw $($create -join ' ') NAME"
    if ($NonInteractive -or -not [Environment]::UserInteractive) {
        Say "no admin account yet and no one to ask for a password: $later"
        return
    }
    $name = $Admin
    if (-not $name) { $name = Read-Host "install.ps1: name of the first admin account [admin]" }
    if (-not $name) { $name = "admin" }
    & $bandsaw @create $name
    if ($LASTEXITCODE -ne 0) { Warn "the admin account was not created: $later" }
}

# --- uninstall -----------------------------------------------------------------------------

if ($Uninstall) {
    if (-not (Test-Path $Info)) {
        # The program is gone already (an earlier -Uninstall): -Purge still clears the default places.
        if ($Purge) {
            foreach ($dir in @($ConfigDir, $DataDir, $LogsDir)) {
                if (Test-Path $dir) { Remove-Item -LiteralPath $dir -Recurse -Force }
            }
            Say "no program in $Prefix; purged $ConfigDir, $DataDir and $LogsDir"
            exit 0
        }
        Fail "no installation in $Prefix (install-info missing); give the same -Prefix/-User as at install"
    }
    $recorded = @{}
    foreach ($line in Get-Content $Info) {
        if ($line -match "^([A-Z_]+)=(.*)$") { $recorded[$Matches[1]] = $Matches[2] }
    }
    if (Get-ScheduledTask -TaskName $TaskName -ErrorAction SilentlyContinue) {
        Stop-ScheduledTask -TaskName $TaskName -ErrorAction SilentlyContinue
        Unregister-ScheduledTask -TaskName $TaskName -Confirm:$false
    }
    if (Test-Path $Manifest) {
        foreach ($path in Get-Content $Manifest) {
            if ($path) { Remove-Item -LiteralPath $path -Force -ErrorAction SilentlyContinue }
        }
    }
    Remove-Item -LiteralPath $Prefix -Recurse -Force
    Say "removed the program from $Prefix"
    if ($Purge) {
        foreach ($dir in @($recorded["CONFIG_DIR"], $recorded["DATA_DIR"], $recorded["LOGS_DIR"])) {
            if ($dir -and (Test-Path $dir)) { Remove-Item -LiteralPath $dir -Recurse -Force }
        }
        Say "purged config, data and logs"
    } else {
        Say "kept config ($($recorded['CONFIG_DIR'])), data ($($recorded['DATA_DIR'])) and logs ($($recorded['LOGS_DIR'])); -Purge removes them"
    }
    exit 0
}

# --- install -------------------------------------------------------------------------------

$started = Get-Date
foreach ($required in @("pyproject.toml", "setup.py", "README.md", "core", "hmi", "config\config.yaml", "config\registers.yaml",
                        "installer\requirements.lock", "installer\launcher.py", "installer\make_icon.py",
                        "resources\icons\bandsaw.svg")) {
    if (-not (Test-Path (Join-Path $SourceDir $required))) { Fail "$SourceDir\$required is missing" }
}
$BasePython = Find-Python
Say "installing $App from $(if ($Wheelhouse) { $Wheelhouse } else { $SourceDir }) into $Prefix with $BasePython"
if (Test-Path $Info) { Say "an existing installation was found: upgrading (config, data, users and models are kept)" }

foreach ($dir in @("$Prefix\bin", "$Prefix\share\defaults", $ConfigDir, "$DataDir\models", $LogsDir)) {
    New-Item -ItemType Directory -Force -Path $dir | Out-Null
}
if (-not $User) {
    # The engine task (SYSTEM) and the operator's HMI share data and logs: let local users
    # (S-1-5-32-545, any language) modify them; ProgramData's default only lets them add files.
    foreach ($dir in @($DataDir, $LogsDir)) {
        Invoke-Checked "icacls $dir" "icacls.exe" @($dir, "/grant", "*S-1-5-32-545:(OI)(CI)M", "/Q")
    }
}
if (-not (Test-Path $VenvPython)) { Invoke-Checked "creating the venv" $BasePython @("-m", "venv", $Venv) }

# The wheel: the newest bandsaw_hmi-*.whl of -Wheelhouse, else one built once from a clean copy
# of this tree (an in-tree build would leave build\ and egg-info in the checkout).
$build = Join-Path ([IO.Path]::GetTempPath()) ("bandsaw-build-" + [Guid]::NewGuid())
New-Item -ItemType Directory -Path $build | Out-Null
try {
    $wheel = $null
    if ($Wheelhouse) {
        $wheel = (Get-ChildItem (Join-Path $Wheelhouse "bandsaw_hmi-*.whl") -ErrorAction SilentlyContinue |
            Sort-Object Name | Select-Object -Last 1)
        if ($wheel) { $wheel = $wheel.FullName }
    }
    if (-not $wheel) {
        foreach ($item in @("pyproject.toml", "setup.py", "README.md", "core", "hmi", "config", "resources")) {
            Copy-Item (Join-Path $SourceDir $item) $build -Recurse -Exclude "__pycache__"
        }
        New-Item -ItemType Directory -Force -Path "$build\data" | Out-Null
        Copy-Item (Join-Path $SourceDir "data\models") "$build\data\models" -Recurse
        Invoke-VenvPip @("wheel", "--quiet", "--no-deps", "--wheel-dir", "$build\dist", $build)
        $wheel = (Get-ChildItem "$build\dist\bandsaw_hmi-*.whl" | Select-Object -First 1).FullName
    }
    Say "installing $(Split-Path -Leaf $wheel) with the pinned dependencies (installer\requirements.lock)"
    Invoke-VenvPip @("install", "--quiet", "--constraint", $Lock, $wheel)
    # Same version number on an upgrade from a newer checkout: replace the code anyway.
    Invoke-VenvPip @("install", "--quiet", "--no-deps", "--force-reinstall", $wheel)
} finally {
    Remove-Item -LiteralPath $build -Recurse -Force -ErrorAction SilentlyContinue
}
# An earlier installer copied resources\ into site-packages: the wheel carries them now.
$site = (& $VenvPython -c "import sysconfig; print(sysconfig.get_paths()['purelib'])").Trim()
Remove-Item -LiteralPath (Join-Path $site "resources") -Recurse -Force -ErrorAction SilentlyContinue
Copy-Item (Join-Path $SourceDir "installer\launcher.py") $Launcher -Force
& $VenvPython (Join-Path $SourceDir "installer\make_icon.py") (Get-PackagedDefault @("resources", "icons", "bandsaw.svg")) $IconPath
if ($LASTEXITCODE -ne 0) { Warn "no icon for the shortcuts (make_icon.py failed)" }

Install-Default "config.yaml"
Install-Default "registers.yaml"
Install-Default "alarm_messages.yaml"
Write-EnvFile
Install-Models
Write-CmdLaunchers

Set-Content -Path "$Manifest.tmp" -Value @() -Encoding UTF8
$runArgs = "`"$Launcher`" `"$EnvFile`" -- hmi"
if (-not $NoDesktop) {
    New-Shortcut (Join-Path $StartMenuDir "$ShortcutName.lnk") $runArgs "Monitor and operate the band saw"
    New-Shortcut (Join-Path $DesktopDir "$ShortcutName.lnk") $runArgs "Monitor and operate the band saw"
}
if ($Kiosk) {
    $kioskArgs = "`"$Launcher`" `"$EnvFile`" --restart always -- hmi --kiosk"
    New-Shortcut (Join-Path $StartupDir "$ShortcutName kiosk.lnk") $kioskArgs "Full-screen band saw HMI, restarted if it exits"
    Say "kiosk: the full-screen HMI starts at login ($StartupDir)"
}
# Files the previous installation placed that this one did not (kiosk turned off, no desktop).
if (Test-Path $Manifest) {
    $keep = @(Get-Content "$Manifest.tmp")
    foreach ($path in Get-Content $Manifest) {
        if ($path -and ($keep -notcontains $path)) {
            Remove-Item -LiteralPath $path -Force -ErrorAction SilentlyContinue
            Say "removed $path (no longer wanted)"
        }
    }
}
Move-Item "$Manifest.tmp" $Manifest -Force
if ($Headless) { Install-EngineTask }
elseif (Get-ScheduledTask -TaskName $TaskName -ErrorAction SilentlyContinue) {
    Stop-ScheduledTask -TaskName $TaskName -ErrorAction SilentlyContinue
    Start-ScheduledTask -TaskName $TaskName
    Say "restarted the engine task on the new version"
}

$commit = "unknown"
if (Get-Command git -ErrorAction SilentlyContinue) {
    $found = & git -C $SourceDir rev-parse --short HEAD 2>$null
    if ($LASTEXITCODE -eq 0 -and $found) { $commit = $found }
}
Set-Content -Path $Info -Encoding UTF8 -Value @(
    "# Written by install.ps1; read by install.ps1 -Uninstall.",
    "MODE=$(if ($User) { 'user' } else { 'machine' })",
    "KIOSK=$(if ($Kiosk) { 1 } else { 0 })",
    "CONFIG_DIR=$ConfigDir",
    "DATA_DIR=$DataDir",
    "LOGS_DIR=$LogsDir",
    "SOURCE_COMMIT=$commit",
    "INSTALLED_AT=$((Get-Date).ToUniversalTime().ToString('yyyy-MM-ddTHH:mm:ssZ'))"
)

$check = & (Join-Path $Prefix "bin\bandsaw.cmd") config check 2>&1 | Out-String
if ($LASTEXITCODE -ne 0) {
    Warn "the configuration does not load with this version: $($check.Trim().Split("`n")[-1])"
    Warn "fix $ConfigDir\config.yaml (compare with config.yaml.new), then: bandsaw.cmd config check"
}
Invoke-FirstRunAdmin

$seconds = [int]((Get-Date) - $started).TotalSeconds
Say "done in $seconds s"
Say "  program  $Prefix   (run: $Prefix\bin\bandsaw.cmd --help)"
Say "  config   $ConfigDir"
Say "  data     $DataDir"
Say "  logs     $LogsDir"
