#!/bin/sh
# Screenshots of the UI on the in-memory backend (vite dev server, plain browser, no Tauri), for a visual check.
# Needs: chromium (the fake backend is served by the vite dev server: it is not in a production build). Output: ui/test-output/screenshots/*.png
set -eu
cd "$(dirname "$0")/.."
out=test-output/screenshots
mkdir -p "$out"
node_modules/.bin/vite --port 4173 --strictPort >/dev/null 2>&1 &
preview=$!
trap 'kill "$preview" 2>/dev/null' EXIT INT TERM
for _ in $(seq 1 50); do curl -fs http://127.0.0.1:4173/ >/dev/null 2>&1 && break; sleep 0.2; done
shot() {
  chromium --headless --no-sandbox --disable-gpu --hide-scrollbars --window-size=1400,900 \
    --virtual-time-budget="${3:-4000}" --screenshot="$out/$1.png" "http://127.0.0.1:4173/$2" 2>/dev/null
}
shot inbox ""
shot transaction "?kind=transaction"
shot content-draft "?kind=content_draft"
shot clinical-dark "?kind=clinical_suggestion&theme=dark"
shot other-kind "?kind=support_reply"
shot hostile-offline "?hostile&offline"
shot conflicts "?view=conflicts"
shot shortcuts "?view=shortcuts"
shot settings "?view=settings"
shot inbox-100k "?items=100000&theme=dark" 15000
echo "screenshots in ui/$out"
