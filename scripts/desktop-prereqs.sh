# Sourced by desktop-e2e.sh and desktop-bench.sh: the tools a WebDriver run of the real app needs,
# and a fresh ui/dist for the app to embed. Anything missing is a failure, never a skip.
for tool in xvfb-run dbus-run-session WebKitWebDriver npm; do
  command -v "$tool" >/dev/null || { echo "$0: $tool is missing (scripts/setup-debian.sh)" >&2; exit 1; }
done
if ! command -v tauri-driver >/dev/null; then
  echo "== installing tauri-driver"
  cargo install tauri-driver --locked
fi

echo "== UI build"
[ -d ui/node_modules ] || npm --prefix ui ci --no-audit --no-fund
npm --prefix ui run build
