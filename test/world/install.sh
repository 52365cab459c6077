#!/usr/bin/env bash
# Installs what the test tiers and `npm start` need, skipping whatever is already there:
# Debian packages (when run as root) and a code-server build cached outside the clone.
set -euo pipefail

CODE_SERVER_VERSION=4.100.3
# Bump when the build recipe below changes, so cached builds made by an older recipe are redone.
RECIPE=1
CACHE_ROOT="${XDG_CACHE_HOME:-$HOME/.cache}/acr-access"
PROJECT="$(cd "$(dirname "$0")/../.." && pwd)"
CODE_SERVER_DIR="$CACHE_ROOT/code-server-$CODE_SERVER_VERSION-r$RECIPE"

DEBIAN_PACKAGES=(docker.io docker-registry skopeo podman chromium ripgrep libkrb5-dev libsecret-1-dev pkg-config golang-docker-credential-helpers pass gnupg jq curl azure-cli)

log() { printf '[world] %s\n' "$*" >&2; }

# The cached build is a test host, set up for signing in against the emulator:
# - in test mode every modal dialog is refused, and an extension's first use of an account is one, so it
#   trusts ACR Access the way VS Code trusts its own Git extension;
# - the built-in Microsoft sign-in (which cannot reach Entra from here) is removed, so the test world's
#   emulated one owns the "microsoft" and "microsoft-sovereign-cloud" ids whichever starts first.
prepare_test_host() {
  rm -rf "$CODE_SERVER_DIR/node_modules/code-server/lib/vscode/extensions/microsoft-authentication"
  local workbench="$CODE_SERVER_DIR/node_modules/code-server/lib/vscode/out/vs/code/browser/workbench/workbench.js"
  grep -q 'trustedExtensionAuthAccess:\["acraccess.acr-access",' "$workbench" && return
  sed -i 's/trustedExtensionAuthAccess:\[/trustedExtensionAuthAccess:["acraccess.acr-access",/' "$workbench"
  grep -q 'trustedExtensionAuthAccess:\["acraccess.acr-access",' "$workbench" || { log "could not patch $workbench"; exit 1; }
}

ensure_node_modules() {
  # npm writes node_modules/.package-lock.json on every install; newer than the lock file means up to date.
  [ "$PROJECT/node_modules/.package-lock.json" -nt "$PROJECT/package-lock.json" ] && return
  log "installing npm packages"
  (cd "$PROJECT" && npm ci --no-audit --no-fund >/dev/null)
}

# VS Code's extension host fetches with the system's certificate store (not NODE_EXTRA_CA_CERTS), so the
# emulator's CA goes there, as a user of a custom cloud with a private CA would add theirs.
trust_emulator_ca() {
  [ "$(id -u)" -eq 0 ] || { log "not root: add $(cd "$PROJECT" && node test/emulator --ca-path) to the system's trusted CAs for the host and e2e tiers"; return 0; }
  local ca target=/usr/local/share/ca-certificates/acr-access-emulator.crt
  ca="$(cd "$PROJECT" && node test/emulator --ca-path)"
  cmp -s "$ca" "$target" && return
  log "trusting the emulator's CA system-wide ($target)"
  cp "$ca" "$target"
  update-ca-certificates >/dev/null
}

ensure_debian_packages() {
  local missing=()
  for package in "${DEBIAN_PACKAGES[@]}"; do
    dpkg-query -W -f='${Status}' "$package" 2>/dev/null | grep -q 'install ok installed' || missing+=("$package")
  done
  [ ${#missing[@]} -eq 0 ] && return
  if [ "$(id -u)" -ne 0 ]; then
    log "missing Debian packages: ${missing[*]} (run as root, or install them, then try again)"
    exit 1
  fi
  log "installing Debian packages: ${missing[*]}"
  apt-get update -qq
  DEBIAN_FRONTEND=noninteractive apt-get install -y -qq --no-install-recommends "${missing[@]}" >/dev/null
}

# code-server's own postinstall downloads a ripgrep binary, which fails offline, so its native
# modules are built here by hand and Debian's rg stands in.
ensure_code_server() {
  [ -f "$CODE_SERVER_DIR/.complete" ] && return
  log "building code-server $CODE_SERVER_VERSION into $CODE_SERVER_DIR (once per machine)"
  rm -rf "$CODE_SERVER_DIR"
  mkdir -p "$CODE_SERVER_DIR"
  local top="$CODE_SERVER_DIR/node_modules/code-server"
  local vscode="$top/lib/vscode"
  export npm_config_audit=false npm_config_fund=false npm_config_update_notifier=false
  (cd "$CODE_SERVER_DIR" && npm install --ignore-scripts --no-save "code-server@$CODE_SERVER_VERSION" >/dev/null)
  (cd "$vscode" && npm install --omit=dev --ignore-scripts >/dev/null)
  (cd "$vscode" && npm rebuild kerberos @vscode/spdlog @vscode/deviceid native-watchdog >/dev/null)
  (cd "$vscode" && npm_config_yes=true npm rebuild node-pty >/dev/null)
  mkdir -p "$vscode/node_modules/@vscode/ripgrep/bin"
  cp /usr/bin/rg "$vscode/node_modules/@vscode/ripgrep/bin/rg"
  ln -sfn node_modules "$vscode/node_modules.asar"
  ln -sfn code-linux.sh "$vscode/bin/remote-cli/code-server"
  ln -sfn browser-linux.sh "$vscode/bin/helpers/browser.sh"
  (cd "$vscode/extensions" && npm install --omit=dev >/dev/null)
  (cd "$CODE_SERVER_DIR" && npm rebuild argon2 >/dev/null)
  touch "$CODE_SERVER_DIR/.complete"
}

if [ "${1:-}" = --print-code-server-dir ]; then
  echo "$CODE_SERVER_DIR"
  exit 0
fi
ensure_debian_packages
ensure_code_server
prepare_test_host
ensure_node_modules
trust_emulator_ca
