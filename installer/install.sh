#!/usr/bin/env bash
# Install, upgrade or uninstall bandsaw-hmi on Linux: a venv with the bandsaw-hmi wheel (built
# once from this tree, or taken from --wheelhouse DIR with no network) and its pinned dependencies.
#
#   sudo installer/install.sh [--operator USER --kiosk | --headless]   # saw PC (system-wide)
#   installer/install.sh --user                                         # engineer's desktop
#   sudo installer/install.sh --uninstall [--purge]
#
# System install: program in /opt/bandsaw-hmi (venv + launchers), config in /etc/bandsaw-hmi,
# data in /var/lib/bandsaw-hmi, logs in /var/log/bandsaw-hmi, owned by the account that runs
# the program (the operator with --operator, else the system user "bandsaw"). --user install: ~/.local/opt/bandsaw-hmi, XDG config/data/state directories,
# a systemd --user unit. Running it again upgrades: config, data, users and models are kept.
# shellcheck source-path=SCRIPTDIR
set -euo pipefail

SCRIPT_DIR=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
SOURCE_DIR=$(dirname "$SCRIPT_DIR")
# shellcheck source=lib/render.sh
. "$SCRIPT_DIR/lib/render.sh"
# shellcheck source=lib/steps.sh
. "$SCRIPT_DIR/lib/steps.sh"

APP="bandsaw-hmi"
SERVICE_NAME="bandsaw-engine.service"
SERVICE_USER=bandsaw   # the operator instead with --operator (see ensure_service_user)
SERVICE_GROUP=bandsaw
MIN_PYTHON=3.11

usage() {
  cat <<EOF
Usage: install.sh [options]

  --prefix DIR       program directory (default /opt/$APP, with --user ~/.local/opt/$APP)
  --user             install for the current user only (XDG paths, systemd --user unit)
  --python PATH      Python $MIN_PYTHON+ interpreter for the venv (default: newest python3.x found)
  --wheelhouse DIR   offline: install from the wheels in DIR only, never the network (pip
                     --no-index --find-links); a bandsaw_hmi-*.whl in DIR is installed as is.
                     Make one: pip wheel -c installer/requirements.lock -w DIR .
  --kiosk            start the full-screen HMI at login (restarted whenever it exits);
                     a system install needs --operator. An upgrade keeps the installed choice
  --no-kiosk         remove the kiosk autostart
  --operator USER    the operator account that gets the kiosk autostart (system install)
  --headless         enable and start the engine service (PCs without a screen)
  --no-desktop       no desktop shortcut
  --admin NAME       create this admin account at first install (asks for the password)
  --non-interactive  never prompt (the admin account is left for later, with a message)
  --uninstall        remove the program; config, data and logs stay
  --purge            with --uninstall: also remove config, data, logs and the service user
  -h, --help         this help
EOF
}

die() { echo "install.sh: error: $*" >&2; exit 1; }
say() { echo "install.sh: $*"; }
warn() { echo "install.sh: warning: $*" >&2; }

# KIOSK stays empty unless --kiosk/--no-kiosk: an upgrade then keeps the installed choice.
PREFIX="" MODE=system PYTHON="" WHEELHOUSE="" KIOSK="" OPERATOR="" HEADLESS=0 DESKTOP=1
ADMIN="" INTERACTIVE=1 ACTION=install PURGE=0

while [ $# -gt 0 ]; do
  case $1 in
    --prefix) [ $# -ge 2 ] || die "--prefix needs a directory"; PREFIX=$2; shift ;;
    --prefix=*) PREFIX=${1#*=} ;;
    --user) MODE=user ;;
    --python) [ $# -ge 2 ] || die "--python needs a path"; PYTHON=$2; shift ;;
    --python=*) PYTHON=${1#*=} ;;
    --wheelhouse) [ $# -ge 2 ] || die "--wheelhouse needs a directory"; WHEELHOUSE=$2; shift ;;
    --wheelhouse=*) WHEELHOUSE=${1#*=} ;;
    --kiosk) KIOSK=1 ;;
    --no-kiosk) KIOSK=0 ;;
    --operator) [ $# -ge 2 ] || die "--operator needs a user name"; OPERATOR=$2; shift ;;
    --operator=*) OPERATOR=${1#*=} ;;
    --headless) HEADLESS=1 ;;
    --no-desktop) DESKTOP=0 ;;
    --admin) [ $# -ge 2 ] || die "--admin needs a name"; ADMIN=$2; shift ;;
    --admin=*) ADMIN=${1#*=} ;;
    --non-interactive) INTERACTIVE=0 ;;
    --uninstall) ACTION=uninstall ;;
    --purge) PURGE=1 ;;
    -h|--help) usage; exit 0 ;;
    *) usage >&2; die "unknown option: $1" ;;
  esac
  shift
done

[ "$PURGE" = 1 ] && [ "$ACTION" != uninstall ] && die "--purge only goes with --uninstall"
[ -n "$OPERATOR" ] && [ "$MODE" = user ] && die "--operator is for system installs; --user --kiosk autostarts for you"
[ -n "$OPERATOR" ] && [ "$KIOSK" = 0 ] && die "--operator and --no-kiosk contradict each other"
[ -n "$OPERATOR" ] && KIOSK=1

# --- paths ---------------------------------------------------------------------------------

if [ "$MODE" = user ]; then
  [ -n "${HOME:-}" ] || die "HOME is not set"
  xdg_config=${XDG_CONFIG_HOME:-$HOME/.config}
  xdg_data=${XDG_DATA_HOME:-$HOME/.local/share}
  xdg_state=${XDG_STATE_HOME:-$HOME/.local/state}
  PREFIX=${PREFIX:-$HOME/.local/opt/$APP}
  CONFIG_DIR=$xdg_config/$APP
  DATA_DIR=$xdg_data/$APP
  LOGS_DIR=$xdg_state/$APP/log   # platformdirs' user_log_dir: the program's own default
  OLD_LOGS_DIR=$xdg_state/$APP/logs   # where installers before the wheel put them (--purge clears it)
  BIN_LINK_DIR=$HOME/.local/bin
  APPLICATIONS_DIR=$xdg_data/applications
  AUTOSTART_DIR=$xdg_config/autostart
  UNIT_DIR=$xdg_config/systemd/user
  SYSTEMCTL=(systemctl --user)
else
  PREFIX=${PREFIX:-/opt/$APP}
  CONFIG_DIR=/etc/$APP
  DATA_DIR=/var/lib/$APP
  LOGS_DIR=/var/log/$APP
  OLD_LOGS_DIR=""
  BIN_LINK_DIR=/usr/local/bin
  APPLICATIONS_DIR=/usr/local/share/applications
  AUTOSTART_DIR=""   # the operator's, resolved below
  UNIT_DIR=/etc/systemd/system
  SYSTEMCTL=(systemctl)
fi
PREFIX=$(absolute_path "$PREFIX")
for path in "$PREFIX" "$CONFIG_DIR" "$DATA_DIR" "$LOGS_DIR"; do
  check_plain_path "$path"
done
ICON_PATH=$PREFIX/share/$APP.svg
MANIFEST=$PREFIX/install-manifest      # files placed outside the prefix, one per line
INFO=$PREFIX/install-info              # how it was installed (for upgrade and uninstall)

# An upgrade keeps the kiosk choice (and operator) of the installation unless told otherwise.
if [ -z "$KIOSK" ]; then
  KIOSK=0
  if [ -f "$INFO" ] && [ "$ACTION" = install ]; then
    KIOSK=$(sed -n 's/^KIOSK=//p' "$INFO")
    KIOSK=${KIOSK:-0}
    [ "$KIOSK" = 1 ] && [ -z "$OPERATOR" ] && OPERATOR=$(sed -n 's/^OPERATOR=//p' "$INFO")
  fi
fi
[ "$KIOSK" = 1 ] && [ "$MODE" = system ] && [ -z "$OPERATOR" ] && die "--kiosk in a system install needs --operator USER"
# Each of them runs an engine that polls the PLC and writes the same databases: only one may run.
[ "$KIOSK" = 1 ] && [ "$HEADLESS" = 1 ] && die "--kiosk and --headless both run an engine (the installed kiosk too: add --no-kiosk)"

if [ "$MODE" = system ] && [ "$(id -u)" -ne 0 ]; then
  die "a system install needs root (sudo), or use --user"
fi

if [ "$ACTION" = uninstall ]; then
  uninstall
  exit 0
fi

started=$(date +%s)
check_source_tree
[ "$MODE" = system ] && ensure_service_user
PYTHON=$(find_python)
say "installing $APP from ${WHEELHOUSE:-$SOURCE_DIR} into $PREFIX ($MODE install) with $PYTHON"
[ -f "$INFO" ] && say "an existing installation was found: upgrading (config, data, users and models are kept)"

make_directories
install_program
install_config_files
install_models
install_launchers
: > "$MANIFEST.tmp"
install_shortcuts
install_engine_unit
install_bin_links
remove_stale_files
mv "$MANIFEST.tmp" "$MANIFEST"
write_install_info
check_installed_config
first_run_admin
[ "$MODE" = system ] && chown -R "$SERVICE_USER:$SERVICE_GROUP" "$DATA_DIR" "$LOGS_DIR"
restart_running_engine

say "done in $(( $(date +%s) - started )) s"
say "  program  $PREFIX   (run: $PREFIX/bin/bandsaw --help)"
say "  config   $CONFIG_DIR"
say "  data     $DATA_DIR"
say "  logs     $LOGS_DIR"
