#!/usr/bin/env bash
# Installs the system packages Countersign needs to build, run and test on Debian/Ubuntu.
# Only missing packages are installed, so a second run costs a second.
set -euo pipefail

packages=(
  # Rust crates that build C code or link system libraries
  build-essential pkg-config libssl-dev libdbus-1-dev
  # The queue service's PostgreSQL back end (tests run against a real server)
  postgresql
  # Tauri v2 on Linux (WebKitGTK) and its headless test rig
  libwebkit2gtk-4.1-dev libgtk-3-dev librsvg2-dev libayatana-appindicator3-dev libsoup-3.0-dev
  libjavascriptcoregtk-4.1-dev xvfb webkit2gtk-driver xauth
  # Secrets and notifications over a real D-Bus session in tests
  dbus dbus-x11 gnome-keyring libsecret-tools python3-dbusmock libglib2.0-bin
  # Screenshots and misc tools used by scripts; python venv for the API fuzzer (schemathesis)
  imagemagick curl ca-certificates python3-venv python3-pip
)

missing=()
for package in "${packages[@]}"; do
  dpkg-query -W -f='${Status}' "$package" 2>/dev/null | grep -q "install ok installed" || missing+=("$package")
done

if [ ${#missing[@]} -gt 0 ]; then
  echo "Installing system packages: ${missing[*]}"
  sudo=""
  [ "$(id -u)" -eq 0 ] || sudo="sudo"
  $sudo apt-get update -q
  DEBIAN_FRONTEND=noninteractive $sudo apt-get install -y -q --no-install-recommends "${missing[@]}"
fi

# The UI toolchain (Vite 8) needs Node.js 20.19 or newer.
if ! node -e 'const [a, b] = process.versions.node.split(".").map(Number); process.exit(a > 20 || (a === 20 && b >= 19) ? 0 : 1)' 2>/dev/null; then
  echo "Node.js 20.19 or newer is needed for the UI (found: $(node --version 2>/dev/null || echo none)). Install it (e.g. from NodeSource or nvm), then run this again." >&2
  exit 1
fi

if ! command -v cargo >/dev/null 2>&1; then
  echo "Rust is not installed. Install it with rustup (https://rustup.rs), then run this again." >&2
  exit 1
fi
