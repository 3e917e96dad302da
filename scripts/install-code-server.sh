#!/usr/bin/env bash
# Installs code-server (VS Code's workbench and extension host, served to a browser) from the
# npm registry for the end-to-end suite (`npm run test:e2e`), with no download from anywhere
# else: its native modules are compiled against Debian's headers and the local Node's.
#
#   scripts/install-code-server.sh <dir>      the binary's path is the last line on stdout
#
# A second run only checks (a few seconds). Env: CS_VERSION (default 4.100.3, needs Node 20),
# SKIP_APT=1 (never call apt-get, only check the commands exist). Progress goes to stderr,
# command output to <dir>/install.log.
set -Eeuo pipefail

VERSION="${CS_VERSION:-4.100.3}"
PACKAGES="libkrb5-dev libx11-dev libxkbfile-dev libsecret-1-dev pkg-config ripgrep python3 make g++"
# VS Code's modules with native parts, shipped unbuilt because the install runs no scripts.
NATIVE_MODULES="kerberos node-pty @parcel/watcher @vscode/deviceid @vscode/spdlog native-watchdog"
START=$SECONDS

log() { printf '[code-server install %3ss] %s\n' "$((SECONDS - START))" "$*" >&2; }
fail() {
  printf 'code-server install failed: %s\n' "$*" >&2
  exit 1
}

[ $# -eq 1 ] || fail "usage: $0 <dir>"
mkdir -p "$1"
DIR="$(cd "$1" && pwd -P)"
LOG="$DIR/install.log"
: >"$LOG"

# Each step's output goes to the log; a failure shows its tail.
quiet() {
  echo "\$ (cd $PWD) $*" >>"$LOG"
  "$@" >>"$LOG" 2>&1 || {
    tail -n 30 "$LOG" >&2
    fail "'$*' in $PWD (whole output: $LOG)"
  }
}

node_major="$(node -p 'process.versions.node.split(".")[0]')"
[ "$node_major" = 20 ] || fail "code-server $VERSION needs Node 20; this is Node $(node --version)"

# --- Debian packages: headers for the native modules, ripgrep, a compiler.
if [ "${SKIP_APT:-0}" != 1 ] && command -v dpkg-query >/dev/null; then
  need=()
  for p in $PACKAGES; do
    dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q 'ok installed' || need+=("$p")
  done
  if [ ${#need[@]} -gt 0 ]; then
    [ "$(id -u)" = 0 ] || fail "missing Debian packages (${need[*]}): run as root, or apt-get install -y ${need[*]}"
    log "apt-get install ${need[*]}"
    export DEBIAN_FRONTEND=noninteractive
    quiet apt-get -o DPkg::Lock::Timeout=600 update
    quiet apt-get -o DPkg::Lock::Timeout=600 install -y "${need[@]}"
  fi
fi
for c in rg python3 make g++ pkg-config; do
  command -v "$c" >/dev/null || fail "'$c' is missing (Debian packages: $PACKAGES)"
done

# node-gyp fetches Node's headers from nodejs.org unless pointed at local ones.
if [ -z "${npm_config_nodedir:-}" ]; then
  node_prefix="$(dirname "$(dirname "$(readlink -f "$(command -v node)")")")"
  [ -f "$node_prefix/include/node/node.h" ] && export npm_config_nodedir="$node_prefix"
fi
# npm_config_yes: node-pty's build runs `npx node-gyp`, which would otherwise stop to ask.
export npm_config_yes=true npm_config_audit=false npm_config_fund=false npm_config_update_notifier=false

# --- The npm package, without its postinstall (which wants VS Code's dev tooling).
cd "$DIR"
[ -f package.json ] || echo '{ "name": "lsmi-e2e-code-server", "private": true }' >package.json
CS="$DIR/node_modules/code-server"
installed="$(node -p "try { require('$CS/package.json').version } catch { '' }")"
if [ "$installed" != "$VERSION" ]; then
  log "npm install code-server@$VERSION"
  quiet npm install "code-server@$VERSION" --ignore-scripts
fi

# --- What the postinstall would do: VS Code's production dependencies and native builds.
cd "$CS/lib/vscode"
log "VS Code dependencies"
quiet npm install --omit=dev --ignore-scripts
# @vscode/ripgrep's own install downloads rg from GitHub; Debian's does the same job.
mkdir -p node_modules/@vscode/ripgrep/bin
cp -f "$(command -v rg)" node_modules/@vscode/ripgrep/bin/rg

loads() {
  if [ "$1" = node-pty ]; then
    node -e "require('node-pty').spawn('/bin/true', [], {}).onExit(() => process.exit(0)); setTimeout(() => process.exit(1), 5000)"
  else
    node -e "require('$1')"
  fi
} >/dev/null 2>&1
unbuilt=()
for m in $NATIVE_MODULES; do loads "$m" || unbuilt+=("$m"); done
if [ ${#unbuilt[@]} -gt 0 ]; then
  log "compiling ${unbuilt[*]}"
  quiet npm rebuild "${unbuilt[@]}"
  for m in "${unbuilt[@]}"; do loads "$m" || fail "$m does not load after npm rebuild (see $LOG)"; done
fi
rm -rf node_modules.asar bin/remote-cli/code-server bin/helpers/browser.sh
ln -s node_modules node_modules.asar
ln -s code-linux.sh bin/remote-cli/code-server
ln -s browser-linux.sh bin/helpers/browser.sh

cd "$CS/lib/vscode/extensions"
log "built-in extensions' dependencies"
quiet npm install --omit=dev --ignore-scripts
[ -f postinstall.mjs ] && quiet node postinstall.mjs

# code-server loads argon2 at start, even with --auth none.
cd "$CS"
if ! node -e "require('argon2')" >/dev/null 2>&1; then
  log "compiling argon2"
  cd "$DIR" && quiet npm rebuild argon2
fi

BIN="$DIR/node_modules/.bin/code-server"
# --config: without it code-server writes ~/.config/code-server/config.yaml.
tmp="$(mktemp -d)"
trap 'rm -rf "$tmp"' EXIT
printf 'auth: none\ncert: false\n' >"$tmp/config.yaml"
got="$(XDG_CONFIG_HOME="$tmp" XDG_DATA_HOME="$tmp" "$BIN" --config "$tmp/config.yaml" --version 2>>"$LOG" | head -n 1)"
case "$got" in "$VERSION "*) ;; *) fail "$BIN --version printed '$got', expected $VERSION" ;; esac
log "code-server $VERSION ready in $((SECONDS - START)) s"
echo "$BIN"
