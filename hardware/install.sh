#!/usr/bin/env bash
# Installs doorward on a fresh Raspberry Pi OS (Bookworm, 64-bit). Safe to run again: every step
# checks before it changes anything, an existing /etc/doorward/config.yaml is never overwritten.
#
#   sudo ./hardware/install.sh                      # install or upgrade
#   sudo ./hardware/install.sh --apply-boot-config  # also add config.txt.snippet and free the UART
#
# Node.js: doorward needs Node 20 (>= 20.19) or 22 (>= 22.12). Debian's own nodejs package is too
# old, and this script does not download anything outside apt. Install Node first, either
#   - from NodeSource's apt repository for Node 20 (puts node in /usr/bin), or
#   - from the official linux-arm64 tarball of nodejs.org, unpacked under /usr/local
#     (node in /usr/local/bin; this script then points the unit at it with a drop-in).
set -euo pipefail

APP_DIR=/opt/doorward
CONF_DIR=/etc/doorward
STATE_DIR=/var/lib/doorward
SERVICE_USER=doorward
UNIT=/etc/systemd/system/doorward.service
SRC_DIR="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
APPLY_BOOT_CONFIG=no

log() { printf 'doorward-install: %s\n' "$*"; }
die() { printf 'doorward-install: error: %s\n' "$*" >&2; exit 1; }

for arg in "$@"; do
  case "$arg" in
    --apply-boot-config) APPLY_BOOT_CONFIG=yes ;;
    -h|--help) sed -n '2,13p' "$0"; exit 0 ;;
    *) die "unknown option: $arg" ;;
  esac
done

[[ "$(id -u)" -eq 0 ]] || die "must be run as root (sudo $0)"
[[ -f "$SRC_DIR/package.json" && -f "$SRC_DIR/package-lock.json" ]] \
  || die "run from a doorward checkout (no package.json / package-lock.json in $SRC_DIR)"

# --- packages ---------------------------------------------------------------------------------
# build-essential + python3: native modules (better-sqlite3, i2c-bus, epoll, serialport) compile
# on arm64 when no prebuilt binary matches. i2c-tools: i2cdetect -y 1 should show 0x34.
APT_PACKAGES=(build-essential python3 i2c-tools rsync ca-certificates)
missing=()
for pkg in "${APT_PACKAGES[@]}"; do
  dpkg-query -W -f='${Status}' "$pkg" 2>/dev/null | grep -q "install ok installed" || missing+=("$pkg")
done
if ((${#missing[@]})); then
  log "installing ${missing[*]}"
  apt-get update
  DEBIAN_FRONTEND=noninteractive apt-get install -y --no-install-recommends "${missing[@]}"
fi

NODE_BIN="$(command -v node || true)"
[[ -n "$NODE_BIN" ]] || die "node not found: install Node 20 first (see the top of this script)"
NODE_VERSION="$("$NODE_BIN" -p 'process.versions.node')"
NODE_MAJOR="${NODE_VERSION%%.*}"
NODE_MINOR="$(echo "$NODE_VERSION" | cut -d. -f2)"
if ! { [[ "$NODE_MAJOR" -eq 20 && "$NODE_MINOR" -ge 19 ]] || [[ "$NODE_MAJOR" -eq 22 && "$NODE_MINOR" -ge 12 ]]; }; then
  die "node $NODE_VERSION found at $NODE_BIN; doorward needs 20.19+ or 22.12+"
fi
command -v npm >/dev/null || die "npm not found next to node"

# --- user and groups --------------------------------------------------------------------------
# gpio, i2c and dialout exist on Raspberry Pi OS; create them on other images so the unit starts.
for group in gpio i2c dialout; do
  getent group "$group" >/dev/null || { log "creating group $group"; groupadd --system "$group"; }
done
if ! id "$SERVICE_USER" >/dev/null 2>&1; then
  log "creating system user $SERVICE_USER"
  useradd --system --user-group --home-dir "$STATE_DIR" --no-create-home \
    --shell /usr/sbin/nologin --comment "doorward access controller" "$SERVICE_USER"
fi
usermod -a -G gpio,i2c,dialout "$SERVICE_USER"

# --- application --------------------------------------------------------------------------------
# Owned by root, readable by the service: a compromised service cannot rewrite its own code.
log "copying the app to $APP_DIR"
install -d -m 0755 -o root -g root "$APP_DIR"
rsync -a --delete --chown=root:root --chmod=D0755,F0644 \
  --exclude node_modules --exclude .git --exclude data --exclude dist --exclude '*.db' \
  "$SRC_DIR/" "$APP_DIR/"
chmod 0755 "$APP_DIR/hardware/install.sh"
log "installing dependencies, compiling, then dropping the build-only ones"
# The service runs the compiled build (NODE_ENV=production in the unit): no TypeScript loader
# at run time, about 35 MB less memory and a start in well under a second.
(cd "$APP_DIR" && npm ci --no-audit --no-fund && npm run build && npm prune --omit=dev --no-audit --no-fund)

# --- configuration and state ------------------------------------------------------------------
install -d -m 0750 -o root -g "$SERVICE_USER" "$CONF_DIR"
CONFIG_CREATED=no
if [[ ! -f "$CONF_DIR/config.yaml" ]]; then
  install -m 0640 -o root -g "$SERVICE_USER" "$SRC_DIR/hardware/config.example.yaml" "$CONF_DIR/config.yaml"
  CONFIG_CREATED=yes
  log "wrote $CONF_DIR/config.yaml from the example: review it before starting"
fi
install -d -m 0750 -o "$SERVICE_USER" -g "$SERVICE_USER" "$STATE_DIR"

# --- udev -------------------------------------------------------------------------------------
install -m 0644 "$SRC_DIR/hardware/99-doorward.rules" /etc/udev/rules.d/99-doorward.rules
if command -v udevadm >/dev/null && [[ -d /run/udev ]]; then
  udevadm control --reload
  udevadm trigger --subsystem-match=tty --subsystem-match=i2c-dev || true
fi

# --- systemd: the service and the hardware watchdog -------------------------------------------
install -m 0644 "$SRC_DIR/hardware/doorward.service" "$UNIT"
DROPIN_DIR=/etc/systemd/system/doorward.service.d
if [[ "$NODE_BIN" != /usr/bin/node ]]; then
  install -d -m 0755 "$DROPIN_DIR"
  cat >"$DROPIN_DIR/node-path.conf" <<UNIT
# Written by install.sh: node is not at /usr/bin/node on this machine.
[Service]
ExecStart=
ExecStart=$NODE_BIN $APP_DIR/bin/doorward.js start --config $CONF_DIR/config.yaml
UNIT
else
  rm -f "$DROPIN_DIR/node-path.conf"
fi

# PID 1 feeds the SoC watchdog (dtparam=watchdog=on); a hung kernel or systemd resets the board.
# 14 s: the bcm2835 watchdog cannot count beyond about 15 s.
install -d -m 0755 /etc/systemd/system.conf.d
WATCHDOG_CONF=/etc/systemd/system.conf.d/doorward-watchdog.conf
WATCHDOG_WANTED=$'[Manager]\nRuntimeWatchdogSec=14s\nRebootWatchdogSec=2min\n'
if [[ ! -f "$WATCHDOG_CONF" ]] || [[ "$(cat "$WATCHDOG_CONF")"$'\n' != "$WATCHDOG_WANTED" ]]; then
  printf '%s' "$WATCHDOG_WANTED" >"$WATCHDOG_CONF"
  WATCHDOG_CHANGED=yes
else
  WATCHDOG_CHANGED=no
fi

if [[ -d /run/systemd/system ]]; then
  [[ "$WATCHDOG_CHANGED" == yes ]] && systemctl daemon-reexec
  systemctl daemon-reload
  systemctl enable doorward.service
  if [[ "$CONFIG_CREATED" == yes ]]; then
    log "enabled; start it after editing the config:  systemctl start doorward"
  else
    systemctl restart doorward.service
    log "restarted doorward (journalctl -u doorward -f)"
  fi
else
  log "systemd is not running here: unit installed, enable it on the Pi with systemctl enable --now doorward"
fi

# --- boot configuration (opt-in) ------------------------------------------------------------------
if [[ "$APPLY_BOOT_CONFIG" == yes ]]; then
  BOOT_DIR=/boot/firmware
  [[ -f "$BOOT_DIR/config.txt" ]] || BOOT_DIR=/boot
  [[ -f "$BOOT_DIR/config.txt" ]] || die "no config.txt in /boot/firmware or /boot"
  MARK="# --- doorward (hardware/config.txt.snippet) ---"
  if ! grep -qxF "$MARK" "$BOOT_DIR/config.txt"; then
    cp "$BOOT_DIR/config.txt" "$BOOT_DIR/config.txt.before-doorward"
    { printf '\n%s\n' "$MARK"; cat "$SRC_DIR/hardware/config.txt.snippet"; printf '%s\n' "# --- end doorward ---"; } \
      >>"$BOOT_DIR/config.txt"
    log "added the doorward block to $BOOT_DIR/config.txt (backup: config.txt.before-doorward)"
  fi
  if [[ -f "$BOOT_DIR/cmdline.txt" ]] && grep -q 'console=serial0,[0-9]*' "$BOOT_DIR/cmdline.txt"; then
    cp "$BOOT_DIR/cmdline.txt" "$BOOT_DIR/cmdline.txt.before-doorward"
    sed -i 's/console=serial0,[0-9]* *//' "$BOOT_DIR/cmdline.txt"
    log "removed the serial console from cmdline.txt: the UART belongs to the fingerprint sensor"
  fi
  log "reboot to apply the boot configuration"
fi

log "done"
