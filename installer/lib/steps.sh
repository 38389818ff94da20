# shellcheck shell=bash
# The steps of install.sh, in the order it runs them. Sourced by install.sh, which sets the
# globals (MODE, PREFIX, CONFIG_DIR, DATA_DIR, LOGS_DIR, ...) and the die/say/warn helpers.

absolute_path() {
  case $1 in
    /*) printf '%s\n' "$1" ;;
    *) printf '%s/%s\n' "$(pwd)" "$1" ;;
  esac
}

# Paths end up in sh launchers, systemd units and desktop entries: refuse characters that
# would need quoting in one of them rather than quote three different ways.
check_plain_path() {
  case $1 in
    *[[:space:]\"\'\$\`\\%]*) die "path not supported (spaces, quotes, \$, %, backslash): $1" ;;
  esac
}

check_source_tree() {
  grep -q '^name = "bandsaw-hmi"' "$SOURCE_DIR/pyproject.toml" 2>/dev/null \
    || die "$SOURCE_DIR is not the bandsaw-hmi source tree (pyproject.toml missing)"
  local required
  for required in core hmi setup.py config/config.yaml config/registers.yaml installer/requirements.lock \
      resources/icons/bandsaw.svg README.md; do
    [ -e "$SOURCE_DIR/$required" ] || die "$SOURCE_DIR/$required is missing"
  done
  if [ -n "$WHEELHOUSE" ]; then
    [ -d "$WHEELHOUSE" ] || die "--wheelhouse $WHEELHOUSE: no such directory"
  fi
}

# The interpreter for the venv: --python, else the newest python3.x on PATH that is >= 3.11
# and can create a venv with pip (Debian needs the python3-venv package for that).
find_python() {
  local candidates=() candidate real
  if [ -n "$PYTHON" ]; then
    candidates=("$PYTHON")
  else
    candidates=(python3.14 python3.13 python3.12 python3.11 python3)
    # A system install runs the venv as other users: try the distribution's Python first.
    [ "$MODE" = system ] && candidates=(/usr/bin/python3.14 /usr/bin/python3.13 /usr/bin/python3.12 \
      /usr/bin/python3.11 "${candidates[@]}")
  fi
  for candidate in "${candidates[@]}"; do
    command -v "$candidate" >/dev/null 2>&1 || continue
    "$candidate" -c 'import sys; sys.exit(sys.version_info < (3, 11))' 2>/dev/null || continue
    if ! "$candidate" -c 'import ensurepip, venv' 2>/dev/null; then
      warn "$candidate has no venv/ensurepip module (Debian: apt install python3-venv)"
      continue
    fi
    # The real interpreter, not a pyenv/asdf shim that may point elsewhere tomorrow.
    real=$("$candidate" -c 'import sys; print(sys.executable)')
    if [ "$MODE" = system ] && ! usable_by_service_user "$real"; then
      warn "$real is not usable by the user $SERVICE_USER (a Python under a home directory?): skipped"
      continue
    fi
    printf '%s\n' "$real"
    return 0
  done
  die "no Python >= $MIN_PYTHON with venv support found (tried: ${candidates[*]}); use --python PATH"
}

# The venv's interpreter must run as the account that runs the program.
usable_by_service_user() {
  runuser -u "$SERVICE_USER" -- "$1" -c 'import encodings' >/dev/null 2>&1
}

# The account that owns the data and runs the engine. SQLite creates its files 0644 (users.db
# 0600) whatever the umask, so only one account can write the databases: the operator on a
# kiosk PC (the HMI runs the engine in-process), else the system user "bandsaw".
ensure_service_user() {
  if [ -n "$OPERATOR" ]; then
    getent passwd "$OPERATOR" >/dev/null || die "--operator $OPERATOR: no such user"
    SERVICE_USER=$OPERATOR
    SERVICE_GROUP=$(id -gn "$OPERATOR")
    return 0
  fi
  SERVICE_GROUP=$SERVICE_USER
  if ! getent group "$SERVICE_USER" >/dev/null; then
    groupadd --system "$SERVICE_USER"
  fi
  if ! getent passwd "$SERVICE_USER" >/dev/null; then
    useradd --system --gid "$SERVICE_USER" --home-dir "$DATA_DIR" --no-create-home \
      --shell /usr/sbin/nologin --comment "bandsaw-hmi engine" "$SERVICE_USER"
    SERVICE_USER_CREATED=1
    say "created the system user $SERVICE_USER for the engine service"
  fi
}

make_directories() {
  mkdir -p "$PREFIX/bin" "$PREFIX/share/defaults" "$CONFIG_DIR" "$DATA_DIR/models" "$LOGS_DIR"
  if [ "$MODE" = system ]; then
    # Config may hold database passwords and tokens: readable by root and the service group.
    chown "root:$SERVICE_GROUP" "$CONFIG_DIR"
    chmod 0750 "$CONFIG_DIR"
    chown "$SERVICE_USER:$SERVICE_GROUP" "$DATA_DIR" "$LOGS_DIR"
    chmod 0750 "$DATA_DIR" "$LOGS_DIR"
  fi
}

# pip with the offline switches when --wheelhouse is given (never the network then).
venv_pip() {
  local offline=()
  [ -n "$WHEELHOUSE" ] && offline=(--no-index --find-links "$WHEELHOUSE")
  "$PREFIX/venv/bin/python" -m pip --disable-pip-version-check "$@" "${offline[@]}"
}

# The bandsaw-hmi wheel to install: the newest one in the wheelhouse, else one built once from
# this tree (a clean copy: an in-tree build would leave build/ and egg-info in the checkout).
# Prints the wheel's path; the build directory is $BUILD_DIR (removed by install_program).
find_or_build_wheel() {
  local wheel=""
  if [ -n "$WHEELHOUSE" ]; then
    wheel=$(find "$WHEELHOUSE" -maxdepth 1 -name 'bandsaw_hmi-*.whl' | sort -V | tail -n 1)
  fi
  if [ -z "$wheel" ]; then
    tar -C "$SOURCE_DIR" --exclude=__pycache__ --exclude='*.pyc' -cf - pyproject.toml setup.py README.md \
        core hmi config resources data/models | tar -C "$BUILD_DIR" -xf -
    mkdir "$BUILD_DIR/dist"
    venv_pip wheel --quiet --no-deps --wheel-dir "$BUILD_DIR/dist" "$BUILD_DIR" >&2 || return 1
    wheel=$(find "$BUILD_DIR/dist" -name 'bandsaw_hmi-*.whl' | head -n 1)
  fi
  [ -n "$wheel" ] || return 1
  printf '%s\n' "$wheel"
}

# A packaged default of the installed program (core/defaults/KIND inside its site-packages).
packaged_default() {
  "$PREFIX/venv/bin/python" -c 'import sys; from core.paths import packaged; print(packaged(*sys.argv[1:]))' "$@"
}

install_program() {
  local venv=$PREFIX/venv
  if [ -x "$venv/bin/python" ] && "$venv/bin/python" -c 'import sys; sys.exit(sys.version_info < (3, 11))' 2>/dev/null; then
    say "reusing the virtual environment $venv"
  else
    rm -rf "$venv"
    "$PYTHON" -m venv "$venv"
  fi
  BUILD_DIR=$(mktemp -d)
  local wheel
  wheel=$(find_or_build_wheel) || { rm -rf "$BUILD_DIR"; die "building the bandsaw-hmi wheel failed (see above)"; }
  say "installing $(basename "$wheel") with the pinned dependencies (installer/requirements.lock)"
  venv_pip install --quiet --constraint "$SOURCE_DIR/installer/requirements.lock" "$wheel" \
    || { rm -rf "$BUILD_DIR"; die "pip install failed (see above)"; }
  # Same version number on an upgrade from a newer checkout: replace the code anyway.
  venv_pip install --quiet --no-deps --force-reinstall "$wheel" || { rm -rf "$BUILD_DIR"; die "pip install failed"; }
  rm -rf "$BUILD_DIR"
  # An earlier installer copied resources/ into site-packages: the wheel carries them now.
  local site
  site=$("$venv/bin/python" -c 'import sysconfig; print(sysconfig.get_paths()["purelib"])')
  rm -rf "${site:?}/resources"
  # Everything else comes from the installed wheel's packaged defaults, not from this tree.
  DEFAULTS_CONFIG=$(packaged_default config) || die "the installed program has no packaged defaults"
  DEFAULTS_MODELS=$(packaged_default models)
  cp "$(packaged_default resources icons/bandsaw.svg)" "$ICON_PATH"
  chmod 0644 "$ICON_PATH"
}

# install_default NAME: config file NAME from the source tree into CONFIG_DIR. An existing
# file is never overwritten; a different new default lands beside it as NAME.new.
install_default() {
  local name=$1 source=$DEFAULTS_CONFIG/$1 target=$CONFIG_DIR/$1
  cp "$source" "$PREFIX/share/defaults/$name"
  if [ ! -e "$target" ]; then
    install -m 0640 "$source" "$target"
    say "installed $target"
  elif cmp -s "$source" "$target"; then
    rm -f "$target.new"
  else
    install -m 0640 "$source" "$target.new"
    say "kept your $target; the new default is $target.new (compare and merge by hand)"
  fi
  if [ "$MODE" = system ]; then
    chown "root:$SERVICE_GROUP" "$target"
    [ -e "$target.new" ] && chown "root:$SERVICE_GROUP" "$target.new"
  fi
  return 0
}

install_config_files() {
  install_default config.yaml
  install_default registers.yaml
  install_default alarm_messages.yaml   # the operator's alarm texts: the plant's to edit
  render_env_file > "$CONFIG_DIR/bandsaw.env"
  chmod 0644 "$CONFIG_DIR/bandsaw.env"
}

# The shipped ML model goes to DATA_DIR/models/default.*; a reference copy of what was shipped
# stays in models/shipped/. A model the user retrained (it differs from the last shipped copy)
# is kept; an untouched one is replaced by the new version's.
install_models() {
  local models=$DATA_DIR/models shipped=$DATA_DIR/models/shipped source=$DEFAULTS_MODELS file
  if [ ! -f "$source/default.skops" ] || [ ! -f "$source/default.json" ]; then
    warn "no shipped ML model in $source: ML speed control stays off until a model is trained"
    return 0
  fi
  local replace=1
  for file in default.skops default.json; do
    if [ -e "$models/$file" ] && ! cmp -s "$models/$file" "$shipped/$file"; then
      replace=0
    fi
  done
  mkdir -p "$shipped"
  for file in default.skops default.json default-eval.md; do
    [ -f "$source/$file" ] && cp "$source/$file" "$shipped/$file"
  done
  if [ "$replace" = 1 ]; then
    cp "$source/default.skops" "$source/default.json" "$models/"
  else
    say "kept your trained model in $models; the shipped one is in $shipped"
  fi
}

install_launchers() {
  render_launcher bandsaw > "$PREFIX/bin/bandsaw"
  render_launcher bandsaw-hmi > "$PREFIX/bin/bandsaw-hmi"
  render_kiosk_launcher > "$PREFIX/bin/bandsaw-kiosk"
  chmod 0755 "$PREFIX/bin/bandsaw" "$PREFIX/bin/bandsaw-hmi" "$PREFIX/bin/bandsaw-kiosk"
}

# place FILE MODE: move the generated FILE.tmp into place and record it in the manifest.
place() {
  mv "$1.tmp" "$1"
  chmod "$2" "$1"
  printf '%s\n' "$1" >> "$MANIFEST.tmp"
}

validate_desktop_file() {
  if command -v desktop-file-validate >/dev/null 2>&1; then
    desktop-file-validate "$1" || warn "desktop-file-validate complains about $1"
  fi
}

install_shortcuts() {
  if [ "$DESKTOP" = 1 ]; then
    mkdir -p "$APPLICATIONS_DIR"
    render_desktop_entry > "$APPLICATIONS_DIR/$APP.desktop.tmp"
    place "$APPLICATIONS_DIR/$APP.desktop" 0644
    validate_desktop_file "$APPLICATIONS_DIR/$APP.desktop"
    if [ "$MODE" = user ]; then
      local desktop_dir
      desktop_dir=$( (command -v xdg-user-dir >/dev/null 2>&1 && xdg-user-dir DESKTOP) || echo "$HOME/Desktop")
      if [ -d "$desktop_dir" ] && [ "$desktop_dir" != "$HOME" ]; then
        render_desktop_entry > "$desktop_dir/$APP.desktop.tmp"
        place "$desktop_dir/$APP.desktop" 0755
        # GNOME starts a desktop-folder launcher only once it is trusted (needs a session bus).
        if command -v gio >/dev/null 2>&1; then
          gio set "$desktop_dir/$APP.desktop" metadata::trusted true 2>/dev/null || true
        fi
      fi
    fi
    if command -v update-desktop-database >/dev/null 2>&1; then
      update-desktop-database -q "$APPLICATIONS_DIR" 2>/dev/null || true
    fi
  fi
  if [ "$KIOSK" = 1 ]; then
    local autostart=$AUTOSTART_DIR owner=""
    if [ "$MODE" = system ]; then
      local home
      home=$(getent passwd "$OPERATOR" | cut -d: -f6)
      if [ -z "$home" ] || [ ! -d "$home" ]; then
        die "--operator $OPERATOR has no home directory"
      fi
      autostart=$home/.config/autostart
      owner=$OPERATOR
    fi
    mkdir -p "$autostart"
    render_kiosk_autostart > "$autostart/$APP-kiosk.desktop.tmp"
    place "$autostart/$APP-kiosk.desktop" 0644
    [ -n "$owner" ] && chown "$owner:" "$autostart/$APP-kiosk.desktop" "$autostart"
    validate_desktop_file "$autostart/$APP-kiosk.desktop"
    say "kiosk: the full-screen HMI starts at ${owner:-your} login ($autostart/$APP-kiosk.desktop)"
    if [ "$MODE" = system ]; then
      install_kiosk_limits
    else
      say "kiosk: the engine's poll loop runs at normal priority (a --user install cannot grant" \
        "real-time priority; a system install with --operator does)"
    fi
  fi
  return 0
}

# Real-time priority and niceness for the kiosk operator's engine process (render_kiosk_limits).
install_kiosk_limits() {
  local limits_dir=${LIMITS_DIR:-/etc/security/limits.d} uid dropin_dir
  mkdir -p "$limits_dir"
  render_kiosk_limits > "$limits_dir/90-$APP.conf.tmp"
  place "$limits_dir/90-$APP.conf" 0644
  uid=$(id -u "$OPERATOR")
  dropin_dir=$UNIT_DIR/user@$uid.service.d
  mkdir -p "$dropin_dir"
  render_kiosk_manager_limits > "$dropin_dir/$APP.conf.tmp"
  place "$dropin_dir/$APP.conf" 0644
  say "kiosk: $OPERATOR's engine may run at SCHED_RR $ENGINE_RT_PRIORITY and nice $ENGINE_NICE" \
    "($limits_dir/90-$APP.conf, $dropin_dir/$APP.conf): from their next login"
}

systemd_running() {
  if [ "$MODE" = user ]; then
    systemctl --user show-environment >/dev/null 2>&1
  else
    [ -d /run/systemd/system ]
  fi
}

install_engine_unit() {
  mkdir -p "$UNIT_DIR"
  render_engine_unit > "$UNIT_DIR/$SERVICE_NAME.tmp"
  place "$UNIT_DIR/$SERVICE_NAME" 0644
  if ! systemd_running; then
    say "systemd is not running here: $UNIT_DIR/$SERVICE_NAME is installed but not enabled"
    return 0
  fi
  "${SYSTEMCTL[@]}" daemon-reload
  if [ "$HEADLESS" = 1 ]; then
    "${SYSTEMCTL[@]}" enable --now "$SERVICE_NAME"
    say "the engine service is enabled and running (${SYSTEMCTL[*]} status $SERVICE_NAME)"
  else
    say "engine service installed, not enabled (headless PCs: ${SYSTEMCTL[*]} enable --now $SERVICE_NAME)"
  fi
}

restart_running_engine() {
  if systemd_running && "${SYSTEMCTL[@]}" is-active --quiet "$SERVICE_NAME" 2>/dev/null; then
    "${SYSTEMCTL[@]}" try-restart "$SERVICE_NAME"
    say "restarted the running engine service on the new version"
  fi
  return 0
}

install_bin_links() {
  local name target
  mkdir -p "$BIN_LINK_DIR"
  for name in bandsaw bandsaw-hmi bandsaw-kiosk; do
    target=$BIN_LINK_DIR/$name
    if [ -e "$target" ] && [ ! -L "$target" ]; then
      warn "$target exists and is not a link: left alone (use $PREFIX/bin/$name)"
      continue
    fi
    ln -sfn "$PREFIX/bin/$name" "$target"
    printf '%s\n' "$target" >> "$MANIFEST.tmp"
  done
}

# Files the previous installation placed that this one did not (a kiosk turned off, a shortcut
# no longer wanted): remove them so the manifest stays the whole truth for --uninstall.
remove_stale_files() {
  [ -f "$MANIFEST" ] || return 0
  local line
  while IFS= read -r line; do
    if [ -n "$line" ] && ! grep -qxF -- "$line" "$MANIFEST.tmp"; then
      rm -f -- "$line"
      say "removed $line (no longer wanted)"
    fi
  done < "$MANIFEST"
}

write_install_info() {
  local created=0
  # Keep the record of a service user an earlier run created.
  if [ -f "$INFO" ] && grep -qx 'SERVICE_USER_CREATED=1' "$INFO"; then created=1; fi
  [ "${SERVICE_USER_CREATED:-0}" = 1 ] && created=1
  cat > "$INFO" <<EOF
# Written by install.sh; read by install.sh --uninstall.
MODE=$MODE
KIOSK=$KIOSK
OPERATOR=$OPERATOR
CONFIG_DIR=$CONFIG_DIR
DATA_DIR=$DATA_DIR
LOGS_DIR=$LOGS_DIR
SERVICE_USER_CREATED=$created
SOURCE_COMMIT=$(git -C "$SOURCE_DIR" rev-parse --short HEAD 2>/dev/null || echo unknown)
INSTALLED_AT=$(date -u +%Y-%m-%dT%H:%M:%SZ)
EOF
}

check_installed_config() {
  local output
  if ! output=$("$PREFIX/bin/bandsaw" config check 2>&1); then
    warn "the configuration does not load with this version:"
    printf '%s\n' "$output" | tail -n 3 >&2
    warn "fix $CONFIG_DIR/config.yaml (compare with config.yaml.new), then: $PREFIX/bin/bandsaw config check"
  fi
  return 0
}

# First run with access control: an admin account instead of a default password.
# `bandsaw users init-admin NAME` (refused once an admin exists) reads the password itself.
first_run_admin() {
  local bandsaw=$PREFIX/bin/bandsaw run_as=() create
  if ! "$bandsaw" --help 2>/dev/null | grep -qE '^ +users( |$)'; then
    say "this version has no 'bandsaw users' command: no admin account to create"
    return 0
  fi
  [ "$MODE" = system ] && run_as=(runuser -u "$SERVICE_USER" --)
  if "${run_as[@]}" "$bandsaw" users list 2>/dev/null | awk '$2 == "admin" { found = 1 } END { exit !found }'; then
    say "an admin account exists: kept"
    return 0
  fi
  if "$bandsaw" users init-admin --help >/dev/null 2>&1; then
    create=(users init-admin)
  else
    create=(users add --role admin)
  fi
  local later="create it later with: $bandsaw ${create[*]} NAME"
  if [ "$INTERACTIVE" = 0 ] || [ ! -t 0 ]; then
    say "no admin account yet and no terminal to ask for a password: $later"
    return 0
  fi
  if [ -z "$ADMIN" ]; then
    read -r -p "install.sh: name of the first admin account [admin]: " ADMIN
    ADMIN=${ADMIN:-admin}
  fi
  say "creating the admin account $ADMIN (bandsaw asks for the password)"
  "${run_as[@]}" "$bandsaw" "${create[@]}" "$ADMIN" || warn "the admin account was not created: $later"
}

# --- uninstall -----------------------------------------------------------------------------

uninstall() {
  if [ ! -f "$INFO" ]; then
    # The program is gone already (an earlier --uninstall): --purge still clears the default places.
    if [ "$PURGE" = 1 ]; then
      rm -rf -- "$CONFIG_DIR" "$DATA_DIR" "$LOGS_DIR" ${OLD_LOGS_DIR:+"$OLD_LOGS_DIR"}
      say "no program in $PREFIX; purged $CONFIG_DIR, $DATA_DIR and $LOGS_DIR"
      return 0
    fi
    die "no installation in $PREFIX (install-info missing); give the same --prefix/--user as at install"
  fi
  local kept_config kept_data kept_logs created line
  kept_config=$(sed -n 's/^CONFIG_DIR=//p' "$INFO")
  kept_data=$(sed -n 's/^DATA_DIR=//p' "$INFO")
  kept_logs=$(sed -n 's/^LOGS_DIR=//p' "$INFO")
  created=$(sed -n 's/^SERVICE_USER_CREATED=//p' "$INFO")
  if systemd_running && [ -f "$UNIT_DIR/$SERVICE_NAME" ]; then
    "${SYSTEMCTL[@]}" disable --now "$SERVICE_NAME" 2>/dev/null || true
  fi
  if [ -f "$MANIFEST" ]; then
    while IFS= read -r line; do
      [ -n "$line" ] && rm -f -- "$line"
    done < "$MANIFEST"
  fi
  systemd_running && "${SYSTEMCTL[@]}" daemon-reload 2>/dev/null
  rm -rf -- "$PREFIX"
  say "removed the program from $PREFIX"
  if [ "$PURGE" = 1 ]; then
    rm -rf -- "$kept_config" "$kept_data" "$kept_logs"
    say "purged $kept_config, $kept_data and $kept_logs"
    if [ "$MODE" = system ] && [ "$created" = 1 ] && getent passwd "$SERVICE_USER" >/dev/null; then
      userdel "$SERVICE_USER" 2>/dev/null || warn "could not remove the user $SERVICE_USER"
      getent group "$SERVICE_USER" >/dev/null && groupdel "$SERVICE_USER" 2>/dev/null
    fi
  else
    say "kept config ($kept_config), data ($kept_data) and logs ($kept_logs); --purge removes them"
  fi
  return 0
}
