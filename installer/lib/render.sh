# shellcheck shell=bash
# Text of the files install.sh generates: launchers, environment file, desktop entries, systemd
# units. Sourced by install.sh; every function prints to stdout and reads the globals install.sh
# sets (PREFIX, CONFIG_DIR, DATA_DIR, LOGS_DIR, MODE, SERVICE_USER, SERVICE_GROUP, ICON_PATH).

# What the engine's process asks for when the HMI runs it (core/engine_host.py ENGINE_RT_PRIORITY,
# ENGINE_NICE): SCHED_RR for its poll loop, a lower niceness for the process.
ENGINE_RT_PRIORITY=10
ENGINE_NICE=-5

# A value for a desktop entry's Exec key: quoted only when it must be (spaces).
desktop_exec_arg() {
  case $1 in
    *[[:space:]]*) printf '"%s"' "$1" ;;
    *) printf '%s' "$1" ;;
  esac
}

render_env_file() {
  cat <<EOF
# bandsaw-hmi environment, rewritten by install.sh on every install and upgrade. Read by the
# launchers in $PREFIX/bin (a variable already set in the caller's environment wins) and by
# the engine's systemd unit. These variables WIN over paths.data_dir, paths.logs_dir,
# modbus.register_map and ml.model_path in config.yaml: editing those keys there has no
# effect. 'bandsaw config check' shows what is in effect.
BANDSAW_CONFIG="$CONFIG_DIR/config.yaml"
BANDSAW_MODBUS__REGISTER_MAP="$CONFIG_DIR/registers.yaml"
BANDSAW_PATHS__DATA_DIR="$DATA_DIR"
BANDSAW_PATHS__LOGS_DIR="$LOGS_DIR"
BANDSAW_ML__MODEL_PATH="$DATA_DIR/models/default"
EOF
}

# render_launcher ENTRY_POINT: a POSIX sh wrapper that loads bandsaw.env, then runs the venv's
# entry point (bandsaw or bandsaw-hmi) with the caller's arguments.
render_launcher() {
  local entry=$1
  cat <<EOF
#!/bin/sh
# $entry launcher for bandsaw-hmi, written by install.sh: environment, then the program.
env_file='$CONFIG_DIR/bandsaw.env'
if [ -r "\$env_file" ]; then
  while IFS= read -r line || [ -n "\$line" ]; do
    key=\${line%%=*}
    case \$key in ''|'#'*|*[!A-Za-z0-9_]*) continue ;; esac
    value=\${line#*=}
    value=\${value#\\"}
    value=\${value%\\"}
    printenv "\$key" >/dev/null 2>&1 || export "\$key=\$value"
  done < "\$env_file"
fi
exec '$PREFIX/venv/bin/$entry' "\$@"
EOF
}

# The kiosk launcher: full-screen HMI, started again whenever it exits. Quick exits back off
# (1 s doubling to 60 s) so a broken display or config does not spin; a run longer than a
# minute resets the delay. SIGTERM/SIGINT/SIGHUP stop the HMI and the loop.
render_kiosk_launcher() {
  cat <<EOF
#!/bin/sh
# Kiosk launcher for bandsaw-hmi, written by install.sh: the operator's full-screen HMI,
# restarted whenever it exits. Extra arguments go to \`bandsaw hmi --kiosk\`.
child=
stop() {
  [ -n "\$child" ] && kill -TERM "\$child" 2>/dev/null && wait "\$child" 2>/dev/null
  exit 0
}
trap stop TERM INT HUP
delay=1
while :; do
  started=\$(date +%s)
  '$PREFIX/bin/bandsaw' hmi --kiosk "\$@" &
  child=\$!
  wait "\$child"
  status=\$?
  child=
  ran=\$(( \$(date +%s) - started ))
  [ "\$ran" -ge 60 ] && delay=1
  echo "bandsaw-kiosk: the HMI exited with status \$status after \${ran}s; restarting in \${delay}s" >&2
  sleep "\$delay" &
  child=\$!
  wait "\$child"
  child=
  delay=\$(( delay * 2 ))
  [ "\$delay" -gt 60 ] && delay=60
done
EOF
}

render_desktop_entry() {
  cat <<EOF
[Desktop Entry]
Type=Application
Version=1.0
Name=Bandsaw HMI
GenericName=Band saw control panel
Comment=Monitor and operate the band saw (engineer's desktop mode)
Exec=$(desktop_exec_arg "$PREFIX/bin/bandsaw-hmi")
Icon=$ICON_PATH
Terminal=false
Categories=Utility;
Keywords=bandsaw;saw;HMI;Modbus;
StartupNotify=true
EOF
}

render_kiosk_autostart() {
  cat <<EOF
[Desktop Entry]
Type=Application
Version=1.0
Name=Bandsaw HMI kiosk
Comment=Full-screen band saw HMI for the operator, restarted if it exits
Exec=$(desktop_exec_arg "$PREFIX/bin/bandsaw-kiosk")
Icon=$ICON_PATH
Terminal=false
NoDisplay=true
X-GNOME-Autostart-enabled=true
EOF
}

# The kiosk operator's limits (OPERATOR): their HMI runs the engine in a process of its own, whose
# poll loop asks for SCHED_RR and which lowers its niceness; an account gets neither by default
# (RLIMIT_RTPRIO 0, RLIMIT_NICE 0). A desktop login takes its limits from PAM (pam_limits reads
# limits.d): these two, for this one account, no capability and nothing for anyone else.
render_kiosk_limits() {
  cat <<EOF
# Written by install.sh for bandsaw-hmi (removed by --uninstall). The kiosk operator's engine process
# may run its poll loop at SCHED_RR $ENGINE_RT_PRIORITY and itself at nice $ENGINE_NICE: only this account, only
# these two limits. In effect from the operator's next login.
$OPERATOR  -  rtprio  $ENGINE_RT_PRIORITY
$OPERATOR  -  nice    $ENGINE_NICE
EOF
}

# The same two limits for what the operator's systemd user manager starts (desktops that launch
# autostart entries as user units): a drop-in for their user@UID.service.
render_kiosk_manager_limits() {
  cat <<EOF
# Written by install.sh for bandsaw-hmi (removed by --uninstall): the kiosk operator's engine process
# may run its poll loop at SCHED_RR $ENGINE_RT_PRIORITY and itself at nice $ENGINE_NICE.
[Service]
LimitRTPRIO=$ENGINE_RT_PRIORITY
LimitNICE=$ENGINE_NICE
EOF
}

# True when any installed path lies under /home or /root (ProtectHome would hide it).
paths_under_home() {
  local path
  for path in "$PREFIX" "$CONFIG_DIR" "$DATA_DIR" "$LOGS_DIR"; do
    case $path in /home/*|/root/*|/root|/run/user/*) return 0 ;; esac
  done
  return 1
}

render_engine_unit() {
  local protect_home="ProtectHome=yes"
  paths_under_home && protect_home="# ProtectHome off: the installation lives under a home directory"
  if [ "$MODE" = user ]; then
    cat <<EOF
[Unit]
Description=Bandsaw HMI data engine (headless acquisition, per-user)

[Service]
Type=simple
ExecStart=$PREFIX/bin/bandsaw engine
WorkingDirectory=$DATA_DIR
Restart=on-failure
RestartSec=5
# Exit status 2 is a configuration error: restarting cannot fix it.
RestartPreventExitStatus=2
TimeoutStopSec=30
NoNewPrivileges=yes

[Install]
WantedBy=default.target
EOF
    return
  fi
  cat <<EOF
[Unit]
Description=Bandsaw HMI data engine (headless acquisition)
Wants=network-online.target
After=network-online.target

[Service]
Type=simple
User=$SERVICE_USER
Group=$SERVICE_GROUP
ExecStart=$PREFIX/bin/bandsaw engine
WorkingDirectory=$DATA_DIR
Restart=on-failure
RestartSec=5
# Exit status 2 is a configuration error: restarting cannot fix it.
RestartPreventExitStatus=2
TimeoutStopSec=30
# The poll cycle gets a core before other work on a busy PC (systemd sets it before dropping to User=).
Nice=-5
NoNewPrivileges=yes
ProtectSystem=strict
ReadWritePaths=$DATA_DIR $LOGS_DIR
$protect_home
PrivateTmp=yes
PrivateDevices=yes
ProtectKernelTunables=yes
ProtectKernelModules=yes
ProtectControlGroups=yes
RestrictSUIDSGID=yes
RestrictRealtime=yes
LockPersonality=yes

[Install]
WantedBy=multi-user.target
EOF
}
